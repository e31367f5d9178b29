"""parse_money, money_amount and money_currency on every written form."""

from __future__ import annotations

from typing import Any

import ibis
import pyarrow as pa
import pytest

from aimass.prepare import money_amount, money_currency, parse_money

RATES = {"USD": 7.2, "EUR": 7.8, "HKD": 0.92}

# (text, currency, amount in its currency, amount in CNY)
CASES: list[tuple[str | None, str | None, float | None, float | None]] = [
    ("¥1,234.50", "CNY", 1234.5, 1234.5),
    ("￥88", "CNY", 88.0, 88.0),
    ("1234.50", "CNY", 1234.5, 1234.5),
    ("1,234.50元", "CNY", 1234.5, 1234.5),
    ("CNY 1234.5", "CNY", 1234.5, 1234.5),
    ("RMB 99.90", "CNY", 99.9, 99.9),
    ("人民币 10", "CNY", 10.0, 10.0),
    ("$12", "USD", 12.0, 86.4),
    ("$1,234.50", "USD", 1234.5, 8888.4),
    ("USD 12.00", "USD", 12.0, 86.4),
    ("12.00 USD", "USD", 12.0, 86.4),
    ("US$ 5", "USD", 5.0, 36.0),
    ("€3,50", "EUR", 3.5, 27.3),
    ("€1.234,50", "EUR", 1234.5, 9629.1),
    ("1 234,50 €", "EUR", 1234.5, 9629.1),
    ("HK$100", "HKD", 100.0, 92.0),
    ("-¥12.50", "CNY", -12.5, -12.5),
    ("¥-12.50", "CNY", -12.5, -12.5),
    ("($3.00)", "USD", -3.0, -21.6),
    ("12-", "CNY", -12.0, -12.0),
    ("  ¥ 7  ", "CNY", 7.0, 7.0),
    ("¥0.99", "CNY", 0.99, 0.99),
    ("0", "CNY", 0.0, 0.0),
    # a currency without a rate: recognised, but not converted
    ("GBP 10", "GBP", 10.0, None),
    ("£10", "GBP", 10.0, None),
    # an unknown marker is reported as '?<marker>'
    ("7 ☃", "?☃", 7.0, None),
    # not money
    ("12 and 13", None, None, None),
    ("abc", None, None, None),
    ("¥", None, None, None),
    ("", None, None, None),
    (None, None, None, None),
]


def test_currency_of_each_form(evaluate: Any) -> None:
    texts = [case[0] for case in CASES]
    assert evaluate(money_currency, texts) == [case[1] for case in CASES]


def test_amount_in_its_own_currency(evaluate: Any) -> None:
    texts = [case[0] for case in CASES]
    got = evaluate(money_amount, texts)
    assert got == pytest.approx([case[2] for case in CASES], nan_ok=True)


def test_converted_to_the_base_currency(evaluate: Any) -> None:
    texts = [case[0] for case in CASES]
    got = evaluate(lambda v: parse_money(v, RATES, "CNY"), texts)
    expected = [case[3] for case in CASES]
    assert [g is None for g in got] == [e is None for e in expected]
    assert [g for g in got if g is not None] == pytest.approx(
        [e for e in expected if e is not None], abs=1e-9
    )


def test_conversion_is_rounded_to_four_decimals(evaluate: Any) -> None:
    # 180.42 * 7.2 = 1299.0239999... in binary floating point
    assert evaluate(lambda v: parse_money(v, RATES), ["$180.42"]) == [1299.024]


def test_symbols_can_be_overridden(evaluate: Any) -> None:
    got = evaluate(
        lambda v: money_currency(v, base="JPY", symbols={"¥": "JPY", "元": "CNY"}), ["¥500", "5元", "5"]
    )
    assert got == ["JPY", "CNY", "JPY"]


def test_numbers_are_in_the_base_currency_already(evaluate: Any) -> None:
    assert evaluate(lambda v: parse_money(v, RATES), [12.5, None], pa.float64()) == [12.5, None]


def test_compiles_for_spark(spark_sql: Any) -> None:
    t = ibis.table({"v": "string"}, name="t")
    sql = spark_sql(t.select(a=parse_money(t.v, RATES), c=money_currency(t.v)))
    assert "REGEXP_REPLACE" in sql
