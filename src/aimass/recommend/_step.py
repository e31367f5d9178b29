"""The recommend pipeline step (registered on import)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from aimass.engine import new_id, utc_now
from aimass.pipeline import StepResult, step
from aimass.recommend._log import read_interactions

if TYPE_CHECKING:
    from aimass.recommend._recommender import Recommender
    from aimass.workspace import Workspace

__all__ = [
    "RECOMMENDATIONS_SCHEMA",
    "SIMILAR_ITEMS_SCHEMA",
    "RecommendParams",
    "latest_model_path",
    "read_interactions",
    "run_recommend",
]

RECOMMENDATIONS_SCHEMA = pa.schema(
    [("customer_id", pa.string()), ("product_id", pa.string()), ("score", pa.float64()), ("rank", pa.int64())]
)
SIMILAR_ITEMS_SCHEMA = pa.schema(
    [
        ("product_id", pa.string()),
        ("similar_product_id", pa.string()),
        ("score", pa.float64()),
        ("rank", pa.int64()),
    ]
)

#: What the step's ``model="auto"`` compares (one or two settings each keep the demo fast).
STEP_GRID: dict[str, list[dict[str, Any]]] = {
    "popular": [{"by_segment": True}],
    "itemknn": [{"k": 100, "similarity": "bm25"}],
    "ease": [{"l2": 200.0}, {"l2": 1000.0, "weighting": "binary"}],
    "rp3beta": [{"alpha": 1.0, "beta": 0.3}],
}


class RecommendParams(BaseModel):
    """Parameters of the ``recommend`` step."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(
        "auto", description="Model name (see aimass.recommend.MODEL_NAMES); 'auto' picks the best."
    )
    n: int = Field(10, ge=1, le=500, description="Recommendations per customer in mart.recommendations.")
    similar_n: int = Field(
        10, ge=1, le=500, description="Similar products per product in mart.similar_items."
    )
    candidates: list[str] | None = Field(
        None,
        description="Models 'auto' compares; default popular, itemknn, ease (raw and binary), rp3beta.",
    )
    validation_users: int = Field(1000, ge=50, description="Customers sampled to validate 'auto' / 'hybrid'.")
    event_weights: dict[str, float] | None = Field(
        None, description="Weight per event type (default view 1, add_to_cart 3, purchase 5)."
    )
    half_life_days: float | None = Field(None, gt=0, description="Time decay of interactions; None = none.")
    profile_recency: float | None = Field(
        None,
        gt=0,
        description="Weight of recent products when scoring (1 / (1 + i / value) for the i-th latest); "
        "None = 'auto' chooses per model, or no weighting for a named model.",
    )
    filter_seen: bool = Field(True, description="Leave out products the customer already interacted with.")
    random_state: int = Field(0, description="Seed.")


def _segments(workspace: Workspace) -> tuple[pd.DataFrame | None, str]:
    engine = workspace.engine
    if engine.exists("mart.segments"):
        table = engine.read_pandas("mart.segments")
        column = "segment_name" if "segment_name" in table.columns else "segment_id"
        if "customer_id" in table.columns and column in table.columns:
            return table[["customer_id", column]].rename(columns={column: "segment"}), "mart.segments"
    if engine.exists("core.customers"):
        customers = engine.read_pandas("core.customers")
        if "channel" in customers.columns and customers["channel"].notna().any():
            return customers[["customer_id", "channel"]].rename(
                columns={"channel": "segment"}
            ), "core.customers.channel"
    return None, "none"


def latest_model_path(workspace: Workspace, name: str = "recommend") -> str | None:
    """``artifact_path`` of the newest ``meta.models`` row of ``name`` (relative to the workspace root)."""
    models = workspace.engine.read_pandas("meta.models")
    rows = models[models["name"] == name].sort_values("trained_at")
    return None if rows.empty else str(rows["artifact_path"].iloc[-1])


def _chart(table: pd.DataFrame) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": "Validation NDCG@10 by model",
        "data": {"values": table[["model", "ndcg"]].to_dict("records")},
        "mark": "bar",
        "encoding": {
            "x": {"field": "ndcg", "type": "quantitative", "title": "NDCG@10"},
            "y": {"field": "model", "type": "nominal", "sort": "-x"},
        },
    }


def _register(workspace: Workspace, rec: Recommender, version: str, trained_at: datetime) -> str:
    selection = rec.selection_
    table = selection.get("table")
    metrics: dict[str, Any] = {"metric": selection.get("metric"), "score": selection.get("score")}
    if isinstance(table, pd.DataFrame) and len(table):
        metrics["validation"] = json.loads(table.to_json(orient="records"))
        metrics["validation_customers"] = selection.get("validation_customers")
    relative = f"{workspace.models_dir.relative_to(workspace.root).as_posix()}/recommend/{version}"
    row = {
        "model_id": new_id("model"),
        "name": "recommend",
        "version": version,
        "params": json.dumps({"model": rec.model_name_, "params": rec.params_}, default=str),
        "metrics": json.dumps(metrics, default=str),
        "artifact_path": relative,
        "trained_at": trained_at,
    }
    from aimass.engine import META_TABLES

    workspace.engine.write_table(
        "meta.models", pa.Table.from_pylist([row], schema=META_TABLES["models"]), mode="append"
    )
    return relative


@step(
    "recommend",
    reads=["core.orders", "core.events", "core.products", "core.customers", "mart.segments"],
    writes=["mart.recommendations", "mart.similar_items", "meta.models"],
    params=RecommendParams,
    description="Train the recommender, register it in meta.models, write top-N lists and similar items.",
)
def run_recommend(workspace: Workspace, params: RecommendParams) -> StepResult:
    """Train the recommender, register it in meta.models, write top-N per customer and similar items."""
    from aimass.recommend._recommender import Recommender

    interactions = read_interactions(workspace)
    engine = workspace.engine
    products = engine.read_pandas("core.products") if engine.exists("core.products") else None
    segments, segment_source = _segments(workspace)
    candidates = tuple(params.candidates) if params.candidates else tuple(STEP_GRID)
    options: dict[str, Any] = {}
    if params.model == "auto":
        options = {"candidates": candidates, "grid": {k: v for k, v in STEP_GRID.items() if k in candidates}}
    rec = Recommender(
        params.model,
        random_state=params.random_state,
        event_weights=params.event_weights,
        half_life_days=params.half_life_days,
        profile_recency=params.profile_recency,
        validation_users=params.validation_users,
        **options,
    ).fit(interactions, products=products, segments=segments)
    trained_at = utc_now()
    version = trained_at.strftime("%Y%m%dT%H%M%S%f")
    rec.save(workspace.models_dir / "recommend" / version)
    artifact = _register(workspace, rec, version, trained_at)
    customers = rec.user_ids_
    if engine.exists("core.customers"):
        listed = engine.read_pandas("core.customers")["customer_id"].dropna().astype(str).unique()
        customers = pd.Index(listed).union(pd.Index(customers)).to_numpy(dtype=str)
    recs = rec.recommend(customers, n=params.n, filter_seen=params.filter_seen)
    similar = rec.similar_items(rec.item_ids_, n=params.similar_n)
    written = {
        "mart.recommendations": engine.write_table(
            "mart.recommendations",
            pa.Table.from_pandas(recs, schema=RECOMMENDATIONS_SCHEMA, preserve_index=False),
        ),
        "mart.similar_items": engine.write_table(
            "mart.similar_items",
            pa.Table.from_pandas(similar, schema=SIMILAR_ITEMS_SCHEMA, preserve_index=False),
        ),
    }
    table = rec.selection_.get("table")
    charts = [_chart(table)] if isinstance(table, pd.DataFrame) and len(table) else []
    score = rec.selection_.get("score")
    warnings = [] if segments is not None else ["no segments found: the fallback is global popularity"]
    quality = f" (validation NDCG@10 {score:.4f})" if isinstance(score, float) else ""
    return StepResult(
        tables=written,
        figures={
            "model": rec.model_name_,
            "params": rec.params_,
            "validation_ndcg_at_10": score,
            "customers": len(customers),
            "products": len(rec.item_ids_),
            "interactions": len(interactions),
            "segments_from": segment_source,
            "artifact_path": artifact,
        },
        charts=charts,
        warnings=warnings,
        summary=f"trained {rec.model_name_}{quality} on {len(interactions):,} interactions; "
        f"{written['mart.recommendations']:,} recommendations for {len(customers):,} customers; "
        f"saved {artifact}",
    )
