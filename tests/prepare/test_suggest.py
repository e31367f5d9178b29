"""suggest_mapping on English, Chinese and demo-shaped raw tables; the commented YAML round trip."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pyarrow as pa
import yaml

from aimass import Workspace
from aimass.canonical import table_spec
from aimass.demo._config import demo_mapping
from aimass.prepare import Mapping, parse_mapping, prepare, suggest_mapping
from aimass.prepare._names import name_score, table_name_score

T = dt.datetime


def _sources(mapping: Mapping, table: str) -> dict[str, Any]:
    columns = mapping.tables[table].columns
    return {
        name: column.source if column.pack is None else set(column.pack.values())
        for name, column in columns.items()
    }


def test_demo_raw_tables_get_the_demo_mapping(demo_raw: Workspace) -> None:
    suggestion = suggest_mapping(demo_raw.engine)
    demo = demo_mapping()
    assert list(suggestion.mapping.tables) == list(demo.tables)
    for table, entry in demo.tables.items():
        assert suggestion.mapping.tables[table].source == entry.source
        suggested = _sources(suggestion.mapping, table)
        wanted = _sources(demo, table)
        required = set(table_spec(table).required)
        assert {c: suggested.get(c) for c in required} == {c: wanted[c] for c in required}, table
        assert suggested == wanted, table  # the optional columns too
    assert suggestion.unused_sources == [] and suggestion.partial == {}
    assert suggestion.currencies.keys() == {"CNY", "USD"}


def test_the_suggestion_builds_the_same_core_tables_as_the_demo_mapping(demo_raw: Workspace) -> None:
    suggestion = suggest_mapping(demo_raw.engine)
    data = yaml.safe_load(suggestion.to_yaml())
    data["currency"]["rates"] = {"USD": 7.2}  # what the user adds when confirming
    prepare(demo_raw, parse_mapping(data))
    suggested = {name: _sorted(demo_raw, name) for name in demo_raw.engine.list_tables("core")}
    prepare(demo_raw, demo_mapping())
    assert len(suggested) == 6
    for name, rows in suggested.items():
        assert rows == _sorted(demo_raw, name), name


def _sorted(workspace: Workspace, name: str) -> list[dict[str, Any]]:
    """Rows by key; attrs as the sorted packed values (the suggestion names its keys after the paths)."""
    key = table_spec(name).key
    rows = sorted(workspace.engine.read_arrow(name).to_pylist(), key=lambda row: tuple(row[k] for k in key))
    for row in rows:
        if row.get("attrs") is not None:
            row["attrs"] = sorted(
                json.dumps(value, ensure_ascii=False) for value in json.loads(row["attrs"]).values()
            )
    return rows


def test_english_headers(workspace: Workspace) -> None:
    workspace.engine.write_table(
        "raw.sales_2024",
        pa.table(
            {
                "Order Number": ["A-1", "A-1", "A-2"],
                "Line Item": ["1", "2", "1"],
                "Member ID": ["00012", "00012", "00013"],
                "Product Code": ["SKU-1", "SKU-2", "SKU-1"],
                "Purchase Date": ["3/5/2024 2:22 PM", "3/5/2024 2:22 PM", "3/25/2024 9:00 AM"],
                "Quantity": ["1", "2", "1"],
                "Price": ["$10.00", "$5.50", "$10.00"],
                "Total": ["$10.00", "$11.00", "$10.00"],
                "Sales Channel": ["Web", "web ", "STORE"],
                "Notes": ["gift", None, None],
            }
        ),
    )
    suggestion = suggest_mapping(workspace.engine, base_currency="USD")
    orders = suggestion.mapping.tables["orders"]
    assert orders.source == "raw.sales_2024"
    assert _sources(suggestion.mapping, "orders") == {
        "order_id": "Order Number",
        "line_no": "Line Item",
        "customer_id": "Member ID",
        "product_id": "Product Code",
        "ordered_at": "Purchase Date",
        "quantity": "Quantity",
        "unit_price": "Price",
        "amount": "Total",
        "channel": "Sales Channel",
    }
    columns = orders.columns
    assert (columns["ordered_at"].parse, columns["unit_price"].parse, columns["line_no"].parse) == (
        "datetime",
        "money",
        "integer",
    )
    assert columns["channel"].clean == ("trim", "lower")
    assert suggestion.mapping.dates.day_first is False  # 3/25/2024 can only be month first
    assert suggestion.tables["orders"].unmapped == ["Notes"]
    assert "# not mapped: Notes" in suggestion.to_yaml()


def test_chinese_headers(workspace: Workspace) -> None:
    workspace.engine.write_table(
        "raw.dingdan",
        pa.table(
            {
                "订单编号": ["D001", "D002"],
                "行号": [1, 1],
                "会员号": ["0000001", "0000002"],
                "商品编号": ["P00042", "P00007"],
                "下单时间": ["2024年3月5日 14:22", "2024年3月6日 09:05"],
                "数量": [2, 1],
                "单价": ["¥1,299.00", "199.00元"],
                "优惠金额": [None, "¥19.90"],
                "实付金额": ["¥2,598.00", "179.10元"],
                "支付方式": ["微信", "支付宝"],
            }
        ),
    )
    workspace.engine.write_table(
        "raw.kehu",
        pa.table(
            {
                "客户编号": ["0000001", "0000002"],
                "注册时间": pa.array([T(2023, 1, 2), T(2023, 5, 6)], pa.timestamp("us")),
                "生日": ["1990-07-01", "1985-12-31"],
                "性别": ["女", "男"],
                "省份": ["浙江", "北京"],
                "城市": ["杭州", "北京"],
                "联系方式": ["138 1234 5678", "+86 13912345678"],
                "邮箱": ["a@example.com", "b@example.com"],
            }
        ),
    )
    suggestion = suggest_mapping(workspace.engine)
    assert _sources(suggestion.mapping, "orders") == {
        "order_id": "订单编号",
        "line_no": "行号",
        "customer_id": "会员号",
        "product_id": "商品编号",
        "ordered_at": "下单时间",
        "quantity": "数量",
        "unit_price": "单价",
        "discount": "优惠金额",
        "amount": "实付金额",
        "payment_method": "支付方式",
    }
    assert _sources(suggestion.mapping, "customers") == {
        "customer_id": "客户编号",
        "signup_at": "注册时间",
        "birth_date": "生日",
        "gender": "性别",
        "region": "省份",
        "city": "城市",
        "phone_hash": "联系方式",  # by its values: the name says nothing
        "email_hash": "邮箱",
    }
    customers = suggestion.tables["customers"].columns
    assert (
        customers["phone_hash"].mapping.parse == "phone" and customers["phone_hash"].mapping.hash == "sha256"
    )
    assert customers["phone_hash"].confidence < 0.75  # marked CHECK in the YAML
    assert "phone_hash: {from: 联系方式, parse: phone, hash: sha256}  # CHECK" in suggestion.to_yaml()
    assert suggestion.mapping.tables["orders"].columns["discount"].default == 0


def test_unrelated_and_incomplete_tables(workspace: Workspace) -> None:
    workspace.engine.write_table("raw.weather", pa.table({"day": ["2024-03-05"], "temperature": [12.5]}))
    workspace.engine.write_table("raw.products_old", pa.table({"sku": ["P1", "P2"], "brand": ["A", "B"]}))
    suggestion = suggest_mapping(workspace.engine)
    assert suggestion.mapping.tables == {}
    assert suggestion.unused_sources == ["raw.products_old", "raw.weather"]
    assert suggestion.partial["products"].missing == ["name"]
    text = suggestion.to_yaml()
    assert "# products: raw.products_old looks like it but lacks name; map by hand:" in text
    assert parse_mapping(yaml.safe_load(text)).tables == {}


def test_the_yaml_reads_back_as_the_suggested_mapping(demo_raw: Workspace) -> None:
    suggestion = suggest_mapping(demo_raw.engine)
    text = suggestion.to_yaml()
    assert text.startswith("# mapping.yaml")
    assert "# USD: <CNY per USD>" in text
    assert parse_mapping(yaml.safe_load(text)) == suggestion.mapping
    data = suggestion.to_dict()
    order_id = data["tables"]["orders"]["columns"]["order_id"]
    assert order_id["source"] == "Order No" and order_id["confidence"] == 1.0
    assert any("synonym of order_id" in reason for reason in order_id["reasons"])


def test_name_scores() -> None:
    assert name_score("Order No", "orders", "order_id")[0] == 1.0
    assert name_score("订单编号", "orders", "order_id")[0] == 1.0
    assert name_score("campaign_title", "campaigns", "name")[0] == 0.95
    assert name_score("id", "campaigns", "campaign_id", key="campaign_id")[0] == 0.85
    assert 0.5 < name_score("Order Date (UTC)", "orders", "ordered_at")[0] < 1.0
    assert 0.5 < name_score("Ordr No", "orders", "order_id")[0] < 0.8  # a typo
    assert name_score("temperature", "orders", "order_id")[0] == 0.0
    assert table_name_score("raw.t_2024_sales", "orders") == 1.0
    assert table_name_score("raw.weather", "orders") == 0.0
