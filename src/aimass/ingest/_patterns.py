"""Free text parsed into columns by named patterns, with portable Ibis expressions.

A pattern is a regular expression with named groups (``(?P<sku>[A-Z]\\d+)``) or a template in which
``{name}`` or ``{name:kind}`` stands for a group: ``"{sku:[A-Z]\\d+} x{qty:int} @ {price:money}"``.
A kind is one of :data:`KINDS` (which also types the column) or a regular expression of its own;
literal text between the fields is matched as written and ``{{``/``}}`` are literal braces.
A template matches the whole value (surrounding spaces allowed); a regex matches anywhere in it.

:func:`parse_patterns` builds the columns with ``re_search``/``re_extract`` only, so the expression
runs on any backend (DuckDB, Spark) and nothing is read until it is executed:

>>> import ibis
>>> t = ibis.memtable({"note": ["A12 x3 @ ¥1,200.50", "call back"]})
>>> parsed = parse_patterns(t, "note", ["{sku:[A-Z]\\\\d+} x{qty:int} @ {price:money}"])
>>> parsed.select("sku", "qty", "price", "matched").to_pyarrow().to_pylist()[0]
{'sku': 'A12', 'qty': 3, 'price': 1200.5, 'matched': True}
>>> pattern_counts(parsed)
PatternCounts(rows=2, matched=1, unmatched=1, by_pattern={'0': 1})
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aimass.exceptions import ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "KINDS",
    "MATCHED",
    "MATCHED_PATTERN",
    "CompiledPattern",
    "PatternCounts",
    "compile_pattern",
    "parse_patterns",
    "pattern_counts",
]

#: Field kinds a template may name: the regex each matches and the column type it becomes.
KINDS: dict[str, tuple[str, str]] = {
    "text": (r".+?", "string"),
    "word": (r"\w+", "string"),
    "int": (r"[-+]?\d+", "int64"),
    "number": (r"[-+]?\d+(?:\.\d+)?", "float64"),
    "money": (r"[-+]?[^\d\s+-]{0,4}\s?[-+]?\d[\d,]*(?:\.\d+)?(?:\s?[^\d\s]{1,4})?", "float64"),
    "date": (r"\d{4}-\d{2}-\d{2}", "date"),
}
#: The flag column: whether one of the patterns matched the row.
MATCHED = "matched"
#: The name of the pattern that matched (its key, or its index in a list), null when none did.
MATCHED_PATTERN = "matched_pattern"
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")


@dataclass(frozen=True)
class CompiledPattern:
    """One pattern ready for a backend.

    Parameters
    ----------
    name : str
        The pattern's key (or its index in a list, as text).
    regex : str
        The expression sent to the backend: named groups replaced by plain numbered ones.
    groups : dict of str to int
        Group name -> group number in ``regex``.
    types : dict of str to str
        Group name -> column type (``string`` unless a template kind says otherwise).
    """

    name: str
    regex: str
    groups: dict[str, int]
    types: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PatternCounts:
    """How many rows of a parsed table each pattern matched."""

    rows: int
    matched: int
    unmatched: int
    by_pattern: dict[str, int]


def _template_fields(template: str) -> list[tuple[str, str | None]]:
    """``template`` split into ``(literal, None)`` and ``(field body, "")`` parts."""
    parts: list[tuple[str, str | None]] = []
    literal: list[str] = []
    i = 0
    while i < len(template):
        char = template[i]
        if template.startswith(("{{", "}}"), i):
            literal.append(char)
            i += 2
            continue
        if char == "}":
            raise ConfigError(f"pattern {template!r}: '}}' at {i} closes nothing (write '}}}}' for a brace)")
        if char != "{":
            literal.append(char)
            i += 1
            continue
        depth, j = 1, i + 1
        while j < len(template) and depth:
            depth += {"{": 1, "}": -1}.get(template[j], 0)
            j += 1
        if depth:
            raise ConfigError(f"pattern {template!r}: the field opened at {i} is not closed with '}}'")
        parts.append(("".join(literal), None))
        literal = []
        parts.append((template[i + 1 : j - 1], ""))
        i = j
    parts.append(("".join(literal), None))
    return parts


def _is_template(pattern: str) -> bool:
    return bool(re.search(r"(?<![\\{])\{[A-Za-z_]\w*[:}]", pattern)) and "(?P<" not in pattern


def compile_pattern(pattern: str, name: str = "0") -> CompiledPattern:
    """Compile a template or a regex with named groups for :func:`parse_patterns`.

    Parameters
    ----------
    pattern : str
        A template (``"{sku:[A-Z]\\d+} x{qty:int}"``) or a regex with ``(?P<name>...)`` groups.
    name : str, default "0"
        What :data:`MATCHED_PATTERN` says when this pattern matches.

    Returns
    -------
    CompiledPattern

    Raises
    ------
    ConfigError
        When the pattern is not a valid regex, names no group, or names one twice.

    Examples
    --------
    >>> compiled = compile_pattern("{sku:[A-Z]\\\\d+} x{qty:int}")
    >>> compiled.regex
    '^\\\\s*([A-Z]\\\\d+)\\\\ x([-+]?\\\\d+)\\\\s*$'
    >>> compiled.groups, compiled.types
    ({'sku': 1, 'qty': 2}, {'sku': 'string', 'qty': 'int64'})
    """
    types: dict[str, str] = {}
    if _is_template(pattern):
        pieces = []
        for text, body in _template_fields(pattern):
            if body is None:
                pieces.append(re.escape(text))
                continue
            field_name, _, kind = text.partition(":")
            if not field_name.isidentifier():
                raise ConfigError(
                    f"pattern {pattern!r}: {field_name!r} is not a field name (letters, digits, _)"
                )
            regex, column_type = KINDS.get(kind or "text", (kind, "string"))
            if field_name in types:
                raise ConfigError(f"pattern {pattern!r} names the field {field_name!r} twice")
            types[field_name] = column_type
            pieces.append(f"(?P<{field_name}>{regex})")
        pattern = rf"^\s*{''.join(pieces)}\s*$"
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise ConfigError(f"pattern {pattern!r} is not a valid regular expression: {error}") from error
    if not compiled.groupindex:
        raise ConfigError(
            f"pattern {pattern!r} has no named group: write (?P<name>...) or a template like '{{name:int}}'"
        )
    groups = dict(compiled.groupindex)
    return CompiledPattern(
        name=name,
        regex=_NAMED_GROUP.sub("(", pattern),
        groups=groups,
        types={group: types.get(group, "string") for group in groups},
    )


def _typed(value: ir.StringValue, column_type: str) -> ir.Value:
    if column_type == "string":
        return value
    if column_type == "float64":
        return value.re_replace(r"[^\d.+-]", "").nullif("").cast("float64")
    return value.cast(column_type)


def parse_patterns(
    table: ir.Table,
    column: str,
    patterns: Mapping[str, str] | list[str],
    *,
    keep_unmatched: bool = True,
) -> ir.Table:
    """Add one column per named group of ``patterns``, parsed out of the text in ``column``.

    Parameters
    ----------
    table : ibis Table
        Any table, e.g. ``engine.scan("raw.notes")``.
    column : str
        The free-text column.
    patterns : mapping of str to str, or list of str
        Templates or regexes (see the module docstring), tried in order: the first that matches a
        row fills its columns. A mapping names them for :data:`MATCHED_PATTERN`; a list names them
        by index.
    keep_unmatched : bool, default True
        Keep the rows no pattern matched (their new columns are null), or drop them.

    Returns
    -------
    ibis Table
        ``table`` with the group columns, :data:`MATCHED` (boolean) and :data:`MATCHED_PATTERN`;
        count the outcome with :func:`pattern_counts`.

    Raises
    ------
    ConfigError
        When ``column`` is missing or not text, no pattern is given, a pattern is invalid, a group
        name is already a column, or one group gets two types from two patterns.
    """
    import ibis

    if column not in table.columns:
        raise ConfigError(f"column {column!r} is not in the table; columns: {', '.join(table.columns)}")
    text = table[column]
    if not text.type().is_string():
        raise ConfigError(f"column {column!r} is {text.type()}, not text; cast it to string first")
    named = list(patterns.items()) if isinstance(patterns, Mapping) else list(enumerate(patterns))
    if not named:
        raise ConfigError("give at least one pattern")
    compiled = [compile_pattern(str(pattern), str(key)) for key, pattern in named]
    types: dict[str, str] = {}
    for pattern in compiled:
        for group, column_type in pattern.types.items():
            if types.setdefault(group, column_type) != column_type:
                raise ConfigError(
                    f"field {group!r} is {types[group]} in one pattern and {column_type} in another"
                )
    clash = (set(types) | {MATCHED, MATCHED_PATTERN}) & set(table.columns)
    if clash:
        raise ConfigError(f"the parsed fields {sorted(clash)} are already columns; rename the groups")
    hits = [text.re_search(pattern.regex) for pattern in compiled]
    new: dict[str, Any] = {}
    for group, column_type in types.items():
        cases = [
            (hit, _typed(text.re_extract(pattern.regex, pattern.groups[group]).nullif(""), column_type))
            for pattern, hit in zip(compiled, hits, strict=True)
            if group in pattern.groups
        ]
        new[group] = ibis.cases(*cases, else_=ibis.null(column_type))
    new[MATCHED] = ibis.or_(*hits).fill_null(False)
    new[MATCHED_PATTERN] = ibis.cases(
        *[(hit, ibis.literal(pattern.name)) for pattern, hit in zip(compiled, hits, strict=True)],
        else_=ibis.null("string"),
    )
    parsed = table.mutate(**new)
    return parsed if keep_unmatched else parsed.filter(parsed[MATCHED])


def pattern_counts(parsed: ir.Table) -> PatternCounts:
    """Count the rows of a :func:`parse_patterns` result: matched, unmatched and by pattern.

    Parameters
    ----------
    parsed : ibis Table
        The table :func:`parse_patterns` returned (with ``keep_unmatched=True`` to count misses).

    Returns
    -------
    PatternCounts

    Raises
    ------
    ConfigError
        When ``parsed`` has no :data:`MATCHED` column.
    """
    if MATCHED not in parsed.columns or MATCHED_PATTERN not in parsed.columns:
        raise ConfigError(f"the table has no {MATCHED!r} column: pass the result of parse_patterns")
    totals = parsed.group_by(MATCHED_PATTERN).aggregate(n=parsed.count()).to_pyarrow().to_pylist()
    by_pattern = {
        str(row[MATCHED_PATTERN]): int(row["n"]) for row in totals if row[MATCHED_PATTERN] is not None
    }
    unmatched = sum(int(row["n"]) for row in totals if row[MATCHED_PATTERN] is None)
    matched = sum(by_pattern.values())
    return PatternCounts(
        rows=matched + unmatched,
        matched=matched,
        unmatched=unmatched,
        by_pattern=dict(sorted(by_pattern.items())),
    )
