"""The ``clv`` pipeline step: lifetime value per customer (``mart.clv``) and its holdout check."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from aimass.analytics.clv._betageo import BetaGeo, ModifiedBetaGeo
from aimass.analytics.clv._gammagamma import MONTH_IN_UNITS, GammaGamma, customer_lifetime_value
from aimass.analytics.clv._holdout import calibration_holdout
from aimass.analytics.clv._paretonbd import ParetoNBD
from aimass.analytics.clv._summary import TIME_UNIT_DAYS, TimeUnit, clv_summary
from aimass.analytics.clv._transaction import TransactionModel
from aimass.exceptions import SchemaError
from aimass.pipeline import StepResult, step

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = ["ClvParams", "TransactionModelName", "make_transaction_model", "order_occasions", "run_clv"]

TransactionModelName = Literal["bgnbd", "mbgnbd", "paretonbd"]
_MODELS: dict[str, type[TransactionModel]] = {
    "bgnbd": BetaGeo,
    "mbgnbd": ModifiedBetaGeo,
    "paretonbd": ParetoNBD,
}
_WEEK_DAYS = 7.0


class ClvParams(BaseModel):
    """Parameters of the ``clv`` step."""

    model_config = ConfigDict(extra="forbid")

    model: TransactionModelName = Field("bgnbd", description="Purchase model: bgnbd, mbgnbd or paretonbd.")
    time_unit: TimeUnit = Field("W", description="Time unit of the summary: D (days), W (weeks), M (months).")
    horizon_weeks: float = Field(52.0, gt=0, description="Prediction horizon, in weeks.")
    discount_rate: float = Field(0.10, ge=0, lt=10, description="Annual discount rate of future profit.")
    margin: float | None = Field(
        None,
        gt=0,
        le=1,
        description="Profit share of spend; default from products' cost / price, else `default_margin`.",
    )
    default_margin: float = Field(0.3, gt=0, le=1, description="Margin when products carry no cost.")
    holdout_weeks: float = Field(
        26.0, gt=0, description="Length of the holdout period of the calibration/holdout check, in weeks."
    )
    observation_end: dt.datetime | None = Field(
        None, description="End of the observation period (default: the day of the last order)."
    )
    penalizer: float = Field(0.0, ge=0, description="L2 penalty of the fits (0: maximum likelihood).")


def make_transaction_model(name: str, penalizer: float = 0.0) -> TransactionModel:
    """A new, unfitted transaction model by name (``bgnbd``, ``mbgnbd``, ``paretonbd``)."""
    return _MODELS[name](penalizer=penalizer)


def order_occasions(workspace: Workspace) -> pd.DataFrame:
    """One row per order of ``core.orders``: ``customer_id``, ``ordered_at`` (first line), ``amount`` (sum).

    A line's amount is ``amount``, else ``quantity * unit_price - discount``.
    """
    orders = workspace.engine.scan("core.orders")
    names = set(orders.columns)
    missing = {"order_id", "customer_id", "ordered_at"} - names
    if missing:
        raise SchemaError(f"core.orders lacks {sorted(missing)}; it has {sorted(names)}")
    computed = None
    if {"quantity", "unit_price"} <= names:
        discount = orders.discount.fill_null(0.0) if "discount" in names else 0.0
        computed = orders.quantity.cast("float64") * orders.unit_price.cast("float64") - discount
    if "amount" in names:
        amount = orders.amount.cast("float64")
        amount = amount.fill_null(computed) if computed is not None else amount.fill_null(0.0)
    elif computed is not None:
        amount = computed
    else:
        raise SchemaError("core.orders needs `amount` or `quantity` and `unit_price`")
    grouped = (
        orders.filter(orders.customer_id.notnull() & orders.ordered_at.notnull())
        .mutate(line_amount=amount)
        .group_by(["order_id", "customer_id"])
        .aggregate(ordered_at=lambda t: t.ordered_at.min(), amount=lambda t: t.line_amount.sum())
    )
    frame: pd.DataFrame = grouped.to_pyarrow().to_pandas()
    return frame


def _margin_from_products(workspace: Workspace) -> float | None:
    """``1 - sum(quantity * cost) / sum(amount)`` over order lines whose product has a cost."""
    if not workspace.engine.exists("core.products"):
        return None
    products = workspace.engine.scan("core.products")
    orders = workspace.engine.scan("core.orders")
    if "cost" not in products.columns or not {"quantity", "amount"} <= set(orders.columns):
        return None
    joined = orders.join(products.select("product_id", "cost"), "product_id").filter(
        lambda t: t.cost.notnull() & t.amount.notnull()
    )
    totals = joined.aggregate(
        cost=lambda t: (t.quantity.cast("float64") * t.cost.cast("float64")).sum(),
        revenue=lambda t: t.amount.cast("float64").sum(),
    ).to_pyarrow()
    cost, revenue = totals.column("cost")[0].as_py(), totals.column("revenue")[0].as_py()
    if not cost or not revenue or revenue <= 0:
        return None
    margin = 1.0 - float(cost) / float(revenue)
    return margin if 0 < margin <= 1 else None


def _utc_day(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.floor("D")


def _charts(holdout: pd.DataFrame, clv: pd.DataFrame, unit: str) -> list[dict[str, Any]]:
    buckets = holdout[holdout["bucket"] != "all"]
    rows = [
        {"bucket": bucket, "series": series, "purchases": float(value)}
        for bucket, actual, predicted in zip(
            buckets["bucket"], buckets["actual"], buckets["predicted"], strict=True
        )
        for series, value in (("actual", actual), ("predicted", predicted))
    ]
    order = list(buckets["bucket"])
    return [
        {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": "Holdout repeat purchases per customer, by calibration-period frequency",
            "data": {"values": rows},
            "mark": "bar",
            "encoding": {
                "x": {
                    "field": "bucket",
                    "type": "ordinal",
                    "sort": order,
                    "title": "calibration repeat purchases",
                },
                "xOffset": {"field": "series"},
                "y": {"field": "purchases", "type": "quantitative", "title": "mean holdout purchases"},
                "color": {"field": "series", "type": "nominal"},
            },
        },
        {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": f"Customer lifetime value (horizon in {unit})",
            "data": {"values": [{"clv": float(v)} for v in clv["clv"].to_numpy()[:5000]]},
            "mark": "bar",
            "encoding": {
                "x": {"field": "clv", "bin": {"maxbins": 40}, "type": "quantitative", "title": "CLV"},
                "y": {"aggregate": "count", "type": "quantitative", "title": "customers"},
            },
        },
    ]


@step(
    "clv",
    reads=["core.orders", "core.products"],
    writes=["mart.clv", "mart.clv_holdout"],
    params=ClvParams,
    description="Customer lifetime value: BG/NBD (or MBG/NBD, Pareto/NBD) + Gamma-Gamma, holdout check.",
)
def run_clv(workspace: Workspace, params: ClvParams) -> StepResult:
    """Fit the purchase and spend models on ``core.orders``; write ``mart.clv`` and ``mart.clv_holdout``."""
    occasions = order_occasions(workspace)
    if occasions.empty:
        raise SchemaError("core.orders holds no orders with a customer and a time")
    end = _utc_day(
        occasions["ordered_at"].max() if params.observation_end is None else params.observation_end
    )
    unit_days = TIME_UNIT_DAYS[params.time_unit]
    summary = clv_summary(occasions, observation_end=end, time_unit=params.time_unit)
    warnings: list[str] = []

    model = make_transaction_model(params.model, params.penalizer).fit(summary)
    free = (summary["frequency"] > 0) & (summary["monetary_value"] <= 0)
    if free.any():
        warnings.append(
            f"{int(free.sum()):,} repeat buyers spent nothing; Gamma-Gamma was fitted without them"
        )
    spend = GammaGamma(penalizer=params.penalizer).fit(summary[~free])
    margin = params.margin
    if margin is None:
        margin = _margin_from_products(workspace)
        if margin is None:
            margin = params.default_margin
            warnings.append(f"no product costs to derive a margin from; used default_margin={margin}")
    horizon = params.horizon_weeks * _WEEK_DAYS / unit_days
    months = horizon / MONTH_IN_UNITS[params.time_unit]
    monthly_rate = (1 + params.discount_rate) ** (1 / 12) - 1
    x, t_x, age = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    purchases = model.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, age)
    order_value = spend.expected_average_profit(summary)
    clv = customer_lifetime_value(
        model,
        spend,
        summary,
        time=months,
        time_unit=params.time_unit,
        discount_rate=monthly_rate,
        margin=margin,
    )
    table = summary.reset_index()
    table["p_alive"] = model.predict_alive(summary)
    table["expected_purchases"] = purchases
    table["expected_order_value"] = order_value
    table["expected_spend"] = purchases * order_value
    table["clv"] = clv
    written = workspace.engine.write_table("mart.clv", table)

    holdout_length = params.holdout_weeks * _WEEK_DAYS
    calibration_end = end - pd.Timedelta(days=holdout_length)
    holdout_rows = 0
    holdout = pd.DataFrame(
        columns=["bucket", "customers", "actual", "predicted", "actual_total", "predicted_total"]
    )
    first_day = _utc_day(occasions["ordered_at"].min())
    if calibration_end > first_day:
        calibration = clv_summary(
            occasions, calibration_end=calibration_end, observation_end=end, time_unit=params.time_unit
        )
        calibration_model = make_transaction_model(params.model, params.penalizer).fit(calibration)
        holdout = calibration_holdout(calibration_model, calibration)
        holdout.insert(0, "model", params.model)
        holdout_rows = workspace.engine.write_table("mart.clv_holdout", holdout)
    else:
        warnings.append(f"the data span less than holdout_weeks={params.holdout_weeks}; no holdout check")
        workspace.engine.write_table("mart.clv_holdout", holdout.assign(model=pd.Series(dtype=str)))
    overall = holdout[holdout["bucket"] == "all"]
    figures: dict[str, Any] = {
        "model": params.model,
        "params": model.params_,
        "std_errors": model.std_errors_,
        "log_likelihood": model.log_likelihood_,
        "spend_params": spend.params_,
        "spend_log_likelihood": spend.log_likelihood_,
        "customers": len(table),
        "repeat_buyers": int((table["frequency"] > 0).sum()),
        "margin": float(margin),
        "mean_clv": float(np.mean(clv)),
        "total_clv": float(np.sum(clv)),
        "mean_p_alive": float(table["p_alive"].mean()),
    }
    if len(overall):
        figures["holdout_actual_total"] = float(overall["actual_total"].iloc[0])
        figures["holdout_predicted_total"] = float(overall["predicted_total"].iloc[0])
    if not model.converged_:
        warnings.append(f"the {params.model} fit did not converge")
    return StepResult(
        tables={"mart.clv": written, "mart.clv_holdout": holdout_rows},
        figures=figures,
        charts=_charts(holdout, table, params.time_unit),
        warnings=warnings,
        summary=f"{params.model} + Gamma-Gamma on {len(table):,} customers: mean CLV {np.mean(clv):,.2f} "
        f"over {params.horizon_weeks:g} weeks (margin {margin:.2f}, "
        f"discount {params.discount_rate:.0%} a year)",
    )
