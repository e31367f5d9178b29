"""The mapping model: shorthand, round trips, and errors that say where and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aimass.demo._config import DEMO_MAPPING_YAML
from aimass.exceptions import ConfigError
from aimass.prepare import ColumnMapping, Mapping, load_mapping, parse_mapping


def _orders(**columns: Any) -> dict[str, Any]:
    base = {
        "order_id": "Order No",
        "line_no": {"from": "Line", "parse": "integer"},
        "customer_id": "Customer ID",
        "product_id": "SKU",
        "ordered_at": {"from": "Order Date", "parse": "datetime"},
        "quantity": {"from": "Qty", "parse": "number"},
        "unit_price": {"from": "Unit Price", "parse": "money"},
    }
    return {"tables": {"orders": {"from": "raw.orders", "columns": {**base, **columns}}}}


def _error(data: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_mapping(data, source="shop/mapping.yaml")
    return str(caught.value)


def test_shorthand_and_defaults() -> None:
    mapping = parse_mapping(_orders())
    orders = mapping.tables["orders"]
    assert orders.source == "raw.orders"
    assert orders.dedupe == "exact" and orders.unmapped == "warn"
    assert orders.columns["order_id"] == ColumnMapping(source="Order No")
    assert mapping.dates.day_first is True and mapping.currency.base is None and mapping.phones.region == "CN"


def test_pack_forms() -> None:
    data = {
        "tables": {
            "products": {
                "from": "products",  # the raw schema is implied
                "columns": {
                    "product_id": "sku",
                    "name": "title.en",
                    "attrs": {"from": ["title.zh", "Coupon Code", "brand"]},
                },
            }
        }
    }
    products = parse_mapping(data).tables["products"]
    assert products.source == "raw.products"
    assert products.columns["attrs"].pack == {
        "title_zh": "title.zh",
        "Coupon Code": "Coupon Code",
        "brand": "brand",
    }


def test_yaml_round_trip_of_the_demo_mapping() -> None:
    mapping = parse_mapping(yaml.safe_load(DEMO_MAPPING_YAML))
    assert set(mapping.tables) == {"customers", "products", "orders", "events", "campaigns", "exposures"}
    again = parse_mapping(yaml.safe_load(mapping.to_yaml()))
    assert again == mapping
    assert mapping.currency.rates == {"USD": 7.2}
    assert mapping.tables["customers"].columns["email_hash"].hash == "sha256"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            _orders(ordered_at={"from": "Order Date", "prase": "datetime"}),
            "tables.orders.columns.ordered_at: unknown key(s) 'prase'; allowed keys are from, value, pack, "
            "clean, parse, hash, default, day_first, region",
        ),
        (
            _orders(quantity={"from": "Qty", "parse": "float"}),
            "tables.orders.columns.quantity: parse: 'float' is not a parser; the parsers are",
        ),
        (
            _orders(channel={"from": "Channel", "clean": ["trim", "lowercase"]}),
            "tables.orders.columns.channel: clean: unknown transform(s) ['lowercase']; the transforms are",
        ),
        (
            _orders(channel={"from": "Channel", "value": "web"}),
            "tables.orders.columns.channel: give exactly one of `from`, `value` or `pack` (got from, value)",
        ),
        (_orders(channel={"clean": ["trim"]}), "give exactly one of `from`, `value` or `pack` (got none)"),
        (
            _orders(ordered_at={"from": "Order Date", "parse": "money"}),
            "tables.orders.columns.ordered_at: parse: money gives values for float64 columns, but "
            "ordered_at is timestamp; use one of date, datetime",
        ),
        (
            _orders(discount={"from": "Discount", "parse": "money", "default": "none"}),
            "tables.orders.columns.discount: default: 'none' must be a number for the float64 column",
        ),
        (
            _orders(order_total="Line Total"),
            "tables.orders.columns.order_total: core.orders has no column 'order_total'; its columns are",
        ),
        (_orders(quantity=None), "tables.orders.columns.quantity: no value: write the raw column's name"),
        (
            {"tables": {"orders": {"from": "raw.orders", "columns": {"order_id": "Order No"}}}},
            "tables.orders: the required column(s) customer_id, product_id, ordered_at, quantity, "
            "unit_price are not mapped",
        ),
        (
            {"tables": {"order": {"from": "raw.orders", "columns": {}}}},
            "tables.order: not a canonical table; the canonical tables are customers, products, orders",
        ),
        (
            {"tables": {"orders": {"from": "core.orders", "columns": {}}}},
            "tables.orders.from: 'core.orders' must be a raw table (raw.<name>)",
        ),
        (
            {"tables": {"orders": {"from": "raw.orders", "dedupe": "fuzzy", "columns": {}}}},
            "'exact' or 'none'",
        ),
        ({"tables": {"orders": {"columns": {}}}}, "tables.orders.from: this key is required"),
        ({"currency": {"rates": {"usd": 7.2}}}, "currency.rates: 'usd' must be an ISO 4217 code"),
        ({"currency": {"rates": {"USD": -1}}}, "the rate of USD must be > 0"),
        ({"phones": {"region": "Mars"}}, "phones.region: Input should be 'CN', 'HK'"),
        (
            {"tabels": {}},
            "unknown key(s) 'tabels'; allowed keys are version, currency, dates, phones, tables",
        ),
        (
            {
                "tables": {
                    "events": {
                        "from": "raw.events",
                        "columns": {"event_id": "id", "event_type": "t", "occurred_at": "ts"},
                    }
                }
            },
            "tables.events: map at least one of customer_id, session_id",
        ),
        (
            {
                "tables": {
                    "customers": {
                        "from": "raw.c",
                        "columns": {"customer_id": "id", "gender": {"pack": ["a"]}},
                    }
                }
            },
            "tables.customers.columns.gender: pack makes a JSON object, but gender is string",
        ),
        ([1, 2], "must hold a mapping with the keys currency, dates, phones, tables"),
    ],
)
def test_errors_say_where_and_what_is_allowed(data: Any, expected: str) -> None:
    message = _error(data)
    assert message.startswith("shop/mapping.yaml")
    assert expected in message


def test_every_problem_is_listed_at_once() -> None:
    message = _error(
        _orders(quantity={"from": "Qty", "parse": "nope"}, channel={"from": "c", "clean": ["x"]})
    )
    assert "columns.quantity" in message and "columns.channel" in message


def test_load_mapping_file_errors(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"there is no mapping file .*aimass map --suggest --out mapping\.yaml"
    ):
        load_mapping(tmp_path / "mapping.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("tables: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.yaml is not valid YAML"):
        load_mapping(broken)
    good = tmp_path / "good.yaml"
    good.write_text(DEMO_MAPPING_YAML, encoding="utf-8")
    assert isinstance(load_mapping(good), Mapping)


def test_policy_overrides_per_column() -> None:
    mapping = parse_mapping(
        {
            "currency": {"rates": {"USD": 7.2}, "symbols": {"$": "HKD"}},
            "dates": {"day_first": True},
            **_orders(ordered_at={"from": "Order Date", "parse": "datetime", "day_first": False}),
        }
    )
    policy = mapping.policy(mapping.tables["orders"].columns["ordered_at"], "CNY")
    assert (policy.day_first, policy.base_currency, dict(policy.symbols)) == (False, "CNY", {"$": "HKD"})
    assert mapping.policy(mapping.tables["orders"].columns["order_id"], "CNY").day_first is True
