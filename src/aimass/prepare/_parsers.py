"""Named parsers (``parse: money`` in a mapping) and the plain ones: numbers, integers, booleans, JSON.

A parser takes a column expression and the mapping's policies and returns the typed expression.
The registry is open: :func:`register_parser` adds one (the next cleaning issue adds its own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dt

from aimass._typing import CanonicalType
from aimass.exceptions import ConfigError
from aimass.prepare._dates import parse_date, parse_datetime
from aimass.prepare._money import parse_money
from aimass.prepare._phone import normalize_phone
from aimass.prepare._transforms import SPACES

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "ParsePolicy",
    "Parser",
    "get_parser",
    "parse_boolean",
    "parse_integer",
    "parse_json",
    "parse_number",
    "parser_names",
    "register_parser",
]

_TRUE = ["true", "t", "yes", "y", "1", "on", "是", "真", "对"]
_FALSE = ["false", "f", "no", "n", "0", "off", "否", "假", "不"]


@dataclass(frozen=True)
class ParsePolicy:
    """What parsers need from the mapping: currency, date and phone policies.

    Parameters
    ----------
    base_currency : str
        The currency money is converted to.
    rates : mapping of str to float
        Value of one unit of each foreign currency in the base currency.
    symbols : mapping of str to str
        Extra currency markers.
    day_first : bool
        How ambiguous numeric dates such as ``05.03.2024`` are read.
    phone_region : str
        Region of phone numbers written without a country code.
    """

    base_currency: str = "CNY"
    rates: Mapping[str, float] = field(default_factory=dict)
    symbols: Mapping[str, str] = field(default_factory=dict)
    day_first: bool = True
    phone_region: str = "CN"


@dataclass(frozen=True)
class Parser:
    """A named parser: the function and the canonical types its output may fill."""

    name: str
    function: Callable[[ir.Value, ParsePolicy], ir.Value]
    fills: tuple[CanonicalType, ...]
    description: str = ""


_PARSERS: dict[str, Parser] = {}


def register_parser(parser: Parser, *, replace: bool = False) -> Parser:
    """Make ``parser`` available to mappings as ``parse: <name>``.

    Raises
    ------
    ConfigError
        When the name is taken and ``replace`` is False.
    """
    if parser.name in _PARSERS and not replace:
        raise ConfigError(f"a parser called {parser.name!r} exists already; pass replace=True to replace it")
    _PARSERS[parser.name] = parser
    return parser


def get_parser(name: str) -> Parser:
    """The parser registered as ``name``.

    Raises
    ------
    ConfigError
        When there is none; the message lists the names there are.
    """
    if name not in _PARSERS:
        raise ConfigError(f"there is no parser {name!r}; the parsers are {', '.join(parser_names())}")
    return _PARSERS[name]


def parser_names() -> tuple[str, ...]:
    """The registered parser names, sorted."""
    return tuple(sorted(_PARSERS))


def _string(value: ir.Value, what: str) -> ir.StringValue:
    kind = value.type()
    if kind.is_json() or kind.is_null():  # JSON scalars (a JSON reader's untyped column), or all nulls
        return value.cast("string")
    if not kind.is_string():
        raise ConfigError(f"a {kind} column cannot be parsed as {what}; it must be text or a number")
    return value


def parse_number(value: ir.Value) -> ir.FloatingValue:
    """Numbers from text: ``1,234.5``, ``-3``, ``+0.25``, ``1e3``, ``−7`` (Unicode minus), spaces ignored.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["1,234.5", " -3 ", "1e3", "twelve"]})
    >>> parse_number(t.s).to_pyarrow().to_pylist()
    [1234.5, -3.0, 1000.0, None]
    """
    if value.type().is_numeric():
        return value.cast("float64")
    if value.type().is_boolean():
        return value.cast("int64").cast("float64")
    text = _string(value, "a number").re_replace(f"[{SPACES}]", "").replace("−", "-")
    grouped = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"
    plain = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
    decimal = ibis.cases(
        (text.re_search(plain), text),
        (text.re_search(grouped), text.replace(",", "")),
        else_=ibis.null(dt.string),
    )
    return decimal.cast("float64")


def parse_integer(value: ir.Value) -> ir.IntegerValue:
    """Whole numbers from text or numbers (``"12"``, ``"1,200"``, ``"3.0"``, ``3.0``); others give null.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["12", "1,200", "3.0", "2.5"]})
    >>> parse_integer(t.s).to_pyarrow().to_pylist()
    [12, 1200, 3, None]
    """
    kind = value.type()
    if kind.is_integer():
        return value.cast("int64")
    if kind.is_string():
        text = value.re_replace(r"[\s,]", "")
        digits = text.re_extract(r"^([+-]?\d+)(?:\.0*)?$", 1).nullif("")
        return digits.cast("int64")
    number = parse_number(value)
    return ibis.ifelse(number == number.floor(), number.cast("int64"), ibis.null(dt.int64))


def parse_boolean(value: ir.Value) -> ir.BooleanValue:
    """Booleans from ``true/false``, ``yes/no``, ``y/n``, ``1/0``, ``on/off``, ``是/否`` (any case).

    Numbers are true when non-zero; other text gives null.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["Yes", "n", "是", "maybe"]})
    >>> parse_boolean(t.s).to_pyarrow().to_pylist()
    [True, False, True, None]
    """
    kind = value.type()
    if kind.is_boolean():
        return value
    if kind.is_numeric():
        return value != 0
    text = _string(value, "a boolean").strip().lower()
    return ibis.cases((text.isin(_TRUE), True), (text.isin(_FALSE), False), else_=ibis.null(dt.boolean))


def parse_json(value: ir.Value) -> ir.Value:
    """Nested values as they are (written as JSON text on the way into ``core``); text holding a JSON
    object or array is kept, other text gives null."""
    kind = value.type()
    if kind.is_nested() or kind.is_json():
        return value
    text = _string(value, "JSON").strip()
    return ibis.ifelse(text.re_search(r"^[\[{].*[\]}]$"), text, ibis.null(dt.string))


for _parser in (
    Parser(
        "datetime",
        lambda value, policy: parse_datetime(value, day_first=policy.day_first),
        ("timestamp", "date", "string"),
        "times in mixed formats (ISO, 2024/3/5, 05.03.2024, 2024年3月5日, March 5, 2024 2:22 PM, Unix)",
    ),
    Parser(
        "date",
        lambda value, policy: parse_date(value, day_first=policy.day_first),
        ("date", "timestamp", "string"),
        "dates in the same formats as datetime, time dropped",
    ),
    Parser(
        "money",
        lambda value, policy: parse_money(value, policy.rates, policy.base_currency, symbols=policy.symbols),
        ("float64",),
        "money strings (¥1,234.50, 1,234.50元, CNY 1234.5, $12, USD 12.00) in the base currency",
    ),
    Parser(
        "number",
        lambda value, policy: parse_number(value),
        ("float64", "int64"),
        "numbers, thousands separators",
    ),
    Parser(
        "integer", lambda value, policy: parse_integer(value), ("int64", "float64", "string"), "whole numbers"
    ),
    Parser(
        "boolean", lambda value, policy: parse_boolean(value), ("boolean",), "yes/no, true/false, 1/0, 是/否"
    ),
    Parser(
        "phone",
        lambda value, policy: normalize_phone(value, policy.phone_region),
        ("string",),
        "phone numbers to E.164 (+8613812345678)",
    ),
    Parser("json", lambda value, policy: parse_json(value), ("json", "string"), "nested values or JSON text"),
):
    register_parser(_parser)
