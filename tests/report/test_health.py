"""The data-health report: its model from a workspace, and its HTML, PDF and XLSX exports."""

from __future__ import annotations

import re
import zlib
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from aimass import Workspace
from aimass.report import (
    SHEETS,
    HealthReport,
    build_health_report,
    render_health_html,
    write_health_report,
)
from aimass.report._health import TableHealth, profile_table

from ._data import HOSTILE, write_raw_tables, write_rule_results


@pytest.fixture
def shop(workspace: Workspace) -> Workspace:
    """Two raw tables with planted duplicates and nulls, and one quality run."""
    write_raw_tables(workspace)
    write_rule_results(workspace)
    return workspace


def test_table_profile_counts_planted_problems(shop: Workspace) -> None:
    profile = profile_table(shop, "raw.orders")
    assert profile["n_rows"] == 6
    assert profile["n_duplicate_rows"] == 2  # o1 three times: two extra copies
    assert profile["columns"]["amount"]["n_missing"] == 2
    assert profile["columns"]["order_id"]["n_distinct"] == 4
    assert profile["duplicate_samples"][0]["order_id"] == "o1"
    assert profile["duplicate_samples"][0]["n_copies"] == 3


def test_model_has_tables_rules_and_findings(shop: Workspace) -> None:
    report = build_health_report(shop)
    assert [t.name for t in report.tables] == ["raw.customers", "raw.orders"]
    orders = report.tables[1]
    assert (orders.n_rows, orders.n_duplicate_rows, orders.n_missing_cells) == (6, 2, 2)
    assert {c.name: c.n_missing for c in report.tables[0].columns}["email"] == 1
    assert report.rule_counts == {"pass": 1, "warn": 1, "fail": 1}
    failed = next(r for r in report.rules if r.status == "fail")
    assert failed.samples == [{"order_id": "o2", "amount": None}, {"order_id": "o4", "amount": None}]
    assert "2 exact duplicate rows in raw.orders." in report.findings
    assert report.findings[0] == "1 rule(s) failed (1 at error level), 1 warned, 1 passed."


def test_no_rule_results_is_said(workspace: Workspace) -> None:
    write_raw_tables(workspace)
    report = build_health_report(workspace)
    assert report.quality_run is None and report.rules == []
    assert any("No quality rules have been run yet" in f for f in report.findings)
    assert "No quality rules have been run in this workspace yet" in render_health_html(report)


def test_html_is_self_contained_escaped_and_complete(shop: Workspace) -> None:
    report = build_health_report(shop)
    report.tables[1].alerts.append({"column": HOSTILE, "kind": "mixed_types", "detail": f"value {HOSTILE}"})
    page = render_health_html(report)
    assert "http://" not in page and "https://" not in page and "<script" not in page.lower()
    assert "&lt;script&gt;" in page
    for table in report.tables:
        for alert in table.alerts:
            assert str(alert["kind"]) in page
    assert shop.settings.name in page
    assert page.count('class="table-section"') == 2
    for finding in report.findings:
        assert finding.replace("'", "&#39;") in page or finding in page


def _pages(pdf: bytes) -> int:
    """Page objects in a PDF, looking inside its compressed object streams too."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![s\w])", part)) for part in parts)


def test_exports_pdf_and_xlsx(shop: Workspace, tmp_path: Path) -> None:
    report = build_health_report(shop)
    paths = write_health_report(report, tmp_path / "out")
    assert sorted(paths) == ["html", "pdf", "xlsx"]
    pdf = paths["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) >= 4  # title page, summary, then each table on its own page

    book = openpyxl.load_workbook(paths["xlsx"], read_only=True)
    assert book.sheetnames == list(SHEETS)
    tables = list(book["Tables"].iter_rows(values_only=True))
    assert tables[0][:5] == ("table", "rows", "columns", "exact duplicate rows", "missing values")
    assert tables[2][:5] == ("raw.orders", 6, 3, 2, 2)
    rules = {row[0]: row for row in book["Rules"].iter_rows(min_row=2, values_only=True)}
    assert rules["orders_amount_not_null"][5:8] == ("fail", 6, 2)
    summary = [row[0] for row in book["Summary"].iter_rows(values_only=True)]
    assert summary[0] == "Data health report"
    assert "2 exact duplicate rows in raw.orders." in summary
    samples = list(book["Rule samples"].iter_rows(min_row=2, values_only=True))
    assert len(samples) == 3  # two failing rows of the not-null rule, one of the unique rule


def test_from_profile_reads_the_contract_shape() -> None:
    table = TableHealth.from_profile(
        "raw.x",
        {"n_rows": 3, "n_duplicate_rows": 1, "columns": {"a": {"type": "numeric", "n_missing": 1}}},
    )
    assert (table.n_columns, table.n_missing_cells, table.columns[0].type) == (1, 1, "numeric")
    report = HealthReport("ws", datetime(2026, 1, 2, 3, 4), tables=[table])
    assert report.to_dict()["tables"][0]["n_duplicate_rows"] == 1


def test_the_profile_step_s_profile_is_reused_until_the_table_is_loaded_again(workspace: Workspace) -> None:
    import json

    from aimass.engine import LoadRecord, utc_now
    from aimass.pipeline import run_steps
    from aimass.quality._profile_step import profile_json_path, read_stored_profile

    write_raw_tables(workspace)
    workspace.engine.record_load(
        LoadRecord(source="t", target="raw.orders", mode="replace", status="ok", finished_at=utc_now())
    )
    run_steps(workspace, ["profile"])
    path = profile_json_path(workspace, "raw.orders")
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert read_stored_profile(workspace, "raw.orders") == stored
    marked = {**stored, "n_rows": -1}  # a stored profile the report can be seen to use
    path.write_text(json.dumps(marked), encoding="utf-8")
    assert profile_table(workspace, "raw.orders")["n_rows"] == -1
    assert read_stored_profile(workspace, "raw.customers") is None  # never loaded: profiled afresh
    workspace.engine.record_load(
        LoadRecord(source="t", target="raw.orders", mode="append", status="ok", finished_at=utc_now())
    )
    assert read_stored_profile(workspace, "raw.orders") is None  # loaded since: stale
    assert profile_table(workspace, "raw.orders")["n_rows"] == 6
