"""Evaluation of a binary score: ROC AUC, PR AUC, lift by decile and the calibration curve."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from aimass.exceptions import ConfigError, SchemaError

__all__ = ["binary_report", "calibration_curve", "lift_table", "pr_auc", "roc_auc"]


def _check(y_true: Any, y_score: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    y = np.asarray(y_true)
    p = np.asarray(y_score, dtype=np.float64)
    if y.ndim != 1 or p.ndim != 1 or len(y) != len(p):
        raise SchemaError(
            f"y_true and y_score must be 1-d of the same length; got shapes {y.shape} and {p.shape}"
        )
    if len(y) == 0:
        raise SchemaError("y_true is empty; at least one row of each class is needed")
    if np.isnan(p).any():
        raise SchemaError("y_score holds NaN; every score must be a number")
    y_int = y.astype(np.int64)
    if not np.isin(y_int, (0, 1)).all() or not np.array_equal(y_int, y.astype(np.float64)):
        raise SchemaError(f"y_true must hold only 0/1 (or False/True); got values {np.unique(y)[:5]}")
    if y_int.min() == y_int.max():
        raise SchemaError(f"y_true holds only the class {int(y_int[0])}; both 0 and 1 are needed")
    return y_int, p


def roc_auc(y_true: Any, y_score: Any) -> float:
    """Area under the ROC curve.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        0/1 outcomes.
    y_score : array-like of shape (n_samples,)
        Scores; higher means more likely 1.

    Returns
    -------
    float

    Raises
    ------
    SchemaError
        When the shapes differ, a score is NaN, or only one class is present.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    from sklearn.metrics import roc_auc_score

    y, p = _check(y_true, y_score)
    return float(roc_auc_score(y, p))


def pr_auc(y_true: Any, y_score: Any) -> float:
    """Area under the precision-recall curve (average precision).

    Examples
    --------
    >>> round(pr_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    from sklearn.metrics import average_precision_score

    y, p = _check(y_true, y_score)
    return float(average_precision_score(y, p))


def lift_table(y_true: Any, y_score: Any, n_bins: int = 10) -> pd.DataFrame:
    """Lift by score bin (deciles by default), best-scored bin first.

    Parameters
    ----------
    y_true, y_score : array-like of shape (n_samples,)
        0/1 outcomes and their scores.
    n_bins : int, default 10
        Number of equal-sized bins (ranked by score, ties broken by order).

    Returns
    -------
    pandas.DataFrame
        ``bin`` (1 = highest scores), ``n``, ``positives``, ``rate``, ``mean_score``, ``lift`` (rate over the
        overall rate), ``cumulative_lift`` and ``capture`` (share of all positives found in bins 1..k).

    Examples
    --------
    >>> lift_table([1, 1, 0, 1, 0, 0, 0, 0, 0, 0], [.9, .8, .7, .6, .5, .4, .3, .2, .1, 0], n_bins=2)
       bin  n  positives  rate  mean_score  lift  cumulative_lift  capture
    0    1  5          3   0.6         0.7   2.0              2.0      1.0
    1    2  5          0   0.0         0.2   0.0              1.0      1.0
    """
    if n_bins < 1:
        raise ConfigError(f"`n_bins={n_bins}` must be >= 1")
    y, p = _check(y_true, y_score)
    order = np.argsort(-p, kind="stable")
    bins = np.empty(len(y), dtype=np.int64)
    bins[order] = np.arange(len(y)) * n_bins // len(y) + 1
    frame = pd.DataFrame({"bin": bins, "y": y, "p": p})
    grouped = frame.groupby("bin").agg(n=("y", "size"), positives=("y", "sum"), mean_score=("p", "mean"))
    grouped = grouped.reset_index()
    overall = y.mean()
    grouped["rate"] = grouped["positives"] / grouped["n"]
    grouped["lift"] = grouped["rate"] / overall
    cumulative = grouped["positives"].cumsum() / grouped["n"].cumsum()
    grouped["cumulative_lift"] = cumulative / overall
    grouped["capture"] = grouped["positives"].cumsum() / y.sum()
    columns = ["bin", "n", "positives", "rate", "mean_score", "lift", "cumulative_lift", "capture"]
    return grouped[columns].astype({"n": "int64", "positives": "int64"})


def calibration_curve(y_true: Any, y_score: Any, n_bins: int = 10) -> pd.DataFrame:
    """Observed rate against mean predicted probability, in bins of equal size (quantiles of the score).

    Parameters
    ----------
    y_true, y_score : array-like of shape (n_samples,)
        0/1 outcomes and predicted probabilities.
    n_bins : int, default 10

    Returns
    -------
    pandas.DataFrame
        ``bin`` (1 = lowest scores), ``n``, ``mean_predicted``, ``observed_rate``.

    Examples
    --------
    >>> calibration_curve([0, 0, 1, 0, 1, 1], [.1, .2, .3, .7, .8, .9], n_bins=2)
       bin  n  mean_predicted  observed_rate
    0    1  3             0.2       0.333333
    1    2  3             0.8       0.666667
    """
    table = lift_table(y_true, y_score, n_bins=n_bins)
    out = pd.DataFrame(
        {
            "bin": n_bins + 1 - table["bin"],
            "n": table["n"],
            "mean_predicted": table["mean_score"],
            "observed_rate": table["rate"],
        }
    )
    return out.sort_values("bin").reset_index(drop=True)


def binary_report(y_true: Any, y_score: Any) -> dict[str, float]:
    """Headline metrics of probabilities for a 0/1 outcome.

    Returns
    -------
    dict
        ``n``, ``base_rate``, ``roc_auc``, ``pr_auc``, ``brier``, ``log_loss``, ``lift_top_decile`` and
        ``lift_top_2_deciles`` (cumulative lift of the top 10 % and 20 % by score).

    Examples
    --------
    >>> report = binary_report([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> report["roc_auc"], report["base_rate"]
    (0.75, 0.5)
    """
    from sklearn.metrics import brier_score_loss, log_loss

    y, p = _check(y_true, y_score)
    clipped = np.clip(p, 1e-12, 1 - 1e-12)
    lift = lift_table(y, p, n_bins=10)
    return {
        "n": float(len(y)),
        "base_rate": float(y.mean()),
        "roc_auc": roc_auc(y, p),
        "pr_auc": pr_auc(y, p),
        "brier": float(brier_score_loss(y, clipped)),
        "log_loss": float(log_loss(y, clipped, labels=[0, 1])),
        "lift_top_decile": float(lift["cumulative_lift"].iloc[0]),
        "lift_top_2_deciles": float(lift["cumulative_lift"].iloc[min(1, len(lift) - 1)]),
    }
