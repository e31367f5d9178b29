"""Shared checks of the RFM, segmentation and cohort functions: columns, times, ``as_of``, orders."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from aimass.exceptions import ConfigError, SchemaError

__all__ = ["DAY_SECONDS", "order_level", "require_columns", "resolve_as_of", "to_utc"]

DAY_SECONDS = 86_400.0


def require_columns(frame: Any, columns: Iterable[str], what: str) -> pd.DataFrame:
    """Check that ``frame`` is a non-empty DataFrame holding ``columns``; return it."""
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise SchemaError(
            f"{what} lacks the column(s) {missing}; it has {list(frame.columns)} "
            "(pass the right names with customer_id=, ordered_at=, amount=, ...)"
        )
    if frame.empty:
        raise SchemaError(f"{what} is empty: at least one row is needed")
    return frame


def to_utc(values: pd.Series, name: str) -> pd.Series:
    """``values`` as tz-aware UTC timestamps (naive values are taken as UTC)."""
    try:
        if pd.api.types.is_datetime64_any_dtype(values):
            times = pd.to_datetime(values, utc=True)
        else:
            try:
                times = pd.to_datetime(values, utc=True, format="ISO8601")
            except (ValueError, TypeError):
                times = pd.to_datetime(values, utc=True, format="mixed")
    except (ValueError, TypeError) as error:
        raise SchemaError(f"column `{name}` must hold dates or timestamps: {error}") from None
    if times.isna().any():
        raise SchemaError(f"column `{name}` has {int(times.isna().sum())} missing timestamps")
    return times


def resolve_as_of(as_of: Any, times: pd.Series) -> pd.Timestamp:
    """The reference time: ``as_of`` (UTC), else midnight after the day of the last order.

    Raises
    ------
    ConfigError
        When ``as_of`` is not a date, or is on or before the first order.
    """
    if as_of is None:
        return pd.Timestamp(times.max()).floor("D") + pd.Timedelta(days=1)
    try:
        stamp = pd.Timestamp(as_of)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"`as_of`={as_of!r} is not a date or timestamp: {error}") from None
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    first = pd.Timestamp(times.min())
    if stamp <= first:
        raise ConfigError(
            f"`as_of`={stamp.isoformat()} is not after the first order ({first.isoformat()}): "
            "pass a time after at least one order, or None for the day after the last order"
        )
    return stamp


def order_level(
    orders: pd.DataFrame,
    *,
    customer_id: str,
    ordered_at: str,
    amount: str | None,
    order_id: str | None,
    as_of: Any,
    what: str = "orders",
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Collapse line items to one row per order, keep those before ``as_of``.

    Returns a frame with ``customer_id, order_id, ordered_at, amount, n_lines`` (the customer id
    as str) and the resolved ``as_of``. Without ``amount`` the amount is ``quantity * unit_price -
    discount`` when those columns exist. Without ``order_id`` (or when the column is absent) each
    (customer, timestamp) is one order.
    """
    needed = [customer_id, ordered_at]
    frame = require_columns(orders, needed, what)
    if frame[customer_id].isna().any():
        raise SchemaError(
            f"column `{customer_id}` of {what} has {int(frame[customer_id].isna().sum())} blanks"
        )
    times = to_utc(frame[ordered_at], ordered_at)
    money = _amount(frame, amount, what)
    resolved = resolve_as_of(as_of, times)
    oid: pd.Series
    if order_id is not None and order_id in frame.columns:
        oid = frame[order_id].astype(str)
    else:
        oid = frame[customer_id].astype(str) + "@" + times.astype(str)
    lines = pd.DataFrame(
        {
            "customer_id": frame[customer_id].astype(str).to_numpy(),
            "order_id": oid.to_numpy(),
            "ordered_at": times.reset_index(drop=True),
            "amount": money,
        }
    )
    lines = lines[lines["ordered_at"] < resolved]
    grouped = lines.groupby("order_id", sort=False)
    per_order = grouped.agg(
        customer_id=("customer_id", "first"),
        ordered_at=("ordered_at", "min"),
        amount=("amount", "sum"),
        n_lines=("amount", "size"),
    ).reset_index()
    return per_order[["customer_id", "order_id", "ordered_at", "amount", "n_lines"]], resolved


def _amount(frame: pd.DataFrame, amount: str | None, what: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    if amount is not None and amount in frame.columns:
        values = pd.to_numeric(frame[amount], errors="coerce")
    elif {"quantity", "unit_price"} <= set(frame.columns):
        values = pd.to_numeric(frame["quantity"], errors="coerce") * pd.to_numeric(
            frame["unit_price"], errors="coerce"
        )
        if "discount" in frame.columns:
            values = values - pd.to_numeric(frame["discount"], errors="coerce").fillna(0.0)
    else:
        raise SchemaError(
            f"{what} lacks the amount column {amount!r} and the quantity/unit_price columns to compute it; "
            f"it has {list(frame.columns)}"
        )
    result: np.ndarray[Any, np.dtype[np.float64]] = values.fillna(0.0).to_numpy(dtype=np.float64)
    return result
