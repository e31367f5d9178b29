"""DuckDB's side of a write: staging streams, schema evolution, merge, and the publishing transaction.

:class:`DuckDBEngine.write` stages the data in a ``_stg_`` table (streamed from Arrow, never held in
Python whole), then :func:`publish` validates it and, in ONE transaction, evolves the live table's
schema, replaces / appends / merges the rows and appends the extra bookkeeping rows. Anything that
fails before ``COMMIT`` leaves the warehouse as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from aimass._typing import WriteMode
from aimass.engine._base import ExtraRows, Validator, WriteResult
from aimass.engine._duckdb import quote
from aimass.engine._names import TableName, parse_table_name
from aimass.exceptions import ConfigError, EngineError, SchemaError

if TYPE_CHECKING:
    from aimass.engine._duckdb import DuckDBEngine

__all__ = ["SEQUENCE_COLUMN", "evolve", "numbered", "publish", "stage_segments", "widens_to"]

#: Added while staging a merge so that "the last version of a key wins" does not depend on scan order.
SEQUENCE_COLUMN = "_aimass_seq"

_SIGNED = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")
_UNSIGNED = ("UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
_FLOATS = ("FLOAT", "DOUBLE")
_TIMES = ("DATE", "TIMESTAMP")


def widens_to(narrow: str, wide: str) -> bool:
    """Whether every value of DuckDB type ``narrow`` is kept exactly (or as a close double) by ``wide``.

    Examples
    --------
    >>> widens_to("INTEGER", "BIGINT"), widens_to("BIGINT", "DOUBLE"), widens_to("DATE", "TIMESTAMP")
    (True, True, True)
    >>> widens_to("BIGINT", "INTEGER"), widens_to("BIGINT", "VARCHAR"), widens_to("VARCHAR", "BIGINT")
    (False, False, False)
    """
    if narrow == wide:
        return True
    if narrow in _SIGNED and wide in _SIGNED:
        return _SIGNED.index(narrow) <= _SIGNED.index(wide)
    if narrow in _UNSIGNED and wide in _SIGNED:
        return _UNSIGNED.index(narrow) + 1 <= _SIGNED.index(wide)
    if narrow in _UNSIGNED and wide in _UNSIGNED:
        return _UNSIGNED.index(narrow) <= _UNSIGNED.index(wide)
    if (narrow in _SIGNED or narrow in _UNSIGNED or narrow == "FLOAT") and wide == "DOUBLE":
        return True
    return narrow in _TIMES and wide in _TIMES and _TIMES.index(narrow) <= _TIMES.index(wide)


def variant_name(column: str, kind: str) -> str:
    """The column that keeps values of ``kind`` when ``column`` has another type: ``qty__v_varchar``."""
    slug = re.sub(r"[^a-z0-9]+", "_", kind.lower()).strip("_") or "value"
    return f"{column}__v_{slug}"


def numbered(reader: pa.RecordBatchReader, counter: list[int]) -> pa.RecordBatchReader:
    """``reader`` with :data:`SEQUENCE_COLUMN` appended, counting on from ``counter[0]``."""
    schema = reader.schema.append(pa.field(SEQUENCE_COLUMN, pa.int64()))

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            start = counter[0]
            counter[0] += batch.num_rows
            sequence = pa.array(np.arange(start, start + batch.num_rows, dtype=np.int64))
            yield pa.RecordBatch.from_arrays([*batch.columns, sequence], schema=schema)

    return pa.RecordBatchReader.from_batches(schema, batches())


def stage_reader(engine: DuckDBEngine, staging: TableName, reader: pa.RecordBatchReader) -> None:
    """``CREATE TABLE staging AS`` the stream, batch by batch."""
    view = f"_aimass_in_{staging.table[-8:]}"
    engine.con.register(view, reader)
    try:
        engine.execute(f"CREATE TABLE {quote(staging)} AS SELECT * FROM {view}")
    finally:
        engine.con.unregister(view)


def stage_segments(
    engine: DuckDBEngine,
    staging: TableName,
    readers: Iterable[pa.RecordBatchReader],
    wrap: Callable[[pa.RecordBatchReader], pa.RecordBatchReader],
) -> list[dict[str, str]]:
    """Stage consecutive streams into one table, evolving it between them; the changes made."""
    changes: list[dict[str, str]] = []
    first = True
    for reader in readers:
        if first:
            stage_reader(engine, staging, wrap(reader))
            first = False
            continue
        part = TableName(staging.schema, f"{staging.table}_part")
        stage_reader(engine, part, wrap(reader))
        try:
            changes += evolve(engine, staging, part)
            engine.execute(f"INSERT INTO {quote(staging)} BY NAME SELECT * FROM {quote(part)}")
        finally:
            engine.execute(f"DROP TABLE IF EXISTS {quote(part)}")
    if first:
        raise ConfigError("no data to write: Segments holds no stream")
    return changes


def evolve(engine: DuckDBEngine, live: TableName, incoming: TableName) -> list[dict[str, str]]:
    """Make ``live`` able to take every column of ``incoming``; return the changes.

    A new column is added; a type that ``widens_to`` the live one is taken as is; a live type that
    widens to the incoming one is widened; any other change renames the incoming column to its
    variant (:func:`variant_name`), added to ``live`` too, so no typed column is ever stringified.
    """
    changes: list[dict[str, str]] = []
    have = table_columns(engine, live)
    lowered = {column.lower(): column for column in have}
    for column, kind in table_columns(engine, incoming).items():
        if column == SEQUENCE_COLUMN:
            continue
        existing = lowered.get(column.lower())
        if existing is None:
            engine.execute(f"ALTER TABLE {quote(live)} ADD COLUMN {quote(column)} {kind}")
            changes.append({"column": column, "change": "added", "from": "", "to": kind})
            continue
        old = have[existing]
        if widens_to(kind, old):
            continue
        if widens_to(old, kind):
            engine.execute(f"ALTER TABLE {quote(live)} ALTER COLUMN {quote(existing)} TYPE {kind}")
            changes.append({"column": existing, "change": "widened", "from": old, "to": kind})
            continue
        variant = variant_name(existing, kind)
        engine.execute(f"ALTER TABLE {quote(incoming)} RENAME COLUMN {quote(column)} TO {quote(variant)}")
        if variant.lower() not in lowered:
            engine.execute(f"ALTER TABLE {quote(live)} ADD COLUMN {quote(variant)} {kind}")
        changes.append({"column": existing, "change": "variant", "from": old, "to": kind, "variant": variant})
    return changes


def table_columns(engine: DuckDBEngine, name: TableName) -> dict[str, str]:
    """Column names and DuckDB types of any table, staging ones included."""
    rows = engine.con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = $s AND table_name = $t "
        "ORDER BY ordinal_position",
        {"s": name.schema, "t": name.table},
    ).fetchall()
    return {str(column): str(kind) for column, kind in rows}


def _count(engine: DuckDBEngine, name: TableName) -> int:
    row = engine.con.execute(f"SELECT count(*) FROM {quote(name)}").fetchone()
    return int(row[0]) if row else 0


def _key_match(key: Sequence[str], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{quote(k)} IS NOT DISTINCT FROM {right}.{quote(k)}" for k in key)


def _check_key(key: Sequence[str], columns: Iterable[str], where: str, target: TableName) -> None:
    if missing := [column for column in key if column not in set(columns)]:
        raise SchemaError(
            f"cannot merge into {target}: the primary key column(s) {', '.join(missing)} are not in {where}; "
            "give the key columns the data has (--primary-key), or load with mode replace"
        )


def _check_key_types(key: Sequence[str], changes: list[dict[str, str]], target: TableName) -> None:
    for change in changes:
        if change["change"] == "variant" and change["column"] in key:
            raise SchemaError(
                f"cannot merge into {target}: the primary key column {change['column']!r} changed type from "
                f"{change['from']} to {change['to']}, so loaded rows cannot be matched to the table's rows; "
                "cast the key in the source to its old type, or load once with mode replace"
            )


def _dedupe(engine: DuckDBEngine, staging: TableName, key: Sequence[str], target: TableName) -> TableName:
    """The last version of each key, in a new staging table (the old one is dropped)."""
    columns = table_columns(engine, staging)
    _check_key(key, columns, "the loaded data", target)
    order = f"ORDER BY {quote(SEQUENCE_COLUMN)} DESC" if SEQUENCE_COLUMN in columns else ""
    drop = f"EXCLUDE ({quote(SEQUENCE_COLUMN)})" if SEQUENCE_COLUMN in columns else ""
    deduped = TableName(staging.schema, f"{staging.table}_d")
    partition = ", ".join(quote(k) for k in key)
    engine.execute(
        f"CREATE TABLE {quote(deduped)} AS SELECT * {drop} FROM {quote(staging)} "
        f"QUALIFY row_number() OVER (PARTITION BY {partition} {order}) = 1"
    )
    engine.execute(f"DROP TABLE {quote(staging)}")
    return deduped


def publish(
    engine: DuckDBEngine,
    staging: TableName,
    target: TableName,
    mode: WriteMode,
    *,
    validate: Validator | None,
    key: Sequence[str],
    extra_rows: ExtraRows | None,
    staged_changes: list[dict[str, str]],
) -> WriteResult:
    """Validate the staged table, then swap, append or merge it into place in one transaction."""
    current = staging
    try:
        staged = _count(engine, current)
        if mode == "merge":
            current = _dedupe(engine, current, key, target)
        elif SEQUENCE_COLUMN in table_columns(engine, current):
            engine.execute(f"ALTER TABLE {quote(current)} DROP COLUMN {quote(SEQUENCE_COLUMN)}")
        if validate is not None:
            validate(engine.ibis.table(current.table, database=current.schema))
        rows = _count(engine, current)
        result = _transaction(engine, current, target, mode, key, extra_rows, rows)
    except BaseException:
        for name in {staging, current}:
            engine.con.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        raise
    return WriteResult(
        rows=rows,
        rows_new=result.rows_new,
        rows_updated=result.rows_updated,
        rows_skipped=staged - rows,
        changes=_unique(staged_changes + result.changes),
    )


def _unique(changes: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: set[tuple[tuple[str, str], ...]] = set()
    kept = []
    for change in changes:
        marker = tuple(sorted(change.items()))
        if marker not in seen:
            seen.add(marker)
            kept.append(change)
    return kept


def _transaction(
    engine: DuckDBEngine,
    staging: TableName,
    target: TableName,
    mode: WriteMode,
    key: Sequence[str],
    extra_rows: ExtraRows | None,
    rows: int,
) -> WriteResult:
    import duckdb

    con = engine.con
    exists = bool(table_columns(engine, target))
    updated = 0
    changes: list[dict[str, str]] = []
    extras = [
        (parse_table_name(name), value() if callable(value) else value)
        for name, value in (extra_rows or {}).items()
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        if mode in ("append", "merge") and exists:
            changes = evolve(engine, target, staging)
            if mode == "merge":
                _check_key_types(key, changes, target)
                _check_key(
                    key, table_columns(engine, staging), "the loaded data after schema evolution", target
                )
                _check_key(key, table_columns(engine, target), f"the table {target}", target)
                match = _key_match(key, "t", "s")
                found = con.execute(
                    f"SELECT count(*) FROM {quote(staging)} s WHERE EXISTS "
                    f"(SELECT 1 FROM {quote(target)} t WHERE {match})"
                ).fetchone()
                updated = int(found[0]) if found else 0
                con.execute(f"DELETE FROM {quote(target)} t USING {quote(staging)} s WHERE {match}")
            con.execute(f"INSERT INTO {quote(target)} BY NAME SELECT * FROM {quote(staging)}")
            con.execute(f"DROP TABLE {quote(staging)}")
        else:
            con.execute(f"DROP TABLE IF EXISTS {quote(target)}")
            con.execute(f"ALTER TABLE {quote(staging)} RENAME TO {quote(target.table)}")
        for name, table in extras:
            if table is None or table.num_rows == 0:
                continue
            view = f"_aimass_extra_{name.table}"
            con.register(view, table)
            try:
                con.execute(f"INSERT INTO {quote(name)} BY NAME SELECT * FROM {view}")
            finally:
                con.unregister(view)
        con.execute("COMMIT")
    except BaseException as error:
        con.execute("ROLLBACK")
        if isinstance(error, duckdb.Error):
            raise EngineError(f"writing {target} failed, nothing was changed: {error}") from None
        raise
    return WriteResult(rows=rows, rows_new=rows - updated, rows_updated=updated, changes=changes)
