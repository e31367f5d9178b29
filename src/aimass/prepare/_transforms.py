"""Named cleaning transforms: small functions from an Ibis value to an Ibis value.

A mapping names them in a column's ``clean:`` list; they run in order, before any ``parse``.
Everything here builds portable Ibis expressions (no backend SQL), so the same mapping runs on
DuckDB and on Spark. New transforms (synonym tables, outlier rules, missing-value policies) plug
in with :func:`register_transform`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from aimass.exceptions import ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "SPACES",
    "Transform",
    "as_text",
    "get_transform",
    "register_transform",
    "sha256",
    "transform_names",
]

#: A cleaning transform: takes a column expression and returns the cleaned expression.
Transform = Callable[["ir.Value"], "ir.Value"]

_TRANSFORMS: dict[str, Transform] = {}

#: A regex character class body for whitespace: ASCII (``\\s``), the no-break and the ideographic space.
#: The two are written as the characters themselves: RE2 (DuckDB) has no ``\\u`` escape.
SPACES = "\\s\u00a0\u3000"
#: Full-width ASCII (U+FF01..U+FF5E) and the ideographic space, and their half-width forms.
_FULL_WIDTH = "".join(chr(code) for code in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF_WIDTH = "".join(chr(code) for code in range(0x21, 0x7F)) + " "


def as_text(value: ir.Value) -> ir.StringValue:
    """``value`` as text: strings unchanged, integers in decimal, other scalars cast to string.

    Parameters
    ----------
    value : ibis.expr.types.Value
        A column expression.

    Returns
    -------
    ibis.expr.types.StringValue
        The same values as text.

    Raises
    ------
    ConfigError
        When the value is nested (struct, map or array) and has no text form.
    """
    kind = value.type()
    if kind.is_string():
        return value
    if kind.is_json() or kind.is_null():
        return value.cast("string")
    if kind.is_nested():
        raise ConfigError(
            f"a {kind} column cannot be used as text; name one of its fields (e.g. `title.en`) or map it "
            "to a JSON column such as attrs"
        )
    if kind.is_floating():  # 13812345678.0 from a spreadsheet: the digits, not '13812345678.0'
        import ibis

        number: ir.FloatingValue = value
        whole = number.cast("int64").cast("string")
        return ibis.cases((number == number.floor(), whole), else_=number.cast("string"))
    return value.cast("string")


def register_transform(name: str, function: Transform, *, replace: bool = False) -> Transform:
    """Make ``function`` available to mappings as ``clean: [name]``.

    Parameters
    ----------
    name : str
        The name used in ``mapping.yaml``: lower case letters, digits and underscores.
    function : callable
        Takes an Ibis value and returns an Ibis value; it must build portable expressions.
    replace : bool, default False
        Allow replacing a transform of the same name.

    Returns
    -------
    callable
        ``function``, so this can be used as a decorator body.

    Raises
    ------
    ConfigError
        When the name is malformed, or taken and ``replace`` is False.

    Examples
    --------
    >>> from aimass.prepare import register_transform, transform_names
    >>> _ = register_transform("strip_dashes", lambda value: value.replace("-", ""))
    >>> "strip_dashes" in transform_names()
    True
    """
    if not name or not all(ch.islower() or ch.isdigit() or ch == "_" for ch in name):
        raise ConfigError(
            f"transform name {name!r} must hold only lower case letters, digits and underscores"
        )
    if name in _TRANSFORMS and not replace:
        raise ConfigError(f"a transform called {name!r} exists already; pass replace=True to replace it")
    _TRANSFORMS[name] = function
    return function


def get_transform(name: str) -> Transform:
    """The transform registered as ``name``.

    Raises
    ------
    ConfigError
        When there is none; the message lists the names there are.
    """
    if name not in _TRANSFORMS:
        raise ConfigError(
            f"there is no clean transform {name!r}; the transforms are {', '.join(transform_names())}"
        )
    return _TRANSFORMS[name]


def transform_names() -> tuple[str, ...]:
    """The registered transform names, sorted."""
    return tuple(sorted(_TRANSFORMS))


def sha256(value: ir.Value) -> ir.StringValue:
    """The SHA-256 hex digest (lower case) of each value's text; nulls stay null.

    Compiles to ``sha256(x)`` on DuckDB and ``sha2(x, 256)`` on Spark, so hashes computed on
    either engine are equal to Python's ``hashlib.sha256(text.encode()).hexdigest()``.
    """
    return as_text(value).hexdigest("sha256")


def _trim(value: ir.Value) -> ir.Value:
    text = as_text(value)
    pattern = f"^[{SPACES}]+|[{SPACES}]+$"
    return text.re_replace(pattern, "")


def _lower(value: ir.Value) -> ir.Value:
    return as_text(value).lower()


def _upper(value: ir.Value) -> ir.Value:
    return as_text(value).upper()


def _halfwidth(value: ir.Value) -> ir.Value:
    """Full-width letters, digits, punctuation and spaces to ASCII (the NFKC part that matters here)."""
    return as_text(value).translate(_FULL_WIDTH, _HALF_WIDTH)


def _collapse_spaces(value: ir.Value) -> ir.Value:
    return as_text(value).re_replace(f"[{SPACES}]+", " ")


def _empty_to_null(value: ir.Value) -> ir.Value:
    text = as_text(value)
    return text.nullif("")


def _digits(value: ir.Value) -> ir.Value:
    return as_text(value).re_replace(r"[^0-9]", "")


for _name, _function in {
    "trim": _trim,
    "lower": _lower,
    "upper": _upper,
    "halfwidth": _halfwidth,
    "collapse_spaces": _collapse_spaces,
    "empty_to_null": _empty_to_null,
    "digits": _digits,
}.items():
    register_transform(_name, _function)
