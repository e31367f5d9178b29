"""The demo's planted problems: counted by the exporter, found by the pipeline, fixed by prepare.

A 500-customer demo is generated, its campaigns API served under uvicorn, and the ingest, prepare,
quality and profile steps run on it. The planted counts are checked against counts taken here
from the export files themselves; the report must find and fix every one of them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from aimass import Workspace
from aimass.cli.main import main
from aimass.demo import DemoWorld, create_demo_api, generate, planted_report, read_planted
from aimass.demo._planted import PLANTED_COLUMNS
from aimass.exceptions import ConfigError
from aimass.pipeline import run_steps

from .._net import serve_in_thread

pytestmark = pytest.mark.slow

_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoWorld]:
    root = tmp_path_factory.mktemp("planted") / "demo"
    world = generate(root, n_customers=500, seed=7)
    before = os.environ.get("AIMASS_DEMO_API")
    with serve_in_thread(create_demo_api(root)) as base:
        os.environ["AIMASS_DEMO_API"] = base
        try:
            with Workspace.open(root) as workspace:
                run_steps(workspace, ["ingest", "prepare", "quality", "profile"])
        finally:
            if before is None:
                os.environ.pop("AIMASS_DEMO_API", None)
            else:
                os.environ["AIMASS_DEMO_API"] = before
    return root, world


@pytest.fixture(scope="module")
def report(demo: tuple[Path, DemoWorld]) -> pd.DataFrame:
    with Workspace.open(demo[0], read_only=True) as workspace:
        return planted_report(workspace)


def _orders(root: Path) -> pd.DataFrame:
    return pd.read_csv(root / "exports" / "orders.csv", dtype=str, keep_default_na=False)


def _row(report: pd.DataFrame, problem: str, where: str, found_by: str | None = None) -> Any:
    rows = report[(report["problem"] == problem) & (report["where"] == where)]
    if found_by is not None:
        rows = rows[rows["found_by"].str.startswith(found_by)]
    assert len(rows) == 1, (problem, where, rows)
    return rows.iloc[0]


def test_every_planted_problem_is_found_and_fixed(report: pd.DataFrame) -> None:
    assert list(report.columns) == list(PLANTED_COLUMNS)
    assert len(report) == 20
    assert report["ok"].all(), report[~report["ok"]].to_string()
    assert (report["found"] == report["planted"]).all()
    assert (report["fixed"] == report["to_fix"]).all()
    assert (report["planted"] > 0).all()  # every problem is really planted in a 500-customer demo


def test_planted_counts_match_the_orders_file(demo: tuple[Path, DemoWorld], report: pd.DataFrame) -> None:
    root, world = demo
    orders = _orders(root)
    unique = orders.drop_duplicates()
    planted = read_planted(root / "truth")
    assert planted == json.loads(json.dumps(world.truth.planted))  # the file is the world's record
    counts = planted["orders.csv"]
    assert counts["rows"] == len(orders) and counts["unique_rows"] == len(unique)
    duplicates = len(orders) - len(unique)
    assert counts["duplicate_rows"] == duplicates > 0
    assert _row(report, "duplicate rows", "orders.csv", "profile")["planted"] == duplicates
    assert _row(report, "duplicate rows", "orders.csv", "rule")["found"] == duplicates

    not_iso = ~orders["Order Date"].str.fullmatch(_ISO.pattern)
    assert counts["columns"]["Order Date"]["not_iso"] == {
        "rows": int(not_iso.sum()),
        "unique_rows": int((~unique["Order Date"].str.fullmatch(_ISO.pattern)).sum()),
    }
    formats = counts["columns"]["Order Date"]["formats"]
    assert sum(f["rows"] for f in formats.values()) == len(orders)
    assert formats["english_12h"]["rows"] == int(orders["Order Date"].str.endswith(("AM", "PM")).sum())
    assert formats["chinese"]["rows"] == int(orders["Order Date"].str.contains("年").sum())

    for column in ("Unit Price", "Discount", "Line Total"):
        values = orders[column]
        marked = (values != "") & ~values.str.match(_NUMBER.pattern)
        assert counts["columns"][column]["currency_strings"]["rows"] == int(marked.sum()), column
        assert _row(report, "money with ¥/元/CNY/$/USD", f"orders.csv: {column}")["found"] == marked.sum()
    for column in ("Discount", "Channel", "Coupon Code", "Store"):
        empty = int((orders[column] == "").sum())
        assert counts["columns"][column]["empty"]["rows"] == empty, column
        assert _row(report, "empty values", f"orders.csv: {column}")["fixed"] == int(
            (unique[column] == "").sum()
        )
    for column in ("Channel", "Payment"):
        spellings = orders.loc[orders[column] != "", column].nunique()
        clean = orders.loc[orders[column] != "", column].str.strip().str.lower().nunique()
        row = _row(report, "label spellings", f"orders.csv: {column}")
        assert (row["planted"], row["fixed"]) == (spellings, clean)


def test_planted_counts_match_the_customer_workbook_and_products(
    demo: tuple[Path, DemoWorld], report: pd.DataFrame
) -> None:
    root, _ = demo
    sheet = pd.read_excel(root / "exports" / "customers.xlsx", engine="calamine", dtype=str)
    counts = read_planted(root / "truth")["customers.xlsx"]["columns"]
    gender = sheet["Gender"].dropna()
    assert counts["Gender"]["spellings"] == gender.nunique() == 8  # F, f, " F", "F ", and the same for M
    assert counts["Gender"]["empty"] == int(sheet["Gender"].isna().sum())
    email = sheet["Email"].dropna()
    assert counts["Email"]["messy"] == int((email != email.str.strip().str.lower()).sum())
    assert counts["Email"]["empty"] == int(sheet["Email"].isna().sum())
    phone = sheet["Phone"].dropna()
    assert counts["Phone"]["not_digits"] == int((~phone.str.fullmatch(r"\d{11}")).sum())
    assert counts["Phone"]["formats"]["plus_86"] == int(phone.str.startswith("+86 ").sum())
    assert counts["Birth Date"]["empty"] == int(sheet["Birth Date"].isna().sum())
    assert _row(report, "label spellings", "customers.xlsx: Gender")["fixed"] == 2  # F and M
    products = json.loads((root / "exports" / "products.json").read_text(encoding="utf-8"))
    price = read_planted(root / "truth")["products.json"]["columns"]["price"]["currency_strings"]
    assert price == sum(item["price"].startswith("¥") for item in products) == len(products)


def test_a_miscount_is_not_ok(demo: tuple[Path, DemoWorld], tmp_path: Path) -> None:
    root, _ = demo
    truth = tmp_path / "truth"
    shutil.copytree(root / "truth", truth)
    planted = read_planted(truth)
    planted["orders.csv"]["duplicate_rows"] += 1
    (truth / "planted.json").write_text(json.dumps(planted), encoding="utf-8")
    with Workspace.open(root, read_only=True) as workspace:
        report = planted_report(workspace, truth=truth)
    bad = report[~report["ok"]]
    assert set(bad["problem"]) == {"duplicate rows"} and len(bad) == 2
    with (
        pytest.raises(ConfigError, match=r"planted\.json does not exist"),
        Workspace.open(root, read_only=True) as workspace,
    ):
        planted_report(workspace, truth=tmp_path / "nowhere")


def test_cli_check(demo: tuple[Path, DemoWorld], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = demo
    assert main(["demo", "check", "-w", str(root), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and len(data["rows"]) == 20
    assert main(["demo", "check", "-w", str(root)]) == 0
    assert "all planted problems were found and fixed" in capsys.readouterr().out
    path = root / "truth" / "planted.json"
    original = path.read_text(encoding="utf-8")
    changed = json.loads(original)
    changed["customers.xlsx"]["columns"]["Email"]["empty"] += 3
    try:
        path.write_text(json.dumps(changed), encoding="utf-8")
        assert main(["demo", "check", "-w", str(root)]) == 1
        assert "1 row(s) not ok" in capsys.readouterr().out  # one row: the Email empties
    finally:
        path.write_text(original, encoding="utf-8")
    path.rename(path.with_suffix(".bak"))
    try:
        assert main(["demo", "check", "-w", str(root)]) == 1
        assert "planted.json does not exist" in capsys.readouterr().err
    finally:
        path.with_suffix(".bak").rename(path)
