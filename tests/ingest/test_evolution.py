"""Schema evolution: new columns added, types widened where safe, else a variant column; all recorded."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.ingest import load_batches


def _append(workspace: Workspace, rows: pa.Table, mode: str = "append") -> dict[str, object]:
    result = load_batches(
        workspace.engine, source="feed", target="items", batches=[rows], mode=mode, primary_key=["id"]
    )
    load = workspace.engine.sql(f"SELECT * FROM meta.loads WHERE load_id = '{result.load_id}'").to_pylist()[0]
    details: dict[str, object] = json.loads(str(load["details"]))
    details["schema_hash"] = load["schema_hash"]
    return details


def _data_columns(workspace: Workspace) -> dict[str, str]:
    return {k: v for k, v in workspace.engine.columns("raw.items").items() if not k.startswith("_")}


@pytest.mark.parametrize("mode", ["append", "merge"])
def test_a_new_column_is_added_and_old_rows_get_null(workspace: Workspace, mode: str) -> None:
    first = _append(workspace, pa.table({"id": [1], "name": ["a"]}), mode)
    second = _append(workspace, pa.table({"id": [2], "name": ["b"], "email": ["b@x"]}), mode)

    assert _data_columns(workspace) == {"id": "BIGINT", "name": "VARCHAR", "email": "VARCHAR"}
    assert second["schema_changes"] == [{"column": "email", "change": "added", "from": "", "to": "VARCHAR"}]
    assert first["schema_hash"] != second["schema_hash"]
    rows = workspace.engine.sql("SELECT id, email FROM raw.items ORDER BY id").to_pylist()
    assert rows == [{"id": 1, "email": None}, {"id": 2, "email": "b@x"}]


def test_integers_widen_to_bigint_then_double_and_dates_to_timestamps(workspace: Workspace) -> None:
    _append(workspace, pa.table({"id": [1], "qty": pa.array([5], pa.int32()), "day": [dt.date(2024, 1, 2)]}))
    widened = _append(
        workspace, pa.table({"id": [2], "qty": pa.array([2**40], pa.int64()), "day": [dt.date(2024, 1, 3)]})
    )
    doubled = _append(workspace, pa.table({"id": [3], "qty": [0.5], "day": [dt.datetime(2024, 1, 4, 8, 30)]}))

    assert widened["schema_changes"] == [
        {"column": "qty", "change": "widened", "from": "INTEGER", "to": "BIGINT"}
    ]
    assert doubled["schema_changes"] == [
        {"column": "qty", "change": "widened", "from": "BIGINT", "to": "DOUBLE"},
        {"column": "day", "change": "widened", "from": "DATE", "to": "TIMESTAMP"},
    ]
    assert _data_columns(workspace) == {"id": "BIGINT", "qty": "DOUBLE", "day": "TIMESTAMP"}
    rows = workspace.engine.sql("SELECT qty, day FROM raw.items ORDER BY id").to_pylist()
    assert [row["qty"] for row in rows] == [5.0, 2.0**40, 0.5]
    assert rows[0]["day"] == dt.datetime(2024, 1, 2)


def test_a_narrower_type_is_taken_into_the_wider_column_without_a_change(workspace: Workspace) -> None:
    _append(workspace, pa.table({"id": [1], "qty": [1.5]}))

    details = _append(workspace, pa.table({"id": [2], "qty": pa.array([3], pa.int32())}))

    assert "schema_changes" not in details
    assert _data_columns(workspace) == {"id": "BIGINT", "qty": "DOUBLE"}


def test_text_in_a_typed_column_goes_to_a_variant_column(workspace: Workspace) -> None:
    _append(workspace, pa.table({"id": [1], "qty": [5]}))

    details = _append(workspace, pa.table({"id": [2], "qty": ["five"]}))

    assert details["schema_changes"] == [
        {"column": "qty", "change": "variant", "from": "BIGINT", "to": "VARCHAR", "variant": "qty__v_varchar"}
    ]
    assert _data_columns(workspace) == {"id": "BIGINT", "qty": "BIGINT", "qty__v_varchar": "VARCHAR"}
    rows = workspace.engine.sql("SELECT id, qty, qty__v_varchar FROM raw.items ORDER BY id").to_pylist()
    assert rows == [
        {"id": 1, "qty": 5, "qty__v_varchar": None},
        {"id": 2, "qty": None, "qty__v_varchar": "five"},
    ]


def test_replace_takes_the_new_schema_as_it_is(workspace: Workspace) -> None:
    _append(workspace, pa.table({"id": [1], "qty": [5]}), "replace")

    _append(workspace, pa.table({"id": [2], "qty": ["five"]}), "replace")

    assert _data_columns(workspace) == {"id": "BIGINT", "qty": "VARCHAR"}
