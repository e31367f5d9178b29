"""Forecasting: sales series, the harmonic / ETS / seasonal-naive models, the backtest, the step and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aimass import Workspace
from aimass.analytics.forecast import (
    SalesForecaster,
    backtest,
    forecast_metrics,
    forecast_series,
    sales_series,
)
from aimass.exceptions import ConfigError, NotFittedError, SchemaError
from aimass.pipeline import run_steps

WEEKLY_PATTERN = np.array([0.0, 5.0, 10.0, 8.0, 20.0, 40.0, -15.0])  # Monday ... Sunday


def synthetic(
    seed: int, n: int = 730, noise: float = 10.0, yearly: float = 0.0
) -> tuple[pd.Series, pd.Series]:
    """A daily series starting on a Monday: 200 + 0.05 t + weekly pattern (+ yearly sine) + N(0, noise²).

    Returns the noisy series and the noise-free truth over ``n + 56`` days.
    """
    rng = np.random.default_rng(seed)
    total = n + 56
    t = np.arange(total)
    ds = pd.date_range("2023-01-02", periods=total, freq="D", tz="UTC")
    days = (ds - pd.Timestamp("1970-01-01", tz="UTC")).days.to_numpy()
    truth = 200.0 + 0.05 * t + WEEKLY_PATTERN[t % 7] + yearly * np.sin(2 * np.pi * days / 365.25)
    observed = truth[:n] + rng.normal(0.0, noise, n)
    return pd.Series(observed, ds[:n]), pd.Series(truth, ds)


# -- sales_series ------------------------------------------------------------------------------------


@pytest.fixture
def tiny_orders() -> tuple[pd.DataFrame, pd.DataFrame]:
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o1", "o2", "o3", "o4"],
            "product_id": ["p1", "p2", "p1", "p2", "p3"],
            "ordered_at": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 09:00",
                    "2024-01-01 23:59",
                    "2024-01-03 00:01",
                    "2024-01-08 12:00",
                ],
                utc=True,
            ),
            "quantity": [2.0, 1.0, 1.0, 3.0, 1.0],
            "unit_price": [10.0, 5.0, 10.0, 5.0, 100.0],
            "discount": [2.0, 0.0, 0.0, 0.0, 0.0],
            "amount": [18.0, 5.0, 10.0, 15.0, 100.0],
            "store_id": ["S1", "S1", None, "S2", "S1"],
        }
    )
    products = pd.DataFrame({"product_id": ["p1", "p2", "p3"], "category": ["shoes", "bags", "shoes"]})
    return orders, products


def test_sales_series_daily_total_and_groups(tiny_orders: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    orders, products = tiny_orders
    total = sales_series(orders)
    assert list(total.columns) == ["total"]
    assert total.index[0] == pd.Timestamp("2024-01-01", tz="UTC") and len(total) == 8  # 1 ... 8 January
    assert total["total"].tolist() == [33.0, 0.0, 15.0, 0.0, 0.0, 0.0, 0.0, 100.0]
    units = sales_series(orders, measure="units")
    assert units["total"].iloc[0] == 4.0 and units["total"].sum() == 8.0
    by_category = sales_series(orders, products, by="category")
    assert list(by_category.columns) == ["category=shoes", "category=bags"]  # by decreasing revenue
    assert by_category["category=shoes"].tolist() == [28.0, 0, 0, 0, 0, 0, 0, 100.0]
    assert by_category["category=bags"].sum() == 20.0
    by_store = sales_series(orders, by="store_id", top_n=1)
    assert list(by_store.columns) == ["store=S1"]  # the line without a store is left out
    assert by_store["store=S1"].sum() == 123.0


def test_sales_series_weekly_keeps_complete_weeks(tiny_orders: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    orders, _ = tiny_orders
    extra = orders.iloc[[0]].assign(ordered_at=pd.Timestamp("2024-01-14 10:00", tz="UTC"), amount=7.0)
    weekly = sales_series(pd.concat([orders, extra], ignore_index=True), freq="W")
    # 1-7 and 8-14 January are complete Monday-Sunday weeks.
    assert weekly.index.tolist() == [
        pd.Timestamp("2024-01-01", tz="UTC"),
        pd.Timestamp("2024-01-08", tz="UTC"),
    ]
    assert weekly["total"].tolist() == [48.0, 107.0]
    with pytest.raises(SchemaError, match="complete"):
        sales_series(orders.iloc[:3], freq="W")


def test_sales_series_rejects_bad_options(tiny_orders: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    orders, _ = tiny_orders
    with pytest.raises(ConfigError, match="freq"):
        sales_series(orders, freq="M")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="measure"):
        sales_series(orders, measure="margin")  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="products"):
        sales_series(orders, by="category")
    with pytest.raises(SchemaError, match="missing"):
        sales_series(orders.drop(columns=["unit_price"]))


# -- models --------------------------------------------------------------------------------------------


def test_harmonic_recovers_a_noise_free_trend_and_week() -> None:
    observed, truth = synthetic(0, n=140, noise=0.0)
    forecast = forecast_series(observed, 28)
    expected = truth.iloc[140:168].to_numpy()
    np.testing.assert_allclose(forecast["yhat"].to_numpy(), expected, atol=1e-6)
    assert forecast["ds"].iloc[0] == observed.index[-1] + pd.Timedelta(days=1)
    # With no noise the intervals collapse onto the forecast.
    np.testing.assert_allclose(forecast["yhat_upper_95"], forecast["yhat_lower_95"], atol=1e-4)


def test_harmonic_beats_seasonal_naive_with_nominal_coverage() -> None:
    coverage_80, coverage_95, wins = [], [], 0
    for seed in range(8):
        observed, _ = synthetic(seed)
        result = backtest(observed, 28, folds=3)
        coverage_80.append(result.value("coverage_80"))
        coverage_95.append(result.value("coverage_95"))
        wins += result.beats_baseline
        assert result.value("rmse") < result.value("rmse", "baseline")
    assert wins == 8
    # The model is the true one: errors have sd 10, seasonal-naive errors sd 10 * sqrt(2).
    assert 0.73 <= np.mean(coverage_80) <= 0.87
    assert 0.91 <= np.mean(coverage_95) <= 0.985


def test_harmonic_yearly_terms_capture_yearly_seasonality() -> None:
    observed, truth = synthetic(3, n=3 * 365, noise=5.0, yearly=30.0)
    with_year = forecast_series(observed, 56, yearly=True)
    without = forecast_series(observed, 56, yearly=False)
    target = truth.iloc[3 * 365 :].to_numpy()
    error_with = np.abs(with_year["yhat"].to_numpy() - target).mean()
    error_without = np.abs(without["yhat"].to_numpy() - target).mean()
    assert error_with < 3.0 < error_without
    assert SalesForecaster().fit(observed).uses_yearly_  # auto: three years of history


def test_discounted_harmonic_follows_a_level_shift() -> None:
    observed, _ = synthetic(5, n=364, noise=2.0)
    shifted = observed.copy()
    shifted.iloc[-84:] += 100.0  # the level jumps 12 weeks before the end
    flat = forecast_series(shifted, 7)["yhat"].mean()
    discounted = forecast_series(shifted, 7, trend_halflife=14)["yhat"].mean()
    level = 200 + 0.05 * 367.5 + WEEKLY_PATTERN.mean() + 100
    assert abs(discounted - level) < 8.0
    assert abs(flat - level) > 3 * abs(discounted - level)  # equal weights lag the jump


def test_seasonal_naive_by_hand() -> None:
    ds = pd.date_range("2024-01-01", periods=14, freq="D", tz="UTC")
    values = np.array([1.0, 2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7, 8])
    model = SalesForecaster("seasonal_naive").fit(pd.Series(values, ds))
    forecast = model.predict(9)
    assert forecast["yhat"].tolist() == [2.0, 3, 4, 5, 6, 7, 8, 2, 3]
    # Residuals y_t - y_{t-7} are all 1: sigma = 1; the second season's sd is sqrt(2).
    z = 1.959963984540054
    width = (forecast["yhat_upper_95"] - forecast["yhat"]).to_numpy()
    np.testing.assert_allclose(width[:7], z)
    np.testing.assert_allclose(width[7:], z * np.sqrt(2))


def test_ets_model_forecasts_with_intervals() -> None:
    observed, truth = synthetic(1, n=119, noise=5.0)
    forecast = forecast_series(observed, 14, model="ets")
    naive = forecast_series(observed, 14, model="seasonal_naive")
    target = truth.iloc[119:133].to_numpy()
    assert np.abs(forecast["yhat"] - target).mean() < np.abs(naive["yhat"] - target).mean()
    assert (forecast["yhat_lower_95"] <= forecast["yhat_lower_80"]).all()
    assert (forecast["yhat_upper_80"] <= forecast["yhat_upper_95"]).all()


def test_weekly_frequency_and_clipping_at_zero() -> None:
    ds = pd.date_range("2024-01-01", periods=30, freq="7D", tz="UTC")
    values = np.maximum(0.0, 50.0 - 2.0 * np.arange(30))  # falls to 0 and stays there
    forecast = forecast_series(pd.Series(values, ds), 8, freq="W")
    assert forecast["ds"].iloc[0] == ds[-1] + pd.Timedelta(days=7)
    assert (forecast.drop(columns="ds").to_numpy() >= 0.0).all()


def test_forecaster_conventions_and_errors() -> None:
    forecaster = SalesForecaster("harmonic", "D", trend_halflife=30.0, level=(90,))
    assert forecaster.trend_halflife == 30.0 and forecaster.level == (90,)
    with pytest.raises(NotFittedError):
        forecaster.predict(3)
    observed, _ = synthetic(2, n=60)
    assert forecaster.fit(observed) is forecaster
    assert list(forecaster.predict(2).columns) == ["ds", "yhat", "yhat_lower_90", "yhat_upper_90"]
    with pytest.raises(ConfigError, match="horizon"):
        forecaster.predict(0)
    with pytest.raises(ConfigError, match="model"):
        SalesForecaster("prophet").fit(observed)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="level"):
        SalesForecaster(level=(120,)).fit(observed)
    with pytest.raises(SchemaError, match="regular"):
        SalesForecaster().fit(observed.drop(observed.index[10]))
    with pytest.raises(SchemaError, match="at least"):
        SalesForecaster().fit(observed.iloc[:10])
    with pytest.raises(SchemaError, match="too short"):
        backtest(observed, 28, folds=3)


def test_forecaster_clone_refit_and_pickle() -> None:
    import pickle

    from sklearn.base import clone

    observed, _ = synthetic(4, n=120)
    model = SalesForecaster("harmonic", trend_halflife=60.0).fit(observed)
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "n_periods_")
    first = model.predict(7)
    pd.testing.assert_frame_equal(twin.fit(observed).predict(7), first)
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(model)).predict(7), first)
    assert model.set_params(trend_halflife=None) is model and model.trend_halflife is None
    with pytest.raises(ConfigError, match="unknown"):
        model.set_params(alpha=1)


def test_forecast_metrics_by_hand() -> None:
    actual = np.array([10.0, 0.0, 20.0, 40.0])
    predicted = np.array([12.0, 0.0, 15.0, 40.0])
    low, high = predicted - 3.0, predicted + 3.0
    metrics = forecast_metrics(actual, predicted, scale=2.0, intervals={80.0: (low, high)})
    assert metrics["mae"] == pytest.approx(7.0 / 4)
    assert metrics["rmse"] == pytest.approx(np.sqrt((4 + 0 + 25 + 0) / 4))
    assert metrics["mape"] == pytest.approx((0.2 + 0.25 + 0.0) / 3 * 100)  # the zero actual is skipped
    assert metrics["smape"] == pytest.approx((4 / 22 + 0 + 10 / 35 + 0) / 4 * 100)  # 0/0 counts as 0
    assert metrics["mase"] == pytest.approx(7.0 / 8)
    assert metrics["coverage_80"] == 0.75  # 20 is outside [12, 18]


# -- pipeline step and CLI ----------------------------------------------------------------------------


def test_forecast_step_and_cli_on_the_demo_world(
    core_workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    check_forecast_step(core_workspace)
    check_forecast_cli(core_workspace, capsys)


def check_forecast_step(core_workspace: Workspace) -> None:
    params = {"forecast": {"by": ["total", "category"], "top_n": 3, "measures": ["revenue"]}}
    runs = run_steps(core_workspace, ["forecast"], params=params)
    result = runs[-1].result
    assert result is not None
    engine = core_workspace.engine
    forecast = engine.read_pandas("mart.forecast")
    assert sorted(forecast["series"].unique()) == [
        "category=clothing",
        "category=electronics",
        "category=shoes",
        "total",
    ]
    assert (forecast.groupby("series").size() == 28).all()
    orders = engine.read_pandas("core.orders")
    last_day = pd.to_datetime(orders["ordered_at"], utc=True).max().floor("D")
    assert forecast["ds"].min() == last_day + pd.Timedelta(days=1)
    ordered = forecast[
        ["yhat_lower_95", "yhat_lower_80", "yhat", "yhat_upper_80", "yhat_upper_95"]
    ].to_numpy()
    assert (np.diff(ordered, axis=1) >= -1e-9).all()
    # The total's forecast level is close to the recent daily revenue (the demo has no seasonality).
    recent = sales_series(orders)["total"].iloc[-56:].mean()
    total = forecast.loc[forecast["series"] == "total", "yhat"].mean()
    assert 0.7 * recent < total < 1.3 * recent
    scores = engine.read_pandas("mart.forecast_backtest")
    total_scores = scores[scores["series"] == "total"].set_index("metric")
    assert total_scores.loc["mase", "model"] < total_scores.loc["mase", "baseline"]
    assert total_scores.loc["mase", "baseline_name"] == "seasonal_naive_7"
    assert 0.6 <= total_scores.loc["coverage_95", "model"] <= 1.0
    assert result.figures["series"] == 4 and len(result.charts) == 2
    assert result.charts[0]["layer"][2]["mark"] == "line"
    runs_table = engine.read_pandas("meta.runs")
    assert "forecast" in set(runs_table["step"])


def check_forecast_cli(core_workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    from aimass.cli.main import main

    root = str(core_workspace.root)
    core_workspace.close()
    code = main(
        ["analyze", "forecast", "-w", root, "--by", "total", "--measure", "units", "--freq", "W", "--json"]
    )
    assert code == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["tables"]["mart.forecast"] == 8  # one series, 8 weeks
    assert {row["metric"] for row in outcome["preview"]} <= {"mae", "rmse", "mape", "smape", "mase"} | {
        "coverage_80",
        "coverage_95",
    }
    assert main(["analyze", "forecast", "-w", root, "--model", "prophet"]) == 1
    assert Path(root, "aimass.toml").exists()
