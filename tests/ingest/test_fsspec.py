"""``file://`` and fsspec URLs in the files source (``memory://`` ships with fsspec)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from aimass import Workspace
from aimass.exceptions import ConfigError, TerminalSourceError
from aimass.ingest import ingest_files


@pytest.fixture
def memory() -> Iterator[fsspec.AbstractFileSystem]:
    """fsspec's in-memory filesystem, emptied of this test's files afterwards."""
    filesystem = fsspec.filesystem("memory")
    filesystem.mkdir("/aimass-test")
    try:
        yield filesystem
    finally:
        filesystem.rm("/aimass-test", recursive=True)


def test_file_url_is_read_in_place(workspace: Workspace, files: Path) -> None:
    path = files / "orders.csv"
    path.write_text("order_id,qty\n007,2\n008,1\n")
    result = ingest_files(workspace, path.as_uri())
    assert (result.target, result.rows, result.files) == ("raw.orders", 2, (str(path),))
    rows = workspace.engine.read_arrow("raw.orders").to_pylist()
    assert [row["order_id"] for row in rows] == ["007", "008"]
    assert {row["_source_file"] for row in rows} == {str(path)}


def test_memory_glob_is_copied_and_read_natively(
    workspace: Workspace, memory: fsspec.AbstractFileSystem
) -> None:
    memory.pipe("/aimass-test/sales_1.csv", b"store,amount\n001,10.5\n")
    memory.pipe("/aimass-test/sales_2.csv", b"store,amount\n002,3.25\n003,1\n")
    memory.pipe("/aimass-test/other.json", b"[]")
    result = ingest_files(workspace, "memory://aimass-test/sales_*.csv", mode="append")
    assert (result.target, result.rows) == ("raw.sales", 3)
    assert result.files == ("memory:///aimass-test/sales_1.csv", "memory:///aimass-test/sales_2.csv")
    rows = workspace.engine.sql("SELECT store, amount FROM raw.sales ORDER BY store").to_pylist()
    assert rows == [
        {"store": "001", "amount": 10.5},
        {"store": "002", "amount": 3.25},
        {"store": "003", "amount": 1.0},
    ]
    details = json.loads(workspace.engine.sql("SELECT details FROM meta.loads")["details"][0].as_py())
    assert details["files"] == list(result.files)
    lineage = workspace.engine.sql("SELECT DISTINCT _source_file FROM raw.sales ORDER BY 1").column(0)
    assert lineage.to_pylist() == list(result.files)  # each row names the URL, not a temporary copy


def test_memory_parquet_file(workspace: Workspace, memory: fsspec.AbstractFileSystem) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with memory.open("/aimass-test/items.parquet", "wb") as handle:
        pq.write_table(pa.table({"sku": ["a", "b"], "price": [1.0, 2.0]}), handle)
    result = ingest_files(workspace, "memory://aimass-test/items.parquet", "catalog")
    assert (result.target, result.rows) == ("raw.catalog", 2)


def test_missing_url_and_unknown_scheme_are_clear(
    workspace: Workspace, memory: fsspec.AbstractFileSystem
) -> None:
    with pytest.raises(TerminalSourceError, match=r"no file matches 'memory://aimass-test/none_\*\.csv'"):
        ingest_files(workspace, "memory://aimass-test/none_*.csv", "none")
    with pytest.raises(ConfigError, match="no installed fsspec filesystem handles nosuchfs://"):
        ingest_files(workspace, "nosuchfs://bucket/orders.csv", "orders")
    with pytest.raises(ConfigError, match="file:// URLs read this machine only"):
        ingest_files(workspace, "file://otherhost/data/orders.csv", "orders")
    assert not workspace.engine.exists("raw.none")


def test_sources_yaml_files_entry_with_an_fsspec_url(
    workspace: Workspace, memory: fsspec.AbstractFileSystem
) -> None:
    from aimass.ingest import ingest_sources

    memory.pipe(
        "/aimass-test/stores.jsonl", b'{"store": "001", "city": "Lyon"}\n{"store": "002", "city": "Nice"}\n'
    )
    (workspace.root / "sources.yaml").write_text(
        "sources:\n  - name: stores\n    kind: files\n    path: memory://aimass-test/stores.jsonl\n"
    )
    (result,) = ingest_sources(workspace)
    assert (result.target, result.rows, result.files) == (
        "raw.stores",
        2,
        ("memory:///aimass-test/stores.jsonl",),
    )
    assert workspace.engine.sql("SELECT city FROM raw.stores ORDER BY store")["city"].to_pylist() == [
        "Lyon",
        "Nice",
    ]
