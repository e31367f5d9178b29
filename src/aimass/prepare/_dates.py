"""Dates and times from text, as portable Ibis expressions.

One column may mix many writings of a time. :func:`parse_datetime` recognises each row's format
with an anchored regular expression (the patterns do not overlap, and they already bound the
hour, minute, second and zone offset), extracts the parts with ``re_extract``, applies the
day-first policy, AM/PM and month names, writes the parts as one well-formed
``YYYY-MM-DD HH:MM:SS.ffffff`` string and ``try_cast`` s it to a timestamp, which rejects
impossible calendar dates (31 February, 29 February 2023). Zone offsets are subtracted as
minute intervals; Unix times are added to the epoch as intervals. Nothing depends on a backend's
own date parser or time zone, so the expression gives the same answer on DuckDB and on Spark
(regex search/extract, ``right``, concatenation, ``try_cast`` and interval arithmetic compile on
both). Every part is extracted only for the rows of its format and used once, which keeps the
generated SQL linear in the number of formats.

Rows that match no format, or whose date does not exist, become null; the prepare step counts
them and reports samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dt

from aimass.exceptions import ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["DATETIME_FORMATS", "parse_date", "parse_datetime"]

# Ranges are checked by the patterns (hour 0-23, minute and second 0-59, offset up to 14 hours);
# the calendar (month lengths, leap years) by the final cast.
_TIME = r"([01]?\d|2[0-3])[:：]([0-5]\d)(?:[:：]([0-5]\d)(?:[.,](\d{1,9}))?)?"
_AMPM = r"([AaPp]\.?[Mm]\.?)"
_ZONE = r"(Z|z|UTC|GMT|[+-](?:0\d|1[0-4])(?::?[0-5]\d)?)"
_CLOCK = rf"(?:(?:[Tt]|\s+|,\s*){_TIME}\s*{_AMPM}?)?\s*{_ZONE}?\s*$"
_WEEKDAY = r"^\s*(?:[A-Za-z]+\.?,?\s+)?"

_MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("jan", "january"),
        ("feb", "february"),
        ("mar", "march"),
        ("apr", "april"),
        ("may",),
        ("jun", "june"),
        ("jul", "july"),
        ("aug", "august"),
        ("sep", "sept", "september"),
        ("oct", "october"),
        ("nov", "november"),
        ("dec", "december"),
    ),
    start=1,
):
    for _name in _names:
        _MONTH_NAMES[_name] = _number


@dataclass(frozen=True)
class _Format:
    """One way of writing a time: an anchored pattern and which group holds which part."""

    name: str
    pattern: str
    parts: dict[str, int]
    example: str


_CLOCK_PARTS = {"hour": 4, "minute": 5, "second": 6, "fraction": 7, "ampm": 8, "zone": 9}

#: The recognised formats, tried in this order (their patterns do not overlap).
DATETIME_FORMATS: tuple[_Format, ...] = (
    _Format(
        "year_month_day",
        r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _CLOCK,
        {"year": 1, "month": 2, "day": 3, **_CLOCK_PARTS},
        "2024-03-05 14:22:01, 2024-03-05T14:22:01Z, 2024/3/5 14:22, 2024-03-05",
    ),
    _Format(
        "day_month_year",  # or month/day/year: the day_first policy decides
        r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})" + _CLOCK,
        {"first": 1, "second_number": 2, "year": 3, **_CLOCK_PARTS},
        "05.03.2024 14:22, 05/03/2024, 3/5/2024 2:22 PM",
    ),
    _Format(
        "chinese",
        r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"
        r"(?:\s*(上午|下午|早上|中午|晚上)?\s*([01]?\d|2[0-3])[:：时点]([0-5]?\d)(?:[:：分]([0-5]?\d)秒?)?分?)?\s*$",
        {"year": 1, "month": 2, "day": 3, "ampm": 4, "hour": 5, "minute": 6, "second": 7},
        "2024年3月5日 14:22, 2024年3月5日 下午2:22",
    ),
    _Format(
        "month_name_day_year",
        _WEEKDAY + r"([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})" + _CLOCK,
        {"month_name": 1, "day": 2, "year": 3, **_CLOCK_PARTS},
        "March 5, 2024 2:22 PM, Tue, Mar 5th 2024",
    ),
    _Format(
        "day_month_name_year",
        _WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)?[\s-]+([A-Za-z]{3,9})\.?,?[\s-]+(\d{4})" + _CLOCK,
        {"day": 1, "month_name": 2, "year": 3, **_CLOCK_PARTS},
        "5 March 2024 14:22, 05-Mar-2024, Tue, 05 Mar 2024 14:22:01 +0000",
    ),
    _Format(
        "compact",
        r"^\s*(\d{4})(\d{2})(\d{2})(?:[Tt ]?([01]\d|2[0-3])([0-5]\d)([0-5]\d)?)?\s*$",
        {"year": 1, "month": 2, "day": 3, "hour": 4, "minute": 5, "second": 6},
        "20240305, 20240305142201, 20240305T1422",
    ),
    _Format(
        "unix_seconds", r"^\s*(\d{9,10})(?:\.(\d{1,6}))?\s*$", {"seconds": 1, "fraction": 2}, "1709648521"
    ),
    _Format("unix_milliseconds", r"^\s*(\d{13})\s*$", {"milliseconds": 1}, "1709648521000"),
)


_MONTH_PREFIXES = "janfebmaraprmayjunjulaugsepoctnovdec"
_EPOCH = "1970-01-01 00:00:00"


def _two(text: ir.StringValue) -> ir.StringValue:
    """A one- or two-digit number as two digits (``right`` uses its argument once; ``lpad`` does not)."""
    return ("0" + text).right(2)


def _pad(number: ir.IntegerValue) -> ir.StringValue:
    return _two(number.cast("string"))


class _Row:
    """The text of one format's groups for each row (null where the row is in another format)."""

    def __init__(self, text: ir.StringValue, form: _Format) -> None:
        self.text, self.form = text, form

    def part(self, name: str) -> ir.StringValue:
        if name not in self.form.parts:
            return ibis.null(dt.string)
        return self.text.re_extract(self.form.pattern, self.form.parts[name]).nullif("")

    def matches(self) -> ir.BooleanValue:
        return self.text.re_search(self.form.pattern)

    def number(self, name: str) -> ir.IntegerValue:
        return self.part(name).cast("int64")


def _month_from_name(name: ir.StringValue) -> ir.StringValue:
    lowered = name.lower()
    position = ibis.literal(_MONTH_PREFIXES).find(lowered.substr(0, 3))
    number = position // 3 + 1
    return ibis.cases((lowered.isin(list(_MONTH_NAMES)), _pad(number)), else_=ibis.null(dt.string))


def _clock(row: _Row) -> ir.StringValue:
    """``HH:MM:SS.ffffff`` with AM/PM applied (``12 AM`` is 0, ``2 PM`` is 14); midnight when absent."""
    hour = _two(row.part("hour"))
    if "ampm" in row.form.parts:
        marker = row.part("ampm").lower()
        evening = marker.startswith("p") | marker.isin(["下午", "晚上", "中午"])
        shifted = _pad(row.number("hour") % 12 + ibis.ifelse(evening, 12, 0))
        hour = ibis.ifelse(marker.isnull(), hour, shifted)
    minute = _two(row.part("minute")).fill_null("00")
    second = _two(row.part("second")).fill_null("00")
    return hour.fill_null("00") + ":" + minute + ":" + second + "." + _micro(row.part("fraction"))


def _micro(fraction: ir.StringValue) -> ir.StringValue:
    return (fraction.fill_null("") + "000000").substr(0, 6)


def _iso_text(row: _Row, day_first: bool) -> ir.StringValue:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` for the rows in ``row``'s format, else null."""
    parts = row.form.parts
    if "first" in parts:  # 05.03.2024: which number is the month is a policy, unless only one can be
        first, second = row.number("first"), row.number("second_number")
        month_first = (first <= 12) & (second > 12) if day_first else first <= 12
        month = ibis.ifelse(month_first, first, second)
        day = ibis.ifelse(month_first, second, first)
        month_text, day_text = _pad(month), _pad(day)
    else:
        month_text = (
            _month_from_name(row.part("month_name")) if "month_name" in parts else _two(row.part("month"))
        )
        day_text = _two(row.part("day"))
    return row.part("year") + "-" + month_text + "-" + day_text + " " + _clock(row)


def _zone_minutes(zone: ir.StringValue) -> ir.IntegerValue:
    """Minutes east of UTC for ``Z``, ``UTC``, ``+08:00``, ``+0800``, ``-05``; 0 when absent."""
    digits = zone.re_replace(r"[^0-9]", "") + "00"
    minutes = digits.substr(0, 2).cast("int64") * 60 + digits.substr(2, 2).cast("int64")
    signed = ibis.ifelse(zone.startswith("-"), -minutes, minutes)
    return ibis.ifelse(zone.isnull() | zone.upper().isin(["Z", "UTC", "GMT"]), 0, signed)


def _parse_text(text: ir.StringValue, day_first: bool) -> ir.TimestampValue:
    calendar = [_Row(text, form) for form in DATETIME_FORMATS if "year" in form.parts]
    # Each format's parts are extracted only for the rows that match it (CASE evaluates lazily).
    iso = ibis.cases(
        *((row.matches(), _iso_text(row, day_first)) for row in calendar), else_=ibis.null(dt.string)
    )
    local = iso.try_cast(dt.Timestamp())
    zone = ibis.coalesce(*(row.part("zone") for row in calendar if "zone" in row.form.parts))
    with_zone = local - _zone_minutes(zone).as_interval("m")
    by_name = {form.name: _Row(text, form) for form in DATETIME_FORMATS}
    epoch = ibis.timestamp(_EPOCH)
    seconds = by_name["unix_seconds"].number("seconds")
    micro = _micro(by_name["unix_seconds"].part("fraction")).cast("int64")
    millis = by_name["unix_milliseconds"].number("milliseconds")
    from_seconds = epoch + seconds.as_interval("s") + micro.as_interval("us")
    from_millis = epoch + (millis // 1000).as_interval("s") + (millis % 1000).as_interval("ms")
    return ibis.coalesce(from_seconds, from_millis, with_zone).cast(dt.Timestamp())


def parse_datetime(value: ir.Value, *, day_first: bool = True) -> ir.TimestampValue:
    """Parse a column of times written in mixed formats into a naive UTC ``timestamp``.

    Recognised, row by row: ISO ``2024-03-05 14:22:01`` / ``2024-03-05T14:22:01.5Z`` /
    ``2024-03-05T14:22:01+08:00`` (an explicit offset is converted to UTC), ``2024/3/5 14:22``,
    ``05.03.2024 14:22`` and ``05/03/2024`` (day first or month first by ``day_first``; when only
    one reading is a valid date, that one is taken), ``2024年3月5日 14:22`` (also ``下午2:22``),
    ``March 5, 2024 2:22 PM`` and ``5 Mar 2024`` (English month names, AM/PM, weekday prefix),
    ``20240305`` and ``20240305142201``, Unix seconds (9-10 digits, optional fraction) and Unix
    milliseconds (13 digits), and each date without its time. Timestamp and date columns pass
    through (aware timestamps converted to UTC); integer columns are read as their digits.

    Parameters
    ----------
    value : ibis.expr.types.Value
        A string, integer, date or timestamp column expression.
    day_first : bool, default True
        How to read ``05.03.2024``: True gives 5 March, False gives May 3.

    Returns
    -------
    ibis.expr.types.TimestampValue
        The times; null where the text matches no format or names an impossible date.

    Raises
    ------
    ConfigError
        When the column's type cannot hold a time (e.g. a struct).

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["2024/3/5 14:22", "05.03.2024 14:22", "March 5, 2024 2:22 PM", "31.2.2024"]})
    >>> [str(v) for v in parse_datetime(t.s).to_pyarrow().to_pylist()]
    ['2024-03-05 14:22:00', '2024-03-05 14:22:00', '2024-03-05 14:22:00', 'None']
    """
    kind = value.type()
    if kind.is_timestamp():
        if kind.timezone is None:
            return value
        return value.cast(dt.Timestamp(timezone="UTC")).cast(dt.Timestamp())
    if kind.is_date():
        return value.cast(dt.Timestamp())
    if kind.is_numeric():
        value = value.floor().cast("int64").cast("string")
    elif kind.is_json() or kind.is_null():
        value = value.cast("string")
    elif not kind.is_string():
        raise ConfigError(
            f"a {kind} column cannot be parsed as a date or time; it must be text, a number or a time"
        )
    return _parse_text(value, day_first)


def parse_date(value: ir.Value, *, day_first: bool = True) -> ir.DateValue:
    """Parse a column of dates (any format :func:`parse_datetime` reads) into ``date``, dropping the time.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["1990-07-01", "01.07.1990", "1990年7月1日"]})
    >>> [str(v) for v in parse_date(t.s).to_pyarrow().to_pylist()]
    ['1990-07-01', '1990-07-01', '1990-07-01']
    """
    if value.type().is_date():
        return value
    return parse_datetime(value, day_first=day_first).date()
