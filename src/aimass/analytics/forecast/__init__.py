"""Sales forecasting: daily or weekly revenue and units, with trend, weekly and yearly seasonality,
prediction intervals and a rolling-origin backtest against the seasonal-naive baseline."""

from aimass.analytics.forecast._backtest import BACKTEST_METRICS, BacktestResult, backtest, forecast_metrics
from aimass.analytics.forecast._model import FORECAST_MODELS, SalesForecaster, forecast_series
from aimass.analytics.forecast._series import sales_series, series_label

__all__ = [
    "BACKTEST_METRICS",
    "FORECAST_MODELS",
    "BacktestResult",
    "SalesForecaster",
    "backtest",
    "forecast_metrics",
    "forecast_series",
    "sales_series",
    "series_label",
]
