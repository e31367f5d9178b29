"""Ranking metrics against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from aimass.exceptions import ConfigError, SchemaError
from aimass.recommend._metrics import per_customer_metrics, ranking_metrics

L3 = 1 / math.log2(3)  # discount of rank 2
L4 = 1 / math.log2(4)  # discount of rank 3 (= 0.5)


def _recs() -> pd.DataFrame:
    rows = [
        ("a", "x", 1), ("a", "y", 2), ("a", "z", 3), ("a", "w", 4),  # rank 4 > k: ignored
        ("b", "x", 1), ("b", "w", 2), ("b", "v", 3),
        ("c", "y", 1), ("c", "z", 2), ("c", "u", 3),
        ("d", "x", 1),  # d has no relevant item: not in the accuracy averages
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["customer_id", "product_id", "rank"])


def _relevant() -> pd.DataFrame:
    rows = [("a", "y"), ("a", "w"), ("b", "x"), ("b", "v"), ("b", "x"), ("c", "q"), ("e", "x")]
    return pd.DataFrame(rows, columns=["customer_id", "product_id"])


POPULARITY = pd.Series({"x": 4, "y": 2, "z": 1, "w": 1})
CATALOG = ["x", "y", "z", "w", "v", "u", "q", "r"]


def test_per_customer_values_by_hand() -> None:
    per = per_customer_metrics(_recs(), _relevant(), k=3).set_index("customer_id")
    assert list(per.index) == ["a", "b", "c", "e"]
    assert per["n_relevant"].tolist() == [2, 2, 1, 1]
    assert per["n_hits"].tolist() == [1, 2, 0, 0]
    # a: one hit (y) at rank 2 of 2 relevant.
    assert per.loc["a", "precision"] == pytest.approx(1 / 3)
    assert per.loc["a", "recall"] == pytest.approx(0.5)
    assert per.loc["a", "ndcg"] == pytest.approx(L3 / (1 + L3))  # 0.386853
    assert per.loc["a", "map"] == pytest.approx((1 / 2) / 2)  # precision@2 over min(2, 3)
    assert per.loc["a", "mrr"] == pytest.approx(0.5)
    # b: hits x at rank 1 and v at rank 3.
    assert per.loc["b", "precision"] == pytest.approx(2 / 3)
    assert per.loc["b", "recall"] == pytest.approx(1.0)
    assert per.loc["b", "ndcg"] == pytest.approx((1 + L4) / (1 + L3))  # 0.919721
    assert per.loc["b", "map"] == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert per.loc["b", "mrr"] == pytest.approx(1.0)
    assert per.loc["b", "hit_rate"] == 1.0
    # c: no hit; e: relevant items but no recommendations at all.
    for customer in ("c", "e"):
        assert (
            per.loc[customer, ["precision", "recall", "ndcg", "map", "hit_rate", "mrr"]].tolist() == [0.0] * 6
        )


def test_ranking_metrics_averages_and_beyond_accuracy() -> None:
    m = ranking_metrics(_recs(), _relevant(), k=3, catalog=CATALOG, item_popularity=POPULARITY)
    assert m["n_customers"] == 4
    assert m["precision"] == pytest.approx((1 / 3 + 2 / 3) / 4)  # 0.25
    assert m["recall"] == pytest.approx((0.5 + 1.0) / 4)  # 0.375
    assert m["ndcg"] == pytest.approx((L3 / (1 + L3) + (1 + L4) / (1 + L3)) / 4)  # 0.326643
    assert m["map"] == pytest.approx((0.25 + 5 / 6) / 4)  # 0.270833
    assert m["hit_rate"] == pytest.approx(0.5)
    assert m["mrr"] == pytest.approx(0.375)
    # 6 distinct items (x y z w v u) recommended at rank <= 3, out of 8.
    assert m["coverage"] == pytest.approx(0.75)
    # shares: x 4/8 -> 1 bit, y 2/8 -> 2, z and w 1/8 -> 3, unknown v, u count as 1/8 -> 3;
    # rows x y z | x w v | y z u | x  -> (1+2+3+1+3+3+2+3+3+1) / 10
    assert m["novelty"] == pytest.approx(2.2)
    # percentiles: x 1.0, y 0.75, z = w = 0.375 (tied ranks 1 and 2 of 4), unknown 0.
    assert m["popularity_bias"] == pytest.approx(
        (1 + 0.75 + 0.375 + 1 + 0.375 + 0 + 0.75 + 0.375 + 0 + 1) / 10
    )


def test_perfect_list_longer_truth_scores_one() -> None:
    recs = pd.DataFrame({"customer_id": ["a", "a"], "product_id": ["x", "y"], "rank": [1, 2]})
    truth = pd.DataFrame({"customer_id": ["a"] * 3, "product_id": ["x", "y", "z"]})
    m = ranking_metrics(recs, truth, k=2)
    assert m["ndcg"] == pytest.approx(1.0)  # ideal DCG over min(3, 2) = 2 positions
    assert m["map"] == pytest.approx(1.0)  # normalized by min(3, 2)
    assert m["recall"] == pytest.approx(2 / 3)
    assert math.isnan(m["coverage"]) and math.isnan(m["novelty"])


def test_per_customer_popularity_columns() -> None:
    per = per_customer_metrics(_recs(), _relevant(), k=3, item_popularity=POPULARITY).set_index("customer_id")
    assert per.loc["a", "novelty"] == pytest.approx((1 + 2 + 3) / 3)
    assert per.loc["b", "popularity_bias"] == pytest.approx((1 + 0.375 + 0) / 3)
    assert np.isnan(per.loc["e", "novelty"])


def test_k_one_and_duplicate_recommendations() -> None:
    recs = pd.DataFrame({"customer_id": ["a", "a", "a"], "product_id": ["y", "y", "x"], "rank": [1, 2, 3]})
    truth = pd.DataFrame({"customer_id": ["a"], "product_id": ["x"]})
    assert ranking_metrics(recs, truth, k=1)["hit_rate"] == 0.0
    # the repeated y counts once (at rank 1), so x's hit is at its own rank 3
    assert ranking_metrics(recs, truth, k=3)["mrr"] == pytest.approx(1 / 3)


def test_bad_inputs() -> None:
    with pytest.raises(SchemaError, match="rank"):
        ranking_metrics(_recs().drop(columns="rank"), _relevant())
    with pytest.raises(SchemaError, match="product_id"):
        ranking_metrics(_recs(), _relevant().drop(columns="product_id"))
    with pytest.raises(ConfigError, match="k=0"):
        ranking_metrics(_recs(), _relevant(), k=0)
    with pytest.raises(ConfigError, match="non-negative"):
        ranking_metrics(_recs(), _relevant(), item_popularity=pd.Series({"x": -1}))


def test_vectorized_on_many_customers_matches_loop() -> None:
    rng = np.random.default_rng(0)
    n_customers, n_items, k = 300, 40, 5
    recs = pd.DataFrame(
        [
            (f"c{c}", f"i{i}", r + 1)
            for c in range(n_customers)
            for r, i in enumerate(rng.permutation(n_items)[:k])
        ],
        columns=["customer_id", "product_id", "rank"],
    )
    truth = pd.DataFrame(
        [
            (f"c{c}", f"i{i}")
            for c in range(n_customers)
            for i in rng.choice(n_items, rng.integers(1, 6), replace=False)
        ],
        columns=["customer_id", "product_id"],
    )
    per = per_customer_metrics(recs, truth, k=k).set_index("customer_id")
    for customer in ["c0", "c17", "c299"]:
        ranked = recs.loc[recs.customer_id == customer].sort_values("rank")["product_id"].tolist()
        rel = set(truth.loc[truth.customer_id == customer, "product_id"])
        gains = [1 / math.log2(r + 2) for r, item in enumerate(ranked) if item in rel]
        ideal = sum(1 / math.log2(r + 2) for r in range(min(len(rel), k)))
        assert per.loc[customer, "ndcg"] == pytest.approx(sum(gains) / ideal)
        assert per.loc[customer, "recall"] == pytest.approx(len(gains) / len(rel))
