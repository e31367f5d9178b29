"""Validation on write: a ``core.*`` table is written only if it fits its declared schema.

The checks run as aggregate queries in the engine, so they work on tables larger than memory:
required columns present, every value castable to its declared type, required values non-null,
and keys unique. A failure raises :class:`SchemaError` naming the table, the column, a few
offending rows and what was expected; nothing is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt

from aimass.canonical._tables import ColumnSpec, TableSpec, table_spec
from aimass.engine import Engine, TableData, to_arrow
from aimass.exceptions import SchemaError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["conform", "write_core"]

_IBIS_TYPES: dict[str, dt.DataType] = {
    "string": dt.string,
    "int64": dt.int64,
    "float64": dt.float64,
    "boolean": dt.boolean,
    "timestamp": dt.Timestamp(),
    "date": dt.date,
    "json": dt.string,
}
_SAMPLE_ROWS = 5


def _as_table(data: TableData) -> ir.Table:
    import ibis.expr.types as ir

    return data if isinstance(data, ir.Table) else ibis.memtable(to_arrow(data))


def _target_type(column: ColumnSpec) -> dt.DataType:
    return _IBIS_TYPES[column.type]


def _converted(value: ir.Value, column: ColumnSpec) -> ir.Value:
    """``value`` in the column's declared type (nested values become JSON text)."""
    target = _target_type(column)
    source = value.type()
    if column.type == "json" and (source.is_struct() or source.is_map() or source.is_array()):
        return value.cast("json").cast("string")
    if source == target or (target.is_timestamp() and source.is_timestamp() and source.timezone is None):
        return value
    if target.is_timestamp() and source.is_timestamp():  # aware -> naive UTC
        return value.cast(dt.Timestamp(timezone="UTC")).cast(dt.Timestamp())
    return value.try_cast(target)


def conform(data: TableData, spec: TableSpec | str) -> ir.Table:
    """Cast ``data`` to a canonical table's declared types, declared columns first.

    Declared columns that are missing (and not required) are added as typed nulls; columns beyond
    the declared ones are kept, after them. Values that cannot be cast become null here: use
    :func:`write_core`, which refuses them, to write.

    Parameters
    ----------
    data : pyarrow.Table, pandas/polars DataFrame or Ibis table
        The rows to conform.
    spec : TableSpec or str
        The canonical table, or its name.

    Returns
    -------
    ibis.expr.types.Table
        A lazy expression.
    """
    spec = table_spec(spec) if isinstance(spec, str) else spec
    table = _as_table(data)
    present = set(table.columns)
    selected: list[ir.Value] = []
    for column in spec.columns:
        if column.name in present:
            selected.append(_converted(table[column.name], column).name(column.name))
        else:
            selected.append(ibis.null(_target_type(column)).name(column.name))
    extras = [table[name] for name in table.columns if name not in set(spec.column_names)]
    return table.select(*selected, *extras)


def _check_columns(table: ir.Table, spec: TableSpec) -> None:
    missing = [name for name in spec.required if name not in table.columns]
    if missing:
        raise SchemaError(
            f"{spec.qualified} is missing required column(s) {missing}: it needs {list(spec.required)} "
            f"(got {list(table.columns)})",
            table=spec.qualified,
            column=missing[0],
        )
    for group in spec.any_of:
        if not any(name in table.columns for name in group):
            raise SchemaError(
                f"{spec.qualified} needs at least one of the columns {list(group)} "
                f"(got {list(table.columns)})",
                table=spec.qualified,
                column=group[0],
            )


def _samples(table: ir.Table, condition: ir.BooleanValue, columns: list[str]) -> list[dict[str, Any]]:
    rows = table.filter(condition).select(*dict.fromkeys(columns)).limit(_SAMPLE_ROWS).to_pyarrow()
    return [dict(row) for row in rows.to_pylist()]


def _check_values(table: ir.Table, spec: TableSpec) -> None:
    """One aggregate pass: values that do not cast, and nulls where a value is required."""
    declared = [column for column in spec.columns if column.name in table.columns]
    uncastable: dict[str, ir.BooleanValue] = {}
    for column in declared:
        raw = table[column.name]
        converted = _converted(raw, column)
        if converted is not raw:
            uncastable[column.name] = raw.notnull() & converted.isnull()
    required_null = {name: table[name].isnull() for name in spec.required}
    empty_groups = {
        " or ".join(group): ibis.and_(*(table[name].isnull() for name in group if name in table.columns))
        for group in spec.any_of
    }
    measures = {f"cast__{name}": cond.sum() for name, cond in uncastable.items()}
    measures |= {f"null__{name}": cond.sum() for name, cond in required_null.items()}
    measures |= {f"none__{i}": cond.sum() for i, cond in enumerate(empty_groups.values())}
    if not measures:
        return
    counts = table.aggregate(**measures).to_pyarrow().to_pylist()[0]
    keys = [name for name in spec.key if name in table.columns]
    for name, cond in uncastable.items():
        bad = int(counts[f"cast__{name}"] or 0)
        if bad:
            kind = spec.column(name).type
            raise SchemaError(
                f"{spec.qualified}.{name}: {bad} value(s) cannot be read as {kind} "
                f"(the column's type is {table[name].type()})",
                table=spec.qualified,
                column=name,
                samples=_samples(table, cond, [*keys, name]),
            )
    for name, cond in required_null.items():
        bad = int(counts[f"null__{name}"] or 0)
        if bad:
            raise SchemaError(
                f"{spec.qualified}.{name} is required but {bad} row(s) have no value",
                table=spec.qualified,
                column=name,
                samples=_samples(table, cond, [*keys, name]),
            )
    for i, (label, cond) in enumerate(empty_groups.items()):
        bad = int(counts[f"none__{i}"] or 0)
        if bad:
            raise SchemaError(
                f"{spec.qualified}: {bad} row(s) have none of {label}; each row needs at least one",
                table=spec.qualified,
                column=label.split(" or ")[0],
                samples=_samples(table, cond, [*keys, *label.split(" or ")]),
            )


def _check_keys(staged: ir.Table, spec: TableSpec) -> None:
    key = list(spec.key)
    duplicated = staged.group_by(key).aggregate(n_rows=staged.count()).filter(lambda t: t.n_rows > 1)
    n_keys = int(duplicated.count().to_pyarrow().as_py())
    if n_keys:
        samples = duplicated.order_by(ibis.desc("n_rows")).limit(_SAMPLE_ROWS).to_pyarrow().to_pylist()
        raise SchemaError(
            f"{spec.qualified}: the key {key} must be unique, but {n_keys} key value(s) occur more than once",
            table=spec.qualified,
            column=key[0],
            samples=samples,
        )


def write_core(engine: Engine, name: str, data: TableData) -> int:
    """Validate ``data`` against ``core.<name>`` and write it there atomically.

    Parameters
    ----------
    engine : Engine
        The warehouse.
    name : str
        A canonical table, e.g. ``"orders"`` or ``"core.orders"``.
    data : pyarrow.Table, pandas/polars DataFrame or Ibis table
        The rows (an Ibis expression is computed in the engine).

    Returns
    -------
    int
        Rows written.

    Raises
    ------
    SchemaError
        When a required column is missing, a value cannot be cast, a required value is null or a
        key repeats; the live table is then left as it was.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from aimass.engine import connect
    >>> from aimass.settings import EngineSettings
    >>> from pathlib import Path
    >>> engine = connect(EngineSettings(path=":memory:"), root=Path("."))
    >>> rows = pa.table({"campaign_id": ["c1"], "name": ["Spring"], "starts_at": ["2024-03-01"]})
    >>> write_core(engine, "campaigns", rows)
    1
    >>> write_core(engine, "campaigns", pa.table({"campaign_id": ["c1"], "name": ["x"]}))
    Traceback (most recent call last):
    ...
    aimass.exceptions.SchemaError: core.campaigns is missing required column(s) ['starts_at']: ...
    """
    spec = table_spec(name)
    table = _as_table(data)
    _check_columns(table, spec)
    _check_values(table, spec)
    return engine.write_table(
        spec.qualified, conform(table, spec), validate=lambda staged: _check_keys(staged, spec)
    )
