"""Customer analytics on the canonical tables.

Each analysis is a library function or estimator (scikit-learn conventions), a pipeline step that reads
``core.*`` and writes ``mart.*`` (recorded in ``meta.runs``) and an ``aimass analyze`` command:

- RFM scores and named segments, behavioural segments, cohorts (:mod:`aimass.analytics.rfm`);
- lifetime value: BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma (:mod:`aimass.analytics.clv`);
- churn and category propensity, and :class:`TabularModel` for any table (:mod:`aimass.analytics.churn`);
- frequent itemsets and association rules (:mod:`aimass.analytics.basket`);
- sales forecasts with backtests (:mod:`aimass.analytics.forecast`);
- regression drivers and hypothesis tests between groups (:mod:`aimass.analytics.stats`);
- the decision table ``mart.customer_360`` that joins them (:mod:`aimass.analytics._customer360`).

Examples
--------
>>> from aimass.analytics import BetaGeo, frequent_itemsets
>>> frequent_itemsets([["a", "b"], ["a"], ["a", "b", "c"]], min_support=0.6)["count"].tolist()
[3, 2, 2]
"""

from __future__ import annotations

from aimass.analytics.basket import association_rules, baskets_from_orders, frequent_itemsets
from aimass.analytics.churn import (
    ChurnModel,
    TabularModel,
    category_propensity,
    churn_features,
    churn_labels,
    predict_churn,
)
from aimass.analytics.clv import (
    BetaGeo,
    ClvConvergenceWarning,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    calibration_holdout,
    clv_summary,
    customer_lifetime_value,
)
from aimass.analytics.forecast import BacktestResult, SalesForecaster, backtest, forecast_series, sales_series
from aimass.analytics.rfm import (
    RFM_SEGMENT_MAP,
    Segmenter,
    cohort_table,
    customer_features,
    interval_distribution,
    quantile_scores,
    repeat_intervals,
    rfm_segments,
    rfm_table,
)
from aimass.analytics.stats import (
    GroupTestResult,
    RegressionResult,
    check_assumptions,
    compare_groups,
    regress,
)

__all__ = [
    "RFM_SEGMENT_MAP",
    "BacktestResult",
    "BetaGeo",
    "ChurnModel",
    "ClvConvergenceWarning",
    "GammaGamma",
    "GroupTestResult",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "RegressionResult",
    "SalesForecaster",
    "Segmenter",
    "TabularModel",
    "association_rules",
    "backtest",
    "baskets_from_orders",
    "calibration_holdout",
    "category_propensity",
    "check_assumptions",
    "churn_features",
    "churn_labels",
    "clv_summary",
    "cohort_table",
    "compare_groups",
    "customer_features",
    "customer_lifetime_value",
    "forecast_series",
    "frequent_itemsets",
    "interval_distribution",
    "predict_churn",
    "quantile_scores",
    "regress",
    "repeat_intervals",
    "rfm_segments",
    "rfm_table",
    "sales_series",
]
