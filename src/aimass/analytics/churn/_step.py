"""The ``churn`` pipeline step: churn probability with reasons, category propensity, holdout evaluation."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from aimass.analytics.churn._model import category_propensity, predict_churn
from aimass.pipeline import StepResult, step

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = [
    "CHURN_EVALUATION_SCHEMA",
    "CHURN_SCHEMA",
    "PROPENSITY_SCHEMA",
    "ChurnParams",
    "churn_charts",
    "run_churn",
]

CHURN_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("churn_probability", pa.float64()),
        ("churn_risk", pa.string()),
        ("reason_1", pa.string()),
        ("reason_2", pa.string()),
        ("reason_3", pa.string()),
    ]
)
PROPENSITY_SCHEMA = pa.schema(
    [("customer_id", pa.string()), ("category", pa.string()), ("probability", pa.float64())]
)
CHURN_EVALUATION_SCHEMA = pa.schema([("metric", pa.string()), ("value", pa.float64())])


class ChurnParams(BaseModel):
    """Parameters of the ``churn`` step."""

    model_config = ConfigDict(extra="forbid")

    horizon_days: int = Field(90, gt=0, le=730, description="Churn = no purchase in this many days.")
    as_of: dt.datetime | None = Field(
        None, description="'Now' (default: midnight UTC after the last order); customers are scored here."
    )
    cutoff: dt.datetime | None = Field(
        None,
        description="Evaluation cut-off (default: as_of - horizon_days); training uses cutoff - horizon.",
    )
    tuning: Literal["none", "small"] = Field(
        "none", description="'small' searches a few tree shapes by inner cross-validation (slower)."
    )
    learning_rate: float = Field(0.1, gt=0, le=1, description="LightGBM learning rate.")
    risk_medium: float = Field(0.4, gt=0, lt=1, description="Probability from which the risk is 'medium'.")
    risk_high: float = Field(0.7, gt=0, lt=1, description="Probability from which the risk is 'high'.")
    propensity: bool = Field(True, description="Also score purchase propensity per top category.")
    top_categories: int = Field(8, ge=1, le=50, description="Categories (by revenue) scored for propensity.")
    refit: bool = Field(False, description="Retrain on the newest labels before scoring (slower).")
    n_jobs: int = Field(1, ge=1, description="LightGBM threads.")
    random_state: int = Field(0, description="Seed.")

    @model_validator(mode="after")
    def _tiers_in_order(self) -> ChurnParams:
        if self.risk_medium >= self.risk_high:
            raise ValueError(f"risk_medium={self.risk_medium} must be below risk_high={self.risk_high}")
        return self


def _default_as_of(orders: pd.DataFrame) -> pd.Timestamp:
    last = pd.to_datetime(orders["ordered_at"], utc=True).max()
    return last.floor("D") + pd.Timedelta(days=1)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(key): value for key, value in row.items()} for row in frame.round(6).to_dict(orient="records")
    ]


def churn_charts(lift: pd.DataFrame, calibration: pd.DataFrame, title: str = "churn") -> list[dict[str, Any]]:
    """Vega-Lite specifications: lift by decile, and the calibration curve against the diagonal."""
    schema = "https://vega.github.io/schema/vega-lite/v5.json"
    diagonal = [{"mean_predicted": 0.0, "observed_rate": 0.0}, {"mean_predicted": 1.0, "observed_rate": 1.0}]
    return [
        {
            "$schema": schema,
            "title": f"{title}: lift by decile (holdout)",
            "data": {"values": _records(lift)},
            "mark": "bar",
            "encoding": {
                "x": {"field": "bin", "type": "ordinal", "title": "decile (1 = highest score)"},
                "y": {"field": "lift", "type": "quantitative", "title": "lift"},
                "tooltip": [{"field": c} for c in ("bin", "n", "rate", "lift", "cumulative_lift", "capture")],
            },
        },
        {
            "$schema": schema,
            "title": f"{title}: calibration (holdout)",
            "layer": [
                {
                    "data": {"values": diagonal},
                    "mark": {"type": "line", "strokeDash": [4, 4], "color": "gray"},
                    "encoding": {
                        "x": {"field": "mean_predicted", "type": "quantitative"},
                        "y": {"field": "observed_rate", "type": "quantitative"},
                    },
                },
                {
                    "data": {"values": _records(calibration)},
                    "mark": {"type": "line", "point": True},
                    "encoding": {
                        "x": {"field": "mean_predicted", "type": "quantitative", "title": "mean predicted"},
                        "y": {"field": "observed_rate", "type": "quantitative", "title": "observed rate"},
                        "tooltip": [{"field": c} for c in ("bin", "n", "mean_predicted", "observed_rate")],
                    },
                },
            ],
        },
    ]


def _optional(workspace: Workspace, name: str) -> pd.DataFrame | None:
    if not workspace.engine.exists(name):
        return None
    frame = workspace.engine.read_pandas(name)
    return frame if len(frame) else None


@step(
    "churn",
    reads=["core.orders", "core.products", "core.events", "core.customers"],
    writes=["mart.churn", "mart.propensity", "mart.churn_evaluation"],
    params=ChurnParams,
    description="Churn probability with reasons and category propensity, evaluated on a time holdout.",
)
def run_churn(workspace: Workspace, params: ChurnParams) -> StepResult:
    """Churn probability with reasons and category propensity, evaluated on a time holdout."""
    orders = workspace.engine.read_pandas("core.orders")
    products = _optional(workspace, "core.products")
    events = _optional(workspace, "core.events")
    customers = _optional(workspace, "core.customers")
    as_of = pd.Timestamp(params.as_of) if params.as_of is not None else _default_as_of(orders)
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = predict_churn(
            orders,
            as_of=as_of,
            horizon_days=params.horizon_days,
            cutoff=params.cutoff,
            events=events,
            products=products,
            customers=customers,
            tuning=params.tuning,
            thresholds=(params.risk_medium, params.risk_high),
            refit=params.refit,
            learning_rate=params.learning_rate,
            n_splits=2,
            n_jobs=params.n_jobs,
            random_state=params.random_state,
        )
        propensity = None
        has_categories = (
            products is not None and "category" in products and products["category"].notna().any()
        )
        if params.propensity and has_categories:
            assert products is not None
            propensity = category_propensity(
                orders,
                products,
                as_of=as_of,
                horizon_days=params.horizon_days,
                cutoff=params.cutoff,
                top_categories=params.top_categories,
                features=result.features,
                history=result.history,
                refit=params.refit,
                n_jobs=params.n_jobs,
                random_state=params.random_state,
            )
        elif params.propensity:
            notes.append("core.products has no category: propensity per category was skipped")
    notes.extend(str(w.message) for w in caught if issubclass(w.category, UserWarning))
    scores = result.scores.reset_index()
    churn_rows = pa.Table.from_pandas(scores[CHURN_SCHEMA.names], schema=CHURN_SCHEMA, preserve_index=False)
    tables = {"mart.churn": workspace.engine.write_table("mart.churn", churn_rows)}
    metrics: dict[str, float] = dict(result.evaluation.metrics)
    metrics.update(
        horizon_days=float(params.horizon_days),
        n_train=float(result.sizes["train"]),
        n_scored=float(result.sizes["score"]),
    )
    propensity_frame = pd.DataFrame(columns=PROPENSITY_SCHEMA.names)
    if propensity is not None:
        metrics.update(propensity.metrics)
        propensity_frame = propensity.scores
    tables["mart.propensity"] = workspace.engine.write_table(
        "mart.propensity",
        pa.Table.from_pandas(propensity_frame, schema=PROPENSITY_SCHEMA, preserve_index=False),
    )
    evaluation = pa.Table.from_pylist(
        [{"metric": key, "value": float(value)} for key, value in metrics.items()],
        schema=CHURN_EVALUATION_SCHEMA,
    )
    tables["mart.churn_evaluation"] = workspace.engine.write_table("mart.churn_evaluation", evaluation)
    auc = metrics["roc_auc"]
    if auc < 0.6:
        notes.append(
            f"the churn model ranks poorly on the holdout (ROC AUC {auc:.3f}); treat its scores with care"
        )
    risk = scores["churn_risk"].value_counts().reindex(["low", "medium", "high"], fill_value=0)
    figures: dict[str, Any] = {
        "customers_scored": len(scores),
        "holdout_roc_auc": round(auc, 4),
        "holdout_pr_auc": round(metrics["pr_auc"], 4),
        "holdout_lift_top_decile": round(metrics["lift_top_decile"], 3),
        "holdout_churn_rate": round(metrics["base_rate"], 4),
        "risk": {str(k): int(v) for k, v in risk.items()},
        "cutoffs": {name: stamp.isoformat() for name, stamp in result.cutoffs.items()},
    }
    if propensity is not None:
        figures["propensity_roc_auc"] = round(propensity.metrics["propensity_roc_auc"], 4)
        figures["categories"] = propensity.categories
    return StepResult(
        tables=tables,
        figures=figures,
        charts=churn_charts(result.evaluation.lift, result.evaluation.calibration),
        warnings=notes,
        summary=f"scored {len(scores):,} customers for churn in the next {params.horizon_days} days "
        f"(holdout ROC AUC {auc:.3f}, top-decile lift {metrics['lift_top_decile']:.2f}); "
        f"{int(risk['high']):,} at high risk",
    )
