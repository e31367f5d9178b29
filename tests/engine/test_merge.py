"""``Engine.write`` with ``mode="merge"``, streamed readers, and extra rows in the same transaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from aimass.engine import Segments, WriteResult
from aimass.engine._duckdb import DuckDBEngine
from aimass.exceptions import ConfigError, SchemaError


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[DuckDBEngine]:
    with DuckDBEngine(tmp_path / "w.duckdb") as opened:
        yield opened


def test_merge_deletes_the_matching_rows_and_inserts_the_new_versions(engine: DuckDBEngine) -> None:
    engine.write_table("core.t", pa.table({"k": [1, 2, 3], "v": ["a", "b", "c"]}))

    result = engine.write(
        "core.t", pa.table({"k": [3, 4, 3], "v": ["c1", "d", "c2"]}), mode="merge", key=["k"]
    )

    assert result == WriteResult(rows=2, rows_new=1, rows_updated=1, rows_skipped=1, changes=[])
    assert engine.sql("SELECT k, v FROM core.t ORDER BY k").to_pylist() == [
        {"k": 1, "v": "a"}, {"k": 2, "v": "b"}, {"k": 3, "v": "c2"}, {"k": 4, "v": "d"}
    ]  # fmt: skip


def test_merge_into_a_missing_table_creates_it(engine: DuckDBEngine) -> None:
    rows = engine.write_table("raw.new", pa.table({"k": [1, 1], "v": [1, 2]}), mode="merge", key=["k"])

    assert rows == 1
    assert engine.sql("SELECT v FROM raw.new").to_pylist() == [{"v": 2}]


def test_merge_needs_a_key(engine: DuckDBEngine) -> None:
    with pytest.raises(ConfigError, match="needs a primary key"):
        engine.write_table("raw.t", pa.table({"k": [1]}), mode="merge")
    with pytest.raises(SchemaError, match="primary key column"):
        engine.write_table("raw.t", pa.table({"k": [1]}), mode="merge", key=["nope"])
    assert engine.list_tables("raw") == []


def test_a_reader_is_streamed_and_segments_are_evolved(engine: DuckDBEngine) -> None:
    def readers() -> Iterator[pa.RecordBatchReader]:
        yield pa.table({"k": pa.array([1, 2], pa.int32())}).to_reader()
        yield pa.table({"k": [3], "note": ["x"]}).to_reader()

    rows = engine.write_table("raw.seg", Segments(readers()))

    assert rows == 3 and engine.columns("raw.seg") == {"k": "BIGINT", "note": "VARCHAR"}


def test_extra_rows_are_written_with_the_data_or_not_at_all(engine: DuckDBEngine) -> None:
    state = pa.table({"state_key": ["s"], "cursor_value": ["5"]})
    engine.write_table("raw.t", pa.table({"k": [1]}), extra_rows={"meta.source_state": state})
    assert engine.row_count("meta.source_state") == 1

    def refuse(_: object) -> None:
        raise ValueError("bad data")

    with pytest.raises(ValueError, match="bad data"):
        engine.write_table(
            "raw.t",
            pa.table({"k": [2]}),
            mode="append",
            validate=refuse,
            extra_rows={"meta.source_state": state},
        )
    with pytest.raises(
        Exception, match="does not exist"
    ):  # the extra table is missing: everything rolls back
        engine.write_table("raw.t", pa.table({"k": [3]}), mode="append", extra_rows={"meta.nope": state})

    assert engine.row_count("meta.source_state") == 1
    assert engine.sql("SELECT k FROM raw.t").to_pylist() == [{"k": 1}]
    assert engine.list_tables("raw") == ["raw.t"]
    staging = engine.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '_stg_%'"
    )
    assert staging.fetchall() == [(0,)]


def test_staging_tables_a_killed_writer_left_are_dropped_on_open(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with DuckDBEngine(path) as engine:
        engine.execute('CREATE TABLE raw."_stg_orders_deadbeef" AS SELECT 1 AS x')
        engine.write_table("raw.orders", pa.table({"x": [1]}))

    with DuckDBEngine(path) as engine:
        left = engine.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE starts_with(table_name, '_stg_')"
        ).fetchall()
        assert left == [] and engine.list_tables("raw") == ["raw.orders"]
