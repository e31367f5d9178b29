"""The one loader every streaming source shares: Arrow batches in, a raw table and its state out.

:func:`load_batches` adds the lineage columns to each batch as it passes, streams the batches into
a staging table (a source's later batch with new fields or other types starts a new segment, staged
with the same schema evolution), evolves the live table, and replaces / appends / merges the rows
in one transaction together with the new cursor state in ``meta.source_state``. ``meta.loads``
records the load, ok or failed, with the schema changes and the counts.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from aimass._typing import LoadMode
from aimass.engine import Engine, Lineage, LoadRecord, Segments, TableName, WriteResult, utc_now
from aimass.exceptions import AimassError, ConfigError, SchemaError, TerminalSourceError
from aimass.ingest._load import LoadContext, check_mode, load_result, raw_target
from aimass.ingest._result import LoadResult
from aimass.ingest._secrets import mask
from aimass.ingest._state import STATE_TABLE, state_row

__all__ = ["BatchInput", "load_batches"]

#: What :func:`load_batches` takes: batches or tables (schemas may differ between them), or a reader.
BatchInput: TypeAlias = Iterable[pa.RecordBatch | pa.Table] | pa.RecordBatchReader


class _Stream:
    """The input as lineage-stamped batches, cut into segments of one schema, counting as it goes."""

    def __init__(self, batches: BatchInput, lineage: Lineage, source: str, cursor: str | None) -> None:
        self._items = self._flatten(batches)
        self._pending: pa.RecordBatch | None = None
        self._lineage = lineage
        self._source = source
        self._loaded_at = dt.datetime.fromisoformat(lineage.loaded_at)
        self._cursor = cursor
        self.rows = 0
        self.cursor_max: Any = None
        #: What the input raised while the engine was reading it (the engine wraps it in its own error).
        self.failure: Exception | None = None

    @staticmethod
    def _flatten(batches: BatchInput) -> Iterator[pa.RecordBatch]:
        for item in batches:
            if isinstance(item, pa.Table):
                yield from item.combine_chunks().to_batches()
            elif isinstance(item, pa.RecordBatch):
                yield item
            else:
                raise ConfigError(
                    f"load_batches takes pyarrow RecordBatches or Tables, got a {type(item).__name__}"
                )

    def _next(self) -> pa.RecordBatch | None:
        try:
            for batch in self._items:
                if batch.num_rows:
                    return _plain(batch)
        except Exception as error:
            self.failure = error
            raise
        return None

    @property
    def first_names(self) -> list[str]:
        """Columns of the first batch (after :meth:`start`)."""
        return [] if self._pending is None else list(self._pending.schema.names)

    def start(self) -> bool:
        """Read up to the first non-empty batch; False when there is none."""
        self._pending = self._next()
        return self._pending is not None

    def _stamped(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        rows = batch.num_rows
        self.rows += rows
        if self._cursor is not None and self._cursor in batch.schema.names:
            self._track(batch.column(self._cursor))
        kept = [i for i, name in enumerate(batch.schema.names) if name not in ("_load_id", "_loaded_at")]
        columns = [batch.column(i) for i in kept]  # lineage of an earlier load is replaced by this one's
        names = [batch.schema.names[i] for i in kept]
        columns.append(pa.repeat(pa.scalar(self._lineage.load_id, pa.string()), rows))
        names.append("_load_id")
        if "_source_file" not in names:
            columns.append(pa.repeat(pa.scalar(self._source, pa.string()), rows))
            names.append("_source_file")
        columns.append(pa.repeat(pa.scalar(self._loaded_at, pa.timestamp("us")), rows))
        names.append("_loaded_at")
        return pa.RecordBatch.from_arrays(columns, names=names)

    def _track(self, values: pa.Array) -> None:
        if values.null_count == len(values):
            return
        high = pc.max(values).as_py()
        try:
            if self.cursor_max is None or high > self.cursor_max:
                self.cursor_max = high
        except TypeError:  # the cursor changed type between batches: the later values win
            self.cursor_max = high

    def segments(self) -> Iterator[pa.RecordBatchReader]:
        """One reader per run of batches with the same schema."""
        while self._pending is not None:
            first, self._pending = self._pending, None
            stamped = self._stamped(first)
            yield pa.RecordBatchReader.from_batches(stamped.schema, self._run(first.schema, stamped))

    def _run(self, schema: pa.Schema, first: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        yield first
        while (batch := self._next()) is not None:
            if not batch.schema.equals(schema, check_metadata=False):
                self._pending = batch
                return
            yield self._stamped(batch)


def _plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Columns of Arrow's null type (a page where a field was always null) become text columns."""
    if not any(pa.types.is_null(field.type) for field in batch.schema):
        return batch.replace_schema_metadata(None)
    columns = [
        column.cast(pa.string()) if pa.types.is_null(column.type) else column for column in batch.columns
    ]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def load_batches(
    engine: Engine,
    *,
    source: str,
    target: str,
    batches: BatchInput,
    mode: LoadMode | str = "replace",
    primary_key: Sequence[str] = (),
    cursor: str | None = None,
    state_key: str | None = None,
    details: dict[str, Any] | None = None,
    files: Sequence[str] = (),
    allow_empty: bool = False,
) -> LoadResult:
    """Land Arrow batches in a raw table, atomically, with lineage, schema evolution and cursor state.

    Parameters
    ----------
    engine : Engine
        The warehouse.
    source : str
        What is loaded (a URL, a query, a path); ``meta.loads.source`` and the rows' ``_source_file``
        unless a batch has that column. Secrets in it are masked.
    target : str
        The raw table, ``orders`` or ``raw.orders``.
    batches : iterable of pyarrow.RecordBatch or pyarrow.Table, or a pyarrow.RecordBatchReader
        The rows, streamed: one batch at a time is held in Python. Later batches may add columns
        or change types; they are evolved like a live table.
    mode : {"replace", "append", "merge"}, default "replace"
        Replace the table, append to it, or upsert by ``primary_key`` (the last version of a row in
        the batches wins).
    primary_key : sequence of str
        The key columns, required for ``merge``.
    cursor : str, optional
        A column whose maximum over the loaded rows is stored in ``meta.source_state`` (in the
        same transaction as the rows); read it back with :func:`aimass.ingest.read_state`.
    state_key : str, optional
        The key of that state; ``source`` when omitted.
    details : dict, optional
        Added to ``meta.loads.details`` (never put secrets in it). The loader keeps this very dict and
        adds its own entries, so counts the source puts in it while streaming are recorded too.
    files : sequence of str
        The files or URLs read, for ``meta.loads`` and the result.
    allow_empty : bool, default False
        Zero rows is an ok load of 0 rows that leaves the table and the state as they were
        (an incremental re-run with nothing new); else it is an error.

    Returns
    -------
    LoadResult
        With ``rows_new``, ``rows_updated`` and ``rows_skipped`` filled in.

    Raises
    ------
    TerminalSourceError
        No rows (without ``allow_empty``), the cursor column is not in the data, or a schema change
        breaks the merge key.
    ConfigError
        A bad mode, target, or a merge without a primary key.
    Exception
        Whatever the batches raised while streaming; the table and the state are left as they were
        and the failure is recorded in ``meta.loads``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from aimass.engine._duckdb import DuckDBEngine
    >>> engine = DuckDBEngine(":memory:")
    >>> rows = pa.table({"id": [1, 2, 2], "qty": [5, 6, 7]})
    >>> result = load_batches(engine, source="demo", target="items", batches=[rows], mode="merge",
    ...                       primary_key=["id"], cursor="id")
    >>> result.rows, result.rows_new, result.rows_skipped
    (2, 2, 1)
    >>> engine.sql("SELECT id, qty FROM raw.items ORDER BY id").to_pylist()
    [{'id': 1, 'qty': 5}, {'id': 2, 'qty': 7}]
    """
    table = raw_target(target)
    checked = check_mode(str(mode))
    key = tuple(primary_key)
    if checked == "merge" and not key:
        raise ConfigError(f"mode merge needs a primary key for {table}: give primary_key (--primary-key COL)")
    shown = mask(source)
    record = LoadRecord(source=shown, target=str(table), mode=checked)
    context = LoadContext(
        Lineage(record.load_id, record.started_at.isoformat(sep=" ")),
        details if details is not None else {},
        list(files),
    )
    if key:
        context.details["primary_key"] = list(key)
    started = time.perf_counter()
    stream = _Stream(batches, context.lineage, shown, cursor)
    written = WriteResult(rows=0)
    try:
        if stream.start():
            written = _write(engine, stream, context, table, checked, key, cursor, state_key or source, shown)
        elif not allow_empty:
            raise TerminalSourceError(f"{shown} returned no rows, so nothing was written to {table}")
        else:
            context.details["empty"] = True
    except Exception as raised:
        error = stream.failure or raised  # the source's own error, not the engine's wrapping of it
        _finish(engine, record, context, "failed", written, error=mask(str(error) or type(error).__name__))
        if isinstance(error, SchemaError):
            raise TerminalSourceError(f"{shown}: {error}") from error
        if error is raised:
            raise
        raise error from None
    _finish(engine, record, context, "ok", written)
    return load_result(table, written, context, record, started=started, source=shown)


def _write(
    engine: Engine,
    stream: _Stream,
    context: LoadContext,
    table: TableName,
    mode: LoadMode,
    key: tuple[str, ...],
    cursor: str | None,
    state_key: str,
    shown: str,
) -> WriteResult:
    if cursor is not None and cursor not in stream.first_names:
        raise TerminalSourceError(
            f"{shown}: the cursor column {cursor!r} is not in the data; its columns are "
            f"{', '.join(stream.first_names)}"
        )

    def new_state() -> pa.Table | None:
        if cursor is None or stream.cursor_max is None:
            return None
        context.details["cursor"] = {
            "column": cursor,
            "state_key": state_key,
            "value": str(stream.cursor_max),
        }
        return state_row(mask(state_key), cursor, stream.cursor_max, context.lineage.load_id)

    written = engine.write(
        str(table),
        Segments(stream.segments()),
        mode=mode,
        key=key,
        validate=context.validate,
        extra_rows={STATE_TABLE: new_state} if cursor is not None else None,
    )
    return written


def _finish(
    engine: Engine,
    record: LoadRecord,
    context: LoadContext,
    status: str,
    written: WriteResult,
    *,
    error: str | None = None,
) -> None:
    record.finished_at = utc_now()
    record.status = "ok" if status == "ok" else "failed"
    record.rows = written.rows
    record.error = error
    record.schema_hash = context.schema_hash or None
    record.details = {
        **context.details,
        "files": [mask(name) for name in context.files],
        "rows_new": written.rows_new,
        "rows_updated": written.rows_updated,
        "rows_skipped": written.rows_skipped,
    }
    if written.changes:
        record.details["schema_changes"] = written.changes
    try:
        engine.record_load(record)
    except AimassError:
        if status == "ok":
            raise
