"""Validation on write of the canonical tables: every failure names what was wrong; nothing is written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.canonical import CANONICAL_TABLES, conform, table_spec, write_core
from aimass.exceptions import ConfigError, SchemaError


def _orders(**changes: list[Any]) -> pa.Table:
    columns: dict[str, list[Any]] = {
        "order_id": ["o1", "o1", "o2"],
        "line_no": [1, 2, 1],
        "customer_id": ["0001", "0002", "0003"],
        "product_id": ["P1", "P2", "P1"],
        "ordered_at": ["2024-03-05 14:22:01", "2024-03-05 14:22:01", "2024-03-06"],
        "quantity": ["1", "2", "1.5"],
        "unit_price": [10.0, 20.0, 10.0],
        "note": ["kept", "as", "extra"],
    }
    columns.update(changes)
    return pa.table(columns)


def test_declared_tables_match_the_design() -> None:
    assert sorted(CANONICAL_TABLES) == ["campaigns", "customers", "events", "exposures", "orders", "products"]
    orders = table_spec("core.orders")
    assert orders.key == ("order_id", "line_no")
    assert set(orders.required) == {
        "order_id",
        "line_no",
        "customer_id",
        "product_id",
        "ordered_at",
        "quantity",
        "unit_price",
    }
    assert table_spec("exposures").key == ("campaign_id", "customer_id")
    assert table_spec("events").any_of == (("customer_id", "session_id"),)
    with pytest.raises(ConfigError, match="not a canonical table"):
        table_spec("sales")


def test_valid_rows_are_cast_and_extra_columns_kept(workspace: Workspace) -> None:
    assert write_core(workspace.engine, "orders", _orders()) == 3
    types = workspace.engine.columns("core.orders")
    assert (
        types["ordered_at"] == "TIMESTAMP" and types["quantity"] == "DOUBLE" and types["line_no"] == "BIGINT"
    )
    assert list(types)[:13] == list(table_spec("orders").column_names)  # declared order first
    assert list(types)[13:] == ["note"]  # extras kept, after
    rows = workspace.engine.sql("SELECT * FROM core.orders ORDER BY order_id, line_no").to_pylist()
    assert rows[0]["customer_id"] == "0001" and rows[0]["ordered_at"] == datetime(2024, 3, 5, 14, 22, 1)
    assert rows[2]["quantity"] == 1.5 and rows[2]["discount"] is None


def test_missing_required_column(workspace: Workspace) -> None:
    with pytest.raises(
        SchemaError, match=r"core\.orders is missing required column\(s\) \['ordered_at'\]"
    ) as info:
        write_core(workspace.engine, "orders", _orders().drop(["ordered_at"]))
    assert info.value.table == "core.orders" and info.value.column == "ordered_at"


def test_uncastable_value_names_column_and_rows(workspace: Workspace) -> None:
    with pytest.raises(SchemaError) as info:
        write_core(workspace.engine, "orders", _orders(quantity=["1", "two", "3"]))
    error = info.value
    assert error.column == "quantity"
    assert "1 value(s) cannot be read as float64" in str(error)
    assert error.samples == [{"order_id": "o1", "line_no": 2, "quantity": "two"}]


def test_required_null_and_duplicate_key(workspace: Workspace) -> None:
    with pytest.raises(SchemaError, match=r"core\.orders\.customer_id is required but 1 row") as info:
        write_core(workspace.engine, "orders", _orders(customer_id=["1", None, "3"]))
    assert info.value.samples[0]["line_no"] == 2
    with pytest.raises(SchemaError, match=r"key \['order_id', 'line_no'\] must be unique") as dup:
        write_core(workspace.engine, "orders", _orders(line_no=[1, 1, 1], order_id=["o1", "o1", "o2"]))
    assert dup.value.samples == [{"order_id": "o1", "line_no": 1, "n_rows": 2}]


def test_events_need_a_customer_or_a_session(workspace: Workspace) -> None:
    events = pa.table(
        {
            "event_id": ["e1", "e2"],
            "customer_id": ["c1", None],
            "session_id": [None, None],
            "event_type": ["view", "view"],
            "occurred_at": [datetime(2024, 1, 1), datetime(2024, 1, 2)],
            "context": [{"device": "mobile"}, {"device": "desktop"}],
        }
    )
    with pytest.raises(SchemaError, match="have none of customer_id or session_id"):
        write_core(workspace.engine, "events", events)
    ok = events.set_column(2, "session_id", pa.array(["s1", "s2"]))
    assert write_core(workspace.engine, "events", ok) == 2
    contexts = workspace.engine.sql("SELECT context FROM core.events ORDER BY event_id").column(0).to_pylist()
    assert contexts == ['{"device":"mobile"}', '{"device":"desktop"}']  # nested values become JSON text


def test_failed_write_keeps_previous_table(workspace: Workspace) -> None:
    engine = workspace.engine
    write_core(engine, "orders", _orders())
    with pytest.raises(SchemaError):
        write_core(engine, "orders", _orders(line_no=[1, 1, 1], order_id=["x", "x", "x"]))
    assert engine.row_count("core.orders") == 3
    assert sorted(engine.read_arrow("core.orders").column("order_id").to_pylist()) == ["o1", "o1", "o2"]


def test_conform_adds_missing_optional_columns_as_typed_nulls() -> None:
    table = conform(pa.table({"campaign_id": ["c"], "name": ["n"], "starts_at": ["2024-01-01"]}), "campaigns")
    schema = table.schema()
    assert list(schema.names) == list(table_spec("campaigns").column_names)
    assert schema["budget"].is_floating() and schema["starts_at"].is_timestamp()
