"""The evaluation harness on tiny logs with hand-computed answers, using small local estimators."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aimass.exceptions import ConfigError
from aimass.recommend._evaluate import evaluate, evaluation_rows


class Popular:
    """Most customers first (ties by product id); skips the customer's own training items."""

    def __init__(self, shift: int = 0) -> None:
        self.shift = shift

    def get_params(self) -> dict[str, Any]:
        return {"shift": self.shift}

    def fit(self, interactions: pd.DataFrame) -> Popular:
        pairs = interactions[["customer_id", "product_id"]].drop_duplicates()
        counts = pairs.groupby("product_id").size()
        self.order_ = sorted(counts.index, key=lambda p: (-counts[p], p))
        self.seen_ = pairs.groupby("customer_id")["product_id"].agg(set).to_dict()
        return self

    def recommend(
        self, customer_ids: Any, n: int = 10, filter_seen: bool = True, items: Any = None
    ) -> pd.DataFrame:
        rows = []
        for customer in customer_ids:
            seen = self.seen_.get(customer, set()) if filter_seen else set()
            ranked = [p for p in self.order_ if p not in seen][:n]
            rows += [(customer, p, float(n - r), r + 1) for r, p in enumerate(ranked)]
        return pd.DataFrame(rows, columns=["customer_id", "product_id", "score", "rank"])


class Nothing(Popular):
    """Recommends nothing at all."""

    def recommend(
        self, customer_ids: Any, n: int = 10, filter_seen: bool = True, items: Any = None
    ) -> pd.DataFrame:
        return pd.DataFrame(columns=["customer_id", "product_id", "score", "rank"])


class Oracle(Popular):
    """Knows the answers: ranks the given pairs first (or last, with ``worst=True``)."""

    def __init__(self, answers: set[tuple[str, str]], worst: bool = False) -> None:
        self.answers = answers
        self.worst = worst

    def get_params(self) -> dict[str, Any]:
        return {"worst": self.worst}

    def recommend(
        self, customer_ids: Any, n: int = 10, filter_seen: bool = True, items: Any = None
    ) -> pd.DataFrame:
        rows = []
        for customer in customer_ids:
            seen = self.seen_.get(customer, set()) if filter_seen else set()
            ranked = sorted(
                (p for p in self.order_ if p not in seen),
                key=lambda p: ((customer, p) in self.answers) == self.worst,
            )[:n]
            rows += [(customer, p, float(n - r), r + 1) for r, p in enumerate(ranked)]
        return pd.DataFrame(rows, columns=["customer_id", "product_id", "score", "rank"])


def _log() -> pd.DataFrame:
    rows = [
        ("a", "p1", 1), ("a", "p2", 2), ("a", "p3", 3),
        ("b", "p1", 1), ("b", "p3", 2), ("b", "p2", 5),
        ("c", "p1", 1), ("c", "p4", 3),
        ("d", "p2", 1),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["customer_id", "product_id", "day"])
    frame["occurred_at"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(frame.pop("day"), unit="D")
    return frame


def test_table_values_by_hand() -> None:
    result = evaluate(_log(), {"pop": Popular(), "none": Nothing()}, split="last_n", k=2)
    # test: a->p3, b->p2, c->p4 (d has one interaction); train popularity p1 3, p2 2, p3 1.
    assert (result.k, result.split, result.n_train, result.n_test, result.n_customers) == (
        2,
        "last_n",
        6,
        3,
        3,
    )
    assert list(result.table.columns) == [
        "model", "params", "ndcg@2", "recall@2", "precision@2", "map@2", "hit_rate@2", "mrr@2",
        "coverage", "novelty", "popularity_bias", "fit_seconds", "recommend_seconds", "customers_per_second",
    ]  # fmt: skip
    assert result.table["model"].tolist() == ["pop", "none"]  # best NDCG first
    pop = result.table.iloc[0]
    # a gets [p3] (hit), b gets [p2] (hit), c gets [p2, p3] (misses p4, unknown in training)
    assert pop["ndcg@2"] == pytest.approx(2 / 3)
    assert pop["recall@2"] == pytest.approx(2 / 3)
    assert pop["precision@2"] == pytest.approx((0.5 + 0.5 + 0) / 3)
    assert pop["map@2"] == pytest.approx(2 / 3)
    assert pop["mrr@2"] == pytest.approx(2 / 3)
    assert pop["coverage"] == pytest.approx(2 / 3)  # {p2, p3} of {p1, p2, p3}
    # novelty: p3 share 1/6, p2 share 2/6 of 6 customer-product pairs; rows p3, p2, p2, p3
    assert pop["novelty"] == pytest.approx((2 * math.log2(6) + 2 * math.log2(3)) / 4)
    assert pop["popularity_bias"] == pytest.approx((1 / 3 + 2 / 3 + 2 / 3 + 1 / 3) / 4)
    assert json.loads(pop["params"]) == {"shift": 0}
    assert pop["fit_seconds"] >= 0 and pop["customers_per_second"] > 0
    none = result.table.iloc[1]
    assert none["ndcg@2"] == 0.0 and none["coverage"] == 0.0
    assert not any(c.startswith("sampled_") for c in result.table.columns)


def test_per_segment_breakdown() -> None:
    segments = pd.DataFrame({"customer_id": ["a", "b"], "segment": ["x", "y"]})
    result = evaluate(_log(), {"pop": Popular()}, k=2, segments=segments)
    per = result.per_segment.set_index("segment")
    assert list(result.per_segment.columns[:3]) == ["model", "segment", "n_customers"]
    assert per["n_customers"].to_dict() == {"(none)": 1, "x": 1, "y": 1}
    assert per.loc["x", "ndcg@2"] == pytest.approx(1.0)
    assert per.loc["(none)", "ndcg@2"] == pytest.approx(0.0)  # c has no segment
    assert evaluate(_log(), {"pop": Popular()}, k=2).per_segment.empty


def test_filter_seen_false_keeps_repeat_purchases() -> None:
    log = pd.concat([_log(), _log().iloc[[0]].assign(occurred_at=pd.Timestamp("2024-02-01", tz="UTC"))])
    # a's last interaction is now a repeat of p1
    kept = evaluate(log, {"pop": Popular()}, k=2, filter_seen=False)
    dropped = evaluate(log, {"pop": Popular()}, k=2, filter_seen=True)
    assert kept.n_test == 3 and dropped.n_test == 2
    # without filtering, everyone gets [p1, p2]: a's p1 hit at rank 1, b's p2 at rank 2, c misses
    assert kept.table.loc[0, "ndcg@2"] == pytest.approx((1 + 1 / math.log2(3)) / 3)


def test_sampled_metrics_only_when_asked_and_labelled() -> None:
    rng = np.random.default_rng(1)
    rows = [
        (f"c{c}", f"p{p}", day)
        for c in range(40)
        for day, p in enumerate(rng.choice(60, size=6, replace=False))
    ]
    log = pd.DataFrame(rows, columns=["customer_id", "product_id", "day"])
    log["occurred_at"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(log.pop("day"), unit="D")
    last = log.sort_values("occurred_at").groupby("customer_id").tail(1)
    answers = set(zip(last.customer_id, last.product_id, strict=True))
    result = evaluate(
        log,
        {"oracle": Oracle(answers), "anti": Oracle(answers, worst=True), "pop": Popular()},
        k=5,
        sampled_negatives=20,
    )
    table = result.table.set_index("model")
    assert {"sampled_hit_rate@5", "sampled_ndcg@5"} <= set(table.columns)
    # a held-out product never seen in training cannot be ranked: it counts as a miss
    in_training = last["product_id"].isin(log.drop(last.index)["product_id"]).mean()
    assert 0.5 < in_training < 1.0
    assert table.loc["oracle", "sampled_hit_rate@5"] == pytest.approx(in_training)
    assert table.loc["oracle", "sampled_ndcg@5"] == pytest.approx(in_training)
    assert table.loc["oracle", "ndcg@5"] == pytest.approx(in_training)
    # ranked after every negative: sampled rank 21 > 5
    assert table.loc["anti", "sampled_hit_rate@5"] == 0.0
    # sampling makes the task easier: never below the full-ranking hit rate
    assert table.loc["pop", "sampled_hit_rate@5"] >= table.loc["pop", "hit_rate@5"]
    rows_out = evaluation_rows(result)
    assert {"sampled_hit_rate", "sampled_ndcg", "sampled_negatives", "ndcg", "k", "split"} <= set(
        rows_out.columns
    )
    with pytest.raises(ConfigError, match="sampled_negatives"):
        evaluate(log, {"pop": Popular()}, sampled_negatives=59)


def test_to_dict_and_chart() -> None:
    result = evaluate(_log(), {"pop": Popular(), "none": Nothing()}, k=2)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["k"] == 2 and [r["model"] for r in data["table"]] == ["pop", "none"]
    chart = data["chart"]
    assert chart["mark"]["type"] == "bar" and chart["encoding"]["y"]["field"] == "ndcg"
    assert [v["ndcg"] for v in chart["data"]["values"]] == pytest.approx([2 / 3, 0.0])


class CountingPopular(Popular):
    """Popular that counts its recommend calls."""

    calls = 0

    def recommend(
        self, customer_ids: Any, n: int = 10, filter_seen: bool = True, items: Any = None
    ) -> pd.DataFrame:
        type(self).calls += 1
        return super().recommend(customer_ids, n=n, filter_seen=filter_seen, items=items)


def test_timing_repeats_add_the_warm_rate() -> None:
    CountingPopular.calls = 0
    result = evaluate(_log(), {"pop": CountingPopular()}, split="last_n", k=2, timing_repeats=3)
    assert CountingPopular.calls == 1 + 3  # the scored call, then three timed ones
    assert result.table.columns[-1] == "warm_customers_per_second"
    assert result.table["warm_customers_per_second"].iloc[0] > 0
    plain = evaluate(_log(), {"pop": Popular()}, split="last_n", k=2)
    assert "warm_customers_per_second" not in plain.table.columns


def test_bad_arguments() -> None:
    for bad in (-1, 1.5, True):
        with pytest.raises(ConfigError, match="timing_repeats"):
            evaluate(_log(), {"pop": Popular()}, timing_repeats=bad)
    with pytest.raises(ConfigError, match="empty"):
        evaluate(_log(), {})
    with pytest.raises(ConfigError, match="k=0"):
        evaluate(_log(), {"pop": Popular()}, k=0)
    with pytest.raises(ConfigError, match="expected a model name"):
        evaluate(_log(), {"pop": 42})
    with pytest.raises(ConfigError, match="allowed"):
        evaluate(_log(), {"pop": Popular()}, split="weekly")
    with pytest.raises(ConfigError, match="no held-out"):
        evaluate(_log(), {"pop": Popular()}, split="last_n", n=5)
