"""Quality rules as data: pydantic models, read from ``quality/rules.yaml`` or built in code.

Every rule has an ``id``, the ``table`` it checks, a ``level`` (``error`` or ``warn``), an optional
``threshold`` (the largest failing fraction that still passes) and a ``description``; its ``kind``
says what is checked and which other keys it takes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from aimass._validation import read_yaml, validation_problems
from aimass.exceptions import ConfigError

__all__ = [
    "RULES_FILE",
    "BetweenRule",
    "ForeignKeyRule",
    "FreshnessRule",
    "InSetRule",
    "NotNullRule",
    "RegexRule",
    "RowCountRule",
    "Rule",
    "RuleLevel",
    "SqlRule",
    "TypeRule",
    "UniqueRule",
    "parse_rules",
    "read_rules",
]

#: Where a workspace keeps its rules, relative to its root.
RULES_FILE = "quality/rules.yaml"

RuleLevel = Literal["error", "warn"]
#: Types a :class:`TypeRule` can check values against.
CheckType = Literal["integer", "number", "boolean", "date", "timestamp", "string"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def _naive_utc(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    table: str = Field(min_length=1)
    level: RuleLevel = "error"
    threshold: float = Field(0.0, ge=0.0, le=1.0)
    description: str = ""

    @field_validator("table")
    @classmethod
    def _qualified(cls, table: str) -> str:
        if table.count(".") != 1 or not all(table.split(".")):
            raise ValueError(f"table {table!r} must be qualified as schema.table, e.g. 'core.orders'")
        return table

    @property
    def columns_used(self) -> tuple[str, ...]:
        """Columns of ``table`` the rule reads (checked before it runs)."""
        column = getattr(self, "column", None)
        return (column,) if isinstance(column, str) else tuple(getattr(self, "columns", None) or ())


class NotNullRule(_Rule):
    """Fails rows where ``column`` is null."""

    kind: Literal["not_null"] = "not_null"
    column: str


class UniqueRule(_Rule):
    """Fails rows that repeat an earlier row's values of ``columns`` (all data columns when omitted).

    Nulls compare equal (as in ``SELECT DISTINCT``); without ``columns`` the lineage columns of raw
    tables are left out, so the rule finds exact duplicate rows.
    """

    kind: Literal["unique"] = "unique"
    columns: list[str] | None = None

    @field_validator("columns", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class BetweenRule(_Rule):
    """Fails non-null values of ``column`` outside ``[min, max]`` (bounds inclusive unless told)."""

    kind: Literal["between"] = "between"
    column: str
    min: float | None = None
    max: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True

    @model_validator(mode="after")
    def _a_bound(self) -> BetweenRule:
        if self.min is None and self.max is None:
            raise ValueError("a between rule needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min={self.min} is greater than max={self.max}")
        return self


class InSetRule(_Rule):
    """Fails non-null values of ``column`` that are not in ``values``."""

    kind: Literal["in_set"] = "in_set"
    column: str
    values: list[str | int | float | bool] = Field(min_length=1)


class RegexRule(_Rule):
    """Fails non-null values of ``column`` (as text) that do not match ``pattern`` in full.

    With ``full_match: false`` a match anywhere in the value is enough.
    """

    kind: Literal["regex"] = "regex"
    column: str
    pattern: str
    full_match: bool = True

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {error}") from None
        return pattern


class TypeRule(_Rule):
    """Fails non-null values of ``column`` that cannot be cast to ``type``."""

    kind: Literal["type"] = "type"
    column: str
    type: CheckType


class ForeignKeyRule(_Rule):
    """Fails rows whose non-null ``columns`` have no match in ``to_columns`` of ``to_table``."""

    kind: Literal["foreign_key"] = "foreign_key"
    columns: list[str] = Field(min_length=1)
    to_table: str
    to_columns: list[str] | None = None

    @field_validator("columns", "to_columns", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _same_arity(self) -> ForeignKeyRule:
        self._qualified(self.to_table)
        if self.to_columns is not None and len(self.to_columns) != len(self.columns):
            raise ValueError(
                f"columns {self.columns} and to_columns {self.to_columns} must have the same length"
            )
        return self

    @property
    def referenced(self) -> list[str]:
        """The referenced columns (the same names as ``columns`` when ``to_columns`` is omitted)."""
        return list(self.to_columns or self.columns)


class _TableLevel(_Rule):
    @field_validator("threshold")
    @classmethod
    def _no_threshold(cls, threshold: float) -> float:
        if threshold:
            raise ValueError("threshold does not apply to a table-level rule (it passes or fails as a whole)")
        return threshold


class FreshnessRule(_TableLevel):
    """Fails when the latest ``column`` value is older than ``max_age`` at ``as_of`` (default: now).

    ``max_age`` is a duration such as ``36h``, ``2d``, ``90m`` or ``1w`` (or seconds, or ISO 8601).
    Times are compared in UTC; an empty table is stale.
    """

    kind: Literal["freshness"] = "freshness"
    column: str
    max_age: timedelta
    as_of: datetime | None = None

    @field_validator("max_age", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        if isinstance(value, str) and (match := _DURATION.match(value)):
            return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
        return value

    @field_validator("as_of")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _naive_utc(value)


class RowCountRule(_TableLevel):
    """Fails when the table has fewer than ``min`` or more than ``max`` rows."""

    kind: Literal["row_count"] = "row_count"
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _a_bound(self) -> RowCountRule:
        if self.min is None and self.max is None:
            raise ValueError("a row_count rule needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min={self.min} is greater than max={self.max}")
        return self


class SqlRule(_Rule):
    """Fails the rows a query returns (in the engine's SQL dialect); ``table`` gives the row total."""

    kind: Literal["sql"] = "sql"
    sql: str = Field(min_length=1)


Rule = Annotated[
    NotNullRule
    | UniqueRule
    | BetweenRule
    | InSetRule
    | RegexRule
    | TypeRule
    | ForeignKeyRule
    | FreshnessRule
    | RowCountRule
    | SqlRule,
    Field(discriminator="kind"),
]
_RULE: TypeAdapter[Rule] = TypeAdapter(Rule)
_KINDS = ", ".join(
    model.model_fields["kind"].default
    for model in (
        NotNullRule,
        UniqueRule,
        BetweenRule,
        InSetRule,
        RegexRule,
        TypeRule,
        ForeignKeyRule,
        FreshnessRule,
        RowCountRule,
        SqlRule,
    )
)


def parse_rules(data: Any, *, source: str = "the rules") -> list[Rule]:
    """Check rule declarations (``{"rules": [...]}`` or a bare list) and build the rules.

    Parameters
    ----------
    data : dict or list
        What the YAML file holds.
    source : str
        How to name the origin in error messages (usually the file path).

    Returns
    -------
    list of Rule
        The rules, in the order declared.

    Raises
    ------
    ConfigError
        Naming ``source``, the rule (by id and position) and the key that is wrong.

    Examples
    --------
    >>> rules = parse_rules({"rules": [{"id": "ids", "kind": "not_null", "table": "core.orders",
    ...                                  "column": "order_id"}]})
    >>> rules[0].kind, rules[0].level
    ('not_null', 'error')
    """
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"rules"})
        if unknown:
            raise ConfigError(f"{source}: unknown top-level key(s) {unknown}; the file holds `rules:` only")
        data = data.get("rules")
    if not isinstance(data, list):
        raise ConfigError(f"{source}: expected `rules:` with a list of rules, got {type(data).__name__}")
    rules: list[Rule] = []
    seen: set[str] = set()
    for position, item in enumerate(data, start=1):
        name = item.get("id") if isinstance(item, dict) else None
        where = f"{source}: rule {name!r} (#{position})" if name else f"{source}: rule #{position}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: expected a mapping of keys, got {item!r}")
        if "kind" not in item:
            raise ConfigError(f"{where}: `kind` is required, one of {_KINDS}")
        if item["kind"] not in _KINDS.split(", "):
            raise ConfigError(f"{where}: kind {item['kind']!r} is not known; use one of {_KINDS}")
        try:
            rule = _RULE.validate_python(item)
        except ValidationError as error:
            problems = "; ".join(validation_problems(error, skip={item["kind"]}))
            raise ConfigError(f"{where}: {problems}") from None
        if rule.id in seen:
            raise ConfigError(f"{where}: the id {rule.id!r} is used by an earlier rule; ids must be unique")
        seen.add(rule.id)
        rules.append(rule)
    return rules


def read_rules(path: str | Path) -> list[Rule]:
    """Read and check a rules file (see :func:`parse_rules`).

    Raises
    ------
    ConfigError
        When the file is missing, not YAML, or a rule is not valid.
    """
    file = Path(path)
    data = read_yaml(file, missing=f"there is no rules file at {file}; write one (see docs/quality.md)")
    return parse_rules(data, source=str(file))
