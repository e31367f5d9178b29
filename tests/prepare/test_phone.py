"""normalize_phone: E.164 from the ways people write numbers."""

from __future__ import annotations

from typing import Any

import ibis
import pyarrow as pa
import pytest

from aimass.exceptions import ConfigError
from aimass.prepare import normalize_phone

CN_CASES: list[tuple[str | None, str | None]] = [
    ("138 1234 5678", "+8613812345678"),
    ("+86 13812345678", "+8613812345678"),
    ("13812345678", "+8613812345678"),
    ("+86 138-1234-5678", "+8613812345678"),
    ("(+86) 138 1234 5678", "+8613812345678"),
    ("8613812345678", "+8613812345678"),
    ("008613812345678", "+8613812345678"),
    ("010-12345678", "+861012345678"),  # Beijing landline, trunk 0 dropped
    ("+1 415 555 0100", "+14155550100"),
    ("138\u30001234\u30005678", "+8613812345678"),  # ideographic spaces
    ("12345", None),
    ("1381234567", None),  # 10 digits: not a mobile number
    ("n/a", None),
    ("", None),
    (None, None),
]


def test_chinese_numbers(evaluate: Any) -> None:
    assert evaluate(normalize_phone, [text for text, _ in CN_CASES]) == [e164 for _, e164 in CN_CASES]


def test_other_regions(evaluate: Any) -> None:
    assert evaluate(lambda v: normalize_phone(v, "US"), ["(415) 555-0100", "1 415 555 0100", "555-0100"]) == [
        "+14155550100",
        "+14155550100",
        None,
    ]
    assert evaluate(lambda v: normalize_phone(v, "GB"), ["020 7946 0018"]) == ["+442079460018"]


def test_spreadsheet_numbers(evaluate: Any) -> None:
    assert evaluate(normalize_phone, [13812345678.0, None], pa.float64()) == ["+8613812345678", None]
    assert evaluate(normalize_phone, [13812345678], pa.int64()) == ["+8613812345678"]


def test_unknown_region() -> None:
    t = ibis.memtable(pa.table({"v": ["1"]}))
    with pytest.raises(ConfigError, match="phone region 'XX' is not known; the regions are CN"):
        normalize_phone(t.v, "XX")


def test_compiles_for_spark(spark_sql: Any) -> None:
    t = ibis.table({"v": "string"}, name="t")
    assert "+86" in spark_sql(t.select(p=normalize_phone(t.v)))
