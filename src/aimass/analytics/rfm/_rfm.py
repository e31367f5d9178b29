"""RFM: recency, frequency and monetary value per customer, quintile scores and named R x F segments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from aimass.analytics.rfm._common import DAY_SECONDS, order_level, require_columns
from aimass.exceptions import ConfigError

__all__ = ["RFM_SEGMENT_MAP", "SegmentMap", "quantile_scores", "rfm_segments", "rfm_table"]

#: A segment map: segment name -> rectangles of the R x F score grid, each ``((r_low, r_high),
#: (f_low, f_high))`` inclusive (a rectangle may also be written ``{"r": [lo, hi], "f": [lo, hi]}``).
SegmentMap = Mapping[str, Sequence[Any]]

#: The widely used R x F segment map on 1-5 scores (every one of the 25 cells in exactly one segment).
#:
#: ====================  =======  =======
#: segment               R        F
#: ====================  =======  =======
#: champions             5        4-5
#: loyal                 3-4      4-5
#: potential loyalists   4-5      2-3
#: new                   5        1
#: promising             4        1
#: need attention        3        3
#: about to sleep        3        1-2
#: at risk               1-2      3-4
#: can't lose            1-2      5
#: hibernating           1-2      1-2
#: ====================  =======  =======
RFM_SEGMENT_MAP: dict[str, tuple[tuple[tuple[int, int], tuple[int, int]], ...]] = {
    "champions": (((5, 5), (4, 5)),),
    "loyal": (((3, 4), (4, 5)),),
    "potential loyalists": (((4, 5), (2, 3)),),
    "new": (((5, 5), (1, 1)),),
    "promising": (((4, 4), (1, 1)),),
    "need attention": (((3, 3), (3, 3)),),
    "about to sleep": (((3, 3), (1, 2)),),
    "at risk": (((1, 2), (3, 4)),),
    "can't lose": (((1, 2), (5, 5)),),
    "hibernating": (((1, 2), (1, 2)),),
}


def quantile_scores(values: Any, n_bins: int = 5, *, ascending: bool = True) -> np.ndarray[Any, Any]:
    """Scores 1..``n_bins`` by quantile of rank, ties broken by position ("rank first").

    The value of rank ``i`` (1-based, in order of value then position) among ``n`` gets score
    ``ceil(i * n_bins / n)``, so every score holds ``n / n_bins`` values (+-1) even when many
    values are equal (e.g. the many one-order customers).

    Parameters
    ----------
    values : array-like of shape (n,)
        The values to score.
    n_bins : int, default 5
        Number of scores (5: quintiles).
    ascending : bool, default True
        Whether larger values get larger scores (False for recency: recent is good).

    Returns
    -------
    numpy.ndarray of int64, shape (n,)

    Examples
    --------
    >>> quantile_scores([10, 20, 20, 20, 50], 5).tolist()
    [1, 2, 3, 4, 5]
    >>> quantile_scores([3, 1, 2, 4], 2, ascending=False).tolist()
    [1, 2, 2, 1]
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 2:
        raise ConfigError(f"`n_bins`={n_bins!r} must be an integer >= 2")
    series = pd.Series(np.asarray(values, dtype=np.float64))
    if series.isna().any():
        raise ConfigError("quantile_scores got missing values; drop or fill them first")
    if series.empty:
        return np.zeros(0, dtype=np.int64)
    keyed = series if ascending else -series
    ranks = keyed.rank(method="first").to_numpy()
    scores: np.ndarray[Any, Any] = np.ceil(ranks * n_bins / len(series)).astype(np.int64)
    return scores


def _rectangles(segment_map: SegmentMap) -> list[tuple[str, int, int, int, int]]:
    out: list[tuple[str, int, int, int, int]] = []
    if not isinstance(segment_map, Mapping) or not segment_map:
        raise ConfigError(
            "`segment_map` must be a non-empty dict of segment name -> list of R x F rectangles"
        )
    for name, rectangles in segment_map.items():
        if isinstance(rectangles, Mapping):
            rectangles = [rectangles]
        for rectangle in rectangles:
            try:
                if isinstance(rectangle, Mapping):
                    (r_low, r_high), (f_low, f_high) = rectangle["r"], rectangle["f"]
                else:
                    (r_low, r_high), (f_low, f_high) = rectangle
                bounds = (int(r_low), int(r_high), int(f_low), int(f_high))
            except (KeyError, TypeError, ValueError):
                raise ConfigError(
                    f"segment {name!r}: rectangle {rectangle!r} is not ((r_low, r_high), (f_low, f_high)) "
                    'nor {"r": [low, high], "f": [low, high]}'
                ) from None
            out.append((str(name), *bounds))
    return out


def _cell_names(segment_map: SegmentMap, n_bins: int) -> dict[tuple[int, int], str]:
    """Each (r, f) cell's segment; every cell of the grid must be covered exactly once."""
    cells: dict[tuple[int, int], str] = {}
    for name, r_low, r_high, f_low, f_high in _rectangles(segment_map):
        if not (1 <= r_low <= r_high <= n_bins and 1 <= f_low <= f_high <= n_bins):
            raise ConfigError(
                f"segment {name!r}: rectangle R {r_low}-{r_high} x F {f_low}-{f_high} is outside "
                f"the 1-{n_bins} score grid (low <= high)"
            )
        for r in range(r_low, r_high + 1):
            for f in range(f_low, f_high + 1):
                if (r, f) in cells and cells[(r, f)] != name:
                    raise ConfigError(
                        f"the R x F cell (R={r}, F={f}) is in both {cells[(r, f)]!r} and {name!r}; "
                        "each cell must belong to one segment"
                    )
                cells[(r, f)] = name
    missing = [
        f"R={r} F={f}" for r in range(1, n_bins + 1) for f in range(1, n_bins + 1) if (r, f) not in cells
    ]
    if missing:
        raise ConfigError(f"`segment_map` leaves these R x F cells without a segment: {', '.join(missing)}")
    return cells


def rfm_table(
    orders: pd.DataFrame,
    as_of: Any = None,
    *,
    customer_id: str = "customer_id",
    ordered_at: str = "ordered_at",
    amount: str | None = "amount",
    order_id: str | None = "order_id",
    n_bins: int = 5,
    segment_map: SegmentMap | None = None,
) -> pd.DataFrame:
    """Recency, frequency, monetary value, their quantile scores and the R x F segment per customer.

    ``recency_days`` is the time from the customer's last order to ``as_of`` in days (fractional);
    ``frequency`` the number of distinct orders; ``monetary`` the sum of their amounts. Orders at or
    after ``as_of`` are ignored. ``r_score`` is high for recent customers, ``f_score`` and
    ``m_score`` for frequent and big spenders (see :func:`quantile_scores`: ties are broken by
    customer id, so equal values may get neighbouring scores). ``rfm_score`` is the three digits,
    e.g. ``"545"``; ``rfm_segment`` the name of the (r_score, f_score) cell in ``segment_map``.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order line (or per order).
    as_of : date-like, optional
        Reference time (UTC if naive); default midnight after the day of the last order.
    customer_id, ordered_at, amount, order_id : str
        Column names. Without an ``amount`` column, ``quantity * unit_price - discount`` is used;
        without an ``order_id`` column, each (customer, timestamp) is one order.
    n_bins : int, default 5
        Number of scores per dimension.
    segment_map : dict, optional
        Segment name -> R x F rectangles covering the ``n_bins`` x ``n_bins`` grid; default
        :data:`RFM_SEGMENT_MAP` (which needs ``n_bins=5``).

    Returns
    -------
    pandas.DataFrame
        ``customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_score,
        rfm_segment``, one row per customer with an order before ``as_of``, sorted by customer id.

    Raises
    ------
    SchemaError
        Missing columns or no rows.
    ConfigError
        ``as_of`` on or before the first order, or a segment map that does not cover the grid.

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({
    ...     "order_id": ["a", "b", "c"], "customer_id": ["1", "1", "2"],
    ...     "ordered_at": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-03"], utc=True),
    ...     "amount": [10.0, 20.0, 5.0]})
    >>> rfm_table(orders, as_of="2024-01-11", n_bins=2,
    ...           segment_map={"good": [((2, 2), (1, 2))], "bad": [((1, 1), (1, 2))]})[
    ...     ["customer_id", "recency_days", "frequency", "monetary", "rfm_score", "rfm_segment"]]
      customer_id  recency_days  frequency  monetary rfm_score rfm_segment
    0           1           6.0          2      30.0       222        good
    1           2           8.0          1       5.0       111         bad
    """
    chosen = RFM_SEGMENT_MAP if segment_map is None else segment_map
    if segment_map is None and n_bins != 5:
        raise ConfigError(
            f"the default segment map is on 1-5 scores; with `n_bins`={n_bins} pass your own segment_map"
        )
    cells = _cell_names(chosen, n_bins)
    per_order, resolved = order_level(
        orders, customer_id=customer_id, ordered_at=ordered_at, amount=amount, order_id=order_id, as_of=as_of
    )
    grouped = per_order.groupby("customer_id", sort=True)
    last = grouped["ordered_at"].max()
    table = pd.DataFrame(
        {
            "customer_id": last.index.astype(str),
            "recency_days": ((resolved - last).dt.total_seconds() / DAY_SECONDS).to_numpy(),
            "frequency": grouped.size().to_numpy().astype(np.int64),
            "monetary": grouped["amount"].sum().to_numpy(dtype=np.float64),
        }
    )
    table["r_score"] = quantile_scores(table["recency_days"], n_bins, ascending=False)
    table["f_score"] = quantile_scores(table["frequency"], n_bins)
    table["m_score"] = quantile_scores(table["monetary"], n_bins)
    table["rfm_score"] = (
        table["r_score"].astype(str) + table["f_score"].astype(str) + table["m_score"].astype(str)
    )
    table["rfm_segment"] = [cells[(r, f)] for r, f in zip(table["r_score"], table["f_score"], strict=True)]
    return table


def rfm_segments(rfm: pd.DataFrame, segment_map: SegmentMap | None = None) -> pd.DataFrame:
    """Size and value of each named segment of an :func:`rfm_table`.

    Parameters
    ----------
    rfm : pandas.DataFrame
        The output of :func:`rfm_table` (``rfm_segment`` and ``monetary`` columns are used).
    segment_map : dict, optional
        The map the table was made with, for the row order and to list empty segments
        (default :data:`RFM_SEGMENT_MAP`; segments found in ``rfm`` but not in the map come last).

    Returns
    -------
    pandas.DataFrame
        ``segment, customers, share, revenue, revenue_share`` (shares are fractions of 1).

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"rfm_segment": ["new", "new", "champions"], "monetary": [10.0, 30.0, 60.0]})
    >>> rfm_segments(rfm).head(4)
                   segment  customers     share  revenue  revenue_share
    0            champions          1  0.333333     60.0            0.6
    1                loyal          0  0.000000      0.0            0.0
    2  potential loyalists          0  0.000000      0.0            0.0
    3                  new          2  0.666667     40.0            0.4
    """
    require_columns(rfm, ["rfm_segment", "monetary"], "rfm")
    order = list((RFM_SEGMENT_MAP if segment_map is None else segment_map).keys())
    order += [name for name in pd.unique(rfm["rfm_segment"]) if name not in order]
    grouped = rfm.groupby("rfm_segment")["monetary"]
    customers = grouped.size().reindex(order, fill_value=0).astype(np.int64)
    revenue = grouped.sum().reindex(order, fill_value=0.0).astype(np.float64)
    total = float(revenue.sum())
    return pd.DataFrame(
        {
            "segment": order,
            "customers": customers.to_numpy(),
            "share": (customers / max(int(customers.sum()), 1)).to_numpy(),
            "revenue": revenue.to_numpy(),
            "revenue_share": (revenue / total).to_numpy() if total != 0 else np.zeros(len(order)),
        }
    )
