"""Commented YAML for a suggested mapping: every choice says how sure it is and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from aimass.prepare._suggest import MappingSuggestion, TableSuggestion

__all__ = ["render_suggestion"]

_CHECK_BELOW = 0.75


def _flow(value: Any) -> str:
    """``value`` as one line of YAML (flow style, quoted only where YAML needs it)."""
    text = yaml.safe_dump(
        [value], default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6
    ).strip()
    return text[1:-1]


def _comment(text: str) -> str:
    return " ".join(text.split())


def _table_lines(suggestion: TableSuggestion) -> list[str]:
    lines = [
        f"  {suggestion.table}:  # from {suggestion.source}, score {suggestion.score:.2f}",
        f"    from: {_flow(suggestion.source)}",
        "    dedupe: exact  # drop exact duplicate rows",
        "    columns:",
    ]
    for name, column in suggestion.columns.items():
        flag = "CHECK " if column.confidence < _CHECK_BELOW else ""
        why = "; ".join(column.reasons)
        entry = _flow(column.mapping.to_yaml_data())
        lines.append(f"      {name}: {entry}  # {flag}{column.confidence:.2f}: {_comment(why)}")
    for name, how in suggestion.derived.items():
        lines.append(f"      # {name}: not in the source; prepare computes it ({how})")
    if suggestion.unmapped:
        listed = ", ".join(suggestion.unmapped)
        lines.append(f"    # not mapped: {listed}")
        lines.append(
            "    # (prepare warns about them; map them, or set `unmapped: ignore` to acknowledge them)"
        )
    return lines


def render_suggestion(suggestion: MappingSuggestion) -> str:
    """The suggestion as YAML text with comments; :func:`aimass.prepare.load_mapping` reads it back."""
    base = suggestion.base_currency
    lines = [
        "# mapping.yaml: how raw tables fill the canonical tables (core.*).",
        "# Proposed by `aimass map --suggest`: check each column (lines marked CHECK first), edit what",
        "# is wrong, then run `aimass prepare`. A column is `target: raw column` or",
        "# {from, parse, clean, hash, default}; after each come its confidence (0-1) and the evidence:",
        "# the name, and what sampled values look like.",
        "currency:",
        f"  base: {base}",
    ]
    foreign = {code: where for code, where in suggestion.currencies.items() if code != base}
    if foreign:
        lines.append("  rates:  # CHECK: one unit of each currency in " + base)
        for code, where in foreign.items():
            lines.append(f"    # {code}: <{base} per {code}>   seen in {_comment(where)}")
        lines.append("    {}")
    else:
        lines.append("  rates: {}  # no foreign currency seen in the sampled money columns")
    day, month = suggestion.day_first_evidence
    reason = f"{day} sampled date(s) read only day first, {month} only month first"
    lines += [
        "dates:",
        f"  day_first: {'true' if suggestion.mapping.dates.day_first else 'false'}  # {reason}",
    ]
    lines.append("tables:" if suggestion.tables else "tables: {}  # no raw table fits a canonical table")
    for table in suggestion.tables.values():
        lines += _table_lines(table)
    for table in suggestion.partial.values():
        lacks = ", ".join(table.missing)
        lines.append(f"  # {table.table}: {table.source} looks like it but lacks {lacks}; map by hand:")
        lines += [f"  # {line}" for line in _table_lines(table)[1:]]
    if suggestion.unused_sources:
        lines.append(f"# raw tables not used: {', '.join(suggestion.unused_sources)}")
    return "\n".join(lines) + "\n"
