"""Recency-weighted profiles: ranks by hand, scores by hand, selection, saving."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aimass.exceptions import ConfigError
from aimass.recommend import Recommender
from aimass.recommend._data import recency_factors, recency_ranks
from aimass.recommend._selection import RECENCY_OPTIONS


def test_ranks_count_products_touched_later_with_ties_in_row_order() -> None:
    # customer 0: product 2 at t=1 and again at t=3, product 1 at t=2, product 0 at t=3 (a later row)
    # customer 1: no times; rows 1 and 4 are its products 1 and 0, in that order
    user = np.array([0, 1, 0, 0, 1, 0])
    item = np.array([2, 1, 1, 2, 0, 0])
    time = np.array([1.0, 0.0, 2.0, 3.0, 0.0, 3.0])
    ranks = recency_ranks(user, item, time, (2, 3)).toarray()
    np.testing.assert_array_equal(ranks, [[1.0, 3.0, 2.0], [1.0, 2.0, 0.0]])


def test_ranks_of_an_empty_log() -> None:
    empty = np.zeros(0, dtype=np.int64)
    assert recency_ranks(empty, empty, np.zeros(0), (3, 4)).nnz == 0


def test_factors_fade_hyperbolically() -> None:
    ranks = recency_ranks(np.zeros(4, dtype=np.int64), np.arange(4), np.arange(4.0), (1, 4))
    # the latest product (3) weighs 1, the one 2 products earlier (1) weighs 1 / (1 + 2 / 2)
    np.testing.assert_allclose(recency_factors(ranks, 2.0).toarray(), [[0.4, 0.5, 2 / 3, 1.0]], rtol=1e-6)


def _two_taste_log() -> pd.DataFrame:
    """Five buyers pair A with X, three pair B with Y; customer c bought A long ago, then B."""
    rows = [(f"a{i}", p, 1) for i in range(5) for p in ("A", "X")]
    rows += [(f"b{i}", p, 1) for i in range(3) for p in ("B", "Y")]
    rows += [("c", "A", 1), ("c", "B", 2)]
    frame = pd.DataFrame(rows, columns=["customer_id", "product_id", "day"])
    frame["occurred_at"] = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(frame.pop("day"), "D")
    return frame


def test_recent_products_steer_the_scores() -> None:
    log = _two_taste_log()
    # cosine: sim(A, X) = 5 / sqrt(6 * 5) = 0.913, sim(B, Y) = 3 / sqrt(4 * 3) = 0.866
    plain = Recommender("itemknn", similarity="cosine").fit(log).recommend(["c"], n=2)
    assert plain["product_id"].tolist() == ["X", "Y"]
    np.testing.assert_allclose(plain["score"], [5 / np.sqrt(30), 3 / np.sqrt(12)], rtol=1e-5)
    # with profile_recency=1, A (one product before the latest) counts 1 / (1 + 1) = 0.5
    recent = Recommender("itemknn", similarity="cosine", profile_recency=1).fit(log).recommend(["c"], n=2)
    assert recent["product_id"].tolist() == ["Y", "X"]
    np.testing.assert_allclose(recent["score"], [3 / np.sqrt(12), 0.5 * 5 / np.sqrt(30)], rtol=1e-5)


def test_factor_models_ignore_the_profile() -> None:
    log = _two_taste_log()
    rec = Recommender("als", factors=4, iterations=3, profile_recency=1).fit(log)
    assert rec._profile(np.array([0])) is None
    plain = Recommender("als", factors=4, iterations=3).fit(log)
    pd.testing.assert_frame_equal(rec.recommend(n=3), plain.recommend(n=3))


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "3", True])
def test_bad_profile_recency_is_refused(bad: object) -> None:
    with pytest.raises(ConfigError, match="profile_recency"):
        Recommender("ease", profile_recency=bad).fit(_two_taste_log())


def test_auto_validates_recency_per_model(demo_log: pd.DataFrame) -> None:
    sample = demo_log[demo_log["customer_id"].isin(demo_log["customer_id"].unique()[:600])]
    rec = Recommender(
        "auto",
        candidates=("popular", "ease", "als"),
        grid={"popular": [{}], "ease": [{"l2": 200.0}], "als": [{"factors": 8}]},
        validation_users=300,
    ).fit(sample)
    table = rec.selection_["table"]
    tried = table.groupby("model")["params"].apply(lambda p: sorted(p.str.contains("profile_recency")))
    # EASE scores from the customer's products: every option is tried; the others only once
    assert len(table[table["model"] == "ease"]) == len(RECENCY_OPTIONS)
    assert sum(tried["ease"]) == len(RECENCY_OPTIONS) - 1
    assert len(table[table["model"] == "als"]) == 1 and not any(tried["als"])
    assert len(table[table["model"] == "popular"]) == 1
    chosen = rec.selection_["params"].get("profile_recency")
    assert rec.profile_recency_ == chosen


def test_recency_survives_save_and_load(tmp_path: Path) -> None:
    log = _two_taste_log()
    rec = Recommender("itemknn", similarity="cosine", profile_recency=1).fit(log)
    loaded = Recommender.load(rec.save(tmp_path / "model"))
    assert loaded.profile_recency_ == 1.0
    pd.testing.assert_frame_equal(loaded.recommend(["c"], n=2), rec.recommend(["c"], n=2))
