"""``aimass export``: write a warehouse table out as JSON Lines, JSON, Markdown, CSV or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, open_workspace


def export_command(
    table: Annotated[str, typer.Argument(help="The table: core.orders, or orders when one layer has it.")],
    format: Annotated[
        str, typer.Option("--format", "-f", help="jsonl, json, markdown, csv or parquet.")
    ] = "jsonl",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="The file to write (default: <table>.<ending> here).", show_default=False
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the first N rows.", show_default=False)
    ] = None,
    columns: Annotated[
        str | None, typer.Option("--columns", help="Only these columns, comma separated.", show_default=False)
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the file when it exists.")] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write a table out as documents or files, streaming it in batches."""
    from aimass.ingest._export import EXPORT_FORMATS, export_table

    endings = {str(kind): suffix for kind, suffix in EXPORT_FORMATS.items()}
    ending = endings.get(format, f".{format}")
    path = out if out is not None else Path(f"{table.rsplit('.', 1)[-1]}{ending}")
    selected = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    with open_workspace(workspace, read_only=True) as ws:
        result = export_table(ws, table, path, format, columns=selected, limit=limit, force=force)
    if as_json:
        emit_json(result.to_dict())
        return
    console.print(
        f"{result.table}: {result.rows:,} rows, {len(result.columns)} columns -> {result.path} "
        f"({result.format}, {result.bytes:,} bytes, {result.seconds:.2f} s)",
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add ``export``."""
    app.command("export")(export_command)
