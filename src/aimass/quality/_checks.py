"""One check per rule kind, each an Ibis expression computed in the engine.

Row-level kinds (``not_null``, ``between``, ``in_set``, ``regex``, ``type``) build a predicate that
is true on a failing row; the table's row count and the failing count come from one aggregate
query, and up to :data:`MAX_SAMPLES` failing rows from a second, limited one. ``unique``,
``foreign_key``, ``freshness``, ``row_count`` and ``sql`` build their own aggregates. Nothing here
reads a whole table into Python, so the checks run on tables larger than memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from aimass.engine import LINEAGE_COLUMNS, utc_now
from aimass.quality._rules import (
    BetweenRule,
    ForeignKeyRule,
    FreshnessRule,
    InSetRule,
    NotNullRule,
    RegexRule,
    RowCountRule,
    Rule,
    SqlRule,
    TypeRule,
    UniqueRule,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from aimass.engine import Engine

__all__ = ["MAX_SAMPLES", "Outcome", "measure"]

#: Failing rows kept per rule result.
MAX_SAMPLES = 20

_CAST_TYPES = {
    "integer": "int64",
    "number": "float64",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "string": "string",
}


@dataclass
class Outcome:
    """What a check measured: rows looked at, rows (or, for table-level rules, 0/1) failing, samples."""

    n_rows: int
    n_failed: int
    samples: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""


def _rows(expression: ir.Table, limit: int = MAX_SAMPLES) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = expression.limit(limit).to_pyarrow().to_pylist()
    return rows


def _one_row(expression: ir.Table) -> dict[str, Any]:
    rows: list[dict[str, Any]] = expression.to_pyarrow().to_pylist()
    return rows[0]


# -- row-level predicates (true on a failing row) ---------------------------------------------------
def not_null_failing(table: ir.Table, rule: NotNullRule) -> ir.BooleanValue:
    """Rows where the column is null."""
    return table[rule.column].isnull()


def between_failing(table: ir.Table, rule: BetweenRule) -> ir.BooleanValue:
    """Non-null values outside the bounds."""
    value = table[rule.column]
    inside = value.notnull()
    if rule.min is not None:
        inside &= (value >= rule.min) if rule.min_inclusive else (value > rule.min)
    if rule.max is not None:
        inside &= (value <= rule.max) if rule.max_inclusive else (value < rule.max)
    return value.notnull() & ~inside


def in_set_failing(table: ir.Table, rule: InSetRule) -> ir.BooleanValue:
    """Non-null values not in the allowed set."""
    value = table[rule.column]
    return value.notnull() & ~value.isin(rule.values)


def regex_failing(table: ir.Table, rule: RegexRule) -> ir.BooleanValue:
    """Non-null values whose text does not match the pattern."""
    value = table[rule.column]
    pattern = f"^(?:{rule.pattern})$" if rule.full_match else rule.pattern
    return value.notnull() & ~value.cast("string").re_search(pattern)


def type_failing(table: ir.Table, rule: TypeRule) -> ir.BooleanValue:
    """Non-null values that cannot be cast to the type (for ``integer``: without rounding)."""
    value = table[rule.column]
    cast = value.try_cast(_CAST_TYPES[rule.type])
    failing = value.notnull() & cast.isnull()
    if rule.type == "integer":  # some engines round '1.5' to 2 when casting text to an integer
        number = value.try_cast("float64")
        failing |= number.notnull() & (number != cast.cast("float64"))
    return failing


_PREDICATES: dict[str, Callable[[ir.Table, Any], ir.BooleanValue]] = {
    "not_null": not_null_failing,
    "between": between_failing,
    "in_set": in_set_failing,
    "regex": regex_failing,
    "type": type_failing,
}


def _measure_predicate(table: ir.Table, failing: ir.BooleanValue) -> Outcome:
    failing = failing.fill_null(False)
    counts = _one_row(table.aggregate(n_rows=table.count(), n_failed=failing.cast("int64").sum()))
    n_failed = int(counts["n_failed"] or 0)
    samples = _rows(table.filter(failing)) if n_failed else []
    return Outcome(int(counts["n_rows"]), n_failed, samples)


# -- rules with their own aggregates ----------------------------------------------------------------
def measure_unique(table: ir.Table, rule: UniqueRule) -> Outcome:
    """Rows beyond the first of each key; samples are the repeated keys with their copies."""
    columns = rule.columns or [c for c in table.columns if c not in LINEAGE_COLUMNS]
    keys = table.select(*columns)
    n_rows = int(table.count().to_pyarrow().as_py())
    n_keys = int(keys.distinct().count().to_pyarrow().as_py())
    n_failed = n_rows - n_keys
    samples: list[dict[str, Any]] = []
    if n_failed:
        copies = keys.group_by(columns).aggregate(_copies=keys.count())
        samples = _rows(copies.filter(copies["_copies"] > 1).order_by(copies["_copies"].desc()))
    detail = f"{n_failed:,} row(s) repeat a key over ({', '.join(columns)})" if n_failed else ""
    return Outcome(n_rows, n_failed, samples, detail)


def measure_foreign_key(table: ir.Table, rule: ForeignKeyRule, engine: Engine) -> Outcome:
    """Rows with a complete key that has no match in the referenced table."""
    referenced = engine.scan(rule.to_table).select(*rule.referenced).distinct().view()
    complete = table
    for column in rule.columns:
        complete = complete.filter(complete[column].notnull())
    predicates = [
        complete[mine] == referenced[theirs]
        for mine, theirs in zip(rule.columns, rule.referenced, strict=True)
    ]
    orphans = complete.anti_join(referenced, predicates)
    n_rows = int(table.count().to_pyarrow().as_py())
    n_failed = int(orphans.count().to_pyarrow().as_py())
    samples = _rows(orphans) if n_failed else []
    return Outcome(n_rows, n_failed, samples)


def _as_naive_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    return None


def measure_freshness(table: ir.Table, rule: FreshnessRule) -> Outcome:
    """Whether the latest timestamp is at most ``max_age`` before ``as_of``."""
    value = table[rule.column]
    if not (value.type().is_timestamp() or value.type().is_date()):
        value = value.try_cast("timestamp")
    counts = _one_row(table.aggregate(n_rows=table.count(), latest=value.max()))
    latest = _as_naive_utc(counts["latest"])
    as_of = rule.as_of or utc_now()
    if latest is None:
        return Outcome(int(counts["n_rows"]), 1, [], f"no {rule.column} values: the table is stale")
    age = as_of - latest
    stale = age > rule.max_age
    detail = f"latest {rule.column} is {latest.isoformat()}, {age} before {as_of.isoformat()}"
    detail += f" (allowed: {rule.max_age})"
    return Outcome(int(counts["n_rows"]), int(stale), [{"latest": latest, "age": str(age)}], detail)


def measure_row_count(table: ir.Table, rule: RowCountRule) -> Outcome:
    """Whether the row count is within the bounds."""
    n_rows = int(table.count().to_pyarrow().as_py())
    low = rule.min is not None and n_rows < rule.min
    high = rule.max is not None and n_rows > rule.max
    bounds = f"[{'' if rule.min is None else rule.min}, {'' if rule.max is None else rule.max}]"
    detail = f"{n_rows:,} rows, allowed {bounds}"
    return Outcome(n_rows, int(low or high), [], detail)


def measure_sql(table: ir.Table, rule: SqlRule, engine: Engine) -> Outcome:
    """The rows the query returns are the failing rows."""
    failing = engine.ibis.sql(rule.sql)
    n_rows = int(table.count().to_pyarrow().as_py())
    n_failed = int(failing.count().to_pyarrow().as_py())
    samples = _rows(failing) if n_failed else []
    return Outcome(n_rows, n_failed, samples)


def measure(engine: Engine, rule: Rule) -> Outcome:
    """Run one rule in the engine.

    Parameters
    ----------
    engine : Engine
        The warehouse holding ``rule.table``.
    rule : Rule
        The rule.

    Returns
    -------
    Outcome
        Rows checked, rows failing (0 or 1 for ``freshness`` and ``row_count``), sample rows.
    """
    table = engine.scan(rule.table)
    if rule.kind in _PREDICATES:
        return _measure_predicate(table, _PREDICATES[rule.kind](table, rule))
    if isinstance(rule, UniqueRule):
        return measure_unique(table, rule)
    if isinstance(rule, ForeignKeyRule):
        return measure_foreign_key(table, rule, engine)
    if isinstance(rule, FreshnessRule):
        return measure_freshness(table, rule)
    if isinstance(rule, RowCountRule):
        return measure_row_count(table, rule)
    assert isinstance(rule, SqlRule)
    return measure_sql(table, rule, engine)
