"""What sampled values look like: timestamps, money, emails, phones, identifiers, JSON, categories.

Runs in Python on a small sample (a few hundred rows per raw table) to guide the suggestion; the
mapping itself is applied by the engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from aimass.prepare._dates import DATETIME_FORMATS
from aimass.prepare._money import CURRENCY_SYMBOLS

__all__ = ["ColumnProfile", "profile_column", "profile_table"]

_CALENDAR = [
    re.compile(form.pattern)
    for form in DATETIME_FORMATS
    if form.name not in ("unix_seconds", "unix_milliseconds")
]
_AMBIGUOUS = re.compile(next(form.pattern for form in DATETIME_FORMATS if form.name == "day_month_year"))
_EMAIL = re.compile(r"^\s*[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\s*$")
_PHONE_SEPARATORS = re.compile(r"[\s\-().·/]")
_NUMBER = re.compile(r"\d[\d,.\s']*\d|\d")
_PLAIN_NUMBER = re.compile(r"^\s*[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\s*$")
_ID = re.compile(
    r"^(0\d+|[A-Za-z]{1,10}[-_]?\d{2,}[A-Za-z0-9]*|[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}|[A-Za-z0-9]+[-_][A-Za-z0-9-_]+)$"
)
_IMAGE = re.compile(r"\.(png|jpe?g|webp|gif|bmp|svg)$", re.IGNORECASE)
_TRUE_FALSE = {"true", "false", "yes", "no", "y", "n", "t", "f", "是", "否"}


@dataclass
class ColumnProfile:
    """Evidence about one raw column (or struct field path) from sampled values.

    ``kinds`` maps a kind of value (``datetime``, ``money``, ``number``, ``integer``, ``id``,
    ``email``, ``phone``, ``json``, ``boolean``, ``category``, ``text``, ``image``) to the share
    of sampled non-null values that look like it. ``currencies`` maps each currency seen in money
    strings to an example; ``messy_case`` says that some values differ only by case or spaces, and
    ``mostly_upper`` that most are upper case; ``padded`` that some are zero-padded digit strings;
    the votes count dates like ``25.03.2024`` (only day first) and ``03.25.2024`` (only month first);
    ``fields`` lists a struct's fields.
    """

    name: str
    arrow_type: str
    sampled: int
    nulls: int
    kinds: dict[str, float] = field(default_factory=dict)
    currencies: dict[str, str] = field(default_factory=dict)
    messy_case: bool = False
    mostly_upper: bool = False
    padded: bool = False
    day_first_votes: int = 0
    month_first_votes: int = 0
    fields: list[str] = field(default_factory=list)

    @property
    def is_text(self) -> bool:
        """Whether the raw values are strings."""
        return self.arrow_type in ("string", "large_string", "string_view")

    def share(self, kind: str) -> float:
        """The share of values that look like ``kind``."""
        return self.kinds.get(kind, 0.0)


def _money_currency(text: str) -> str | None:
    """The currency marker of a money string, or None when it is not one number with a marker."""
    numbers = _NUMBER.findall(text)
    if len(numbers) != 1:
        return None
    marker = _NUMBER.sub("", text)
    marker = re.sub(r"[\s()+\-−]", "", marker).upper()
    if not marker:
        return None
    if marker in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[marker]
    return marker if re.fullmatch(r"[A-Z]{3}", marker) else None


def _date_votes(text: str) -> tuple[int, int]:
    match = _AMBIGUOUS.match(text)
    if not match:
        return 0, 0
    first, second = int(match.group(1)), int(match.group(2))
    return int(first > 12 >= second), int(second > 12 >= first)


def _text_kinds(values: Sequence[str], profile: ColumnProfile) -> None:
    n = len(values)
    counts = dict.fromkeys(
        ("datetime", "money", "number", "integer", "id", "email", "phone", "json", "boolean", "image"), 0
    )
    for value in values:
        text = value.strip()
        is_time = any(pattern.match(text) for pattern in _CALENDAR)
        if is_time:
            counts["datetime"] += 1
            day, month = _date_votes(text)
            profile.day_first_votes += day
            profile.month_first_votes += month
        currency = None if is_time else _money_currency(text)
        if currency is not None:
            counts["money"] += 1
            profile.currencies.setdefault(currency, value)
        if _PLAIN_NUMBER.match(text):
            counts["number"] += 1
            counts["money"] += 1
            if re.fullmatch(r"[+-]?\d+", text.replace(",", "")):
                counts["integer"] += 1
        if _ID.match(text):
            counts["id"] += 1
        if _EMAIL.match(value):
            counts["email"] += 1
        digits = _PHONE_SEPARATORS.sub("", text)
        if re.fullmatch(r"(\+|00)[1-9]\d{6,14}|1[3-9]\d{9}|0\d{9,11}", digits):
            counts["phone"] += 1
        if text[:1] in "[{" and text[-1:] in "]}":
            counts["json"] += 1
        if text.lower() in _TRUE_FALSE:
            counts["boolean"] += 1
        if _IMAGE.search(text):
            counts["image"] += 1
    profile.kinds.update({kind: count / n for kind, count in counts.items() if count})
    profile.padded = any(
        value.strip().startswith("0") and value.strip().isdigit() and len(value.strip()) > 1
        for value in values
    )
    distinct = set(values)
    folded = {value.strip().lower() for value in values}
    profile.messy_case = len(folded) < len(distinct)
    stripped = [value.strip() for value in values]
    upper = sum(1 for value in stripped if value.isupper())
    profile.mostly_upper = upper > len(stripped) / 2
    if len(folded) <= max(20, n // 20):  # few values, once case and spaces are set aside
        profile.kinds["category"] = 1.0
    profile.kinds["text"] = 1.0


def profile_column(name: str, array: pa.Array | pa.ChunkedArray) -> ColumnProfile:
    """Look at one column's sampled values.

    Examples
    --------
    >>> import pyarrow as pa
    >>> p = profile_column("Line Total", pa.array(["¥1,234.50", "$12", "1234.50"]))
    >>> p.share("money"), sorted(p.currencies)
    (1.0, ['CNY', 'USD'])
    """
    kind = array.type
    values = [value for value in array.to_pylist() if value is not None]
    profile = ColumnProfile(name, str(kind), len(array), len(array) - len(values))
    if not values:
        return profile
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        profile.kinds.update(datetime=1.0)
    elif pa.types.is_boolean(kind):
        profile.kinds.update(boolean=1.0, category=1.0)
    elif pa.types.is_integer(kind):
        profile.kinds.update(integer=1.0, number=1.0, money=0.8, id=0.6)
        if len(set(values)) <= max(20, len(values) // 20):
            profile.kinds["category"] = 0.6
    elif pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        whole = sum(1 for value in values if float(value).is_integer()) / len(values)
        profile.kinds.update(number=1.0, money=1.0, integer=whole)
    elif (
        pa.types.is_struct(kind)
        or pa.types.is_list(kind)
        or pa.types.is_large_list(kind)
        or pa.types.is_map(kind)
    ):
        profile.kinds.update(json=1.0)
        if pa.types.is_struct(kind):
            profile.fields = [kind.field(i).name for i in range(kind.num_fields)]
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        _text_kinds([str(value) for value in values], profile)
    else:
        profile.kinds.update(text=0.5)
    return profile


def _flatten(name: str, array: Any) -> list[tuple[str, Any]]:
    """The column and, for structs, its fields as ``name.field`` paths (one level)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    out = [(name, array)]
    if pa.types.is_struct(array.type):
        for index in range(array.type.num_fields):
            child = array.type.field(index)
            out.append((f"{name}.{child.name}", array.field(index)))
    return out


def profile_table(sample: pa.Table, skip: Sequence[str] = ()) -> dict[str, ColumnProfile]:
    """Profiles of every column of a sampled table, and of the fields of its struct columns."""
    profiles: dict[str, ColumnProfile] = {}
    for name in sample.column_names:
        if name in skip:
            continue
        for path, array in _flatten(name, sample.column(name)):
            profiles[path] = profile_column(path, array)
    return profiles
