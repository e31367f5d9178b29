"""The ``forecast`` pipeline step: revenue and units forecasts by total, category and store, backtested."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from aimass.analytics.forecast._backtest import backtest
from aimass.analytics.forecast._model import ForecastModel, SalesForecaster
from aimass.analytics.forecast._series import Frequency, Measure, sales_series
from aimass.exceptions import SchemaError
from aimass.pipeline import StepResult, step

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = ["FORECAST_COLUMNS", "ForecastParams", "forecast_sales", "run_forecast"]

SeriesGroup = Literal["total", "category", "store"]

#: Columns of ``mart.forecast``.
FORECAST_COLUMNS: tuple[str, ...] = (
    "series",
    "measure",
    "freq",
    "model",
    "ds",
    "yhat",
    "yhat_lower_80",
    "yhat_upper_80",
    "yhat_lower_95",
    "yhat_upper_95",
)
_BY: dict[str, Any] = {"total": None, "category": "category", "store": "store_id"}
_DEFAULT_HORIZON = {"D": 28, "W": 8}


def _all_measures() -> list[Measure]:
    return ["revenue", "units"]


def _all_groups() -> list[SeriesGroup]:
    return ["total", "category", "store"]


class ForecastParams(BaseModel):
    """Parameters of the ``forecast`` step."""

    model_config = ConfigDict(extra="forbid")

    freq: Frequency = Field("D", description="Period: 'D' (UTC days) or 'W' (Monday-based weeks).")
    horizon: int | None = Field(
        None, gt=0, description="Periods to forecast; default 28 for daily, 8 for weekly series."
    )
    measures: list[Measure] = Field(
        default_factory=_all_measures, min_length=1, description="What to forecast."
    )
    by: list[SeriesGroup] = Field(
        default_factory=_all_groups,
        min_length=1,
        description="Series families: the total, each category, each store.",
    )
    top_n: int = Field(10, gt=0, description="Largest categories / stores (by total of the measure) kept.")
    model: ForecastModel = Field("harmonic", description="'harmonic', 'ets' (slower) or 'seasonal_naive'.")
    folds: int = Field(3, ge=1, le=12, description="Rolling-origin backtest folds, each one horizon long.")
    trend_halflife_days: float | None = Field(
        90.0, gt=0, description="Half-life of the harmonic model's observation weights (None: equal weights)."
    )


def forecast_sales(
    orders: pd.DataFrame, products: pd.DataFrame | None, params: ForecastParams
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.Series], list[str]]:
    """Forecast and backtest every series the parameters ask for.

    Returns
    -------
    forecast : pandas.DataFrame
        Rows of ``mart.forecast``.
    backtests : pandas.DataFrame
        Rows of ``mart.forecast_backtest``.
    history : dict of str to pandas.Series
        The history of each ``"<measure>/<series>"``.
    warnings : list of str
        Series skipped and why.
    """
    horizon = params.horizon or _DEFAULT_HORIZON[params.freq]
    period_days = 1 if params.freq == "D" else 7
    halflife = None if params.trend_halflife_days is None else params.trend_halflife_days / period_days
    forecasts: list[pd.DataFrame] = []
    scores: list[pd.DataFrame] = []
    history: dict[str, pd.Series] = {}
    warnings: list[str] = []
    for measure in params.measures:
        for family in params.by:
            by = _BY[family]
            if by == "category" and (products is None or "category" not in products.columns):
                warnings.append("no product categories in core.products: category series skipped")
                continue
            try:
                frame = sales_series(
                    orders, products, by=by, freq=params.freq, measure=measure, top_n=params.top_n
                )
            except SchemaError as error:
                warnings.append(f"{measure} by {family} skipped: {error}")
                continue
            for name in frame.columns:
                series = frame[name]
                options: dict[str, Any] = {"trend_halflife": halflife} if params.model == "harmonic" else {}
                try:
                    result = backtest(
                        series, horizon, folds=params.folds, freq=params.freq, model=params.model, **options
                    )
                    fitted = SalesForecaster(params.model, params.freq, **options).fit(series)
                except SchemaError as error:
                    warnings.append(f"{measure} {name} skipped: {error}")
                    continue
                ahead = fitted.predict(horizon)
                ahead.insert(0, "model", params.model)
                ahead.insert(0, "freq", params.freq)
                ahead.insert(0, "measure", measure)
                ahead.insert(0, "series", name)
                forecasts.append(ahead)
                metrics = result.metrics.copy()
                metrics.insert(0, "freq", params.freq)
                metrics.insert(0, "measure", measure)
                metrics.insert(0, "series", name)
                metrics["model_name"] = params.model
                metrics["baseline_name"] = result.baseline
                metrics["folds"] = params.folds
                metrics["horizon"] = horizon
                scores.append(metrics)
                history[f"{measure}/{name}"] = series
    forecast = (
        pd.concat(forecasts, ignore_index=True) if forecasts else pd.DataFrame(columns=FORECAST_COLUMNS)
    )
    backtests = pd.concat(scores, ignore_index=True) if scores else pd.DataFrame()
    return forecast[list(FORECAST_COLUMNS)], backtests, history, warnings


def _forecast_chart(history: pd.Series, ahead: pd.DataFrame, title: str, periods: int) -> dict[str, Any]:
    recent = history.iloc[-periods:]
    past: list[dict[str, Any]] = [
        {"ds": pd.Timestamp(ds).isoformat(), "value": float(value), "kind": "actual"}
        for ds, value in zip(recent.index, recent.tolist(), strict=True)
    ]
    future: list[dict[str, Any]] = [
        {"ds": pd.Timestamp(row["ds"]).isoformat(), "value": float(row["yhat"]), "kind": "forecast"}
        | {key: float(row[f"yhat_{key}"]) for key in ("lower_80", "upper_80", "lower_95", "upper_95")}
        for row in ahead.to_dict("records")
    ]
    x = {"field": "ds", "type": "temporal", "title": None}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title,
        "data": {"values": past + future},
        "width": 640,
        "height": 260,
        "layer": [
            {
                "transform": [{"filter": "datum.kind == 'forecast'"}],
                "mark": {"type": "area", "opacity": 0.15},
                "encoding": {
                    "x": x,
                    "y": {"field": "lower_95", "type": "quantitative"},
                    "y2": {"field": "upper_95"},
                },
            },
            {
                "transform": [{"filter": "datum.kind == 'forecast'"}],
                "mark": {"type": "area", "opacity": 0.3},
                "encoding": {
                    "x": x,
                    "y": {"field": "lower_80", "type": "quantitative"},
                    "y2": {"field": "upper_80"},
                },
            },
            {
                "mark": "line",
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "title": None},
                    "color": {"field": "kind", "type": "nominal", "title": None},
                },
            },
        ],
    }


def _mase_chart(backtests: pd.DataFrame, measure: str) -> dict[str, Any]:
    rows = backtests[(backtests["metric"] == "mase") & (backtests["measure"] == measure)]
    values = [
        {"series": str(series), "who": who, "mase": float(value)}
        for series, model, baseline in zip(rows["series"], rows["model"], rows["baseline"], strict=True)
        for who, value in (("model", model), ("seasonal naive", baseline))
        if not math.isnan(float(value))
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": f"Backtest MASE of {measure} forecasts (lower is better; 1 = in-sample seasonal naive)",
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "y": {"field": "series", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "mase", "type": "quantitative"},
            "yOffset": {"field": "who"},
            "color": {"field": "who", "type": "nominal", "title": None},
        },
    }


@step(
    "forecast",
    reads=["core.orders", "core.products"],
    writes=["mart.forecast", "mart.forecast_backtest"],
    params=ForecastParams,
    description="Forecast revenue and units by total, category and store, with intervals and a backtest.",
)
def run_forecast(workspace: Workspace, params: ForecastParams) -> StepResult:
    """Forecast revenue and units by total, category and store, with intervals and a backtest."""
    engine = workspace.engine
    wanted = [
        "order_id",
        "product_id",
        "ordered_at",
        "quantity",
        "unit_price",
        "discount",
        "amount",
        "store_id",
    ]
    present = engine.columns("core.orders")
    orders = engine.read_pandas("core.orders", columns=[c for c in wanted if c in present])
    products = None
    if engine.exists("core.products") and "category" in engine.columns("core.products"):
        products = engine.read_pandas("core.products", columns=["product_id", "category"])
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # small least-squares problems: threads only contend
        forecast, backtests, history, warnings = forecast_sales(orders, products, params)
    if forecast.empty:
        raise SchemaError(f"no series could be forecast: {'; '.join(warnings) or 'no orders'}")
    forecast["ds"] = pd.to_datetime(forecast["ds"], utc=True).dt.as_unit("us")
    written = engine.write_table("mart.forecast", forecast)
    scored = engine.write_table("mart.forecast_backtest", backtests)
    mase = backtests[backtests["metric"] == "mase"].dropna(subset=["model", "baseline"])
    beats = int((mase["model"] < mase["baseline"]).sum())
    figures: dict[str, Any] = {
        "series": int(forecast.groupby(["series", "measure"]).ngroups),
        "horizon": int(forecast.groupby(["series", "measure"]).size().iloc[0]),
        "beats_baseline": f"{beats}/{len(mase)}",
    }
    charts: list[dict[str, Any]] = []
    for measure in params.measures:
        key = f"{measure}/total"
        if key in history:
            total = backtests[(backtests["series"] == "total") & (backtests["measure"] == measure)]
            for metric in ("mase", "coverage_80", "coverage_95"):
                value = total.loc[total["metric"] == metric, "model"]
                if not value.empty:
                    figures[f"total_{measure}_{metric}"] = round(float(value.iloc[0]), 4)
            ahead = forecast[(forecast["series"] == "total") & (forecast["measure"] == measure)]
            periods = 120 if params.freq == "D" else 52
            charts.append(
                _forecast_chart(history[key], ahead, f"Total {measure}: history and forecast", periods)
            )
        charts.append(_mase_chart(backtests, measure))
    losers = sorted(set(mase.loc[mase["model"] >= mase["baseline"], "series"]))
    if losers:
        warnings.append(
            f"{len(losers)} series do not beat the seasonal-naive baseline: {', '.join(losers[:10])}"
        )
    return StepResult(
        tables={"mart.forecast": written, "mart.forecast_backtest": scored},
        figures=figures,
        charts=charts,
        warnings=warnings,
        summary=f"forecast {figures['series']} series {figures['horizon']} periods ahead ({params.model}); "
        f"{beats} of {len(mase)} beat the seasonal-naive baseline in a {params.folds}-fold backtest",
    )
