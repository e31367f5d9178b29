"""``aimass run``: run pipeline steps in dependency order with a progress bar and a summary."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, fail, open_workspace


def _parse_param(text: str) -> tuple[str, str, Any]:
    import yaml

    if "=" not in text or "." not in text.split("=", 1)[0]:
        raise fail(f"--param {text!r} must look like STEP.NAME=VALUE, e.g. prepare.mapping=mapping.yaml")
    key, raw = text.split("=", 1)
    step, name = key.split(".", 1)
    return step, name, yaml.safe_load(raw) if raw else None


def run(
    steps: Annotated[
        list[str] | None, typer.Argument(help="Steps to run (default with --all: every step).")
    ] = None,
    all_steps: Annotated[bool, typer.Option("--all", help="Run every registered step.")] = False,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="Override a step parameter: STEP.NAME=VALUE.")
    ] = None,
    list_steps: Annotated[bool, typer.Option("--list", help="List the steps and exit.")] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run pipeline steps (or --all) and record each in meta.runs."""
    from aimass.pipeline import registered_steps

    if list_steps:
        _print_steps(registered_steps(), as_json)
        return
    if not steps and not all_steps:
        raise fail("name the steps to run, or pass --all (see `aimass run --list`)")
    if steps and all_steps:
        raise fail("give step names or --all, not both")
    overrides: dict[str, dict[str, Any]] = {}
    for text in param or []:
        step, name, value = _parse_param(text)
        overrides.setdefault(step, {})[name] = value
    with open_workspace(workspace) as ws:
        runs = _run_with_progress(ws, steps or None, overrides, quiet=as_json)
        summary = _summary(ws, runs)
    if as_json:
        emit_json(summary)
    else:
        _print_summary(summary)


def _run_with_progress(
    ws: Any, names: list[str] | None, overrides: dict[str, dict[str, Any]], quiet: bool
) -> Any:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from aimass.exceptions import StepError
    from aimass.pipeline import run_steps

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False, disable=quiet) as bar:
        task = bar.add_task("pipeline", total=None)

        def report(event: str, step: Any, index: int, total: int) -> None:
            bar.update(
                task, total=total, completed=index + (event != "start"), description=f"{event:>6} {step.name}"
            )

        try:
            return run_steps(ws, names, params=overrides, progress=report)
        except StepError as error:
            raise fail(str(error)) from None


def _summary(ws: Any, runs: Any) -> dict[str, Any]:
    engine = ws.engine
    return {
        "workspace": str(ws.root),
        "steps": [
            {
                "step": run.step.name,
                "status": run.record.status,
                "seconds": round((run.record.finished_at - run.record.started_at).total_seconds(), 2),
                "summary": run.result.summary if run.result else "",
                "tables": run.result.tables if run.result else {},
                "warnings": run.result.warnings if run.result else [],
            }
            for run in runs
        ],
        "tables": {
            name: engine.row_count(name) for name in engine.list_tables() if not name.startswith("meta.")
        },
    }


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.table import Table

    steps = Table("step", "status", "seconds", "what it produced", title="pipeline run")
    for item in summary["steps"]:
        steps.add_row(item["step"], item["status"], f"{item['seconds']:.1f}", item["summary"])
    console.print(steps)
    for item in summary["steps"]:
        for warning in item["warnings"]:
            console.print(f"[yellow]warning[/] {item['step']}: {warning}")
    tables = Table("table", "rows", title="warehouse")
    for name, rows in summary["tables"].items():
        tables.add_row(name, f"{rows:,}")
    console.print(tables)
    console.print(
        f"workspace {summary['workspace']}: the dashboard and API show it with "
        f"`aimass serve --workspace {summary['workspace']}`",
        highlight=False,
    )


def _print_steps(steps: Any, as_json: bool) -> None:
    from rich.table import Table

    rows = [
        {"step": s.name, "reads": list(s.reads), "writes": list(s.writes), "description": s.description}
        for s in steps
    ]
    if as_json:
        emit_json(rows)
        return
    table = Table("step", "reads", "writes", "description", title="pipeline steps (in run order)")
    for row in rows:
        table.add_row(row["step"], ", ".join(row["reads"]), ", ".join(row["writes"]), row["description"])
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``run``."""
    app.command("run")(run)
