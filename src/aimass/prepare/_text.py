"""Text normalizers: Unicode NFKC, whitespace, case, and emails (trim, lower case, validity).

Whitespace, case and email rules are portable Ibis expressions (regex replace and search, lower).
Unicode NFKC has no portable SQL form, so :func:`nfkc` is an Ibis Python scalar UDF: it runs in
the engine's process row by row (DuckDB, and Spark's Python UDFs), slower than the other
transforms, so use it where compatibility forms really occur (full-width letters and digits,
ligatures, circled numbers); ``halfwidth`` handles the common full-width ASCII case in SQL.

Registered on import as clean transforms ``nfkc``, ``squish`` and ``email``, and as the parser
``email`` (invalid addresses become null and are reported as unparsed).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dt

from aimass.prepare._parsers import Parser, register_parser
from aimass.prepare._transforms import SPACES, as_text, register_transform

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["EMAIL_PATTERN", "is_valid_email", "nfkc", "normalize_email", "parse_email", "squish"]

#: A practical email address: local part, one ``@``, dotted domain ending in a 2+ letter label.
_LOCAL = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL_PATTERN = rf"^{_LOCAL}(\.{_LOCAL})*@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{{2,}}$"


def _nfkc_text(text: str) -> str:
    """Unicode NFKC form of ``text`` (the engine passes nulls through without calling this)."""
    return unicodedata.normalize("NFKC", text)


_nfkc_udf: Callable[[ir.Value], ir.StringValue] = ibis.udf.scalar.python(_nfkc_text, name="aimass_nfkc")


def nfkc(value: ir.Value) -> ir.StringValue:
    """Unicode NFKC normalization: compatibility characters to their plain forms.

    Full-width ``ＡＢＣ１２３`` becomes ``ABC123``, the ligature ``ﬁ`` becomes ``fi``, ``①`` becomes
    ``1`` and the ideographic space a plain space; composed and decomposed accents become one form.
    Nulls stay null.

    Parameters
    ----------
    value : ibis.expr.types.Value
        A column (non-text scalars are read as text first).

    Returns
    -------
    ibis.expr.types.StringValue
        The normalized text.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["ＡＢＣ１２３", "ﬁle", "①", None]})
    >>> ibis.duckdb.connect().to_pyarrow(t.select(n=nfkc(t.s))).column("n").to_pylist()
    ['ABC123', 'file', '1', None]
    """
    return _nfkc_udf(as_text(value))


def squish(value: ir.Value) -> ir.StringValue:
    """Trim, and collapse every run of whitespace (ASCII, no-break, ideographic) to one space.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["  New\\t  York ", "a\\u3000\\u3000b"]})
    >>> squish(t.s).to_pyarrow().to_pylist()
    ['New York', 'a b']
    """
    text = as_text(value).re_replace(f"[{SPACES}]+", " ")
    return text.re_replace(r"^ | $", "")


def normalize_email(value: ir.Value) -> ir.StringValue:
    """Emails trimmed and lower-cased; empty text becomes null. Invalid addresses are kept.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["  Wei.Zhang@Example.COM ", "  ", "not an email"]})
    >>> normalize_email(t.s).to_pyarrow().to_pylist()
    ['wei.zhang@example.com', None, 'not an email']
    """
    return squish(value).lower().nullif("")


def is_valid_email(value: ir.Value) -> ir.BooleanValue:
    """Whether each (normalized) value is a plausible email address; null stays null.

    One ``@``, a local part of letters, digits and ``!#$%&'*+/=?^_`{|}~-`` in dot-separated runs (no
    leading, trailing or double dots), and a domain of dot-separated labels ending in at least two
    letters. The check runs on :func:`normalize_email` of the value.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": [" A.B@x.CN", "a..b@x.cn", "a@b", "a@@b.cn", "a b@x.cn", None]})
    >>> is_valid_email(t.s).to_pyarrow().to_pylist()
    [True, False, False, False, False, None]
    """
    return normalize_email(value).re_search(EMAIL_PATTERN)


def parse_email(value: ir.Value) -> ir.StringValue:
    """Normalized emails, with invalid ones replaced by null (so prepare reports them as unparsed).

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": [" Li.Na@Example.com", "li.na@", None]})
    >>> parse_email(t.s).to_pyarrow().to_pylist()
    ['li.na@example.com', None, None]
    """
    email = normalize_email(value)
    return ibis.ifelse(email.re_search(EMAIL_PATTERN), email, ibis.null(dt.string))


for _name, _function in {"nfkc": nfkc, "squish": squish, "email": normalize_email}.items():
    register_transform(_name, _function)

register_parser(
    Parser(
        "email",
        lambda value, policy: parse_email(value),
        ("string",),
        "emails trimmed and lower-cased; invalid addresses become null and are reported",
    )
)
