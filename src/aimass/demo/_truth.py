"""The truth, written under ``<path>/truth/``.

``segments.csv``
    ``customer_id, segment``.
``params.json``
    Per segment: share, BG/NBD ``r, alpha, a, b`` (per day), Gamma-Gamma ``p, q, v``, category
    preference, price tier and sensitivity, channel, payment, device and acquisition tables, demographics
    and the campaign effects; the population mixture; the campaigns' design; the planted rules; the USD
    rate and ``as_of``; and realized summaries (orders, lines, events, per-segment shares and means).
``rules.csv``
    ``antecedent, consequent, level, planted_confidence, planted_lift, realized_support,
    realized_confidence, realized_lift`` (items of an antecedent joined by ``+``).
``uplift.csv``
    ``customer_id, campaign_id, arm, true_uplift_prob, true_incremental_revenue`` for every customer of
    a campaign's audience and every non-control arm.
``payment.json``
    Payment preference per segment, and the realized shares per segment and channel.
``latent.csv``
    Per customer the latent draws (see :class:`aimass.demo.DemoTruth`).
``planted.json``
    The problems the messy exports plant, per export file and column, counted as they were
    written (``DemoTruth.planted``; see :mod:`aimass.demo._export`). Written when the exports were.
``clean/<table>.parquet``
    The clean canonical tables: ids as strings, timestamps in microseconds UTC, ``birth_date`` as a date,
    money as float64 CNY, ``attrs``/``context`` as JSON text.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from aimass.demo._world import DemoWorld

__all__ = ["CLEAN_SCHEMAS", "write_clean_table", "write_truth"]

_TS = pa.timestamp("us", tz="UTC")
_S = pa.string()
_F = pa.float64()

CLEAN_SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema(
        [
            ("customer_id", _S),
            ("signup_at", _TS),
            ("birth_date", pa.date32()),
            ("gender", _S),
            ("region", _S),
            ("city", _S),
            ("channel", _S),
            ("email_hash", _S),
            ("phone_hash", _S),
        ]
    ),
    "products": pa.schema(
        [
            ("product_id", _S),
            ("name", _S),
            ("category", _S),
            ("subcategory", _S),
            ("brand", _S),
            ("price", _F),
            ("cost", _F),
            ("description", _S),
            ("image_path", _S),
            ("attrs", _S),
        ]
    ),
    "orders": pa.schema(
        [
            ("order_id", _S),
            ("line_no", pa.int64()),
            ("customer_id", _S),
            ("product_id", _S),
            ("ordered_at", _TS),
            ("quantity", _F),
            ("unit_price", _F),
            ("discount", _F),
            ("amount", _F),
            ("channel", _S),
            ("payment_method", _S),
            ("coupon_id", _S),
            ("store_id", _S),
        ]
    ),
    "events": pa.schema(
        [
            ("event_id", _S),
            ("customer_id", _S),
            ("session_id", _S),
            ("event_type", _S),
            ("occurred_at", _TS),
            ("product_id", _S),
            ("query", _S),
            ("value", _F),
            ("context", _S),
        ]
    ),
    "campaigns": pa.schema(
        [
            ("campaign_id", _S),
            ("name", _S),
            ("starts_at", _TS),
            ("ends_at", _TS),
            ("channel", _S),
            ("offer_type", _S),
            ("offer_value", _F),
            ("unit_cost", _F),
            ("budget", _F),
        ]
    ),
    "exposures": pa.schema(
        [
            ("campaign_id", _S),
            ("customer_id", _S),
            ("arm", _S),
            ("assigned_at", _TS),
            ("sent_at", _TS),
            ("cost", _F),
        ]
    ),
}


def write_clean_table(frame: pd.DataFrame, name: str, path: str | Path) -> Path:
    """Write one clean table as Parquet with its declared schema (``CLEAN_SCHEMAS[name]``)."""
    schema = CLEAN_SCHEMAS[name]
    columns = [pa.array(frame[field.name], from_pandas=True).cast(field.type) for field in schema]
    table = pa.Table.from_arrays(columns, schema=schema)
    target = Path(path)
    pq.write_table(table, target)
    return target


def _write_json(data: dict[str, Any], path: Path) -> Path:
    text = json.dumps(_json_safe(data), indent=2, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _json_safe(value: object) -> object:
    """``value`` with numpy scalars as Python numbers and NaN as ``null`` (tiny worlds leave gaps)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_truth(world: DemoWorld, path: str | Path) -> dict[str, Path]:
    """Write the truth files and the clean tables of ``world`` under ``<path>/truth/``.

    Parameters
    ----------
    world : DemoWorld
    path : str or pathlib.Path
        The demo folder; ``truth/`` and ``truth/clean/`` are created inside it.

    Returns
    -------
    dict of str to pathlib.Path
        The files written, by name relative to ``truth/``.
    """
    folder = Path(path) / "truth"
    clean = folder / "clean"
    clean.mkdir(parents=True, exist_ok=True)
    truth = world.truth
    written: dict[str, Path] = {}
    for name, frame in (
        ("segments.csv", truth.segments),
        ("rules.csv", truth.rules),
        ("uplift.csv", truth.uplift),
        ("latent.csv", _latent_csv(truth.latent)),
    ):
        frame.to_csv(folder / name, index=False, encoding="utf-8", lineterminator="\n")
        written[name] = folder / name
    written["params.json"] = _write_json(truth.params, folder / "params.json")
    written["payment.json"] = _write_json(truth.payment, folder / "payment.json")
    if truth.planted:
        written["planted.json"] = _write_json(truth.planted, folder / "planted.json")
    for name, frame in world.tables().items():
        written[f"clean/{name}.parquet"] = write_clean_table(frame, name, clean / f"{name}.parquet")
    return written


def _latent_csv(latent: pd.DataFrame) -> pd.DataFrame:
    out = latent.copy()
    for column in ("first_purchase_at", "dropout_at"):
        out[column] = out[column].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out
