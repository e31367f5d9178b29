"""``aimass map`` and ``aimass prepare`` through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from aimass import Workspace
from aimass.cli.main import main
from aimass.prepare import load_mapping


@pytest.fixture(autouse=True)
def _as_another_process(demo_raw: Workspace) -> None:
    """The CLI opens the warehouse itself, as another process would: release the fixture's connection."""
    demo_raw.close()


def test_map_suggest_prints_commented_yaml(demo_raw: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", "--suggest", "-w", str(demo_raw.root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# mapping.yaml")
    assert list(yaml.safe_load(out)["tables"]) == [
        "customers",
        "products",
        "orders",
        "events",
        "campaigns",
        "exposures",
    ]


def test_map_suggest_writes_and_refuses_to_overwrite(
    demo_raw: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    target = demo_raw.root / "mapping.yaml"
    assert main(["map", "--suggest", "--out", "mapping.yaml", "-w", str(demo_raw.root)]) == 0
    assert "6 canonical table(s) mapped" in capsys.readouterr().out
    assert load_mapping(target).tables["orders"].source == "raw.orders"
    target.write_text("# edited by hand\n", encoding="utf-8")
    assert main(["map", "--suggest", "--out", "mapping.yaml", "-w", str(demo_raw.root)]) == 1
    assert "exists; pass --force to overwrite it" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "# edited by hand\n"
    assert (
        main(["map", "--suggest", "--out", "mapping.yaml", "--force", "--json", "-w", str(demo_raw.root)])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["written_to"] == str(target) and "orders" in data["tables"]
    assert target.read_text(encoding="utf-8").startswith("# mapping.yaml")


def test_map_checks_the_mapping(
    written_mapping: Path, demo_raw: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["map", "--json", "-w", str(demo_raw.root)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is True
    rows = {(row["table"], row["column"]): row for row in data["columns"]}
    assert rows[("core.orders", "ordered_at")]["raw_table"] == "raw.orders"
    assert rows[("core.orders", "ordered_at")]["from"] == "Order Date"
    assert rows[("core.orders", "ordered_at")]["parse"] == "datetime"
    written_mapping.write_text("tables: {orders: {from: raw.orders, columns: {order_id: {form: x}}}}\n")
    assert main(["map", "-w", str(demo_raw.root)]) == 1
    assert "tables.orders.columns.order_id: unknown key(s) 'form'" in capsys.readouterr().err
    assert main(["map", "--out", "x.yaml", "-w", str(demo_raw.root)]) == 1
    assert "use it with --suggest" in capsys.readouterr().err


def test_prepare_prints_a_summary(
    written_mapping: Path, demo_raw: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prepare", "-w", str(demo_raw.root)]) == 0
    out = capsys.readouterr().out
    for name in ("core.customers", "core.products", "core.orders", "core.events", "core.campaigns"):
        assert name in out
    assert "duplicates" in out and "written" in out
    assert demo_raw.engine.row_count("core.orders") == 6


def test_prepare_json_and_table_choice(
    written_mapping: Path, demo_raw: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["prepare", "--table", "orders", "--table", "exposures", "--json", "-w", str(demo_raw.root)])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert list(data["tables"]) == ["orders", "exposures"]
    orders = data["tables"]["orders"]
    assert (
        orders["rows_in"],
        orders["duplicates_removed"],
        orders["unparsed_total"],
        orders["rows_written"],
    ) == (
        7,
        1,
        0,
        6,
    )
    assert data["mapping"] == str(written_mapping)


def test_prepare_errors_exit_1(demo_raw: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prepare", "-w", str(demo_raw.root)]) == 1
    assert "there is no mapping file" in capsys.readouterr().err
    assert main(["prepare", "--mapping", "other.yaml", "-w", str(demo_raw.root)]) == 1
    assert "other.yaml" in capsys.readouterr().err
