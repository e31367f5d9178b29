"""Nested JSON flattened into a parent and child tables with keys, and loaded through the shared loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.exceptions import ConfigError
from aimass.ingest._flatten import PARENT_KEY, POSITION, ROW_ID, flatten

ORDERS: list[dict[str, Any]] = [
    {
        "id": "A001",
        "customer": {"id": "0000042", "address": {"city": "Shanghai", "zip": "200000"}},
        "lines": [
            {"sku": "P1", "qty": 2, "tags": ["gift", "red"]},
            {"sku": "P2", "qty": 1, "tags": []},
        ],
        "coupons": ["SPRING"],
    },
    {
        "id": "A002",
        "customer": None,
        "lines": [{"sku": "P3", "qty": 5, "tags": None}],
        "coupons": [],
    },
    {"id": "A003", "customer": {"id": "0000007", "address": None}, "lines": None, "coupons": ["X", "Y"]},
]


def _rows(table: pa.Table, *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(row[c] for c in columns) for row in table.to_pylist()]


def test_objects_become_columns_and_lists_become_child_tables_in_order() -> None:
    tables = flatten(pa.Table.from_pylist(ORDERS), "orders", key="id")

    assert list(tables) == ["orders", "orders__lines", "orders__lines__tags", "orders__coupons"]
    assert tables["orders"].column_names == [
        "id",
        "customer__id",
        "customer__address__city",
        "customer__address__zip",
    ]
    assert _rows(tables["orders"], "id", "customer__id", "customer__address__city") == [
        ("A001", "0000042", "Shanghai"),
        ("A002", None, None),  # a null object gives nulls, not a lost row
        ("A003", "0000007", None),
    ]
    lines = tables["orders__lines"]
    assert _rows(lines, PARENT_KEY, POSITION, "sku", "qty") == [
        ("A001", 0, "P1", 2),
        ("A001", 1, "P2", 1),
        ("A002", 0, "P3", 5),
    ]
    assert _rows(tables["orders__coupons"], PARENT_KEY, POSITION, "value") == [
        ("A001", 0, "SPRING"),
        ("A003", 0, "X"),
        ("A003", 1, "Y"),
    ]


def test_grandchildren_point_to_their_parent_rows_generated_key() -> None:
    tables = flatten(pa.Table.from_pylist(ORDERS), "orders", key="id")
    lines = tables["orders__lines"]
    tags = tables["orders__lines__tags"]

    line_of = {row[ROW_ID]: (row[PARENT_KEY], row["sku"]) for row in lines.to_pylist()}
    assert list(line_of) == ["A001/0", "A001/1", "A002/0"]  # every child row has its own key
    assert [(line_of[row[PARENT_KEY]], row[POSITION], row["value"]) for row in tags.to_pylist()] == [
        (("A001", "P1"), 0, "gift"),
        (("A001", "P1"), 1, "red"),
    ]


def test_without_a_key_the_parent_gets_a_content_row_id_that_is_stable() -> None:
    table = pa.Table.from_pylist(ORDERS)
    first = flatten(table, "orders")
    again = flatten(table, "orders")

    ids = first["orders"].column(ROW_ID).to_pylist()
    assert len(set(ids)) == 3
    assert ids == again["orders"].column(ROW_ID).to_pylist()
    assert first["orders__lines"].column(PARENT_KEY).to_pylist() == [ids[0], ids[0], ids[1]]


def test_repeated_identical_rows_still_get_distinct_row_ids() -> None:
    tables = flatten(pa.Table.from_pylist([{"a": 1, "xs": [1]}, {"a": 1, "xs": [1]}]), "t")
    ids = tables["t"].column(ROW_ID).to_pylist()
    assert len(set(ids)) == 2
    assert sorted(tables["t__xs"].column(PARENT_KEY).to_pylist()) == sorted(ids)


def test_scalar_lists_as_json_text_stay_in_the_parent() -> None:
    tables = flatten(pa.Table.from_pylist(ORDERS), "orders", key="id", scalar_lists="json")

    assert list(tables) == ["orders", "orders__lines"]
    assert tables["orders"].column("coupons").to_pylist() == ['["SPRING"]', "[]", '["X", "Y"]']
    assert tables["orders__lines"].column("tags").to_pylist() == ['["gift", "red"]', "[]", None]


def test_a_flat_table_comes_back_unchanged() -> None:
    table = pa.table({"id": [1, 2], "name": ["a", "b"]})
    assert flatten(table, "plain", key="id") == {"plain": table}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "nope"}, "key='nope' is not a column of orders"),
        ({"scalar_lists": "csv"}, "scalar_lists='csv' is not allowed; use one of table, json"),
    ],
)
def test_bad_arguments_say_what_is_allowed(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        flatten(pa.Table.from_pylist(ORDERS), "orders", **kwargs)


def test_a_key_with_empty_values_is_refused() -> None:
    from aimass.exceptions import TerminalSourceError

    with pytest.raises(TerminalSourceError, match=r"orders: the key 'id' is empty in 1 row\(s\)"):
        flatten(pa.Table.from_pylist([{"id": "A", "xs": [1]}, {"id": None, "xs": [2]}]), "orders", key="id")


def test_a_nested_name_that_collides_with_a_column_is_refused() -> None:
    table = pa.Table.from_pylist([{"a": {"b": 1}, "a__b": 2}])
    with pytest.raises(ConfigError, match="flattens to 'a__b', which is already a column"):
        flatten(table, "t")


# --- through the shared loader ---------------------------------------------------------------------


def test_load_flattened_writes_parent_and_children_with_lineage(workspace: Workspace) -> None:
    from aimass.ingest._flatten import load_flattened

    results = load_flattened(workspace, ORDERS, "orders", key="id", source="api/orders")
    engine = workspace.engine

    assert list(results) == [
        "raw.orders",
        "raw.orders__lines",
        "raw.orders__lines__tags",
        "raw.orders__coupons",
    ]
    assert [results[name].rows for name in results] == [3, 3, 2, 3]
    lines = engine.read_arrow("raw.orders__lines").sort_by(
        [(PARENT_KEY, "ascending"), (POSITION, "ascending")]
    )
    assert _rows(lines, PARENT_KEY, POSITION, "sku", "_source_file") == [
        ("A001", 0, "P1", "api/orders"),
        ("A001", 1, "P2", "api/orders"),
        ("A002", 0, "P3", "api/orders"),
    ]
    loads = engine.sql("SELECT target, status FROM meta.loads ORDER BY started_at").to_pylist()
    assert {(row["target"], row["status"]) for row in loads} == {(name, "ok") for name in results}


def test_load_flattened_merge_updates_the_parent_and_its_children(workspace: Workspace) -> None:
    from aimass.ingest._flatten import load_flattened

    load_flattened(workspace, ORDERS, "orders", key="id", mode="merge")
    changed = [{**ORDERS[0], "lines": [{"sku": "P9", "qty": 7, "tags": []}], "coupons": []}]
    load_flattened(workspace, changed, "orders", key="id", mode="merge")
    engine = workspace.engine

    assert engine.row_count("raw.orders") == 3
    first_line = engine.sql(
        "SELECT sku, qty FROM raw.orders__lines WHERE _parent_key = 'A001' AND _position = 0"
    ).to_pylist()
    assert first_line == [{"sku": "P9", "qty": 7}]


def test_load_flattened_merge_without_a_key_is_refused(workspace: Workspace) -> None:
    from aimass.ingest._flatten import load_flattened

    with pytest.raises(ConfigError, match="mode='merge' needs key="):
        load_flattened(workspace, ORDERS, "orders", mode="merge")
    assert not workspace.engine.exists("raw.orders")


def test_load_flattened_file_reads_json_lines_with_nested_fields(workspace: Workspace, files: Path) -> None:
    from aimass.ingest._flatten import load_flattened_file

    path = files / "Orders Feed.jsonl"
    path.write_text("".join(json.dumps(order) + "\n" for order in ORDERS), encoding="utf-8")
    results = load_flattened_file(workspace, path, key="id")

    assert list(results)[:2] == ["raw.orders_feed", "raw.orders_feed__lines"]
    assert results["raw.orders_feed__lines"].rows == 3
    city = workspace.engine.sql("SELECT customer__address__city AS c FROM raw.orders_feed WHERE id = 'A001'")
    assert city.to_pylist() == [{"c": "Shanghai"}]


def test_load_flattened_file_follows_a_record_path_in_a_json_document(
    workspace: Workspace, files: Path
) -> None:
    from aimass.ingest._flatten import load_flattened_file

    path = files / "page.json"
    path.write_text(json.dumps({"data": {"orders": ORDERS}, "next": None}), encoding="utf-8")
    results = load_flattened_file(workspace, path, "orders", key="id", record_path="data.orders")

    assert results["raw.orders"].rows == 3
    assert workspace.engine.row_count("raw.orders__coupons") == 3


def test_the_same_load_twice_leaves_the_same_tables(workspace: Workspace) -> None:
    from aimass.ingest._flatten import load_flattened

    load_flattened(workspace, ORDERS, "orders")
    first = _data(workspace, "raw.orders__lines")
    load_flattened(workspace, ORDERS, "orders")
    assert _data(workspace, "raw.orders__lines") == first
    assert workspace.engine.row_count("raw.orders") == 3


def _data(workspace: Workspace, name: str) -> list[dict[str, Any]]:
    table = workspace.engine.read_arrow(name).sort_by(ROW_ID)
    rows: list[dict[str, Any]] = table.drop_columns(["_load_id", "_loaded_at"]).to_pylist()
    return rows


@pytest.mark.parametrize(
    ("text", "record_path", "message"),
    [
        ('[{"id": 1}, {"id": ', None, "not valid JSON at line 1, column 20"),
        ('{"data": []}', "items", "record_path='items' not found at 'items' \\(found: data\\)"),
    ],
)
def test_bad_json_files_say_where(
    workspace: Workspace, files: Path, text: str, record_path: str | None, message: str
) -> None:
    from aimass.exceptions import TerminalSourceError
    from aimass.ingest._flatten import load_flattened_file

    path = files / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TerminalSourceError, match=message):
        load_flattened_file(workspace, path, record_path=record_path)
    assert not workspace.engine.exists("raw.bad")
