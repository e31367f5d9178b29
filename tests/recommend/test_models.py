"""Known-answer fixtures for every recommendation model, and the common estimator checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aimass.exceptions import ConfigError, NotFittedError, SchemaError
from aimass.recommend import MODEL_NAMES, Recommender, default_grid

# every model with parameters that suit an 8 x 8 checkerboard
CHECKERBOARD_MODELS: dict[str, dict[str, object]] = {
    "itemknn": {"k": 10},
    "ease": {"l2": 1.0},
    "rp3beta": {"k": 10},
    "als": {"factors": 4, "iterations": 30, "regularization": 0.01},
    "bpr": {"factors": 4, "iterations": 300, "learning_rate": 0.05},
    "content": {},
    "session": {},
    "hybrid": {"components": ("ease", "itemknn"), "weights": (0.5, 0.5)},
}


def checkerboard() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """8 customers x 8 products: customers c0-c3 buy even products, c4-c7 odd ones; each misses one.

    Returns the log, the products (category "even"/"odd") and the product each customer misses.
    """
    rows, missing = [], {}
    for u in range(8):
        group = [i for i in range(8) if i % 2 == (0 if u < 4 else 1)]
        left_out = group[u % 4]
        missing[f"c{u}"] = f"p{left_out}"
        rows += [{"customer_id": f"c{u}", "product_id": f"p{i}"} for i in group if i != left_out]
    products = pd.DataFrame(
        {
            "product_id": [f"p{i}" for i in range(8)],
            "name": [f"{'even' if i % 2 == 0 else 'odd'} thing {i}" for i in range(8)],
            "category": ["even" if i % 2 == 0 else "odd" for i in range(8)],
        }
    )
    return pd.DataFrame(rows), products, missing


@pytest.mark.parametrize("name", sorted(CHECKERBOARD_MODELS))
def test_checkerboard_recommends_the_missing_product_of_the_own_group(name: str) -> None:
    log, products, missing = checkerboard()
    rec = Recommender(name, random_state=0, **CHECKERBOARD_MODELS[name]).fit(log, products=products)
    top = rec.recommend(sorted(missing), n=1)
    assert dict(zip(top["customer_id"], top["product_id"], strict=True)) == missing


def test_popular_known_counts_and_segments() -> None:
    log = pd.DataFrame(
        {"customer_id": ["a", "b", "b", "c", "c", "d"], "product_id": ["x", "x", "y", "x", "z", "z"]}
    )
    rec = Recommender("popular").fit(log)
    out = rec.recommend(["new"], n=3)
    assert out["product_id"].tolist() == ["x", "z", "y"]
    assert out["score"].tolist() == pytest.approx([3 / 6, 2 / 6, 1 / 6], abs=1e-6)
    # by segment with no shrinkage: segment "s" (a, b) bought x twice and y once
    segments = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"], "segment": ["s", "s", "t", "t", "s"]})
    seg = Recommender("popular", by_segment=True, segment_shrinkage=0.0).fit(log, segments=segments)
    out = seg.recommend(["a"], n=2, filter_seen=False)
    assert out["product_id"].tolist() == ["x", "y"]
    assert out["score"].tolist() == pytest.approx([2 / 3, 1 / 3], abs=1e-6)


def test_popular_time_decay_prefers_recent() -> None:
    at = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-03-01"], utc=True)
    log = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "product_id": ["old", "old", "new"], "occurred_at": at}
    )
    assert Recommender("popular").fit(log).recommend(["z"], n=1)["product_id"].tolist() == ["old"]
    decayed = Recommender("popular", half_life_days=10.0).fit(log)
    out = decayed.recommend(["z"], n=2)
    assert out["product_id"].tolist() == ["new", "old"]
    # old counts 0.5 ** (60/10) + 0.5 ** (59/10); new counts 1
    old = 0.5**6 + 0.5**5.9
    assert out["score"].tolist() == pytest.approx([1 / (1 + old), old / (1 + old)], abs=1e-6)


def test_popular_in_a_window_before_each_customers_last_visit() -> None:
    day = pd.Timestamp("2024-01-01", tz="UTC")
    rows = [("early", "new_year", 0), ("early", "new_year", 0)]  # the "early" customer shops on day 0
    rows += [(f"x{i}", "new_year", 0) for i in range(2)] + [(f"y{i}", "summer", 180) for i in range(4)]
    rows += [("late", "other", 180)]
    log = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "product_id": [r[1] for r in rows],
            "occurred_at": [day + pd.Timedelta(days=r[2]) for r in rows],
        }
    )
    overall = Recommender("popular").fit(log)
    assert overall.recommend(["early"], n=1, filter_seen=False)["product_id"].tolist() == ["summer"]
    windowed = Recommender("popular", window_days=7.0).fit(log)
    # in the week up to day 0 only new_year was bought (3 distinct rows: early's duplicate counts once)
    assert windowed.recommend(["early"], n=1, filter_seen=False)["product_id"].tolist() == ["new_year"]
    assert windowed.recommend(["late"], n=2, filter_seen=False)["product_id"].tolist() == ["summer", "other"]


def test_ease_closed_form_by_hand() -> None:
    # X = [[1, 1], [1, 0]], lambda = 1: P = inv([[3, 1], [1, 2]]) = [[2, -1], [-1, 3]] / 5,
    # B_01 = -P_01 / P_11 = 1/3: the customer who has only item 0 scores item 1 at 1/3.
    log = pd.DataFrame({"customer_id": ["u1", "u1", "u2"], "product_id": ["i0", "i1", "i0"]})
    out = Recommender("ease", l2=1.0).fit(log).recommend(["u2"], n=1)
    assert out["product_id"].tolist() == ["i1"]
    assert out["score"].iloc[0] == pytest.approx(1 / 3, abs=1e-6)


def test_itemknn_cosine_by_hand() -> None:
    # item a: customers {u1, u2, u3}; item b: {u1, u2}: cosine = 2 / (sqrt(3) sqrt(2))
    log = pd.DataFrame(
        {"customer_id": ["u1", "u1", "u2", "u2", "u3"], "product_id": ["a", "b", "a", "b", "a"]}
    )
    rec = Recommender("itemknn").fit(log)
    assert rec.recommend(["u3"], n=1)["score"].iloc[0] == pytest.approx(2 / np.sqrt(6), abs=1e-6)
    sim = rec.similar_items(["a"], n=5)
    assert sim["similar_product_id"].tolist() == ["b"]
    assert sim["score"].iloc[0] == pytest.approx(2 / np.sqrt(6), abs=1e-6)


def test_rp3beta_random_walk_by_hand() -> None:
    # P(u0|a) = 1/2, P(b|u0) = 1/2 => W_ab = 1/4; u1 has only a, so scores b at 1 * 1/4 (beta = 0)
    log = pd.DataFrame({"customer_id": ["u0", "u0", "u1"], "product_id": ["a", "b", "a"]})
    out = Recommender("rp3beta", beta=0.0).fit(log).recommend(["u1"], n=1)
    assert out["product_id"].tolist() == ["b"]
    assert out["score"].iloc[0] == pytest.approx(0.25, abs=1e-6)


def test_complements_follow_a_chain_of_co_purchases() -> None:
    # baskets {A, B}, {B, C}, {C, D}: cosine of co-purchase counts
    log = pd.DataFrame(
        {
            "customer_id": ["u1", "u1", "u2", "u2", "u3", "u3"],
            "product_id": ["A", "B", "B", "C", "C", "D"],
            "order_id": ["o1", "o1", "o2", "o2", "o3", "o3"],
        }
    )
    rec = Recommender("itemknn").fit(log)
    out = rec.complements(["A", "B", "D"], n=5)
    pairs = {
        (a, b): s
        for a, b, s in zip(out["product_id"], out["complement_product_id"], out["score"], strict=True)
    }
    assert set(pairs) == {("A", "B"), ("B", "A"), ("B", "C"), ("D", "C")}
    assert pairs[("B", "A")] == pytest.approx(1 / np.sqrt(2), abs=1e-6)
    assert pairs[("B", "C")] == pytest.approx(0.5, abs=1e-6)
    assert out[out["product_id"] == "B"]["complement_product_id"].tolist() == ["A", "C"]


def test_session_model_uses_the_last_products_for_anonymous_shoppers() -> None:
    # sessions: s1 {a, b}, s2 {a, b}, s3 {c, d}, s4 {c, d}; an anonymous shopper who looked at c
    log = pd.DataFrame(
        {
            "customer_id": ["u1", "u1", None, None, "u2", "u2", None, None],
            "session_id": ["s1", "s1", "s2", "s2", "s3", "s3", "s4", "s4"],
            "product_id": ["a", "b", "a", "b", "c", "d", "c", "d"],
        }
    )
    rec = Recommender("session").fit(log)
    assert rec.recommend_session(["a", "c"], n=1)["product_id"].tolist() == ["d"]
    assert rec.recommend_session(["c", "a"], n=1)["product_id"].tolist() == ["b"]
    # cold: nothing viewed still returns products (global popularity)
    assert len(rec.recommend_session([], n=2)) == 2


def test_content_model_scores_cold_start_products() -> None:
    log, products, _ = checkerboard()
    cold = pd.DataFrame({"product_id": ["p8"], "name": ["even thing new"], "category": ["even"]})
    rec = Recommender("content").fit(log, products=pd.concat([products, cold], ignore_index=True))
    assert "p8" in rec.item_ids_
    top = rec.recommend(["c0"], n=2)["product_id"].tolist()
    assert set(top) == {"p0", "p8"}  # c0 misses p0; p8 is even and never bought


def test_content_model_needs_products() -> None:
    log, _, _ = checkerboard()
    with pytest.raises(ConfigError, match="products="):
        Recommender("content").fit(log)


# ---------------------------------------------------------------------------- common checks

COMMON = {name: CHECKERBOARD_MODELS.get(name, {}) for name in MODEL_NAMES if name not in ("auto",)}


def _fit(name: str, log: pd.DataFrame, products: pd.DataFrame, seed: int = 0) -> Recommender:
    return Recommender(name, random_state=seed, **COMMON[name]).fit(log, products=products)


@pytest.mark.parametrize("name", sorted(COMMON))
def test_common_seeding_refit_and_round_trip(name: str, tmp_path: Path) -> None:
    log, products, missing = checkerboard()
    customers = [*sorted(missing), "unknown"]
    first = _fit(name, log, products).recommend(customers, n=3)
    assert len(first) == 3 * len(customers)  # unknown customers get the fallback
    pd.testing.assert_frame_equal(first, _fit(name, log, products).recommend(customers, n=3))
    # refit: fitting again on other data equals a fresh fit on it
    other = log[log["customer_id"] != "c0"]
    rec = _fit(name, log, products)
    rec.fit(other, products=products)
    pd.testing.assert_frame_equal(
        rec.recommend(customers, n=3), _fit(name, other, products).recommend(customers, n=3)
    )
    # save / load without pickle gives the same answers
    rec = _fit(name, log, products)
    loaded = Recommender.load(rec.save(tmp_path / name))
    pd.testing.assert_frame_equal(loaded.recommend(customers, n=3), rec.recommend(customers, n=3))
    pd.testing.assert_frame_equal(
        loaded.similar_items(["p0", "p1"], n=2), rec.similar_items(["p0", "p1"], n=2)
    )
    assert loaded.model_name_ == rec.model_name_
    with np.load(tmp_path / name / "arrays.npz", allow_pickle=False) as stored:
        assert all(stored[key].dtype != object for key in stored.files)


def test_duplicate_rows_count_once() -> None:
    log, products, missing = checkerboard()
    doubled = pd.concat([log, log], ignore_index=True)
    for name in ("ease", "itemknn", "popular"):
        pd.testing.assert_frame_equal(
            _fit(name, doubled, products).recommend(sorted(missing), n=3),
            _fit(name, log, products).recommend(sorted(missing), n=3),
        )


def test_bad_input_raises_clear_errors(tmp_path: Path) -> None:
    log, _, _ = checkerboard()
    with pytest.raises(SchemaError, match="unknown column"):
        Recommender("ease").fit(log.rename(columns={"product_id": "item"}))
    with pytest.raises(SchemaError, match="no rows"):
        Recommender("ease").fit(log.iloc[:0])
    with pytest.raises(SchemaError, match="DataFrame"):
        Recommender("ease").fit([("c0", "p1")])  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="weight"):
        Recommender("ease").fit(log.assign(weight=-1.0))
    with pytest.raises(ConfigError, match="unknown recommendation"):
        Recommender("magic").fit(log)
    with pytest.raises(ConfigError, match="allowed"):
        Recommender("ease", lambda_=3).fit(log)
    with pytest.raises(ConfigError, match="l2"):
        Recommender("ease", l2=-1.0).fit(log)
    with pytest.raises(ConfigError, match="n=0"):
        Recommender("ease").fit(log).recommend(["c0"], n=0)
    with pytest.raises(NotFittedError):
        Recommender("ease").recommend(["c0"])
    with pytest.raises(SchemaError, match="manifest"):
        Recommender.load(tmp_path)


def test_saved_model_is_checked_against_its_hash(tmp_path: Path) -> None:
    log, _, _ = checkerboard()
    folder = Recommender("ease").fit(log).save(tmp_path / "m")
    with (folder / "arrays.npz").open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(SchemaError, match="sha256"):
        Recommender.load(folder)


def test_model_names_and_grids() -> None:
    assert set(MODEL_NAMES) >= {
        "popular",
        "itemknn",
        "ease",
        "rp3beta",
        "als",
        "bpr",
        "content",
        "session",
        "hybrid",
        "auto",
    }
    for name in MODEL_NAMES:
        grid = default_grid(name)
        assert grid and all(isinstance(p, dict) for p in grid)
        if name not in ("auto", "hybrid", "content"):
            log, products, _ = checkerboard()
            Recommender(name, **grid[0]).fit(log, products=products)  # every grid point is valid
    with pytest.raises(ConfigError, match="allowed"):
        default_grid("nope")
