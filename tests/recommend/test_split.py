"""Train/test splits of interaction logs."""

from __future__ import annotations

import pandas as pd
import pytest

from aimass.exceptions import ConfigError, SchemaError
from aimass.recommend._split import split_interactions


def _log() -> pd.DataFrame:
    rows = [
        ("a", "p1", "2024-01-01"),
        ("a", "p2", "2024-01-05"),
        ("a", "p3", "2024-01-03"),
        ("a", "p4", "2024-01-04"),
        ("a", "p5", "2024-01-02"),
        ("b", "p1", "2024-01-02"),
        ("b", "p2", "2024-01-06"),
        ("c", "p9", "2024-01-10"),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "product_id", "occurred_at"])
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    frame["weight"] = range(1, 9)
    return frame


def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["customer_id"], frame["product_id"], strict=True))


def test_last_n() -> None:
    log = _log()
    train, test = split_interactions(log, "last_n", n=1)
    assert _pairs(test) == {("a", "p2"), ("b", "p2")}  # c has a single interaction: train only
    assert len(train) + len(test) == len(log)
    assert list(train.columns) == list(log.columns)
    _, test2 = split_interactions(log, "last_n", n=2)
    assert _pairs(test2) == {("a", "p2"), ("a", "p4")}  # b has exactly 2 (<= n): stays in train


def test_last_n_ties_break_by_row_order() -> None:
    log = _log()
    log.loc[log.product_id.isin(["p2", "p4"]) & (log.customer_id == "a"), "occurred_at"] = pd.Timestamp(
        "2024-02-01", tz="UTC"
    )
    _, test = split_interactions(log, "last_n", n=1)
    assert ("a", "p4") in _pairs(test)  # p4 (row 3) comes after p2 (row 1) at the same time


def test_last_fraction() -> None:
    # a: ceil(0.2 * 5) = 1; b: ceil(0.4) = 1 (cap 1); c: cap 0 (single interaction)
    _, test = split_interactions(_log(), "last_fraction", fraction=0.2)
    assert _pairs(test) == {("a", "p2"), ("b", "p2")}
    # a: ceil(0.5 * 5) = 3 -> p2, p4, p3; b: ceil(1.0) = 1 capped at 2 - 1 = 1
    _, test = split_interactions(_log(), "last_fraction", fraction=0.5)
    assert _pairs(test) == {("a", "p2"), ("a", "p4"), ("a", "p3"), ("b", "p2")}


def test_global_time() -> None:
    train, test = split_interactions(_log(), "global_time", cutoff="2024-01-05")
    assert _pairs(test) == {("a", "p2"), ("b", "p2"), ("c", "p9")}
    assert train["occurred_at"].max() < pd.Timestamp("2024-01-05", tz="UTC")
    # default cutoff: 80% quantile of the 8 times (linear interpolation -> 2024-01-05 14:24)
    _, test = split_interactions(_log(), "global_time")
    assert _pairs(test) == {("b", "p2"), ("c", "p9")}


def test_random_is_seeded_and_sized() -> None:
    log = pd.concat([_log()] * 10, ignore_index=True)
    train, test = split_interactions(log, "random", fraction=0.25, random_state=3)
    assert len(test) == 20 and len(train) == 60
    _, again = split_interactions(log, "random", fraction=0.25, random_state=3)
    pd.testing.assert_frame_equal(test, again)
    _, other = split_interactions(log, "random", fraction=0.25, random_state=4)
    assert not test["weight"].equals(other["weight"])


def test_errors() -> None:
    with pytest.raises(SchemaError, match="occurred_at"):
        split_interactions(_log().drop(columns="occurred_at"))
    with pytest.raises(ConfigError, match="allowed"):
        split_interactions(_log(), "leave_one_out")
    with pytest.raises(ConfigError, match="n=0"):
        split_interactions(_log(), "last_n", n=0)
    with pytest.raises(ConfigError, match="fraction"):
        split_interactions(_log(), "random", fraction=1.5)
    with pytest.raises(ConfigError, match="cutoff"):
        split_interactions(_log(), "global_time", cutoff="not a time")
