"""Per-customer behaviour features: RFM, category mix, price level, discounts, channel, trend."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from aimass.analytics.rfm._common import DAY_SECONDS, require_columns, resolve_as_of, to_utc
from aimass.exceptions import ConfigError, SchemaError

__all__ = ["customer_features"]


def _slug(value: Any) -> str:
    text = re.sub(r"[^0-9a-zA-Z]+", "_", str(value).strip().lower()).strip("_")
    return text or "blank"


def _smooth(share: pd.Series, n: pd.Series, prior: float) -> pd.Series:
    """``share`` of ``n`` draws pulled toward the population mean as if ``prior`` more draws were at it."""
    if prior == 0:
        return share
    return (share * n + prior * float(share.mean())) / (n + prior)


def _shares(keys: pd.Series, levels: pd.Series, prefix: str, min_share: float, prior: float) -> pd.DataFrame:
    """Per customer, the (smoothed) share of their lines per level; rare levels are pooled as ``other``."""
    codes, uniques = pd.factorize(levels.fillna("blank").astype(str))
    slugs = np.array([_slug(value) for value in uniques] or ["blank"], dtype=object)
    values = pd.Series(slugs[codes] if len(codes) else [], index=levels.index, dtype=object)
    overall = values.value_counts(normalize=True)
    rare = overall.index[overall < min_share]
    if len(rare):
        values = values.where(~values.isin(rare), "other")
    counts = values.groupby([keys.to_numpy(), values.to_numpy()]).size().unstack(fill_value=0)
    n = counts.sum(axis=1)
    table = counts.div(n, axis=0)
    if "other" in table.columns and table["other"].mean() < min_share:
        table = table.drop(columns="other")
    table = table.apply(lambda column: _smooth(column, n, prior))
    return table.add_prefix(prefix)


def customer_features(
    orders: pd.DataFrame,
    products: pd.DataFrame | None = None,
    *,
    as_of: Any = None,
    customer_id: str = "customer_id",
    ordered_at: str = "ordered_at",
    amount: str | None = "amount",
    order_id: str | None = "order_id",
    product_id: str = "product_id",
    category: str = "category",
    price_group: str = "subcategory",
    trend_days: float = 180.0,
    min_share: float = 0.02,
    prior_strength: float = 1.0,
) -> pd.DataFrame:
    """One row of behaviour features per customer, for :class:`Segmenter` and for profiles.

    Columns (those whose inputs are missing are left out):

    - ``recency_days``: days from the last order to ``as_of``;
    - ``orders``: distinct orders; ``avg_order_value``: mean order amount;
    - ``lines_per_order``: mean order lines per order;
    - ``price_index``: geometric mean over the customer's lines of ``unit_price`` / the median list
      price of the product's ``price_group`` (``products.price``; else the median ``unit_price``
      paid for that group), so 1.0 is a typical price and 1.5 half as dear again;
    - ``discount_share``: share of lines with ``discount > 0``; ``coupon_share``: share of orders
      with a ``coupon_id``;
    - ``recency_trend``: orders per day over the last ``trend_days`` (or the customer's whole
      history, when shorter) divided by orders per day over their whole history: above 1 the
      customer is buying more often lately, 0 means no order in the window;
    - ``category_<name>``: share of lines per product category (``products.category``);
    - ``channel_<name>``: share of lines per ``orders.channel``.

    Levels of a category or channel under ``min_share`` of all lines are pooled as ``other``.
    Shares and the price index are smoothed toward the population (empirical Bayes): a customer's
    share of ``k`` of ``n`` lines is ``(k + s * p) / (n + s)`` with ``p`` the mean share and ``s``
    = ``prior_strength`` (orders for ``coupon_share``), and the log price index is multiplied by
    ``n / (n + s)``, so that a one-line customer is not put at the corner of the feature space.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order line (``core.orders``).
    products : pandas.DataFrame, optional
        ``core.products`` (``product_id``, ``category``, ``subcategory``, ``price``), for the
        category mix and the price reference.
    as_of : date-like, optional
        Reference time; default midnight after the day of the last order. Later orders are ignored.
    customer_id, ordered_at, amount, order_id, product_id, category, price_group : str
        Column names.
    trend_days : float, default 180
        Window of ``recency_trend``.
    min_share : float, default 0.02
        Levels rarer than this are pooled.
    prior_strength : float, default 1
        Weight of the population in the smoothed shares (0: raw shares).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (str, sorted); float64 columns as above, no missing values.

    Raises
    ------
    SchemaError
        Missing columns or empty input.
    ConfigError
        ``as_of`` on or before the first order, or bad ``trend_days`` / ``min_share``.
    """
    if not trend_days > 0:
        raise ConfigError(f"`trend_days`={trend_days!r} must be > 0")
    if not 0 <= min_share < 1:
        raise ConfigError(f"`min_share`={min_share!r} must be in [0, 1)")
    if not prior_strength >= 0:
        raise ConfigError(f"`prior_strength`={prior_strength!r} must be >= 0")
    frame = require_columns(orders, [customer_id, ordered_at], "orders")
    times = to_utc(frame[ordered_at], ordered_at)
    resolved = resolve_as_of(as_of, times)
    keep = (times < resolved).to_numpy()
    lines = frame.loc[keep].copy()
    lines["_at"] = times[keep]
    lines["_customer"] = lines[customer_id].astype(str)
    if amount is not None and amount in lines.columns:
        lines["_amount"] = pd.to_numeric(lines[amount], errors="coerce").fillna(0.0)
    elif {"quantity", "unit_price"} <= set(lines.columns):
        discount = lines["discount"].fillna(0.0) if "discount" in lines.columns else 0.0
        lines["_amount"] = lines["quantity"] * lines["unit_price"] - discount
    else:
        raise SchemaError(
            f"orders lack the amount column {amount!r} and quantity/unit_price; "
            f"they have {list(frame.columns)}"
        )
    if order_id is not None and order_id in lines.columns:
        lines["_order"] = lines[order_id].astype(str)
    else:
        lines["_order"] = lines["_customer"] + "@" + lines["_at"].astype(str)

    per_order = lines.groupby("_order", sort=False).agg(
        customer=("_customer", "first"),
        at=("_at", "min"),
        amount=("_amount", "sum"),
        n_lines=("_amount", "size"),
    )
    by_customer = per_order.groupby("customer", sort=True)
    first, last, n_orders = by_customer["at"].min(), by_customer["at"].max(), by_customer.size()
    features = pd.DataFrame(index=pd.Index(n_orders.index.astype(str), name="customer_id"))
    features["recency_days"] = ((resolved - last).dt.total_seconds() / DAY_SECONDS).to_numpy()
    features["orders"] = n_orders.to_numpy(dtype=np.float64)
    features["avg_order_value"] = by_customer["amount"].mean().to_numpy()
    features["lines_per_order"] = by_customer["n_lines"].mean().to_numpy()

    product_table = None
    if products is not None and product_id in lines.columns:
        product_table = require_columns(products, [product_id], "products").drop_duplicates(product_id)
        product_table = product_table.set_index(product_table[product_id].astype(str))
    n_lines = lines.groupby("_customer", sort=True).size()
    if "unit_price" in lines.columns and product_id in lines.columns:
        log_index = _log_price_index(lines, product_table, product_id, price_group)
        features["price_index"] = np.exp(log_index * n_lines / (n_lines + prior_strength)).to_numpy()
    if "discount" in lines.columns:
        discounted = (pd.to_numeric(lines["discount"], errors="coerce").fillna(0.0) > 0).astype(float)
        share = discounted.groupby(lines["_customer"], sort=True).mean()
        features["discount_share"] = _smooth(share, n_lines, prior_strength).to_numpy()
    if "coupon_id" in lines.columns:
        coupon = lines["coupon_id"].notna().groupby(lines["_order"]).any()
        per_order["coupon"] = coupon.reindex(per_order.index).astype(float)
        share = per_order.groupby("customer", sort=True)["coupon"].mean()
        features["coupon_share"] = _smooth(share, n_orders, prior_strength).to_numpy()

    tenure = ((resolved - first).dt.total_seconds() / DAY_SECONDS).clip(lower=1.0)
    window = np.minimum(tenure, trend_days)
    start = resolved - pd.to_timedelta(window.to_numpy(), unit="D")
    recent = (
        (per_order["at"] >= per_order["customer"].map(pd.Series(start, index=window.index)))
        .groupby(per_order["customer"])
        .sum()
    )
    features["recency_trend"] = ((recent / window) / (n_orders / tenure)).to_numpy()

    if product_table is not None and category in product_table.columns:
        cats = lines[product_id].astype(str).map(product_table[category])
        features = features.join(_shares(lines["_customer"], cats, "category_", min_share, prior_strength))
    if "channel" in lines.columns:
        features = features.join(
            _shares(lines["_customer"], lines["channel"], "channel_", min_share, prior_strength)
        )
    return features.fillna(0.0).astype(np.float64)


def _log_price_index(
    lines: pd.DataFrame, products: pd.DataFrame | None, product_id: str, price_group: str
) -> pd.Series:
    pids = lines[product_id].astype(str)
    price = pd.to_numeric(lines["unit_price"], errors="coerce")
    if products is not None and price_group in products.columns:
        group = pids.map(products[price_group]).fillna(pids)
    else:
        group = pids
    if products is not None and "price" in products.columns and price_group in products.columns:
        reference = pd.to_numeric(products["price"], errors="coerce").groupby(products[price_group]).median()
        ref = group.map(reference)
    else:
        ref = pd.Series(np.nan, index=lines.index)
    paid = price.groupby(group).transform("median")
    ref = ref.where(ref > 0, paid)
    ratio = pd.Series(np.log((price / ref).to_numpy(dtype=np.float64)), index=lines.index)
    ratio = ratio.where(np.isfinite(ratio), 0.0)
    result: pd.Series = ratio.groupby(lines["_customer"], sort=True).mean()
    return result
