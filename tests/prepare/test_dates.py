"""parse_datetime / parse_date on hand-written cases, both day-first policies, and portability."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa
import pytest

from aimass.exceptions import ConfigError
from aimass.prepare import parse_date, parse_datetime

T = dt.datetime

# (text, expected with day_first=True, expected with day_first=False)
CASES: list[tuple[str | None, T | None, T | None]] = [
    ("2024-03-05 14:22:01", T(2024, 3, 5, 14, 22, 1), T(2024, 3, 5, 14, 22, 1)),
    ("2024-03-05T14:22:01Z", T(2024, 3, 5, 14, 22, 1), T(2024, 3, 5, 14, 22, 1)),
    ("2024-03-05T14:22:01.250Z", T(2024, 3, 5, 14, 22, 1, 250000), T(2024, 3, 5, 14, 22, 1, 250000)),
    ("2024-03-05T14:22:01+08:00", T(2024, 3, 5, 6, 22, 1), T(2024, 3, 5, 6, 22, 1)),
    ("2024-03-05 14:22 -0500", T(2024, 3, 5, 19, 22), T(2024, 3, 5, 19, 22)),
    ("2024/3/5 14:22", T(2024, 3, 5, 14, 22), T(2024, 3, 5, 14, 22)),
    ("2024/3/5 2:22 PM", T(2024, 3, 5, 14, 22), T(2024, 3, 5, 14, 22)),
    ("05.03.2024 14:22", T(2024, 3, 5, 14, 22), T(2024, 5, 3, 14, 22)),
    ("05/03/2024", T(2024, 3, 5), T(2024, 5, 3)),
    ("25.03.2024 08:00", T(2024, 3, 25, 8), T(2024, 3, 25, 8)),  # only one reading is a date
    ("03/25/2024", T(2024, 3, 25), T(2024, 3, 25)),
    ("2024年3月5日 14:22", T(2024, 3, 5, 14, 22), T(2024, 3, 5, 14, 22)),
    ("2024年3月5日 下午2:22", T(2024, 3, 5, 14, 22), T(2024, 3, 5, 14, 22)),
    ("2024年3月5日", T(2024, 3, 5), T(2024, 3, 5)),
    ("March 5, 2024 2:22 PM", T(2024, 3, 5, 14, 22), T(2024, 3, 5, 14, 22)),
    ("March 5, 2024 12:05 AM", T(2024, 3, 5, 0, 5), T(2024, 3, 5, 0, 5)),
    ("December 31, 2024 12:30 PM", T(2024, 12, 31, 12, 30), T(2024, 12, 31, 12, 30)),
    ("Tue, Mar 5th 2024", T(2024, 3, 5), T(2024, 3, 5)),
    ("5 March 2024 14:22", T(2024, 3, 5, 14, 22), T(2024, 3, 5, 14, 22)),
    ("05-Mar-2024", T(2024, 3, 5), T(2024, 3, 5)),
    ("Tue, 05 Mar 2024 14:22:01 +0000", T(2024, 3, 5, 14, 22, 1), T(2024, 3, 5, 14, 22, 1)),
    ("20240305", T(2024, 3, 5), T(2024, 3, 5)),
    ("20240305142201", T(2024, 3, 5, 14, 22, 1), T(2024, 3, 5, 14, 22, 1)),
    ("1709648521", T(2024, 3, 5, 14, 22, 1), T(2024, 3, 5, 14, 22, 1)),
    ("1709648521.5", T(2024, 3, 5, 14, 22, 1, 500000), T(2024, 3, 5, 14, 22, 1, 500000)),
    ("1709648521123", T(2024, 3, 5, 14, 22, 1, 123000), T(2024, 3, 5, 14, 22, 1, 123000)),
    ("2024-03-05", T(2024, 3, 5), T(2024, 3, 5)),
    ("  2024-03-05  ", T(2024, 3, 5), T(2024, 3, 5)),
    ("29.02.2024", T(2024, 2, 29), T(2024, 2, 29)),
    # not dates: null
    ("31.02.2024", None, None),
    ("29.02.2023", None, None),
    ("2024-13-05", None, None),
    ("2024-03-05 24:00", None, None),
    ("2024-03-05 14:61", None, None),
    ("Smarch 5, 2024", None, None),
    ("25/13/2024", None, None),
    ("garbage", None, None),
    ("", None, None),
    (None, None, None),
]


@pytest.mark.parametrize("day_first", [True, False])
def test_every_format_in_one_column(evaluate: Any, day_first: bool) -> None:
    texts = [text for text, _, _ in CASES]
    expected = [first if day_first else second for _, first, second in CASES]
    got = evaluate(lambda v: parse_datetime(v, day_first=day_first), texts)
    mismatches = [(text, g, e) for text, g, e in zip(texts, got, expected, strict=True) if g != e]
    assert mismatches == []


def test_result_is_a_naive_timestamp(evaluate: Any) -> None:
    t = ibis.memtable(pa.table({"v": ["2024-03-05"]}))
    assert parse_datetime(t.v).type() == ibis.dtype("timestamp")


def test_numbers_are_read_as_their_digits(evaluate: Any) -> None:
    got = evaluate(parse_datetime, [20240305, 1709648521, 12], pa.int64())
    assert got == [T(2024, 3, 5), T(2024, 3, 5, 14, 22, 1), None]


def test_timestamps_and_dates_pass_through(evaluate: Any) -> None:
    naive = evaluate(parse_datetime, [T(2024, 3, 5, 14, 22)], pa.timestamp("us"))
    aware = evaluate(
        parse_datetime, [T(2024, 3, 5, 14, 22, tzinfo=dt.UTC)], pa.timestamp("us", tz="Asia/Shanghai")
    )
    dates = evaluate(parse_datetime, [dt.date(2024, 3, 5)], pa.date32())
    assert naive == [T(2024, 3, 5, 14, 22)]
    assert aware == [T(2024, 3, 5, 14, 22)]  # the same instant, in naive UTC
    assert dates == [T(2024, 3, 5)]


def test_parse_date_drops_the_time(evaluate: Any) -> None:
    got = evaluate(parse_date, ["1990-07-01 23:59", "01.07.1990", "1990年7月1日", "July 1, 1990", "nope"])
    assert got == [dt.date(1990, 7, 1)] * 4 + [None]
    assert evaluate(parse_date, [dt.date(1990, 7, 1)], pa.date32()) == [dt.date(1990, 7, 1)]


def test_a_struct_cannot_be_a_time() -> None:
    t = ibis.memtable(pa.table({"v": [{"a": 1}]}))
    with pytest.raises(ConfigError, match="cannot be parsed as a date or time"):
        parse_datetime(t.v)


def test_compiles_for_spark_and_stays_small(spark_sql: Any) -> None:
    t = ibis.table({"v": "string", "n": "int64"}, name="t")
    sql = spark_sql(
        t.select(a=parse_datetime(t.v), b=parse_date(t.v, day_first=False), c=parse_datetime(t.n))
    )
    assert "TRY_CAST" in sql and "REGEXP_EXTRACT" in sql
    assert len(ibis.to_sql(t.select(a=parse_datetime(t.v)), dialect="duckdb")) < 150_000
