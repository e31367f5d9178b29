"""``aimass init`` and ``aimass tables``: create a workspace, and list what its warehouse holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, open_workspace


def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new workspace.")] = Path("."),
    name: Annotated[str | None, typer.Option(help="Workspace name (default: the folder name).")] = None,
    currency: Annotated[str, typer.Option(help="ISO 4217 code of the money columns.")] = "CNY",
) -> None:
    """Create a workspace: aimass.toml, the warehouse and its layers."""
    from aimass.settings import parse_settings
    from aimass.workspace import Workspace

    root = directory.expanduser().resolve()
    settings = parse_settings({"name": name or root.name or "workspace", "currency": currency}, "options")
    with Workspace.init(root, settings) as workspace:
        console.print(f"created workspace [bold]{settings.name}[/] at {workspace.root}")
        console.print(f"warehouse: {workspace.root / workspace.settings.engine.path}")


def tables(
    workspace: WorkspaceOption = None,
    schema: Annotated[str | None, typer.Option(help="Only this layer: raw, core, mart or meta.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the warehouse tables with their row counts."""
    from rich.table import Table

    with open_workspace(workspace, read_only=True) as ws:
        engine = ws.engine
        rows = [{"table": name, "rows": engine.row_count(name)} for name in engine.list_tables(schema=schema)]
    if as_json:
        emit_json(rows)
        return
    table = Table("table", "rows", title=f"tables in {ws.root}")
    for row in rows:
        table.add_row(str(row["table"]), f"{row['rows']:,}")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``init`` and ``tables``."""
    app.command("init")(init)
    app.command("tables")(tables)
