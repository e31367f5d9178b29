"""Behaviour features and the Segmenter: recovery of the demo world's five true segments, profiles, names."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score

from aimass import Workspace
from aimass.analytics.rfm import Segmenter, customer_features
from aimass.cli.main import main
from aimass.demo import DemoWorld
from aimass.exceptions import ConfigError, NotFittedError, SchemaError, StepError
from aimass.pipeline import run_steps


@pytest.fixture(scope="module")
def features(demo_world: DemoWorld) -> pd.DataFrame:
    return customer_features(demo_world.orders, demo_world.products)


@pytest.fixture(scope="module")
def truth(demo_world: DemoWorld, features: pd.DataFrame) -> pd.Series:
    return demo_world.truth.segments.set_index("customer_id")["segment"].loc[features.index]


@pytest.fixture(scope="module")
def auto_kmeans(features: pd.DataFrame) -> Segmenter:
    return Segmenter().fit(features)


# --- features -------------------------------------------------------------------------------------


def _tiny() -> tuple[pd.DataFrame, pd.DataFrame]:
    products = pd.DataFrame(
        {
            "product_id": ["p1", "p2", "p3"],
            "category": ["Home", "Home", "Sports"],
            "subcategory": ["lamps", "lamps", "balls"],
            "price": [10.0, 30.0, 5.0],
        }
    )
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o1", "o2", "o3"],
            "line_no": [1, 2, 1, 1],
            "customer_id": ["A", "A", "A", "B"],
            "product_id": ["p1", "p3", "p2", "p3"],
            "ordered_at": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-03-01", "2024-02-01"], utc=True),
            "quantity": [1.0, 1.0, 1.0, 2.0],
            "unit_price": [20.0, 5.0, 20.0, 10.0],
            "discount": [0.0, 1.0, 0.0, 0.0],
            "amount": [20.0, 4.0, 20.0, 20.0],
            "channel": ["store", "store", "app", "app"],
            "coupon_id": [None, None, "C1", None],
        }
    )
    return orders, products


def test_features_by_hand_without_smoothing() -> None:
    orders, products = _tiny()
    f = customer_features(orders, products, as_of="2024-03-11", prior_strength=0.0, min_share=0.0)
    a, b = f.loc["A"], f.loc["B"]
    assert a["recency_days"] == pytest.approx(10.0) and b["recency_days"] == pytest.approx(39.0)
    assert a["orders"] == 2 and b["orders"] == 1
    assert a["avg_order_value"] == pytest.approx(22.0) and b["avg_order_value"] == pytest.approx(20.0)
    assert a["lines_per_order"] == pytest.approx(1.5)
    # Reference = median list price of the subcategory: lamps 20, balls 5.
    # A: 20/20, 5/5, 20/20 -> 1.0; B: 10/5 -> 2.0.
    assert a["price_index"] == pytest.approx(1.0) and b["price_index"] == pytest.approx(2.0)
    assert a["discount_share"] == pytest.approx(1 / 3) and b["discount_share"] == 0.0
    assert a["coupon_share"] == pytest.approx(0.5) and b["coupon_share"] == 0.0
    assert a["category_home"] == pytest.approx(2 / 3) and a["category_sports"] == pytest.approx(1 / 3)
    assert b["category_sports"] == 1.0
    assert a["channel_store"] == pytest.approx(2 / 3) and b["channel_app"] == 1.0
    # Trend: A ordered twice in 70 days of history (window = whole history), B once in 39 -> ratio 1.
    assert a["recency_trend"] == pytest.approx(1.0) and b["recency_trend"] == pytest.approx(1.0)


def test_features_smoothing_and_trend_window() -> None:
    orders, products = _tiny()
    f = customer_features(
        orders, products, as_of="2024-03-11", prior_strength=1.0, min_share=0.0, trend_days=20
    )
    # B's sports share: mean raw share (1/3 + 1) / 2 = 2/3; (1 * 1 + 1 * 2/3) / (1 + 1) = 5/6.
    assert f.loc["B", "category_sports"] == pytest.approx(5 / 6)
    # B's price index: exp(log 2 * 1 / 2) = sqrt 2.
    assert f.loc["B", "price_index"] == pytest.approx(np.sqrt(2))
    # A: 1 order in the last 20 days (rate 1/20) vs 2 in 70 days -> 70 / 40; B: none in 20 days -> 0.
    assert f.loc["A", "recency_trend"] == pytest.approx(70 / 40)
    assert f.loc["B", "recency_trend"] == 0.0


def test_features_without_products_or_optional_columns() -> None:
    orders, _ = _tiny()
    f = customer_features(orders[["order_id", "customer_id", "ordered_at", "amount"]])
    assert list(f.columns) == [
        "recency_days",
        "orders",
        "avg_order_value",
        "lines_per_order",
        "recency_trend",
    ]
    with pytest.raises(SchemaError, match="customer_id"):
        customer_features(orders.drop(columns="customer_id"))
    with pytest.raises(ConfigError, match="not after the first order"):
        customer_features(orders, as_of="2023-01-01")
    with pytest.raises(SchemaError, match="empty"):
        customer_features(orders.iloc[0:0])


def test_demo_features_are_complete(features: pd.DataFrame) -> None:
    assert len(features) == 3_000 and features.index.is_unique
    assert np.isfinite(features.to_numpy()).all()
    categories = [c for c in features.columns if c.startswith("category_")]
    assert len(categories) == 8
    assert features[categories].sum(axis=1).to_numpy() == pytest.approx(1.0)
    # global_web (under 2% of lines) is pooled as channel_other.
    assert "channel_global_web" not in features.columns and "channel_store" in features.columns


# --- recovery of the true segments -----------------------------------------------------------------


def test_auto_kmeans_finds_five_segments_matching_the_truth(auto_kmeans: Segmenter, truth: pd.Series) -> None:
    assert auto_kmeans.n_segments_ == 5
    assert adjusted_rand_score(truth, auto_kmeans.labels_) >= 0.8
    selection = auto_kmeans.selection_.set_index("n_segments")["silhouette"]
    assert selection.index.tolist() == list(range(2, 9))
    assert selection.idxmax() == 5


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_given_k_matches_the_truth(features: pd.DataFrame, truth: pd.Series, method: str) -> None:
    segmenter = Segmenter(method, n_segments=5).fit(features)
    assert segmenter.selection_["n_segments"].tolist() == [5]
    assert adjusted_rand_score(truth, segmenter.labels_) >= 0.8


def test_auto_gmm_by_silhouette_and_bic(features: pd.DataFrame, truth: pd.Series) -> None:
    segmenter = Segmenter("gmm", min_segments=4, max_segments=6).fit(features)
    assert segmenter.n_segments_ == 5
    assert adjusted_rand_score(truth, segmenter.labels_) >= 0.8
    assert {"silhouette", "bic"} <= set(segmenter.selection_.columns)
    by_bic = Segmenter("gmm", criterion="bic", min_segments=3, max_segments=4).fit(features)
    bic = by_bic.selection_.set_index("n_segments")["bic"]
    assert by_bic.n_segments_ == bic.idxmin()


def test_profiles_say_what_sets_segments_apart(
    auto_kmeans: Segmenter, truth: pd.Series, features: pd.DataFrame
) -> None:
    profiles = auto_kmeans.profiles_
    assert profiles["segment_id"].tolist() == list(range(5))
    assert profiles["customers"].sum() == 3_000
    assert profiles["customers"].is_monotonic_decreasing  # ids ordered by size
    assert profiles["segment_name"].is_unique
    assert auto_kmeans.names_ == dict(zip(profiles["segment_id"], profiles["segment_name"], strict=True))
    labels = pd.Series(auto_kmeans.labels_, index=features.index)
    # The segment holding most tech enthusiasts is named and described by electronics.
    tech = int(labels[truth == "tech_enthusiasts"].mode().iloc[0])
    row = profiles.set_index("segment_id").loc[tech]
    assert "electronics" in row["segment_name"]
    assert row["top_features"].split(",")[0] == "category_electronics"
    assert "electronics share" in row["description"] and "overall" in row["description"]
    assert row["category_electronics"] > 3 * features["category_electronics"].mean()
    # Loyal families: grocery, store, frequent.
    families = int(labels[truth == "loyal_families"].mode().iloc[0])
    family_name = auto_kmeans.names_[families]
    assert "grocery" in family_name and "frequent" in family_name
    # Bargain hunters: discount-driven.
    bargain = int(labels[truth == "bargain_hunters"].mode().iloc[0])
    assert "discount-driven" in auto_kmeans.names_[bargain]
    scores = auto_kmeans.feature_scores_
    assert scores.shape == (5, features.shape[1])
    assert scores.loc[tech, "category_electronics"] > 1.5


def test_predict_clone_seed_and_pickle(auto_kmeans: Segmenter, features: pd.DataFrame) -> None:
    assert (auto_kmeans.predict(features) == auto_kmeans.labels_).all()
    subset = features.iloc[:100]
    assert (auto_kmeans.predict(subset) == auto_kmeans.labels_[:100]).all()
    copy = clone(auto_kmeans)
    assert copy.get_params() == auto_kmeans.get_params() and not hasattr(copy, "labels_")
    again = Segmenter(n_segments=5).fit(features)
    assert (again.labels_ == auto_kmeans.labels_).all()
    loaded = pickle.loads(pickle.dumps(auto_kmeans))
    assert (loaded.predict(subset) == auto_kmeans.labels_[:100]).all()
    with pytest.raises(SchemaError, match="columns"):
        auto_kmeans.predict(features.drop(columns="orders"))


def test_unfitted_and_bad_parameters(features: pd.DataFrame) -> None:
    with pytest.raises(NotFittedError, match="fit"):
        Segmenter().predict(features)
    small = features.iloc[:50]
    for kwargs, message in [
        ({"method": "dbscan"}, "method"),
        ({"n_segments": 0}, "n_segments"),
        ({"n_segments": "many"}, "n_segments"),
        ({"criterion": "bic"}, "gmm"),
        ({"min_segments": 5, "max_segments": 3}, "min_segments"),
        ({"n_segments": 60}, "60 segments of 50"),
        ({"log_features": ["nope"]}, "log_features"),
        ({"method": "gmm", "covariance_type": "round"}, "covariance_type"),
    ]:
        with pytest.raises(ConfigError, match=message):
            Segmenter(**kwargs).fit(small)
    with pytest.raises(SchemaError, match="no rows"):
        Segmenter().fit(features.iloc[0:0])
    with pytest.raises(SchemaError, match="missing or infinite"):
        Segmenter().fit(small.assign(orders=np.nan))
    with pytest.raises(ConfigError, match="no parameter"):
        Segmenter().set_params(k=3)


def test_plain_arrays_and_no_log(features: pd.DataFrame) -> None:
    x = np.r_[np.zeros((20, 2)), np.ones((20, 2)) * 10] + np.random.default_rng(0).normal(0, 0.1, (40, 2))
    segmenter = Segmenter(log_features=None, max_segments=4).fit(x)
    assert segmenter.n_segments_ == 2
    assert sorted(np.bincount(segmenter.labels_).tolist()) == [20, 20]
    assert segmenter.names_[0] != segmenter.names_[1]


# --- step and CLI ----------------------------------------------------------------------------------


def test_segments_step_and_cli(
    core_workspace: Workspace, demo_world: DemoWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = run_steps(core_workspace, ["segments"])
    result = runs[-1].result
    assert result is not None
    segments = core_workspace.engine.read_pandas("mart.segments")
    assert list(segments.columns) == ["customer_id", "segment_id", "segment_name"]
    assert len(segments) == 3_000 == result.tables["mart.segments"]
    truth = demo_world.truth.segments.set_index("customer_id")["segment"].loc[segments["customer_id"]]
    assert adjusted_rand_score(truth, segments["segment_id"]) >= 0.8
    profiles = core_workspace.engine.read_pandas("mart.segment_profiles")
    assert list(profiles.columns[:6]) == [
        "segment_id",
        "segment_name",
        "customers",
        "share",
        "description",
        "top_features",
    ]
    assert {"recency_days", "orders", "price_index", "category_grocery"} <= set(profiles.columns)
    assert result.figures["n_segments"] == 5 == len(profiles)
    assert len(result.figures["selection"]) == 7
    json.dumps(result.charts)
    assert len(result.charts) == 2
    with pytest.raises(StepError, match="nope"):
        run_steps(core_workspace, ["segments"], params={"segments": {"features": ["orders", "nope"]}})
    root = Path(core_workspace.root)
    core_workspace.close()
    capsys.readouterr()
    assert main(["analyze", "segments", "--workspace", str(root), "--n-segments", "3", "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["figures"]["n_segments"] == 3 and len(outcome["preview"]) == 3
    assert main(["analyze", "segments", "--workspace", str(root), "--method", "ward"]) == 1
    assert "method" in capsys.readouterr().err
