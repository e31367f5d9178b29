"""From transactions to the per-customer (frequency, recency, T, monetary_value) summary."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from aimass.exceptions import ConfigError, SchemaError

__all__ = ["TIME_UNIT_DAYS", "TimeUnit", "clv_summary"]

#: Time units of a summary: days, weeks (days / 7) or months (days / 30.4375).
TimeUnit = Literal["D", "W", "M"]
TIME_UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}


def _as_day(values: pd.Series, name: str) -> pd.Series:
    try:
        times = pd.to_datetime(values)
    except (ValueError, TypeError) as error:
        raise SchemaError(f"column `{name}` must hold dates or timestamps: {error}") from None
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    return times.dt.floor("D")


def _as_bound(value: Any, name: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"`{name}`={value!r} is not a date or timestamp: {error}") from None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.floor("D")


def clv_summary(
    transactions: pd.DataFrame,
    *,
    customer_id: str = "customer_id",
    ordered_at: str = "ordered_at",
    amount: str | None = "amount",
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: TimeUnit = "W",
) -> pd.DataFrame:
    """One row per customer with ``frequency``, ``recency``, ``T`` and ``monetary_value``.

    The conventions are those of Fader, Hardie & Lee (2005) and the ``lifetimes`` package: the
    transactions of one customer on one calendar day (UTC) are one purchase occasion whose amount
    is their sum; ``frequency`` counts the repeat occasions (all but the first); ``recency`` is
    the time from the first to the last occasion and ``T`` the time from the first occasion to
    the end of the period, both in ``time_unit`` (fractional: days / 7 for ``"W"``);
    ``monetary_value`` is the mean amount of the repeat occasions (0 when there are none).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction (or purchase occasion).
    customer_id, ordered_at : str
        Names of the customer and time columns.
    amount : str or None
        Name of the amount column; None gives ``monetary_value`` 0 throughout.
    calibration_end : date-like, optional
        When given, the summary covers the transactions on or before this day, and the columns
        ``frequency_holdout`` (occasions after it, up to ``observation_end``),
        ``monetary_value_holdout`` and ``duration_holdout`` are added. Customers whose first
        purchase is after it are left out.
    observation_end : date-like, optional
        End of the data (inclusive day); default the last transaction day.
    time_unit : {"D", "W", "M"}
        Days, weeks (days / 7) or months (days / 30.4375).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted), columns ``frequency``, ``recency``, ``T``,
        ``monetary_value`` (and the holdout columns).

    Raises
    ------
    SchemaError
        A column is missing, times do not parse, or amounts are not numeric.
    ConfigError
        A bad ``time_unit``, or ``calibration_end`` not before ``observation_end``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "ordered_at": ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-10"],
    ...                    "amount": [10.0, 20.0, 40.0, 5.0]})
    >>> clv_summary(tx, observation_end="2024-01-29")  # doctest: +NORMALIZE_WHITESPACE
                 frequency  recency         T  monetary_value
    customer_id
    a                  2.0      2.0  4.000000            30.0
    b                  0.0      0.0  2.714286             0.0
    """
    if time_unit not in TIME_UNIT_DAYS:
        raise ConfigError(f"`time_unit`={time_unit!r} is not allowed; use one of {sorted(TIME_UNIT_DAYS)}")
    needed = [customer_id, ordered_at] + ([amount] if amount is not None else [])
    missing = [name for name in needed if name not in transactions.columns]
    if missing:
        raise SchemaError(
            f"transactions lack the column(s) {missing}; they have {list(transactions.columns)}"
        )
    frame = pd.DataFrame(
        {
            "customer_id": transactions[customer_id].astype(str).to_numpy(),
            "day": _as_day(transactions[ordered_at], ordered_at).to_numpy(),
        }
    )
    if amount is not None:
        values = pd.to_numeric(transactions[amount], errors="coerce")
        if values.isna().any():
            raise SchemaError(
                f"column `{amount}` holds {int(values.isna().sum())} missing or non-numeric amounts"
            )
        frame["amount"] = values.to_numpy(dtype=float)
    else:
        frame["amount"] = 0.0
    if frame["day"].isna().any():
        raise SchemaError(f"column `{ordered_at}` holds {int(frame['day'].isna().sum())} missing times")
    unit = TIME_UNIT_DAYS[time_unit]
    end = _as_bound(observation_end, "observation_end") if observation_end is not None else None
    if end is None:
        end = frame["day"].max() if len(frame) else pd.Timestamp(0)
    frame = frame[frame["day"] <= end]
    occasions: pd.DataFrame = frame.groupby(["customer_id", "day"], as_index=False, sort=True).agg(
        amount=("amount", "sum")
    )
    if calibration_end is None:
        return _summarise(occasions, end, unit)
    cal_end = _as_bound(calibration_end, "calibration_end")
    if cal_end >= end:
        raise ConfigError(
            f"`calibration_end` ({cal_end.date()}) must be before `observation_end` ({end.date()})"
        )
    calibration = _summarise(occasions[occasions["day"] <= cal_end], cal_end, unit)
    first_day = occasions.groupby("customer_id", sort=False)["day"].transform("min")
    holdout = occasions[(occasions["day"] > cal_end) & (first_day <= cal_end)]
    grouped = holdout.groupby("customer_id")["amount"]
    calibration["frequency_holdout"] = grouped.size().reindex(calibration.index, fill_value=0).astype(float)
    calibration["monetary_value_holdout"] = grouped.mean().reindex(calibration.index, fill_value=0.0)
    calibration["duration_holdout"] = (end - cal_end).days / unit
    return calibration


def _summarise(occasions: pd.DataFrame, end: pd.Timestamp, unit: float) -> pd.DataFrame:
    grouped = occasions.groupby("customer_id", sort=True)
    first = grouped["day"].min()
    last = grouped["day"].max()
    count = grouped.size()
    total = grouped["amount"].sum()
    # the first occasion's amount: occasions are sorted by (customer, day)
    first_amount = grouped["amount"].first()
    frequency = (count - 1).astype(float)
    repeat_total = total - first_amount
    monetary = np.where(frequency > 0, repeat_total / frequency.where(frequency > 0, 1.0), 0.0)
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first).dt.days / unit,
            "T": (end - first).dt.days / unit,
            "monetary_value": monetary,
        }
    )
    out.index.name = "customer_id"
    return out
