"""Per-customer and per-order tables for driver analysis and group tests, from ``core.*`` frames."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aimass.analytics._orders import line_amounts
from aimass.exceptions import SchemaError

__all__ = ["driver_features", "order_values"]

_UNKNOWN = "unknown"


def order_values(orders: pd.DataFrame) -> pd.DataFrame:
    """One row per order: ``order_id``, ``customer_id``, ``ordered_at``, ``value`` (net) and ``channel``.

    Parameters
    ----------
    orders : pandas.DataFrame
        ``core.orders`` (one row per line).

    Returns
    -------
    pandas.DataFrame
        The order's channel is its first line's (``"unknown"`` when missing).
    """
    needed = {"order_id", "customer_id", "ordered_at", "quantity", "unit_price"}
    if not needed <= set(orders.columns):
        raise SchemaError(
            f"orders need columns {sorted(needed)}; missing {sorted(needed - set(orders.columns))}"
        )
    frame = pd.DataFrame(
        {
            "order_id": orders["order_id"].astype(str),
            "customer_id": orders["customer_id"].astype(str),
            "ordered_at": pd.to_datetime(orders["ordered_at"], utc=True),
            "value": line_amounts(orders).to_numpy(),
            "channel": (orders["channel"] if "channel" in orders.columns else pd.Series(np.nan, orders.index))
            .astype(object)
            .where(lambda s: s.notna(), _UNKNOWN)
            .astype(str)
            .to_numpy(),
        }
    )
    grouped = frame.groupby("order_id", sort=False)
    out = grouped.agg(
        customer_id=("customer_id", "first"),
        ordered_at=("ordered_at", "min"),
        value=("value", "sum"),
        channel=("channel", "first"),
    )
    return out.reset_index()


def driver_features(
    customers: pd.DataFrame | None, orders: pd.DataFrame, *, as_of: pd.Timestamp | None = None
) -> pd.DataFrame:
    """A feature table of every customer with at least one order.

    Parameters
    ----------
    customers : pandas.DataFrame, optional
        ``core.customers``; its ``region``, ``channel`` (acquisition), ``gender`` and ``birth_date``
        are used when present (missing text becomes ``"unknown"``).
    orders : pandas.DataFrame
        ``core.orders`` (one row per line).
    as_of : pandas.Timestamp, optional
        End of the observation period; default the day after the last order (UTC midnight).

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``spend`` (net, whole period), ``log_spend`` (``log1p``), ``n_orders``,
        ``aov``, ``repeat`` (bool: 2+ orders), ``tenure_days`` (since the first order),
        ``discount_share`` (discount / gross value), ``coupon_order_share``,
        ``store_order_share`` (orders in the ``store`` channel), and from customers ``region``,
        ``channel``, ``gender`` and ``age`` (years at ``as_of``).
    """
    stamps = pd.to_datetime(orders["ordered_at"], utc=True)
    if as_of is None:
        as_of = stamps.max().floor("D") + pd.Timedelta(days=1)
    per_order = order_values(orders)
    lines = pd.DataFrame(
        {
            "customer_id": orders["customer_id"].astype(str).to_numpy(),
            "gross": (
                orders["quantity"].astype("float64") * orders["unit_price"].astype("float64")
            ).to_numpy(),
            "discount": (
                orders["discount"].astype("float64").fillna(0.0).to_numpy()
                if "discount" in orders.columns
                else np.zeros(len(orders))
            ),
        }
    )
    money = lines.groupby("customer_id").agg(gross=("gross", "sum"), discount=("discount", "sum"))
    if "coupon_id" in orders.columns:
        coupon = orders.assign(has=orders["coupon_id"].notna()).groupby("order_id")["has"].any()
        per_order["coupon"] = per_order["order_id"].map(coupon).fillna(False).to_numpy(dtype=bool)
    else:
        per_order["coupon"] = False
    per_order["store"] = per_order["channel"] == "store"
    agg = per_order.groupby("customer_id").agg(
        spend=("value", "sum"),
        n_orders=("order_id", "size"),
        first_order=("ordered_at", "min"),
        coupon_order_share=("coupon", "mean"),
        store_order_share=("store", "mean"),
    )
    agg = agg.join(money)
    out = pd.DataFrame(index=agg.index)
    out["spend"] = agg["spend"].astype("float64")
    out["log_spend"] = np.log1p(out["spend"].clip(lower=0.0))
    out["n_orders"] = agg["n_orders"].astype("int64")
    out["aov"] = out["spend"] / out["n_orders"]
    out["repeat"] = out["n_orders"] >= 2
    out["tenure_days"] = (as_of - agg["first_order"]).dt.total_seconds() / 86_400.0
    out["discount_share"] = np.where(
        agg["gross"] > 0, agg["discount"] / agg["gross"].where(agg["gross"] > 0), 0.0
    )
    out["coupon_order_share"] = agg["coupon_order_share"].astype("float64")
    out["store_order_share"] = agg["store_order_share"].astype("float64")
    if customers is not None and "customer_id" in customers.columns:
        people = customers.drop_duplicates("customer_id").set_index(customers["customer_id"].astype(str))
        for column in ("region", "channel", "gender"):
            if column in people.columns:
                text = people[column].reindex(out.index).astype(object)
                out[column] = text.where(text.notna(), _UNKNOWN).astype(str)
        if "birth_date" in people.columns:
            born = pd.to_datetime(people["birth_date"].reindex(out.index), errors="coerce")
            if born.dt.tz is None:
                born = born.dt.tz_localize("UTC")
            out["age"] = (as_of - born).dt.days / 365.25
    out.index.name = "customer_id"
    return out.reset_index()
