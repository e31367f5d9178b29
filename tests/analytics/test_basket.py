"""Frequent itemsets and association rules: hand-computed examples, a brute-force check, FIMI retail."""

from __future__ import annotations

import gzip
import math
from collections import Counter
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aimass.analytics.basket import (
    association_rules,
    baskets_from_orders,
    frequent_itemsets,
    min_count_for,
)
from aimass.exceptions import ConfigError, SchemaError

RETAIL = Path(__file__).resolve().parents[1] / "data" / "fimi-retail" / "retail.dat.gz"

# n = 5: s(a) = s(b) = 4/5, s(c) = 2/5, s(ab) = 3/5, s(ac) = 2/5, s(bc) = 1/5, s(abc) = 1/5.
HAND = [["a", "b"], ["a", "b", "c"], ["a", "c"], ["b"], ["a", "b"]]


def as_dict(itemsets: pd.DataFrame) -> dict[frozenset[object], tuple[float, int]]:
    return {
        frozenset(s): (float(p), int(c))
        for s, p, c in zip(itemsets["itemset"], itemsets["support"], itemsets["count"], strict=True)
    }


def rule_index(rules: pd.DataFrame) -> dict[tuple[frozenset[object], frozenset[object]], pd.Series]:
    return {(frozenset(row.antecedent), frozenset(row.consequent)): row for _, row in rules.iterrows()}


@pytest.fixture(scope="module")
def retail() -> list[list[int]]:
    with gzip.open(RETAIL, "rt") as handle:
        return [[int(item) for item in line.split()] for line in handle]


def test_itemsets_of_the_hand_example() -> None:
    found = frequent_itemsets(HAND, min_count=1)
    assert as_dict(found) == {
        frozenset("a"): (0.8, 4),
        frozenset("b"): (0.8, 4),
        frozenset("c"): (0.4, 2),
        frozenset("ab"): (0.6, 3),
        frozenset("ac"): (0.4, 2),
        frozenset("bc"): (0.2, 1),
        frozenset("abc"): (0.2, 1),
    }
    assert list(found.columns) == ["itemset", "support", "count"]
    assert found.attrs["n_baskets"] == 5
    assert found["count"].is_monotonic_decreasing
    assert all(isinstance(s, tuple) and list(s) == sorted(s) for s in found["itemset"])


def test_min_support_is_count_at_least_share_times_baskets() -> None:
    # 0.4 * 5 = 2 exactly: c (2 baskets) is frequent, bc (1 basket) is not.
    assert set(as_dict(frequent_itemsets(HAND, min_support=0.4))) == {
        frozenset(s) for s in ("a", "b", "c", "ab", "ac")
    }
    # 0.41 * 5 = 2.05: at least 3 baskets.
    assert set(as_dict(frequent_itemsets(HAND, min_support=0.41))) == {frozenset(s) for s in ("a", "b", "ab")}
    assert min_count_for(0.01, 300) == 3
    assert min_count_for(0.01, 88_162) == 882
    assert min_count_for(1e-9, 10) == 1


def test_length_limits_duplicates_and_empty_baskets() -> None:
    assert set(map(len, frequent_itemsets(HAND, min_count=1, max_len=2)["itemset"])) == {1, 2}
    assert set(map(len, frequent_itemsets(HAND, min_count=1, min_len=2)["itemset"])) == {2, 3}
    # An item twice in a basket counts once; an empty basket counts as a basket.
    found = as_dict(frequent_itemsets([["x", "x", "y"], [], ["x"], []], min_count=1))
    assert found == {frozenset("x"): (0.5, 2), frozenset("y"): (0.25, 1), frozenset("xy"): (0.25, 1)}
    assert len(frequent_itemsets([], min_support=0.5)) == 0


def test_dataframe_input_matches_lists() -> None:
    long = pd.DataFrame(
        [(f"t{i}", item) for i, basket in enumerate(HAND) for item in basket] + [("t0", "a"), ("t9", None)],
        columns=["basket", "item"],
    )
    from_frame = frequent_itemsets(long, min_count=1)
    expected = as_dict(frequent_itemsets(HAND, min_count=1))
    # t9 holds only a missing item: it is a sixth (empty) basket.
    assert from_frame.attrs["n_baskets"] == 6
    assert {s: c for s, (_, c) in as_dict(from_frame).items()} == {s: c for s, (_, c) in expected.items()}
    named = long.assign(extra=1)
    assert len(frequent_itemsets(named, min_count=1, basket="basket", item="item")) == 7
    with pytest.raises(SchemaError, match="exactly 2 columns"):
        frequent_itemsets(named, min_count=1)
    with pytest.raises(SchemaError, match="not a column"):
        frequent_itemsets(long, basket="order", item="item")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"min_support": 0.0}, "min_support"),
        ({"min_support": 1.5}, "min_support"),
        ({"min_count": 0}, "min_count"),
        ({"min_len": 0}, "min_len"),
        ({"min_len": 3, "max_len": 2}, "max_len"),
    ],
)
def test_bad_itemset_options(options: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        frequent_itemsets(HAND, **options)  # type: ignore[arg-type]


def test_bad_baskets() -> None:
    with pytest.raises(SchemaError, match="sequence of item collections"):
        frequent_itemsets("abc")
    with pytest.raises(SchemaError, match="hashable"):
        frequent_itemsets([[["unhashable"]]], min_count=1)


def test_rule_metrics_by_hand() -> None:
    rules = association_rules(frequent_itemsets(HAND, min_count=1), min_threshold=0.0)
    assert list(rules.columns) == [
        "antecedent",
        "consequent",
        "antecedent_support",
        "consequent_support",
        "support",
        "confidence",
        "lift",
        "leverage",
        "conviction",
        "count",
    ]
    assert len(rules) == 12  # 3 pairs x 2 directions + 1 triple x 6 splits
    by = rule_index(rules)
    a_b = by[(frozenset("a"), frozenset("b"))]
    assert a_b.support == pytest.approx(0.6)
    assert a_b.confidence == pytest.approx(0.75)
    assert a_b.lift == pytest.approx(0.9375)
    assert a_b.leverage == pytest.approx(-0.04)
    assert a_b.conviction == pytest.approx(0.8)
    assert a_b["count"] == 3
    c_a = by[(frozenset("c"), frozenset("a"))]
    assert (c_a.confidence, c_a.lift, c_a.leverage) == pytest.approx((1.0, 1.25, 0.08))
    assert c_a.conviction == math.inf
    a_bc = by[(frozenset("a"), frozenset("bc"))]
    assert a_bc.antecedent_support == pytest.approx(0.8)
    assert a_bc.consequent_support == pytest.approx(0.2)
    assert (a_bc.confidence, a_bc.lift, a_bc.leverage) == pytest.approx((0.25, 1.25, 0.04))
    assert a_bc.conviction == pytest.approx(0.8 / 0.75)
    assert rules["confidence"].is_monotonic_decreasing


def test_rule_filters_and_sorting() -> None:
    itemsets = frequent_itemsets(HAND, min_count=1)
    lifted = association_rules(itemsets, metric="lift", min_threshold=1.2)
    # Lift 1.25: c -> a, a -> c, bc -> a, a -> bc; every other rule has lift < 1.
    assert {
        (frozenset(a), frozenset(c)) for a, c in zip(lifted.antecedent, lifted.consequent, strict=True)
    } == {
        (frozenset("c"), frozenset("a")),
        (frozenset("a"), frozenset("c")),
        (frozenset("bc"), frozenset("a")),
        (frozenset("a"), frozenset("bc")),
    }  # ac -> b, b -> ac: 0.625; ab -> c: 0.833; c -> ab: 0.833; a <-> b: 0.9375; bc: 0.625
    sure = association_rules(itemsets, metric="lift", min_threshold=1.2, min_confidence=0.9)
    assert set(map(frozenset, sure["antecedent"])) == {frozenset("c"), frozenset("bc")}
    single = association_rules(itemsets, min_threshold=0.0, max_consequent_len=1)
    assert set(map(len, single["consequent"])) == {1}
    assert len(single) == 9
    by_leverage = association_rules(itemsets, metric="leverage", min_threshold=0.05)
    assert by_leverage["leverage"].min() >= 0.05
    assert by_leverage["leverage"].is_monotonic_decreasing
    assert len(association_rules(itemsets, metric="support", min_threshold=0.6)) == 2
    assert association_rules(itemsets, metric="conviction", min_threshold=1e9)["confidence"].eq(1.0).all()


def test_bad_rule_options() -> None:
    itemsets = frequent_itemsets(HAND, min_count=1)
    with pytest.raises(ConfigError, match="metric"):
        association_rules(itemsets, metric="jaccard")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="min_confidence"):
        association_rules(itemsets, min_confidence=2.0)
    with pytest.raises(ConfigError, match="max_consequent_len"):
        association_rules(itemsets, max_consequent_len=0)
    with pytest.raises(SchemaError, match="support"):
        association_rules(itemsets.drop(columns="support"))
    with pytest.raises(SchemaError, match="subset"):
        association_rules(itemsets[itemsets["itemset"].map(len) > 1], min_threshold=0.0)


def test_rules_match_brute_force_on_random_baskets() -> None:
    rng = np.random.default_rng(3)
    baskets = [list(rng.choice(12, size=rng.integers(0, 7), replace=False)) for _ in range(400)]
    baskets = [[f"i{int(x)}" for x in basket] for basket in baskets]
    itemsets = frequent_itemsets(baskets, min_support=0.02)
    n = len(baskets)
    sets = [frozenset(b) for b in baskets]

    def support(items: frozenset[str]) -> float:
        return sum(items <= basket for basket in sets) / n

    found = as_dict(itemsets)
    universe = sorted({item for basket in baskets for item in basket})
    expected = {
        frozenset(c)
        for k in range(1, 6)
        for c in combinations(universe, k)
        if sum(frozenset(c) <= basket for basket in sets) >= math.ceil(0.02 * n)
    }
    assert set(found) == expected
    rules = association_rules(itemsets, min_threshold=0.0)
    assert len(rules) == sum(2 ** len(s) - 2 for s in expected)
    for row in rules.sample(200, random_state=0).itertuples():
        a, c = frozenset(row.antecedent), frozenset(row.consequent)
        s_ac, s_a, s_c = support(a | c), support(a), support(c)
        assert row.support == pytest.approx(s_ac)
        assert row.confidence == pytest.approx(s_ac / s_a)
        assert row.lift == pytest.approx(s_ac / s_a / s_c)
        assert row.leverage == pytest.approx(s_ac - s_a * s_c)
        assert row.conviction == pytest.approx((1 - s_c) / (1 - s_ac / s_a)) if s_ac < s_a else math.inf


@pytest.mark.parametrize(
    ("min_support", "published"),
    [(0.01, 159), (0.005, 580), (0.002, 2_691), (0.001, 7_589), (0.0005, 19_242)],
)
def test_fimi_retail_counts_match_the_published_ones(
    retail: list[list[int]], min_support: float, published: int
) -> None:
    found = frequent_itemsets(retail, min_support=min_support)
    assert found.attrs["n_baskets"] == 88_162
    assert len(found) == published
    assert found["count"].min() >= min_support * 88_162


def test_fimi_retail_single_item_counts(retail: list[list[int]]) -> None:
    counted = Counter(item for basket in retail for item in set(basket))
    found = frequent_itemsets(retail, min_support=0.01, max_len=1)
    expected = {item: n for item, n in counted.items() if n >= 882}
    assert dict(zip((s[0] for s in found["itemset"]), found["count"], strict=True)) == expected
    assert found["itemset"].iloc[0] == (39,)


def test_baskets_from_orders() -> None:
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o1", "o1", "o2", "o3"],
            "customer_id": ["c1", "c1", "c1", "c1", "c2"],
            "product_id": ["p1", "p2", "p2", "p3", "p9"],
        }
    )
    products = pd.DataFrame({"product_id": ["p1", "p2", "p3"], "category": ["shoes", "bags", "shoes"]})
    per_order = baskets_from_orders(orders)
    assert sorted(map(tuple, per_order.to_numpy().tolist())) == [
        ("o1", "p1"),
        ("o1", "p2"),
        ("o2", "p3"),
        ("o3", "p9"),
    ]
    per_customer = baskets_from_orders(orders, level="customer", item="category", products=products)
    # p9 has no product row: dropped.
    assert sorted(map(tuple, per_customer.to_numpy().tolist())) == [("c1", "bags"), ("c1", "shoes")]
    with pytest.raises(ConfigError, match="level"):
        baskets_from_orders(orders, level="session")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="brand"):
        baskets_from_orders(orders, item="brand", products=products)
    with pytest.raises(SchemaError, match="customer_id"):
        baskets_from_orders(orders.drop(columns="customer_id"), level="customer")


def test_garbage_collector_is_restored() -> None:
    import gc

    assert gc.isenabled()
    frequent_itemsets(HAND, min_count=1)
    association_rules(frequent_itemsets(HAND, min_count=1), min_threshold=0.0)
    assert gc.isenabled()
    with pytest.raises(SchemaError):
        frequent_itemsets([[["unhashable"]]], min_count=1)
    assert gc.isenabled()


def test_items_in_every_basket_are_reported() -> None:
    # pyfim alone drops itemsets present in every transaction; ours must not
    found = frequent_itemsets([["a", "b"], ["a", "b"], ["a", "b", "c"]], min_support=0.5)
    counts = dict(zip(found["itemset"], found["count"], strict=True))
    assert counts == {("a",): 3, ("b",): 3, ("a", "b"): 3}


def test_a_minimum_count_of_one_on_long_baskets_is_refused_not_mined() -> None:
    long_basket = [list(range(30)), [1, 2]]
    with pytest.raises(ConfigError, match=r"2\*\*30"):
        frequent_itemsets(long_basket, min_count=1)
    # with a length limit it is fine: 30 singletons + 435 pairs
    assert len(frequent_itemsets(long_basket, min_count=1, max_len=2)) == 30 + 435
