"""The profiler: every statistic of a table or a file from a few aggregate queries in DuckDB.

A warehouse table is profiled where it is; a CSV, TSV, JSON or JSON Lines file is read once into a
scratch DuckDB (in memory, or in a temporary database file when it is large, so it spills to
disk) with exactly the reader options of ``aimass ingest`` (identifier-looking columns as text),
and a Parquet file is read in place through a view. Nothing is ingested: no lineage, no staging
table, no ``meta.loads``. Excel workbooks go through the ingest reader into a scratch warehouse.
The statistics themselves are the passes of :mod:`aimass.quality._profile_passes`.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pyarrow as pa

from aimass.engine import Engine
from aimass.exceptions import ConfigError, EngineError, IngestError, TerminalSourceError
from aimass.quality._profile_passes import (
    APPROX_DISTINCT_ROWS,
    QUANTILES,
    Profile,
    Runner,
    profile_relation,
)

if TYPE_CHECKING:
    import duckdb
    import ibis.expr.types as ir

    from aimass.engine import FileReadRequest
    from aimass.settings import EngineSettings
    from aimass.workspace import Workspace

__all__ = ["APPROX_DISTINCT_ROWS", "QUANTILES", "Profile", "profile", "profile_expression"]

#: Files up to this size (and a quarter of the memory limit) are profiled in an in-memory scratch
#: database; larger ones in a temporary database file, so they spill to disk.
IN_MEMORY_BYTES = 256 * 2**20
#: What the files' reader adds to every row (its file name), left out of the profile.
_FILE_COLUMN = "_aimass_file"


def profile(
    source: Workspace | Engine | str | Path,
    table: str | None = None,
    *,
    sample: int | None = None,
    correlation_sample: int = 20_000,
    settings: EngineSettings | None = None,
) -> Profile:
    """Profile a warehouse table, or a file read in place.

    Parameters
    ----------
    source : Workspace, Engine, str or Path
        Where the table lives, or a file (CSV, TSV, Parquet, JSON, JSONL, Excel) to profile.
    table : str, optional
        The qualified table, e.g. ``"raw.orders"``; required with a workspace or engine.
    sample : int, optional
        Profile only the first ``sample`` rows the engine returns.
    correlation_sample : int, default 20000
        Rows in the random sample the correlations are computed on.
    settings : EngineSettings, optional
        For a file: the scratch engine's settings (``memory_limit``, ``threads``). The scratch
        database is in memory for files up to :data:`IN_MEMORY_BYTES` (and a quarter of the
        memory limit), else a file in a temporary folder, so data larger than memory spills to disk.

    Returns
    -------
    Profile

    Raises
    ------
    ConfigError
        When no table is named for a workspace, or ``sample`` is not positive.
    TableNotFoundError
        When the table does not exist.
    IngestError
        When the file cannot be read.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from aimass.engine._duckdb import DuckDBEngine
    >>> with DuckDBEngine(":memory:") as engine:
    ...     _ = engine.write_table("raw.t", pa.table({"zip": ["01234", "02345", "01234"], "x": [1, 2, 3]}))
    ...     found = profile(engine, "raw.t")
    >>> found.columns["zip"]["type"], found.columns["x"]["mean"], found.n_duplicate_rows
    ('identifier', 2.0, 0)
    """
    if sample is not None and sample < 1:
        raise ConfigError(f"`{sample=}` must be a positive number of rows")
    if isinstance(source, str | Path):
        if table is not None:
            raise ConfigError("give either a file or a workspace and a table, not a file and a table")
        return _profile_file(
            Path(source), sample=sample, correlation_sample=correlation_sample, settings=settings
        )
    if table is None:
        raise ConfigError("name the table to profile, e.g. profile(workspace, 'raw.orders')")
    engine = source if isinstance(source, Engine) else source.engine
    return _profile_table(engine, str(table), sample=sample, correlation_sample=correlation_sample)


def _profile_table(engine: Engine, table: str, *, sample: int | None, correlation_sample: int) -> Profile:
    from aimass.engine import parse_table_name

    types = engine.columns(table)  # raises TableNotFoundError, naming the tables there are
    name = parse_table_name(table)
    relation = f'"{name.schema}"."{name.table}"'
    return profile_relation(
        engine.sql, relation, types, table, sample=sample, correlation_sample=correlation_sample
    )


def _profile_file(
    path: Path, *, sample: int | None, correlation_sample: int, settings: EngineSettings | None
) -> Profile:
    from aimass.ingest.files.config import format_of
    from aimass.settings import EngineSettings

    if not path.is_file():
        raise IngestError(f"cannot profile {path}: no such file")
    base = settings or EngineSettings()
    on_disk = path.stat().st_size > min(IN_MEMORY_BYTES, _bytes(base.memory_limit) // 4)
    file_format = format_of(path)
    with tempfile.TemporaryDirectory(prefix="aimass-profile-") as scratch:
        if file_format == "excel":
            found = _profile_ingested(path, base, Path(scratch), on_disk, sample, correlation_sample)
        else:
            found = _profile_in_place(path, base, Path(scratch), on_disk, sample, correlation_sample)
    found.size_bytes = path.stat().st_size
    return found


def _profile_ingested(
    path: Path,
    settings: EngineSettings,
    scratch: Path,
    on_disk: bool,
    sample: int | None,
    correlation_sample: int,
) -> Profile:
    """Excel: the ingest reader (python-calamine) into a scratch warehouse, then the passes there."""
    from aimass.engine import connect
    from aimass.ingest import ingest_files

    where = "scratch.duckdb" if on_disk else ":memory:"
    with connect(settings.model_copy(update={"kind": "duckdb", "path": where}), root=scratch) as engine:
        ingest_files(engine, path.resolve(), "raw.profiled")
        found = _profile_table(engine, "raw.profiled", sample=sample, correlation_sample=correlation_sample)
    found.source = str(path)
    return found


def _profile_in_place(
    path: Path,
    settings: EngineSettings,
    scratch: Path,
    on_disk: bool,
    sample: int | None,
    correlation_sample: int,
) -> Profile:
    """CSV, TSV, JSON, JSON Lines read once into a scratch DuckDB; Parquet through a view, in place."""
    import duckdb

    from aimass.engine._duckdb_files import _reader_call
    from aimass.ingest.files.config import FileOptions, format_of
    from aimass.ingest.files.source import _native_request

    # the ingest checks: empty, cut off, wrong encoding, not Parquet...; identifier columns as text
    request = _native_request([path.resolve()], format_of(path), FileOptions())
    config: dict[str, Any] = {"temp_directory": str(scratch / "spill")}
    if settings.threads is not None:
        config["threads"] = settings.threads
    if settings.memory_limit is not None:
        config["memory_limit"] = settings.memory_limit
    database = str(scratch / "scratch.duckdb") if on_disk else ":memory:"
    reader = f'SELECT * EXCLUDE ("{_FILE_COLUMN}") FROM {_reader_call(request, list(request.paths), None)}'
    with duckdb.connect(database, config=config) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        try:
            kind = "VIEW" if request.format == "parquet" else "TABLE"
            con.execute(f"CREATE {kind} profiled AS {reader}")
            types = {str(row[0]): str(row[1]) for row in con.execute("DESCRIBE profiled").fetchall()}
            found = profile_relation(
                _runner(con),
                "profiled",
                types,
                str(path),
                sample=sample,
                correlation_sample=correlation_sample,
            )
        except duckdb.Error as error:
            raise _read_error(error, request) from None
    if found.n_rows == 0 and sample is None:
        raise TerminalSourceError(f"{path} holds no data rows; nothing to profile")
    return found


def _runner(con: duckdb.DuckDBPyConnection) -> Runner:
    def run(statement: str) -> pa.Table:
        table: pa.Table = con.execute(statement).to_arrow_table()
        return table

    return run


class _DuckDBReader:
    """What :func:`aimass.ingest.files.errors.explain_load_failure` needs of an engine: its kind."""

    kind = "duckdb"


def _read_error(error: Exception, request: FileReadRequest) -> IngestError:
    """The ingest layer's wording of a reader error (line, column, value, and the option to pass)."""
    from aimass.ingest.files.errors import explain_load_failure

    return explain_load_failure(cast(Engine, _DuckDBReader()), EngineError(str(error)), request)


def _bytes(limit: str | None) -> int:
    """``"100MB"`` as bytes (no limit: a very large number)."""
    if limit is None:
        return 2**62
    found = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]i?B)\s*", limit, re.IGNORECASE)
    if found is None:
        return 2**62
    unit = found.group(2).upper().replace("I", "")
    return int(float(found.group(1)) * 1024 ** ("KMGT".index(unit[0]) + 1))


def profile_expression(
    table: ir.Table, source: str, *, sample: int | None = None, correlation_sample: int = 20_000
) -> Profile:
    """Profile an Ibis table expression on a DuckDB backend (compiled once to SQL, then the passes).

    Parameters
    ----------
    table : ibis Table
        The data; lineage columns (``_load_id``, ``_source_file``, ``_loaded_at``) are ignored.
    source : str
        What to call it in the profile.
    sample : int, optional
        Profile only the first ``sample`` rows.
    correlation_sample : int, default 20000
        Rows in the random sample the correlations are computed on.

    Raises
    ------
    ConfigError
        When the expression is not bound to a DuckDB backend.
    """
    import ibis

    backend = table._find_backend()
    if getattr(backend, "name", None) != "duckdb":
        raise ConfigError(
            f"the profiler runs its queries in DuckDB; {source} is on {getattr(backend, 'name', backend)!r}"
        )
    con: duckdb.DuckDBPyConnection = backend.con
    relation = f"({ibis.to_sql(table, dialect='duckdb')})"
    types = {str(row[0]): str(row[1]) for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    return profile_relation(
        _runner(con), relation, types, source, sample=sample, correlation_sample=correlation_sample
    )
