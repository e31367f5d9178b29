"""The messy exports are messy in the documented ways, and recover the clean tables exactly."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from aimass.demo import DemoWorld, generate, generate_world
from aimass.demo._export import write_exports
from aimass.demo._images import write_images
from aimass.demo._truth import write_truth

USD_TO_CNY = 7.2
ORDER_COLUMNS = [
    "Order No",
    "Line",
    "Customer ID",
    "SKU",
    "Order Date",
    "Qty",
    "Unit Price",
    "Discount",
    "Line Total",
    "Channel",
    "Payment",
    "Coupon Code",
    "Store",
]
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d.%m.%Y %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%B %d, %Y %I:%M %p",
)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoWorld, Path]:
    root = tmp_path_factory.mktemp("demo")
    world = generate_world(2_000, seed=11)
    write_exports(world, root)
    write_images(world.products, root / "exports" / "images")
    write_truth(world, root)
    return world, root


def _read_orders_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


# --- a small local parser, as `aimass prepare` would do it ---------------------------------------


def parse_money(text: str) -> tuple[float, bool]:
    """CNY value and whether the string was in USD."""
    value = text.strip()
    if not value:
        return 0.0, False
    usd = value.startswith(("$", "USD"))
    number = float(re.sub(r"[¥元$,]|CNY|USD", "", value).strip())
    return (round(number * USD_TO_CNY, 4), True) if usd else (number, False)


def parse_date(text: str) -> int:
    """Which of the five formats ``text`` is in."""
    for index, pattern in enumerate(DATE_FORMATS):
        try:
            datetime.strptime(text, pattern)
        except ValueError:
            continue
        return index
    raise AssertionError(f"unknown date format: {text!r}")


def parse_orders(raw: pd.DataFrame) -> pd.DataFrame:
    stamps = [
        pd.Timestamp(datetime.strptime(text, DATE_FORMATS[parse_date(text)]), tz="UTC")
        for text in raw["Order Date"]
    ]
    unit = [parse_money(v) for v in raw["Unit Price"]]
    return pd.DataFrame(
        {
            "order_id": raw["Order No"].str.strip(),
            "line_no": raw["Line"].astype(int),
            "customer_id": raw["Customer ID"].str.strip(),
            "product_id": raw["SKU"].str.strip(),
            "ordered_at": pd.DatetimeIndex(stamps).as_unit("us"),
            "quantity": raw["Qty"].astype(float),
            "unit_price": [v for v, _ in unit],
            "discount": [parse_money(v)[0] for v in raw["Discount"]],
            "amount": [parse_money(v)[0] for v in raw["Line Total"]],
            "channel": raw["Channel"].str.strip().str.lower().replace("", None),
            "payment_method": raw["Payment"].str.strip().str.lower().replace("", None),
            "coupon_id": raw["Coupon Code"].str.strip().replace("", None),
            "store_id": raw["Store"].str.strip().replace("", None),
            "usd": [u for _, u in unit],
        }
    )


# --- files ----------------------------------------------------------------------------------------


def test_every_export_and_truth_file_is_written(written: tuple[DemoWorld, Path]) -> None:
    _, root = written
    exports = {p.name for p in (root / "exports").iterdir()}
    assert exports == {
        "orders.csv",
        "customers.xlsx",
        "events.jsonl",
        "products.json",
        "crm.sqlite",
        "images",
    }
    truth = {p.name for p in (root / "truth").iterdir()}
    assert {"segments.csv", "params.json", "rules.csv", "uplift.csv", "payment.json", "clean"} <= truth
    clean = {p.name for p in (root / "truth" / "clean").iterdir()}
    assert clean == {
        f"{t}.parquet" for t in ("customers", "products", "orders", "events", "campaigns", "exposures")
    }


def test_orders_csv_has_the_exact_header_and_keeps_leading_zeros(written: tuple[DemoWorld, Path]) -> None:
    _, root = written
    raw = _read_orders_csv(root / "exports" / "orders.csv")
    assert list(raw.columns) == ORDER_COLUMNS
    assert raw["Customer ID"].str.fullmatch(r"\d{7}").all()
    assert raw["Customer ID"].str.startswith("0").all()  # would be lost if read as a number
    header = (root / "exports" / "orders.csv").read_text(encoding="utf-8").splitlines()[1]
    assert re.match(r"SO\d{8},\d+,0\d{6},P\d{5},", header)


def test_orders_csv_recovers_the_clean_orders_exactly(written: tuple[DemoWorld, Path]) -> None:
    world, root = written
    raw = _read_orders_csv(root / "exports" / "orders.csv")
    duplicated = raw.duplicated()
    assert duplicated.mean() == pytest.approx(0.01, abs=0.005)
    parsed = parse_orders(raw[~duplicated]).reset_index(drop=True)
    clean = world.orders
    assert len(parsed) == len(clean)
    np.testing.assert_array_equal(parsed["usd"], world.source.order_currency == "USD")
    pd.testing.assert_frame_equal(
        parsed.drop(columns="usd"), clean, check_dtype=False, check_exact=False, atol=1e-6, rtol=0
    )


def test_orders_csv_is_messy_as_documented(written: tuple[DemoWorld, Path]) -> None:
    _, root = written
    raw = _read_orders_csv(root / "exports" / "orders.csv")
    formats = pd.Series([parse_date(t) for t in raw["Order Date"]]).value_counts(normalize=True)
    assert len(formats) == 5 and formats.between(0.15, 0.25).all()
    prices = raw["Unit Price"]
    for pattern in (
        r"¥[\d,]+\.\d\d",
        r"\d+\.\d\d",
        r"[\d,]+\.\d\d元",
        r"CNY \d+(\.\d{1,2})?",
        r"\$[\d,]+(\.\d\d)?",
        r"USD \d+\.\d\d",
    ):
        assert prices.str.fullmatch(pattern).any(), pattern
    usd = prices.str.startswith(("$", "USD"))
    assert 0.005 < usd.mean() < 0.06
    channel = raw.loc[usd, "Channel"].str.strip().str.lower()
    assert channel.isin(["global_web", ""]).all()
    assert (raw["Channel"] != raw["Channel"].str.strip()).any()
    assert (raw["Payment"].str.strip() != raw["Payment"].str.strip().str.lower()).any()
    assert (
        raw["Payment"]
        .str.strip()
        .str.lower()
        .isin(["alipay", "wechat_pay", "card", "cash", "apple_pay"])
        .all()
    )
    assert (raw["Channel"] == "").mean() == pytest.approx(0.005, abs=0.004)
    zero = raw["Line Total"].map(lambda v: parse_money(v)[0]) == raw["Unit Price"].map(
        lambda v: parse_money(v)[0]
    ) * raw["Qty"].astype(float)
    assert (raw.loc[zero, "Discount"] == "").mean() == pytest.approx(0.9, abs=0.05)
    assert (raw.loc[raw["Store"] != "", "Channel"].str.strip().str.lower().isin(["store", ""])).all()


def test_customers_xlsx_recovers_the_clean_customers(written: tuple[DemoWorld, Path]) -> None:
    from openpyxl import load_workbook

    world, root = written
    book = load_workbook(root / "exports" / "customers.xlsx", read_only=True)
    assert book.sheetnames == ["customers"]
    rows = list(book["customers"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert list(header) == [
        "客户编号",
        "注册日期",
        "Birth Date",
        "Gender",
        "Region",
        "City",
        "Channel",
        "Email",
        "Phone",
    ]
    clean = world.customers
    assert len(body) == len(clean)
    ids = [r[0] for r in body]
    assert all(isinstance(i, str) and len(i) == 7 for i in ids)
    assert ids == clean["customer_id"].tolist()
    signup = pd.DatetimeIndex([r[1] for r in body]).round("s").tz_localize("UTC")
    assert (signup == pd.DatetimeIndex(clean["signup_at"])).all()
    birth = pd.Series([r[2] for r in body], dtype="datetime64[s]")
    pd.testing.assert_series_equal(birth, clean["birth_date"], check_names=False)
    gender = pd.Series([None if r[3] is None else r[3].strip().upper() for r in body], dtype="str")
    pd.testing.assert_series_equal(gender, clean["gender"], check_names=False)
    assert any(r[3] is not None and r[3] != r[3].strip() for r in body)

    def email_hash(value: str | None) -> str | None:
        return None if value is None else hashlib.sha256(value.strip().lower().encode()).hexdigest()

    def phone_hash(value: str | None) -> str | None:
        if value is None:
            return None
        digits = (
            re.sub(r"\D", "", value).removeprefix("86") if value.startswith("+") else re.sub(r"\D", "", value)
        )
        return hashlib.sha256(f"+86{digits}".encode()).hexdigest()

    assert [email_hash(r[7]) for r in body] == clean["email_hash"].astype(object).where(
        clean["email_hash"].notna(), None
    ).tolist()
    assert [phone_hash(r[8]) for r in body] == clean["phone_hash"].astype(object).where(
        clean["phone_hash"].notna(), None
    ).tolist()
    phones = [r[8] for r in body if r[8]]
    assert any(" " in p and not p.startswith("+") for p in phones) and any(
        p.startswith("+86 ") for p in phones
    )
    emails = [r[7] for r in body if r[7]]
    assert any(e != e.strip() for e in emails) and any(e != e.lower() for e in emails)
    assert clean["email_hash"].isna().mean() == pytest.approx(0.03, abs=0.02)


def test_events_jsonl_recovers_the_clean_events(written: tuple[DemoWorld, Path]) -> None:
    world, root = written
    lines = (root / "exports" / "events.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert set(records[0]) == {
        "event_id",
        "customer_id",
        "session_id",
        "type",
        "ts",
        "sku",
        "query",
        "value",
        "context",
    }
    assert set(records[0]["context"]) == {"device", "page", "referrer"}
    assert all(r["ts"].endswith("Z") for r in records[:100])
    parsed = pd.DataFrame(
        {
            "event_id": [r["event_id"] for r in records],
            "customer_id": pd.Series([r["customer_id"] for r in records], dtype="str"),
            "session_id": [r["session_id"] for r in records],
            "event_type": [r["type"] for r in records],
            "occurred_at": pd.to_datetime([r["ts"] for r in records], utc=True).as_unit("us"),
            "product_id": pd.Series([r["sku"] for r in records], dtype="str"),
            "query": pd.Series([r["query"] for r in records], dtype="str"),
            "value": pd.Series([r["value"] for r in records], dtype=float),
            "context": [json.dumps(r["context"], separators=(",", ":")) for r in records],
        }
    )
    pd.testing.assert_frame_equal(parsed, world.events, check_dtype=False)


def test_products_json_recovers_the_clean_products_and_images_exist(written: tuple[DemoWorld, Path]) -> None:
    from PIL import Image

    world, root = written
    items = json.loads((root / "exports" / "products.json").read_text(encoding="utf-8"))
    assert len(items) == len(world.products)
    clean = world.products.set_index("product_id")
    for item in items[:200]:
        row = clean.loc[item["sku"]]
        attrs = json.loads(row["attrs"])
        assert item["title"] == {"en": row["name"], "zh": attrs["name_zh"]}
        assert parse_money(item["price"])[0] == pytest.approx(row["price"])
        assert item["price"].startswith("¥")
        assert item["cost"] == pytest.approx(row["cost"])
        assert item["attributes"] == {k: attrs[k] for k in ("color", "material", "sizes")}
        assert item["description"] == {"en": row["description"], "zh": attrs["description_zh"]}
        assert item["image"] == row["image_path"] == f"images/{item['sku']}.png"
        assert re.search(r"[\u4e00-\u9fff]", item["title"]["zh"])
    images = sorted((root / "exports" / "images").glob("*.png"))
    assert len(images) == len(world.products)
    with Image.open(images[0]) as image:
        assert image.size == (96, 96) and image.format == "PNG"


def _read_exposures_sqlite(path: Path) -> pd.DataFrame:
    with closing(sqlite3.connect(path)) as connection:
        return pd.read_sql_query("SELECT * FROM campaign_exposures ORDER BY rowid", connection)


def test_crm_sqlite_recovers_the_clean_exposures(written: tuple[DemoWorld, Path]) -> None:
    world, root = written
    path = root / "exports" / "crm.sqlite"
    with closing(sqlite3.connect(path)) as connection:
        declared = {row[1]: row[2] for row in connection.execute("PRAGMA table_info(campaign_exposures)")}
        stored = {
            row[0]
            for row in connection.execute("SELECT DISTINCT typeof(customer_id) FROM campaign_exposures")
        }
    assert declared == {
        "campaign_id": "TEXT",
        "customer_id": "TEXT",
        "arm": "TEXT",
        "assigned_at": "TEXT",
        "sent_at": "TEXT",
        "cost": "REAL",
    }
    assert stored == {"text"}  # stored as text, so the zeros survive
    raw = _read_exposures_sqlite(path)
    assert raw["customer_id"].str.fullmatch(r"\d{7}").all()
    assert raw["assigned_at"].str.endswith("Z").all()
    parsed = pd.DataFrame(
        {
            "campaign_id": raw["campaign_id"],
            "customer_id": raw["customer_id"],
            "arm": raw["arm"],
            "assigned_at": pd.to_datetime(raw["assigned_at"], utc=True).dt.as_unit("us"),
            "sent_at": pd.to_datetime(raw["sent_at"], utc=True).dt.as_unit("us"),
            "cost": raw["cost"].astype(float),
        }
    )
    pd.testing.assert_frame_equal(parsed, world.exposures, check_dtype=False)


def test_clean_parquet_round_trips_with_declared_types(written: tuple[DemoWorld, Path]) -> None:
    import pyarrow as pa

    world, root = written
    for name, frame in world.tables().items():
        table = pq.read_table(root / "truth" / "clean" / f"{name}.parquet")
        assert table.column_names == list(frame.columns)
        for field in table.schema:
            if pa.types.is_timestamp(field.type):
                assert field.type == pa.timestamp("us", tz="UTC"), (name, field.name)
            if field.name.endswith("_id"):
                assert pa.types.is_string(field.type), (name, field.name)
        assert table.num_rows == len(frame)
    customers = pq.read_table(root / "truth" / "clean" / "customers.parquet")
    assert customers.schema.field("birth_date").type == pa.date32()
    orders = pq.read_table(root / "truth" / "clean" / "orders.parquet").to_pandas()
    assert orders["customer_id"].str.startswith("0").all()
    assert not orders.duplicated().any()


def test_truth_files_describe_the_world(written: tuple[DemoWorld, Path]) -> None:
    _, root = written
    segments = pd.read_csv(root / "truth" / "segments.csv", dtype=str)
    assert list(segments.columns) == ["customer_id", "segment"] and len(segments) == 2_000
    assert segments["segment"].nunique() == 5
    params = json.loads((root / "truth" / "params.json").read_text(encoding="utf-8"))
    assert params["usd_to_cny"] == USD_TO_CNY and params["as_of"] == "2025-01-01T00:00:00Z"
    for spec in params["segments"].values():
        assert set(spec["bgnbd"]) >= {"r", "alpha", "a", "b"} and set(spec["gamma_gamma"]) >= {"p", "q", "v"}
        assert sum(spec["category_preference"].values()) == pytest.approx(1.0)
    rules = pd.read_csv(root / "truth" / "rules.csv")
    assert {
        "antecedent",
        "consequent",
        "level",
        "planted_lift",
        "realized_support",
        "realized_confidence",
        "realized_lift",
    } <= set(rules.columns)
    uplift = pd.read_csv(root / "truth" / "uplift.csv", dtype={"customer_id": str})
    assert list(uplift.columns) == [
        "customer_id",
        "campaign_id",
        "arm",
        "true_uplift_prob",
        "true_incremental_revenue",
    ]
    payment = json.loads((root / "truth" / "payment.json").read_text(encoding="utf-8"))
    assert set(payment["segments"]) == set(params["segments"])


def test_same_seed_writes_the_same_exports(tmp_path: Path) -> None:
    world = generate_world(150, seed=4)
    write_exports(world, tmp_path / "a")
    write_exports(generate_world(150, seed=4), tmp_path / "b")
    for name in ("orders.csv", "events.jsonl", "products.json", "crm.sqlite"):
        assert (tmp_path / "a" / "exports" / name).read_bytes() == (
            tmp_path / "b" / "exports" / name
        ).read_bytes()


# --- generate() and the CLI -----------------------------------------------------------------------


def test_generate_writes_exports_truth_and_config(tmp_path: Path) -> None:
    from aimass.demo import GENERATE_STAGES

    stages: list[str] = []
    world = generate(tmp_path / "demo", n_customers=150, seed=2, progress=stages.append)
    assert stages == list(GENERATE_STAGES)
    assert len(world.customers) == 150
    for name in (
        "exports/orders.csv",
        "truth/clean/orders.parquet",
        "aimass.toml",
        "mapping.yaml",
        "sources.yaml",
    ):
        assert (tmp_path / "demo" / name).is_file(), name
    with pytest.raises(ValueError, match="n_customers"):
        generate(tmp_path / "other", n_customers=10)
    assert not (tmp_path / "other").exists()


def test_cli_refuses_a_non_empty_folder_without_force(tmp_path: Path) -> None:
    from aimass.cli.demo import app

    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(app, ["generate", "--customers", "150", "--path", str(tmp_path)])
    assert result.exit_code == 1
    assert "not empty" in result.output and "--force" in result.output
    assert not (tmp_path / "exports").exists()


def test_cli_generates_with_force_and_rejects_bad_arguments(tmp_path: Path) -> None:
    from aimass.cli.demo import app

    runner = CliRunner()
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "stale.csv").write_text("old")
    result = runner.invoke(
        app, ["generate", "--customers", "150", "--seed", "3", "--path", str(tmp_path), "--force"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "exports" / "orders.csv").is_file() and not (
        tmp_path / "exports" / "stale.csv"
    ).exists()
    assert "orders.csv" in result.output
    bad = runner.invoke(app, ["generate", "--customers", "5", "--path", str(tmp_path / "new")])
    assert bad.exit_code == 1 and ">= 100" in bad.output
    missing = runner.invoke(app, ["api", "--path", str(tmp_path / "nothing")])
    assert missing.exit_code == 1 and "aimass demo generate" in missing.output
