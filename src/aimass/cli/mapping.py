"""``aimass map``: check the workspace's mapping, or propose one with ``--suggest``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aimass.cli._common import (
    JsonOption,
    WorkspaceOption,
    console,
    emit_json,
    err_console,
    fail,
    open_workspace,
)


def map_command(
    suggest: Annotated[
        bool,
        typer.Option("--suggest", help="Propose a mapping from the raw tables' column names and values."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write the proposal to this file (relative paths: inside the workspace)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
    mapping: Annotated[
        str, typer.Option("--mapping", "-m", help="Mapping file to check (without --suggest).")
    ] = "mapping.yaml",
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check mapping.yaml and show what fills each canonical table, or propose one (--suggest)."""
    if out is not None and not suggest:
        raise fail("--out writes a proposal: use it with --suggest")
    if suggest:
        _suggest(workspace, out, force, as_json)
    else:
        _check(workspace, mapping, as_json)


def _suggest(workspace: Path | None, out: Path | None, force: bool, as_json: bool) -> None:
    from aimass.prepare import suggest_mapping

    with open_workspace(workspace, read_only=True) as ws:
        target = ws.resolve(str(out)) if out is not None else None
        if target is not None and target.exists() and not force:
            raise fail(f"{target} exists; pass --force to overwrite it, or choose another --out")
        with err_console.status("sampling the raw tables", spinner="dots"):
            suggestion = suggest_mapping(ws.engine, base_currency=ws.settings.currency)
    text = suggestion.to_yaml()
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if as_json:
        emit_json({**suggestion.to_dict(), "written_to": str(target) if target else None})
        return
    if target is None:
        typer.echo(text, nl=False)
        return
    console.print(
        f"wrote {target}: {len(suggestion.tables)} canonical table(s) mapped", highlight=False, soft_wrap=True
    )
    for name, partial in suggestion.partial.items():
        console.print(
            f"[yellow]{name}[/]: {partial.source} lacks {', '.join(partial.missing)} (commented out)"
        )
    console.print(
        "check it (lines marked CHECK first), then run `aimass prepare`", highlight=False, soft_wrap=True
    )


def _check(workspace: Path | None, mapping: str, as_json: bool) -> None:
    from rich.table import Table

    from aimass.prepare import load_mapping

    with open_workspace(workspace, read_only=True) as ws:
        path = ws.resolve(mapping)
    loaded = load_mapping(path)
    rows = [
        {
            "table": f"core.{table}",
            "raw_table": entry.source,
            "column": name,
            **column.model_dump(by_alias=True),
        }
        for table, entry in loaded.tables.items()
        for name, column in entry.columns.items()
    ]
    if as_json:
        emit_json({"mapping": str(path), "valid": True, "columns": rows})
        return
    view = Table("table", "column", "from", "steps", title=f"{path} is valid")
    for table, entry in loaded.tables.items():
        for name, column in entry.columns.items():
            steps = [f"clean {'+'.join(column.clean)}"] if column.clean else []
            steps += [
                f"{key} {value}" for key, value in (("parse", column.parse), ("hash", column.hash)) if value
            ]
            steps += [f"default {column.default!r}"] if column.default is not None else []
            sources = ", ".join(column.sources())
            origin = f"{entry.source}: {sources}" if sources else f"= {column.value!r}"
            view.add_row(f"core.{table}", name, origin, ", ".join(steps))
    console.print(view)


def register(app: typer.Typer) -> None:
    """Add ``map``."""
    app.command("map")(map_command)
