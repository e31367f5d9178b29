"""``meta.source_state``: the cursor is stored with the data, read back, and untouched by failures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.exceptions import TransientSourceError
from aimass.ingest import load_batches, read_state, read_states


def _rows(ids: list[int], day: int) -> pa.Table:
    return pa.table({"id": ids, "updated_at": [dt.datetime(2024, 5, day, 12, i) for i in range(len(ids))]})


def test_state_is_none_before_the_first_load(workspace: Workspace) -> None:
    assert read_state(workspace.engine, "shop.orders") is None
    assert read_states(workspace.engine) == {}


def test_the_cursor_maximum_is_stored_under_the_state_key(workspace: Workspace) -> None:
    engine = workspace.engine
    load_batches(engine, source="q1", target="orders", batches=[pa.table({"id": [3, 9, 4]})], cursor="id")
    assert read_state(engine, "q1") == 9  # the source is the default key

    load_batches(
        engine, source="q2", target="orders2", batches=[_rows([1, 2], 3)], cursor="updated_at", state_key="k"
    )

    assert read_state(engine, "k") == "2024-05-03T12:01:00"
    states = read_states(engine)
    assert states["k"]["cursor_column"] == "updated_at" and states["q1"]["cursor_value"] == 9
    row = engine.sql("SELECT * FROM meta.source_state WHERE state_key = 'k'").to_pylist()[0]
    load = engine.sql("SELECT load_id FROM meta.loads WHERE source = 'q2'").to_pylist()[0]
    assert row["load_id"] == load["load_id"] and row["cursor_value"] == '"2024-05-03T12:01:00"'


def test_incremental_runs_move_the_state_and_an_empty_run_keeps_it(workspace: Workspace) -> None:
    engine = workspace.engine

    def run(ids: list[int]) -> int:
        last = read_state(engine, "feed") or 0
        fresh = pa.table({"id": pa.array([i for i in ids if i > last], pa.int64())})
        result = load_batches(
            engine,
            source="feed",
            target="feed",
            batches=[fresh],
            mode="append",
            cursor="id",
            allow_empty=True,
        )
        return result.rows

    assert run([1, 2, 3]) == 3
    assert run([1, 2, 3, 4, 5]) == 2
    assert run([1, 2, 3, 4, 5]) == 0  # nothing new: an ok load of 0 rows

    assert read_state(engine, "feed") == 5
    assert engine.sql("SELECT id FROM raw.feed ORDER BY id").column("id").to_pylist() == [1, 2, 3, 4, 5]
    statuses = engine.sql("SELECT status, rows FROM meta.loads ORDER BY started_at").to_pylist()
    assert statuses[-1] == {"status": "ok", "rows": 0}


def test_a_failed_load_leaves_the_state_as_it_was(workspace: Workspace) -> None:
    engine = workspace.engine
    load_batches(engine, source="api", target="t", batches=[pa.table({"id": [1, 2]})], cursor="id")

    def failing() -> Iterator[pa.Table]:
        yield pa.table({"id": [50, 60]})
        raise TransientSourceError("api: connection reset")

    with pytest.raises(TransientSourceError):
        load_batches(engine, source="api", target="t", batches=failing(), mode="append", cursor="id")

    assert read_state(engine, "api") == 2
    assert engine.row_count("meta.source_state") == 1
    assert engine.sql("SELECT max(id) AS m FROM raw.t").to_pylist() == [{"m": 2}]


def test_a_masked_source_finds_its_state(workspace: Workspace) -> None:
    source = "postgresql://u:pa55word99@h/db?table=x"
    load_batches(workspace.engine, source=source, target="x", batches=[pa.table({"id": [7]})], cursor="id")

    assert read_state(workspace.engine, source) == 7
    assert "pa55word99" not in str(workspace.engine.sql("SELECT * FROM meta.source_state").to_pylist())
