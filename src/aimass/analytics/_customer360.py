"""The decision table ``mart.customer_360``: one row per customer, from every analysis (registered on import).

It joins, on ``core.customers``, what the analyses wrote: the RFM scores and named segment
(``mart.rfm``), the behavioural segment (``mart.segments``), lifetime value and P(alive)
(``mart.clv``), churn risk (``mart.churn``), the most likely next category (``mart.propensity``),
and the preferred channel and payment method (the most frequent in ``core.orders``). It is computed
in the engine as one query, so it scales with the warehouse, not with Python's memory. A mart that
does not exist yet leaves its columns empty and adds a warning naming the step that writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from aimass.pipeline import StepResult, step

if TYPE_CHECKING:
    from aimass.engine import Engine
    from aimass.workspace import Workspace

__all__ = ["CUSTOMER_360_SOURCES", "MartColumns", "customer_360", "run_customer_360"]


@dataclass(frozen=True)
class MartColumns:
    """Columns ``customer_360`` takes from one mart table.

    Parameters
    ----------
    table : str
        The qualified mart table.
    step : str
        The pipeline step that writes it (named in the warning when it is missing).
    columns : dict of str to str
        Source column to output column.
    types : dict of str to str
        Output column to its Ibis type, used for the empty column when the mart is missing.
    """

    table: str
    step: str
    columns: dict[str, str]
    types: dict[str, str]


#: What comes from where; the order is the output's column order.
CUSTOMER_360_SOURCES: tuple[MartColumns, ...] = (
    MartColumns(
        "mart.segments",
        "segments",
        {"segment_id": "segment_id", "segment_name": "segment"},
        {"segment_id": "int64", "segment": "string"},
    ),
    MartColumns(
        "mart.rfm",
        "rfm",
        {
            "rfm_segment": "rfm_segment",
            "recency_days": "recency_days",
            "frequency": "frequency",
            "monetary": "monetary",
            "r_score": "r_score",
            "f_score": "f_score",
            "m_score": "m_score",
        },
        {
            "rfm_segment": "string",
            "recency_days": "float64",
            "frequency": "int64",
            "monetary": "float64",
            "r_score": "int64",
            "f_score": "int64",
            "m_score": "int64",
        },
    ),
    MartColumns(
        "mart.clv",
        "clv",
        {
            "clv": "clv",
            "p_alive": "p_alive",
            "expected_purchases": "expected_purchases",
            "expected_spend": "expected_spend",
        },
        {
            "clv": "float64",
            "p_alive": "float64",
            "expected_purchases": "float64",
            "expected_spend": "float64",
        },
    ),
    MartColumns(
        "mart.churn",
        "churn",
        {"churn_probability": "churn_probability", "churn_risk": "churn_risk", "reason_1": "churn_reason"},
        {"churn_probability": "float64", "churn_risk": "string", "churn_reason": "string"},
    ),
)


def _most_frequent(table: ir.Table, key: str, value: str, name: str) -> ir.Table:
    """Per ``key``, the most frequent non-null ``value`` (ties broken by the value, ascending)."""
    counts = table.filter(table[value].notnull()).group_by([key, value]).aggregate(n=ibis._.count())
    ranked = counts.mutate(
        rank=ibis.row_number().over(ibis.window(group_by=counts[key], order_by=[ibis.desc("n"), value]))
    )
    return ranked.filter(ranked["rank"] == 0).select(key, **{name: value})


def _orders_preferences(engine: Engine) -> ir.Table:
    """Preferred channel and payment method per customer, by number of distinct orders."""
    orders = engine.scan("core.orders")
    per_order = orders.select("customer_id", "order_id", "channel", "payment_method").distinct()
    channel = _most_frequent(per_order, "customer_id", "channel", "preferred_channel")
    payment = _most_frequent(per_order, "customer_id", "payment_method", "preferred_payment_method")
    return channel.outer_join(payment, "customer_id").select(
        customer_id=ibis.coalesce(channel.customer_id, payment.customer_id),
        preferred_channel=channel.preferred_channel,
        preferred_payment_method=payment.preferred_payment_method,
    )


def _next_category(engine: Engine) -> ir.Table:
    """Per customer, the category of highest purchase propensity in ``mart.propensity``."""
    propensity = engine.scan("mart.propensity")
    window = ibis.window(
        group_by=propensity.customer_id, order_by=[ibis.desc("probability"), propensity.category]
    )
    ranked = propensity.mutate(rank=ibis.row_number().over(window))
    top = ranked.filter(ranked["rank"] == 0)
    return top.select("customer_id", next_likely_category="category", next_category_probability="probability")


def customer_360(engine: Engine) -> tuple[ir.Table, list[str]]:
    """The ``mart.customer_360`` expression, and warnings about marts that are missing.

    Parameters
    ----------
    engine : Engine
        A warehouse with ``core.customers`` (and ideally ``core.orders`` and the analysis marts).

    Returns
    -------
    ibis.expr.types.Table
        One row per customer of ``core.customers``: ``customer_id``, ``segment_id``, ``segment``,
        ``rfm_segment``, ``recency_days``, ``frequency``, ``monetary``, ``r_score``, ``f_score``,
        ``m_score``, ``clv``, ``p_alive``, ``expected_purchases``, ``expected_spend``,
        ``churn_probability``, ``churn_risk``, ``churn_reason``, ``next_likely_category``,
        ``next_category_probability``, ``preferred_channel``, ``preferred_payment_method``.
    list of str
        One warning per missing mart, naming the step to run.
    """
    customers = engine.scan("core.customers").select("customer_id")
    result = customers
    warnings: list[str] = []
    selected: list[ir.Value] = [customers.customer_id]

    def attach(part: ir.Table, columns: Sequence[str]) -> None:
        nonlocal result
        result = result.left_join(part, result.customer_id == part.customer_id)
        selected.extend(part[column] for column in columns)

    for source in CUSTOMER_360_SOURCES:
        if engine.exists(source.table):
            mart = engine.scan(source.table)
            part = mart.select("customer_id", **{out: mart[col] for col, out in source.columns.items()})
            attach(part, list(source.columns.values()))
        else:
            warnings.append(f"{source.table} is missing: run `aimass run {source.step}` to fill its columns")
            selected.extend(ibis.null(kind).name(out) for out, kind in source.types.items())
    if engine.exists("mart.propensity"):
        attach(_next_category(engine), ["next_likely_category", "next_category_probability"])
    else:
        warnings.append("mart.propensity is missing: run `aimass run churn` to fill next_likely_category")
        selected.extend(
            [
                ibis.null("string").name("next_likely_category"),
                ibis.null("float64").name("next_category_probability"),
            ]
        )
    if engine.exists("core.orders"):
        attach(_orders_preferences(engine), ["preferred_channel", "preferred_payment_method"])
    else:
        warnings.append("core.orders is missing: preferred channel and payment method are empty")
        selected.extend(
            [
                ibis.null("string").name("preferred_channel"),
                ibis.null("string").name("preferred_payment_method"),
            ]
        )
    return result.select(*selected).order_by("customer_id"), warnings


@step(
    "customer_360",
    reads=[
        "core.customers",
        "core.orders",
        "mart.rfm",
        "mart.segments",
        "mart.clv",
        "mart.churn",
        "mart.propensity",
    ],
    writes=["mart.customer_360"],
    description="one row per customer: segment, RFM, CLV, P(alive), churn risk, next category, channel",
)
def run_customer_360(workspace: Workspace, params: object) -> StepResult:
    """Join every analysis onto ``core.customers`` and write ``mart.customer_360``."""
    expression, warnings = customer_360(workspace.engine)
    rows = workspace.engine.write_table("mart.customer_360", expression)
    table = workspace.engine.scan("mart.customer_360")
    high = int(table.filter(table.churn_risk == "high").count().to_pyarrow().as_py())
    total_clv = table.clv.sum().to_pyarrow().as_py()
    return StepResult(
        tables={"mart.customer_360": rows},
        figures={"customers": rows, "high_churn_risk": high, "total_clv": total_clv},
        warnings=warnings,
        summary=f"{rows:,} customers in mart.customer_360; {high:,} at high churn risk",
    )
