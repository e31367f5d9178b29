"""``aimass analyze test``."""

from __future__ import annotations

from typing import Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption

__all__ = ["group_test_command", "register"]


def group_test_command(
    table: Annotated[
        str | None, typer.Option("--table", help="Test a column of this table (e.g. core.orders) instead.")
    ] = None,
    value: Annotated[str | None, typer.Option("--value", help="With --table: the column compared.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="With --table: the grouping column.")] = None,
    test: Annotated[
        str | None,
        typer.Option("--test", help="auto (default), welch, student, mannwhitney, anova, kruskal or chi2."),
    ] = None,
    alpha: Annotated[float | None, typer.Option("--alpha", help="Significance level.")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hypothesis tests between groups with effect sizes: writes mart.group_tests."""
    from aimass.cli._analyze_common import run_analysis
    from aimass.cli._common import console, open_workspace

    run_analysis(
        "test",
        {"table": table, "value": value, "group": group, "test": test, "alpha": alpha},
        workspace=workspace,
        as_json=as_json,
        preview="mart.group_tests" if as_json else None,
    )
    if not as_json:  # the table is too wide for a terminal: print each question and its answer
        with open_workspace(workspace, read_only=True) as ws:
            rows = ws.engine.read_arrow("mart.group_tests", columns=["question", "conclusion"]).to_pylist()
        for row in rows:
            console.print(f"[bold]{row['question']}[/]\n  {row['conclusion']}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``aimass analyze test`` to the ``analyze`` group."""
    app.command("test")(group_test_command)
