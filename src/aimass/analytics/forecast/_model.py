"""Forecast one regular series: harmonic regression (default), ETS, or the seasonal-naive baseline."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from aimass.exceptions import ConfigError, NotFittedError, SchemaError

__all__ = [
    "FORECAST_MODELS",
    "ForecastModel",
    "SalesForecaster",
    "forecast_series",
    "level_name",
    "season_length",
]

ForecastModel = Literal["harmonic", "ets", "seasonal_naive"]
FORECAST_MODELS: tuple[str, ...] = ("harmonic", "ets", "seasonal_naive")

_PERIOD_DAYS = {"D": 1, "W": 7}
_DAYS_PER_YEAR = 365.25
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")

FloatArray = npt.NDArray[np.float64]


def season_length(freq: str, n_periods: int, *, weekly: bool = True) -> int:
    """The season of the seasonal-naive baseline: 7 for daily data, 52 for two years of weeks, else 1."""
    if freq == "D":
        return 7 if weekly else 1
    return 52 if n_periods >= 104 else 1


def _check_levels(level: Sequence[float]) -> tuple[float, ...]:
    levels = tuple(float(value) for value in level)
    if not levels or any(not 0.0 < value < 100.0 for value in levels):
        raise ConfigError(f"`level={list(level)}` must be one or more percentages strictly between 0 and 100")
    return levels


def level_name(value: float) -> str:
    """The column suffix of an interval level: ``80`` for 80, ``97_5`` for 97.5."""
    return f"{value:g}".replace(".", "_")


class SalesForecaster:
    """Forecast a regular daily or weekly series with trend, weekly and yearly seasonality.

    Models
    ------
    ``"harmonic"`` (default)
        Linear regression (statsmodels OLS, or WLS with exponentially discounted weights when
        ``trend_halflife`` is set) on a linear trend, day-of-week effects (daily data) and
        ``yearly_order`` Fourier pairs for the yearly cycle. Prediction intervals are the
        regression's observation intervals (Student t); with discounting the residual variance uses
        the effective number of observations ``sum(w)``.
    ``"ets"``
        statsmodels ``ETSModel``: additive errors, additive damped trend, additive weekly
        seasonality for daily data; analytic prediction intervals. Slower (about a second a fit).
    ``"seasonal_naive"``
        The value one season ago (7 days; 52 weeks with two years of weekly history, else the last
        week), with intervals ``sigma * sqrt(k)`` for the ``k``-th season ahead.

    Parameters
    ----------
    model : {"harmonic", "ets", "seasonal_naive"}
        Which model.
    freq : {"D", "W"}
        Period of the series: days or weeks.
    weekly : bool
        Day-of-week seasonality for daily data.
    yearly : {"auto", True, False}
        Yearly Fourier terms (harmonic model); ``"auto"`` uses them when the history spans at least
        two years.
    yearly_order : int
        Number of yearly Fourier pairs.
    trend_halflife : float, optional
        Half-life in periods of the observation weights (harmonic model): recent periods weigh more,
        so level and trend follow changes. None weighs all periods equally.
    level : sequence of float
        Prediction interval levels in percent.

    Attributes
    ----------
    n_periods_ : int
        Length of the history.
    last_ds_ : pandas.Timestamp
        Last period of the history.
    season_ : int
        Season length used by the seasonal-naive model.
    uses_yearly_ : bool
        Whether yearly terms are in the harmonic model.
    result_ : object
        The fitted statsmodels results (None for the seasonal-naive model).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2024-01-01", periods=56, freq="D", tz="UTC")
    >>> y = pd.Series(10.0 + np.tile([0, 1, 2, 3, 4, 5, 6], 8), index=ds)
    >>> SalesForecaster().fit(y).predict(3)["yhat"].round(6).tolist()
    [10.0, 11.0, 12.0]
    """

    def __init__(
        self,
        model: ForecastModel = "harmonic",
        freq: str = "D",
        *,
        weekly: bool = True,
        yearly: bool | Literal["auto"] = "auto",
        yearly_order: int = 3,
        trend_halflife: float | None = None,
        level: Sequence[float] = (80, 95),
    ) -> None:
        self.model = model
        self.freq = freq
        self.weekly = weekly
        self.yearly = yearly
        self.yearly_order = yearly_order
        self.trend_halflife = trend_halflife
        self.level = level

    _PARAM_NAMES = ("model", "freq", "weekly", "yearly", "yearly_order", "trend_halflife", "level")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments (scikit-learn convention, so ``sklearn.base.clone`` works)."""
        return {name: getattr(self, name) for name in self._PARAM_NAMES}

    def set_params(self, **params: Any) -> SalesForecaster:
        """Set constructor arguments by name; returns self."""
        unknown = sorted(set(params) - set(self._PARAM_NAMES))
        if unknown:
            raise ConfigError(f"unknown parameters {unknown}; allowed: {list(self._PARAM_NAMES)}")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    # -- fitting ---------------------------------------------------------------------------------

    def _validate(self) -> None:
        if self.model not in FORECAST_MODELS:
            raise ConfigError(f"`model={self.model!r}` is not allowed; use one of {list(FORECAST_MODELS)}")
        if self.freq not in _PERIOD_DAYS:
            raise ConfigError(f"`freq={self.freq!r}` is not allowed; use 'D' or 'W'")
        if self.yearly not in ("auto", True, False):
            raise ConfigError(f"`yearly={self.yearly!r}` is not allowed; use 'auto', True or False")
        if self.yearly_order < 1:
            raise ConfigError(f"`yearly_order={self.yearly_order}` must be >= 1")
        if self.trend_halflife is not None and self.trend_halflife <= 0:
            raise ConfigError(f"`trend_halflife={self.trend_halflife}` must be > 0 (or None)")
        _check_levels(self.level)

    def fit(self, y: pd.Series) -> SalesForecaster:
        """Fit the model to a series indexed by regular period starts.

        Parameters
        ----------
        y : pandas.Series
            Values indexed by a DatetimeIndex with one row per period (days, or weeks 7 days apart),
            without gaps or missing values.

        Returns
        -------
        SalesForecaster
            self.

        Raises
        ------
        ConfigError
            If an option is not allowed.
        SchemaError
            If the index is not regular, a value is missing, or the history is too short.
        """
        self._validate()
        if not isinstance(y.index, pd.DatetimeIndex):
            raise SchemaError("the series needs a DatetimeIndex of period starts")
        index = y.index.tz_localize("UTC") if y.index.tz is None else y.index.tz_convert("UTC")
        values = y.to_numpy(dtype="float64")
        if np.isnan(values).any():
            raise SchemaError("the series has missing values; fill them (sales_series uses 0) first")
        step = pd.Timedelta(days=_PERIOD_DAYS[self.freq])
        if len(index) > 1 and not (index[1:] - index[:-1] == step).all():
            raise SchemaError(
                f"the series index must be regular with one period every {step} (freq={self.freq!r})"
            )
        n = len(values)
        self.season_ = season_length(self.freq, n, weekly=self.weekly)
        minimum = max(2 * self.season_, 14 if self.freq == "D" else 8)
        if n < minimum:
            raise SchemaError(f"the series has {n} periods; the {self.model} model needs at least {minimum}")
        self.n_periods_ = n
        self.first_ds_ = index[0]
        self.last_ds_ = index[-1]
        self.history_ = values
        self.nonnegative_ = bool(values.min() >= 0.0)
        span_days = n * _PERIOD_DAYS[self.freq]
        self.uses_yearly_ = bool(self.yearly is True or (self.yearly == "auto" and span_days >= 730))
        self.result_: Any = None
        self.scale_: float = float("nan")
        self.df_resid_: float = float("nan")
        if self.model == "harmonic":
            self._fit_harmonic(index, values)
        elif self.model == "ets":
            self._fit_ets(values)
        else:
            lagged = values[self.season_ :] - values[: -self.season_]
            self.scale_ = float(np.sqrt(np.mean(lagged**2)))
        return self

    def _design(self, index: pd.DatetimeIndex) -> FloatArray:
        days = ((index - _EPOCH) // pd.Timedelta(days=1)).to_numpy(dtype="float64")
        origin = float((self.first_ds_ - _EPOCH) // pd.Timedelta(days=1))
        columns = [np.ones_like(days), (days - origin) / _DAYS_PER_YEAR]
        if self.freq == "D" and self.weekly:
            weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
            columns += [(weekday == k).astype("float64") for k in range(1, 7)]
        if self.uses_yearly_:
            angle = 2.0 * np.pi * days / _DAYS_PER_YEAR
            for k in range(1, self.yearly_order + 1):
                columns += [np.sin(k * angle), np.cos(k * angle)]
        return np.column_stack(columns)

    def _fit_harmonic(self, index: pd.DatetimeIndex, values: FloatArray) -> None:
        from statsmodels.regression.linear_model import WLS

        design = self._design(index)
        n, p = design.shape
        if self.trend_halflife is None:
            weights = np.ones(n)
        else:
            weights = 0.5 ** ((n - 1 - np.arange(n)) / self.trend_halflife)
        result = WLS(values, design, weights=weights).fit(method="qr")
        residual = values - design @ result.params
        effective = float(weights.sum())
        self.df_resid_ = max(effective - p, 1.0)
        self.scale_ = float(np.sum(weights * residual**2) / self.df_resid_)
        bread = np.linalg.pinv(design.T @ (weights[:, None] * design))
        meat = design.T @ ((weights**2)[:, None] * design)
        self.params_cov_ = self.scale_ * bread @ meat @ bread
        self.result_ = result

    def _fit_ets(self, values: FloatArray) -> None:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        seasonal = "add" if self.season_ > 1 and self.freq == "D" else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ETSModel(
                pd.Series(values),
                error="add",
                trend="add",
                damped_trend=True,
                seasonal=seasonal,
                seasonal_periods=self.season_ if seasonal else None,
            )
            self.result_ = model.fit(disp=False)

    # -- forecasting -----------------------------------------------------------------------------

    def predict(self, horizon: int) -> pd.DataFrame:
        """Forecast the next ``horizon`` periods with prediction intervals.

        Parameters
        ----------
        horizon : int
            Number of periods ahead (> 0).

        Returns
        -------
        pandas.DataFrame
            ``ds`` (period starts, UTC), ``yhat`` and ``yhat_lower_<L>`` / ``yhat_upper_<L>`` for
            each level ``L`` (e.g. ``yhat_lower_80``). A series that was never negative gets its
            forecast and bounds clipped at 0.

        Raises
        ------
        NotFittedError
            If ``fit`` has not been called.
        ConfigError
            If ``horizon`` is not a positive integer.
        """
        if not hasattr(self, "n_periods_"):
            raise NotFittedError("this SalesForecaster is not fitted yet; call fit(series) first")
        if int(horizon) != horizon or horizon < 1:
            raise ConfigError(f"`horizon={horizon}` must be an integer > 0")
        horizon = int(horizon)
        step = pd.Timedelta(days=_PERIOD_DAYS[self.freq])
        future = pd.DatetimeIndex([self.last_ds_ + step * (i + 1) for i in range(horizon)]).as_unit("us")
        levels = _check_levels(self.level)
        if self.model == "harmonic":
            mean, bounds = self._predict_harmonic(future, levels)
        elif self.model == "ets":
            mean, bounds = self._predict_ets(horizon, levels)
        else:
            mean, bounds = self._predict_naive(horizon, levels)
        floor = 0.0 if self.nonnegative_ else -np.inf
        columns: dict[str, Any] = {"ds": future, "yhat": np.maximum(mean, floor)}
        for value in levels:
            low, high = bounds[value]
            columns[f"yhat_lower_{level_name(value)}"] = np.maximum(low, floor)
            columns[f"yhat_upper_{level_name(value)}"] = np.maximum(high, floor)
        return pd.DataFrame(columns)

    def _predict_harmonic(
        self, future: pd.DatetimeIndex, levels: tuple[float, ...]
    ) -> tuple[FloatArray, dict[float, tuple[FloatArray, FloatArray]]]:
        design = self._design(future)
        mean = design @ np.asarray(self.result_.params)
        variance = self.scale_ + np.einsum("ij,jk,ik->i", design, self.params_cov_, design)
        sd = np.sqrt(variance)
        bounds = {}
        for value in levels:
            q = float(stats.t.ppf(0.5 + value / 200.0, self.df_resid_))
            bounds[value] = (mean - q * sd, mean + q * sd)
        return mean, bounds

    def _predict_ets(
        self, horizon: int, levels: tuple[float, ...]
    ) -> tuple[FloatArray, dict[float, tuple[FloatArray, FloatArray]]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prediction = self.result_.get_prediction(start=self.n_periods_, end=self.n_periods_ + horizon - 1)
            bounds = {}
            mean = np.asarray(prediction.predicted_mean, dtype="float64")
            for value in levels:
                frame = prediction.summary_frame(alpha=1.0 - value / 100.0)
                bounds[value] = (frame["pi_lower"].to_numpy(float), frame["pi_upper"].to_numpy(float))
        return mean, bounds

    def _predict_naive(
        self, horizon: int, levels: tuple[float, ...]
    ) -> tuple[FloatArray, dict[float, tuple[FloatArray, FloatArray]]]:
        m = self.season_
        ahead = np.arange(horizon)
        mean = self.history_[self.n_periods_ - m + ahead % m]
        sd = self.scale_ * np.sqrt(ahead // m + 1.0)
        bounds = {}
        for value in levels:
            q = float(stats.norm.ppf(0.5 + value / 200.0))
            bounds[value] = (mean - q * sd, mean + q * sd)
        return mean, bounds


def forecast_series(
    series: pd.Series,
    horizon: int,
    freq: str = "D",
    level: Sequence[float] = (80, 95),
    *,
    model: ForecastModel = "harmonic",
    **options: Any,
) -> pd.DataFrame:
    """Fit a :class:`SalesForecaster` to ``series`` and forecast ``horizon`` periods.

    Parameters
    ----------
    series : pandas.Series
        A regular daily or weekly series (e.g. a column of :func:`sales_series`).
    horizon : int
        Periods ahead.
    freq : {"D", "W"}
        Period of the series.
    level : sequence of float
        Prediction interval levels in percent.
    model : {"harmonic", "ets", "seasonal_naive"}
        Which model.
    **options
        Other :class:`SalesForecaster` options (``weekly``, ``yearly``, ``yearly_order``,
        ``trend_halflife``).

    Returns
    -------
    pandas.DataFrame
        ``ds``, ``yhat``, ``yhat_lower_<L>``, ``yhat_upper_<L>``.
    """
    forecaster = SalesForecaster(model, freq, level=level, **options)
    return forecaster.fit(series).predict(horizon)
