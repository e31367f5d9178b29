"""Churn: features without leakage, labels, the holdout on the demo world, reasons, propensity, step, CLI."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from aimass import Workspace
from aimass.analytics.churn import (
    ChurnModel,
    ChurnResult,
    PropensityResult,
    binary_report,
    calibration_curve,
    category_propensity,
    churn_features,
    churn_labels,
    churn_risk,
    lift_table,
    predict_churn,
    roc_auc,
)
from aimass.cli.main import main
from aimass.demo import DemoWorld
from aimass.exceptions import ConfigError, NotFittedError, SchemaError

REASON = re.compile(r"^[a-z0-9_]+=.+ \([+-]\d+\.\d{2}\)$")


def _orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["o1", "o1", "o2", "o3", "o4", "o5"],
            "customer_id": ["a", "a", "a", "b", "b", "c"],
            "product_id": ["p1", "p2", "p1", "p2", "p2", "p1"],
            "ordered_at": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-03-21", "2024-02-10", "2024-04-05", "2024-03-30"], utc=True
            ),
            "quantity": [1.0, 2.0, 1.0, 1.0, 1.0, 3.0],
            "unit_price": [10.0, 5.0, 10.0, 50.0, 50.0, 10.0],
            "discount": [0.0, 0.0, 5.0, 0.0, 0.0, 0.0],
            "coupon_id": [None, None, "C1", None, None, None],
            "channel": ["app", "app", "store", "app", "app", "online"],
        }
    )


def test_features_by_hand() -> None:
    products = pd.DataFrame({"product_id": ["p1", "p2"], "category": ["food", "toys"]})
    features = churn_features(_orders(), cutoff="2024-04-01", products=products, windows=(30, 90))
    a = features.loc["a"]
    # a: orders o1 (2024-01-01, 20.0) and o2 (2024-03-21, 10 - 5 = 5.0); cut-off 2024-04-01
    assert a["recency_days"] == 11.0 and a["tenure_days"] == 91.0 and a["frequency"] == 2
    assert a["monetary"] == 25.0 and a["avg_order_value"] == 12.5
    assert a["orders_30d"] == 1.0 and a["spend_30d"] == 5.0 and a["orders_90d"] == 1.0
    assert a["mean_gap_days"] == 80.0 and a["recency_over_gap"] == pytest.approx(11 / 80)
    assert a["discount_share"] == pytest.approx(5 / 30) and a["coupon_share"] == 0.5
    assert a["items_per_order"] == 2.0 and a["main_channel"] == "app"
    # spend: food = 10 + 5 = 15 of 25, toys = 10 of 25
    assert a["share_food"] == pytest.approx(0.6) and a["share_toys"] == pytest.approx(0.4)
    assert list(features.index) == ["a", "b", "c"]  # b's order of 2024-04-05 is after the cut-off
    assert features.loc["b", "frequency"] == 1 and features.loc["c", "items_per_order"] == 3.0
    labels = churn_labels(_orders(), cutoff="2024-04-01", horizon_days=30)
    assert labels.to_dict() == {"a": 1, "b": 0, "c": 1}


def test_events_and_customers_features() -> None:
    events = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", None, "b"],
            "event_type": ["view", "add_to_cart", "view", "view", "search"],
            "occurred_at": pd.to_datetime(
                ["2024-03-25", "2024-03-26", "2024-04-02", "2024-03-30", "2023-12-01"], utc=True
            ),
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "signup_at": pd.to_datetime(["2023-12-01", "2024-05-01", None], utc=True),
            "region": ["East", "West", None],
        }
    )
    features = churn_features(_orders(), cutoff="2024-04-01", events=events, customers=customers)
    assert features.loc["a", "views_30d"] == 1.0 and features.loc["a", "carts_30d"] == 1.0
    assert features.loc["a", "days_since_event"] == 6.0
    assert features.loc["b", "searches_180d"] == 1.0 and features.loc["c", "views_30d"] == 0.0
    assert features.loc["a", "signup_days"] == 122.0
    assert np.isnan(features.loc["b", "signup_days"])  # signed up after the cut-off: not known yet
    assert features.loc["b", "region"] == "West"


def test_no_leakage_after_the_cutoff(demo_world: DemoWorld) -> None:
    cutoff = demo_world.as_of - pd.Timedelta(days=90)
    orders, events = demo_world.orders.copy(), demo_world.events.copy()
    kwargs = {"products": demo_world.products, "customers": demo_world.customers}
    before = churn_features(orders, cutoff=cutoff, events=events, **kwargs)
    # rewrite the future: drop every later order, double the amounts of others, add events
    later = orders["ordered_at"] >= cutoff
    changed = orders[~later].copy()
    future = orders[later].copy()
    future["amount"] *= 2
    future["customer_id"] = changed["customer_id"].iloc[0]
    changed = pd.concat([changed, future.iloc[::2]])
    late_events = events[events["occurred_at"] >= cutoff].copy()
    late_events["event_type"] = "add_to_cart"
    changed_events = pd.concat([events[events["occurred_at"] < cutoff], late_events, late_events])
    after = churn_features(changed, cutoff=cutoff, events=changed_events, **kwargs)
    pd.testing.assert_frame_equal(before, after)
    assert later.sum() > 1_000  # the test did change a lot after the cut-off


@pytest.fixture(scope="module")
def churn_result(demo_world: DemoWorld) -> ChurnResult:
    w = demo_world
    return predict_churn(
        w.orders,
        as_of=w.as_of,
        events=w.events,
        products=w.products,
        customers=w.customers,
        tuning="none",
        learning_rate=0.1,
    )


def test_holdout_ranks_and_is_calibrated(churn_result: ChurnResult) -> None:
    metrics = churn_result.evaluation.metrics
    # measured on this world: ROC AUC 0.85, PR AUC 0.90, top-decile lift 1.6 (base rate 0.62)
    assert metrics["roc_auc"] >= 0.78
    assert metrics["pr_auc"] >= metrics["base_rate"] + 0.2
    assert metrics["lift_top_decile"] >= 1.4
    calibration = churn_result.evaluation.calibration
    gap = (calibration["mean_predicted"] - calibration["observed_rate"]).abs()
    assert gap.max() < 0.12 and (gap * calibration["n"]).sum() / calibration["n"].sum() < 0.05
    cutoffs = churn_result.cutoffs
    assert cutoffs["evaluate"] - cutoffs["train"] == pd.Timedelta(days=90)
    assert cutoffs["score"] - cutoffs["evaluate"] == pd.Timedelta(days=90)


def test_churn_probability_tracks_the_truth(churn_result: ChurnResult, demo_world: DemoWorld) -> None:
    scores = churn_result.scores
    latent = demo_world.truth.latent.set_index("customer_id")
    alive = latent["alive_at_as_of"].reindex(scores.index)
    assert len(scores) == demo_world.customers["customer_id"].isin(demo_world.orders["customer_id"]).sum()
    means = scores["churn_probability"].groupby(alive).mean()
    assert means[False] > means[True] + 0.2  # measured 0.83 against 0.52
    assert roc_auc((~alive).astype(int), scores["churn_probability"]) >= 0.78  # measured 0.85


def test_reasons_and_risk_tiers(churn_result: ChurnResult) -> None:
    scores = churn_result.scores
    assert list(scores.columns) == ["churn_probability", "churn_risk", "reason_1", "reason_2", "reason_3"]
    assert all(REASON.match(text) for text in scores[["reason_1", "reason_2", "reason_3"]].to_numpy().ravel())
    assert set(scores["churn_risk"]) == {"low", "medium", "high"}
    high = scores["churn_risk"] == "high"
    assert scores.loc[high, "churn_probability"].min() >= 0.7
    # long-inactive customers are high risk and recency is among their reasons
    stale = scores[scores["reason_1"].str.startswith(("recency_days=", "recency_over_gap="))]
    assert len(stale) > 100
    assert churn_risk(pd.Series([0.39, 0.4, 0.69, 0.7])).tolist() == ["low", "medium", "medium", "high"]


def test_churn_model_errors(demo_world: DemoWorld) -> None:
    cutoff = demo_world.as_of - pd.Timedelta(days=90)
    features = churn_features(demo_world.orders, cutoff=cutoff)
    with pytest.raises(NotFittedError):
        ChurnModel().predict_proba(features)
    with pytest.raises(SchemaError, match="labels lack"):
        ChurnModel().fit(features, pd.Series([1, 0], index=features.index[:2]))
    with pytest.raises(ConfigError, match="horizon_days"):
        ChurnModel(horizon_days=0).fit(features, pd.Series(1, index=features.index))
    with pytest.raises(ConfigError, match="labels after it would be incomplete"):
        predict_churn(
            demo_world.orders, as_of=demo_world.as_of, cutoff=demo_world.as_of - pd.Timedelta(days=30)
        )
    with pytest.raises(SchemaError, match="lack the columns"):
        churn_features(demo_world.orders.drop(columns=["ordered_at"]), cutoff=cutoff)


def test_metrics_by_hand() -> None:
    y = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0]
    p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
    # 3 positives, 7 negatives: 3*7 pairs, misordered: (0.7 > 0.6) once -> AUC = 20/21
    assert roc_auc(y, p) == pytest.approx(20 / 21)
    lift = lift_table(y, p, n_bins=5)
    assert lift["positives"].tolist() == [2, 1, 0, 0, 0]
    assert lift["lift"].iloc[0] == pytest.approx((2 / 2) / 0.3)
    assert lift["capture"].tolist() == pytest.approx([2 / 3, 1, 1, 1, 1])
    curve = calibration_curve(y, p, n_bins=5)
    assert curve["observed_rate"].tolist() == [0.0, 0.0, 0.0, 0.5, 1.0]
    report = binary_report(y, p)
    assert report["base_rate"] == 0.3 and report["brier"] == pytest.approx(np.mean((np.array(p) - y) ** 2))
    with pytest.raises(SchemaError, match="only the class"):
        roc_auc([1, 1], [0.2, 0.3])


@pytest.fixture(scope="module")
def propensity(demo_world: DemoWorld, churn_result: ChurnResult) -> PropensityResult:
    w = demo_world
    return category_propensity(
        w.orders,
        w.products,
        as_of=w.as_of,
        events=w.events,
        customers=w.customers,
        features=churn_result.features,
        history=churn_result.history,
    )


def test_category_propensity(propensity: PropensityResult, churn_result: ChurnResult) -> None:
    assert len(propensity.categories) == 8
    assert len(propensity.scores) == len(churn_result.scores) * 8
    assert propensity.scores["probability"].between(0, 1).all()
    # measured 0.87 over all pairs; every category ranks its buyers well above chance
    assert propensity.metrics["propensity_roc_auc"] >= 0.8
    per_category = [v for k, v in propensity.metrics.items() if k.startswith("propensity_roc_auc_")]
    assert len(per_category) == 8 and min(per_category) >= 0.7
    # a customer's propensity for a category rises with their past share of spend in it
    scores = propensity.scores.merge(
        churn_result.features[churn_result.cutoffs["score"]]
        .filter(like="share_")
        .stack()
        .rename("share")
        .rename_axis(["customer_id", "column"])
        .reset_index()
        .assign(category=lambda f: f["column"].str[6:]),
        on=["customer_id", "category"],
    )
    assert scores["probability"].corr(scores["share"], method="spearman") > 0.3


def test_step_and_cli(core_workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(core_workspace.root)
    core_workspace.close()
    assert main(["analyze", "churn", "-w", root, "--top-categories", "3", "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["figures"]["holdout_roc_auc"] >= 0.78
    assert outcome["tables"]["mart.propensity"] == outcome["tables"]["mart.churn"] * 3
    assert set(outcome["preview"][0]) == {
        "customer_id",
        "churn_probability",
        "churn_risk",
        "reason_1",
        "reason_2",
        "reason_3",
    }
    with Workspace.open(root) as ws:
        churn = ws.engine.read_pandas("mart.churn")
        evaluation = ws.engine.read_pandas("mart.churn_evaluation").set_index("metric")["value"]
        runs = ws.engine.read_pandas("meta.runs")
    assert churn["customer_id"].is_unique and churn["churn_probability"].between(0, 1).all()
    assert evaluation["roc_auc"] >= 0.78 and evaluation["horizon_days"] == 90
    assert "propensity_roc_auc" in evaluation.index
    assert (runs["step"] == "churn").sum() == 1 and runs.loc[runs["step"] == "churn", "status"].item() == "ok"
    assert main(["analyze", "churn", "-w", root, "--horizon", "0"]) == 1
    assert "horizon_days" in capsys.readouterr().err
