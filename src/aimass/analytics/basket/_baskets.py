"""Baskets from ``core.orders``: one per order or per customer, of products or of a product attribute."""

from __future__ import annotations

from typing import Literal, get_args

import pandas as pd

from aimass.exceptions import ConfigError, SchemaError

__all__ = ["BasketLevel", "baskets_from_orders"]

#: What one basket is: the lines of one order, or everything one customer bought.
BasketLevel = Literal["order", "customer"]
_KEYS: dict[str, str] = {"order": "order_id", "customer": "customer_id"}


def baskets_from_orders(
    orders: pd.DataFrame,
    *,
    level: BasketLevel = "order",
    item: str = "product_id",
    products: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The (basket, item) pairs of ``core.orders``, ready for :func:`frequent_itemsets`.

    Parameters
    ----------
    orders : pandas.DataFrame
        Order lines with ``order_id`` or ``customer_id`` (per ``level``) and ``product_id``.
    level : {"order", "customer"}, default "order"
        One basket per order, or one per customer (every product they ever bought).
    item : str, default "product_id"
        The item of a line: a column of ``orders``, or of ``products`` (e.g. ``"category"``,
        ``"subcategory"``, ``"brand"``), looked up by ``product_id``.
    products : pandas.DataFrame, optional
        ``core.products``; needed when ``item`` is not a column of ``orders``.

    Returns
    -------
    pandas.DataFrame
        ``basket_id`` and ``item``, one row per distinct pair; lines whose item is unknown (a
        product missing from ``products``, or a missing attribute) are dropped.

    Raises
    ------
    ConfigError
        When ``level`` is not allowed or ``item`` is in neither frame.
    SchemaError
        When a needed column is missing.

    Examples
    --------
    >>> orders = pd.DataFrame({"order_id": ["o1", "o1", "o2"], "customer_id": ["c1", "c1", "c1"],
    ...                        "product_id": ["p1", "p2", "p1"]})
    >>> products = pd.DataFrame({"product_id": ["p1", "p2"], "category": ["shoes", "bags"]})
    >>> baskets_from_orders(orders, level="customer", item="category", products=products)
      basket_id   item
    0        c1  shoes
    1        c1   bags
    """
    if level not in _KEYS:
        raise ConfigError(f"`{level=}` is not a basket level; choose one of {list(get_args(BasketLevel))}")
    key = _KEYS[level]
    if key not in orders.columns:
        raise SchemaError(
            f"orders need a `{key}` column for level={level!r}; columns: {list(orders.columns)}"
        )
    if item in orders.columns:
        values = orders[item]
    else:
        if products is None or item not in products.columns:
            where = "orders" if products is None else "orders or products"
            raise ConfigError(
                f"`{item=}` is not a column of {where}; use a column of orders (e.g. 'product_id') or of "
                f"products (e.g. 'category', 'subcategory', 'brand') and pass `products=`"
            )
        if "product_id" not in orders.columns or "product_id" not in products.columns:
            raise SchemaError("orders and products both need `product_id` to look up a product attribute")
        lookup = products.drop_duplicates("product_id").set_index("product_id")[item]
        values = orders["product_id"].map(lookup)
    pairs = pd.DataFrame({"basket_id": orders[key].to_numpy(), "item": values.to_numpy()})
    pairs = pairs.dropna().drop_duplicates(ignore_index=True)
    return pairs
