"""Churn and purchase propensity, and :class:`TabularModel` for any table's target column.

- :func:`churn_features` / :func:`churn_labels`: customer features at a cut-off from data strictly
  before it, and "no purchase in the next N days" after it (:class:`CustomerHistory` computes both at
  many cut-offs from tables normalized once).
- :class:`ChurnModel` and :func:`predict_churn`: a calibrated LightGBM model evaluated on a time-based
  holdout, with per-customer reasons (the top feature contributions).
- :func:`category_propensity`: probability of buying each top category in the next N days.
- :class:`TabularModel`: numeric, categorical, date and missing values handled; tuned by inner
  cross-validation; :meth:`TabularModel.cross_validate` reports honest scores.
- :func:`roc_auc`, :func:`pr_auc`, :func:`lift_table`, :func:`calibration_curve`, :func:`binary_report`.
"""

from __future__ import annotations

from aimass.analytics.churn._features import (
    CustomerHistory,
    category_features,
    category_labels,
    churn_features,
    churn_labels,
)
from aimass.analytics.churn._metrics import binary_report, calibration_curve, lift_table, pr_auc, roc_auc
from aimass.analytics.churn._model import (
    ChurnEvaluation,
    ChurnModel,
    ChurnResult,
    PropensityResult,
    category_propensity,
    churn_risk,
    predict_churn,
)
from aimass.analytics.churn._prepare import ColumnDroppedWarning, FeaturePlan, plan_features
from aimass.analytics.churn._tabular import CrossValidationReport, TabularModel, infer_task

__all__ = [
    "ChurnEvaluation",
    "ChurnModel",
    "ChurnResult",
    "ColumnDroppedWarning",
    "CrossValidationReport",
    "CustomerHistory",
    "FeaturePlan",
    "PropensityResult",
    "TabularModel",
    "binary_report",
    "calibration_curve",
    "category_features",
    "category_labels",
    "category_propensity",
    "churn_features",
    "churn_labels",
    "churn_risk",
    "infer_task",
    "lift_table",
    "plan_features",
    "pr_auc",
    "predict_churn",
    "roc_auc",
]
