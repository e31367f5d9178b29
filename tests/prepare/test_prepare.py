"""prepare() end to end on demo-shaped raw tables: exact core rows, reports, errors and atomicity."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml

from aimass import Workspace
from aimass.demo._config import DEMO_MAPPING_YAML
from aimass.exceptions import ConfigError, SchemaError
from aimass.prepare import Mapping, parse_mapping, plan_table, prepare

from .conftest import ORDER_COLUMNS, ORDERS_CLEAN


def _demo(**tables: Any) -> Mapping:
    """The demo mapping with some tables replaced (None drops a table)."""
    data = yaml.safe_load(DEMO_MAPPING_YAML)
    for name, entry in tables.items():
        if entry is None:
            data["tables"].pop(name)
        else:
            data["tables"][name] = entry
    return parse_mapping(data)


def _rows(workspace: Workspace, table: str, order: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = workspace.engine.read_arrow(table).to_pylist()
    return sorted(rows, key=lambda row: tuple(row[key] for key in order))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_orders_are_exactly_the_clean_rows(written_mapping: Path, demo_raw: Workspace) -> None:
    result = prepare(demo_raw)
    report = result.tables["orders"]
    assert (report.rows_in, report.duplicates_removed, report.rows_written) == (7, 1, 6)
    assert report.unparsed == [] and report.unmapped == [] and report.derived == {}
    got = _rows(demo_raw, "core.orders", ("order_id", "line_no"))
    assert [tuple(row[c] for c in ORDER_COLUMNS[:5]) for row in got] == [row[:5] for row in ORDERS_CLEAN]
    assert [tuple(row[c] for c in ORDER_COLUMNS[9:]) for row in got] == [row[9:] for row in ORDERS_CLEAN]
    money = [[row[c] for c in ORDER_COLUMNS[5:9]] for row in got]
    assert money == [pytest.approx(list(row[5:9]), abs=1e-9) for row in ORDERS_CLEAN]
    assert demo_raw.engine.columns("core.orders")["ordered_at"] == "TIMESTAMP"


def test_the_other_demo_tables(written_mapping: Path, demo_raw: Workspace) -> None:
    result = prepare(demo_raw)
    assert list(result.tables) == ["customers", "products", "orders", "events", "campaigns", "exposures"]
    assert result.warnings == []

    customers = _rows(demo_raw, "core.customers", ("customer_id",))
    assert [c["customer_id"] for c in customers] == ["0000001", "0000002", "0000003", "0000004"]
    assert [c["gender"] for c in customers] == ["F", "M", None, "F"]
    emails = [_sha("wei.zhang1@example.com"), _sha("li.na2@example.com"), None, _sha("li.na2@example.com")]
    assert [c["email_hash"] for c in customers] == emails
    phones = [_sha("+8613812345678"), _sha("+8613912345678"), None, _sha("+8613912345678")]
    assert [c["phone_hash"] for c in customers] == phones
    assert [c["birth_date"] for c in customers] == [dt.date(1990, 7, 1), None, dt.date(1985, 12, 31), None]
    assert customers[1]["signup_at"] == dt.datetime(2023, 5, 6, 11, 30)

    products = _rows(demo_raw, "core.products", ("product_id",))
    assert [(p["product_id"], p["name"], p["price"], p["cost"]) for p in products] == [
        ("P00007", "Wool Cap", 199.0, 61.5),
        ("P00042", "Linen Shirt", 1299.0, 520.0),
    ]
    assert json.loads(products[1]["attrs"]) == {
        "name_zh": "亚麻衬衫",
        "color": "Red",
        "material": "linen",
        "sizes": ["S", "M", "L"],
        "description_zh": "轻薄衬衫。",
    }

    events = _rows(demo_raw, "core.events", ("event_id",))
    assert [(e["event_id"], e["customer_id"], e["event_type"]) for e in events] == [
        ("E1", "0000001", "view"),
        ("E2", None, "search"),
        ("E3", "0000001", "purchase"),
    ]
    assert events[1]["occurred_at"] == dt.datetime(2024, 3, 5, 15, 0, 30)
    assert json.loads(events[1]["context"]) == {"device": "desktop", "page": "/", "referrer": "google"}
    assert events[2]["value"] == 2598.0

    campaigns = _rows(demo_raw, "core.campaigns", ("campaign_id",))
    assert [(c["campaign_id"], c["offer_type"], c["offer_value"], c["ends_at"]) for c in campaigns] == [
        ("C2024A", "coupon", 20.0, dt.datetime(2024, 4, 30, 23, 59, 59)),
        ("C2024B", "percent_off", 0.1, None),
    ]
    exposures = _rows(demo_raw, "core.exposures", ("customer_id",))
    assert [(e["arm"], e["sent_at"], e["cost"]) for e in exposures] == [
        ("treatment", dt.datetime(2024, 4, 1, 9, 0), 0.5),
        ("control", None, 0.0),
        ("treatment", dt.datetime(2024, 4, 1, 9, 30), 0.5),
    ]


def test_running_twice_gives_the_same_tables(written_mapping: Path, demo_raw: Workspace) -> None:
    prepare(demo_raw)
    first = _rows(demo_raw, "core.orders", ("order_id", "line_no"))
    prepare(demo_raw)
    assert _rows(demo_raw, "core.orders", ("order_id", "line_no")) == first


def test_unparseable_values_are_counted_and_sampled(demo_raw: Workspace) -> None:
    raw = demo_raw.engine.read_arrow("raw.exposures")
    sent = pa.array(["soon", "2024-04-01T09:00:00Z", "later", None], pa.string())
    bad = pa.table(
        {
            "campaign_id": ["C1", "C1", "C1", "C1"],
            "customer_id": ["1", "2", "3", "4"],
            "arm": ["treatment"] * 4,
            "assigned_at": ["2024-04-01"] * 4,
            "sent_at": sent,
            "cost": ["0.5", "free", "0.5", "free"],
        }
    )
    assert raw.num_rows == 3
    demo_raw.engine.write_table("raw.exposures", bad)
    result = prepare(demo_raw, _demo(), tables=["exposures"])
    report = result.tables["exposures"]
    unparsed = {item.column: (item.count, item.samples) for item in report.unparsed}
    assert unparsed == {"sent_at": (2, ["later", "soon"]), "cost": (2, ["free"])}
    assert report.unparsed_total == 4 and report.rows_written == 4
    assert any(
        "core.exposures.sent_at: 2 value(s) of 'sent_at' could not be parsed as datetime" in w
        for w in result.warnings
    )
    costs = [row["cost"] for row in _rows(demo_raw, "core.exposures", ("customer_id",))]
    assert costs == [0.5, None, 0.5, None]


def test_unparseable_required_values_stop_the_table(written_mapping: Path, demo_raw: Workspace) -> None:
    prepare(demo_raw)
    before = _rows(demo_raw, "core.orders", ("order_id", "line_no"))
    raw = demo_raw.engine.read_arrow("raw.orders")
    dates = raw.column("Order Date").to_pylist()
    dates[0] = "the fifth of March"
    demo_raw.engine.write_table("raw.orders", raw.set_column(4, "Order Date", pa.array(dates)))
    with pytest.raises(SchemaError, match=r"core\.orders\.ordered_at is required, but 1 value") as caught:
        prepare(demo_raw, tables=["orders"])
    assert caught.value.table == "core.orders" and caught.value.column == "ordered_at"
    assert caught.value.samples == [{"Order Date": "the fifth of March"}]
    assert _rows(demo_raw, "core.orders", ("order_id", "line_no")) == before


def test_a_schema_error_leaves_the_previous_core_table(written_mapping: Path, demo_raw: Workspace) -> None:
    prepare(demo_raw)
    before = _rows(demo_raw, "core.orders", ("order_id", "line_no"))
    orders = yaml.safe_load(DEMO_MAPPING_YAML)["tables"]["orders"]
    orders["dedupe"] = "none"  # the repeated row now breaks the (order_id, line_no) key
    with pytest.raises(SchemaError, match=r"core\.orders: the key \['order_id', 'line_no'\] must be unique"):
        prepare(demo_raw, _demo(orders=orders), tables=["orders"])
    assert _rows(demo_raw, "core.orders", ("order_id", "line_no")) == before


def test_money_in_a_currency_without_a_rate(written_mapping: Path, demo_raw: Workspace) -> None:
    data = yaml.safe_load(DEMO_MAPPING_YAML)
    data["currency"]["rates"] = {}
    with pytest.raises(ConfigError) as caught:
        prepare(demo_raw, parse_mapping(data), tables=["orders"])
    message = str(caught.value)
    assert "tables.orders.columns.unit_price: raw.orders.'Unit Price' holds amounts in USD (2 rows" in message
    assert "Currencies seen: CNY, USD; rates given: none" in message
    assert not demo_raw.engine.exists("core.orders")


def test_a_missing_source_column_is_named_with_a_suggestion(demo_raw: Workspace) -> None:
    orders = yaml.safe_load(DEMO_MAPPING_YAML)["tables"]["orders"]
    orders["columns"]["order_id"] = "Order Number"
    expected = (
        r"columns\.order_id \(in raw\.orders\): there is no column 'Order Number' \(did you mean 'Order No'"
    )
    with pytest.raises(ConfigError, match=expected):
        prepare(demo_raw, _demo(orders=orders), tables=["orders"])
    products = yaml.safe_load(DEMO_MAPPING_YAML)["tables"]["products"]
    products["columns"]["name"] = "title.fr"
    with pytest.raises(ConfigError, match=r"'title' has no field 'fr'; its fields are \['en', 'zh'\]"):
        prepare(demo_raw, _demo(products=products), tables=["products"])


def test_missing_raw_tables_and_unknown_tables(workspace: Workspace) -> None:
    with pytest.raises(ConfigError, match="there is no mapping file"):
        prepare(workspace)
    with pytest.raises(
        ConfigError, match=r"the raw table\(s\) raw.customers, raw.products, .* run `aimass ingest`"
    ):
        prepare(workspace, _demo())
    with pytest.raises(
        ConfigError, match=r"the mapping has no table\(s\) shops; it maps customers, products"
    ):
        prepare(workspace, _demo(), tables=["shops"])


def test_base_currency_must_be_the_workspace_currency(demo_raw: Workspace) -> None:
    data = yaml.safe_load(DEMO_MAPPING_YAML)
    data["currency"]["base"] = "USD"
    with pytest.raises(ConfigError, match=r"currency\.base is USD, but the workspace currency .* is CNY"):
        prepare(demo_raw, parse_mapping(data))


def _customers_with_extras(workspace: Workspace) -> None:
    raw = workspace.engine.read_arrow("raw.customers")
    raw = raw.append_column("VIP Level", pa.array(["gold", None, "silver", None]))
    workspace.engine.write_table("raw.customers", raw)


@pytest.mark.parametrize("policy", ["warn", "attrs", "ignore"])
def test_unmapped_raw_columns_are_never_lost_silently(demo_raw: Workspace, policy: str) -> None:
    _customers_with_extras(demo_raw)
    customers = yaml.safe_load(DEMO_MAPPING_YAML)["tables"]["customers"]
    customers["unmapped"] = policy
    result = prepare(demo_raw, _demo(customers=customers), tables=["customers"])
    attrs = [row["attrs"] for row in _rows(demo_raw, "core.customers", ("customer_id",))]
    if policy == "warn":
        assert result.tables["customers"].unmapped == ["VIP Level"]
        assert result.warnings == [
            "core.customers: raw columns of raw.customers not mapped to anything: VIP Level (map them, "
            "pack them with `unmapped: attrs`, or acknowledge them with `unmapped: ignore`)"
        ]
        assert attrs == [None] * 4
    elif policy == "attrs":
        assert result.warnings == []
        assert [json.loads(a)["VIP Level"] for a in attrs] == ["gold", None, "silver", None]
    else:
        assert result.warnings == [] and attrs == [None] * 4


def test_partly_used_structs_report_their_unused_fields(demo_raw: Workspace) -> None:
    products = yaml.safe_load(DEMO_MAPPING_YAML)["tables"]["products"]
    del products["columns"]["attrs"]
    result = prepare(demo_raw, _demo(products=products), tables=["products"])
    assert result.tables["products"].unmapped == ["title.zh", "attributes", "description.zh"]


def test_line_numbers_and_amounts_are_derived_when_missing(demo_raw: Workspace) -> None:
    orders = yaml.safe_load(DEMO_MAPPING_YAML)["tables"]["orders"]
    del orders["columns"]["line_no"], orders["columns"]["amount"]
    orders["unmapped"] = "ignore"
    result = prepare(demo_raw, _demo(orders=orders), tables=["orders"])
    assert set(result.tables["orders"].derived) == {"line_no", "amount"}
    got = _rows(demo_raw, "core.orders", ("order_id", "line_no"))
    assert [(row["order_id"], row["line_no"], row["product_id"]) for row in got[:2]] == [
        ("SO00000001", 1, "P00007"),  # numbered by product_id within the order
        ("SO00000001", 2, "P00042"),
    ]
    by_order = {(row["order_id"], row["product_id"]): row["amount"] for row in got}
    expected = {(row[0], row[3]): row[8] for row in ORDERS_CLEAN}
    assert by_order == pytest.approx(expected, abs=1e-9)


def test_constants_and_struct_paths(demo_raw: Workspace) -> None:
    campaigns = yaml.safe_load(DEMO_MAPPING_YAML)["tables"]["campaigns"]
    campaigns["columns"]["channel"] = {"value": "sms"}
    prepare(demo_raw, _demo(campaigns=campaigns), tables=["campaigns"])
    assert [row["channel"] for row in _rows(demo_raw, "core.campaigns", ("campaign_id",))] == ["sms", "sms"]


def test_only_the_tables_asked_for(written_mapping: Path, demo_raw: Workspace) -> None:
    result = prepare(demo_raw, tables=["core.products", "orders"])
    assert list(result.tables) == ["products", "orders"]
    assert demo_raw.engine.list_tables(schema="core") == ["core.orders", "core.products"]
    assert result.to_dict()["tables"]["orders"]["duplicates_removed"] == 1


def test_every_demo_table_plan_compiles_for_spark(demo_raw: Workspace, spark_sql: Any) -> None:
    mapping = _demo()
    for name, entry in mapping.tables.items():
        plan = plan_table(
            demo_raw.engine.scan(entry.source), name, mapping, base_currency="CNY", source=entry.source
        )
        sql = spark_sql(plan.output(plan.staged()))
        assert sql.startswith("SELECT") or sql.startswith("WITH"), name
