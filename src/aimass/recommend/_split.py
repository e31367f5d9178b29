"""Train/test splits of an interaction log for offline recommender evaluation.

An *interaction log* is a table with one row per customer-product event: columns ``customer_id``,
``product_id`` and ``occurred_at`` (other columns, e.g. ``weight``, ride along unchanged).
"""

from __future__ import annotations

import math
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from aimass.exceptions import ConfigError, SchemaError

__all__ = ["SPLIT_METHODS", "SplitMethod", "split_interactions"]

#: How :func:`split_interactions` holds out test interactions.
SplitMethod = Literal["last_n", "last_fraction", "global_time", "random"]
SPLIT_METHODS: tuple[str, ...] = get_args(SplitMethod)

_REQUIRED = ("customer_id", "product_id", "occurred_at")


def split_interactions(
    interactions: pd.DataFrame,
    method: SplitMethod | str = "last_n",
    n: int = 1,
    fraction: float = 0.2,
    cutoff: Any = None,
    random_state: int | None = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split an interaction log into a training part and a held-out test part.

    Parameters
    ----------
    interactions : pandas.DataFrame
        One row per interaction with columns ``customer_id``, ``product_id`` and ``occurred_at``
        (timestamps; any other column is kept). It is not modified.
    method : {"last_n", "last_fraction", "global_time", "random"}, default "last_n"
        * ``"last_n"``: each customer's last ``n`` interactions by ``occurred_at`` go to test;
          customers with ``<= n`` interactions stay in train only.
        * ``"last_fraction"``: each customer's last ``ceil(fraction * m)`` of their ``m``
          interactions go to test, capped at ``m - 1`` so that every customer keeps at least one
          training interaction; customers with one interaction stay in train only.
        * ``"global_time"``: interactions at or after ``cutoff`` go to test, earlier ones to train.
        * ``"random"``: ``round(fraction * len(interactions))`` interactions drawn uniformly at
          random (seeded by ``random_state``) go to test.
    n : int, default 1
        Interactions held out per customer for ``"last_n"`` (``>= 1``).
    fraction : float, default 0.2
        Share held out for ``"last_fraction"`` and ``"random"`` (strictly between 0 and 1).
    cutoff : timestamp-like, optional
        Split time for ``"global_time"``; a naive time is read as UTC when the log is tz-aware.
        Default: the 80% quantile of ``occurred_at``.
    random_state : int, optional
        Seed for ``"random"``.

    Returns
    -------
    train, test : tuple of pandas.DataFrame
        Disjoint row subsets of ``interactions`` (original columns, fresh ``RangeIndex``), in the
        original row order. Ties in ``occurred_at`` are broken by original row order (a later row
        counts as later). Rows without a ``customer_id`` (anonymous sessions) always stay in train.

    Raises
    ------
    SchemaError
        If a required column is missing.
    ConfigError
        If ``method`` is unknown, or ``n`` / ``fraction`` / ``cutoff`` is out of range.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "product_id": ["x", "y", "z", "x"],
    ...     "occurred_at": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-01"], utc=True),
    ... })
    >>> train, test = split_interactions(log, "last_n", n=1)
    >>> test[["customer_id", "product_id"]].to_dict("records")
    [{'customer_id': 'a', 'product_id': 'y'}]
    >>> len(train)
    3
    """
    if not isinstance(interactions, pd.DataFrame):
        raise SchemaError(
            f"`interactions` must be a pandas DataFrame with columns {list(_REQUIRED)}, "
            f"got {type(interactions).__name__}"
        )
    missing = [c for c in _REQUIRED if c not in interactions.columns]
    if missing:
        raise SchemaError(
            f"interactions lack column(s) {missing}; required: {list(_REQUIRED)}, "
            f"got {list(interactions.columns)}"
        )
    if method not in SPLIT_METHODS:
        raise ConfigError(f"unknown split `{method=}`; allowed: {list(SPLIT_METHODS)}")
    frame = interactions.reset_index(drop=True)
    times = _as_timestamps(frame["occurred_at"])
    known = frame["customer_id"].notna().to_numpy()
    if method == "last_n":
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ConfigError(f"`{n=}` must be an integer >= 1 for the 'last_n' split")
        from_end, size = _position_from_end(frame["customer_id"], times)
        is_test = (from_end < n) & (size > n)
    elif method == "last_fraction":
        _check_fraction(fraction)
        from_end, size = _position_from_end(frame["customer_id"], times)
        held = np.minimum(np.ceil(fraction * size - 1e-9), size - 1)
        is_test = from_end < held
    elif method == "global_time":
        at = _cutoff(times, cutoff)
        is_test = (times >= at).to_numpy()
    else:
        _check_fraction(fraction)
        n_test = round(fraction * len(frame))
        rng = np.random.default_rng(random_state)
        is_test = np.zeros(len(frame), dtype=bool)
        is_test[rng.choice(len(frame), size=n_test, replace=False)] = True
    mask = np.asarray(is_test, dtype=bool) & known  # anonymous rows (no customer) always train
    return frame.loc[~mask].reset_index(drop=True), frame.loc[mask].reset_index(drop=True)


def _check_fraction(fraction: float) -> None:
    if not isinstance(fraction, (int, float)) or not 0.0 < float(fraction) < 1.0 or math.isnan(fraction):
        raise ConfigError(f"`{fraction=}` must be a number strictly between 0 and 1")


def _as_timestamps(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        return column
    try:
        return pd.to_datetime(column, utc=True)
    except (ValueError, TypeError) as exc:
        raise SchemaError(f"column 'occurred_at' must hold timestamps, got dtype {column.dtype}") from exc


def _position_from_end(customers: pd.Series, times: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per row: how many of the customer's interactions come after it, and the customer's count."""
    codes = pd.factorize(customers)[0]  # missing ids share code -1 (they are never held out)
    stamp = times.astype("int64").to_numpy()  # int nanoseconds (UTC): fast to sort, unlike Timestamps
    order = pd.DataFrame({"c": codes, "t": stamp, "i": np.arange(len(times))})
    order = order.sort_values(["c", "t", "i"], kind="stable")
    grouped = order.groupby("c", sort=False)
    from_end = np.empty(len(order), dtype=np.int64)
    size = np.empty(len(order), dtype=np.int64)
    from_end[order["i"].to_numpy()] = grouped.cumcount(ascending=False).to_numpy()
    size[order["i"].to_numpy()] = grouped["i"].transform("size").to_numpy()
    return from_end, size


def _cutoff(times: pd.Series, cutoff: Any) -> pd.Timestamp:
    if cutoff is None:
        if times.empty:
            raise ConfigError("cannot derive a default `cutoff` from an empty interaction log")
        found: Any = times.quantile(0.8)
        return pd.Timestamp(found)
    try:
        at = pd.Timestamp(cutoff)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"`{cutoff=}` is not a timestamp; pass e.g. '2024-06-01' or a pandas.Timestamp"
        ) from exc
    if pd.isna(at):
        raise ConfigError(f"`{cutoff=}` is not a timestamp; pass e.g. '2024-06-01' or a pandas.Timestamp")
    tz = getattr(times.dt, "tz", None)
    if tz is not None and at.tzinfo is None:
        at = at.tz_localize("UTC")
    elif tz is None and at.tzinfo is not None:
        at = at.tz_convert("UTC").tz_localize(None)
    return at
