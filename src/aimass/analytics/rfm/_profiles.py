"""Segment profiles: what sets each segment apart, in numbers and in words, and a generated name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FEATURE_WORDS", "describe_segments", "feature_label"]

#: Words for a feature that is high / low in a segment (None: no word). Columns not listed get
#: "high <column>" / "low <column>"; ``category_<x>`` makes the noun "<x> buyers" and
#: ``channel_<x>`` the word "<x>-first".
FEATURE_WORDS: dict[str, tuple[str | None, str | None]] = {
    "recency_days": ("lapsed", "recent"),
    "orders": ("frequent", "occasional"),
    "frequency": ("frequent", "occasional"),
    "avg_order_value": ("high-spend", "low-spend"),
    "monetary": ("high-value", "low-value"),
    "lines_per_order": ("big-basket", "small-basket"),
    "price_index": ("premium", "budget"),
    "discount_share": ("discount-driven", "full-price"),
    "coupon_share": ("coupon-using", None),
    "recency_trend": ("accelerating", "slowing"),
}

_LABELS: dict[str, str] = {
    "recency_days": "days since last order",
    "orders": "orders",
    "avg_order_value": "average order value",
    "lines_per_order": "lines per order",
    "price_index": "price index",
    "discount_share": "discounted lines",
    "coupon_share": "orders with a coupon",
    "recency_trend": "recent order-rate ratio",
}

#: Standardized distance from the population mean that counts as distinguishing.
THRESHOLD = 0.5


def feature_label(column: str) -> str:
    """A readable label for a feature column, e.g. ``"category_home"`` -> ``"home share"``."""
    if column in _LABELS:
        return _LABELS[column]
    for prefix, kind in (("category_", "share"), ("channel_", "channel share")):
        if column.startswith(prefix):
            return f"{column.removeprefix(prefix).replace('_', ' ')} {kind}"
    return column.replace("_", " ")


def _is_share(column: str) -> bool:
    return column.endswith("_share") or column.startswith(("category_", "channel_"))


def _format(column: str, value: float) -> str:
    if _is_share(column):
        return f"{value:.0%}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _word(column: str, z: float) -> str | None:
    if column.startswith("category_"):
        return None
    if column.startswith("channel_"):
        return f"{column.removeprefix('channel_').replace('_', '-')}-first" if z > 0 else None
    high, low = FEATURE_WORDS.get(column, (f"high-{column}", f"low-{column}"))
    return high if z > 0 else low


def _names(scores: pd.DataFrame) -> list[str]:
    """A unique name per segment from its distinguishing features."""
    names: list[str] = []
    for _, row in scores.iterrows():
        ranked = row.abs().sort_values(ascending=False, kind="stable")
        nouns = [c for c in ranked.index if c.startswith("category_") and row[c] >= THRESHOLD]
        noun = " and ".join(c.removeprefix("category_").replace("_", " ") for c in nouns[:2]) + " buyers"
        noun = noun if nouns else "shoppers"
        words = [
            word
            for c in ranked.index
            if ranked[c] >= THRESHOLD and (word := _word(c, float(row[c]))) is not None
        ]
        if not words and not nouns:
            words = ["typical"]
        used = 2
        name = " ".join([*words[:used], noun])
        while name in names and used < len(words):
            used += 1
            name = " ".join([*words[:used], noun])
        base, suffix = name, 2
        while name in names:
            name = f"{base} {suffix}"
            suffix += 1
        names.append(name)
    return names


def describe_segments(
    features: pd.DataFrame,
    standardized: np.ndarray[Any, Any],
    labels: np.ndarray[Any, Any],
    columns: Sequence[str],
    *,
    n_top: int = 3,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One profile row per segment id (0..k-1), and the segment x feature scores.

    The distinguishing score of a feature in a segment is the segment's mean of the standardized
    (log-transformed where configured) feature, i.e. how many population standard deviations the
    segment sits from the population mean. The ``n_top`` features with the largest absolute score
    are described in words ("price index 2.05 vs 1.39 overall, +1.9 sd").

    Returns
    -------
    profiles : pandas.DataFrame
        ``segment_id, segment_name, customers, share, description, top_features``, then the mean
        of every feature in the segment.
    scores : pandas.DataFrame
        Indexed by segment id, one column per feature: the distinguishing scores.
    """
    k = int(labels.max()) + 1 if len(labels) else 0
    cols = list(columns)
    z = pd.DataFrame(standardized, columns=cols).groupby(labels).mean().reindex(range(k))
    means = features[cols].groupby(labels).mean().reindex(range(k))
    overall = features[cols].mean()
    sizes = np.bincount(labels, minlength=k)
    names = _names(z.fillna(0.0))
    rows: list[dict[str, Any]] = []
    for segment in range(k):
        scores = pd.Series(z.loc[segment].fillna(0.0), dtype=np.float64)
        top = [str(c) for c in scores.abs().sort_values(ascending=False, kind="stable").index[:n_top]]
        segment_means = pd.Series(means.loc[segment], dtype=np.float64)
        parts = [
            f"{feature_label(c)} {_format(c, float(segment_means[c]))} vs "
            f"{_format(c, float(overall[c]))} overall ({float(scores[c]):+.1f} sd)"
            for c in top
        ]
        share = float(sizes[segment] / max(len(labels), 1))
        rows.append(
            {
                "segment_id": segment,
                "segment_name": names[segment],
                "customers": int(sizes[segment]),
                "share": share,
                "description": f"{names[segment]}: {int(sizes[segment]):,} customers ({share:.0%}); "
                f"set apart by {'; '.join(parts)}.",
                "top_features": ",".join(top),
                **{c: float(segment_means[c]) for c in cols},
            }
        )
    z.index.name = "segment_id"
    return pd.DataFrame(rows), z
