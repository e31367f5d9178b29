"""The ``drivers`` and ``test`` pipeline steps: spend drivers by regression, and standard group tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from aimass.analytics.stats._features import driver_features, order_values
from aimass.analytics.stats._group_tests import GroupTest, GroupTestResult, compare_groups
from aimass.analytics.stats._regression import regress
from aimass.exceptions import ConfigError, SchemaError
from aimass.pipeline import StepResult, step

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = [
    "DEFAULT_DRIVER_FEATURES",
    "DriversParams",
    "GroupTestParams",
    "run_drivers",
    "run_group_tests",
    "standard_questions",
]

#: Customer features the ``drivers`` step regresses on by default (those present are used).
DEFAULT_DRIVER_FEATURES: tuple[str, ...] = (
    "region",
    "channel",
    "gender",
    "age",
    "tenure_days",
    "discount_share",
    "store_order_share",
)
_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


class DriversParams(BaseModel):
    """Parameters of the ``drivers`` step."""

    model_config = ConfigDict(extra="forbid")

    target: str = Field(
        "spend", description="Numeric customer column to explain: spend, log_spend, aov, n_orders."
    )
    features: list[str] | None = Field(
        None, description="Customer features; default region, channel, gender, ..."
    )
    robust: bool = Field(True, description="HC3 heteroscedasticity-robust standard errors.")
    alpha: float = Field(0.05, gt=0, lt=1, description="1 - confidence level of the intervals.")


class GroupTestParams(BaseModel):
    """Parameters of the ``test`` step."""

    model_config = ConfigDict(extra="forbid")

    alpha: float = Field(0.05, gt=0, lt=1, description="Significance level.")
    table: str | None = Field(
        None, description="Test a column of this table instead of the standard questions."
    )
    value: str | None = Field(None, description="With table: the column compared.")
    group: str | None = Field(None, description="With table: the grouping column.")
    test: GroupTest = Field(
        "auto", description="With table: auto, welch, student, mannwhitney, anova, kruskal, chi2."
    )


def _read(workspace: Workspace, name: str) -> pd.DataFrame | None:
    engine = workspace.engine
    return engine.read_pandas(name) if engine.exists(name) else None


def _orders(workspace: Workspace) -> pd.DataFrame:
    engine = workspace.engine
    wanted = [
        "order_id",
        "customer_id",
        "ordered_at",
        "quantity",
        "unit_price",
        "discount",
        "amount",
        "channel",
        "coupon_id",
    ]
    present = engine.columns("core.orders")
    return engine.read_pandas("core.orders", columns=[c for c in wanted if c in present])


@step(
    "drivers",
    reads=["core.customers", "core.orders"],
    writes=["mart.spend_drivers"],
    params=DriversParams,
    description="Regress customer spend on customer features: coefficients, intervals, p-values, R².",
)
def run_drivers(workspace: Workspace, params: DriversParams) -> StepResult:
    """Regress customer spend on customer features: coefficients, intervals, p-values, R²."""
    features = driver_features(_read(workspace, "core.customers"), _orders(workspace))
    if params.target not in features.columns:
        raise ConfigError(
            f"target {params.target!r} is not a customer feature; use one of {list(features.columns)}"
        )
    chosen = params.features or [f for f in DEFAULT_DRIVER_FEATURES if f in features.columns]
    unknown = [f for f in chosen if f not in features.columns]
    if unknown:
        raise ConfigError(
            f"features {unknown} are not customer features; use some of {list(features.columns)}"
        )
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # a narrow least-squares problem: threads only contend
        fit = regress(features, params.target, chosen, robust=params.robust, alpha=params.alpha)
    table = fit.coefficients.copy()
    table.insert(0, "target", params.target)
    table["significant"] = table["p_value"] < params.alpha
    table["n"] = fit.n
    table["r_squared"] = fit.r_squared
    table["cov_type"] = fit.cov_type
    written = workspace.engine.write_table("mart.spend_drivers", table)
    slopes = table[table["term"] != "Intercept"]
    top = slopes.reindex(slopes["std_coef"].abs().sort_values(ascending=False).index)
    top = top[top["significant"]]
    chart = {
        "$schema": _SCHEMA,
        "title": f"Drivers of {params.target}: standardized coefficients (filled: p < {params.alpha:g})",
        "data": {
            "values": [
                {"term": str(term), "std_coef": float(std), "significant": bool(flag)}
                for term, std, flag in zip(
                    slopes["term"].tolist(),
                    slopes["std_coef"].tolist(),
                    slopes["significant"].tolist(),
                    strict=True,
                )
            ]
        },
        "mark": "bar",
        "encoding": {
            "y": {"field": "term", "type": "nominal", "sort": "-x", "title": None},
            "x": {"field": "std_coef", "type": "quantitative", "title": "standardized coefficient"},
            "opacity": {"field": "significant", "type": "nominal", "scale": {"range": [0.35, 1.0]}},
        },
    }
    strongest = (
        ", ".join(
            f"{term} ({std:+.2f})"
            for term, std in zip(top["term"].head(3), top["std_coef"].head(3), strict=True)
        )
        or "none significant"
    )
    return StepResult(
        tables={"mart.spend_drivers": written},
        figures={
            "n": fit.n,
            "r_squared": round(fit.r_squared, 4),
            "adj_r_squared": round(fit.adj_r_squared, 4),
            "significant_terms": int(slopes["significant"].sum()),
            "terms": len(slopes),
        },
        charts=[chart],
        warnings=list(fit.warnings),
        summary=f"OLS of {params.target} on {len(chosen)} features for {fit.n:,} customers: "
        f"R² = {fit.r_squared:.3f}; strongest: {strongest}",
    )


def _utc(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _campaign_questions(
    workspace: Workspace, per_order: pd.DataFrame, alpha: float
) -> list[tuple[str, GroupTestResult]]:
    exposures = _read(workspace, "core.exposures")
    if exposures is None or exposures.empty:
        return []
    campaigns = _read(workspace, "core.campaigns")
    windows: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = {}
    if campaigns is not None and {"campaign_id", "starts_at", "ends_at"} <= set(campaigns.columns):
        known = campaigns.dropna(subset=["starts_at", "ends_at"])
        for key, start, end in zip(known["campaign_id"], known["starts_at"], known["ends_at"], strict=True):
            windows[str(key)] = (_utc(start), _utc(end))
    out: list[tuple[str, GroupTestResult]] = []
    stamps = pd.to_datetime(per_order["ordered_at"], utc=True)
    for campaign_id, assigned in exposures.groupby("campaign_id", sort=True):
        arms = sorted(set(assigned["arm"].astype(str)))
        if "control" not in arms or len(arms) < 2:
            continue
        if str(campaign_id) in windows:
            start, end = windows[str(campaign_id)]
        else:
            start = pd.to_datetime(assigned["assigned_at"], utc=True).max()
            end = start + pd.Timedelta(days=28)
        inside = per_order[(stamps >= start) & (stamps <= end)]
        spend = inside.groupby("customer_id")["value"].sum()
        frame = pd.DataFrame(
            {
                "arm": assigned["arm"].astype(str).to_numpy(),
                "spend": assigned["customer_id"].astype(str).map(spend).fillna(0.0).to_numpy(dtype="float64"),
            }
        )
        for arm in arms:
            if arm == "control":
                continue
            result = compare_groups(frame, "spend", "arm", "welch", groups=[arm, "control"], alpha=alpha)
            question = (
                f"Does {campaign_id} arm {arm} spend differently from control "
                f"({start:%Y-%m-%d} to {end:%Y-%m-%d})?"
            )
            out.append((question, result))
    return out


def standard_questions(workspace: Workspace, *, alpha: float = 0.05) -> list[tuple[str, GroupTestResult]]:
    """Run the standard questions on the canonical tables.

    1. Does order value differ by order channel? (``auto``: ANOVA or Kruskal-Wallis)
    2. Does the repeat rate (2+ orders) differ by acquisition channel? (chi-square)
    3. Does customer spend differ by region? (``auto``)
    4. Does order value differ by gender? (``auto``, two groups, unknown left out)
    5. For each randomized campaign in ``core.exposures``: does each arm's spend in the campaign
       window differ from control's? (Welch, every assigned customer, 0 for no order)

    Returns
    -------
    list of (question, GroupTestResult)
    """
    orders = _orders(workspace)
    per_order = order_values(orders)
    customers = _read(workspace, "core.customers")
    features = driver_features(customers, orders)
    out: list[tuple[str, GroupTestResult]] = []
    orders_named = per_order.rename(columns={"value": "order_value"})
    channels = orders_named[orders_named["channel"] != "unknown"]
    if channels["channel"].nunique() >= 2:
        out.append(
            (
                "Does order value differ by order channel?",
                compare_groups(channels, "order_value", "channel", alpha=alpha),
            )
        )
    if "channel" in features.columns:
        known = features[features["channel"] != "unknown"]
        if known["channel"].nunique() >= 2:
            result = compare_groups(known, "repeat", "channel", "chi2", alpha=alpha)
            out.append(("Does the repeat rate differ by acquisition channel?", result))
    if "region" in features.columns and features["region"].nunique() >= 2:
        out.append(
            (
                "Does customer spend differ by region?",
                compare_groups(features, "spend", "region", alpha=alpha),
            )
        )
    if "gender" in features.columns:
        gender = features.loc[features["gender"] != "unknown", ["customer_id", "gender"]]
        if gender["gender"].nunique() == 2:
            with_gender = orders_named.merge(gender, on="customer_id")
            result = compare_groups(with_gender, "order_value", "gender", alpha=alpha)
            out.append(("Does order value differ by gender?", result))
    out += _campaign_questions(workspace, per_order, alpha)
    return out


def _centre_chart(question: str, result: GroupTestResult) -> dict[str, Any]:
    if result.test == "chi2":
        level = [c for c in result.groups.columns if c.startswith("share[")][-1]
        field, title = level, f"{result.value}: {level}"
    else:
        field = "median" if result.test in ("mannwhitney", "kruskal") else "mean"
        title = f"{field} {result.value}"
    values = [
        {"group": str(row["group"]), "value": float(row[field]), "n": int(row["n"])}
        for _, row in result.groups.iterrows()
    ]
    return {
        "$schema": _SCHEMA,
        "title": question,
        "description": result.conclusion,
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "x": {"field": "group", "type": "nominal", "title": result.group, "sort": "-y"},
            "y": {"field": "value", "type": "quantitative", "title": title},
            "tooltip": [{"field": "group"}, {"field": "value", "format": ".4g"}, {"field": "n"}],
        },
    }


@step(
    "test",
    reads=["core.orders", "core.customers", "core.exposures", "core.campaigns"],
    writes=["mart.group_tests"],
    params=GroupTestParams,
    description="Hypothesis tests between groups (t, Mann-Whitney, ANOVA, Kruskal, chi²) with effect sizes.",
)
def run_group_tests(workspace: Workspace, params: GroupTestParams) -> StepResult:
    """Hypothesis tests between groups (t, Mann-Whitney, ANOVA, Kruskal, chi²) with effect sizes."""
    custom = [params.table, params.value, params.group]
    if any(v is not None for v in custom):
        if any(v is None for v in custom):
            raise ConfigError("a custom test needs all of `table`, `value` and `group`")
        assert params.table is not None and params.value is not None and params.group is not None
        if not workspace.engine.exists(params.table):
            raise ConfigError(
                f"table {params.table!r} does not exist; give a qualified name such as core.orders"
            )
        present = workspace.engine.columns(params.table)
        missing = [c for c in (params.value, params.group) if c not in present]
        if missing:
            raise ConfigError(f"columns {missing} are not in {params.table}; it has {list(present)}")
        frame = workspace.engine.read_pandas(
            params.table, columns=list(dict.fromkeys([params.value, params.group]))
        )
        result = compare_groups(frame, params.value, params.group, params.test, alpha=params.alpha)
        questions = [(f"Does {params.value} differ by {params.group} in {params.table}?", result)]
    else:
        questions = standard_questions(workspace, alpha=params.alpha)
    if not questions:
        raise SchemaError(
            "no question could be tested: core tables lack channels, regions, genders and exposures"
        )
    rows = [result.to_row(question) for question, result in questions]
    table = pd.DataFrame(rows)
    written = workspace.engine.write_table("mart.group_tests", table)
    warnings = [f"{question}: {w}" for question, result in questions for w in result.warnings]
    significant = int(np.sum([result.significant for _, result in questions]))
    return StepResult(
        tables={"mart.group_tests": written},
        figures={"questions": len(questions), "significant": significant},
        charts=[_centre_chart(question, result) for question, result in questions],
        warnings=warnings,
        summary=f"tested {len(questions)} questions: "
        f"{significant} show a difference at the {params.alpha:g} level",
    )
