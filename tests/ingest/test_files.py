"""Loading each file type into raw tables: types, identifiers kept as text, lineage and meta.loads."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from aimass import Workspace
from aimass.engine import LINEAGE_COLUMNS
from aimass.exceptions import ConfigError, TerminalSourceError
from aimass.ingest import LoadResult, ingest_files, schema_hash

DEMO_ORDERS = (
    "Order No,Line,Customer ID,SKU,Order Date,Qty,Unit Price,Discount,Line Total,Channel,Payment,"
    "Coupon Code,Store\n"
    'SO1001,1,0012345,P00042,2024-03-05 14:22:01,2,199.00,,"¥398.00",store, Alipay ,,S01\n'
    "SO1001,2,0012345,P00007,2024/3/5 14:22,1,59.5,5,1234.50,store,ALIPAY,C10,S01\n"
    "SO1002,1,0000077,P00042,05.03.2024 14:22,1,199.00,0,CNY 199.0,web,wechat,,\n"
    'SO1003,1,1200001,P00100,"March 5, 2024 2:22 PM",3,12.00,0,$36.00,global_web,card,,\n'
)


def _loads(workspace: Workspace) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = workspace.engine.read_arrow("meta.loads").to_pylist()
    return rows


def test_csv_keeps_zero_padded_ids_as_text_and_adds_lineage(workspace: Workspace, files: Path) -> None:
    path = files / "orders.csv"
    path.write_text(DEMO_ORDERS, encoding="utf-8")

    result = ingest_files(workspace, path)

    assert isinstance(result, LoadResult)
    assert (result.target, result.rows, result.files) == ("raw.orders", 4, (str(path),))
    columns = workspace.engine.columns("raw.orders")
    assert columns["Customer ID"] == "VARCHAR"
    assert columns["Qty"] == "BIGINT"
    assert columns["Unit Price"] == "DOUBLE"
    assert list(columns)[-3:] == list(LINEAGE_COLUMNS)
    rows = workspace.engine.read_arrow("raw.orders").to_pylist()
    assert [row["Customer ID"] for row in rows] == ["0012345", "0012345", "0000077", "1200001"]
    assert rows[0]["Payment"] == " Alipay "  # raw is as loaded: cleaning is prepare's job
    assert {row["_load_id"] for row in rows} == {result.load_id}
    assert {row["_source_file"] for row in rows} == {str(path)}
    assert all(isinstance(row["_loaded_at"], dt.datetime) for row in rows)


def test_meta_loads_row_describes_the_load(workspace: Workspace, files: Path) -> None:
    path = files / "orders.csv"
    path.write_text(DEMO_ORDERS, encoding="utf-8")

    result = ingest_files(workspace, path, "sales")

    (row,) = _loads(workspace)
    assert row["load_id"] == result.load_id
    assert (row["target"], row["status"], row["rows"], row["mode"]) == ("raw.sales", "ok", 4, "replace")
    assert row["error"] is None
    assert row["schema_hash"] == result.schema_hash
    expected = schema_hash(
        (name, str(kind))
        for name, kind in workspace.engine.scan("raw.sales").schema().items()
        if name not in LINEAGE_COLUMNS
    )
    assert result.schema_hash == expected
    details = json.loads(str(row["details"]))
    assert details["files"] == [str(path)]
    assert details["format"] == "csv"
    assert "Customer ID" in details["text_columns"]


def test_identifier_columns_found_by_value_and_by_name(workspace: Workspace, files: Path) -> None:
    path = files / "people.csv"
    path.write_text(
        "ref,postcode,member_no,paid,amount\n0123,10001,7,5,12\n0456,20002,8,6,13\n", encoding="utf-8"
    )

    ingest_files(workspace, path)

    columns = workspace.engine.columns("raw.people")
    assert columns["ref"] == "VARCHAR"  # leading zeros in the values
    assert columns["postcode"] == "VARCHAR"  # the name says so
    assert columns["member_no"] == "VARCHAR"
    assert columns["paid"] == "BIGINT"  # "paid" is not "id"
    assert columns["amount"] == "BIGINT"
    assert workspace.engine.read_arrow("raw.people")["ref"].to_pylist() == ["0123", "0456"]


def test_tsv(workspace: Workspace, files: Path) -> None:
    path = files / "stores.tsv"
    path.write_text("store_code\tcity\tsize\nS001\t上海\t120\nS002\t北京\t80\n", encoding="utf-8")

    result = ingest_files(workspace, path)

    assert result.rows == 2
    table = workspace.engine.read_arrow("raw.stores")
    assert table["city"].to_pylist() == ["上海", "北京"]
    assert workspace.engine.columns("raw.stores")["size"] == "BIGINT"


def test_parquet(workspace: Workspace, files: Path) -> None:
    path = files / "products.parquet"
    data = pa.table(
        {"sku": ["P00001", "P00002"], "price": [199.0, 59.5], "stock": pa.array([3, 0], pa.int32())}
    )
    pq.write_table(data, path)

    result = ingest_files(workspace, path)

    assert result.rows == 2
    loaded = workspace.engine.read_arrow("raw.products")
    assert loaded.select(["sku", "price", "stock"]).to_pylist() == data.to_pylist()
    assert set(LINEAGE_COLUMNS) <= set(loaded.column_names)


def test_json_array_with_nested_objects(workspace: Workspace, files: Path) -> None:
    products = [
        {
            "sku": "P00042",
            "title": {"en": "Tea cup", "zh": "茶杯"},
            "price": "¥199.00",
            "attributes": {"sizes": ["S"]},
        },
        {
            "sku": "P00043",
            "title": {"en": "Pot", "zh": "茶壶"},
            "price": "¥59.00",
            "attributes": {"sizes": []},
        },
    ]
    path = files / "products.json"
    path.write_text(json.dumps(products, ensure_ascii=False), encoding="utf-8")

    result = ingest_files(workspace, path)

    assert result.rows == 2
    table = workspace.engine.scan("raw.products")
    assert table.title.zh.to_pyarrow().to_pylist() == ["茶杯", "茶壶"]
    assert workspace.engine.read_arrow("raw.products")["price"].to_pylist() == ["¥199.00", "¥59.00"]


def test_json_single_object(workspace: Workspace, files: Path) -> None:
    path = files / "settings.json"
    path.write_text('{"store_id": "0007", "open": true}', encoding="utf-8")

    ingest_files(workspace, path)

    assert workspace.engine.read_arrow("raw.settings").select(["store_id", "open"]).to_pylist() == [
        {"store_id": "0007", "open": True}
    ]


def test_jsonl_with_nested_context(workspace: Workspace, files: Path) -> None:
    common = {"value": None, "ts": "2024-03-05T14:22:01Z"}
    events = [
        {"event_id": "E1", "customer_id": "0012345", "session_id": "s1", "type": "view", "sku": "P00042",
         "query": None, "context": {"device": "ios", "page": "/p/42", "referrer": None}, **common},
        {"event_id": "E2", "customer_id": None, "session_id": "s2", "type": "search", "sku": None,
         "query": "茶杯", "context": {"device": "web", "page": "/s", "referrer": "ad"}, **common},
    ]  # fmt: skip
    path = files / "events.jsonl"
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n", encoding="utf-8")

    result = ingest_files(workspace, path)

    assert result.rows == 2
    table = workspace.engine.scan("raw.events")
    assert table.context.device.to_pyarrow().to_pylist() == ["ios", "web"]
    assert table.customer_id.to_pyarrow().to_pylist() == ["0012345", None]
    assert table["query"].to_pyarrow().to_pylist() == [None, "茶杯"]


def _write_customers_xlsx(path: Path, sheet: str = "customers") -> None:
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("notes").write(0, 0, "exported by the CRM")
    sheet_ = workbook.add_worksheet(sheet)
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet_.write_row(0, 0, ["客户编号", "注册日期", "Gender", "Visits", "Score", "Mixed"])
    rows = [
        ("0012345", dt.datetime(2023, 1, 5, 9, 30), "F", 3, 4.5, 7),
        ("0000077", dt.datetime(2023, 2, 1, 18, 0), " m ", 11, None, "n/a"),
    ]
    for index, (cid, signup, gender, visits, score, mixed) in enumerate(rows, start=1):
        sheet_.write_string(index, 0, cid)
        sheet_.write_datetime(index, 1, signup, when)
        sheet_.write_string(index, 2, gender)
        sheet_.write_number(index, 3, visits)
        if score is not None:
            sheet_.write_number(index, 4, score)
        sheet_.write(index, 5, mixed)
    workbook.close()


def test_xlsx_types_and_text_ids(workspace: Workspace, files: Path) -> None:
    path = files / "customers.xlsx"
    _write_customers_xlsx(path)

    result = ingest_files(workspace, path, sheet="customers")

    assert result.rows == 2
    columns = workspace.engine.columns("raw.customers")
    assert columns["客户编号"] == "VARCHAR"
    assert columns["注册日期"].startswith("TIMESTAMP")
    assert columns["Visits"] == "BIGINT"
    assert columns["Score"] == "DOUBLE"
    assert columns["Mixed"] == "VARCHAR"  # numbers and text in one column: kept as text
    rows = workspace.engine.read_arrow("raw.customers").to_pylist()
    assert [row["客户编号"] for row in rows] == ["0012345", "0000077"]
    assert rows[0]["注册日期"] == dt.datetime(2023, 1, 5, 9, 30)
    assert [row["Mixed"] for row in rows] == ["7", "n/a"]
    assert rows[1]["Score"] is None
    assert {row["_source_file"] for row in rows} == {str(path)}
    assert {row["_load_id"] for row in rows} == {result.load_id}


def test_xlsx_first_sheet_by_default_and_unknown_sheet(workspace: Workspace, files: Path) -> None:
    path = files / "customers.xlsx"
    _write_customers_xlsx(path)

    with pytest.raises(TerminalSourceError, match="only a header"):
        ingest_files(workspace, path)  # the first sheet, "notes", has one cell
    with pytest.raises(ConfigError, match=r"no sheet 'clients'.*'notes', 'customers'"):
        ingest_files(workspace, path, sheet="clients")
    assert workspace.engine.list_tables("raw") == []


def test_glob_loads_every_match_in_order(workspace: Workspace, files: Path) -> None:
    for month, rows in (("2024_02", 3), ("2024_01", 2)):
        body = "".join(f"SO{month}{n},0{n}00001,{n}\n" for n in range(rows))
        (files / f"orders_{month}.csv").write_text("Order No,Customer ID,Qty\n" + body, encoding="utf-8")
    (files / "other.csv").write_text("x\n1\n", encoding="utf-8")

    result = ingest_files(workspace, files / "orders_*.csv")

    assert result.target == "raw.orders"
    assert result.rows == 5
    assert result.files == (str(files / "orders_2024_01.csv"), str(files / "orders_2024_02.csv"))
    table = workspace.engine.read_arrow("raw.orders")
    counts = {name: table["_source_file"].to_pylist().count(name) for name in result.files}
    assert counts == {str(files / "orders_2024_01.csv"): 2, str(files / "orders_2024_02.csv"): 3}
    assert table["Customer ID"].to_pylist()[0] == "0000001"


def test_relative_glob_starts_at_the_workspace(workspace: Workspace) -> None:
    exports = workspace.root / "exports"
    exports.mkdir()
    (exports / "a.csv").write_text("k,v\n1,x\n", encoding="utf-8")
    (exports / "b.csv").write_text("k,v\n2,y\n", encoding="utf-8")

    result = ingest_files(workspace, "exports/*.csv", "both")

    assert result.rows == 2
    assert workspace.engine.read_arrow("raw.both")["v"].to_pylist() == ["x", "y"]


def test_glob_of_mixed_formats_is_refused(workspace: Workspace, files: Path) -> None:
    (files / "a.csv").write_text("k\n1\n", encoding="utf-8")
    (files / "a.jsonl").write_text('{"k": 1}\n', encoding="utf-8")

    with pytest.raises(ConfigError, match="not all of one format"):
        ingest_files(workspace, files / "a.*", "a")


def test_replace_twice_keeps_one_copy_and_append_twice_doubles(workspace: Workspace, files: Path) -> None:
    path = files / "orders.csv"
    path.write_text(DEMO_ORDERS, encoding="utf-8")

    first = ingest_files(workspace, path)
    second = ingest_files(workspace, path)
    assert workspace.engine.row_count("raw.orders") == 4
    assert set(workspace.engine.read_arrow("raw.orders")["_load_id"].to_pylist()) == {second.load_id}
    assert first.schema_hash == second.schema_hash

    ingest_files(workspace, path, "orders_log", mode="append")
    ingest_files(workspace, path, "orders_log", mode="append")
    assert workspace.engine.row_count("raw.orders_log") == 8
    assert len(set(workspace.engine.read_arrow("raw.orders_log")["_load_id"].to_pylist())) == 2
    assert [row["status"] for row in _loads(workspace)] == ["ok"] * 4


def test_append_adds_new_columns(workspace: Workspace, files: Path) -> None:
    (files / "a.csv").write_text("k,v\n1,x\n", encoding="utf-8")
    (files / "b.csv").write_text("k,v,extra\n2,y,z\n", encoding="utf-8")

    ingest_files(workspace, files / "a.csv", "log")
    ingest_files(workspace, files / "b.csv", "log", mode="append")

    rows = workspace.engine.read_arrow("raw.log").to_pylist()
    assert [(row["v"], row["extra"]) for row in rows] == [("x", None), ("y", "z")]


def test_reader_options(workspace: Workspace, files: Path) -> None:
    path = files / "semi.csv"
    path.write_text("sku;qty;note\nP1;2;a\nP2;3;b\n", encoding="utf-8")

    ingest_files(workspace, path, options={"delimiter": ";", "types": {"qty": "text"}})
    assert workspace.engine.columns("raw.semi")["qty"] == "VARCHAR"

    ingest_files(workspace, path, "semi_text", options={"all_varchar": True})
    assert workspace.engine.columns("raw.semi_text")["qty"] == "VARCHAR"

    gbk = files / "gbk.csv"
    gbk.write_bytes("客户编号,城市\n0012345,上海\n".encode("gbk"))
    ingest_files(workspace, gbk, options={"encoding": "gbk"})
    assert workspace.engine.read_arrow("raw.gbk").select(["客户编号", "城市"]).to_pylist() == [
        {"客户编号": "0012345", "城市": "上海"}
    ]
    assert workspace.engine.read_arrow("raw.gbk")["_source_file"].to_pylist() == [str(gbk)]


def test_bad_arguments_say_what_is_allowed(workspace: Workspace, files: Path) -> None:
    path = files / "orders.csv"
    path.write_text(DEMO_ORDERS, encoding="utf-8")

    with pytest.raises(ConfigError, match="replace, append"):
        ingest_files(workspace, path, mode="upsert")
    with pytest.raises(ConfigError, match="csv, tsv, parquet, json, jsonl, excel"):
        ingest_files(workspace, path, format="xml")
    with pytest.raises(ConfigError, match="delimeter"):
        ingest_files(workspace, path, options={"delimeter": ";"})
    with pytest.raises(ConfigError, match="type 'VARCHARX' is not allowed"):
        ingest_files(workspace, path, options={"types": {"Qty": "VARCHARX"}})
    with pytest.raises(ConfigError, match=r"'Quantity', not columns of .*'Qty'"):
        ingest_files(workspace, path, options={"types": {"Quantity": "VARCHAR"}})
    with pytest.raises(ConfigError, match="encoding 'gbkk' is not known"):
        ingest_files(workspace, path, options={"encoding": "gbkk"})
    with pytest.raises(ConfigError, match="raw tables only"):
        ingest_files(workspace, path, "core.orders")
    (files / "p.parquet").write_bytes(b"")
    with pytest.raises(ConfigError, match="csv and tsv files only"):
        ingest_files(workspace, files / "p.parquet", options={"delimiter": ";"})
    assert workspace.engine.list_tables("raw") == []


def test_engine_can_be_passed_instead_of_a_workspace(workspace: Workspace, files: Path) -> None:
    path = files / "orders.csv"
    path.write_text(DEMO_ORDERS, encoding="utf-8")

    result = ingest_files(workspace.engine, path, "orders")

    assert workspace.engine.row_count("raw.orders") == result.rows == 4


def test_csv_without_header_and_jsonl_in_gbk(workspace: Workspace, files: Path) -> None:
    plain = files / "plain.csv"
    plain.write_text("0012,5,x\n0013,6,y\n", encoding="utf-8")
    events = files / "events.jsonl"
    events.write_bytes('{"city": "上海", "n": 1}\n{"city": "北京", "n": 2}\n'.encode("gbk"))

    ingest_files(workspace, plain, options={"header": False})
    ingest_files(workspace, events, options={"encoding": "gbk"})

    assert workspace.engine.read_arrow("raw.plain").select(["column0", "column1"]).to_pylist() == [
        {"column0": "0012", "column1": 5},
        {"column0": "0013", "column1": 6},
    ]
    assert workspace.engine.read_arrow("raw.events")["city"].to_pylist() == ["上海", "北京"]
    assert workspace.engine.read_arrow("raw.events")["_source_file"].to_pylist() == [str(events)] * 2


def test_glob_of_workbooks(workspace: Workspace, files: Path) -> None:
    for n in (1, 2):
        workbook = xlsxwriter.Workbook(str(files / f"stores_{n}.xlsx"))
        sheet = workbook.add_worksheet("stores")
        sheet.write_row(0, 0, ["store_code", "size"])
        sheet.write_row(1, 0, [f"00{n}", 100 * n])
        workbook.close()

    result = ingest_files(workspace, files / "stores_*.xlsx", sheet="stores")

    assert (result.target, result.rows) == ("raw.stores", 2)
    rows = workspace.engine.read_arrow("raw.stores").to_pylist()
    assert [(row["store_code"], row["size"]) for row in rows] == [("001", 100), ("002", 200)]
    assert [row["_source_file"] for row in rows] == [
        str(files / "stores_1.xlsx"),
        str(files / "stores_2.xlsx"),
    ]
