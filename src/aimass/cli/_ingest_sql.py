"""``aimass ingest sql URL --table T``: load database tables or a query without editing sources.yaml."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, fail, open_workspace

if TYPE_CHECKING:
    from aimass.ingest import LoadResult

__all__ = ["register"]


def _print_results(results: list[LoadResult]) -> None:
    from rich.table import Table

    table = Table(title="loaded from the database", title_justify="left")
    for column in ("table", "rows", "new", "updated", "seconds", "load id"):
        table.add_column(
            column, justify="right" if column in ("rows", "new", "updated", "seconds") else "left"
        )
    for result in results:
        new, updated = getattr(result, "rows_new", None), getattr(result, "rows_updated", None)
        table.add_row(
            result.target,
            f"{result.rows:,}",
            "" if new is None else f"{new:,}",
            "" if updated is None else f"{updated:,}",
            f"{result.seconds:.2f}",
            result.load_id,
        )
    console.print(table)


def sql(
    url: Annotated[
        str,
        typer.Argument(
            help="Database URL: postgresql://user@host:5432/db, mysql://..., mariadb://..., "
            "sqlite:///path.db (relative to the workspace), or any SQLAlchemy URL."
        ),
    ],
    table: Annotated[
        list[str] | None,
        typer.Option("--table", "-t", help="A table to load into raw.<table>; repeatable."),
    ] = None,
    schema: Annotated[
        str | None, typer.Option("--schema", help="The database schema; alone, load every table in it.")
    ] = None,
    query: Annotated[str | None, typer.Option("--query", "-q", help="A SELECT to load (needs --as).")] = None,
    raw_name: Annotated[
        str | None, typer.Option("--as", help="The raw table (for a query or a single table).")
    ] = None,
    mode: Annotated[
        str, typer.Option(metavar="replace|append|merge", help="Replace, append, or upsert by primary key.")
    ] = "replace",
    primary_key: Annotated[
        list[str] | None, typer.Option("--primary-key", "-k", help="Key column for merge; repeatable.")
    ] = None,
    cursor: Annotated[
        str | None,
        typer.Option(
            "--cursor", help="Column that grows with new rows (updated_at, id): re-runs load past it."
        ),
    ] = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", help="Rows per batch read.")] = 50_000,
    password_env: Annotated[
        str | None,
        typer.Option("--password-env", help="Environment variable holding the password (never printed)."),
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load tables, a schema or a query from a database into raw tables (chunked, incremental)."""
    from pydantic import ValidationError

    from aimass.ingest.sql import SqlSourceConfig

    entry: dict[str, Any] = {
        "kind": "sql",
        "url": url,
        "tables": table or [],
        "schema": schema,
        "query": query,
        "mode": mode,
        "primary_key": primary_key or [],
        "cursor": cursor,
        "chunk_size": chunk_size,
    }
    if raw_name:
        entry["name"] = raw_name
    if password_env:
        entry["password"] = f"${{{password_env}}}"
    try:
        config = SqlSourceConfig.model_validate(entry)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, item['loc'])) or 'options'}: {item['msg']}" for item in error.errors()
        )
        raise fail(f"aimass ingest sql: {problems}") from None
    status: AbstractContextManager[object] = (
        nullcontext() if as_json else console.status("reading from the database")
    )
    with open_workspace(workspace) as ws, status:
        results = config.ingest_each(ws)
    if as_json:
        emit_json([result.to_dict() for result in results])
    else:
        _print_results(results)


def register(group: typer.Typer) -> None:
    """Add ``sql`` to the ``aimass ingest`` group."""
    group.command("sql")(sql)
