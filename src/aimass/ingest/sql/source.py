"""The SQL source: tables, a schema or a query from a database into raw tables, chunk by chunk.

Every read streams Arrow batches (see :mod:`aimass.ingest.sql.reader`) into the shared loader
``load_batches``, which adds lineage, evolves the schema, and replaces, appends or merges in one
transaction together with the new cursor state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aimass._typing import LoadMode
from aimass.exceptions import ConfigError
from aimass.ingest._load import engine_and_root, raw_target
from aimass.ingest._result import LoadResult
from aimass.ingest.sql.reader import SqlRead, has_native_reader, list_tables, read_batches
from aimass.ingest.sql.urls import mask_url, normalize_url

if TYPE_CHECKING:
    from aimass.engine import Engine
    from aimass.workspace import Workspace

__all__ = ["DEFAULT_CHUNK_SIZE", "combine_results", "ingest_sql", "sql_targets"]

#: Rows per batch read from the database.
DEFAULT_CHUNK_SIZE = 50_000
_MODES: tuple[LoadMode, ...] = ("replace", "append", "merge")


def _check_mode(mode: str) -> LoadMode:
    for allowed in _MODES:
        if mode == allowed:
            return allowed
    raise ConfigError(f"mode={mode!r} is not allowed; use one of {', '.join(_MODES)}")


def sql_targets(
    tables: Sequence[str], query: str | None, name: str | None, prefix: str = ""
) -> list[tuple[str, str | None]]:
    """Pairs of (raw table, source table or None for the query), checked.

    Examples
    --------
    >>> sql_targets(["orders", "items"], None, None, prefix="shop_")
    [('raw.shop_orders', 'orders'), ('raw.shop_items', 'items')]
    >>> sql_targets(["orders"], None, "raw.sales")
    [('raw.sales', 'orders')]
    """
    if query is not None:
        if tables:
            raise ConfigError("give either a query or tables, not both")
        if not name:
            raise ConfigError("a query needs the raw table to write: give name (--as NAME)")
        return [(str(raw_target(name)), None)]
    if not tables:
        raise ConfigError(
            "give a table (--table NAME, repeatable), a schema (--schema S) or a query (--query)"
        )
    if len(tables) == 1 and name:
        return [(str(raw_target(name)), tables[0])]
    targets: list[tuple[str, str | None]] = [(str(raw_target(f"{prefix}{t}")), t) for t in tables]
    seen = [target for target, _ in targets]
    if len(set(seen)) != len(seen):
        raise ConfigError(f"two tables would land in the same raw table: {', '.join(seen)}")
    return targets


def combine_results(results: Sequence[LoadResult]) -> LoadResult:
    """One result for several tables: rows and seconds added up, targets and files listed."""
    if len(results) == 1:
        return results[0]
    changes: dict[str, Any] = {}
    for item in dataclasses.fields(LoadResult):
        values = [getattr(result, item.name) for result in results]
        if item.name in ("target", "load_id", "schema_hash", "source"):
            changes[item.name] = ", ".join(str(value) for value in values)
        elif item.name == "files":
            changes[item.name] = tuple(f for value in values for f in value)
        elif all(isinstance(value, int | float) and not isinstance(value, bool) for value in values):
            changes[item.name] = sum(values)
    return dataclasses.replace(results[0], **changes)


def ingest_sql(
    workspace_or_engine: Workspace | Engine,
    url: str,
    *,
    tables: Sequence[str] = (),
    schema: str | None = None,
    query: str | None = None,
    name: str | None = None,
    prefix: str = "",
    mode: LoadMode | str = "replace",
    primary_key: Sequence[str] = (),
    cursor: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    password: str | None = None,
    native: bool = True,
) -> list[LoadResult]:
    """Load tables (or every table of a schema, or a query) from a database into raw tables.

    Parameters
    ----------
    workspace_or_engine : Workspace or Engine
        Where to load; a relative ``sqlite:///`` path starts at the workspace root.
    url : str
        Any SQLAlchemy URL, or ``postgresql://``, ``postgres://``, ``mysql://``, ``mariadb://``,
        ``sqlite:///path`` as users paste them.
    tables : sequence of str
        Tables to load, each into its own raw table ``raw.<prefix><table>``.
    schema : str, optional
        The database schema the tables are in; with no ``tables`` and no ``query``, every table of it.
    query : str, optional
        A ``SELECT`` whose result is loaded into ``raw.<name>``.
    name : str, optional
        The raw table, for a query or a single table (default: the table's name).
    prefix : str, default ""
        Put before each table's name when several tables are loaded.
    mode : {"replace", "append", "merge"}, default "replace"
        ``replace`` always reads everything (a full refresh, so deleted rows disappear);
        ``append`` and ``merge`` read only rows past the cursor when one is named.
    primary_key : sequence of str
        The key ``merge`` upserts by.
    cursor : str, optional
        A column that grows with every new or changed row (``updated_at``, ``id``); its largest
        loaded value is kept in ``meta.source_state`` and the next run asks only for rows past it.
    chunk_size : int, default 50,000
        Rows per batch.
    password : str, optional
        The password (already resolved), used instead of one in the URL.
    native : bool, default True
        Use the native PostgreSQL Arrow reader when it is installed.

    Returns
    -------
    list of LoadResult
        One per raw table, in order.

    Raises
    ------
    TransientSourceError
        Unreachable server, or the connection lost while reading (nothing is written).
    TerminalSourceError
        Wrong credentials, unknown database, missing table (the message lists the tables),
        SQL the database rejected.
    ConfigError
        A bad argument.
    """
    from aimass.ingest._batches import load_batches
    from aimass.ingest._secrets import remember_secret
    from aimass.ingest._state import read_state

    engine, root = engine_and_root(workspace_or_engine)
    checked_mode = _check_mode(str(mode))
    if chunk_size < 1:
        raise ConfigError(f"chunk_size={chunk_size} must be >= 1")
    if checked_mode == "merge" and not primary_key:
        raise ConfigError("mode='merge' needs the primary key to upsert by (--primary-key COL)")
    parsed = normalize_url(url, root, password)
    secrets = tuple(str(s) for s in (parsed.password, password) if s)
    for secret in secrets:  # so the loader's own messages mask it too
        remember_secret(secret)
    shown = mask_url(parsed)
    table_list = list(tables)
    if not table_list and query is None and schema is not None:
        table_list = list_tables(parsed, f"sql source {shown} (schema {schema!r})", schema, secrets)
        if not table_list:
            raise ConfigError(f"sql source {shown}: the schema {schema!r} holds no tables")
    results: list[LoadResult] = []
    for target, table in sql_targets(table_list, query, name, prefix):
        what = f"table {table!r}" if table is not None else "query"
        state_key = f"sql:{target}"
        last = read_state(engine, state_key) if cursor is not None and checked_mode != "replace" else None
        read = SqlRead(
            url=parsed,
            label=f"sql source {shown} ({what} -> {target})",
            table=table,
            schema=schema,
            query=query,
            cursor=cursor,
            last=last,
            chunk_size=chunk_size,
            native=native,
            secrets=secrets,
        )
        source = f"{shown}#{table if table is not None else 'query'}"
        details: dict[str, Any] = {
            "format": "sql",
            "dialect": parsed.get_backend_name(),
            "reader": "adbc"
            if native and parsed.get_backend_name() == "postgresql" and has_native_reader()
            else "sqlalchemy",
            "table": table,
            "schema": schema,
            "query": query,
            "cursor": cursor,
            "cursor_after": last,
            "chunk_size": chunk_size,
        }
        results.append(
            load_batches(
                engine,
                source=source,
                target=target,
                batches=read_batches(read),
                mode=checked_mode,
                primary_key=primary_key,
                cursor=cursor,
                state_key=state_key,
                details=details,
                files=[source],
                allow_empty=cursor is not None,
            )
        )
    return results
