"""The calibration/holdout check: predicted against actual repeat purchases per frequency bucket."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from aimass.analytics.clv._base import check_summary
from aimass.analytics.clv._transaction import TransactionModel
from aimass.exceptions import ConfigError, SchemaError

__all__ = ["calibration_holdout"]


def calibration_holdout(
    model: TransactionModel, summary: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean actual and predicted holdout purchases per calibration-period frequency.

    Parameters
    ----------
    model : BetaGeo, ModifiedBetaGeo or ParetoNBD
        Fitted on the calibration columns of ``summary``.
    summary : pandas.DataFrame
        From :func:`aimass.analytics.clv_summary` with ``calibration_end``: ``frequency``,
        ``recency``, ``T``, ``frequency_holdout`` and ``duration_holdout``.
    max_frequency : int, default 7
        Customers with more calibration repeat purchases share the last bucket (``"7+"``).

    Returns
    -------
    pandas.DataFrame
        One row per bucket: ``bucket`` (``"0"``, ``"1"``, ..., ``"7+"``), ``customers``,
        ``actual`` and ``predicted`` (mean holdout purchases per customer), ``actual_total``,
        ``predicted_total``; and a last row ``bucket="all"`` over every customer.

    Raises
    ------
    SchemaError
        The holdout columns are missing.
    """
    if not isinstance(max_frequency, int) or max_frequency < 0:
        raise ConfigError(f"`max_frequency`={max_frequency!r} must be an integer >= 0")
    for name in ("frequency_holdout", "duration_holdout"):
        if name not in summary.columns:
            raise SchemaError(
                f"the summary lacks `{name}`: build it with clv_summary(..., calibration_end=...)"
            )
    x, t_x, age = check_summary(summary)
    duration = np.asarray(summary["duration_holdout"], dtype=float)
    predicted = model.conditional_expected_number_of_purchases_up_to_time(duration, x, t_x, age)
    capped = np.minimum(x, max_frequency).astype(int)
    labels = np.array([str(k) for k in range(max_frequency)] + [f"{max_frequency}+"])
    frame = pd.DataFrame(
        {
            "bucket": labels[capped],
            "order": capped,
            "actual": np.asarray(summary["frequency_holdout"], dtype=float),
            "predicted": predicted,
        }
    )
    table = (
        frame.groupby(["order", "bucket"], as_index=False)
        .agg(
            customers=("actual", "size"),
            actual_total=("actual", "sum"),
            predicted_total=("predicted", "sum"),
        )
        .sort_values("order")
    )
    overall = pd.DataFrame(
        {
            "order": [max_frequency + 1],
            "bucket": ["all"],
            "customers": [len(frame)],
            "actual_total": [frame["actual"].sum()],
            "predicted_total": [frame["predicted"].sum()],
        }
    )
    table = pd.concat([table, overall], ignore_index=True)
    table["actual"] = table["actual_total"] / table["customers"]
    table["predicted"] = table["predicted_total"] / table["customers"]
    columns: list[Any] = ["bucket", "customers", "actual", "predicted", "actual_total", "predicted_total"]
    return table[columns].reset_index(drop=True)
