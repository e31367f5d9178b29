"""Missing-value policies on a planted table: the treated values and the counts reported."""

from __future__ import annotations

from typing import Any

import ibis
import pytest

from aimass.exceptions import ConfigError
from aimass.prepare import MissingReport, apply_missing, fill_missing

ROWS = {
    "id": [0, 1, 2, 3, 4, 5],
    "g": ["a", "a", "a", "b", "b", "c"],
    "x": [1.0, None, 3.0, None, 5.0, None],
    "c": ["u", "u", None, "v", None, " "],
}


def _table() -> ibis.Table:
    return ibis.memtable(ROWS, schema={"id": "int64", "g": "string", "x": "float64", "c": "string"})


def _column(table: ibis.Table, column: str) -> list[Any]:
    values: list[Any] = table.order_by("id")[column].to_pyarrow().to_pylist()
    return values


def _counts(report: MissingReport) -> tuple[int, int, int, int]:
    return report.n_missing, report.n_filled, report.n_dropped, report.n_left


def test_keep_reports_and_changes_nothing() -> None:
    treated, report = apply_missing(_table(), "c", "keep")
    assert _column(treated, "c") == ROWS["c"]
    assert _counts(report) == (3, 0, 0, 3)  # two nulls and one blank
    assert report.pct_missing == pytest.approx(50.0)


def test_drop_row() -> None:
    treated, report = apply_missing(_table(), "x", "drop_row")
    assert _column(treated, "id") == [0, 2, 4]
    assert _counts(report) == (3, 0, 3, 0)


def test_fill_constant() -> None:
    treated, report = apply_missing(_table(), "c", "fill_constant", value="unknown")
    assert _column(treated, "c") == ["u", "u", "unknown", "v", "unknown", "unknown"]
    assert _counts(report) == (3, 3, 0, 0)


def test_fill_group_median() -> None:
    treated, report = apply_missing(_table(), "x", "fill_group_median", by=["g"])
    # a: median(1, 3) = 2; b: median(5) = 5; c has no value, so its null stays
    assert _column(treated, "x") == [1.0, 2.0, 3.0, 5.0, 5.0, None]
    assert _counts(report) == (3, 2, 0, 1)


def test_fill_median_of_the_whole_column() -> None:
    treated = fill_missing(_table(), "x", "fill_group_median")
    assert _column(treated, "x") == [1.0, 3.0, 3.0, 3.0, 5.0, 3.0]  # median(1, 3, 5) = 3


def test_fill_group_mode() -> None:
    treated, report = apply_missing(_table(), "c", "fill_group_mode", by=["g"])
    # a: u, u -> u; b: v -> v; c: only a blank, nothing to take the mode of -> null
    assert _column(treated, "c") == ["u", "u", "u", "v", "v", None]
    assert _counts(report) == (3, 2, 0, 1)


def test_bad_policies_are_refused() -> None:
    table = _table()
    with pytest.raises(ConfigError, match="needs a number"):
        fill_missing(table, "c", "fill_group_median")
    with pytest.raises(ConfigError, match="`value` goes with policy fill_constant"):
        fill_missing(table, "c", "fill_constant")
    with pytest.raises(ConfigError, match="`by` goes with"):
        fill_missing(table, "c", "drop_row", by=["g"])
    with pytest.raises(ConfigError, match="no column 'h'"):
        fill_missing(table, "c", "fill_group_mode", by=["h"])
    with pytest.raises(ConfigError, match="not a policy"):
        fill_missing(table, "c", "fill_mean")  # type: ignore[arg-type]
