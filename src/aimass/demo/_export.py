"""The messy exports: what a real company hands over, written under ``<path>/exports/``.

Every mess is recoverable into the clean tables exactly (see each writer); the random choices of
formats come from the world's ``"exports"`` stream, so the same seed writes the same bytes.

``orders.csv``
    UTF-8, comma separated, header ``Order No, Line, Customer ID, SKU, Order Date, Qty, Unit Price,
    Discount, Line Total, Channel, Payment, Coupon Code, Store``. ``Customer ID`` is the 7-digit
    zero-padded id. ``Order Date`` (minute precision) takes per row one of ``2024-03-05 14:22:00``,
    ``2024/3/5 14:22``, ``05.03.2024 14:22`` (day first), ``2024年3月5日 14:22``, ``March 5, 2024 2:22 PM``.
    Money takes per row one of ``¥1,234.50``, ``1234.50``, ``1,234.50元``, ``CNY 1234.5``; ``global_web``
    rows are in USD (``$12``, ``$1,234.50``, ``USD 12.00``; CNY = USD * 7.2). ``Channel`` and ``Payment``
    vary in casing and surrounding spaces (trim + lower-case gives the clean value). About 1% of rows
    are repeated right after themselves. ``Discount`` is empty for 90% of undiscounted lines (means 0),
    ``Coupon Code`` empty without coupon, ``Store`` empty outside stores, ``Channel`` empty where the
    clean channel is null (0.5% of orders).
``customers.xlsx``
    Sheet ``customers``: ``客户编号`` (text cell), ``注册日期`` (datetime cell), ``Birth Date`` (date
    cell or blank), ``Gender`` (``F``/``M`` with casing and spaces, or blank), ``Region``, ``City``,
    ``Channel``, ``Email`` (mixed case, 5% with surrounding spaces, or blank), ``Phone``
    (``138 1234 5678``, ``+86 13812345678`` or ``13812345678``, or blank).
``events.jsonl``
    One object per line: ``event_id, customer_id, session_id, type, ts`` (``2024-03-05T14:22:01Z``),
    ``sku, query, value, context {device, page, referrer}``.
``products.json``
    One array: ``sku, title {en, zh}, category, subcategory, brand, price`` (``¥1,299.00``), ``cost``,
    ``attributes {color, material, sizes}, description {en, zh}, image`` (``images/P00042.png``).
The exporter counts every problem it plants as it plants it (duplicate rows, date strings per
format, money strings with currency marks, messy labels, emails and phones, empty values) into
``world.truth.planted``, per export file and column; ``write_truth`` saves it as
``truth/planted.json``. A count of ``orders.csv`` is ``{"rows": ..., "unique_rows": ...}``: in the
file, and in the rows left once the repeated rows are removed.

``crm.sqlite``
    The CRM's SQLite database, loaded through the ``sql`` source: table ``campaign_exposures`` with
    ``campaign_id, customer_id, arm, assigned_at, sent_at`` (TEXT: ids keep their leading zeros, times
    ISO 8601 with ``Z``; ``sent_at`` NULL for control) and ``cost`` (REAL), keyed by
    ``(campaign_id, customer_id)``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from aimass.demo._spec import USD_TO_CNY

if TYPE_CHECKING:
    from aimass.demo._world import DemoWorld

__all__ = [
    "DATE_FORMATS",
    "EXPOSURES_TABLE",
    "ORDER_COLUMNS",
    "PHONE_FORMATS",
    "write_customers_xlsx",
    "write_events_jsonl",
    "write_exports",
    "write_exposures_sqlite",
    "write_orders_csv",
    "write_products_json",
]

ORDER_COLUMNS: tuple[str, ...] = (
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
)
CUSTOMER_COLUMNS: tuple[str, ...] = (
    "客户编号",
    "注册日期",
    "Birth Date",
    "Gender",
    "Region",
    "City",
    "Channel",
    "Email",
    "Phone",
)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DISPLAY = {
    "wechat_pay": "WeChat_Pay",
    "alipay": "AliPay",
    "apple_pay": "Apple_Pay",
    "global_web": "Global_Web",
}
#: Names of the ``Order Date`` formats, by style index (see the module docstring).
DATE_FORMATS: tuple[str, ...] = ("iso", "slashes", "day_first_dots", "chinese", "english_12h")
#: Names of the ``Phone`` formats, by style index.
PHONE_FORMATS: tuple[str, ...] = ("spaced", "plus_86", "digits")
_DUPLICATE_SHARE = 0.01
_EMPTY_ZERO_DISCOUNT_SHARE = 0.9


def write_exports(world: DemoWorld, path: str | Path) -> dict[str, Path]:
    """Write every messy export of ``world`` under ``<path>/exports/`` (images excepted).

    Parameters
    ----------
    world : DemoWorld
    path : str or pathlib.Path
        The demo folder; ``exports/`` is created inside it.

    Returns
    -------
    dict of str to pathlib.Path
        The files written, by name. The problems planted are in ``world.truth.planted``.
    """
    from aimass.demo._world import stream

    folder = Path(path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    rng = stream(world.seed, "exports")
    planted = world.truth.planted
    planted.clear()
    written = {
        "orders.csv": write_orders_csv(world, folder / "orders.csv", rng, planted),
        "customers.xlsx": write_customers_xlsx(world, folder / "customers.xlsx", rng, planted),
        "events.jsonl": write_events_jsonl(world.events, folder / "events.jsonl"),
        "products.json": write_products_json(world.products, folder / "products.json", planted),
        "crm.sqlite": write_exposures_sqlite(world.exposures, folder / "crm.sqlite"),
    }
    return written


def _thousands(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"


def _plain(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _short(cents: int) -> str:
    """``1234.5`` / ``1234`` (trailing zeros dropped)."""
    text = _plain(cents).rstrip("0").rstrip(".")
    return text


_CNY_STYLES = (
    lambda c: f"¥{_thousands(c)}",
    _plain,
    lambda c: f"{_thousands(c)}元",
    lambda c: f"CNY {_short(c)}",
)
_USD_STYLES = (
    lambda c: f"${_thousands(c).removesuffix('.00')}",
    lambda c: f"USD {_plain(c)}",
    lambda c: f"${_thousands(c)}",
)


def money_strings(
    cents: npt.NDArray[np.int64], usd: npt.NDArray[np.bool_], style: npt.NDArray[np.int64]
) -> list[str]:
    """Currency strings of ``cents`` (in the row's currency), one style per row."""
    return [
        (_USD_STYLES[s % 3] if u else _CNY_STYLES[s % 4])(int(c))
        for c, u, s in zip(cents.tolist(), usd.tolist(), style.tolist(), strict=True)
    ]


def _date_strings(times: pd.Series, style: npt.NDArray[np.int64]) -> list[str]:
    """Order dates in the five export formats, one per row."""
    stamp = pd.DatetimeIndex(times)
    parts = zip(
        stamp.year.tolist(),
        stamp.month.tolist(),
        stamp.day.tolist(),
        stamp.hour.tolist(),
        stamp.minute.tolist(),
        style.tolist(),
        strict=True,
    )
    out = []
    for y, mo, d, h, mi, s in parts:
        if s == 0:
            out.append(f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:00")
        elif s == 1:
            out.append(f"{y}/{mo}/{d} {h:02d}:{mi:02d}")
        elif s == 2:
            out.append(f"{d:02d}.{mo:02d}.{y} {h:02d}:{mi:02d}")
        elif s == 3:
            out.append(f"{y}年{mo}月{d}日 {h:02d}:{mi:02d}")
        else:
            out.append(f"{_MONTHS[mo - 1]} {d}, {y} {(h + 11) % 12 + 1}:{mi:02d} {'AM' if h < 12 else 'PM'}")
    return out


def _messy_labels(values: pd.Series, rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """Clean lower-case labels with random casing and surrounding spaces (``""`` where null)."""
    clean = values.fillna("").to_numpy(dtype=object)
    unique = sorted({v for v in clean if v})
    variants = {v: [v, v.upper(), _DISPLAY.get(v, v.title()), v.capitalize()] for v in unique}
    case = rng.integers(0, 4, clean.size)
    pad = rng.integers(0, 6, clean.size)
    pads = ("{}", "{}", "{}", " {} ", " {}", "{} ")
    out = np.full(clean.size, "", dtype=object)
    for i, (value, c, p) in enumerate(zip(clean.tolist(), case.tolist(), pad.tolist(), strict=True)):
        if value:
            out[i] = pads[p].format(variants[value][c])
    return out


class _Counter:
    """Counts of planted problems in ``orders.csv``: in the file and in its unique rows."""

    def __init__(self, repeat: npt.NDArray[np.int64]) -> None:
        self.repeat = repeat

    def __call__(self, mask: npt.NDArray[np.bool_]) -> dict[str, int]:
        return {"rows": int(self.repeat[mask].sum()), "unique_rows": int(mask.sum())}


def _label_counts(clean: pd.Series, written: npt.NDArray[np.object_], count: _Counter) -> dict[str, Any]:
    values = clean.fillna("").to_numpy(dtype=object)
    present = values != ""
    return {
        "clean_values": len({v for v in values.tolist() if v}),
        "spellings": len({v for v in written.tolist() if v}),
        "messy": count(present & (written != values)),
        "empty": count(~present),
    }


def _money_counts(
    usd: npt.NDArray[np.bool_], style: npt.NDArray[np.int64], empty: npt.NDArray[np.bool_], count: _Counter
) -> dict[str, Any]:
    plain = ~usd & (style % 4 == 1)  # _CNY_STYLES[1] is the only style without a currency mark
    return {
        "currency_strings": count(~plain & ~empty),
        "plain": count(plain & ~empty),
        "usd": count(usd & ~empty),
        "empty": count(empty),
    }


def write_orders_csv(
    world: DemoWorld, path: Path, rng: np.random.Generator, planted: dict[str, Any] | None = None
) -> Path:
    """Write ``orders.csv`` (see the module docstring for its formats).

    The problems it plants are counted into ``planted["orders.csv"]`` when ``planted`` is given.
    """
    orders = world.orders
    n = len(orders)
    usd = world.source.order_currency == "USD"

    def cents(column: str) -> npt.NDArray[np.int64]:
        values = orders[column].to_numpy(dtype=np.float64)
        return np.round(np.where(usd, values / USD_TO_CNY, values) * 100.0).astype(np.int64)

    style = rng.integers(0, 12, n)
    discount_cents = cents("discount")
    discount = np.array(money_strings(discount_cents, usd, style), dtype=object)
    no_discount = (discount_cents == 0) & (rng.random(n) < _EMPTY_ZERO_DISCOUNT_SHARE)
    discount[no_discount] = ""
    date_style = rng.integers(0, 5, n)  # the draws keep their order: same seed, same bytes
    channel = _messy_labels(orders["channel"], rng)
    payment = _messy_labels(orders["payment_method"], rng)
    frame = pd.DataFrame(
        {
            "Order No": orders["order_id"].to_numpy(dtype=object),
            "Line": orders["line_no"].astype(str).to_numpy(dtype=object),
            "Customer ID": orders["customer_id"].to_numpy(dtype=object),
            "SKU": orders["product_id"].to_numpy(dtype=object),
            "Order Date": _date_strings(orders["ordered_at"], date_style),
            "Qty": orders["quantity"].astype(np.int64).astype(str).to_numpy(dtype=object),
            "Unit Price": money_strings(cents("unit_price"), usd, style),
            "Discount": discount,
            "Line Total": money_strings(cents("amount"), usd, style),
            "Channel": channel,
            "Payment": payment,
            "Coupon Code": orders["coupon_id"].fillna("").to_numpy(dtype=object),
            "Store": orders["store_id"].fillna("").to_numpy(dtype=object),
        },
        dtype=object,
    )
    repeat = 1 + (rng.random(n) < _DUPLICATE_SHARE).astype(np.int64)
    frame = frame.iloc[np.repeat(np.arange(n), repeat)]
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    if planted is not None:
        count = _Counter(repeat)
        none = np.zeros(n, dtype=bool)
        planted["orders.csv"] = {
            "rows": int(repeat.sum()),
            "unique_rows": n,
            "duplicate_rows": int((repeat > 1).sum()),
            "columns": {
                "Order Date": {
                    "formats": {name: count(date_style == i) for i, name in enumerate(DATE_FORMATS)},
                    "not_iso": count(date_style != 0),
                },
                "Unit Price": _money_counts(usd, style, none, count),
                "Discount": _money_counts(usd, style, no_discount, count),
                "Line Total": _money_counts(usd, style, none, count),
                "Channel": _label_counts(orders["channel"], channel, count),
                "Payment": _label_counts(orders["payment_method"], payment, count),
                "Coupon Code": {"empty": count(orders["coupon_id"].isna().to_numpy())},
                "Store": {"empty": count(orders["store_id"].isna().to_numpy())},
            },
        }
    return path


def _messy_email(email: str, case: int, spaced: bool) -> str:
    local, _, domain = email.partition("@")
    if case == 1:
        local = ".".join(part.capitalize() for part in local.split("."))
        domain = domain.upper()
    elif case == 2:
        local = local.upper()
    return f"  {local}@{domain} " if spaced else f"{local}@{domain}"


def _messy_phone(digits: str, style: int) -> str:
    if style == 0:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if style == 1:
        return f"+86 {digits}"
    return digits


def write_customers_xlsx(
    world: DemoWorld, path: Path, rng: np.random.Generator, planted: dict[str, Any] | None = None
) -> Path:
    """Write ``customers.xlsx`` with xlsxwriter (text ids, real date cells, messy contacts).

    The problems it plants are counted into ``planted["customers.xlsx"]`` when ``planted`` is given.
    """
    import xlsxwriter

    customers = world.customers
    contacts = world.source.contacts.set_index("customer_id").loc[customers["customer_id"]]
    n = len(customers)
    gender_variants = {"F": ("F", "f", " F", "F "), "M": ("M", "m", " M", "M ")}
    gender_pick = rng.integers(0, 4, n)
    email_case = rng.integers(0, 3, n)
    email_spaced = rng.random(n) < 0.05
    phone_style = rng.integers(0, 3, n)
    signup = customers["signup_at"].dt.tz_convert(None).dt.to_pydatetime()
    birth = customers["birth_date"]

    genders: set[str] = set()
    tally = {"gender_messy": 0, "gender_blank": 0, "birth_blank": 0, "email_blank": 0, "email_messy": 0}
    phones = dict.fromkeys((*PHONE_FORMATS, "blank"), 0)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        sheet = workbook.add_worksheet("customers")
        stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        for col, name in enumerate(CUSTOMER_COLUMNS):
            sheet.write_string(0, col, name)
        rows = zip(
            customers["customer_id"].tolist(),
            signup,
            birth.tolist(),
            customers["gender"].tolist(),
            customers["region"].tolist(),
            customers["city"].tolist(),
            customers["channel"].tolist(),
            contacts["email"].tolist(),
            contacts["phone"].tolist(),
            strict=True,
        )
        for i, (cid, signed, born, gender, region, city, channel, email, phone) in enumerate(rows):
            r = i + 1
            sheet.write_string(r, 0, cid)
            sheet.write_datetime(r, 1, signed, stamp)
            if pd.isna(born):
                sheet.write_blank(r, 2, None)
                tally["birth_blank"] += 1
            else:
                sheet.write_datetime(r, 2, born.to_pydatetime(), day)
            if isinstance(gender, str):
                spelled = gender_variants[gender][gender_pick[i]]
                sheet.write_string(r, 3, spelled)
                genders.add(spelled)
                tally["gender_messy"] += spelled != gender
            else:
                sheet.write_blank(r, 3, None)
                tally["gender_blank"] += 1
            sheet.write_string(r, 4, region)
            sheet.write_string(r, 5, city)
            sheet.write_string(r, 6, channel)
            if isinstance(email, str):
                messy = _messy_email(email, int(email_case[i]), bool(email_spaced[i]))
                sheet.write_string(r, 7, messy)
                tally["email_messy"] += messy != email
            else:
                sheet.write_blank(r, 7, None)
                tally["email_blank"] += 1
            if isinstance(phone, str):
                sheet.write_string(r, 8, _messy_phone(phone, int(phone_style[i])))
                phones[PHONE_FORMATS[int(phone_style[i])]] += 1
            else:
                sheet.write_blank(r, 8, None)
                phones["blank"] += 1
    finally:
        workbook.close()
    if planted is not None:
        planted["customers.xlsx"] = {
            "rows": n,
            "columns": {
                "Birth Date": {"empty": tally["birth_blank"]},
                "Gender": {
                    "clean_values": int(customers["gender"].nunique()),
                    "spellings": len(genders),
                    "messy": tally["gender_messy"],
                    "empty": tally["gender_blank"],
                },
                "Email": {"messy": tally["email_messy"], "empty": tally["email_blank"]},
                "Phone": {
                    "formats": {name: phones[name] for name in PHONE_FORMATS},
                    "not_digits": phones["spaced"] + phones["plus_86"],
                    "empty": phones["blank"],
                },
            },
        }
    return path


def write_events_jsonl(events: pd.DataFrame, path: Path) -> Path:
    """Write ``events.jsonl`` with polars (nested ``context``, ``ts`` in ISO 8601 with ``Z``)."""
    import polars as pl

    codes, uniques = pd.factorize(events["context"])
    parsed = [json.loads(text) for text in uniques]

    def part(key: str) -> npt.NDArray[np.object_]:
        return np.array([p[key] for p in parsed], dtype=object)[codes]

    micros = events["occurred_at"].dt.as_unit("us").astype("int64").to_numpy()
    frame = pl.DataFrame(
        {
            "event_id": events["event_id"].to_numpy(dtype=object),
            "customer_id": events["customer_id"].astype(object).where(events["customer_id"].notna(), None),
            "session_id": events["session_id"].to_numpy(dtype=object),
            "type": events["event_type"].to_numpy(dtype=object),
            "ts": pl.Series(micros).cast(pl.Datetime("us")).dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sku": events["product_id"].astype(object).where(events["product_id"].notna(), None),
            "query": events["query"].astype(object).where(events["query"].notna(), None),
            "value": events["value"].to_numpy(dtype=np.float64),
            "device": part("device"),
            "page": part("page"),
            "referrer": part("referrer"),
        },
        schema_overrides={"customer_id": pl.String, "sku": pl.String, "query": pl.String},
        nan_to_null=True,
    )
    frame = frame.select(
        "event_id",
        "customer_id",
        "session_id",
        "type",
        "ts",
        "sku",
        "query",
        "value",
        pl.struct("device", "page", "referrer").alias("context"),
    )
    frame.write_ndjson(path)
    return path


def write_products_json(products: pd.DataFrame, path: Path, planted: dict[str, Any] | None = None) -> Path:
    """Write ``products.json``: one array of nested product objects, prices as ``¥`` strings.

    The price strings are counted into ``planted["products.json"]`` when ``planted`` is given.
    """
    items = []
    for row in products.to_dict(orient="records"):
        attrs = json.loads(str(row["attrs"]))
        cents = round(float(row["price"]) * 100)
        items.append(
            {
                "sku": row["product_id"],
                "title": {"en": row["name"], "zh": attrs["name_zh"]},
                "category": row["category"],
                "subcategory": row["subcategory"],
                "brand": row["brand"],
                "price": f"¥{_thousands(cents)}",
                "cost": float(row["cost"]),
                "attributes": {
                    "color": attrs["color"],
                    "material": attrs["material"],
                    "sizes": attrs["sizes"],
                },
                "description": {"en": row["description"], "zh": attrs["description_zh"]},
                "image": row["image_path"],
            }
        )
    path.write_text(json.dumps(items, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if planted is not None:
        marked = sum(not item["price"][:1].isdigit() for item in items)
        planted["products.json"] = {"rows": len(items), "columns": {"price": {"currency_strings": marked}}}
    return path


def _iso(times: pd.Series) -> list[str]:
    return [t.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(t, pd.Timestamp) else "" for t in times]


EXPOSURES_TABLE = "campaign_exposures"
_EXPOSURES_DDL = f"""\
CREATE TABLE {EXPOSURES_TABLE} (
    campaign_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    arm TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    sent_at TEXT,
    cost REAL NOT NULL,
    PRIMARY KEY (campaign_id, customer_id)
)"""


def write_exposures_sqlite(exposures: pd.DataFrame, path: Path) -> Path:
    """Write ``crm.sqlite`` with the table ``campaign_exposures`` (see the module docstring).

    The database is built beside ``path`` and moved into place, so a re-run replaces it whole; the
    same exposures give the same bytes.
    """
    partial = path.with_name(f".{path.name}.part")
    partial.unlink(missing_ok=True)
    sent = _iso(exposures["sent_at"])
    rows = zip(
        exposures["campaign_id"].astype(str).tolist(),
        exposures["customer_id"].astype(str).tolist(),
        exposures["arm"].astype(str).tolist(),
        _iso(exposures["assigned_at"]),
        [value or None for value in sent],
        [round(float(c), 2) for c in exposures["cost"].tolist()],
        strict=True,
    )
    connection = sqlite3.connect(partial)
    try:
        with connection:
            connection.execute(_EXPOSURES_DDL)
            connection.executemany(f"INSERT INTO {EXPOSURES_TABLE} VALUES (?, ?, ?, ?, ?, ?)", rows)
    finally:
        connection.close()
    os.replace(partial, path)
    return path
