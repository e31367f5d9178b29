"""``load_batches``: lineage, replace and append, streaming failures, empty loads, masking, segments."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.exceptions import ConfigError, TerminalSourceError, TransientSourceError
from aimass.ingest import LoadResult, load_batches


def _loads(workspace: Workspace) -> list[dict[str, object]]:
    return workspace.engine.sql("SELECT * FROM meta.loads ORDER BY started_at, load_id").to_pylist()


def test_replace_adds_lineage_and_records_the_load(workspace: Workspace) -> None:
    rows = pa.table({"id": [1, 2, 3], "name": ["a", "b", "c"]})

    result = load_batches(workspace.engine, source="db://shop/items", target="items", batches=[rows])

    assert isinstance(result, LoadResult)
    assert (result.target, result.rows, result.rows_new, result.rows_updated) == ("raw.items", 3, 3, 0)
    table = workspace.engine.sql("SELECT * FROM raw.items ORDER BY id").to_pylist()
    assert [row["name"] for row in table] == ["a", "b", "c"]
    assert {row["_load_id"] for row in table} == {result.load_id}
    assert {row["_source_file"] for row in table} == {"db://shop/items"}
    assert all(row["_loaded_at"] is not None for row in table)
    (load,) = _loads(workspace)
    assert (load["status"], load["rows"], load["mode"], load["target"]) == ("ok", 3, "replace", "raw.items")
    assert load["schema_hash"] == result.schema_hash and len(result.schema_hash) == 64
    assert json.loads(str(load["details"]))["rows_new"] == 3


def test_append_adds_rows_and_keeps_a_given_source_file(workspace: Workspace) -> None:
    engine = workspace.engine
    load_batches(engine, source="s", target="raw.t", batches=[pa.table({"id": [1]})])
    batch = pa.record_batch({"id": [2, 3], "_source_file": ["f1.csv", "f2.csv"]})

    result = load_batches(engine, source="s", target="raw.t", batches=[batch], mode="append")

    assert result.rows == 2
    rows = engine.sql("SELECT id, _source_file FROM raw.t ORDER BY id").to_pylist()
    assert rows == [
        {"id": 1, "_source_file": "s"},
        {"id": 2, "_source_file": "f1.csv"},
        {"id": 3, "_source_file": "f2.csv"},
    ]


def test_a_reader_and_many_tables_are_streamed(workspace: Workspace) -> None:
    schema = pa.schema([("n", pa.int64())])
    pulled: list[int] = []

    def batches() -> Iterator[pa.RecordBatch]:
        for start in range(0, 50_000, 5_000):
            pulled.append(start)
            yield pa.record_batch({"n": pa.array(range(start, start + 5_000), pa.int64())}, schema=schema)

    reader = pa.RecordBatchReader.from_batches(schema, batches())
    assert pulled == []  # nothing is read before the loader asks

    result = load_batches(workspace.engine, source="gen", target="numbers", batches=reader)

    assert result.rows == 50_000 and len(pulled) == 10
    total = workspace.engine.sql("SELECT sum(n) AS s FROM raw.numbers").to_pylist()[0]["s"]
    assert total == sum(range(50_000))


def test_a_failure_while_streaming_leaves_the_table_and_records_the_error(workspace: Workspace) -> None:
    engine = workspace.engine
    load_batches(engine, source="api", target="events", batches=[pa.table({"id": [1, 2]})])

    def broken() -> Iterator[pa.Table]:
        yield pa.table({"id": [10, 11]})
        raise TransientSourceError("api: page 2 timed out; retry later")

    with pytest.raises(TransientSourceError, match="page 2 timed out"):
        load_batches(engine, source="api", target="events", batches=broken(), mode="append")

    assert engine.sql("SELECT id FROM raw.events ORDER BY id").column("id").to_pylist() == [1, 2]
    failed = _loads(engine_ws := workspace)[-1]
    assert (failed["status"], failed["error"]) == ("failed", "api: page 2 timed out; retry later")
    assert engine_ws.engine.list_tables("raw") == ["raw.events"]  # no staging table left visible


def test_zero_rows_is_an_error_unless_allowed(workspace: Workspace) -> None:
    engine = workspace.engine
    load_batches(engine, source="q", target="orders", batches=[pa.table({"id": [1]})])
    empty = pa.table({"id": pa.array([], pa.int64())})

    with pytest.raises(TerminalSourceError, match="returned no rows"):
        load_batches(engine, source="q", target="orders", batches=[empty])
    result = load_batches(engine, source="q", target="orders", batches=[empty], allow_empty=True)

    assert (result.rows, result.rows_new) == (0, 0)
    assert engine.row_count("raw.orders") == 1  # replace with nothing new leaves the table as it was
    assert [load["status"] for load in _loads(workspace)] == ["ok", "failed", "ok"]


def test_later_batches_may_add_columns_and_change_types(workspace: Workspace) -> None:
    pages = [
        pa.table({"id": pa.array([1, 2], pa.int32()), "tag": [None, None]}),
        pa.table({"id": pa.array([3], pa.int64()), "tag": ["x"], "extra": [1.5]}),
    ]

    result = load_batches(workspace.engine, source="pages", target="items", batches=pages)

    assert result.rows == 3
    columns = workspace.engine.columns("raw.items")
    assert (columns["id"], columns["tag"], columns["extra"]) == ("BIGINT", "VARCHAR", "DOUBLE")
    rows = workspace.engine.sql("SELECT id, tag, extra FROM raw.items ORDER BY id").to_pylist()
    assert rows[-1] == {"id": 3, "tag": "x", "extra": 1.5} and rows[0]["extra"] is None


def test_secrets_in_the_source_are_masked(workspace: Workspace) -> None:
    url = "postgresql://shop:hunter2secret@db.local/sales"

    result = load_batches(workspace.engine, source=url, target="t", batches=[pa.table({"a": [1]})])

    assert result.source == "postgresql://shop:***@db.local/sales"
    stored = json.dumps(_loads(workspace), default=str) + str(
        workspace.engine.sql("SELECT DISTINCT _source_file FROM raw.t").to_pylist()
    )
    assert "hunter2secret" not in stored and "shop:***@db.local" in stored


def test_bad_arguments_are_refused(workspace: Workspace) -> None:
    engine = workspace.engine
    rows = [pa.table({"a": [1]})]
    with pytest.raises(ConfigError, match="merge needs a primary key"):
        load_batches(engine, source="s", target="t", batches=rows, mode="merge")
    with pytest.raises(ConfigError, match="mode='upsert' is not allowed"):
        load_batches(engine, source="s", target="t", batches=rows, mode="upsert")
    with pytest.raises(ConfigError, match="raw tables only"):
        load_batches(engine, source="s", target="core.t", batches=rows)
    with pytest.raises(TerminalSourceError, match="cursor column 'updated_at' is not in the data"):
        load_batches(engine, source="s", target="t", batches=rows, cursor="updated_at")
    assert engine.list_tables("raw") == []


def test_rows_read_back_from_a_raw_table_get_this_loads_lineage(workspace: Workspace) -> None:
    engine = workspace.engine
    first = load_batches(engine, source="a", target="t", batches=[pa.table({"id": [1, 2]})])

    copied = load_batches(engine, source="copy", target="t2", batches=[engine.read_arrow("raw.t")])

    rows = engine.sql("SELECT DISTINCT _load_id, _source_file FROM raw.t2").to_pylist()
    assert rows == [{"_load_id": copied.load_id, "_source_file": "a"}] and copied.load_id != first.load_id
