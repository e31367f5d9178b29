"""``aimass analyze drivers``."""

from __future__ import annotations

from typing import Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption

__all__ = ["drivers_command", "register"]


def drivers_command(
    target: Annotated[
        str | None,
        typer.Option("--target", help="Customer column to explain: spend, log_spend, aov, n_orders."),
    ] = None,
    feature: Annotated[
        list[str] | None,
        typer.Option("--feature", help="A customer feature (repeat; default a standard set)."),
    ] = None,
    robust: Annotated[
        bool | None, typer.Option("--robust/--classical", help="HC3 robust (default) or classical errors.")
    ] = None,
    alpha: Annotated[float | None, typer.Option("--alpha", help="1 - confidence level.")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Regress customer spend on customer features: writes mart.spend_drivers."""
    from aimass.cli._analyze_common import run_analysis

    run_analysis(
        "drivers",
        {"target": target, "features": feature or None, "robust": robust, "alpha": alpha},
        workspace=workspace,
        as_json=as_json,
        preview="mart.spend_drivers",
        preview_rows=30,
    )


def register(app: typer.Typer) -> None:
    """Add ``aimass analyze drivers`` to the ``analyze`` group."""
    app.command("drivers")(drivers_command)
