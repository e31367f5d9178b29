"""The truth as JSON-ready dicts: ``params.json`` (design and realized summaries) and ``payment.json``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from aimass.demo._spec import (
    ACQUISITION_CHANNELS,
    CAMPAIGN_TESTS,
    CATEGORIES,
    CHANNELS,
    CURRENCY,
    DEVICES,
    GLOBAL_WEB_SHARE,
    PAYMENTS,
    SEGMENTS,
    USD_TO_CNY,
    SegmentSpec,
)

__all__ = ["build_params", "build_payment"]

_CATEGORY_KEYS = [c.key for c in CATEGORIES]


def _table(keys: tuple[str, ...] | list[str], values: tuple[float, ...]) -> dict[str, float]:
    return {key: float(value) for key, value in zip(keys, values, strict=True)}


def _segment(seg: SegmentSpec) -> dict[str, Any]:
    return {
        "share": seg.share,
        "bgnbd": {
            "r": seg.r,
            "alpha": seg.alpha,
            "a": seg.a,
            "b": seg.b,
            "mean_purchase_rate_per_day": seg.r / seg.alpha,
            "mean_dropout_prob": seg.a / (seg.a + seg.b),
        },
        "gamma_gamma": {
            "p": seg.gg_p,
            "q": seg.gg_q,
            "v": seg.gg_v,
            "mean_order_value": seg.gg_p * seg.gg_v / (seg.gg_q - 1.0),
        },
        "category_preference": _table(_CATEGORY_KEYS, seg.category_preference),
        "subcategory_tilt": dict(seg.subcategory_tilt),
        "price_tier": seg.price_tier,
        "price_sensitivity": {
            "markdown_line_share": seg.discount_share,
            "coupon_order_rate": seg.coupon_rate,
        },
        "channel": _table(CHANNELS, seg.channel),
        "payment": _table(PAYMENTS, seg.payment),
        "device": _table(DEVICES, seg.device),
        "acquisition_channel": _table(ACQUISITION_CHANNELS, seg.acquisition),
        "city_tilt": dict(seg.city_tilt),
        "age": {"mean": seg.age_mean, "sd": seg.age_sd, "min": 18, "max": 80},
        "female_share": seg.female_share,
        "grocery_quantity_poisson_mean": seg.grocery_quantity,
        "max_lines": seg.max_lines,
        "browse_sessions_per_order": seg.browse_sessions_per_order,
        "campaign_effects": {
            key: {"incremental": e.incremental, "suppression": e.suppression, "coupon_use": e.coupon_use}
            for key, e in seg.effects
        },
    }


def _mixture() -> dict[str, float]:
    """Moment-matched single Gamma (lambda) and Beta (p) of the population mixture."""
    w = np.array([s.share for s in SEGMENTS])
    r = np.array([s.r for s in SEGMENTS])
    alpha = np.array([s.alpha for s in SEGMENTS])
    a = np.array([s.a for s in SEGMENTS])
    b = np.array([s.b for s in SEGMENTS])
    mean_lambda = float(w @ (r / alpha))
    var_lambda = float(w @ (r * (r + 1) / alpha**2)) - mean_lambda**2
    mean_p = float(w @ (a / (a + b)))
    var_p = float(w @ (a * (a + 1) / ((a + b) * (a + b + 1)))) - mean_p**2
    total = mean_p * (1 - mean_p) / var_p - 1
    return {
        "mean_purchase_rate_per_day": mean_lambda,
        "mean_dropout_prob": mean_p,
        "r": mean_lambda**2 / var_lambda,
        "alpha": mean_lambda / var_lambda,
        "a": mean_p * total,
        "b": (1 - mean_p) * total,
    }


def _realized(
    orders: pd.DataFrame, products: pd.DataFrame, segments: pd.DataFrame, n_events: int
) -> dict[str, Any]:
    lines = orders.merge(segments, on="customer_id", how="left")
    lines["category"] = lines["product_id"].map(products.set_index("product_id")["category"])
    per_order = lines.groupby("order_id").agg(
        segment=("segment", "first"), amount=("amount", "sum"), coupon=("coupon_id", "first")
    )
    out: dict[str, Any] = {
        "orders": int(per_order.shape[0]),
        "lines": int(lines.shape[0]),
        "events": n_events,
        "segments": {},
    }
    for name, group in lines.groupby("segment"):
        orders_of = per_order[per_order["segment"] == name]
        out["segments"][str(name)] = {
            "customers": int((segments["segment"] == name).sum()),
            "orders": int(orders_of.shape[0]),
            "lines": int(group.shape[0]),
            "mean_order_amount": float(orders_of["amount"].mean()),
            "category_line_share": {
                key: float(v)
                for key, v in group["category"].value_counts(normalize=True).sort_index().items()
            },
            "channel_line_share": {
                str(k): float(v)
                for k, v in group["channel"].value_counts(normalize=True).sort_index().items()
            },
            "discounted_line_share": float((group["discount"] > 0).mean()),
            "coupon_order_share": float(orders_of["coupon"].notna().mean()),
        }
    return out


def build_params(
    n_customers: int,
    seed: int,
    plan: list[dict[str, object]],
    orders: pd.DataFrame,
    products: pd.DataFrame,
    segments: pd.DataFrame,
    n_events: int,
) -> dict[str, Any]:
    """The content of ``truth/params.json``: every generating parameter and realized summaries."""
    return {
        "n_customers": n_customers,
        "seed": seed,
        "as_of": "2025-01-01T00:00:00Z",
        "first_purchase_window": {"start": "2023-01-01T00:00:00Z", "end": "2024-12-31T23:59:59Z"},
        "currency": CURRENCY,
        "usd_to_cny": USD_TO_CNY,
        "usd_rule": "global_web rows are priced in USD in orders.csv; clean CNY = round(usd * 7.2, 4)",
        "global_web_share_of_online_orders": GLOBAL_WEB_SHARE,
        "time_unit": "day",
        "categories": {c.key: [s.key for s in c.subcategories] for c in CATEGORIES},
        "segments": {seg.name: _segment(seg) for seg in SEGMENTS},
        "population": {
            "shares": {seg.name: seg.share for seg in SEGMENTS},
            "mixture_moment_matched": _mixture(),
        },
        "campaigns": {
            test.campaign_id: {
                "arms": list(test.arms),
                "propensity": 1.0 / len(test.arms),
                "assigned_at": test.assigned_at + ":00Z",
                "sent_at": test.sent_at + ":00Z",
                "effect_window": {"start": test.sent_at + ":00Z", "end_exclusive": test.ends_at + ":00Z"},
                "coupons": {arm: {"code": code, "value": value} for arm, code, value in test.coupon_codes},
                "channel": test.channel,
                "unit_cost": test.unit_cost,
                "audience": "first purchase before assigned_at; only the latently alive react",
            }
            for test in CAMPAIGN_TESTS
        },
        "rules": plan,
        "realized": _realized(orders, products, segments, n_events),
    }


def build_payment(orders: pd.DataFrame, segments: pd.DataFrame) -> dict[str, Any]:
    """The content of ``truth/payment.json``: payment preference per segment, and as realized by channel."""
    lines = orders.drop_duplicates("order_id").merge(segments, on="customer_id", how="left")
    realized: dict[str, dict[str, dict[str, float]]] = {}
    for (name, channel), group in lines.groupby(["segment", "channel"]):
        shares = group["payment_method"].value_counts(normalize=True).sort_index()
        realized.setdefault(str(name), {})[str(channel)] = {str(k): float(v) for k, v in shares.items()}
    return {
        "methods": list(PAYMENTS),
        "rule": "each customer's mix ~ Dirichlet(8 * segment table); cash is only possible in stores",
        "segments": {seg.name: _table(PAYMENTS, seg.payment) for seg in SEGMENTS},
        "realized_by_channel": realized,
    }
