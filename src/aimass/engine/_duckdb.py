"""The DuckDB engine: the embedded default, one file in the workspace."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa

from aimass._typing import EngineKind, WriteMode
from aimass.engine._base import Engine, ExtraRows, Segments, TableData, Validator, WriteResult, to_arrow
from aimass.engine._files import FileReadRequest, Lineage
from aimass.engine._names import SCHEMAS, TableName, parse_table_name
from aimass.exceptions import ConfigError, EngineError, TableNotFoundError, WarehouseLockedError

if TYPE_CHECKING:
    import duckdb
    import ibis
    import ibis.expr.types as ir

__all__ = ["DuckDBEngine", "quote"]

STAGING_PREFIX = "_stg_"


def quote(name: TableName | str) -> str:
    """Quote a (checked) table name or identifier for DuckDB SQL."""
    if isinstance(name, TableName):
        return f'"{name.schema}"."{name.table}"'
    return '"' + name.replace('"', '""') + '"'


class DuckDBEngine(Engine):
    """DuckDB behind the engine facade.

    Parameters
    ----------
    path : Path or ":memory:"
        The database file.
    read_only : bool, default False
        Open without write access (several processes may read at once).
    threads : int, optional
        DuckDB worker threads; DuckDB's default (all cores) when omitted.
    memory_limit : str, optional
        DuckDB memory limit such as ``"4GB"``; beyond it DuckDB spills to disk.
    """

    kind: ClassVar[EngineKind] = "duckdb"

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:
        import duckdb
        import ibis

        config: dict[str, Any] = {}
        if threads is not None:
            config["threads"] = threads
        if memory_limit is not None:
            config["memory_limit"] = memory_limit
        self.path = path
        self.read_only = read_only
        if str(path) != ":memory:" and read_only and not Path(path).exists():
            raise EngineError(f"the warehouse {path} does not exist yet; run `aimass init` first")
        try:
            self._backend = ibis.duckdb.connect(database=str(path), read_only=read_only, **config)
        except duckdb.IOException as error:
            if "lock" in str(error).lower():
                raise WarehouseLockedError(_lock_message(path, error)) from None
            raise EngineError(f"cannot open the warehouse {path}: {error}") from None
        self._closed = False
        if not read_only:
            self._ensure_layers()
            self._drop_stale_staging()

    # -- connection -----------------------------------------------------------------------------
    @property
    def ibis(self) -> ibis.BaseBackend:
        self._check_open()
        return self._backend

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The raw DuckDB connection (for code inside ``engine/`` only)."""
        self._check_open()
        connection: duckdb.DuckDBPyConnection = self._backend.con
        return connection

    def close(self) -> None:
        if not self._closed:
            self._backend.disconnect()
            self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise EngineError("the warehouse connection is closed")

    def _drop_stale_staging(self) -> None:
        """Drop staging tables a killed process left (a writer holds the file's lock, so none is in use)."""
        rows = self.con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() AND starts_with(table_name, $prefix)",
            {"prefix": STAGING_PREFIX},
        ).fetchall()
        for schema, table in rows:
            self.con.execute(f"DROP TABLE IF EXISTS {quote(TableName(str(schema), str(table)))}")

    # -- catalogue ------------------------------------------------------------------------------
    def list_tables(self, schema: str | None = None) -> list[str]:
        schemas = SCHEMAS if schema is None else (parse_table_name(f"{schema}.x").schema,)
        rows = self.con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() AND table_schema IN (SELECT unnest($schemas))",
            {"schemas": list(schemas)},
        ).fetchall()
        return sorted(f"{s}.{t}" for s, t in rows if not t.startswith(STAGING_PREFIX))

    def row_count(self, name: str) -> int:
        return self._count(self._existing(name))

    def columns(self, name: str) -> dict[str, str]:
        target = self._existing(name)
        rows = self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = $s AND table_name = $t "
            "ORDER BY ordinal_position",
            {"s": target.schema, "t": target.table},
        ).fetchall()
        return {str(column): str(kind) for column, kind in rows}

    def _existing(self, name: str) -> TableName:
        target = parse_table_name(name)
        if str(target) not in self.list_tables(schema=target.schema):
            known = ", ".join(self.list_tables(schema=target.schema)) or "none"
            raise TableNotFoundError(f"table {target} does not exist (tables in {target.schema}: {known})")
        return target

    # -- reading --------------------------------------------------------------------------------
    def scan(self, name: str) -> ir.Table:
        target = self._existing(name)
        return self.ibis.table(target.table, database=target.schema)

    def sql(self, query: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        import duckdb

        try:
            result = self.con.execute(query, dict(params) if params else None)
            return result.to_arrow_table()
        except duckdb.Error as error:
            raise EngineError(f"query failed: {error}") from None

    def execute(self, statement: str, params: Mapping[str, Any] | None = None) -> None:
        import duckdb

        try:
            self.con.execute(statement, dict(params) if params else None)
        except duckdb.Error as error:
            raise EngineError(f"statement failed: {error}") from None

    # -- writing --------------------------------------------------------------------------------
    def write(
        self,
        name: str,
        data: TableData,
        *,
        mode: WriteMode = "replace",
        validate: Validator | None = None,
        key: Sequence[str] = (),
        extra_rows: ExtraRows | None = None,
    ) -> WriteResult:
        from aimass.engine import _duckdb_write as writing

        target = parse_table_name(name)
        keys = _check_write(target, mode, key)
        staging = self._staging_name(target)
        counter = [0]

        def wrap(reader: pa.RecordBatchReader) -> pa.RecordBatchReader:
            return writing.numbered(reader, counter) if mode == "merge" else reader

        import ibis.expr.types as ir

        changes: list[dict[str, str]] = []
        try:
            if isinstance(data, ir.Table):
                self._stage_ibis(staging, target, data)
            elif isinstance(data, Segments):
                changes = writing.stage_segments(self, staging, data.readers, wrap)
            else:
                reader = data if isinstance(data, pa.RecordBatchReader) else to_arrow(data).to_reader()
                writing.stage_reader(self, staging, wrap(reader))
        except BaseException:
            self.con.execute(f"DROP TABLE IF EXISTS {quote(staging)}")
            self.con.execute(
                f"DROP TABLE IF EXISTS {quote(TableName(staging.schema, staging.table + '_part'))}"
            )
            raise
        return writing.publish(
            self,
            staging,
            target,
            mode,
            validate=validate,
            key=keys,
            extra_rows=extra_rows,
            staged_changes=changes,
        )

    def _stage_ibis(self, staging: TableName, target: TableName, data: ir.Table) -> None:
        import duckdb

        try:  # through Ibis, so in-memory tables (ibis.memtable) are registered first
            self.ibis.create_table(staging.table, obj=data, database=staging.schema)
        except duckdb.Error as error:
            raise EngineError(
                f"computing the data for {target} failed, nothing was changed: {error}"
            ) from None

    def load_files(
        self,
        name: str,
        request: FileReadRequest,
        lineage: Lineage,
        *,
        mode: WriteMode = "replace",
        validate: Validator | None = None,
        key: Sequence[str] = (),
    ) -> WriteResult:
        from aimass.engine._duckdb_files import select_files_sql
        from aimass.engine._duckdb_write import publish

        target = parse_table_name(name)
        keys = _check_write(target, mode, key)
        staging = self._staging_name(target)
        self._stage_sql(staging, select_files_sql(self, request, lineage))
        result = publish(
            self, staging, target, mode, validate=validate, key=keys, extra_rows=None, staged_changes=[]
        )
        return result

    def drop_table(self, name: str, *, missing_ok: bool = False) -> None:
        target = parse_table_name(name)
        if not missing_ok:
            self._existing(name)
        self.execute(f"DROP TABLE IF EXISTS {quote(target)}")

    def _staging_name(self, target: TableName) -> TableName:
        return TableName(target.schema, f"{STAGING_PREFIX}{target.table[:40]}_{uuid.uuid4().hex[:8]}")

    def _stage_sql(self, staging: TableName, select_sql: str) -> None:
        self.execute(f"CREATE TABLE {quote(staging)} AS {select_sql}")

    def _count(self, name: TableName) -> int:
        row = self.con.execute(f"SELECT count(*) FROM {quote(name)}").fetchone()
        return int(row[0]) if row else 0

    # -- bookkeeping ----------------------------------------------------------------------------
    def _create_schema(self, schema: str) -> None:
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")

    def _create_empty(self, name: TableName, schema: pa.Schema) -> None:
        self.con.register("_aimass_empty", schema.empty_table())
        try:
            self.execute(f"CREATE TABLE IF NOT EXISTS {quote(name)} AS SELECT * FROM _aimass_empty")
        finally:
            self.con.unregister("_aimass_empty")

    def _append_rows(self, name: TableName, rows: pa.Table) -> None:
        self.con.register("_aimass_rows", rows)
        try:
            self.execute(f"INSERT INTO {quote(name)} BY NAME SELECT * FROM _aimass_rows")
        finally:
            self.con.unregister("_aimass_rows")


def _check_write(target: TableName, mode: WriteMode, key: Sequence[str]) -> tuple[str, ...]:
    if mode not in ("replace", "append", "merge"):
        raise ConfigError(f"mode={mode!r} is not allowed; use one of replace, append, merge")
    keys = tuple(key)
    if mode == "merge" and not keys:
        raise ConfigError(f"merging into {target} needs a primary key (key=[...], --primary-key COL)")
    if len(set(keys)) != len(keys):
        raise ConfigError(f"the primary key {list(keys)} names a column twice")
    return keys


def _lock_message(path: Path | str, error: Exception) -> str:
    return (
        f"the warehouse {path} is in use by another process (a running pipeline or `aimass` command?). "
        f"Wait for it to finish or stop it, then try again. DuckDB said: {error}"
    )
