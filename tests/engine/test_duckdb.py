"""The DuckDB engine: layers, reads in three frame kinds, atomic writes, bookkeeping."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.engine import LoadRecord, RunRecord, parse_table_name, to_identifier
from aimass.exceptions import ConfigError, EngineError, TableNotFoundError


def test_init_creates_layers_and_meta_tables(workspace: Workspace) -> None:
    engine = workspace.engine
    assert engine.list_tables() == [
        "meta.loads",
        "meta.models",
        "meta.quality_results",
        "meta.quality_runs",
        "meta.runs",
        "meta.source_state",
    ]
    schemas = {
        row["schema_name"]
        for row in engine.sql("SELECT schema_name FROM information_schema.schemata").to_pylist()
    }
    assert {"raw", "core", "mart", "meta"} <= schemas
    assert (workspace.root / "warehouse.duckdb").is_file()


def test_write_then_read_as_arrow_pandas_polars(workspace: Workspace) -> None:
    engine = workspace.engine
    data = pa.table({"customer_id": ["007", "042"], "spend": [1.5, 2.25]})
    assert engine.write_table("raw.customers", data) == 2
    assert engine.read_arrow("raw.customers").to_pylist() == data.to_pylist()
    frame = engine.read_pandas("raw.customers")
    assert isinstance(frame, pd.DataFrame)
    assert frame["customer_id"].tolist() == ["007", "042"]  # leading zeros kept
    polars_frame = engine.read_polars("raw.customers", columns=["spend"])
    assert isinstance(polars_frame, pl.DataFrame)
    assert polars_frame["spend"].sum() == pytest.approx(3.75)
    assert engine.columns("raw.customers") == {"customer_id": "VARCHAR", "spend": "DOUBLE"}


def test_write_accepts_pandas_polars_and_ibis(workspace: Workspace) -> None:
    engine = workspace.engine
    engine.write_table("raw.a", pd.DataFrame({"x": [1, 2, 3]}))
    engine.write_table("raw.b", pl.DataFrame({"x": [4, 5]}))
    a = engine.scan("raw.a")
    assert engine.write_table("mart.big", a.filter(a.x >= 2)) == 2
    assert sorted(engine.read_arrow("mart.big").column("x").to_pylist()) == [2, 3]
    with pytest.raises(ConfigError, match="cannot write a dict"):
        engine.write_table("raw.c", {"x": [1]})


def test_replace_is_idempotent_and_append_adds_new_columns(workspace: Workspace) -> None:
    engine = workspace.engine
    first = pa.table({"id": ["1", "2"], "v": [1, 2]})
    engine.write_table("raw.t", first)
    engine.write_table("raw.t", first)
    assert engine.row_count("raw.t") == 2
    engine.write_table("raw.t", pa.table({"id": ["3"], "w": ["new"]}), mode="append")
    rows = engine.sql("SELECT id, v, w FROM raw.t ORDER BY id").to_pylist()
    assert rows == [
        {"id": "1", "v": 1, "w": None},
        {"id": "2", "v": 2, "w": None},
        {"id": "3", "v": None, "w": "new"},
    ]


def test_failed_validation_leaves_table_and_catalogue_unchanged(workspace: Workspace) -> None:
    engine = workspace.engine
    engine.write_table("core.x", pa.table({"k": [1, 2]}))
    before = engine.list_tables()

    def refuse(staged: object) -> None:
        raise ValueError("refused by validator")

    with pytest.raises(ValueError, match="refused"):
        engine.write_table("core.x", pa.table({"k": [9]}), validate=refuse)
    with pytest.raises(ValueError, match="refused"):
        engine.write_table("core.x", pa.table({"k": [9]}), mode="append", validate=refuse)
    assert engine.list_tables() == before
    assert engine.read_arrow("core.x").column("k").to_pylist() == [1, 2]
    staging = engine.sql("SELECT table_name FROM information_schema.tables WHERE table_name LIKE '_stg_%'")
    assert staging.num_rows == 0


def test_failing_expression_writes_nothing(workspace: Workspace) -> None:
    engine = workspace.engine
    engine.write_table("raw.s", pa.table({"s": ["1", "oops"]}))
    engine.write_table("core.n", pa.table({"n": [7]}))
    s = engine.scan("raw.s")
    with pytest.raises(EngineError, match="nothing was changed"):
        engine.write_table("core.n", s.select(n=s.s.cast("int64")))
    assert engine.read_arrow("core.n").column("n").to_pylist() == [7]


def test_unknown_tables_and_bad_names_say_what_is_allowed(workspace: Workspace) -> None:
    engine = workspace.engine
    with pytest.raises(TableNotFoundError, match=r"raw\.nope does not exist"):
        engine.scan("raw.nope")
    with pytest.raises(ConfigError, match="schema 'gold' is not one of"):
        engine.row_count("gold.x")
    with pytest.raises(ConfigError, match=r"must look like 'schema\.table'"):
        parse_table_name("a.b.c")
    with pytest.raises(ConfigError, match="letters, digits and underscores"):
        engine.write_table("raw.bad-name", pa.table({"x": [1]}))
    assert to_identifier("Orders 2024-Q1.csv") == "orders_2024_q1_csv"


def test_sql_errors_are_engine_errors(workspace: Workspace) -> None:
    with pytest.raises(EngineError, match="query failed"):
        workspace.engine.sql("SELECT * FROM no_such_table")
    assert workspace.engine.sql("SELECT $a + 1 AS b", {"a": 41}).to_pylist() == [{"b": 42}]


def test_bookkeeping_rows(workspace: Workspace) -> None:
    engine = workspace.engine
    load = LoadRecord(
        source="file.csv", target="raw.file", mode="replace", rows=3, status="ok", details={"n": 1}
    )
    engine.record_load(load)
    engine.record_run(RunRecord(step="prepare", params={"mapping": "m.yaml"}, status="failed", error="boom"))
    loads = engine.read_arrow("meta.loads").to_pylist()
    runs = engine.read_arrow("meta.runs").to_pylist()
    assert loads[0]["load_id"] == load.load_id and loads[0]["rows"] == 3 and loads[0]["details"] == '{"n": 1}'
    assert (
        runs[0]["step"] == "prepare"
        and runs[0]["status"] == "failed"
        and runs[0]["params"] == '{"mapping": "m.yaml"}'
    )


def test_read_only_sees_data_and_refuses_writes(tmp_path: object, workspace: Workspace) -> None:
    workspace.engine.write_table("raw.t", pa.table({"x": [1]}))
    workspace.close()
    with Workspace.open(workspace.root, read_only=True) as reader:
        assert reader.engine.row_count("raw.t") == 1
        with pytest.raises(EngineError):
            reader.engine.write_table("raw.t", pa.table({"x": [2]}))


def test_second_writer_gets_a_clear_lock_message(workspace: Workspace) -> None:
    import subprocess
    import sys

    workspace.engine.write_table("raw.t", pa.table({"x": [1]}))
    code = (
        "import sys\n"
        "from aimass import Workspace\n"
        "from aimass.exceptions import WarehouseLockedError\n"
        "try:\n"
        f"    Workspace.open({str(workspace.root)!r}).engine\n"
        "except WarehouseLockedError as e:\n"
        "    print(e); sys.exit(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert "in use by another process" in done.stdout


def test_closed_engine_refuses(workspace: Workspace) -> None:
    engine = workspace.engine
    workspace.close()
    with pytest.raises(EngineError, match="closed"):
        engine.list_tables()
