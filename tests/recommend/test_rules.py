"""Business rules at recommendation time, and the fallback chain."""

from __future__ import annotations

import pandas as pd
import pytest

from aimass.exceptions import ConfigError
from aimass.recommend import Recommender, Rules

# u1 viewed a and bought b (grocery) long ago, viewed c recently; the rest is popularity fodder
AT = pd.Timestamp("2024-06-01", tz="UTC")


def shop() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rows = [
        ("u1", "a", "view", AT - pd.Timedelta(days=100)),
        ("u1", "b", "purchase", AT - pd.Timedelta(days=90)),
        ("u1", "c", "view", AT - pd.Timedelta(days=1)),
    ]
    # popularity: d (5 buyers) > e (4) > f (3) > g (2) > h (1); all bought by others
    counts = {"d": 5, "e": 4, "f": 3, "g": 2, "h": 1}
    k = 0
    for item, many in counts.items():
        for _ in range(many):
            rows.append((f"o{k}", item, "purchase", AT - pd.Timedelta(days=5)))
            k += 1
    rows.append(("o99", "a", "purchase", AT))  # so that the newest interaction is at AT
    log = pd.DataFrame(rows, columns=["customer_id", "product_id", "event_type", "occurred_at"])
    products = pd.DataFrame(
        {
            "product_id": list("abcdefgh"),
            "category": ["home", "grocery", "home", "toys", "toys", "toys", "home", "sports"],
            "subcategory": ["lamps", "rice", "lamps", "cars", "dolls", "cars", "rugs", "balls"],
            "price": [10.0, 2.0, 30.0, 50.0, 500.0, 5.0, 20.0, 15.0],
            "in_stock": [True, True, True, True, True, False, True, True],
        }
    )
    segments = pd.DataFrame(
        {"customer_id": ["o0", "o1", "o2", "o3", "new_s"], "segment": ["s", "s", "s", "s", "s"]}
    )
    return log, products, segments


def fitted() -> Recommender:
    log, products, segments = shop()
    return Recommender("popular").fit(log, products=products, segments=segments)


def items(frame: pd.DataFrame) -> list[str]:
    return frame["product_id"].tolist()


def test_filter_seen_all_types_by_default_and_off_on_request() -> None:
    rec = fitted()
    assert not {"a", "b", "c"} & set(items(rec.recommend(["u1"], n=5)))
    assert items(rec.recommend(["u1"], n=1, filter_seen=False)) == ["d"]
    assert len(rec.recommend(["u1"], n=8, filter_seen=False)) == 8


def test_seen_by_event_type_window_and_repeat_categories() -> None:
    rec = fitted()
    only_bought = set(items(rec.recommend(["u1"], n=8, rules=Rules(seen_event_types=("purchase",)))))
    assert "b" not in only_bought and {"a", "c"} <= only_bought
    recent = set(items(rec.recommend(["u1"], n=8, rules=Rules(seen_window_days=30))))
    assert "c" not in recent and {"a", "b"} <= recent
    repeat = set(items(rec.recommend(["u1"], n=8, rules=Rules(repeat_categories=("grocery",)))))
    assert "b" in repeat and not {"a", "c"} & repeat


def test_item_filters_stock_price_categories_and_exclusions() -> None:
    rec = fitted()
    assert "f" not in items(rec.recommend(["u1"], n=5, rules=Rules(in_stock_only=True)))
    cheap = items(rec.recommend(["u1"], n=5, rules=Rules(max_price=40.0, min_price=6.0)))
    assert set(cheap) == {"g", "h"}
    assert set(items(rec.recommend(["u1"], n=5, rules=Rules(include_categories=("toys",))))) == {
        "d",
        "e",
        "f",
    }
    assert "d" not in items(rec.recommend(["u1"], n=5, rules=Rules(exclude_categories=("cars",))))
    assert items(rec.recommend(["u1"], n=2, rules=Rules(exclude_products=("d",)))) == ["e", "f"]
    assert items(rec.recommend(["u1"], n=2, items=["g", "h", "a"])) == ["g", "h"]
    assert items(rec.recommend(["u1"], n=2, rules=Rules(available=["h", "e"]))) == ["e", "h"]


def test_boost_and_bury() -> None:
    rec = fitted()
    assert items(rec.recommend(["u1"], n=3, rules=Rules(boost={"h": 1.0}))) == ["h", "d", "e"]
    assert items(rec.recommend(["u1"], n=5, rules=Rules(bury=("d",)))) == ["e", "f", "g", "h", "d"]


def test_diversity_and_category_cap() -> None:
    rec = fitted()
    assert items(rec.recommend(["u1"], n=3)) == ["d", "e", "f"]  # all toys
    assert items(rec.recommend(["u1"], n=3, rules=Rules(diversity=1.0))) == ["d", "g", "h"]
    capped = items(rec.recommend(["u1"], n=4, rules=Rules(max_per_category=2)))
    assert capped == ["d", "e", "g", "h"]


def test_fallback_chain_never_returns_an_empty_list() -> None:
    log, products, segments = shop()
    rec = Recommender("itemknn").fit(log, products=products, segments=segments)
    # unknown customer with a segment: the segment's popularity (o0-o3 bought d, d, d, d) then global
    seg = rec.recommend(["new_s"], n=3)
    assert items(seg)[0] == "d" and len(seg) == 3
    # unknown customer without a segment: global popularity
    assert items(rec.recommend(["stranger"], n=3)) == ["d", "e", "f"]
    # a known customer whose neighbours run out is filled from popularity
    filled = rec.recommend(["u1"], n=5)
    assert len(filled) == 5 and not {"a", "b", "c"} & set(items(filled))
    assert filled["rank"].tolist() == [1, 2, 3, 4, 5]


def test_rules_are_checked() -> None:
    rec = fitted()
    with pytest.raises(ConfigError, match="diversity"):
        rec.recommend(["u1"], rules=Rules(diversity=-1.0))
    with pytest.raises(ConfigError, match="min_price"):
        rec.recommend(["u1"], rules=Rules(min_price=10.0, max_price=1.0))
    with pytest.raises(ConfigError, match="tuple"):
        rec.recommend(["u1"], rules=Rules(repeat_categories="grocery"))  # type: ignore[arg-type]


def test_default_rules_from_the_constructor_survive_save_and_load(tmp_path: object) -> None:
    log, products, segments = shop()
    rules = Rules(seen_event_types=("purchase",), exclude_products=("d",))
    rec = Recommender("popular", rules=rules).fit(log, products=products, segments=segments)
    assert items(rec.recommend(["u1"], n=2)) == ["e", "f"]
    from pathlib import Path

    loaded = Recommender.load(rec.save(Path(str(tmp_path)) / "m"))
    assert items(loaded.recommend(["u1"], n=2)) == ["e", "f"]


def test_lists_longer_than_the_catalogue_and_bury_of_seen_products() -> None:
    log, products, segments = shop()
    rec = Recommender("itemknn").fit(log, products=products, segments=segments)
    everything = rec.recommend(["u1", "stranger"], n=50, rules=Rules(bury=("a", "h")))
    mine = items(everything[everything["customer_id"] == "u1"])
    assert len(mine) == 5 and not {"a", "b", "c"} & set(mine) and mine[-1] == "h"  # a is seen: never back
    theirs = items(everything[everything["customer_id"] == "stranger"])
    assert len(theirs) == 8 and theirs[-2:] in (["a", "h"], ["h", "a"])


def test_hybrid_and_auto_on_a_log_smaller_than_a_list() -> None:
    log = pd.DataFrame({"customer_id": ["1", "1", "2", "2", "3", "3", "4"], "product_id": list("xyxzyzx")})
    for model in ("hybrid", "auto"):
        rec = Recommender(model).fit(log)
        assert rec.selection_["model"] == rec.model_name_
        out = rec.recommend(["1", "new"], n=10)
        assert out.groupby("customer_id").size().to_dict() == {"1": 1, "new": 3}
