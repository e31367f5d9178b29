"""Categorical harmonization from a synonym table: ``M``, ``male``, ``男``, ``Male `` -> ``male``.

A synonym table maps each canonical value to its variants, ``{"male": ["M", "男"], "female":
["F", "女"]}``. Values are matched on a key that ignores case, full-width forms and whitespace at
the ends (inner runs of spaces count as one), so ``" MALE "`` and ``"ｍａｌｅ"`` are ``male``; the
canonical value itself is always a variant. Values in no entry are kept as they are, and
:func:`unmapped_values` counts them (one group-by query) so they can be reported and added.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis

from aimass.exceptions import ConfigError
from aimass.prepare._transforms import SPACES, as_text, get_transform

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "SynonymTable",
    "UnmappedValue",
    "harmonize",
    "is_unmapped",
    "synonym_key",
    "synonym_lookup",
    "unmapped_values",
]

#: Canonical value -> its variants.
SynonymTable = Mapping[str, Sequence[str]]

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SPACES = re.compile(f"[{SPACES}]+")


@dataclass(frozen=True)
class UnmappedValue:
    """A value that no synonym entry matched, and how many rows hold it."""

    value: str
    count: int


def synonym_key(text: str) -> str:
    """The matching key of one value (Python side): half-width, spaces squeezed and trimmed, lower case.

    Examples
    --------
    >>> synonym_key("  ＭＡＬＥ  ")
    'male'
    """
    return _SPACES.sub(" ", text.translate(_FULL_WIDTH)).strip(" ").lower()


def _key(value: ir.Value) -> ir.StringValue:
    """The matching key as an engine expression (the same steps as :func:`synonym_key`)."""
    text: ir.StringValue = get_transform("halfwidth")(as_text(value))
    return text.re_replace(f"[{SPACES}]+", " ").re_replace(r"^ | $", "").lower()


def synonym_lookup(synonyms: SynonymTable, *, where: str = "") -> dict[str, str]:
    """Key -> canonical value, checked: a variant may not belong to two canonical values.

    Raises
    ------
    ConfigError
        When the table is empty, a canonical value has no text, or a variant is listed under two
        canonical values (the message names both).

    Examples
    --------
    >>> synonym_lookup({"male": ["M", "男"], "female": ["F"]})
    {'male': 'male', 'm': 'male', '男': 'male', 'female': 'female', 'f': 'female'}
    """
    if not synonyms:
        raise ConfigError(f"{where}the synonym table is empty; give {{canonical: [variants, ...]}}")
    lookup: dict[str, str] = {}
    for canonical, variants in synonyms.items():
        if not str(canonical).strip():
            raise ConfigError(f"{where}a canonical value must not be empty (variants {list(variants)})")
        for variant in (canonical, *variants):
            key = synonym_key(str(variant))
            other = lookup.setdefault(key, canonical)
            if other != canonical:
                raise ConfigError(
                    f"{where}the variant {variant!r} is listed under both {other!r} and {canonical!r}; "
                    "keep it under one"
                )
    return lookup


def harmonize(value: ir.Value, synonyms: SynonymTable) -> ir.StringValue:
    """Replace each variant by its canonical value; other values are kept unchanged.

    Parameters
    ----------
    value : ibis.expr.types.Value
        A categorical column (read as text).
    synonyms : mapping of str to sequence of str
        Canonical value -> variants, e.g. ``{"male": ["M", "男"], "female": ["F", "女"]}``.

    Returns
    -------
    ibis.expr.types.StringValue
        The harmonized values.

    Raises
    ------
    ConfigError
        When the synonym table is not valid (see :func:`synonym_lookup`).

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"g": ["M", "male", "男", "Male ", "ｆ", "x", None]})
    >>> harmonize(t.g, {"male": ["M", "男"], "female": ["F", "女"]}).to_pyarrow().to_pylist()
    ['male', 'male', 'male', 'male', 'female', 'x', None]
    """
    lookup = synonym_lookup(synonyms)
    text = as_text(value)
    key = _key(text)
    by_canonical: dict[str, list[str]] = {}
    for variant_key, canonical in lookup.items():
        by_canonical.setdefault(canonical, []).append(variant_key)
    return ibis.cases(*((key.isin(keys), canonical) for canonical, keys in by_canonical.items()), else_=text)


def is_unmapped(value: ir.Value, synonyms: SynonymTable) -> ir.BooleanValue:
    """True where ``value`` is not null, not blank, and matches no entry of ``synonyms``."""
    key = _key(value)
    return value.notnull() & (key != "") & ~key.isin(list(synonym_lookup(synonyms)))


def unmapped_values(
    table: ir.Table, column: str, synonyms: SynonymTable, *, limit: int = 20
) -> tuple[int, list[UnmappedValue]]:
    """Rows whose ``column`` matches no synonym entry: their count and the most frequent values.

    Two aggregate queries in the engine: the count, and the top values (group by, most frequent first).

    Parameters
    ----------
    table : ibis.expr.types.Table
        The table (before harmonization).
    column : str
        The categorical column.
    synonyms : mapping of str to sequence of str
        The synonym table.
    limit : int, default 20
        How many distinct values to return.

    Returns
    -------
    tuple of (int, list of UnmappedValue)
        Total unmapped rows, and up to ``limit`` values with their row counts.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"g": ["M", "x", "x", "y", None]})
    >>> unmapped_values(t, "g", {"male": ["M"]})
    (3, [UnmappedValue(value='x', count=2), UnmappedValue(value='y', count=1)])
    """
    value = as_text(table[column])
    unmapped = table.filter(is_unmapped(value, synonyms))
    total = int(unmapped.count().to_pyarrow().as_py() or 0)
    if not total:
        return 0, []
    groups = (
        unmapped.group_by(value=value)
        .aggregate(count=lambda t: t.count())
        .order_by([ibis.desc("count"), "value"])
        .limit(limit)
        .to_pyarrow()
        .to_pylist()
    )
    return total, [UnmappedValue(str(row["value"]), int(row["count"])) for row in groups]
