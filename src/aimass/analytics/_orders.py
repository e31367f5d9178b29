"""Small helpers over ``core.orders`` frames that several analyses share."""

from __future__ import annotations

import pandas as pd

__all__ = ["line_amounts"]


def line_amounts(orders: pd.DataFrame) -> pd.Series:
    """Net amount per order line: ``amount`` where given, else ``quantity * unit_price - discount``.

    Examples
    --------
    >>> frame = pd.DataFrame({"quantity": [2, 1], "unit_price": [5.0, 8.0], "discount": [1.0, None],
    ...                       "amount": [None, 7.5]})
    >>> line_amounts(frame).tolist()
    [9.0, 7.5]
    """
    gross = orders["quantity"].astype("float64") * orders["unit_price"].astype("float64")
    if "discount" in orders.columns:
        gross = gross - orders["discount"].astype("float64").fillna(0.0)
    if "amount" in orders.columns:
        return orders["amount"].astype("float64").fillna(gross)
    return gross
