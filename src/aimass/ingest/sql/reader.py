"""Reading a table or a query in chunks, as Arrow record batches.

Two paths give the same batches (types as :mod:`aimass.ingest.sql.types` maps them):

- PostgreSQL with ``adbc-driver-postgresql`` installed: the native reader streams the result with
  binary ``COPY`` straight into Arrow (no Python object per value), several times faster.
- Every other database (and PostgreSQL without ADBC): SQLAlchemy with a server-side cursor
  (``stream_results``) and ``fetchmany``, the rows converted column by column.

Either way only one chunk is in Python memory at a time, so a table larger than memory streams.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from aimass.exceptions import ConfigError, TerminalSourceError
from aimass.ingest.sql.errors import connect_failed, missing_column, missing_table, read_failed
from aimass.ingest.sql.types import arrow_type, infer_schema, normalize_native, rows_to_batch
from aimass.ingest.sql.urls import libpq_url

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import URL

__all__ = ["SqlRead", "has_native_reader", "list_tables", "read_batches"]

_ALIAS = "aimass_query"


def has_native_reader() -> bool:
    """Whether the native PostgreSQL Arrow reader (``adbc-driver-postgresql``) is installed."""
    return importlib.util.find_spec("adbc_driver_postgresql") is not None


@dataclass(frozen=True)
class SqlRead:
    """What to read from one database: a table (in a schema) or a query, maybe past a cursor.

    Parameters
    ----------
    url : sqlalchemy.engine.URL
        Normalized (see :func:`~aimass.ingest.sql.urls.normalize_url`).
    label : str
        Names the source in messages (masked URL and table or query).
    table, schema, query : str, optional
        A table (in ``schema``) or a query; exactly one of ``table`` and ``query``.
    cursor : str, optional
        Read only rows whose ``cursor`` is greater than ``last``, ordered by it.
    last : Any, optional
        The cursor value stored by the previous load (None: read everything).
    chunk_size : int, default 50,000
        Rows per batch.
    native : bool, default True
        Use the native PostgreSQL reader when it is installed.
    secrets : tuple of str
        Hidden from every message.
    """

    url: URL
    label: str
    table: str | None = None
    schema: str | None = None
    query: str | None = None
    cursor: str | None = None
    last: Any = None
    chunk_size: int = 50_000
    native: bool = True
    secrets: tuple[str, ...] = field(default=(), repr=False)


def _engine(read: SqlRead) -> sa.Engine:
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    try:
        return sa.create_engine(read.url, poolclass=NullPool)
    except (sa.exc.ArgumentError, ImportError) as error:
        raise ConfigError(f"{read.label}: {error}") from None


def _connect(read: SqlRead, engine: sa.Engine) -> sa.Connection:
    import sqlalchemy as sa

    try:
        return engine.connect()
    except sa.exc.DBAPIError as error:
        raise connect_failed(read.label, error, read.secrets) from None


def list_tables(url: URL, label: str, schema: str | None = None, secrets: Sequence[str] = ()) -> list[str]:
    """The tables in a schema (the default schema when None), sorted."""
    import sqlalchemy as sa

    read = SqlRead(url=url, label=label, schema=schema, secrets=tuple(secrets))
    engine = _engine(read)
    try:
        with _connect(read, engine) as connection:
            inspector = sa.inspect(connection)
            if schema is not None and schema not in inspector.get_schema_names():
                raise missing_table(label, f"{schema}.*", inspector.get_schema_names()) from None
            return sorted(inspector.get_table_names(schema=schema))
    finally:
        engine.dispose()


def _strip(query: str) -> str:
    return query.strip().rstrip(";").strip()


def _quote(engine: sa.Engine, name: str) -> str:
    return str(engine.dialect.identifier_preparer.quote(name))


@dataclass
class _Plan:
    """The statement to run, its parameter, the known schema and the cursor's SQL type."""

    sql: str
    last: Any = None
    schema: pa.Schema | None = None
    cursor_type: str | None = None
    columns: list[str] = field(default_factory=list)


def _coerce(value: Any, kind: pa.DataType | None) -> Any:
    """A stored cursor value (JSON-decoded) as the Python type the driver binds for the column."""
    import datetime as dt
    import decimal

    if not isinstance(value, str) or kind is None:
        return value
    if pa.types.is_timestamp(kind):
        parsed = dt.datetime.fromisoformat(value)
        return parsed if kind.tz is None or parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    if pa.types.is_date(kind):
        return dt.date.fromisoformat(value[:10])
    if pa.types.is_decimal(kind):
        return decimal.Decimal(value)
    if pa.types.is_integer(kind):
        return int(value)
    return value


def _plan(read: SqlRead, engine: sa.Engine, connection: sa.Connection) -> _Plan:
    import sqlalchemy as sa

    cursor = read.cursor
    if read.table is not None:
        inspector = sa.inspect(connection)
        if read.schema is not None and read.schema not in inspector.get_schema_names():
            raise missing_table(read.label, f"{read.schema}.{read.table}", inspector.get_schema_names())
        if not inspector.has_table(read.table, schema=read.schema):
            raise missing_table(read.label, read.table, inspector.get_table_names(schema=read.schema))
        table = sa.Table(read.table, sa.MetaData(), schema=read.schema, autoload_with=connection)
        schema = pa.schema(
            [pa.field(column.name, arrow_type(column.type, engine.dialect.name)) for column in table.columns]
        )
        source = _quote(engine, read.table)
        if read.schema is not None:
            source = f"{_quote(engine, read.schema)}.{source}"
        plan = _Plan(f"SELECT * FROM {source} AS {_ALIAS}", schema=schema, columns=list(schema.names))
        if cursor is not None:
            if cursor not in table.columns:
                raise missing_column(read.label, "cursor", cursor, schema.names)
            plan.cursor_type = str(table.columns[cursor].type.compile(dialect=engine.dialect))
            plan.last = _coerce(read.last, schema.field(cursor).type)
    else:
        assert read.query is not None
        plan = _Plan(f"SELECT * FROM ({_strip(read.query)}) AS {_ALIAS}", last=read.last)
        try:
            probe = connection.execute(sa.text(f"{plan.sql} LIMIT 0"))
            plan.columns = list(probe.keys())
            description = probe.cursor.description if probe.cursor is not None else None
            probe.close()
        except sa.exc.DBAPIError as error:
            raise read_failed(read.label, error, read.secrets) from None
        if cursor is not None:
            if cursor not in plan.columns:
                raise missing_column(read.label, "cursor", cursor, plan.columns)
            if engine.dialect.name == "postgresql" and description is not None:
                oid = description[plan.columns.index(cursor)][1]
                found = connection.execute(sa.text("SELECT format_type(:oid, NULL)"), {"oid": oid})
                plan.cursor_type = str(found.scalar_one())
    if cursor is not None:
        quoted = f"{_ALIAS}.{_quote(engine, cursor)}"
        if read.last is not None:
            plan.sql += f" WHERE {quoted} > :last"
        plan.sql += f" ORDER BY {quoted}"
    return plan


def _rechunk(batches: Iterator[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        for start in range(0, max(batch.num_rows, 1), size):
            yield batch.slice(start, size)


def _read_native(read: SqlRead, plan: _Plan) -> Iterator[pa.RecordBatch]:
    import adbc_driver_manager
    import adbc_driver_postgresql.dbapi as adbc  # type: ignore[import-untyped]

    sql, params = plan.sql, None
    if ":last" in sql:
        sql = sql.replace(":last", f"CAST($1 AS {plan.cursor_type or 'text'})")
        params = (str(plan.last),)
    try:
        connection = adbc.connect(libpq_url(read.url))
    except adbc_driver_manager.Error as error:
        raise connect_failed(read.label, error, read.secrets) from None
    try:
        with connection.cursor() as cursor:
            cursor.adbc_statement.set_options(
                **{"adbc.postgresql.batch_size_hint_bytes": str(max(read.chunk_size * 64, 1 << 16))}
            )
            try:
                cursor.execute(sql, params)
                reader = cursor.fetch_record_batch()
                yield from _rechunk((normalize_native(batch) for batch in reader), read.chunk_size)
            except (adbc_driver_manager.Error, pa.ArrowException, OSError) as error:
                # a failure while streaming surfaces from the Arrow reader as an OSError
                raise read_failed(read.label, error, read.secrets) from None
    finally:
        connection.close()


def _read_rows(read: SqlRead, connection: sa.Connection, plan: _Plan) -> Iterator[pa.RecordBatch]:
    import sqlalchemy as sa

    statement = sa.text(plan.sql)
    params = {"last": plan.last} if ":last" in plan.sql else {}
    schema = plan.schema
    try:
        result = connection.execution_options(stream_results=True, yield_per=read.chunk_size).execute(
            statement, params
        )
        names = list(result.keys())
        while rows := result.fetchmany(read.chunk_size):
            if schema is None:
                schema = infer_schema(names, rows)
            try:
                yield rows_to_batch(rows, schema)
            except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError) as error:
                raise TerminalSourceError(
                    f"{read.label}: a value does not fit the column type read so far ({error}); CAST the "
                    "column in a --query to one type"
                ) from None
        result.close()
    except sa.exc.DBAPIError as error:
        raise read_failed(read.label, error, read.secrets) from None


def read_batches(read: SqlRead) -> Iterator[pa.RecordBatch]:
    """Stream a table or a query as record batches of at most ``read.chunk_size`` rows.

    Parameters
    ----------
    read : SqlRead

    Yields
    ------
    pyarrow.RecordBatch

    Raises
    ------
    TransientSourceError
        The server cannot be reached, or the connection was lost while reading.
    TerminalSourceError
        Wrong credentials, unknown database, missing table or column (the message lists what
        exists), or SQL the database rejected (with its message).
    """
    engine = _engine(read)
    try:
        connection = _connect(read, engine)
        try:
            plan = _plan(read, engine, connection)
            native = read.native and engine.dialect.name == "postgresql" and has_native_reader()
            if native:
                connection.close()
                yield from _read_native(read, plan)
            else:
                yield from _read_rows(read, connection, plan)
        finally:
            connection.close()
    finally:
        engine.dispose()
