"""``aimass prepare``: build the canonical core tables from the raw tables by the mapping."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, open_workspace

if TYPE_CHECKING:
    from aimass.prepare import PrepareResult


def prepare_command(
    mapping: Annotated[
        str, typer.Option("--mapping", "-m", help="Mapping file (relative paths: inside the workspace).")
    ] = "mapping.yaml",
    table: Annotated[
        list[str] | None, typer.Option("--table", "-t", help="Only this canonical table (repeatable).")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Map the raw tables onto core.* (clean, parse, dedupe, validate; each table all or nothing)."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from aimass.prepare import prepare

    with open_workspace(workspace) as ws:
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True, disable=as_json) as bar:
            task = bar.add_task("prepare", total=None)

            def report(event: str, name: str, index: int, total: int) -> None:
                done = index + (event == "done")
                bar.update(task, total=total, completed=done, description=f"core.{name}")

            result = prepare(ws, mapping, table or None, progress=report)
    if as_json:
        emit_json(result.to_dict())
        return
    _print(result)


def _print(result: PrepareResult) -> None:
    from rich.table import Table

    view = Table(title="prepare: raw -> core")
    view.add_column("table", no_wrap=True)
    view.add_column("from", no_wrap=True)
    for header in ("rows in", "duplicates removed", "unparsed", "rows written"):
        view.add_column(header, justify="right")
    for name, report in result.tables.items():
        view.add_row(
            f"core.{name}",
            report.source,
            f"{report.rows_in:,}",
            f"{report.duplicates_removed:,}",
            f"{report.unparsed_total:,}",
            f"{report.rows_written:,}",
        )
    console.print(view)
    derived: list[Any] = [
        (name, column, how) for name, r in result.tables.items() for column, how in r.derived.items()
    ]
    for name, column, how in derived:
        console.print(f"core.{name}.{column}: computed as {how}", highlight=False, soft_wrap=True)
    for warning in result.warnings:
        console.print(f"[yellow]warning[/] {warning}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``prepare``."""
    app.command("prepare")(prepare_command)
