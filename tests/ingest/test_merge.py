"""Merge loads: upsert by primary key, the last version wins, re-runs change nothing."""

from __future__ import annotations

import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.exceptions import TerminalSourceError
from aimass.ingest import load_batches

_DATA_COLUMNS = "id, region, qty"


def _table(workspace: Workspace) -> list[dict[str, object]]:
    return workspace.engine.sql(f"SELECT {_DATA_COLUMNS} FROM raw.customers ORDER BY id").to_pylist()


def _merge(workspace: Workspace, rows: pa.Table) -> tuple[int, int, int, int]:
    result = load_batches(
        workspace.engine, source="crm", target="customers", batches=[rows], mode="merge", primary_key=["id"]
    )
    return result.rows, result.rows_new, result.rows_updated, result.rows_skipped


def test_inserts_updates_and_the_last_version_in_a_batch_wins(workspace: Workspace) -> None:
    first = pa.table({"id": ["a", "b", "c"], "region": ["N", "S", "E"], "qty": [1, 2, 3]})
    assert _merge(workspace, first) == (3, 3, 0, 0)

    second = pa.table({"id": ["b", "d", "b"], "region": ["S2", "W", "S3"], "qty": [20, 4, 30]})
    assert _merge(workspace, second) == (2, 1, 1, 1)

    assert _table(workspace) == [
        {"id": "a", "region": "N", "qty": 1},
        {"id": "b", "region": "S3", "qty": 30},
        {"id": "c", "region": "E", "qty": 3},
        {"id": "d", "region": "W", "qty": 4},
    ]


def test_running_the_same_merge_twice_leaves_the_same_table(workspace: Workspace) -> None:
    rows = pa.table({"id": ["a", "b"], "region": ["N", "S"], "qty": [1, 2]})
    _merge(workspace, rows)
    before = _table(workspace)

    assert _merge(workspace, rows) == (2, 0, 2, 0)
    assert _table(workspace) == before
    assert workspace.engine.row_count("raw.customers") == 2


def test_a_composite_key_and_rows_that_span_batches(workspace: Workspace) -> None:
    engine = workspace.engine
    batches = [
        pa.table({"order": [1, 1], "line": [1, 2], "qty": [5, 6]}),
        pa.table({"order": [1, 2], "line": [1, 1], "qty": [50, 7]}),  # (1, 1) again: this one wins
    ]

    result = load_batches(
        engine, source="erp", target="lines", batches=batches, mode="merge", primary_key=["order", "line"]
    )

    assert (result.rows, result.rows_skipped) == (3, 1)
    rows = engine.sql('SELECT "order", line, qty FROM raw.lines ORDER BY 1, 2').to_pylist()
    assert [row["qty"] for row in rows] == [50, 6, 7]


def test_a_key_whose_type_changed_stops_the_merge_and_changes_nothing(workspace: Workspace) -> None:
    engine = workspace.engine
    load_batches(engine, source="s", target="k", batches=[pa.table({"id": [1, 2], "v": [1, 2]})])
    before = engine.sql("SELECT id, v FROM raw.k ORDER BY id").to_pylist()

    with pytest.raises(
        TerminalSourceError, match="primary key column 'id' changed type from BIGINT to VARCHAR"
    ):
        load_batches(
            engine, source="s", target="k", batches=[pa.table({"id": ["x"], "v": [3]})], mode="merge",
            primary_key=["id"],
        )  # fmt: skip

    assert engine.sql("SELECT id, v FROM raw.k ORDER BY id").to_pylist() == before
    assert engine.columns("raw.k") == {
        "id": "BIGINT", "v": "BIGINT", "_load_id": "VARCHAR", "_source_file": "VARCHAR",
        "_loaded_at": "TIMESTAMP",
    }  # fmt: skip
    assert (
        engine.sql("SELECT status FROM meta.loads ORDER BY started_at").column(0).to_pylist()[-1] == "failed"
    )


def test_a_missing_key_column_is_named(workspace: Workspace) -> None:
    with pytest.raises(TerminalSourceError, match=r"primary key column.*customer_id.*not in the loaded data"):
        load_batches(
            workspace.engine, source="s", target="t", batches=[pa.table({"id": [1]})], mode="merge",
            primary_key=["customer_id"],
        )  # fmt: skip
    assert workspace.engine.list_tables("raw") == []
