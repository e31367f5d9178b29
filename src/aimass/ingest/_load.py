"""The bookkeeping every source shares: lineage values, the schema hash and the ``meta.loads`` row.

A source describes how to land its data in a function that takes a :class:`LoadContext`;
:func:`run_load` gives it the lineage values and a validator, times it, and records the load in
``meta.loads`` whether it succeeds or fails.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from aimass._typing import LoadMode, WriteMode
from aimass.engine import (
    LINEAGE_COLUMNS,
    Engine,
    Lineage,
    LoadRecord,
    TableName,
    WriteResult,
    parse_table_name,
    utc_now,
)
from aimass.exceptions import ConfigError, TerminalSourceError
from aimass.ingest._result import LoadResult, schema_hash
from aimass.ingest._secrets import mask

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from aimass.workspace import Workspace

__all__ = [
    "LoadContext",
    "check_mode",
    "engine_and_root",
    "load_result",
    "raw_target",
    "run_load",
    "with_lineage",
]

_MODES: tuple[LoadMode, ...] = ("replace", "append", "merge")


@dataclass
class LoadContext:
    """Handed to a source's load function by :func:`run_load`.

    Parameters
    ----------
    lineage : Lineage
        Values for the lineage columns of every row.
    details : dict
        Recorded in ``meta.loads.details``; the source adds what it read (format, options).
    files : list of str
        The files or URLs read; the source fills it in as soon as it knows them.
    schema_hash : str
        Set by :meth:`validate` from the staged columns.
    """

    lineage: Lineage
    details: dict[str, Any]
    files: list[str] = field(default_factory=list)
    schema_hash: str = ""

    def validate(self, staged: ir.Table) -> None:
        """Validator for ``Engine.write_table``/``load_files``: hash the staged schema, refuse 0 rows."""
        schema = staged.schema()
        self.schema_hash = schema_hash(
            (name, str(kind)) for name, kind in schema.items() if name not in LINEAGE_COLUMNS
        )
        if int(staged.count().to_pyarrow().as_py()) == 0:
            raise TerminalSourceError(
                f"{', '.join(self.files) or 'the source'} holds no data rows; nothing was written"
            )


def with_lineage(table: pa.Table, lineage: Lineage, source: str | Path) -> pa.Table:
    """``table`` with the lineage columns appended, for sources that write Arrow (not the native reader)."""
    rows = table.num_rows
    loaded_at = dt.datetime.fromisoformat(lineage.loaded_at)
    table = table.append_column("_load_id", pa.array([lineage.load_id] * rows, pa.string()))
    table = table.append_column("_source_file", pa.array([str(source)] * rows, pa.string()))
    return table.append_column("_loaded_at", pa.array([loaded_at] * rows, pa.timestamp("us")))


def engine_and_root(target: Workspace | Engine) -> tuple[Engine, Path]:
    """The engine to write to and the folder relative paths start from."""
    if isinstance(target, Engine):
        return target, Path.cwd()
    engine = getattr(target, "engine", None)
    if not isinstance(engine, Engine):
        raise ConfigError(f"expected a Workspace or an Engine, got {type(target).__name__}")
    return engine, Path(target.root)


def raw_target(name: str) -> TableName:
    """``orders`` or ``raw.orders`` -> ``raw.orders``; any other layer is refused."""
    target = parse_table_name(name, default_schema="raw")
    if target.schema != "raw":
        raise ConfigError(
            f"ingest writes raw tables only: {name!r} is in {target.schema!r}; use raw.{target.table}"
        )
    return target


def check_mode(mode: str) -> LoadMode:
    """Check a write mode given as text: ``replace``, ``append`` or ``merge``."""
    for allowed in _MODES:
        if mode == allowed:
            return allowed
    raise ConfigError(f"mode={mode!r} is not allowed; use one of {', '.join(_MODES)}")


def run_load(
    engine: Engine,
    *,
    source: str,
    target: TableName,
    mode: WriteMode,
    details: dict[str, Any],
    load: Callable[[LoadContext], int | WriteResult],
) -> LoadResult:
    """Run ``load`` and record it in ``meta.loads`` (status ``ok`` or ``failed``).

    Parameters
    ----------
    engine : Engine
        Where the data and the ``meta.loads`` row go.
    source : str
        What was loaded, for ``meta.loads.source`` (a path pattern or a URL).
    target : TableName
        The raw table.
    mode : {"replace", "append", "merge"}
        How the table is written.
    details : dict
        Starting ``meta.loads.details``.
    load : callable
        Lands the data using the context's lineage and validator; returns the rows written, or the
        engine's ``WriteResult`` (then new and updated rows are reported too).

    Returns
    -------
    LoadResult
        What was written.

    Raises
    ------
    Exception
        Whatever ``load`` raised, after the failed load is recorded.
    """
    source = mask(source)
    record = LoadRecord(source=source, target=str(target), mode=mode)
    context = LoadContext(Lineage(record.load_id, record.started_at.isoformat(sep=" ")), dict(details))
    started = time.perf_counter()
    try:
        outcome = load(context)
    except Exception as error:
        _finish(engine, record, context, status="failed", error=mask(str(error) or type(error).__name__))
        raise
    written = outcome if isinstance(outcome, WriteResult) else WriteResult(rows=outcome, rows_new=outcome)
    rows = written.rows
    context.details.update(rows_new=written.rows_new, rows_updated=written.rows_updated)
    if written.changes:
        context.details["schema_changes"] = written.changes
    _finish(engine, record, context, status="ok", rows=rows)
    return load_result(target, written, context, record, started=started, source=source)


def load_result(
    target: TableName,
    written: WriteResult,
    context: LoadContext,
    record: LoadRecord,
    *,
    started: float,
    source: str,
) -> LoadResult:
    """The :class:`LoadResult` of a finished load (``started`` is its ``time.perf_counter()``)."""
    return LoadResult(
        target=str(target),
        rows=written.rows,
        files=tuple(context.files),
        load_id=record.load_id,
        schema_hash=context.schema_hash,
        seconds=round(time.perf_counter() - started, 3),
        rows_new=written.rows_new,
        rows_updated=written.rows_updated,
        rows_skipped=written.rows_skipped,
        source=source,
    )


def _finish(
    engine: Engine,
    record: LoadRecord,
    context: LoadContext,
    *,
    status: str,
    rows: int = 0,
    error: str | None = None,
) -> None:
    record.finished_at = utc_now()
    record.status = "ok" if status == "ok" else "failed"
    record.rows = rows
    record.error = error
    record.schema_hash = context.schema_hash or None
    record.details = {**context.details, "files": list(context.files)}
    engine.record_load(record)
