"""Free-text fields parsed into typed columns by named patterns (templates and regexes), on the warehouse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.exceptions import ConfigError
from aimass.ingest._patterns import (
    MATCHED,
    MATCHED_PATTERN,
    PatternCounts,
    compile_pattern,
    parse_patterns,
    pattern_counts,
)

NOTES = [
    "A12 x3 @ ¥1,200.50",
    "  B7 x10 @ $4.00 ",
    "refund R-0042 on 2024-03-05",
    "call the customer back",
    None,
]
LINE = "{sku:[A-Z]\\d+} x{qty:int} @ {price:money}"
REFUND = r"refund (?P<refund_id>R-\d+) on (?P<day>\d{4}-\d{2}-\d{2})"


def _parsed_rows(table: Any, *columns: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table.select(*columns).to_pyarrow().to_pylist()
    return rows


def test_a_template_becomes_typed_columns_and_a_matched_flag() -> None:
    notes = ibis.memtable({"note": NOTES})
    parsed = parse_patterns(notes, "note", [LINE])

    assert parsed.schema()["qty"].is_integer() and parsed.schema()["price"].is_floating()
    assert _parsed_rows(parsed, "sku", "qty", "price", MATCHED) == [
        {"sku": "A12", "qty": 3, "price": 1200.5, MATCHED: True},
        {"sku": "B7", "qty": 10, "price": 4.0, MATCHED: True},  # surrounding spaces allowed
        {"sku": None, "qty": None, "price": None, MATCHED: False},
        {"sku": None, "qty": None, "price": None, MATCHED: False},
        {"sku": None, "qty": None, "price": None, MATCHED: False},  # null text is unmatched
    ]


def test_named_patterns_are_tried_in_order_and_counted() -> None:
    notes = ibis.memtable({"note": NOTES})
    parsed = parse_patterns(notes, "note", {"line": LINE, "refund": REFUND})

    rows = _parsed_rows(parsed, "sku", "refund_id", "day", MATCHED_PATTERN)
    assert [row[MATCHED_PATTERN] for row in rows] == ["line", "line", "refund", None, None]
    assert rows[2] == {"sku": None, "refund_id": "R-0042", "day": "2024-03-05", MATCHED_PATTERN: "refund"}
    assert pattern_counts(parsed) == PatternCounts(
        rows=5, matched=3, unmatched=2, by_pattern={"line": 2, "refund": 1}
    )


def test_keep_unmatched_false_drops_the_rows_no_pattern_matched() -> None:
    notes = ibis.memtable({"id": [1, 2, 3, 4, 5], "note": NOTES})
    parsed = parse_patterns(notes, "note", [LINE, REFUND], keep_unmatched=False)

    assert parsed.to_pyarrow().column("id").to_pylist() == [1, 2, 3]
    assert pattern_counts(parsed).by_pattern == {"0": 2, "1": 1}


def test_a_date_kind_and_a_regex_kind_in_a_template() -> None:
    notes = ibis.memtable({"note": ["shipped 2024-03-05 via SF-123", "shipped soon"]})
    parsed = parse_patterns(notes, "note", ["shipped {day:date} via {carrier:[A-Z]+}-{number:int}"])

    assert _parsed_rows(parsed, "day", "carrier", "number") == [
        {"day": dt.date(2024, 3, 5), "carrier": "SF", "number": 123},
        {"day": None, "carrier": None, "number": None},
    ]


def test_literal_braces_and_regex_characters_in_templates_are_matched_as_written() -> None:
    notes = ibis.memtable({"note": ["{v2} (beta) 3.5?", "v2 beta 3x5"]})
    parsed = parse_patterns(notes, "note", ["{{v{major:int}}} (beta) {score:number}?"])

    assert _parsed_rows(parsed, "major", "score") == [
        {"major": 2, "score": 3.5},
        {"major": None, "score": None},
    ]


def test_the_backend_sees_plain_numbered_groups_only() -> None:
    compiled = compile_pattern(REFUND, "refund")
    assert "(?P<" not in compiled.regex
    assert compiled.groups == {"refund_id": 1, "day": 2}


def test_parsing_a_warehouse_table_and_writing_the_result_back(workspace: Workspace) -> None:
    engine = workspace.engine
    engine.write_table("raw.notes", pa.table({"id": [1, 2, 3, 4, 5], "note": NOTES}))

    parsed = parse_patterns(engine.scan("raw.notes"), "note", {"line": LINE, "refund": REFUND})
    written = engine.write_table("core.note_fields", parsed)

    assert written == 5
    rows = engine.sql(
        "SELECT id, sku, qty, price FROM core.note_fields WHERE matched ORDER BY id"
    ).to_pylist()
    assert rows == [
        {"id": 1, "sku": "A12", "qty": 3, "price": 1200.5},
        {"id": 2, "sku": "B7", "qty": 10, "price": 4.0},
        {"id": 3, "sku": None, "qty": None, "price": None},
    ]
    assert pattern_counts(engine.scan("core.note_fields")).unmatched == 2


@pytest.mark.parametrize(
    ("column", "patterns", "message"),
    [
        ("nope", [LINE], "column 'nope' is not in the table"),
        ("id", [LINE], "column 'id' is int64, not text"),
        ("note", [], "give at least one pattern"),
        ("note", ["no groups here"], "has no named group"),
        ("note", [r"(?P<a>[a-"], "is not a valid regular expression"),
        ("note", ["{a:int} {a}"], "names the field 'a' twice"),
        ("note", ["{id:int}"], r"the parsed fields \['id'\] are already columns"),
        ("note", ["{x:int}", "{x:word}"], "field 'x' is int64 in one pattern and string in another"),
        ("note", ["{x:int"], "is not closed"),
    ],
)
def test_bad_patterns_say_what_was_wrong(column: str, patterns: list[str], message: str) -> None:
    notes = ibis.memtable({"id": [1], "note": ["x"]})
    with pytest.raises(ConfigError, match=message):
        parse_patterns(notes, column, patterns)


def test_counting_needs_a_parsed_table() -> None:
    with pytest.raises(ConfigError, match="pass the result of parse_patterns"):
        pattern_counts(ibis.memtable({"note": ["x"]}))
