"""What every ``aimass analyze`` command shares: run its pipeline step, print what it wrote."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aimass.cli._common import console, emit_json, fail, open_workspace

__all__ = ["PREVIEW_MAX_COLUMNS", "run_analysis"]

#: Columns of a preview table shown in the terminal unless a command names its own.
PREVIEW_MAX_COLUMNS = 8


def run_analysis(
    step_name: str,
    params: dict[str, Any],
    *,
    workspace: Any = None,
    as_json: bool = False,
    preview: str | None = None,
    preview_rows: int = 10,
    preview_columns: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Run the pipeline step ``step_name`` with ``params`` (None values dropped) and print its outcome.

    Parameters
    ----------
    step_name : str
        A registered step, e.g. ``"rfm"``.
    params : dict
        Step parameters from the command's flags; a None value means "the step's default".
    workspace : path or None
        The ``--workspace`` option.
    as_json : bool
        Print the outcome as JSON instead of tables.
    preview : str, optional
        A table the step wrote whose first ``preview_rows`` rows are shown.
    preview_columns : sequence of str, optional
        The columns shown in the terminal (default: the first :data:`PREVIEW_MAX_COLUMNS`); the
        JSON output always has every column.

    Returns
    -------
    dict
        ``step``, ``summary``, ``tables``, ``figures``, ``warnings`` and ``preview`` (list of rows).
    """
    from pydantic import ValidationError

    from aimass._validation import validation_problems
    from aimass.exceptions import StepError
    from aimass.pipeline import get_step, run_steps

    given = {key: value for key, value in params.items() if value is not None}
    try:
        get_step(step_name).params(**given)
    except ValidationError as error:
        raise fail(f"bad option for `aimass analyze`: {'; '.join(validation_problems(error))}") from None
    with open_workspace(workspace) as ws:
        try:
            runs = run_steps(ws, [step_name], params={step_name: given})
        except StepError as error:
            raise fail(str(error)) from None
        result = runs[-1].result
        rows: list[dict[str, Any]] = []
        if preview is not None and ws.engine.exists(preview):
            rows = ws.engine.scan(preview).limit(preview_rows).to_pyarrow().to_pylist()
    outcome: dict[str, Any] = {
        "step": step_name,
        "summary": result.summary if result else "",
        "tables": result.tables if result else {},
        "figures": result.figures if result else {},
        "warnings": result.warnings if result else [],
        "preview": rows,
    }
    if as_json:
        emit_json(outcome)
    else:
        _print(outcome, preview, preview_columns)
    return outcome


def _print(outcome: dict[str, Any], preview: str | None, columns: Sequence[str] | None) -> None:
    from rich.table import Table

    console.print(f"[bold]{outcome['step']}[/]: {outcome['summary']}", highlight=False)
    for name, rows in outcome["tables"].items():
        console.print(f"  wrote {name}: {rows:,} rows", highlight=False)
    for warning in outcome["warnings"]:
        console.print(f"[yellow]warning[/] {warning}", highlight=False)
    if outcome["preview"]:
        every = list(outcome["preview"][0])
        shown = [c for c in columns if c in every] if columns else every[:PREVIEW_MAX_COLUMNS]
        view = Table(*shown, title=f"{preview} (first rows)")
        for row in outcome["preview"]:
            view.add_row(*(_cell(row[column]) for column in shown))
        console.print(view)
        if len(shown) < len(every):
            console.print(
                f"  {len(every) - len(shown)} more column(s): `--json`, or `aimass export {preview}`",
                highlight=False,
            )


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    return "" if value is None else str(value)
