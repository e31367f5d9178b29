"""The profiler's shortcuts give what the plain computations give (known answers by hand)."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from aimass.quality._profile_passes import (
    _DATE_LIKE,
    _NUMERIC_LIKE,
    _simple_stats,
    profile_relation,
    storage_kind,
)
from aimass.quality._profile_stats import _pearson, _ranks, correlations

TEXT = [
    "0123",  # numeric-like, leading zero
    "0123",
    "42",  # numeric-like
    "2024-01-31",  # date-like
    "2024-01-31",
    "Jan 5, 2024",  # date-like, inner space
    "new york",  # inner space
    " x ",  # surrounding spaces only: no inner space
    None,
]


def _profiled(table: pa.Table) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
    con = duckdb.connect()
    con.register("source_table", table)
    con.execute("CREATE TABLE t AS SELECT * FROM source_table")
    types = {str(row[0]): str(row[1]) for row in con.execute("DESCRIBE t").fetchall()}
    return con, types


def test_text_statistics_exact_and_approximate_passes_agree() -> None:
    con, types = _profiled(pa.table({"s": TEXT}))

    def run(statement: str) -> pa.Table:
        return con.execute(statement).to_arrow_table()

    found = profile_relation(run, "t", types, "t").columns["s"]
    # by hand: 3 numeric-like (0123 twice, 42), 2 with a leading zero, 3 date-like, 2 inner spaces
    assert (
        found["n_numeric_like"],
        found["n_leading_zero"],
        found["n_date_like"],
        found["n_with_space"],
    ) == (
        3,
        2,
        3,
        2,
    )
    lengths = [len(value) for value in TEXT if value is not None]
    assert found["length"] == {"min": 2, "mean": round(sum(lengths) / len(lengths), 10), "max": 11}
    # the approximate pass-1 aggregates (above APPROX_DISTINCT_ROWS) agree on every text statistic
    rows = _simple_stats(run, "t", {"s": storage_kind(types["s"])}, approx=True)["s"]
    for key in ("n_numeric_like", "n_leading_zero", "n_date_like", "n_with_space", "length"):
        assert rows[key] == found[key], key
    assert rows["_bytes"] == sum(lengths)
    assert found["top_values"][:2] == [{"value": "0123", "count": 2}, {"value": "2024-01-31", "count": 2}]


def test_top_values_are_skipped_exactly_where_they_are_not_reported() -> None:
    n = 100
    table = pa.table(
        {
            "unique": [f"u{i}" for i in range(n)],  # near-unique: no top values
            "few": [f"c{i % 3}" for i in range(n)],
            "floats50": [float(i % 50) for i in range(n)],  # 50 distinct floats: counted
            "floats51": [float(i % 51) for i in range(n)],  # 51: not counted
        }
    )
    con, types = _profiled(table)
    found = profile_relation(lambda s: con.execute(s).to_arrow_table(), "t", types, "t").columns
    assert found["unique"]["top_values"] == [] and found["unique"]["n_distinct"] == n
    assert found["few"]["top_values"] == [
        {"value": "c0", "count": 34},
        {"value": "c1", "count": 33},
        {"value": "c2", "count": 33},
    ]
    assert found["floats50"]["n_distinct"] == 50 and len(found["floats50"]["top_values"]) == 10
    assert found["floats50"]["top_values"][0] == {"value": "0.0", "count": 2}
    assert found["floats51"]["n_distinct"] == 51 and found["floats51"]["top_values"] == []


def test_spearman_ranks_once_and_per_pair_when_values_are_missing() -> None:
    x = [1.0, 2.0, 3.0, 4.0, 5.0]
    y = [2.0, 1.0, 4.0, 3.0, 5.0]
    z = [5.0, None, 3.0, 2.0, 1.0]
    result = correlations(pa.table({"x": x, "y": y, "z": z}), ["x", "y", "z"], [])["spearman"]["matrix"]
    # x, y complete: 1 - 6 * sum(d^2) / (n (n^2 - 1)) = 1 - 6 * 4 / 120 = 0.8
    assert result[0][1] == pytest.approx(0.8)
    # x, z on the 4 rows where z is present: x ranks 1,2,3,4 (re-ranked), z ranks 4,3,2,1 -> -1
    assert result[0][2] == pytest.approx(-1.0)
    # y, z on those rows: y = 2, 4, 3, 5 -> ranks 1, 3, 2, 4; z ranks 4, 3, 2, 1: sum(d^2) = 18
    assert result[1][2] == pytest.approx(1 - 6 * 18 / (4 * 15))
    a, b = np.array(x), np.array(y)
    assert _pearson(a, b, rank=True) == _pearson(a, b, rank=False, ranks=(_ranks(a), _ranks(b)))


def test_text_patterns_count_every_match_although_tried_only_where_one_can_start() -> None:
    # values whose first character is whitespace, a sign, a point, a digit, a letter, non-ASCII
    values = [
        "\t42",
        " 2024-01-31",
        "\n7 ",
        "\x0b1",
        "+5",
        "-.5",
        ".5e3",
        "1e5",
        "e5",
        "March 5, 2024",
        "Mar. 5 2024",
        "5 March 2024",
        "20240305",
        "2024年3月5日",
        "Ω 5",
        "",
        "007",
        "user 12",
        None,
    ]
    con, _ = _profiled(pa.table({"s": values}))
    found = _simple_stats(lambda s: con.execute(s).to_arrow_table(), "t", {"s": "string"}, approx=False)["s"]
    # the plain patterns on every row, with no first-character test
    truth = con.execute(
        "SELECT count_if(regexp_matches(s, ?)), count_if(regexp_matches(s, ?)) FROM t",
        [_NUMERIC_LIKE, _DATE_LIKE],
    ).fetchone()
    assert truth is not None and truth[0] > 5 and truth[1] > 5
    assert (found["n_numeric_like"], found["n_date_like"]) == truth


def test_quantiles_are_exact_and_leave_infinities_out() -> None:
    table = pa.table(
        {
            "x": [1.0, 2.0, math.inf, 3.0, 4.0],  # quantiles of 1, 2, 3, 4
            "y": [1.0, 2.0, 3.0, 4.0, 5.0],  # no infinity: the column read as it is
            "i": pa.array([5, 1, 4, 2, 3], pa.int16()),
        }
    )
    con, types = _profiled(table)
    found = profile_relation(lambda s: con.execute(s).to_arrow_table(), "t", types, "t").columns
    # quantile_cont: position q * (n - 1) between the sorted values, interpolated linearly
    assert found["x"]["quantiles"] == {"0.05": 1.15, "0.25": 1.75, "0.5": 2.5, "0.75": 3.25, "0.95": 3.85}
    assert found["y"]["quantiles"] == {"0.05": 1.2, "0.25": 2.0, "0.5": 3.0, "0.75": 4.0, "0.95": 4.8}
    assert found["i"]["quantiles"] == found["y"]["quantiles"] and found["i"]["median"] == 3.0
    assert found["x"]["n_infinite"] == 1 and found["x"]["skewness"] is not None
