"""Monthly acquisition cohorts and retention, and the intervals between a customer's orders."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from aimass.analytics.rfm._common import DAY_SECONDS, order_level
from aimass.exceptions import ConfigError

__all__ = ["DEFAULT_INTERVAL_BINS", "cohort_table", "interval_distribution", "repeat_intervals"]

#: Bin edges (days) of :func:`interval_distribution`; the last bin is open-ended.
DEFAULT_INTERVAL_BINS: tuple[float, ...] = (0, 7, 14, 30, 60, 90, 180, 365)


def _month_number(times: pd.Series) -> np.ndarray[Any, np.dtype[np.int64]]:
    result: np.ndarray[Any, np.dtype[np.int64]] = (times.dt.year * 12 + times.dt.month - 1).to_numpy(
        dtype=np.int64
    )
    return result


def _month_start(number: np.ndarray[Any, Any]) -> list[Any]:
    return [pd.Timestamp(year=int(n // 12), month=int(n % 12) + 1, day=1).date() for n in number]


def cohort_table(
    orders: pd.DataFrame,
    as_of: Any = None,
    *,
    customer_id: str = "customer_id",
    ordered_at: str = "ordered_at",
    amount: str | None = "amount",
    order_id: str | None = "order_id",
) -> pd.DataFrame:
    """Monthly acquisition cohorts x months since first purchase.

    A customer's cohort is the calendar month (UTC) of their first order; ``months_since`` counts
    calendar months from it (0 = the first month). For every cohort and every month from 0 to the
    last month with data, the table gives the customers who ordered in that month, their orders
    and revenue, and ``retention`` = those customers / the cohort's size (1.0 in month 0).

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order line (or per order).
    as_of : date-like, optional
        Orders at or after this time are ignored; default: all.
    customer_id, ordered_at, amount, order_id : str
        Column names (see :func:`rfm_table`).

    Returns
    -------
    pandas.DataFrame
        ``cohort_month`` (date, first of month), ``months_since``, ``cohort_size``, ``customers``,
        ``orders``, ``revenue``, ``retention`` (fraction of 1), sorted by cohort and month.

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"order_id": ["a", "b", "c", "d"], "customer_id": ["1", "2", "1", "2"],
    ...     "ordered_at": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-03", "2024-03-09"], utc=True),
    ...     "amount": [10.0, 20.0, 5.0, 8.0]})
    >>> cohort_table(orders)[["months_since", "cohort_size", "customers", "revenue", "retention"]]
       months_since  cohort_size  customers  revenue  retention
    0             0            2          2     30.0        1.0
    1             1            2          1      5.0        0.5
    2             2            2          1      8.0        0.5
    """
    per_order, _ = order_level(
        orders, customer_id=customer_id, ordered_at=ordered_at, amount=amount, order_id=order_id, as_of=as_of
    )
    month = _month_number(per_order["ordered_at"])
    per_order = per_order.assign(month=month)
    first = per_order.groupby("customer_id")["month"].transform("min")
    per_order["cohort"] = first.to_numpy()
    per_order["months_since"] = per_order["month"] - per_order["cohort"]
    sizes = per_order.drop_duplicates("customer_id").groupby("cohort").size()
    cells = per_order.groupby(["cohort", "months_since"]).agg(
        customers=("customer_id", "nunique"), orders=("order_id", "size"), revenue=("amount", "sum")
    )
    last = int(month.max())
    index = pd.MultiIndex.from_tuples(
        [(int(c), m) for c in sizes.index for m in range(last - int(c) + 1)], names=["cohort", "months_since"]
    )
    grid = cells.reindex(index, fill_value=0).reset_index()
    grid["cohort_size"] = grid["cohort"].map(sizes).astype(np.int64)
    grid["retention"] = grid["customers"] / grid["cohort_size"]
    grid["cohort_month"] = _month_start(grid["cohort"].to_numpy())
    grid = grid.astype(
        {"customers": np.int64, "orders": np.int64, "revenue": np.float64, "months_since": np.int64}
    )
    return grid[
        ["cohort_month", "months_since", "cohort_size", "customers", "orders", "revenue", "retention"]
    ]


def _gaps(per_order: pd.DataFrame) -> pd.DataFrame:
    ordered = per_order.sort_values(["customer_id", "ordered_at", "order_id"], kind="stable")
    previous = ordered.groupby("customer_id")["ordered_at"].shift()
    ordered["gap_days"] = (ordered["ordered_at"] - previous).dt.total_seconds() / DAY_SECONDS
    ordered["order_number"] = ordered.groupby("customer_id").cumcount() + 1
    return ordered


def repeat_intervals(
    orders: pd.DataFrame,
    as_of: Any = None,
    *,
    customer_id: str = "customer_id",
    ordered_at: str = "ordered_at",
    amount: str | None = "amount",
    order_id: str | None = "order_id",
) -> pd.DataFrame:
    """Per customer, the days between consecutive orders.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order line (or per order).
    as_of : date-like, optional
        Orders at or after this time are ignored; default: all.
    customer_id, ordered_at, amount, order_id : str
        Column names (see :func:`rfm_table`).

    Returns
    -------
    pandas.DataFrame
        ``customer_id, orders, first_order_at, last_order_at, first_repeat_days`` (days from the
        first to the second order), ``median_interval_days``, ``mean_interval_days``; the interval
        columns are NaN for one-order customers. Sorted by customer id.

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"order_id": ["a", "b", "c", "d"], "customer_id": ["1", "1", "1", "2"],
    ...     "ordered_at": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-15", "2024-01-02"], utc=True),
    ...     "amount": 1.0})
    >>> repeat_intervals(orders)[["customer_id", "orders", "first_repeat_days", "median_interval_days"]]
      customer_id  orders  first_repeat_days  median_interval_days
    0           1       3               10.0                   7.0
    1           2       1                NaN                   NaN
    """
    per_order, _ = order_level(
        orders, customer_id=customer_id, ordered_at=ordered_at, amount=amount, order_id=order_id, as_of=as_of
    )
    gaps = _gaps(per_order)
    grouped = gaps.groupby("customer_id", sort=True)
    second = gaps[gaps["order_number"] == 2].set_index("customer_id")["gap_days"]
    result = pd.DataFrame(
        {
            "orders": grouped.size().astype(np.int64),
            "first_order_at": grouped["ordered_at"].min(),
            "last_order_at": grouped["ordered_at"].max(),
            "median_interval_days": grouped["gap_days"].median(),
            "mean_interval_days": grouped["gap_days"].mean(),
        }
    )
    result.insert(3, "first_repeat_days", second.reindex(result.index))
    result.index.name = "customer_id"
    return result.reset_index()


def interval_distribution(
    orders: pd.DataFrame,
    as_of: Any = None,
    *,
    bins: Sequence[float] = DEFAULT_INTERVAL_BINS,
    customer_id: str = "customer_id",
    ordered_at: str = "ordered_at",
    amount: str | None = "amount",
    order_id: str | None = "order_id",
) -> pd.DataFrame:
    """How the days between consecutive orders of the same customer are distributed.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order line (or per order).
    as_of : date-like, optional
        Orders at or after this time are ignored; default: all.
    bins : sequence of float
        Increasing bin edges in days starting at 0; a last, open bin collects longer intervals.
    customer_id, ordered_at, amount, order_id : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        ``bin`` (e.g. ``"7-14 days"``), ``lower_days``, ``upper_days`` (inf for the last),
        ``intervals``, ``share``, ``cumulative_share``. A bin holds ``lower <= gap < upper``.
    """
    edges = [float(edge) for edge in bins]
    if not edges or edges[0] != 0 or any(b <= a for a, b in itertools.pairwise(edges)):
        raise ConfigError(f"`bins`={list(bins)!r} must be increasing day counts starting at 0")
    per_order, _ = order_level(
        orders, customer_id=customer_id, ordered_at=ordered_at, amount=amount, order_id=order_id, as_of=as_of
    )
    gaps = _gaps(per_order)["gap_days"].dropna().to_numpy()
    uppers = [*edges[1:], float("inf")]
    counts = [int(((gaps >= lo) & (gaps < hi)).sum()) for lo, hi in zip(edges, uppers, strict=True)]
    total = max(sum(counts), 1)
    labels = [
        f"{lo:g}-{hi:g} days" if np.isfinite(hi) else f"{lo:g}+ days"
        for lo, hi in zip(edges, uppers, strict=True)
    ]
    table = pd.DataFrame({"bin": labels, "lower_days": edges, "upper_days": uppers, "intervals": counts})
    table["share"] = table["intervals"] / total
    table["cumulative_share"] = table["share"].cumsum()
    return table
