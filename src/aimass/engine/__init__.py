"""The warehouse facade: one Ibis connection behind a small interface (DuckDB now, Spark later).

Nothing outside this package may assume which backend is in use.
"""

from __future__ import annotations

from pathlib import Path

from aimass.engine._base import Engine, ExtraRows, Segments, TableData, Validator, WriteResult, to_arrow
from aimass.engine._files import LINEAGE_COLUMNS, FileReadRequest, Lineage
from aimass.engine._meta import META_TABLES, LoadRecord, RunRecord, new_id, utc_now
from aimass.engine._names import SCHEMAS, TableName, parse_table_name, to_identifier
from aimass.exceptions import ConfigError
from aimass.settings import EngineSettings

__all__ = [
    "LINEAGE_COLUMNS",
    "META_TABLES",
    "SCHEMAS",
    "Engine",
    "ExtraRows",
    "FileReadRequest",
    "Lineage",
    "LoadRecord",
    "RunRecord",
    "Segments",
    "TableData",
    "TableName",
    "Validator",
    "WriteResult",
    "connect",
    "new_id",
    "parse_table_name",
    "to_arrow",
    "to_identifier",
    "utc_now",
]


def connect(settings: EngineSettings, root: Path, *, read_only: bool = False) -> Engine:
    """Open the engine named by ``settings`` for the workspace at ``root``.

    Parameters
    ----------
    settings : EngineSettings
        The ``[engine]`` table of ``aimass.toml``.
    root : Path
        The workspace folder; relative warehouse paths are resolved against it.
    read_only : bool, default False
        Open without write access.

    Raises
    ------
    ConfigError
        When the engine kind is not available yet.
    """
    if settings.kind == "duckdb":
        from aimass.engine._duckdb import DuckDBEngine

        path = settings.path if settings.path == ":memory:" else str(root / settings.path)
        return DuckDBEngine(
            path, read_only=read_only, threads=settings.threads, memory_limit=settings.memory_limit
        )
    raise ConfigError(f"engine.kind={settings.kind!r} is not available in this version; use 'duckdb'")
