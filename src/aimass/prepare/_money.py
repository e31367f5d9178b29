"""Money from text (``¥1,234.50``, ``1,234.50元``, ``CNY 1234.5``, ``$12``, ``USD 12.00``, ``(€3,50)``).

A money string is one number with a currency marker before or after it and perhaps a sign or
parentheses; a unit right after the number multiplies it (``1.2万`` is 12,000, ``3千``, ``5亿``,
``12k``, ``1.5M``, ``2 million``; see :data:`MONEY_UNITS`). The marker is whatever is left when
the number, its unit, spaces and signs are removed; it is looked up in a symbol table (``¥`` and
``元`` are CNY, ``$`` is USD, ...) or read as an ISO 4217 code. The amount is converted to the
base currency with the given rates. Everything is a portable Ibis expression: regex
search/extract/replace, ``cases`` and a cast of a checked decimal string.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dt

from aimass.exceptions import ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["CURRENCY_SYMBOLS", "MONEY_UNITS", "money_amount", "money_currency", "parse_money"]

#: Currency markers and the ISO 4217 code each stands for (upper-cased markers; codes are read as is).
CURRENCY_SYMBOLS: dict[str, str] = {
    "¥": "CNY",
    "￥": "CNY",
    "元": "CNY",
    "RMB": "CNY",
    "RMB¥": "CNY",
    "CN¥": "CNY",
    "人民币": "CNY",
    "$": "USD",
    "US$": "USD",
    "USD$": "USD",
    "美元": "USD",
    "€": "EUR",
    "欧元": "EUR",
    "£": "GBP",
    "英镑": "GBP",
    "HK$": "HKD",
    "港币": "HKD",
    "港元": "HKD",
    "JP¥": "JPY",
    "円": "JPY",
    "日元": "JPY",
    "₩": "KRW",
    "韩元": "KRW",
    "S$": "SGD",
    "NT$": "TWD",
    "A$": "AUD",
    "C$": "CAD",
    "₹": "INR",
}

#: Units written right after a money amount, and what they multiply it by (matched case-sensitively:
#: ``M`` is a million, ``m`` is not a unit; an ASCII unit must not run on into letters, so ``12 MXN``
#: is 12 Mexican pesos).
MONEY_UNITS: dict[str, float] = {
    "千万": 1e7,
    "百万": 1e6,
    "万": 1e4,
    "千": 1e3,
    "亿": 1e8,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "mn": 1e6,
    "bn": 1e9,
    "k": 1e3,
    "K": 1e3,
    "M": 1e6,
    "B": 1e9,
}

_NUMBER = r"\d[\d,.\s']*\d|\d"
_UNIT = "|".join(sorted(MONEY_UNITS, key=len, reverse=True))
_UNIT_AFTER = rf"(?:{_NUMBER})\s*({_UNIT})(?:[^A-Za-z]|$)"
_SINGLE_NUMBER = r"^[^#]*#[^#]*$"
_NOT_MARKER = r"[#\s()+\-−]"
_PLAIN = r"^\d+(\.\d+)?$"
_GROUPED = r"^\d{1,3}(,\d{3})+(\.\d+)?$"
_EUROPEAN_GROUPED = r"^\d{1,3}(\.\d{3})+(,\d+)?$"
_EUROPEAN = r"^\d+,\d{1,2}$"


def _text(value: ir.Value) -> ir.StringValue:
    kind = value.type()
    if kind.is_json() or kind.is_null():
        return value.cast("string")
    if not kind.is_string():
        raise ConfigError(f"a {kind} column cannot be parsed as money; it must be text or a number")
    return value


def _unit(text: ir.StringValue) -> ir.StringValue:
    """The unit written right after the number (``万``, ``k``, ``million``, ...), or ``""``."""
    return text.re_extract(_UNIT_AFTER, 1).fill_null("")


def _masked(text: ir.StringValue) -> ir.StringValue:
    """The text with its number (and unit) replaced by ``#`` (so markers and signs remain)."""
    with_unit = text.re_replace(f"(?:{_NUMBER})\\s*(?:{_UNIT})", "#").re_replace(_NUMBER, "#")
    return ibis.ifelse(_unit(text) == "", text.re_replace(_NUMBER, "#"), with_unit)


def _multiplier(text: ir.StringValue) -> ir.FloatingValue:
    factors: ir.FloatingValue = ibis.map(MONEY_UNITS)[_unit(text)]
    return factors.fill_null(1.0)


def money_amount(value: ir.Value) -> ir.FloatingValue:
    """The signed amount of a money string in its own currency (no conversion).

    Thousands separators (``1,234.50``, European ``1.234,50``, spaces) are understood; a leading or
    trailing minus or parentheses make the amount negative; a unit of :data:`MONEY_UNITS` right
    after the number multiplies it. Text that is not exactly one number
    with a marker gives null. Numeric columns are returned as ``float64``.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["¥1,234.50", "-$12", "(3,50 €)", "12 and 13", "1.2万元", "$1.5M"]})
    >>> money_amount(t.s).to_pyarrow().to_pylist()
    [1234.5, -12.0, -3.5, None, 12000.0, 1500000.0]
    """
    if value.type().is_numeric():
        return value.cast("float64")
    text = _text(value)
    number = text.re_extract(f"({_NUMBER})", 1).re_replace(r"[\s']", "")
    decimal = ibis.cases(
        (number.re_search(_PLAIN), number),
        (number.re_search(_GROUPED), number.replace(",", "")),
        (number.re_search(_EUROPEAN_GROUPED), number.replace(".", "").replace(",", ".")),
        (number.re_search(_EUROPEAN), number.replace(",", ".")),
        else_=ibis.null(dt.string),
    )
    masked = _masked(text)
    sign = ibis.ifelse(masked.re_search(r"[-−(]"), -1.0, 1.0)
    amount = decimal.cast("float64") * sign * _multiplier(text)
    return ibis.ifelse(masked.re_search(_SINGLE_NUMBER), amount, ibis.null(dt.float64))


def money_currency(
    value: ir.Value, *, base: str = "CNY", symbols: Mapping[str, str] | None = None
) -> ir.StringValue:
    """The ISO 4217 code of each money string's currency.

    A bare number is in ``base``; a marker is looked up in :data:`CURRENCY_SYMBOLS` updated with
    ``symbols``; three letters are read as a code. An unrecognised marker gives ``"?<marker>"``
    (so it can be reported), and text that is not one number gives null.

    Parameters
    ----------
    value : ibis.expr.types.Value
        The money column.
    base : str, default "CNY"
        The currency of amounts written without a marker.
    symbols : mapping of str to str, optional
        Extra or overriding markers, e.g. ``{"¥": "JPY"}``.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["¥1,234.50", "1,234.50元", "CNY 1234.5", "$12", "USD 12.00", "12", "7 ☃"]})
    >>> money_currency(t.s).to_pyarrow().to_pylist()
    ['CNY', 'CNY', 'CNY', 'USD', 'USD', 'CNY', '?☃']
    """
    if value.type().is_numeric():
        return ibis.literal(base)
    table = {**CURRENCY_SYMBOLS, **{marker.upper(): code for marker, code in (symbols or {}).items()}}
    masked = _masked(_text(value))
    marker = masked.re_replace(_NOT_MARKER, "").upper()
    code = ibis.cases(
        (marker == "", base),
        *((marker == symbol, currency) for symbol, currency in table.items()),
        (marker.re_search(r"^[A-Z]{3}$"), marker),
        else_="?" + marker,
    )
    return ibis.ifelse(masked.re_search(_SINGLE_NUMBER), code, ibis.null(dt.string))


def parse_money(
    value: ir.Value,
    rates: Mapping[str, float] | None = None,
    base: str = "CNY",
    *,
    symbols: Mapping[str, str] | None = None,
) -> ir.FloatingValue:
    """Parse money strings and convert them to the base currency.

    Parameters
    ----------
    value : ibis.expr.types.Value
        A text column (or a numeric one, taken to be in ``base`` already).
    rates : mapping of str to float, optional
        Value of one unit of each foreign currency in ``base``, e.g. ``{"USD": 7.2}``.
    base : str, default "CNY"
        The currency of the result (and of amounts written without a marker).
    symbols : mapping of str to str, optional
        Extra or overriding currency markers.

    Returns
    -------
    ibis.expr.types.FloatingValue
        Amounts in ``base``, rounded to 4 decimals; null for text that is not money or whose
        currency has no rate (the prepare step checks the currencies first and names them).

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["¥1,234.50", "$1,234.50", "USD 12.00", "-12元"]})
    >>> parse_money(t.s, {"USD": 7.2}).to_pyarrow().to_pylist()
    [1234.5, 8888.4, 86.4, -12.0]
    """
    if value.type().is_numeric():
        return value.cast("float64")
    currency = money_currency(value, base=base, symbols=symbols)
    known = {base: 1.0, **{code: float(rate) for code, rate in (rates or {}).items() if code != base}}
    rate = ibis.cases(
        *((currency == code, factor) for code, factor in known.items()), else_=ibis.null(dt.float64)
    )
    return (money_amount(value) * rate).round(4)
