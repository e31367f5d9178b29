"""``aimass analyze forecast``."""

from __future__ import annotations

from typing import Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption

__all__ = ["forecast_command", "register"]


def forecast_command(
    freq: Annotated[str | None, typer.Option("--freq", help="Period: D (days) or W (weeks).")] = None,
    horizon: Annotated[
        int | None, typer.Option("--horizon", help="Periods ahead (default 28 days / 8 weeks).")
    ] = None,
    measure: Annotated[
        list[str] | None, typer.Option("--measure", help="revenue and/or units (repeat the option).")
    ] = None,
    by: Annotated[
        list[str] | None, typer.Option("--by", help="total, category and/or store (repeat the option).")
    ] = None,
    top_n: Annotated[int | None, typer.Option("--top-n", help="Largest categories / stores kept.")] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="harmonic (default), ets (slower) or seasonal_naive.")
    ] = None,
    folds: Annotated[int | None, typer.Option("--folds", help="Rolling-origin backtest folds.")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Forecast revenue and units by total, category, store: writes mart.forecast, mart.forecast_backtest."""
    from aimass.cli._analyze_common import run_analysis

    run_analysis(
        "forecast",
        {
            "freq": freq,
            "horizon": horizon,
            "measures": measure or None,
            "by": by or None,
            "top_n": top_n,
            "model": model,
            "folds": folds,
        },
        workspace=workspace,
        as_json=as_json,
        preview="mart.forecast_backtest",
    )


def register(app: typer.Typer) -> None:
    """Add ``aimass analyze forecast`` to the ``analyze`` group."""
    app.command("forecast")(forecast_command)
