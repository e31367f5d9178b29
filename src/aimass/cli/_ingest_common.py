"""What every ``aimass ingest <kind>`` command shares: building its source from the options,
running the load under a status line, and printing what was loaded."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from aimass._validation import validation_problems
from aimass.cli._common import console, emit_json, open_workspace
from aimass.exceptions import ConfigError

if TYPE_CHECKING:
    from aimass.ingest import LoadResult
    from aimass.workspace import Workspace

__all__ = ["ModeOption", "PrimaryKeyOption", "build_source", "print_result", "run_and_report"]

Model = TypeVar("Model", bound=BaseModel)

ModeOption = Annotated[
    str,
    typer.Option(
        "--mode",
        metavar="replace|append|merge",
        help="Replace the table, append to it, or merge (upsert) by --primary-key.",
    ),
]
PrimaryKeyOption = Annotated[
    list[str] | None,
    typer.Option("--primary-key", "-k", help="Key column for --mode merge; repeatable."),
]
_SHOWN_FILES = 5


def build_source(
    command: str, model: type[Model], entry: dict[str, Any], *, skip: Collection[str] = ()
) -> Model:
    """Validate the command's options as a source configuration; problems name the option."""
    try:
        return model.model_validate(entry)
    except ValidationError as error:
        raise ConfigError(
            f"aimass ingest {command}: {'; '.join(validation_problems(error, skip=skip))}"
        ) from None


def print_result(result: LoadResult) -> None:
    """One load as a small table: target, rows (new/updated/skipped), files or URLs, time, load id."""
    from rich.table import Table

    files = list(result.files)
    shown = files[:_SHOWN_FILES] + (
        [f"... and {len(files) - _SHOWN_FILES} more"] if len(files) > _SHOWN_FILES else []
    )
    table = Table(show_header=False, title=f"loaded {result.target}", title_justify="left", box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("table", result.target)
    table.add_row("rows", f"{result.rows:,}")
    table.add_row(
        "new / updated / skipped", f"{result.rows_new:,} / {result.rows_updated:,} / {result.rows_skipped:,}"
    )
    table.add_row("from", "\n".join(shown) or "(nothing new)")
    table.add_row("seconds", f"{result.seconds:.2f}")
    table.add_row("load id", result.load_id)
    console.print(table)


def run_and_report(
    run: Callable[[Workspace], LoadResult | Sequence[LoadResult]],
    *,
    workspace: Path | None,
    as_json: bool,
    status: str,
) -> None:
    """Open the workspace, run the load under a status line, print the result(s) or their JSON."""
    spinner: AbstractContextManager[object] = nullcontext() if as_json else console.status(status)
    with open_workspace(workspace) as ws, spinner:
        outcome = run(ws)
    results = [outcome] if not isinstance(outcome, Sequence) else list(outcome)
    if as_json:
        emit_json(
            results[0].to_dict() if not isinstance(outcome, Sequence) else [r.to_dict() for r in results]
        )
        return
    for result in results:
        print_result(result)
