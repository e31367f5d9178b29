"""Outlier flags by IQR and MAD on small tables whose quartiles and MAD are worked out by hand."""

from __future__ import annotations

import ibis
import pytest

from aimass.exceptions import ConfigError
from aimass.prepare import flag_outliers, outlier_bounds

# 1..12, 22, 100 (n = 14) and a null.
# Quartiles by linear interpolation on the sorted values (0-based position h = (n - 1) * p):
#   Q1: h = 3.25 -> 4 + 0.25 * (5 - 4) = 4.25;  Q3: h = 9.75 -> 10 + 0.75 * (11 - 10) = 10.75
#   IQR = 6.5; fences 4.25 - 9.75 = -5.5 and 10.75 + 9.75 = 20.5 -> 22 and 100 are outliers.
# Median: (7 + 8) / 2 = 7.5; |x - 7.5| sorted: 0.5 0.5 1.5 1.5 2.5 2.5 3.5 3.5 4.5 4.5 5.5 6.5 14.5 92.5
#   MAD = (3.5 + 3.5) / 2 = 3.5; fences 7.5 -/+ 3.5 * 3.5 / 0.6745 = 7.5 -/+ 18.16160 -> only 100.
VALUES = [*map(float, range(1, 13)), 22.0, 100.0, None]


def _table() -> ibis.Table:
    return ibis.memtable({"id": list(range(len(VALUES))), "x": VALUES})


def _flags(table: ibis.Table, column: str = "x") -> list[bool | None]:
    flags: list[bool | None] = table.order_by("id")[f"{column}__outlier"].to_pyarrow().to_pylist()
    return flags


def test_iqr_fences() -> None:
    flagged, bounds = flag_outliers(_table(), "x", "iqr")
    assert (bounds.lower, bounds.upper, bounds.spread) == pytest.approx((-5.5, 20.5, 6.5))
    assert _flags(flagged) == [False] * 12 + [True, True, None]
    assert flagged.count().to_pyarrow().as_py() == len(VALUES)  # flagged, never dropped


def test_iqr_k_is_a_parameter() -> None:
    bounds = outlier_bounds(_table(), "x", "iqr", k=3.0)
    assert (bounds.lower, bounds.upper) == pytest.approx((4.25 - 19.5, 10.75 + 19.5))


def test_mad_modified_z() -> None:
    flagged, bounds = flag_outliers(_table(), "x", "mad")
    assert (bounds.center, bounds.spread) == pytest.approx((7.5, 3.5))
    assert (bounds.lower, bounds.upper) == pytest.approx((7.5 - 18.161601, 7.5 + 18.161601))
    assert _flags(flagged) == [False] * 13 + [True, None]


def test_mad_zero_falls_back_to_the_mean_absolute_deviation() -> None:
    # median 5, MAD 0; mean |x - 5| = 0.2, scale 1.253314 * 0.2: upper fence 5 + 3.5 * 0.2506628 = 5.877
    table = ibis.memtable({"id": [0, 1, 2, 3, 4], "x": [5.0, 5.0, 5.0, 5.0, 6.0]})
    flagged, bounds = flag_outliers(table, "x", "mad")
    assert bounds.upper == pytest.approx(5.8773198)
    assert _flags(flagged) == [False, False, False, False, True]


def test_constant_and_empty_columns_flag_nothing() -> None:
    constant = ibis.memtable({"id": [0, 1, 2], "x": [3, 3, 3]})
    assert _flags(flag_outliers(constant, "x", "iqr")[0]) == [False] * 3
    assert _flags(flag_outliers(constant, "x", "mad")[0]) == [False] * 3
    empty = ibis.memtable({"id": [0, 1], "x": [None, None]}, schema={"id": "int64", "x": "float64"})
    flagged, bounds = flag_outliers(empty, "x", "iqr")
    assert bounds.lower is None and _flags(flagged) == [None, None]


def test_bad_input_is_refused() -> None:
    table = ibis.memtable({"s": ["a"], "x": [1.0]})
    with pytest.raises(ConfigError, match="'s' is string, not a number"):
        flag_outliers(table, "s")
    with pytest.raises(ConfigError, match="no column 'y'"):
        flag_outliers(table, "y")
    with pytest.raises(ConfigError, match="not a method"):
        flag_outliers(table, "x", "zscore")  # type: ignore[arg-type]
