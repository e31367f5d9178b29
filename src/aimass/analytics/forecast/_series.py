"""Sales series from canonical orders: revenue or units per day or week, in total or per group."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from aimass.analytics._orders import line_amounts
from aimass.exceptions import ConfigError, SchemaError

__all__ = ["Frequency", "Measure", "SeriesBy", "sales_series", "series_label"]

Frequency = Literal["D", "W"]
Measure = Literal["revenue", "units"]
SeriesBy = Literal["category", "store_id"]

_FREQUENCIES = ("D", "W")
_MEASURES = ("revenue", "units")
_BY = ("category", "store_id")
_LABEL_PREFIX = {"category": "category", "store_id": "store"}


def series_label(by: str | None, value: object = None) -> str:
    """The name of a series: ``"total"``, ``"category=shoes"`` or ``"store=ST01"``."""
    if by is None:
        return "total"
    return f"{_LABEL_PREFIX.get(by, by)}={value}"


def _line_values(orders: pd.DataFrame, measure: str) -> pd.Series:
    if measure == "units":
        return orders["quantity"].astype("float64")
    return line_amounts(orders)


def sales_series(
    orders: pd.DataFrame,
    products: pd.DataFrame | None = None,
    *,
    by: SeriesBy | None = None,
    freq: Frequency = "D",
    measure: Measure = "revenue",
    top_n: int | None = None,
) -> pd.DataFrame:
    """Revenue or units per day or week, for the total or for each category or store.

    Days are UTC calendar days; a week runs Monday to Sunday and is labelled by its Monday. Periods
    without orders are 0. The range runs from the first to the last day with an order; for weekly
    series, incomplete first and last weeks are dropped so every period covers seven days.

    Parameters
    ----------
    orders : pandas.DataFrame
        ``core.orders`` (one row per line): ``ordered_at``, ``quantity``, ``unit_price`` and, if
        present, ``amount`` (net line value, used for revenue) or ``discount``; ``product_id`` for
        ``by="category"``, ``store_id`` for ``by="store_id"``.
    products : pandas.DataFrame, optional
        ``core.products`` with ``product_id`` and ``category``; needed for ``by="category"``.
    by : {None, "category", "store_id"}
        None for one ``"total"`` series, else one series per category or store (lines without a
        category or store are left out of those series).
    freq : {"D", "W"}
        Daily or weekly (Monday-based) periods.
    measure : {"revenue", "units"}
        Net line amount, or quantity.
    top_n : int, optional
        Keep only the ``top_n`` groups with the largest total of the measure.

    Returns
    -------
    pandas.DataFrame
        Index ``ds`` (tz-aware UTC period starts), one float column per series named as by
        :func:`series_label` (``"total"``, ``"category=shoes"``, ``"store=ST01"``), ordered by
        decreasing total.

    Raises
    ------
    ConfigError
        If ``by``, ``freq``, ``measure`` or ``top_n`` is not allowed.
    SchemaError
        If a needed column is missing or there are no orders.

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({
    ...     "ordered_at": pd.to_datetime(["2024-01-01 10:00", "2024-01-03 12:00"], utc=True),
    ...     "quantity": [2.0, 1.0], "unit_price": [5.0, 7.0]})
    >>> sales_series(orders)["total"].tolist()
    [10.0, 0.0, 7.0]
    """
    if freq not in _FREQUENCIES:
        raise ConfigError(f"`freq={freq!r}` is not allowed; use one of {list(_FREQUENCIES)}")
    if measure not in _MEASURES:
        raise ConfigError(f"`measure={measure!r}` is not allowed; use one of {list(_MEASURES)}")
    if by is not None and by not in _BY:
        raise ConfigError(f"`by={by!r}` is not allowed; use None or one of {list(_BY)}")
    if top_n is not None and top_n < 1:
        raise ConfigError(f"`top_n={top_n}` must be >= 1 (or None for every group)")
    needed = ["ordered_at", "quantity", "unit_price"]
    missing = [column for column in needed if column not in orders.columns]
    if missing:
        raise SchemaError(f"orders need columns {needed}; missing {missing}")
    if orders.empty:
        raise SchemaError("orders is empty: there is no sales series to build")
    stamps = pd.to_datetime(orders["ordered_at"], utc=True)
    frame = pd.DataFrame({"day": stamps.dt.floor("D"), "y": _line_values(orders, measure).to_numpy()})
    if by == "category":
        if products is None or not {"product_id", "category"} <= set(products.columns):
            raise SchemaError("by='category' needs products with columns product_id and category")
        if "product_id" not in orders.columns:
            raise SchemaError("by='category' needs orders.product_id")
        category = products.drop_duplicates("product_id").set_index("product_id")["category"]
        frame["group"] = orders["product_id"].map(category).to_numpy()
    elif by == "store_id":
        if "store_id" not in orders.columns:
            raise SchemaError("by='store_id' needs orders.store_id")
        frame["group"] = orders["store_id"].to_numpy()
    else:
        frame["group"] = "total"
    days = pd.date_range(frame["day"].min(), frame["day"].max(), freq="D")
    frame = frame.dropna(subset=["group"])
    if frame.empty:
        raise SchemaError(f"no order line has a {by}: there is no series to build")
    table = frame.pivot_table(index="day", columns="group", values="y", aggfunc="sum")
    table = table.reindex(days, fill_value=0.0).fillna(0.0)
    if freq == "W":
        weekday = pd.DatetimeIndex(table.index).day_of_week
        first = int(np.flatnonzero(weekday == 0)[0]) if (weekday == 0).any() else len(table)
        last = int(np.flatnonzero(weekday == 6)[-1]) if (weekday == 6).any() else -1
        table = table.iloc[first : last + 1]
        if table.empty:
            raise SchemaError("the orders span no complete Monday-to-Sunday week")
        table = table.groupby(np.arange(len(table)) // 7).sum()
        table.index = pd.date_range(days[first], periods=len(table), freq="7D")
    order = table.sum().sort_values(ascending=False, kind="stable").index
    if top_n is not None:
        order = order[:top_n]
    table = table[order].astype("float64")
    table.columns = [series_label(by, value) for value in order]
    table.index = pd.DatetimeIndex(table.index, name="ds").as_unit("us")
    table.columns.name = None
    return table
