"""Files merge by key, nested JSON flattened from the command line and from a declared source,
and URLs passed to `aimass ingest` as they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aimass import Workspace
from aimass.cli.main import main
from aimass.exceptions import ConfigError
from aimass.ingest import FileSourceConfig, ingest_files


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_merge_by_key_counts_new_and_updated_rows(workspace: Workspace, tmp_path: Path) -> None:
    first = _csv(tmp_path / "a.csv", "id,v\n001,1\n002,2\n")
    second = _csv(tmp_path / "b.csv", "id,v\n002,20\n003,3\n")
    ingest_files(workspace, first, "items")
    result = ingest_files(workspace, second, "items", mode="merge", primary_key=["id"])
    assert (result.rows_new, result.rows_updated) == (1, 1)
    rows = workspace.engine.sql("SELECT id, v FROM raw.items ORDER BY id").to_pylist()
    assert rows == [{"id": "001", "v": 1}, {"id": "002", "v": 20}, {"id": "003", "v": 3}]
    details = workspace.engine.sql("SELECT details FROM meta.loads ORDER BY started_at DESC LIMIT 1")
    recorded = json.loads(details.column(0)[0].as_py())
    assert (recorded["rows_new"], recorded["rows_updated"], recorded["primary_key"]) == (1, 1, ["id"])
    with pytest.raises(ConfigError, match="mode merge needs a primary key"):
        ingest_files(workspace, second, "items", mode="merge")
    with pytest.raises(ValueError, match="mode merge needs primary_key"):
        FileSourceConfig(kind="files", name="items", path="b.csv", mode="merge")


def test_cli_flatten_writes_parent_and_child_tables(
    workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [
        {"id": "o1", "customer": {"id": "007"}, "lines": [{"sku": "P1", "qty": 2}, {"sku": "P2", "qty": 1}]},
        {"id": "o2", "customer": {"id": "042"}, "lines": [{"sku": "P3", "qty": 5}]},
    ]
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    workspace.close()
    assert (
        main(["ingest", str(path), "--flatten", "--primary-key", "id", "-w", str(workspace.root), "--json"])
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert [item["target"] for item in printed] == ["raw.orders", "raw.orders__lines"]
    with Workspace.open(workspace.root) as ws:
        parents = ws.engine.sql("SELECT id, customer__id FROM raw.orders ORDER BY id").to_pylist()
        lines = ws.engine.sql("SELECT _parent_key, _position, sku, qty FROM raw.orders__lines ORDER BY 1, 2")
    assert parents == [{"id": "o1", "customer__id": "007"}, {"id": "o2", "customer__id": "042"}]
    assert lines.to_pylist() == [
        {"_parent_key": "o1", "_position": 0, "sku": "P1", "qty": 2},
        {"_parent_key": "o1", "_position": 1, "sku": "P2", "qty": 1},
        {"_parent_key": "o2", "_position": 0, "sku": "P3", "qty": 5},
    ]
    assert main(["ingest", str(path), str(path), "--flatten", "-w", str(workspace.root)]) == 1


def test_declared_source_can_flatten(workspace: Workspace) -> None:
    (workspace.root / "docs.json").write_text(
        json.dumps([{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": []}]), encoding="utf-8"
    )
    source = FileSourceConfig(kind="files", name="docs", path="docs.json", flatten=True, primary_key=("id",))
    result = source.ingest(workspace)
    assert result.target == "raw.docs"
    assert result.rows == 2
    assert workspace.engine.row_count("raw.docs__tags") == 2


def test_cli_passes_urls_through(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    fsspec = pytest.importorskip("fsspec")
    with fsspec.open("memory://cli-drop/prices.csv", "w") as handle:
        handle.write("sku,price\nP001,9.5\n")
    workspace.close()
    assert main(["ingest", "memory://cli-drop/prices.csv", "-w", str(workspace.root), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 1
    with Workspace.open(workspace.root) as ws:
        assert ws.engine.sql("SELECT sku FROM raw.prices").column(0).to_pylist() == ["P001"]
