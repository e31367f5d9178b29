"""``aimass analyze clv``."""

from __future__ import annotations

from typing import Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption

__all__ = ["clv_command", "register"]


def clv_command(
    model: Annotated[
        str | None, typer.Option("--model", help="Purchase model: bgnbd (default), mbgnbd or paretonbd.")
    ] = None,
    time_unit: Annotated[
        str | None, typer.Option("--time-unit", help="Time unit of the summary: D, W (default) or M.")
    ] = None,
    horizon_weeks: Annotated[
        float | None, typer.Option("--horizon-weeks", help="Prediction horizon in weeks (default 52).")
    ] = None,
    discount_rate: Annotated[
        float | None, typer.Option("--discount-rate", help="Annual discount rate (default 0.10).")
    ] = None,
    margin: Annotated[
        float | None,
        typer.Option("--margin", help="Profit share of spend (default: from product costs, else 0.3)."),
    ] = None,
    holdout_weeks: Annotated[
        float | None,
        typer.Option("--holdout-weeks", help="Holdout period of the calibration/holdout check (default 26)."),
    ] = None,
    penalizer: Annotated[
        float | None, typer.Option("--penalizer", help="L2 penalty of the fits (default 0).")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Customer lifetime value (BG/NBD + Gamma-Gamma): writes mart.clv and mart.clv_holdout."""
    from aimass.cli._analyze_common import run_analysis

    run_analysis(
        "clv",
        {
            "model": model,
            "time_unit": time_unit,
            "horizon_weeks": horizon_weeks,
            "discount_rate": discount_rate,
            "margin": margin,
            "holdout_weeks": holdout_weeks,
            "penalizer": penalizer,
        },
        workspace=workspace,
        as_json=as_json,
        preview="mart.clv",
    )


def register(app: typer.Typer) -> None:
    """Add ``aimass analyze clv`` to the ``analyze`` group."""
    app.command("clv")(clv_command)
