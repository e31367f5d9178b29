"""``suggest_mapping``: propose a mapping from raw column names and sampled values.

Scoring. For every raw column (and every field of a struct column) and every canonical column:

- a **name score** (0-1, :func:`aimass.prepare._names.name_score`): 1 for the canonical name or
  a synonym in English or Chinese, 0.95 for ``<table> <synonym>`` (``campaign name``), 0.85 for a
  bare ``id`` on the table's key, up to 0.8 when the name contains a synonym, up to 0.7 for a
  near spelling;
- a **pattern score** (0-1): the share of sampled values that look like what the column holds
  (timestamps, money, numbers, integers, identifiers, emails, phones, JSON, categories, paths).

The confidence is ``0.7 * name + 0.3 * pattern``; with no name evidence, only the distinctive
patterns (emails, phones) count, at ``0.45 * pattern``. Pairs below 0.4 are dropped, and the rest
are assigned greedily, best first, one raw column per canonical column. A raw table is scored
against each canonical table as ``0.3 * table name + 0.7 * coverage`` (coverage weighs required
columns twice); tables are paired one to one, best first, when every required column is found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aimass.canonical import CANONICAL_TABLES, ColumnSpec, TableSpec
from aimass.engine import LINEAGE_COLUMNS
from aimass.prepare._mapping import (
    DERIVED_COLUMNS,
    ColumnMapping,
    CurrencyPolicy,
    DatePolicy,
    Mapping,
    TableMapping,
)
from aimass.prepare._names import name_score, table_name_score
from aimass.prepare._profile import ColumnProfile, profile_table

if TYPE_CHECKING:
    from aimass.engine import Engine

__all__ = ["ColumnSuggestion", "MappingSuggestion", "TableSuggestion", "suggest_mapping"]

MIN_CONFIDENCE = 0.4
MIN_TABLE_SCORE = 0.3
_MONEY = {"price", "cost", "unit_price", "discount", "amount", "offer_value", "unit_cost", "budget", "value"}
_CATEGORY = {"gender", "region", "city", "channel", "category", "subcategory", "brand", "payment_method",
             "event_type", "arm", "offer_type"}  # fmt: skip
_DISTINCTIVE = {"email", "phone"}
_KIND_WORDS = {"datetime": "times", "money": "money", "number": "numbers", "integer": "whole numbers",
               "id": "identifiers", "email": "emails", "phone": "phone numbers", "json": "nested values",
               "boolean": "yes/no values", "category": "a few repeated categories", "text": "text",
               "image": "image paths"}  # fmt: skip


@dataclass
class ColumnSuggestion:
    """One proposed canonical column: where from, how sure, and why."""

    target: str
    source: str
    confidence: float
    reasons: list[str]
    mapping: ColumnMapping

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON."""
        return {
            "target": self.target,
            "source": self.source,
            "confidence": self.confidence,
            "reasons": self.reasons,
            "mapping": self.mapping.to_yaml_data(),
        }


@dataclass
class TableSuggestion:
    """One proposed canonical table from one raw table."""

    table: str
    source: str
    score: float
    columns: dict[str, ColumnSuggestion]
    missing: list[str] = field(default_factory=list)
    derived: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether every required column was found (or is derived)."""
        return not self.missing

    def to_mapping(self) -> TableMapping:
        """The table's mapping."""
        return TableMapping(source=self.source, columns={name: s.mapping for name, s in self.columns.items()})

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON."""
        return {
            "table": self.table,
            "source": self.source,
            "score": self.score,
            "complete": self.complete,
            "columns": {name: s.to_dict() for name, s in self.columns.items()},
            "missing": self.missing,
            "derived": self.derived,
            "unmapped": self.unmapped,
        }


@dataclass
class MappingSuggestion:
    """A proposed mapping, with the evidence for each choice.

    ``mapping`` holds the complete tables; ``partial`` the best incomplete candidate for canonical
    tables that found no complete source (shown commented out in the YAML).
    """

    mapping: Mapping
    tables: dict[str, TableSuggestion]
    partial: dict[str, TableSuggestion] = field(default_factory=dict)
    unused_sources: list[str] = field(default_factory=list)
    currencies: dict[str, str] = field(default_factory=dict)
    base_currency: str = "CNY"
    day_first_evidence: tuple[int, int] = (0, 0)

    def to_yaml(self) -> str:
        """The suggestion as commented YAML, ready to check, edit and save as ``mapping.yaml``."""
        from aimass.prepare._suggest_yaml import render_suggestion

        return render_suggestion(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON."""
        return {
            "tables": {name: table.to_dict() for name, table in self.tables.items()},
            "partial": {name: table.to_dict() for name, table in self.partial.items()},
            "unused_sources": self.unused_sources,
            "currencies": self.currencies,
            "day_first": self.mapping.dates.day_first,
            "mapping": self.mapping.to_yaml(),
        }


def _expected(column: ColumnSpec) -> dict[str, float]:
    """Kinds of value a canonical column holds, and how well each fits."""
    name, kind = column.name, column.type
    if name == "email_hash":
        return {"email": 1.0}
    if name == "phone_hash":
        return {"phone": 1.0}
    if name == "image_path":
        return {"image": 1.0, "text": 0.3}
    if kind in ("timestamp", "date"):
        return {"datetime": 1.0}
    if kind == "float64":
        return {"money": 1.0, "number": 1.0} if name in _MONEY else {"number": 1.0}
    if kind == "int64":
        return {"integer": 1.0}
    if kind == "boolean":
        return {"boolean": 1.0}
    if kind == "json":
        return {"json": 1.0}
    if name.endswith("_id"):
        return {"id": 1.0, "integer": 0.8, "text": 0.5}
    if name in _CATEGORY:
        return {"category": 1.0, "text": 0.5}
    return {"text": 1.0}


def _pattern(column: ColumnSpec, profile: ColumnProfile) -> tuple[float, str]:
    best, kind_seen = 0.0, ""
    for kind, weight in _expected(column).items():
        score = profile.share(kind) * weight
        if score > best:
            best, kind_seen = score, kind
    if not kind_seen:
        return 0.0, ""
    sampled = profile.sampled - profile.nulls
    return (
        best,
        f"{profile.share(kind_seen):.0%} of {sampled} sampled values look like {_KIND_WORDS[kind_seen]}",
    )


def _propose(column: ColumnSpec, profile: ColumnProfile) -> tuple[ColumnMapping, list[str]]:
    """The mapping entry for ``column`` read from ``profile``'s raw column, and notes for the user."""
    options: dict[str, Any] = {"from": profile.name}
    notes: list[str] = []
    kind, text = column.type, profile.is_text
    if column.name == "email_hash":
        options.update(clean=["trim", "lower"], hash="sha256")
    elif column.name == "phone_hash":
        options.update(parse="phone", hash="sha256")
    elif kind == "timestamp" and not profile.arrow_type.startswith("timestamp"):
        options["parse"] = "datetime"
    elif kind == "date" and not profile.arrow_type.startswith("date"):
        options["parse"] = "date"
    elif kind == "float64" and text:
        options["parse"] = "money" if profile.currencies else "number"
    elif kind == "int64" and not profile.arrow_type.startswith(("int", "uint")):
        options["parse"] = "integer"
    elif kind == "boolean" and profile.arrow_type != "bool":
        options["parse"] = "boolean"
    elif kind == "json" and text:
        options["parse"] = "json"
    elif kind == "string" and text:
        if column.name in _CATEGORY and profile.messy_case:
            case = "upper" if profile.mostly_upper else "lower"
            options["clean"] = ["trim", case]
            notes.append(f"values differ only by case or spaces: trimmed and {case}-cased")
        elif column.name not in ("name", "description", "query"):
            options["clean"] = ["trim"]
    if column.name.endswith("_id") and profile.arrow_type.startswith(("int", "uint")):
        notes.append("stored as a number: leading zeros may be lost; ingest it with options.text_columns")
    elif column.name.endswith("_id") and profile.padded:
        notes.append("zero-padded: kept as text, so the leading zeros survive")
    if column.name == "discount" and profile.nulls:
        options["default"] = 0
        notes.append("empty values mean no discount (default 0)")
    return ColumnMapping.model_validate(options), notes


def _conflicts(path: str, used: set[str]) -> bool:
    return any(
        path == other or path.startswith(f"{other}.") or other.startswith(f"{path}.") for other in used
    )


def _score_pairs(
    spec: TableSpec, profiles: dict[str, ColumnProfile]
) -> list[tuple[float, str, str, list[str]]]:
    pairs = []
    for column in spec.columns:
        if column.name == "attrs":
            continue
        for path, profile in profiles.items():
            named, why = name_score(path, spec.name, column.name, key=spec.key[0])
            pattern, seen = _pattern(column, profile)
            if named > 0:
                confidence = 0.7 * named + 0.3 * pattern
            elif any(profile.share(kind) >= 0.8 for kind in _DISTINCTIVE if kind in _expected(column)):
                confidence, why = (
                    0.45 * pattern,
                    f"values fit {column.name} though the name {path!r} is unknown",
                )
            else:
                continue
            if confidence >= MIN_CONFIDENCE:
                pairs.append((round(confidence, 3), column.name, path, [why, seen] if seen else [why]))
    pairs.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
    return pairs


def _attrs(spec: TableSpec, profiles: dict[str, ColumnProfile], used: set[str]) -> ColumnSuggestion | None:
    """Pack what is left (and a raw ``attributes``-like struct, field by field) into attrs."""
    if "attrs" not in spec.column_names:
        return None
    pack: dict[str, str] = {}
    for path, profile in profiles.items():
        named, _ = name_score(path, spec.name, "attrs")
        if "." not in path and named >= 0.9 and profile.fields and not _conflicts(path, used):
            pack.update({field_name: f"{path}.{field_name}" for field_name in profile.fields})
            used.add(path)
    for path in _leftover(profiles, used):
        pack[path.replace(".", "_")] = path
        used.add(path)
    if not pack:
        return None
    reasons = [f"packs {len(pack)} raw value(s) not mapped elsewhere, so nothing is lost"]
    return ColumnSuggestion("attrs", ", ".join(pack.values()), 0.9, reasons, ColumnMapping(pack=pack))


def _leftover(profiles: dict[str, ColumnProfile], used: set[str]) -> list[str]:
    """Top-level columns nothing uses, and unused fields of structs that are partly used."""
    left = []
    for path in profiles:
        if "." not in path:
            if not _conflicts(path, used):
                left.append(path)
        elif path not in used and any(other.startswith(f"{path.split('.')[0]}.") for other in used):
            left.append(path)
    return left


def _match(source: str, spec: TableSpec, profiles: dict[str, ColumnProfile]) -> TableSuggestion:
    chosen: dict[str, ColumnSuggestion] = {}
    used: set[str] = set()
    for confidence, target, path, reasons in _score_pairs(spec, profiles):
        if target in chosen or _conflicts(path, used):
            continue
        mapping, column_notes = _propose(spec.column(target), profiles[path])
        chosen[target] = ColumnSuggestion(target, path, confidence, reasons + column_notes, mapping)
        used.add(path)
    attrs = _attrs(spec, profiles, used)
    if attrs is not None:
        chosen["attrs"] = attrs
    derived = {name: how for name, how in DERIVED_COLUMNS.get(spec.name, {}).items() if name not in chosen}
    missing = [name for name in spec.required if name not in chosen and name not in derived]
    missing += [" or ".join(group) for group in spec.any_of if not any(name in chosen for name in group)]
    weights = {
        column.name: 2.0 if column.name in spec.required else 1.0
        for column in spec.columns
        if column.name != "attrs"
    }
    coverage = sum(weight * chosen[name].confidence for name, weight in weights.items() if name in chosen)
    score = 0.3 * table_name_score(source, spec.name) + 0.7 * coverage / sum(weights.values())
    ordered = {column.name: chosen[column.name] for column in spec.columns if column.name in chosen}
    unmapped = _leftover(profiles, used) if "attrs" not in spec.column_names else []
    return TableSuggestion(spec.name, source, round(score, 3), ordered, missing, derived, unmapped)


def _sample(engine: Engine, name: str, rows: int) -> Any:
    return engine.read_arrow(name, limit=rows)


def suggest_mapping(
    engine: Engine,
    *,
    base_currency: str = "CNY",
    sources: Iterable[str] | None = None,
    sample_rows: int = 500,
) -> MappingSuggestion:
    """Propose a mapping from the raw tables to the canonical tables.

    Parameters
    ----------
    engine : Engine
        The warehouse; its ``raw`` tables are sampled.
    base_currency : str, default "CNY"
        The workspace currency (money in other currencies needs a rate).
    sources : iterable of str, optional
        Only these raw tables (default: all of them).
    sample_rows : int, default 500
        Rows sampled per raw table.

    Returns
    -------
    MappingSuggestion
        The mapping of every canonical table with a complete source, and the evidence.
    """
    names = list(sources) if sources is not None else engine.list_tables(schema="raw")
    candidates: list[TableSuggestion] = []
    profiles_of: dict[str, dict[str, ColumnProfile]] = {}
    for name in names:
        profiles = profile_table(_sample(engine, name, sample_rows), skip=LINEAGE_COLUMNS)
        profiles_of[name] = profiles
        candidates.extend(_match(name, spec, profiles) for spec in CANONICAL_TABLES.values())
    candidates.sort(key=lambda s: (-s.score, s.table, s.source))
    accepted: dict[str, TableSuggestion] = {}
    taken: set[str] = set()
    for candidate in candidates:
        fits = candidate.complete and candidate.score >= MIN_TABLE_SCORE
        if fits and candidate.table not in accepted and candidate.source not in taken:
            accepted[candidate.table] = candidate
            taken.add(candidate.source)
    partial: dict[str, TableSuggestion] = {}
    for candidate in candidates:
        if candidate.table in accepted or candidate.table in partial or candidate.source in taken:
            continue
        if table_name_score(candidate.source, candidate.table) > 0:
            partial[candidate.table] = candidate
    tables = {name: accepted[name] for name in CANONICAL_TABLES if name in accepted}
    votes = [0, 0]
    currencies: dict[str, str] = {}
    for suggestion in tables.values():
        for column in suggestion.columns.values():
            profile = profiles_of[suggestion.source].get(column.source)
            if profile is None:
                continue
            votes[0] += profile.day_first_votes
            votes[1] += profile.month_first_votes
            if column.mapping.parse == "money":
                for code, example in profile.currencies.items():
                    currencies.setdefault(code, f"{suggestion.source}.{column.source}: {example!r}")
    mapping = Mapping(
        currency=CurrencyPolicy(base=base_currency),
        dates=DatePolicy(day_first=votes[1] <= votes[0]),
        tables={name: suggestion.to_mapping() for name, suggestion in tables.items()},
    )
    return MappingSuggestion(
        mapping=mapping,
        tables=tables,
        partial={name: partial[name] for name in CANONICAL_TABLES if name in partial},
        unused_sources=[name for name in names if name not in taken],
        currencies=currencies,
        base_currency=base_currency,
        day_first_evidence=(votes[0], votes[1]),
    )
