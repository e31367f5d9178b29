"""``aimass report``: rendered reports (the workspace's data-health report)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, open_workspace

if TYPE_CHECKING:
    from aimass.report import ReportFormat

__all__ = ["register"]

report_app = typer.Typer(help="Rendered reports for people: data health.", no_args_is_help=True)


@report_app.command("health")
def health(
    workspace: WorkspaceOption = None,
    formats: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help="html, pdf or xlsx; repeat for several (default: all three)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder to write into (default: the workspace's reports/)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write the data-health report: every raw table's structure, duplicates, missing values, rule results."""
    from aimass.cli._common import fail
    from aimass.report import build_health_report, write_health_report

    chosen = formats or ["html", "pdf", "xlsx"]
    unknown = [kind for kind in chosen if kind not in ("html", "pdf", "xlsx")]
    if unknown:
        raise fail(f"--format {unknown[0]!r} is not one of html, pdf, xlsx")
    with open_workspace(workspace, read_only=True) as ws:
        report = build_health_report(ws)
        paths = write_health_report(report, out or ws.reports_dir, cast("list[ReportFormat]", chosen))
    if as_json:
        emit_json({"files": {kind: str(path) for kind, path in paths.items()}, **report.to_dict()})
        return
    for finding in report.findings:
        console.print(f"• {finding}", highlight=False)
    for kind, path in paths.items():
        console.print(f"[bold]{kind}[/]: {path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``aimass report ...`` to the application."""
    app.add_typer(report_app, name="report")
