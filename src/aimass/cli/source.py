"""``aimass source add|list|show|remove``: the sources declared in ``aimass.toml`` (and ``sources.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, open_workspace

if TYPE_CHECKING:
    from aimass.ingest._sources import DeclaredSource
    from aimass.workspace import Workspace

__all__ = ["app"]

app = typer.Typer(
    name="source",
    help="Declare, list, show and remove the sources `aimass ingest --all` loads.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _last_loads(workspace: Workspace) -> dict[str, dict[str, Any]]:
    """The latest ``meta.loads`` row of each target."""
    engine = workspace.engine
    if not engine.exists("meta.loads"):
        return {}
    rows = engine.read_arrow("meta.loads", columns=["target", "status", "rows", "started_at", "error"])
    latest: dict[str, dict[str, Any]] = {}
    for row in sorted(rows.to_pylist(), key=lambda item: item["started_at"]):
        latest[row["target"]] = row
    return latest


def _state_key(source: DeclaredSource) -> str | None:
    cursor = getattr(source.config, "cursor", None)
    if not cursor:
        return None
    return str(getattr(source.config, "state_key", None) or source.name)


def _describe(
    source: DeclaredSource, workspace: Workspace, loads: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    from aimass.ingest import read_states

    states = read_states(workspace.engine)
    key = _state_key(source)
    state = states.get(key) if key else None
    load = loads.get(source.target)
    return {
        "name": source.name,
        "kind": source.kind,
        "target": source.target,
        "mode": source.config.mode,
        "cursor": getattr(source.config, "cursor", None),
        "state": None if state is None else state["cursor_value"],
        "last_load": None if load is None else load["status"],
        "last_rows": None if load is None else load["rows"],
        "declared_in": str(source.origin),
    }


def _masked(value: dict[str, Any]) -> Any:
    from aimass.ingest._declare import masked_declaration

    return masked_declaration(value)


@app.command("list")
def list_sources(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """List the declared sources with their table, mode, cursor, state and last load."""
    from rich.table import Table

    from aimass.ingest._sources import declared_sources

    with open_workspace(workspace) as ws:
        loads = _last_loads(ws)
        rows = [_describe(source, ws, loads) for source in declared_sources(ws)]
    if as_json:
        emit_json(rows)
        return
    table = Table(title="sources", title_justify="left")
    for column in ("name", "kind", "table", "mode", "cursor", "state", "last load"):
        table.add_column(column)
    for row in rows:
        last = "" if row["last_load"] is None else f"{row['last_load']} ({row['last_rows']:,} rows)"
        state = "" if row["state"] is None else str(row["state"])
        table.add_row(row["name"], row["kind"], row["target"], row["mode"], row["cursor"] or "", state, last)
    console.print(table)


@app.command("show")
def show_source(
    name: Annotated[str, typer.Argument(help="The source's name.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one source as declared (secrets masked), with its state and last load."""
    from aimass.ingest._sources import find_source

    with open_workspace(workspace) as ws:
        source = find_source(ws, name)
        described = _describe(source, ws, _last_loads(ws))
    described["settings"] = _masked(source.declared)
    if as_json:
        emit_json(described)
        return
    from rich.table import Table

    table = Table(show_header=False, title=f"source {name}", title_justify="left", box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in described.items():
        if key != "settings":
            table.add_row(key, "" if value is None else str(value))
    for key, value in described["settings"].items():
        table.add_row(f"  {key}", str(value))
    console.print(table)


@app.command("add")
def add_source(
    name: Annotated[str, typer.Argument(help="The source's name (and its raw table unless --set name=...).")],
    kind: Annotated[str, typer.Option("--kind", "-k", help="files, http, sql, sftp or web.")],
    settings: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="KEY=VALUE (a YAML scalar; dotted keys nest: pagination.style=cursor); repeatable.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a source of that name.")] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Declare a source in aimass.toml ([sources.NAME]), checked before it is written."""
    from aimass.ingest._declare import add_source as add

    with open_workspace(workspace) as ws:
        path = Path(ws.root) / "aimass.toml"
        entry = add(ws, name, kind, list(settings or []), replace=force)
    if as_json:
        emit_json({"name": name, "file": str(path), "settings": _masked(entry)})
    else:
        console.print(f"added source [bold]{name}[/] ({kind}) to {path}", highlight=False)


@app.command("remove")
def remove_source(
    name: Annotated[str, typer.Argument(help="The source's name.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Remove a source from aimass.toml (its raw table and state stay)."""
    from aimass.ingest._declare import remove_source as remove

    with open_workspace(workspace) as ws:
        path = remove(ws, name)
    console.print(f"removed source [bold]{name}[/] from {path}", highlight=False)
