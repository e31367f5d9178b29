"""Batch serving (threads, vectorised top-n against a brute-force reference) and EASE input weighting."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aimass.exceptions import ConfigError
from aimass.recommend import AUTO_CANDIDATES, Recommender, Rules, default_grid
from aimass.recommend._hybrid import scaled_scores


@pytest.fixture(scope="module")
def log(demo_log: pd.DataFrame) -> pd.DataFrame:
    return demo_log


@pytest.fixture(scope="module")
def binary_ease(log: pd.DataFrame) -> Recommender:
    return Recommender("ease", l2=300.0, weighting="binary").fit(log)


# -- EASE weighting: X = [[5, 1], [1, 0]] (u1 bought i0, viewed i1; u2 viewed i0), lambda = 1.
# For two items B_01 = G_01 / G_00 with G = X'X + I, and u2's row is [x, 0], so score(u2, i1) = x B_01.
_TWO = pd.DataFrame(
    {
        "customer_id": ["u1", "u1", "u2"],
        "product_id": ["i0", "i1", "i0"],
        "event_type": ["purchase", "view", "view"],
    }
)


@pytest.mark.parametrize(
    ("weighting", "expected"),
    [
        ("raw", 5 / 27),  # G = [[27, 5], [5, 2]]
        ("binary", 1 / 3),  # X = [[1, 1], [1, 0]]: G = [[3, 1], [1, 2]]
        (
            "log1p",  # X = [[ln 6, ln 2], [ln 2, 0]]
            math.log(2) * (math.log(6) * math.log(2)) / (math.log(6) ** 2 + math.log(2) ** 2 + 1),
        ),
    ],
)
def test_ease_weighting_by_hand(weighting: str, expected: float) -> None:
    out = Recommender("ease", l2=1.0, weighting=weighting).fit(_TWO).recommend(["u2"], n=1)
    assert out["product_id"].tolist() == ["i1"]
    assert out["score"].iloc[0] == pytest.approx(expected, abs=1e-6)


def test_ease_weighting_is_checked_and_only_raw_is_linear() -> None:
    with pytest.raises(ConfigError, match="'raw', 'binary' or 'log1p'"):
        Recommender("ease", weighting="squared").fit(_TWO)
    assert Recommender("ease", l2=1.0).fit(_TWO).model_.linear_weights() is not None
    assert Recommender("ease", l2=1.0, weighting="binary").fit(_TWO).model_.linear_weights() is None


def test_auto_tunes_the_event_weighting() -> None:
    weightings = {p.get("weighting", "raw") for p in default_grid("ease")}
    assert weightings == {"raw", "binary", "log1p"}
    assert "session" in AUTO_CANDIDATES


# -- serving ----------------------------------------------------------------------------------------
def test_batch_top_n_matches_a_brute_force_reference(binary_ease: Recommender) -> None:
    rec = binary_ease
    customers = rec.user_ids_[::97]
    out = rec.recommend(customers, n=10, n_jobs=1)
    assert len(out) == 10 * len(customers)
    codes = rec._user_codes(customers)
    scores = np.asarray(rec.model_.score(codes, rec.matrix_[codes]), dtype=np.float64)
    seen = rec.matrix_[codes].toarray() > 0
    for row, customer in enumerate(customers):
        mine = out[out["customer_id"] == customer]
        assert mine["rank"].tolist() == list(range(1, 11))
        assert not seen[row, np.searchsorted(rec.item_ids_, mine["product_id"].to_numpy(str))].any()
        candidates = np.where(seen[row], -np.inf, scores[row])
        tenth = np.sort(candidates)[-10]
        # the list is the ten best unseen products (ties at the tenth score may go either way)
        assert np.all(mine["score"].to_numpy() >= round(tenth, 6) - 1e-6)
        assert np.all(np.diff(mine["score"].to_numpy()) <= 1e-9)


@pytest.mark.parametrize("rules", [None, Rules(diversity=0.3, boost={"__none__": 1.0})])
def test_threads_give_the_same_lists(binary_ease: Recommender, rules: Rules | None) -> None:
    rec = binary_ease
    customers = np.concatenate([rec.user_ids_, np.asarray(["nobody-1", "nobody-2"])])
    assert len(customers) > 2048  # more than one batch
    one = rec.recommend(customers, n=10, n_jobs=1, rules=rules)
    two = rec.recommend(customers, n=10, n_jobs=2, rules=rules)
    pd.testing.assert_frame_equal(one, two)
    assert len(one) == 10 * len(customers)
    assert one["customer_id"].iloc[-1] == "nobody-2"  # unknown customers get the popularity fallback
    with pytest.raises(ConfigError, match="n_jobs"):
        rec.recommend(customers[:3], n_jobs=0)


def test_ids_from_arrays_series_and_lists_agree(binary_ease: Recommender) -> None:
    some = list(binary_ease.user_ids_[:5])
    frames = [
        binary_ease.recommend(ids, n=3)
        for ids in (some, np.asarray(some), pd.Series(some), np.asarray(some, dtype=object))
    ]
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], frame)


def test_hybrid_with_a_binary_ease_component_sums_scaled_scores(log: pd.DataFrame) -> None:
    rec = Recommender(
        "hybrid",
        components=("ease", "itemknn"),
        component_params={"ease": {"l2": 300.0, "weighting": "binary"}},
        weights=(0.7, 0.3),
    ).fit(log)
    model = rec.model_
    assert model.merged_ is None  # the binary EASE is not linear in the weighted row
    users = np.arange(50)
    rows = rec.matrix_[users]
    expected = sum(
        w * scaled_scores(m.score(users, rows), float(s))
        for m, w, s in zip(model.models_, model.weights, model.scales_, strict=True)
    )
    np.testing.assert_allclose(model.score(users, rows), expected, rtol=1e-5, atol=1e-6)


def test_candidates_sharing_one_prepared_log_match_independent_fits(
    log: pd.DataFrame, binary_ease: Recommender
) -> None:
    shared: dict[Any, Any] = {}
    first = Recommender("itemknn", k=50)
    first._shared = shared
    first.fit(log)
    second = Recommender("ease", l2=300.0, weighting="binary")
    second._shared = shared
    second.fit(log)
    assert second.matrix_ is first.matrix_  # built once, reused
    alone = binary_ease  # the same model fitted on its own
    customers = alone.user_ids_[:300]
    pd.testing.assert_frame_equal(second.recommend(customers), alone.recommend(customers))
