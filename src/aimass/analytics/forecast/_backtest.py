"""Rolling-origin backtest of a forecaster against the seasonal-naive baseline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from aimass.analytics.forecast._model import ForecastModel, SalesForecaster, level_name, season_length
from aimass.exceptions import ConfigError, SchemaError

__all__ = ["BACKTEST_METRICS", "BacktestResult", "backtest", "forecast_metrics"]

#: Metrics reported by :func:`backtest`, in order.
BACKTEST_METRICS: tuple[str, ...] = ("mae", "rmse", "mape", "smape", "mase", "coverage_80", "coverage_95")


def forecast_metrics(
    actual: np.ndarray[Any, Any],
    predicted: np.ndarray[Any, Any],
    *,
    scale: float,
    intervals: dict[float, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] | None = None,
) -> dict[str, float]:
    """Point and interval accuracy of a forecast.

    Parameters
    ----------
    actual, predicted : array-like of shape (n_points,)
        Observed and forecast values.
    scale : float
        The in-sample mean absolute error of the seasonal-naive forecast (the MASE denominator).
    intervals : dict of float to (lower, upper), optional
        Interval bounds per level in percent; gives ``coverage_<level>`` (share of actuals inside).

    Returns
    -------
    dict of str to float
        ``mae``, ``rmse``, ``mape`` (percent, over non-zero actuals; NaN when all are zero),
        ``smape`` (percent, 0-200; a point where both are 0 counts as 0), ``mase`` and coverages.

    Examples
    --------
    >>> import numpy as np
    >>> m = forecast_metrics(np.array([10.0, 20.0]), np.array([12.0, 16.0]), scale=2.0)
    >>> m["mae"], m["rmse"], m["mape"], m["mase"]
    (3.0, 3.1622776601683795, 20.0, 1.5)
    """
    actual = np.asarray(actual, dtype="float64")
    predicted = np.asarray(predicted, dtype="float64")
    error = actual - predicted
    mae = float(np.mean(np.abs(error)))
    nonzero = actual != 0
    mape = float(np.mean(np.abs(error[nonzero] / actual[nonzero])) * 100.0) if nonzero.any() else float("nan")
    denominator = np.abs(actual) + np.abs(predicted)
    ratio = np.divide(2.0 * np.abs(error), denominator, out=np.zeros_like(error), where=denominator > 0)
    out = {
        "mae": mae,
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mape": mape,
        "smape": float(np.mean(ratio) * 100.0),
        "mase": mae / scale if scale > 0 else float("nan"),
    }
    for level, (low, high) in (intervals or {}).items():
        out[f"coverage_{level_name(level)}"] = float(np.mean((actual >= low) & (actual <= high)))
    return out


@dataclass(frozen=True)
class BacktestResult:
    """What :func:`backtest` measured.

    Attributes
    ----------
    metrics : pandas.DataFrame
        One row per metric: ``metric``, ``model`` (value of the model), ``baseline`` (value of the
        seasonal-naive baseline).
    predictions : pandas.DataFrame
        Every held-out point: ``fold``, ``ds``, ``y``, ``yhat``, interval bounds and
        ``yhat_baseline``.
    model : str
        The model that was tested.
    baseline : str
        ``"seasonal_naive_<m>"`` with its season length.
    folds : int
        Number of origins.
    horizon : int
        Periods forecast from each origin.
    """

    metrics: pd.DataFrame
    predictions: pd.DataFrame
    model: str
    baseline: str
    folds: int
    horizon: int

    def value(self, metric: str, which: str = "model") -> float:
        """One metric of the model (``which="model"``) or of the baseline (``which="baseline"``)."""
        row = self.metrics.loc[self.metrics["metric"] == metric]
        if row.empty or which not in ("model", "baseline"):
            raise ConfigError(f"no metric {metric!r} / {which!r}; metrics are {list(self.metrics['metric'])}")
        return float(row[which].iloc[0])

    @property
    def beats_baseline(self) -> bool:
        """Whether the model's MASE is below the baseline's."""
        return self.value("mase") < self.value("mase", "baseline")


def backtest(
    series: pd.Series,
    horizon: int,
    *,
    folds: int = 3,
    freq: str = "D",
    model: ForecastModel = "harmonic",
    level: Sequence[float] = (80, 95),
    **options: Any,
) -> BacktestResult:
    """Rolling-origin evaluation: refit at ``folds`` origins, ``horizon`` periods apart, at the end.

    The last origin leaves the final ``horizon`` periods out, the one before ``2 * horizon``, and
    so on; each fit sees only the history before its origin. The seasonal-naive forecast from the
    same origins is the baseline (season 7 for daily data, 52 for two years of weeks, else 1), and
    MASE is scaled by the seasonal-naive in-sample MAE of the first fold's training history.

    Parameters
    ----------
    series : pandas.Series
        A regular daily or weekly series.
    horizon : int
        Periods forecast from each origin.
    folds : int
        Number of origins (>= 1).
    freq : {"D", "W"}
        Period of the series.
    model : {"harmonic", "ets", "seasonal_naive"}
        The model to test.
    level : sequence of float
        Interval levels in percent (coverage is reported for each).
    **options
        Other :class:`SalesForecaster` options.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ConfigError
        If ``horizon`` or ``folds`` is not a positive integer.
    SchemaError
        If the series is too short for the folds.
    """
    if horizon < 1 or folds < 1:
        raise ConfigError(f"`horizon={horizon}` and `folds={folds}` must both be >= 1")
    n = len(series)
    first_origin = n - folds * horizon
    season = season_length(freq, first_origin, weekly=options.get("weekly", True))
    if first_origin < max(2 * season, 14 if freq == "D" else 8):
        raise SchemaError(
            f"the series has {n} periods: too short for {folds} folds of {horizon} "
            f"(the first training window would have {first_origin} periods)"
        )
    training = series.to_numpy(dtype="float64")[:first_origin]
    scale = float(np.mean(np.abs(training[season:] - training[:-season])))
    parts = []
    for fold in range(folds):
        origin = first_origin + fold * horizon
        history = series.iloc[:origin]
        held_out = series.iloc[origin : origin + horizon]
        forecast = SalesForecaster(model, freq, level=level, **options).fit(history).predict(horizon)
        naive = SalesForecaster("seasonal_naive", freq, level=level, weekly=options.get("weekly", True))
        naive_forecast = naive.fit(history).predict(horizon)
        forecast["fold"] = fold
        forecast["y"] = held_out.to_numpy(dtype="float64")
        forecast["yhat_baseline"] = naive_forecast["yhat"].to_numpy()
        for column in naive_forecast.columns:
            if column.startswith("yhat_lower") or column.startswith("yhat_upper"):
                forecast[f"{column}_baseline"] = naive_forecast[column].to_numpy()
        parts.append(forecast)
    predictions = pd.concat(parts, ignore_index=True)
    levels = [float(value) for value in level]

    def measured(suffix: str) -> dict[str, float]:
        yhat = predictions["yhat" + suffix].to_numpy()
        bounds = {
            value: (
                predictions[f"yhat_lower_{level_name(value)}{suffix}"].to_numpy(),
                predictions[f"yhat_upper_{level_name(value)}{suffix}"].to_numpy(),
            )
            for value in levels
        }
        return forecast_metrics(predictions["y"].to_numpy(), yhat, scale=scale, intervals=bounds)

    ours, theirs = measured(""), measured("_baseline")
    names = [name for name in BACKTEST_METRICS if name in ours] + [
        name for name in ours if name not in BACKTEST_METRICS
    ]
    metrics = pd.DataFrame(
        {"metric": names, "model": [ours[n_] for n_ in names], "baseline": [theirs[n_] for n_ in names]}
    )
    columns = ["fold", "ds", "y", "yhat"] + [c for c in predictions.columns if c.startswith("yhat_")]
    return BacktestResult(
        metrics=metrics,
        predictions=predictions[columns],
        model=model,
        baseline=f"seasonal_naive_{season}",
        folds=folds,
        horizon=horizon,
    )
