"""Fixtures of the prepare tests: an engine to evaluate expressions, and demo-shaped raw tables."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.engine import FileReadRequest, Lineage

ORDERS_CSV = """\
Order No,Line,Customer ID,SKU,Order Date,Qty,Unit Price,Discount,Line Total,Channel,Payment,Coupon Code,Store
SO00000001,1,0000001,P00042,2024-03-05 14:22:00,2,"¥1,299.00",,"¥2,598.00", App ,WeChat_Pay,,
SO00000001,2,0000001,P00007,2024-03-05 14:22:00,1,199.00,19.90,179.10,app, wechat_pay ,SAVE15,
SO00000002,1,0000002,P00042,2024/3/6 09:05,1,"1,299.00元",,"1,299.00元",STORE,Cash,,S001
SO00000002,1,0000002,P00042,2024/3/6 09:05,1,"1,299.00元",,"1,299.00元",STORE,Cash,,S001
SO00000003,1,0000003,P00007,05.03.2024 14:22,3,CNY 199,CNY 59.7,CNY 537.3,online,ALIPAY,,
SO00000004,1,0000001,P00007,2024年3月7日 08:00,1,$27.64,,$27.64,Global_Web,card,,
SO00000005,1,0000002,P00042,"March 8, 2024 2:22 PM",1,USD 180.42,USD 18.04,USD 162.38,global_web,Apple_Pay,,
"""

ORDER_COLUMNS = (
    "order_id", "line_no", "customer_id", "product_id", "ordered_at", "quantity", "unit_price", "discount",
    "amount", "channel", "payment_method", "coupon_id", "store_id",
)  # fmt: skip
_T = dt.datetime
#: The clean rows of ORDERS_CSV (worked out by hand; USD at 7.2 CNY), in (order_id, line_no) order.
ORDERS_CLEAN: list[tuple[Any, ...]] = [
    ("SO00000001", 1, "0000001", "P00042", _T(2024, 3, 5, 14, 22), 2, 1299, 0, 2598, "app", "wechat_pay",
     None, None),
    ("SO00000001", 2, "0000001", "P00007", _T(2024, 3, 5, 14, 22), 1, 199, 19.9, 179.1, "app", "wechat_pay",
     "SAVE15", None),
    ("SO00000002", 1, "0000002", "P00042", _T(2024, 3, 6, 9, 5), 1, 1299, 0, 1299, "store", "cash",
     None, "S001"),
    ("SO00000003", 1, "0000003", "P00007", _T(2024, 3, 5, 14, 22), 3, 199, 59.7, 537.3, "online", "alipay",
     None, None),
    ("SO00000004", 1, "0000001", "P00007", _T(2024, 3, 7, 8, 0), 1, 199.008, 0, 199.008, "global_web", "card",
     None, None),
    ("SO00000005", 1, "0000002", "P00042", _T(2024, 3, 8, 14, 22), 1, 1299.024, 129.888, 1169.136,
     "global_web", "apple_pay", None, None),
]  # fmt: skip

EXPOSURES_CSV = """\
campaign_id,customer_id,arm,assigned_at,sent_at,cost
C2024A,0000001,treatment,2024-04-01T08:00:00Z,2024-04-01T09:00:00Z,0.50
C2024A,0000002,control,2024-04-01T08:00:00Z,,0.00
C2024A,0000003,treatment,2024-04-01T08:00:00Z,2024-04-01T09:30:00Z,0.50
"""

PRODUCTS = [
    {
        "sku": "P00042",
        "title": {"en": "Linen Shirt", "zh": "亚麻衬衫"},
        "category": "apparel",
        "subcategory": "shirts",
        "brand": "Lumen",
        "price": "¥1,299.00",
        "cost": 520.0,
        "attributes": {"color": "Red", "material": "linen", "sizes": ["S", "M", "L"]},
        "description": {"en": "A light shirt.", "zh": "轻薄衬衫。"},
        "image": "images/P00042.png",
    },
    {
        "sku": "P00007",
        "title": {"en": "Wool Cap", "zh": "羊毛帽"},
        "category": "accessories",
        "subcategory": "hats",
        "brand": "Nord",
        "price": "¥199.00",
        "cost": 61.5,
        "attributes": {"color": "Navy", "material": "wool", "sizes": ["M"]},
        "description": {"en": "A warm cap.", "zh": "保暖帽子。"},
        "image": "images/P00007.png",
    },
]


def _event(
    event_id: str, customer: str | None, session: str, kind: str, ts: str, **rest: Any
) -> dict[str, Any]:
    context = {
        "device": rest.pop("device", "ios"),
        "page": rest.pop("page", "/"),
        "referrer": rest.pop("ref", None),
    }
    row = {"event_id": event_id, "customer_id": customer, "session_id": session, "type": kind, "ts": ts}
    return {**row, "sku": None, "query": None, "value": None, **rest, "context": context}


EVENTS = [
    _event("E1", "0000001", "S1", "view", "2024-03-05T14:20:00Z", sku="P00042", page="/p/P00042"),
    _event(
        "E2",
        None,
        "S2",
        "search",
        "2024-03-05T15:00:30Z",
        query="linen shirt",
        device="desktop",
        ref="google",
    ),
    _event(
        "E3",
        "0000001",
        "S1",
        "purchase",
        "2024-03-05T14:22:00Z",
        sku="P00042",
        value=2598.0,
        page="/checkout",
    ),
]


def customers_arrow() -> pa.Table:
    """``customers.xlsx`` as the Excel reader hands it over: text ids, real date and time cells."""
    return pa.table(
        {
            "客户编号": ["0000001", "0000002", "0000003", "0000004"],
            "注册日期": pa.array(
                [_T(2023, 1, 2, 10, 0), _T(2023, 5, 6, 11, 30), _T(2024, 1, 1), _T(2024, 2, 29, 23, 59)],
                pa.timestamp("us"),
            ),
            "Birth Date": pa.array([dt.date(1990, 7, 1), None, dt.date(1985, 12, 31), None], pa.date32()),
            "Gender": [" f", "M ", None, "F"],
            "Region": ["East", "North", "South", "East"],
            "City": ["Shanghai", "Beijing", "Shenzhen", "Hangzhou"],
            "Channel": ["social", "store", "organic_search", "social"],
            "Email": ["  Wei.Zhang1@Example.COM ", "li.na2@example.com", None, "LI.NA2@EXAMPLE.COM"],
            "Phone": ["138 1234 5678", "+86 13912345678", None, "13912345678"],
        }
    )


def campaigns_arrow() -> pa.Table:
    """The campaigns API pages as the HTTP source lands them: nested ``offer`` flattened with ``__``."""
    return pa.table(
        {
            "id": ["C2024A", "C2024B"],
            "name": ["Spring coupon", "Summer sale"],
            "start": ["2024-04-01T00:00:00Z", "2024-06-01T00:00:00Z"],
            "end": ["2024-04-30T23:59:59Z", None],
            "channel": ["sms", "email"],
            "offer__type": ["coupon", "percent_off"],
            "offer__value": [20.0, 0.1],
            "unit_cost": [0.5, 0.02],
            "budget": [10000.0, 5000.0],
        }
    )


def load_demo_raw(workspace: Workspace) -> None:
    """Land demo-shaped exports in ``raw.*`` with the engine's own readers (as ``aimass ingest`` does)."""
    exports = workspace.exports_dir
    exports.mkdir(parents=True, exist_ok=True)
    (exports / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
    (exports / "exposures.csv").write_text(EXPOSURES_CSV, encoding="utf-8")
    (exports / "products.json").write_text(json.dumps(PRODUCTS, ensure_ascii=False), encoding="utf-8")
    (exports / "events.jsonl").write_text("\n".join(json.dumps(e) for e in EVENTS) + "\n", encoding="utf-8")
    engine = workspace.engine
    lineage = Lineage("load-test", "2024-03-09 00:00:00")
    ids = ("Order No", "Customer ID", "SKU", "Coupon Code", "Store")
    engine.load_files(
        "raw.orders", FileReadRequest((exports / "orders.csv",), "csv", text_columns=ids), lineage
    )
    text = ("campaign_id", "customer_id")
    engine.load_files(
        "raw.exposures", FileReadRequest((exports / "exposures.csv",), "csv", text_columns=text), lineage
    )
    engine.load_files("raw.products", FileReadRequest((exports / "products.json",), "json"), lineage)
    engine.load_files("raw.events", FileReadRequest((exports / "events.jsonl",), "jsonl"), lineage)
    engine.write_table("raw.customers", customers_arrow())
    engine.write_table("raw.campaigns", campaigns_arrow())


@pytest.fixture
def demo_raw(workspace: Workspace) -> Workspace:
    """A workspace whose raw layer holds small tables shaped like the demo exports."""
    load_demo_raw(workspace)
    return workspace


@pytest.fixture(scope="session")
def con() -> Any:
    """An in-memory DuckDB connection to evaluate expressions on."""
    connection = ibis.duckdb.connect()
    yield connection
    connection.disconnect()


@pytest.fixture
def evaluate(con: Any) -> Callable[..., list[Any]]:
    """``evaluate(build, values, type=None)``: ``build(column)`` over ``values``, as Python values."""

    def run(build: Callable[[Any], Any], values: list[Any], type: pa.DataType | None = None) -> list[Any]:
        table = ibis.memtable(pa.table({"v": pa.array(values, type=type)}))
        return list(con.to_pyarrow(table.select(out=build(table.v))).column("out").to_pylist())

    return run


class _PySparkOptions(ibis.config.Config):  # what ibis registers when pyspark is imported
    treat_nan_as_null: bool = False


@pytest.fixture
def spark_sql(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any], str]:
    """``spark_sql(table_expr)``: the expression compiled by Ibis's PySpark compiler (no Spark needed)."""
    if getattr(ibis.options, "pyspark", None) is None:
        monkeypatch.setattr(ibis.options, "pyspark", _PySparkOptions(), raising=False)
    return lambda expr: str(ibis.to_sql(expr, dialect="pyspark"))


@pytest.fixture
def written_mapping(demo_raw: Workspace) -> Path:
    """The demo mapping written into the demo-shaped workspace."""
    from aimass.demo._config import DEMO_MAPPING_YAML

    path = demo_raw.root / "mapping.yaml"
    path.write_text(DEMO_MAPPING_YAML, encoding="utf-8")
    return path
