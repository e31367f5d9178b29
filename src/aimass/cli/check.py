"""``aimass check``: run the quality rules; exit 1 when an error-level rule fails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from aimass.cli._common import EXIT_USER, JsonOption, WorkspaceOption, console, emit_json, open_workspace

if TYPE_CHECKING:
    from aimass.quality import QualityReport

_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red"}


def check_command(
    rules: Annotated[
        str | None,
        typer.Option(
            "--rules", "-r", help="Rules file (relative paths: inside the workspace).", show_default=False
        ),
    ] = None,
    table: Annotated[
        list[str] | None,
        typer.Option("--table", "-t", help="Only rules on this table (repeatable; patterns such as raw.*)."),
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the quality rules (default quality/rules.yaml) and record the results in meta.quality_*."""
    from aimass.quality import run_rules

    with open_workspace(workspace) as ws:
        report = run_rules(ws, rules, tables=table or None)
    if as_json:
        emit_json(report.to_dict())
    else:
        _print(report)
    if report.n_failed:
        raise typer.Exit(EXIT_USER)


def _print(report: QualityReport) -> None:
    from rich.table import Table

    view = Table(title=f"quality rules ({report.source})")
    view.add_column("rule", overflow="fold")
    view.add_column("table", overflow="fold")
    view.add_column("kind", overflow="fold")
    view.add_column("status", no_wrap=True)
    for header in ("failing", "rows", "%"):
        view.add_column(header, justify="right", no_wrap=True)
    for result in report.results:
        style = _STYLE[result.status]
        view.add_row(
            result.rule_id,
            result.table_name if result.column_name is None else f"{result.table_name}.{result.column_name}",
            result.kind,
            f"[{style}]{result.status}[/]",
            f"{result.n_failed:,}",
            f"{result.n_rows:,}",
            f"{result.pct_failed:.2f}",
        )
    console.print(view)
    for result in report.results:
        if result.status != "pass" and result.detail:
            style = _STYLE[result.status]
            console.print(f"[{style}]{result.status}[/] {result.rule_id}: {result.detail}", highlight=False)
    console.print(
        f"{len(report.results)} rule(s): [green]{report.n_passed} passed[/], "
        f"[yellow]{report.n_warned} warned[/], [bold red]{report.n_failed} failed[/] (run {report.run_id})",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``check``."""
    app.command("check")(check_command)
