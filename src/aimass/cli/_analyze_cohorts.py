"""``aimass analyze cohorts``."""

from __future__ import annotations

from typing import Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption

__all__ = ["cohorts_command", "register"]


def cohorts_command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Ignore orders at or after this date/time (UTC).")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Monthly cohorts x months since first purchase, and repeat intervals: writes mart.cohorts and more."""
    from aimass.cli._analyze_common import run_analysis

    run_analysis(
        "cohorts",
        {"as_of": as_of},
        workspace=workspace,
        as_json=as_json,
        preview="mart.repeat_interval_distribution",
    )


def register(app: typer.Typer) -> None:
    """Add ``aimass analyze cohorts`` to the ``analyze`` group."""
    app.command("cohorts")(cohorts_command)
