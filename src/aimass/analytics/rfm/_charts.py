"""Vega-Lite chart specifications (as dicts, data inline) for RFM, segments and cohorts."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = [
    "cohort_retention_chart",
    "interval_chart",
    "rfm_grid_chart",
    "rfm_segment_chart",
    "segment_profile_chart",
    "segment_size_chart",
]

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, float) and not math.isfinite(value):
                clean[str(key)] = None
            elif hasattr(value, "isoformat"):
                clean[str(key)] = value.isoformat()
            elif hasattr(value, "item"):
                clean[str(key)] = value.item()
            else:
                clean[str(key)] = value
        rows.append(clean)
    return rows


def rfm_grid_chart(rfm: pd.DataFrame) -> dict[str, Any]:
    """Heat map of customers per (R score, F score) cell, labelled with the cell's segment."""
    cells = (
        rfm.groupby(["r_score", "f_score", "rfm_segment"])
        .agg(customers=("customer_id", "size"), revenue=("monetary", "sum"))
        .reset_index()
    )
    return {
        "$schema": SCHEMA,
        "title": "RFM grid: customers by recency and frequency score",
        "data": {"values": _records(cells)},
        "encoding": {
            "x": {"field": "f_score", "type": "ordinal", "title": "frequency score"},
            "y": {"field": "r_score", "type": "ordinal", "title": "recency score", "sort": "descending"},
        },
        "layer": [
            {
                "mark": "rect",
                "encoding": {
                    "color": {"field": "customers", "type": "quantitative", "title": "customers"},
                    "tooltip": [
                        {"field": "rfm_segment", "title": "segment"},
                        {"field": "customers", "type": "quantitative"},
                        {"field": "revenue", "type": "quantitative", "format": ",.0f"},
                    ],
                },
            },
            {"mark": {"type": "text", "fontSize": 9}, "encoding": {"text": {"field": "rfm_segment"}}},
        ],
    }


def rfm_segment_chart(summary: pd.DataFrame) -> dict[str, Any]:
    """Bars of each RFM segment's share of customers and of revenue."""
    long = summary.melt(
        id_vars=["segment"], value_vars=["share", "revenue_share"], var_name="measure", value_name="value"
    )
    long["measure"] = long["measure"].map({"share": "customers", "revenue_share": "revenue"})
    return {
        "$schema": SCHEMA,
        "title": "RFM segments: share of customers and of revenue",
        "data": {"values": _records(long)},
        "mark": "bar",
        "encoding": {
            "y": {"field": "segment", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "value", "type": "quantitative", "axis": {"format": "%"}, "title": "share"},
            "yOffset": {"field": "measure"},
            "color": {"field": "measure", "type": "nominal"},
            "tooltip": [{"field": "segment"}, {"field": "measure"}, {"field": "value", "format": ".1%"}],
        },
    }


def segment_size_chart(profiles: pd.DataFrame) -> dict[str, Any]:
    """Bars of customers per segment."""
    data = profiles[["segment_id", "segment_name", "customers", "share"]]
    return {
        "$schema": SCHEMA,
        "title": "Segments: customers",
        "data": {"values": _records(data)},
        "mark": "bar",
        "encoding": {
            "y": {"field": "segment_name", "type": "nominal", "sort": "-x", "title": None},
            "x": {"field": "customers", "type": "quantitative"},
            "tooltip": [
                {"field": "segment_name", "title": "segment"},
                {"field": "customers", "type": "quantitative"},
                {"field": "share", "type": "quantitative", "format": ".1%"},
            ],
        },
    }


def segment_profile_chart(scores: pd.DataFrame, names: dict[int, str]) -> dict[str, Any]:
    """Heat map of segment x feature: how many sd the segment's mean is from the population."""
    long = scores.reset_index().melt(id_vars="segment_id", var_name="feature", value_name="score")
    long["segment_name"] = long["segment_id"].map(names)
    return {
        "$schema": SCHEMA,
        "title": "What sets each segment apart (sd from the population mean)",
        "data": {"values": _records(long)},
        "mark": "rect",
        "encoding": {
            "x": {"field": "feature", "type": "nominal", "sort": None, "title": None},
            "y": {"field": "segment_name", "type": "nominal", "title": None},
            "color": {
                "field": "score",
                "type": "quantitative",
                "scale": {"scheme": "redblue", "domainMid": 0, "reverse": True},
            },
            "tooltip": [
                {"field": "segment_name"},
                {"field": "feature"},
                {"field": "score", "format": "+.2f"},
            ],
        },
    }


def cohort_retention_chart(cohorts: pd.DataFrame) -> dict[str, Any]:
    """Heat map of retention by acquisition cohort (rows) and months since first purchase."""
    data = cohorts[["cohort_month", "months_since", "cohort_size", "customers", "retention"]]
    return {
        "$schema": SCHEMA,
        "title": "Cohort retention: share of each monthly cohort ordering again",
        "data": {"values": _records(data)},
        "mark": "rect",
        "encoding": {
            "x": {"field": "months_since", "type": "ordinal", "title": "months since first purchase"},
            "y": {"field": "cohort_month", "type": "ordinal", "timeUnit": "yearmonth", "title": "cohort"},
            "color": {"field": "retention", "type": "quantitative", "legend": {"format": "%"}},
            "tooltip": [
                {"field": "cohort_month", "timeUnit": "yearmonth", "title": "cohort"},
                {"field": "months_since", "type": "ordinal"},
                {"field": "customers", "type": "quantitative"},
                {"field": "cohort_size", "type": "quantitative"},
                {"field": "retention", "type": "quantitative", "format": ".1%"},
            ],
        },
    }


def interval_chart(distribution: pd.DataFrame) -> dict[str, Any]:
    """Bars of the days between consecutive orders."""
    return {
        "$schema": SCHEMA,
        "title": "Days between consecutive orders",
        "data": {"values": _records(distribution[["bin", "intervals", "share", "cumulative_share"]])},
        "mark": "bar",
        "encoding": {
            "x": {"field": "bin", "type": "ordinal", "sort": None, "title": "interval"},
            "y": {"field": "share", "type": "quantitative", "axis": {"format": "%"}},
            "tooltip": [
                {"field": "bin"},
                {"field": "intervals", "type": "quantitative"},
                {"field": "cumulative_share", "type": "quantitative", "format": ".1%"},
            ],
        },
    }
