"""The ``rfm``, ``segments`` and ``cohorts`` pipeline steps (registered on import)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from aimass.analytics.rfm._charts import (
    cohort_retention_chart,
    interval_chart,
    rfm_grid_chart,
    rfm_segment_chart,
    segment_profile_chart,
    segment_size_chart,
)
from aimass.analytics.rfm._cohorts import (
    DEFAULT_INTERVAL_BINS,
    cohort_table,
    interval_distribution,
    repeat_intervals,
)
from aimass.analytics.rfm._features import customer_features
from aimass.analytics.rfm._rfm import rfm_segments, rfm_table
from aimass.analytics.rfm._segmenter import Segmenter
from aimass.exceptions import ConfigError, StepError
from aimass.pipeline import StepResult, step

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = ["CohortsParams", "RfmParams", "SegmentsParams", "run_cohorts", "run_rfm", "run_segments"]

_ORDER_COLUMNS = [
    "order_id",
    "line_no",
    "customer_id",
    "product_id",
    "ordered_at",
    "quantity",
    "unit_price",
    "discount",
    "amount",
    "channel",
    "coupon_id",
]


def _read(workspace: Workspace, name: str, wanted: list[str] | None = None) -> pd.DataFrame:
    engine = workspace.engine
    if not engine.exists(name):
        raise StepError(f"{name} does not exist: load and prepare the data first (`aimass prepare`)")
    columns = None
    if wanted is not None:
        present = engine.columns(name)
        columns = [column for column in wanted if column in present]
    frame: pd.DataFrame = engine.read_pandas(name, columns=columns)
    return frame


def _as_of(value: dt.datetime | dt.date | None) -> Any:
    return None if value is None else pd.Timestamp(value)


class RfmParams(BaseModel):
    """Parameters of the ``rfm`` step."""

    model_config = ConfigDict(extra="forbid")

    as_of: dt.datetime | dt.date | None = Field(
        None, description="Reference time (UTC); default midnight after the day of the last order."
    )
    n_bins: int = Field(5, ge=2, le=10, description="Scores per dimension (the default map needs 5).")
    segment_map: dict[str, list[Any]] | None = Field(
        None,
        description='Segment name -> R x F rectangles, e.g. {"champions": [{"r": [5, 5], "f": [4, 5]}]}; '
        "default the standard 10-segment map.",
    )


@step(
    "rfm",
    reads=["core.orders"],
    writes=["mart.rfm", "mart.rfm_segments"],
    params=RfmParams,
    description="Recency, frequency, monetary scores and named R x F segments per customer.",
)
def run_rfm(workspace: Workspace, params: RfmParams) -> StepResult:
    """Recency, frequency, monetary scores and named R x F segments per customer."""
    orders = _read(workspace, "core.orders", _ORDER_COLUMNS)
    rfm = rfm_table(orders, _as_of(params.as_of), n_bins=params.n_bins, segment_map=params.segment_map)
    summary = rfm_segments(rfm, params.segment_map)
    written = {
        "mart.rfm": workspace.engine.write_table("mart.rfm", rfm),
        "mart.rfm_segments": workspace.engine.write_table("mart.rfm_segments", summary),
    }
    top = summary.sort_values("revenue_share", ascending=False).iloc[0]
    champions = summary.set_index("segment")["share"].get("champions")
    return StepResult(
        tables=written,
        figures={
            "customers": len(rfm),
            "segments": dict(zip(summary["segment"], summary["customers"].astype(int).tolist(), strict=True)),
            "median_recency_days": float(rfm["recency_days"].median()),
            "median_frequency": float(rfm["frequency"].median()),
        },
        charts=[rfm_grid_chart(rfm), rfm_segment_chart(summary)],
        summary=f"scored {len(rfm):,} customers; '{top.segment}' holds {top.revenue_share:.0%} of revenue"
        + (f", champions are {champions:.0%} of customers" if champions is not None else ""),
    )


class SegmentsParams(BaseModel):
    """Parameters of the ``segments`` step."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["kmeans", "gmm"] = Field("kmeans", description="k-means or Gaussian mixture.")
    n_segments: int | Literal["auto"] = Field(
        "auto", description="Number of segments, or 'auto' to choose it."
    )
    min_segments: int = Field(2, ge=2, description="Smallest k tried by 'auto'.")
    max_segments: int = Field(8, ge=2, le=30, description="Largest k tried by 'auto'.")
    criterion: Literal["silhouette", "bic"] = Field(
        "silhouette", description="How 'auto' chooses k (bic: gmm only)."
    )
    features: list[str] | None = Field(
        None, description="Feature columns to cluster on (default: all of customer_features)."
    )
    as_of: dt.datetime | dt.date | None = Field(
        None, description="Reference time (UTC); default day after last order."
    )
    random_state: int = Field(0, ge=0, description="Seed.")


@step(
    "segments",
    reads=["core.orders", "core.products"],
    writes=["mart.segments", "mart.segment_profiles"],
    params=SegmentsParams,
    description="Behavioural customer segments (k-means / Gaussian mixture) with profiles and names.",
)
def run_segments(workspace: Workspace, params: SegmentsParams) -> StepResult:
    """Behavioural customer segments (k-means / Gaussian mixture) with profiles and names."""
    orders = _read(workspace, "core.orders", _ORDER_COLUMNS)
    products = None
    if workspace.engine.exists("core.products"):
        products = _read(workspace, "core.products", ["product_id", "category", "subcategory", "price"])
    features = customer_features(orders, products, as_of=_as_of(params.as_of))
    if params.features is not None:
        unknown = [c for c in params.features if c not in features.columns]
        if unknown:
            raise ConfigError(
                f"`features` {unknown} are not customer features; they are {list(features.columns)}"
            )
        features = features[params.features]
    segmenter = Segmenter(
        params.method,
        params.n_segments,
        min_segments=params.min_segments,
        max_segments=params.max_segments,
        criterion=params.criterion,
        random_state=params.random_state,
    ).fit(features)
    profiles = segmenter.profiles_
    assignments = pd.DataFrame(
        {
            "customer_id": features.index.astype(str),
            "segment_id": segmenter.labels_.astype(np.int64),
            "segment_name": [segmenter.names_[int(label)] for label in segmenter.labels_],
        }
    )
    written = {
        "mart.segments": workspace.engine.write_table("mart.segments", assignments),
        "mart.segment_profiles": workspace.engine.write_table("mart.segment_profiles", profiles),
    }
    selection = segmenter.selection_.replace({np.nan: None}).to_dict(orient="records")
    return StepResult(
        tables=written,
        figures={
            "customers": len(assignments),
            "n_segments": segmenter.n_segments_,
            "selection": selection,
            "segments": dict(
                zip(profiles["segment_name"], profiles["customers"].astype(int).tolist(), strict=True)
            ),
        },
        charts=[
            segment_size_chart(profiles),
            segment_profile_chart(segmenter.feature_scores_, segmenter.names_),
        ],
        summary=f"{segmenter.n_segments_} segments of {len(assignments):,} customers ({params.method}, "
        f"k {'chosen by ' + params.criterion if params.n_segments == 'auto' else 'given'}); "
        f"largest: {profiles['segment_name'].iloc[0]} ({profiles['share'].iloc[0]:.0%})",
    )


class CohortsParams(BaseModel):
    """Parameters of the ``cohorts`` step."""

    model_config = ConfigDict(extra="forbid")

    as_of: dt.datetime | dt.date | None = Field(
        None, description="Ignore orders at or after this time (UTC)."
    )
    interval_bins: list[float] = Field(
        list(DEFAULT_INTERVAL_BINS),
        description="Bin edges (days, from 0) of the repeat-interval distribution.",
    )


@step(
    "cohorts",
    reads=["core.orders"],
    writes=["mart.cohorts", "mart.repeat_intervals", "mart.repeat_interval_distribution"],
    params=CohortsParams,
    description="Monthly acquisition cohorts x months since first purchase, and repeat-purchase intervals.",
)
def run_cohorts(workspace: Workspace, params: CohortsParams) -> StepResult:
    """Monthly acquisition cohorts x months since first purchase, and repeat-purchase intervals."""
    orders = _read(
        workspace,
        "core.orders",
        ["order_id", "customer_id", "ordered_at", "amount", "quantity", "unit_price", "discount"],
    )
    as_of = _as_of(params.as_of)
    cohorts = cohort_table(orders, as_of)
    intervals = repeat_intervals(orders, as_of)
    distribution = interval_distribution(orders, as_of, bins=params.interval_bins)
    written = {
        "mart.cohorts": workspace.engine.write_table("mart.cohorts", cohorts),
        "mart.repeat_intervals": workspace.engine.write_table("mart.repeat_intervals", intervals),
        "mart.repeat_interval_distribution": workspace.engine.write_table(
            "mart.repeat_interval_distribution", distribution
        ),
    }
    month1 = cohorts[cohorts["months_since"] == 1]
    retention_1 = (
        float(np.average(month1["retention"], weights=month1["cohort_size"])) if len(month1) else 0.0
    )
    repeaters = intervals["first_repeat_days"].notna()
    median_gap = float(intervals.loc[repeaters, "median_interval_days"].median()) if repeaters.any() else None
    return StepResult(
        tables=written,
        figures={
            "cohorts": int(cohorts["cohort_month"].nunique()),
            "month_1_retention": retention_1,
            "repeat_customer_share": float(repeaters.mean()),
            "median_interval_days": median_gap,
            "median_first_repeat_days": float(intervals["first_repeat_days"].median())
            if repeaters.any()
            else None,
        },
        charts=[cohort_retention_chart(cohorts), interval_chart(distribution)],
        summary=f"{cohorts['cohort_month'].nunique()} monthly cohorts; month-1 retention {retention_1:.1%}; "
        f"{repeaters.mean():.0%} of customers ordered again"
        + (f", median {median_gap:.0f} days between orders" if median_gap is not None else ""),
    )
