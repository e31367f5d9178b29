"""Nested JSON made relational, like dlt does: one parent table plus child tables joined by keys.

:func:`flatten` turns an Arrow table whose columns hold nested objects and lists into flat tables:

- a nested object becomes columns named with ``__`` (``offer.type`` -> ``offer__type``);
- a list of objects becomes a child table ``<parent>__<field>`` with ``_parent_key`` (the parent's
  key, or its generated ``_row_id``), ``_position`` (the index in the list) and the object's own
  flattened columns; lists inside those become grandchildren, recursively;
- a list of scalars becomes a child table with a ``value`` column, or JSON text in the parent when
  ``scalar_lists="json"``.

:func:`load_flattened` writes the parent and every child table through the shared loader
(:func:`aimass.ingest._batches.load_batches`), so each lands with lineage columns and a
``meta.loads`` row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aimass.exceptions import ConfigError, TerminalSourceError

if TYPE_CHECKING:
    from aimass.engine import Engine
    from aimass.ingest._result import LoadResult
    from aimass.workspace import Workspace

__all__ = [
    "PARENT_KEY",
    "POSITION",
    "ROW_ID",
    "SEPARATOR",
    "ScalarLists",
    "flatten",
    "load_flattened",
    "load_flattened_file",
    "read_json_records",
]

#: Joins the parts of a nested name: ``offer__type``, ``orders__lines``.
SEPARATOR = "__"
#: The generated key of a row whose table has no key of its own.
ROW_ID = "_row_id"
#: In a child table: the key of the parent row.
PARENT_KEY = "_parent_key"
#: In a child table: the index of the element in the parent's list.
POSITION = "_position"
#: What a list of scalars becomes: a child table, or JSON text in the parent.
ScalarLists = Literal["table", "json"]
_SCALAR_LISTS: tuple[ScalarLists, ...] = ("table", "json")


def _is_list(kind: pa.DataType) -> bool:
    return bool(pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind))


def _json_text(values: pa.Array) -> pa.Array:
    """Each value as JSON text (null stays null)."""
    texts = [
        None if value is None else json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
        for value in values.to_pylist()
    ]
    return pa.array(texts, pa.string())


def _row_ids(table: pa.Table) -> pa.Array:
    """A key per parent row from its content: the same rows always get the same ids, repeats a counter.

    Child rows need no hashing: their key is ``<parent key>/<position>``.
    """
    seen: dict[str, int] = {}
    ids = []
    for row in table.to_pylist():
        digest = hashlib.blake2b(
            json.dumps(row, ensure_ascii=False, default=str, sort_keys=True).encode("utf-8"), digest_size=8
        ).hexdigest()
        count = seen.get(digest, 0)
        seen[digest] = count + 1
        ids.append(digest if count == 0 else f"{digest}-{count}")
    return pa.array(ids, pa.string())


def _positions(parents: np.ndarray[Any, np.dtype[np.int64]]) -> pa.Array:
    """The index of each flattened element inside its own list (``parents`` is non-decreasing)."""
    n = parents.size
    if n == 0:
        return pa.array([], pa.int64())
    starts = np.r_[True, parents[1:] != parents[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    return pa.array(np.arange(n) - first, pa.int64())


class _Flattener:
    """One flatten call: collects the child tables while walking the parent's columns."""

    def __init__(self, scalar_lists: ScalarLists) -> None:
        self.scalar_lists = scalar_lists
        self.tables: dict[str, pa.Table] = {}

    def table(self, table: pa.Table, name: str, key: str | None) -> None:
        if key is not None and key not in table.column_names:
            raise ConfigError(
                f"key={key!r} is not a column of {name}; columns: {', '.join(table.column_names)}"
            )
        if key is None and ROW_ID not in table.column_names:
            table = table.append_column(ROW_ID, _row_ids(table))
        key_values = table.column(key or ROW_ID).combine_chunks()
        if key_values.null_count:
            raise TerminalSourceError(
                f"{name}: the key {key!r} is empty in {key_values.null_count} row(s); "
                "every row needs a key for its child rows to point to (or flatten without key=)"
            )
        self.tables[name] = table  # holds the place: a parent comes before its children
        columns: dict[str, pa.Array] = {}
        for field in table.schema:
            self._column(columns, field.name, table.column(field.name).combine_chunks(), name, key_values)
        self.tables[name] = pa.table(columns) if columns else pa.table({ROW_ID: key_values})

    def _column(
        self, out: dict[str, pa.Array], column: str, values: pa.Array, table: str, keys: pa.Array
    ) -> None:
        kind = values.type
        if pa.types.is_struct(kind) and kind.num_fields > 0:
            for field, part in zip(kind, values.flatten(), strict=True):
                self._column(out, f"{column}{SEPARATOR}{field.name}", part, table, keys)
            return
        if _is_list(kind) and not (self.scalar_lists == "json" and _scalar_list(kind)):
            self._child(values, f"{table}{SEPARATOR}{column}", keys)
            return
        if pa.types.is_struct(kind) or pa.types.is_map(kind) or _is_list(kind):
            values = _json_text(values)
        if column in out:
            raise ConfigError(
                f"{table}: the nested field flattens to {column!r}, which is already a column; rename one"
            )
        out[column] = values

    def _child(self, values: pa.Array, name: str, keys: pa.Array) -> None:
        parents = pc.list_parent_indices(values).to_numpy(zero_copy_only=False).astype(np.int64)
        elements = pc.list_flatten(values)
        child: dict[str, pa.Array] = {
            PARENT_KEY: keys.take(pa.array(parents, pa.int64())),
            POSITION: _positions(parents),
        }
        kind = elements.type
        if pa.types.is_struct(kind) and kind.num_fields > 0:
            for field, part in zip(kind, elements.flatten(), strict=True):
                if field.name in child:
                    raise ConfigError(f"{name}: the field {field.name!r} clashes with the child table's keys")
                child[field.name] = part
        else:
            child["value"] = elements
        if ROW_ID in child:
            raise ConfigError(f"{name}: the field {ROW_ID!r} clashes with the child table's own key")
        child[ROW_ID] = pc.binary_join_element_wise(
            child[PARENT_KEY].cast(pa.string()), child[POSITION].cast(pa.string()), "/"
        )
        self.table(pa.table(child), name, None)


def _scalar_list(kind: pa.DataType) -> bool:
    value = kind.value_type
    return not (pa.types.is_struct(value) or _is_list(value) or pa.types.is_map(value))


def flatten(
    table: pa.Table, parent: str, key: str | None = None, *, scalar_lists: ScalarLists = "table"
) -> dict[str, pa.Table]:
    """Flatten nested columns into a parent table and child tables.

    Parameters
    ----------
    table : pyarrow.Table
        Rows whose columns may hold structs (objects) and lists.
    parent : str
        The parent table's name; child tables are named ``<parent>__<field>``.
    key : str, optional
        The parent's key column; child rows point to it in ``_parent_key``. When omitted, the
        parent gets a ``_row_id`` computed from the row's content (the same input gives the same
        ids) and the children point to that.
    scalar_lists : {"table", "json"}, default "table"
        A list of scalars becomes a child table with a ``value`` column, or JSON text in the parent.

    Returns
    -------
    dict of str to pyarrow.Table
        The parent first, then each child table (grandchildren after their parent). Child tables
        have ``_parent_key``, ``_position`` and ``_row_id`` (their own key ``<parent key>/<position>``,
        which grandchildren point to).

    Raises
    ------
    ConfigError
        When ``key`` is not a column, ``scalar_lists`` is not allowed, or two nested fields
        flatten to the same column name.
    TerminalSourceError
        When the ``key`` column is null in some rows.

    Examples
    --------
    >>> import pyarrow as pa
    >>> rows = pa.Table.from_pylist(
    ...     [{"id": 1, "offer": {"type": "pct"}, "lines": [{"sku": "A"}, {"sku": "B"}]}]
    ... )
    >>> tables = flatten(rows, "orders", key="id")
    >>> list(tables), tables["orders"].column_names
    (['orders', 'orders__lines'], ['id', 'offer__type'])
    >>> tables["orders__lines"].select(["_parent_key", "_position", "sku"]).to_pylist()
    [{'_parent_key': 1, '_position': 0, 'sku': 'A'}, {'_parent_key': 1, '_position': 1, 'sku': 'B'}]
    """
    if scalar_lists not in _SCALAR_LISTS:
        raise ConfigError(
            f"scalar_lists={scalar_lists!r} is not allowed; use one of {', '.join(_SCALAR_LISTS)}"
        )
    walker = _Flattener(scalar_lists)
    walker.table(table, parent, key)
    return walker.tables


def _as_table(records_or_table: pa.Table | pa.RecordBatchReader | Iterable[Mapping[str, Any]]) -> pa.Table:
    if isinstance(records_or_table, pa.Table):
        return records_or_table
    if isinstance(records_or_table, pa.RecordBatchReader):
        return records_or_table.read_all()
    records = list(records_or_table)
    if not all(isinstance(record, Mapping) for record in records):
        raise TerminalSourceError("load_flattened takes records (JSON objects) or an Arrow table")
    try:
        return pa.Table.from_pylist([dict(record) for record in records])
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise TerminalSourceError(
            f"the records do not share one type per field ({error}); clean the source or load it as JSON text"
        ) from error


def load_flattened(
    engine: Engine | Workspace,
    records_or_table: pa.Table | pa.RecordBatchReader | Iterable[Mapping[str, Any]],
    target: str,
    *,
    key: str | None = None,
    mode: Literal["replace", "append", "merge"] = "replace",
    source: str = "flatten",
    scalar_lists: ScalarLists = "table",
    cursor: str | None = None,
    state_key: str | None = None,
    details: dict[str, Any] | None = None,
    files: Sequence[str] = (),
) -> dict[str, LoadResult]:
    """Flatten nested records and load the parent and each child table with ``load_batches``.

    Parameters
    ----------
    engine : Engine or Workspace
        Where to load.
    records_or_table : pyarrow.Table, RecordBatchReader, or iterable of mappings
        The nested rows (JSON objects, or Arrow with struct and list columns).
    target : str
        The parent raw table (``orders`` or ``raw.orders``); children are ``raw.orders__<field>``.
    key : str, optional
        The parent's key column (required for ``mode="merge"``); else a ``_row_id`` is generated.
    mode : {"replace", "append", "merge"}, default "replace"
        Applied to every table. In merge mode the parent merges by ``key`` and each child by
        ``(_parent_key, _position)``.
    source : str, default "flatten"
        Recorded as ``meta.loads.source`` and ``_source_file``.
    scalar_lists : {"table", "json"}, default "table"
        See :func:`flatten`.
    cursor, state_key : str, optional
        Passed to the parent's load (the cursor state is stored with the parent table).
    details : dict, optional
        Recorded in each table's ``meta.loads.details`` (with ``flattened_from`` in children).
    files : sequence of str
        The files or URLs read, for ``meta.loads``.

    Returns
    -------
    dict of str to LoadResult
        By table name (``raw.orders``, ``raw.orders__lines``...), the parent first. The tables are
        loaded one after the other, each atomically.

    Raises
    ------
    ConfigError
        When ``mode="merge"`` has no ``key``, or as :func:`flatten` raises.
    TerminalSourceError
        When the records cannot be typed, or the loader refuses them.
    """
    from aimass.ingest._batches import load_batches
    from aimass.ingest._load import engine_and_root, raw_target

    if mode == "merge" and key is None:
        raise ConfigError("mode='merge' needs key=<the parent's key column> to match rows")
    warehouse, _ = engine_and_root(engine)
    parent = raw_target(target)
    tables = flatten(_as_table(records_or_table), parent.table, key, scalar_lists=scalar_lists)
    results: dict[str, LoadResult] = {}
    for name, data in tables.items():
        is_parent = name == parent.table
        child_key: tuple[str, ...] = (PARENT_KEY, POSITION)
        results[f"raw.{name}"] = load_batches(
            warehouse,
            source=source,
            target=f"raw.{name}",
            batches=[data],
            mode=mode,
            primary_key=((key,) if key else ()) if is_parent else child_key,
            cursor=cursor if is_parent else None,
            state_key=state_key if is_parent else None,
            details={**(details or {}), **({} if is_parent else {"flattened_from": str(parent)})},
            files=files,
            allow_empty=not is_parent,
        )
    return results


def _records_at(body: Any, record_path: str | None, path: Path) -> Any:
    for part in record_path.split(".") if record_path else ():
        if not isinstance(body, Mapping) or part not in body:
            found = ", ".join(map(str, body)) if isinstance(body, Mapping) else type(body).__name__
            raise TerminalSourceError(
                f"{path}: record_path={record_path!r} not found at {part!r} (found: {found})"
            )
        body = body[part]
    return [body] if isinstance(body, Mapping) else body


def read_json_records(path: str | Path, *, record_path: str | None = None) -> pa.Table:
    """Read a JSON file (one array or object) or JSON Lines file (``.jsonl``/``.ndjson``) as nested Arrow.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    record_path : str, optional
        Dotted path to the records inside a JSON document (``data.items``).

    Returns
    -------
    pyarrow.Table
        One row per record, objects as structs and lists as lists (ready for :func:`flatten`).

    Raises
    ------
    TerminalSourceError
        When the file is missing, is not valid JSON (the message gives the line), or the records
        are not objects.
    """
    import pyarrow.json as pajson

    source = Path(path)
    if not source.is_file():
        raise TerminalSourceError(f"{source}: no such file; check the path")
    if source.suffix.lower() in (".jsonl", ".ndjson") and record_path is None:
        try:
            return pajson.read_json(source)
        except pa.ArrowInvalid as error:
            raise TerminalSourceError(
                f"{source}: not valid JSON Lines ({error}); fix or re-export it"
            ) from error
    try:
        body = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise TerminalSourceError(
            f"{source}: not valid JSON at line {error.lineno}, column {error.colno} ({error.msg}); "
            "fix or re-export the file"
        ) from error
    except UnicodeDecodeError as error:
        raise TerminalSourceError(
            f"{source}: not UTF-8 text ({error.reason}); re-save it as UTF-8"
        ) from error
    records = _records_at(body, record_path, source)
    if not isinstance(records, list):
        raise TerminalSourceError(f"{source}: expected a list of records, found {type(records).__name__}")
    return _as_table(records)


def load_flattened_file(
    engine: Engine | Workspace,
    path: str | Path,
    target: str | None = None,
    *,
    key: str | None = None,
    mode: Literal["replace", "append", "merge"] = "replace",
    record_path: str | None = None,
    scalar_lists: ScalarLists = "table",
) -> dict[str, LoadResult]:
    """Read a JSON or JSON Lines file and load it flattened (see :func:`load_flattened`).

    Parameters
    ----------
    engine : Engine or Workspace
        Where to load; a relative ``path`` starts at the workspace root (or the current folder).
    path : str or pathlib.Path
        The ``.json``, ``.jsonl`` or ``.ndjson`` file.
    target : str, optional
        The parent raw table; from the file name when omitted.
    key, mode, scalar_lists
        As for :func:`load_flattened`.
    record_path : str, optional
        Dotted path to the records inside a JSON document.

    Returns
    -------
    dict of str to LoadResult
        By table name, the parent first.
    """
    from aimass.engine import to_identifier
    from aimass.ingest._load import engine_and_root

    _, root = engine_and_root(engine)
    source = Path(path) if Path(path).is_absolute() else root / path
    table = read_json_records(source, record_path=record_path)
    return load_flattened(
        engine,
        table,
        target or to_identifier(source.stem),
        key=key,
        mode=mode,
        source=str(source),
        scalar_lists=scalar_lists,
        details={"format": source.suffix.lstrip(".").lower(), "flatten": True},
        files=[str(source)],
    )
