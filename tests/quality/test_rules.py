"""Quality rules on tables with planted violations: exact counts, thresholds, levels, YAML errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.exceptions import ConfigError
from aimass.pipeline import run_steps
from aimass.quality import (
    MAX_SAMPLES,
    NotNullRule,
    RowCountRule,
    UniqueRule,
    parse_rules,
    read_rules,
    run_rules,
)
from aimass.settings import EngineSettings, Settings

# core.t, five rows, every violation planted by hand:
#   id: 1, 2, 2, 3, null  -> 1 null; 1 repeated key; id 3 has no match in core.p (ids 1, 2)
#   x:  0.5, 5, 10, 11, null -> [1, 10) fails 0.5, 10, 11
#   s:  a, b, zz, 1.5, 7 -> not in {a, b}: zz, 1.5, 7; no lower-case letter: 1.5, 7
#   c:  '1', '2', 'x', null, '9' -> not an integer: x
#   ts: 2024-01-01 .. 2024-01-05 (latest 2024-01-05)
T = {
    "id": [1, 2, 2, 3, None],
    "x": [0.5, 5.0, 10.0, 11.0, None],
    "s": ["a", "b", "zz", "1.5", "7"],
    "c": ["1", "2", "x", None, "9"],
    "ts": [datetime(2024, 1, day) for day in range(1, 6)],
}
RULES: list[dict[str, Any]] = [
    {"id": "nn", "kind": "not_null", "table": "core.t", "column": "id"},
    {"id": "uniq", "kind": "unique", "table": "core.t", "columns": "id"},
    {"id": "uniq_pair", "kind": "unique", "table": "core.t", "columns": ["id", "s"]},
    {"id": "rows_unique", "kind": "unique", "table": "core.t"},
    {
        "id": "range",
        "kind": "between",
        "table": "core.t",
        "column": "x",
        "min": 1,
        "max": 10,
        "max_inclusive": False,
    },
    {
        "id": "range_open",
        "kind": "between",
        "table": "core.t",
        "column": "x",
        "min": 0.5,
        "min_inclusive": False,
    },
    {"id": "set", "kind": "in_set", "table": "core.t", "column": "s", "values": ["a", "b"]},
    {"id": "letters", "kind": "regex", "table": "core.t", "column": "s", "pattern": "[a-z]+"},
    {
        "id": "has_letter",
        "kind": "regex",
        "table": "core.t",
        "column": "s",
        "pattern": "[a-z]",
        "full_match": False,
    },
    {"id": "int_text", "kind": "type", "table": "core.t", "column": "c", "type": "integer"},
    {"id": "int_s", "kind": "type", "table": "core.t", "column": "s", "type": "integer"},
    {"id": "num_s", "kind": "type", "table": "core.t", "column": "s", "type": "number"},
    {
        "id": "fk",
        "kind": "foreign_key",
        "table": "core.t",
        "columns": "id",
        "to_table": "core.p",
        "to_columns": "pid",
    },
    {
        "id": "fresh",
        "kind": "freshness",
        "table": "core.t",
        "column": "ts",
        "max_age": "2d",
        "as_of": "2024-01-07T00:00:00Z",
    },
    {
        "id": "stale",
        "kind": "freshness",
        "table": "core.t",
        "column": "ts",
        "max_age": "47h",
        "as_of": "2024-01-07T08:00:00+08:00",
    },
    {"id": "enough", "kind": "row_count", "table": "core.t", "min": 5, "max": 5},
    {"id": "too_few", "kind": "row_count", "table": "core.t", "min": 6},
    {"id": "custom", "kind": "sql", "table": "core.t", "sql": "SELECT * FROM core.t WHERE x > 6"},
]
# rule id -> (status, n_rows, n_failed)
EXPECTED = {
    "nn": ("fail", 5, 1),
    "uniq": ("fail", 5, 1),
    "uniq_pair": ("pass", 5, 0),  # (2, 'b') and (2, 'zz') differ
    "rows_unique": ("pass", 5, 0),
    "range": ("fail", 5, 3),
    "range_open": ("fail", 5, 1),
    "set": ("fail", 5, 3),
    "letters": ("fail", 5, 2),
    "has_letter": ("fail", 5, 2),
    "int_text": ("fail", 5, 1),
    "int_s": ("fail", 5, 4),
    "num_s": ("fail", 5, 3),
    "fk": ("fail", 5, 1),
    "fresh": ("pass", 5, 0),
    "stale": ("fail", 5, 1),
    "enough": ("pass", 5, 0),
    "too_few": ("fail", 5, 1),
    "custom": ("fail", 5, 2),
}


@pytest.fixture
def planted(workspace: Workspace) -> Workspace:
    workspace.engine.write_table("core.t", pa.table(T))
    workspace.engine.write_table("core.p", pa.table({"pid": [1, 2]}))
    return workspace


def test_every_kind_counts_exactly(planted: Workspace) -> None:
    report = run_rules(planted, parse_rules({"rules": RULES}))
    got = {r.rule_id: (r.status, r.n_rows, r.n_failed) for r in report.results}
    assert got == EXPECTED
    by_id = {r.rule_id: r for r in report.results}
    assert by_id["range"].pct_failed == pytest.approx(60.0)
    assert by_id["stale"].pct_failed == 100.0 and by_id["fresh"].pct_failed == 0.0
    assert sorted(row["x"] for row in by_id["range"].samples) == [0.5, 10.0, 11.0]
    assert by_id["uniq"].samples == [{"id": 2, "_copies": 2}]
    assert [row["id"] for row in by_id["fk"].samples] == [3]
    assert sorted(row["s"] for row in by_id["letters"].samples) == ["1.5", "7"]
    assert by_id["int_text"].samples[0]["c"] == "x"
    assert "2 days, 0:00:00" in by_id["fresh"].detail
    assert by_id["too_few"].detail == "5 rows, allowed [6, ]"
    assert report.n_passed == 4 and report.n_failed == 14 and report.status == "fail"


def test_results_and_run_are_recorded(planted: Workspace) -> None:
    report = run_rules(planted, parse_rules({"rules": RULES}))
    engine = planted.engine
    runs = engine.read_arrow("meta.quality_runs").to_pylist()
    assert len(runs) == 1
    assert runs[0]["run_id"] == report.run_id
    assert (runs[0]["n_rules"], runs[0]["n_passed"], runs[0]["n_failed"], runs[0]["status"]) == (
        18,
        4,
        14,
        "fail",
    )
    rows = {row["rule_id"]: row for row in engine.read_arrow("meta.quality_results").to_pylist()}
    assert len(rows) == 18
    assert (rows["set"]["n_failed"], rows["set"]["column_name"], rows["set"]["level"]) == (3, "s", "error")
    assert sorted(row["s"] for row in json.loads(rows["set"]["samples"])) == ["1.5", "7", "zz"]
    assert rows["fk"]["column_name"] == "id" and rows["fk"]["kind"] == "foreign_key"
    run_rules(planted, [NotNullRule(id="again", table="core.t", column="x")])
    assert engine.row_count("meta.quality_runs") == 2
    assert engine.row_count("meta.quality_results") == 19


def test_threshold_and_warn_level(planted: Workspace) -> None:
    rules = [
        NotNullRule(id="at", table="core.t", column="id", threshold=0.2),  # 1/5 = 0.2 still passes
        NotNullRule(id="below", table="core.t", column="id", threshold=0.19),
        NotNullRule(id="warned", table="core.t", column="id", level="warn"),
        NotNullRule(id="warned_ok", table="core.t", column="id", level="warn", threshold=0.5),
    ]
    report = run_rules(planted, rules, record=False)
    assert [r.status for r in report.results] == ["pass", "fail", "warn", "pass"]
    assert all(r.n_failed == 1 for r in report.results)
    warn_only = run_rules(planted, rules[2:], record=False)
    assert (warn_only.status, warn_only.n_warned, warn_only.n_failed) == ("warn", 1, 0)
    assert not planted.engine.row_count("meta.quality_runs")


def test_samples_are_capped(workspace: Workspace) -> None:
    workspace.engine.write_table("raw.many", pa.table({"v": pa.array([None] * 30 + [1] * 10, pa.int64())}))
    result = run_rules(workspace, [NotNullRule(id="v", table="raw.many", column="v")]).results[0]
    assert (result.n_rows, result.n_failed, result.pct_failed) == (40, 30, 75.0)
    assert len(result.samples) == MAX_SAMPLES == 20


def test_unique_without_columns_ignores_lineage(workspace: Workspace) -> None:
    data = pa.table({"a": [1, 1, 1, 2], "b": ["x", "x", "y", "x"], "_load_id": ["l1", "l2", "l3", "l4"]})
    workspace.engine.write_table("raw.rows", data)
    result = run_rules(workspace, [UniqueRule(id="rows", table="raw.rows")], record=False).results[0]
    assert (result.n_failed, result.samples) == (1, [{"a": 1, "b": "x", "_copies": 2}])


def test_rules_that_cannot_run_say_why(planted: Workspace) -> None:
    rules = parse_rules(
        [
            {"id": "no_table", "kind": "not_null", "table": "core.nothing", "column": "x"},
            {"id": "no_column", "kind": "not_null", "table": "core.t", "column": "nope", "level": "warn"},
            {"id": "bad_sql", "kind": "sql", "table": "core.t", "sql": "SELECT * FROM core.nothing"},
            {"id": "no_ref", "kind": "foreign_key", "table": "core.t", "columns": "id", "to_table": "core.p"},
        ]
    )
    results = {r.rule_id: r for r in run_rules(planted, rules, record=False).results}
    assert results["no_table"].status == "fail"
    assert results["no_table"].detail == "the table core.nothing does not exist"
    assert (
        results["no_column"].status == "warn"
        and "['nope'] not found in core.t" in results["no_column"].detail
    )
    assert results["bad_sql"].status == "fail" and results["bad_sql"].detail.startswith("the query failed")
    assert "core.p.id" in results["no_ref"].detail


def test_tables_filter(planted: Workspace) -> None:
    rules = [
        RowCountRule(id="t", table="core.t", min=1),
        RowCountRule(id="p", table="core.p", min=1),
    ]
    assert [r.rule_id for r in run_rules(planted, rules, tables=["core.p"], record=False).results] == ["p"]
    assert len(run_rules(planted, rules, tables=["core.*"], record=False).results) == 2


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"id": "r", "kind": "not_null", "table": "core.t", "colum": "x"},
            "colum: Extra inputs are not permitted",
        ),
        ({"id": "r", "kind": "not_null", "table": "core.t"}, "rule 'r' (#1): column: this key is required"),
        ({"id": "r", "table": "core.t"}, "rule 'r' (#1): `kind` is required"),
        ({"id": "r", "kind": "nope", "table": "core.t"}, "kind 'nope' is not known"),
        ({"id": "r", "kind": "not_null", "table": "t", "column": "x"}, "must be qualified as schema.table"),
        (
            {"id": "r", "kind": "regex", "table": "core.t", "column": "x", "pattern": "("},
            "not a valid regular",
        ),
        ({"id": "r", "kind": "between", "table": "core.t", "column": "x"}, "needs min, max or both"),
        ({"id": "r", "kind": "row_count", "table": "core.t", "min": 1, "threshold": 0.1}, "does not apply"),
        ({"id": "r", "kind": "not_null", "table": "core.t", "column": "x", "level": "info"}, "level:"),
        ({"id": "r", "kind": "freshness", "table": "core.t", "column": "x", "max_age": "soon"}, "max_age:"),
    ],
)
def test_yaml_errors_name_file_rule_and_key(tmp_path: Path, rule: dict[str, Any], message: str) -> None:
    import yaml

    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"rules": [rule]}), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        read_rules(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_file_level_errors(tmp_path: Path, workspace: Workspace) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n  - {id: a, kind: row_count, table: core.t, min: 1}\n"
        "  - {id: a, kind: row_count, table: core.t, min: 2}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"rule 'a' \(#2\): the id 'a' is used by an earlier rule"):
        read_rules(path)
    path.write_text("checks: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown top-level key\(s\) \['checks'\]"):
        read_rules(path)
    path.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        read_rules(path)
    with pytest.raises(ConfigError, match=r"there is no rules file at .*quality/rules\.yaml"):
        run_rules(workspace)


def test_durations_and_as_of() -> None:
    rules = parse_rules(
        [
            {
                "id": "a",
                "kind": "freshness",
                "table": "core.t",
                "column": "ts",
                "max_age": "36h",
                "as_of": "2025-01-01T08:00:00+08:00",
            },
            {"id": "b", "kind": "freshness", "table": "core.t", "column": "ts", "max_age": 90},
            {"id": "c", "kind": "freshness", "table": "core.t", "column": "ts", "max_age": "P1W"},
        ]
    )
    assert [r.max_age.total_seconds() for r in rules] == [36 * 3600, 90, 7 * 86400]  # type: ignore[union-attr]
    assert rules[0].as_of == datetime(2025, 1, 1)  # type: ignore[union-attr]


def test_the_quality_step(workspace: Workspace) -> None:
    no_rules = run_steps(workspace, ["quality"])[0].result
    assert no_rules is not None and no_rules.warnings == [
        "no quality/rules.yaml in the workspace: no quality rules were checked"
    ]
    workspace.engine.write_table("raw.orders", pa.table({"qty": [1, 2, 500, None]}))
    (workspace.root / "quality").mkdir()
    (workspace.root / "quality" / "rules.yaml").write_text(
        "rules:\n"
        "  - {id: qty_present, kind: not_null, table: raw.orders, column: qty, level: warn}\n"
        "  - {id: qty_range, kind: between, table: raw.orders, column: qty, min: 1, max: 100}\n"
        "  - {id: has_rows, kind: row_count, table: raw.orders, min: 1}\n",
        encoding="utf-8",
    )
    run = run_steps(workspace, ["quality"])[0]
    assert run.record.status == "ok" and run.result is not None
    figures = run.result.figures
    assert (figures["rules"], figures["passed"], figures["warned"], figures["failed"]) == (3, 1, 1, 1)
    assert figures["failing_rows_by_rule"] == {"qty_present": 1, "qty_range": 1}
    assert run.result.summary == "checked 3 rule(s): 1 passed, 1 warned, 1 failed"
    assert run.result.tables == {"meta.quality_results": 3, "meta.quality_runs": 1}
    assert workspace.engine.row_count("meta.quality_results") == 3
    assert any(w.startswith("fail: qty_range on raw.orders: 1 of 4 row(s)") for w in run.result.warnings)


@pytest.mark.slow
def test_unique_on_a_table_larger_than_the_memory_limit(tmp_path: Path) -> None:
    """Three million rows (about 100 MB as Arrow) under a 64 MB DuckDB limit; 3,000 planted repeats."""
    n, step_every, chunk = 3_000_000, 1_000, 500_000

    def batches() -> Iterator[pa.RecordBatch]:
        for start in range(0, n, chunk):
            ids = np.arange(start, start + chunk, dtype=np.int64)
            ids[::step_every] -= 1  # every 1,000th id repeats its predecessor (id 0 becomes -1: unique)
            yield pa.record_batch(
                {"id": ids, "payload": pa.array(np.char.mod("row-%09d", ids).astype(object), pa.string())}
            )

    schema = pa.schema([("id", pa.int64()), ("payload", pa.string())])
    settings = Settings(name="big", engine=EngineSettings(memory_limit="64MB", threads=2))
    with Workspace.init(tmp_path / "big", settings) as ws:
        ws.engine.write_table("raw.big", pa.RecordBatchReader.from_batches(schema, batches()))
        rules = [
            UniqueRule(id="ids", table="raw.big", columns=["id"]),
            NotNullRule(id="payload", table="raw.big", column="payload"),
        ]
        ids, payload = run_rules(ws, rules).results
    assert (ids.n_rows, ids.n_failed) == (n, n // step_every - 1)
    assert len(ids.samples) == 20 and all(row["_copies"] == 2 for row in ids.samples)
    assert (payload.n_rows, payload.n_failed, payload.status) == (n, 0, "pass")
