"""``aimass analyze churn``."""

from __future__ import annotations

from typing import Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption

__all__ = ["churn_command", "register"]


def churn_command(
    horizon: Annotated[
        int | None, typer.Option("--horizon", help="Churn = no purchase in this many days (default 90).")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="'Now' (UTC), e.g. 2025-01-01; default the day after the last order."),
    ] = None,
    cutoff: Annotated[
        str | None,
        typer.Option("--cutoff", help="Evaluation cut-off; default as-of minus the horizon."),
    ] = None,
    tuning: Annotated[
        str | None, typer.Option("--tuning", help="none (default) or small (a few tree shapes by inner CV).")
    ] = None,
    top_categories: Annotated[
        int | None, typer.Option("--top-categories", help="Categories scored for propensity (default 8).")
    ] = None,
    no_propensity: Annotated[
        bool, typer.Option("--no-propensity", help="Skip purchase propensity per category.")
    ] = False,
    refit: Annotated[
        bool, typer.Option("--refit", help="Retrain on the newest labels before scoring.")
    ] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Churn probability with reasons, propensity per category and a time-holdout evaluation: writes
    mart.churn, mart.propensity and mart.churn_evaluation."""
    from aimass.cli._analyze_common import run_analysis

    params = {
        "horizon_days": horizon,
        "as_of": as_of,
        "cutoff": cutoff,
        "tuning": tuning,
        "top_categories": top_categories,
        "propensity": False if no_propensity else None,
        "refit": True if refit else None,
    }
    run_analysis("churn", params, workspace=workspace, as_json=as_json, preview="mart.churn")


def register(app: typer.Typer) -> None:
    """Add ``aimass analyze churn`` to the ``analyze`` group."""
    app.command("churn")(churn_command)
