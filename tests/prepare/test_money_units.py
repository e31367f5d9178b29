"""Money strings with Chinese and English units: the amount is multiplied, the marker still read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aimass.prepare import MONEY_UNITS, money_amount, money_currency, parse_money

#: text, currency, amount in its own currency (worked out by hand)
CASES: list[tuple[str, str | None, float | None]] = [
    ("1.2万", "CNY", 12_000.0),
    ("1.2万元", "CNY", 12_000.0),
    ("¥3千", "CNY", 3_000.0),
    ("5亿", "CNY", 500_000_000.0),
    ("2百万", "CNY", 2_000_000.0),
    ("12k", "CNY", 12_000.0),
    ("12K", "CNY", 12_000.0),
    ("$1.5M", "USD", 1_500_000.0),
    ("USD 2 million", "USD", 2_000_000.0),
    ("3.5 thousand", "CNY", 3_500.0),
    ("-1.5万", "CNY", -15_000.0),
    ("(2k)", "CNY", -2_000.0),
    ("1,200", "CNY", 1_200.0),
    ("12 MXN", "MXN", 12.0),  # an ASCII unit does not run on into letters: pesos, not millions
    ("12 kr", "?KR", 12.0),  # 'kr' is not a unit and not a known marker
    ("1.2万 and 3千", None, None),  # two numbers: not money
]


def test_units_multiply_and_markers_survive(evaluate: Callable[..., list[Any]]) -> None:
    texts = [case[0] for case in CASES]
    assert evaluate(money_currency, texts) == [case[1] for case in CASES]
    got = evaluate(money_amount, texts)
    assert got == [pytest.approx(case[2]) if case[2] is not None else None for case in CASES]


def test_units_convert_with_rates(evaluate: Callable[..., list[Any]]) -> None:
    got = evaluate(lambda v: parse_money(v, {"USD": 7.2}, "CNY"), ["$1.5M", "1.2万", "12 MXN"])
    assert got == [10_800_000.0, 12_000.0, None]  # MXN has no rate


def test_every_unit_is_listed_once() -> None:
    assert MONEY_UNITS["万"] == 1e4 and MONEY_UNITS["亿"] == 1e8 and MONEY_UNITS["M"] == 1e6
    assert "m" not in MONEY_UNITS  # '5m' is ambiguous (metres, minutes): not read as millions
