"""The front door on the demo world: it beats popularity and follows the segments' tastes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from aimass.recommend import Recommender, ranking_metrics, split_interactions
from aimass.recommend._selection import RECENCY_OPTIONS


@pytest.fixture(scope="module")
def interactions(demo_log: pd.DataFrame) -> pd.DataFrame:
    return demo_log


@pytest.fixture(scope="module")
def split(interactions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return split_interactions(interactions, "last_n", n=1)


def _ndcg(rec: Recommender, test: pd.DataFrame) -> float:
    recs = rec.recommend(test["customer_id"].unique(), n=10)
    return ranking_metrics(recs, test[["customer_id", "product_id"]], k=10)["ndcg"]


@pytest.mark.slow
def test_engine_beats_popularity_on_a_last_item_split(
    split: tuple[pd.DataFrame, pd.DataFrame], demo_world: Any
) -> None:
    train, test = split
    popular = _ndcg(Recommender("popular").fit(train), test)
    engine = _ndcg(Recommender("itemknn", similarity="bm25").fit(train, products=demo_world.products), test)
    assert engine > 1.5 * popular
    assert engine > 0.012  # 0.019 on this world; popularity 0.008


@pytest.mark.slow
def test_customers_get_their_segments_favourite_categories(
    interactions: pd.DataFrame, demo_world: Any
) -> None:
    rec = Recommender("itemknn", similarity="bm25").fit(interactions, products=demo_world.products)
    recs = rec.recommend(n=10).merge(demo_world.truth.segments, on="customer_id")
    recs["category"] = recs["product_id"].map(demo_world.products.set_index("product_id")["category"])
    popular = (
        Recommender("popular")
        .fit(interactions)
        .recommend(n=10)
        .merge(demo_world.truth.segments, on="customer_id")
    )
    popular["category"] = popular["product_id"].map(demo_world.products.set_index("product_id")["category"])
    for segment, spec in demo_world.truth.params["segments"].items():
        preference = spec["category_preference"]
        ranked = sorted(preference, key=lambda c: -preference[c])
        favourites = ranked[: next(k for k in range(1, 9) if sum(preference[c] for c in ranked[:k]) >= 0.6)]
        share = recs.loc[recs["segment"] == segment, "category"].isin(favourites).mean()
        baseline = popular.loc[popular["segment"] == segment, "category"].isin(favourites).mean()
        assert share > 0.6, (segment, favourites, share)
        assert share > baseline + 0.25, (segment, share, baseline)


@pytest.mark.slow
def test_auto_tunes_compares_and_keeps_the_best(
    split: tuple[pd.DataFrame, pd.DataFrame], demo_world: Any
) -> None:
    train, test = split
    grid = {"popular": [{"by_segment": False}], "itemknn": [{"k": 50}, {"k": 100, "similarity": "bm25"}]}
    train = train[train["customer_id"].isin(train["customer_id"].unique()[:1500])]
    test = test[test["customer_id"].isin(train["customer_id"])]
    rec = Recommender("auto", candidates=("popular", "itemknn"), grid=grid, validation_users=200)
    rec.fit(train, products=demo_world.products)
    table = rec.selection_["table"]
    # popular once, each item-kNN grid point with every recency option, and the learned blend
    assert len(table) == 1 + 2 * len(RECENCY_OPTIONS) + 1
    assert set(table["model"]) == {"popular", "itemknn", "hybrid"}
    assert rec.selection_["model"] == rec.model_name_ == table["model"].iloc[0]
    assert rec.selection_["score"] == pytest.approx(table["ndcg"].max())
    assert rec.model_name_ != "popular"
    assert _ndcg(rec, test) > 1.5 * _ndcg(Recommender("popular").fit(train), test)
    hybrid = table[table["model"] == "hybrid"]["params"].iloc[0]
    assert '"weights"' in hybrid


def test_output_shape_order_and_types(interactions: pd.DataFrame) -> None:
    sample = interactions[interactions["customer_id"].isin(interactions["customer_id"].unique()[:200])]
    rec = Recommender("ease", l2=100.0).fit(sample)
    wanted = [rec.user_ids_[5], "nobody", rec.user_ids_[0]]
    out = rec.recommend(wanted, n=4)
    assert list(out.columns) == ["customer_id", "product_id", "score", "rank"]
    assert out["customer_id"].tolist() == [wanted[0]] * 4 + ["nobody"] * 4 + [wanted[2]] * 4
    assert out["rank"].tolist() == [1, 2, 3, 4] * 3
    assert out["score"].dtype == np.float64 and out["rank"].dtype == np.int64
    first = out[out["customer_id"] == wanted[0]]
    assert first["score"].is_monotonic_decreasing
    assert len(rec.recommend(n=2)) == 2 * len(rec.user_ids_)
    similar = rec.similar_items(rec.item_ids_[:3], n=5)
    assert list(similar.columns) == ["product_id", "similar_product_id", "score", "rank"]
    assert (similar["product_id"] != similar["similar_product_id"]).all()


def test_hybrid_learns_weights_on_validation_data(interactions: pd.DataFrame) -> None:
    sample = interactions[interactions["customer_id"].isin(interactions["customer_id"].unique()[:600])]
    rec = Recommender("hybrid", components=("itemknn", "popular"), validation_users=300).fit(sample)
    weights = rec.params_["weights"]
    assert len(weights) == 2 and sum(weights) == pytest.approx(1.0)
    table = rec.selection_["table"]
    assert table["model"].tolist() == ["itemknn", "popular", "hybrid"]
    assert table["ndcg"].iloc[-1] >= table["ndcg"].iloc[:2].max() - 0.002  # the grid holds both corners
