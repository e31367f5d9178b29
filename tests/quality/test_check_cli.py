"""``aimass check``: exit codes, JSON, the table filter, and the demo's rules against its truth."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.cli.main import main

RULES = """\
rules:
  - {id: qty_present, kind: not_null, table: raw.orders, column: qty, level: warn}
  - {id: qty_range, kind: between, table: raw.orders, column: qty, min: 1, max: 100}
  - {id: customers_exist, kind: row_count, table: raw.customers, min: 1}
"""


@pytest.fixture
def checked(workspace: Workspace) -> Path:
    workspace.engine.write_table("raw.orders", pa.table({"qty": [1, 2, 500, None]}))
    workspace.engine.write_table("raw.customers", pa.table({"id": ["a"]}))
    (workspace.root / "quality").mkdir()
    (workspace.root / "quality" / "rules.yaml").write_text(RULES, encoding="utf-8")
    workspace.close()
    return workspace.root


def test_exit_1_when_an_error_rule_fails(checked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-w", str(checked)]) == 1
    out = capsys.readouterr().out
    assert "qty_range" in out and "1 passed" in out and "1 warned" in out and "1 failed" in out


def test_exit_0_when_only_warnings(checked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = checked / "warn_only.yaml"
    rules.write_text(RULES.replace("qty_range, kind", "qty_range, level: warn, kind"), encoding="utf-8")
    assert main(["check", "-w", str(checked), "--rules", "warn_only.yaml", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["status"], report["n_warned"], report["n_failed"], report["source"]) == (
        "warn",
        2,
        0,
        "warn_only.yaml",
    )
    by_id = {r["rule_id"]: r for r in report["results"]}
    assert (by_id["qty_range"]["n_failed"], by_id["qty_range"]["pct_failed"]) == (1, 25.0)
    assert by_id["qty_range"]["samples"] == [{"qty": 500}]


def test_table_filter_and_recording(checked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-w", str(checked), "--table", "raw.customers", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["rule_id"] for r in report["results"]] == ["customers_exist"]
    with Workspace.open(checked) as ws:
        runs = ws.engine.read_arrow("meta.quality_runs").to_pylist()
        assert [(r["run_id"], r["n_rules"], r["status"]) for r in runs] == [(report["run_id"], 1, "pass")]


def test_bad_rules_file_is_a_user_error(checked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (checked / "bad.yaml").write_text("rules:\n  - {id: x, kind: unique, table: raw.orders, colums: [a]}\n")
    assert main(["check", "-w", str(checked), "--rules", "bad.yaml"]) == 1
    err = re.sub(r"\s+", " ", capsys.readouterr().err)
    assert "bad.yaml: rule 'x' (#1): colums: Extra inputs are not permitted" in err
    assert main(["check", "-w", str(checked), "--rules", "missing.yaml"]) == 1
    assert "there is no rules file" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_rules_find_the_planted_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "demo"
    assert main(["demo", "generate", "--path", str(root), "--customers", "300"]) == 0
    sources = ["-s", "orders", "-s", "customers", "-s", "events", "-s", "products"]
    assert main(["ingest", "--all", *sources, "-w", str(root)]) == 0
    assert main(["prepare", "-w", str(root), "-t", "orders", "-t", "customers", "-t", "events"]) == 0
    capsys.readouterr()
    assert main(["check", "-w", str(root), "--json"]) == 0  # the raw problems are warnings
    results = {r["rule_id"]: r for r in json.loads(capsys.readouterr().out)["results"]}

    exported = pd.read_csv(root / "exports" / "orders.csv", dtype=str, keep_default_na=False)
    truth = pd.read_parquet(root / "truth" / "clean" / "orders.parquet")
    iso = exported["Order Date"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
    assert results["raw_orders_exact_duplicates"]["n_failed"] == len(exported) - len(truth) > 0
    assert results["raw_orders_exact_duplicates"]["status"] == "warn"
    assert results["raw_orders_order_date_iso"]["n_failed"] == int((~iso).sum()) > 0
    assert results["raw_orders_order_date_iso"]["n_rows"] == len(exported)
    assert results["core_orders_channel_known"]["n_failed"] == int(truth["channel"].isna().sum())
    assert results["core_orders_channel_known"]["status"] == "pass"  # under its 1% threshold
    for rule in (
        "core_orders_key_unique",
        "core_orders_customer_known",
        "core_orders_quantity_range",
        "core_orders_channel_values",
        "core_orders_not_after_as_of",
        "core_events_fresh",
        "core_customers_id_unique",
        "core_customers_row_count",
    ):
        assert (results[rule]["status"], results[rule]["n_failed"]) == ("pass", 0), rule
    assert results["core_orders_key_unique"]["n_rows"] == len(truth)
