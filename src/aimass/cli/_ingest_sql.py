"""``aimass ingest sql URL --table T``: load database tables or a query without editing sources.yaml."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from aimass.cli._common import JsonOption, WorkspaceOption
from aimass.cli._ingest_common import ModeOption, PrimaryKeyOption, build_source, run_and_report

if TYPE_CHECKING:
    pass

__all__ = ["register"]


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
    mode: ModeOption = "replace",
    primary_key: PrimaryKeyOption = None,
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
    config = build_source("sql", SqlSourceConfig, entry)
    run_and_report(
        config.ingest_each, workspace=workspace, as_json=as_json, status="reading from the database"
    )


def register(group: typer.Typer) -> None:
    """Add ``sql`` to the ``aimass ingest`` group."""
    group.command("sql")(sql)
