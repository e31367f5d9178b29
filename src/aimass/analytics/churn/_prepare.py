"""Turn any table's columns into model features: numbers, categories, expanded dates; identifiers dropped."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from aimass.exceptions import AimassWarning

__all__ = ["ColumnDroppedWarning", "FeaturePlan", "plan_features"]

ColumnKind = Literal["numeric", "category", "datetime", "date_text"]

#: Parts a date column is expanded into (``<column>_<part>``).
DATE_PARTS: tuple[str, ...] = ("year", "month", "day", "weekday", "dayofyear", "hour", "epoch_days")

_ID_SUFFIXES = ("id", "_id", "key", "uuid", "guid", "code")


class ColumnDroppedWarning(AimassWarning):
    """A column was left out of the model (an identifier, free text, a constant or an empty column)."""


def _is_text(series: pd.Series) -> bool:
    return bool(
        pd.api.types.is_object_dtype(series)
        or pd.api.types.is_string_dtype(series)
        or isinstance(series.dtype, pd.CategoricalDtype)
    )


def _looks_like_dates(values: pd.Series) -> bool:
    sample = values.dropna().astype(str).head(200)
    if len(sample) < 5 or not sample.str.contains(r"\d{1,4}[-/.]\d{1,2}", regex=True).mean() > 0.95:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(sample, errors="coerce", format="mixed", utc=True)
    return bool(parsed.notna().mean() >= 0.95)


def _to_datetime(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(values.astype("object"), errors="coerce", format="mixed", utc=True)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed


@dataclass
class FeaturePlan:
    """What :func:`plan_features` learned: which columns are used, how, and which were dropped why.

    Attributes
    ----------
    kinds : dict of str to str
        Input column to ``numeric``, ``category``, ``datetime`` or ``date_text``.
    categories : dict of str to list
        The categories seen at fit time of each category column (others become missing).
    dropped : dict of str to str
        Input column to the reason it was left out.
    date_parts : dict of str to list of str
        Date column to the parts kept (a part that never varies is not kept).
    """

    kinds: dict[str, ColumnKind] = field(default_factory=dict)
    categories: dict[str, list[str]] = field(default_factory=dict)
    dropped: dict[str, str] = field(default_factory=dict)
    date_parts: dict[str, list[str]] = field(default_factory=dict)

    @property
    def feature_names(self) -> list[str]:
        """The model's feature columns, in order."""
        names: list[str] = []
        for column, kind in self.kinds.items():
            if kind in ("datetime", "date_text"):
                names.extend(f"{column}_{part}" for part in self.date_parts[column])
            else:
                names.append(column)
        return names

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The feature matrix of ``frame`` (columns missing from ``frame`` become all-missing)."""
        out: dict[str, pd.Series] = {}
        index = frame.index
        for column, kind in self.kinds.items():
            values = frame[column] if column in frame.columns else pd.Series(np.nan, index=index)
            if kind == "numeric":
                out[column] = pd.to_numeric(values, errors="coerce").astype("float64")
            elif kind == "category":
                categories = pd.Index(self.categories[column], dtype="object")
                codes = categories.get_indexer(pd.Index(values.astype("string").astype("object")))
                out[column] = pd.Series(pd.Categorical.from_codes(codes, categories=categories), index=index)
            else:
                stamps = _to_datetime(values)
                for part in self.date_parts[column]:
                    out[f"{column}_{part}"] = _date_part(stamps, part)
        return pd.DataFrame(out, index=index)


def _date_part(stamps: pd.Series, part: str) -> pd.Series:
    accessor = stamps.dt
    if part == "weekday":
        values = accessor.day_of_week
    elif part == "dayofyear":
        values = accessor.day_of_year
    elif part == "epoch_days":
        values = (stamps - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    else:
        values = getattr(accessor, part)
    return pd.Series(values, index=stamps.index).astype("float64")


def plan_features(
    frame: pd.DataFrame, *, max_category_share: float = 0.5, max_categories: int = 200
) -> FeaturePlan:
    """Decide how each column of ``frame`` becomes features, and warn about each column left out.

    Parameters
    ----------
    frame : pandas.DataFrame
        The predictors (the target already removed).
    max_category_share : float, default 0.5
        A text column with more distinct values than this share of the rows is an identifier or free
        text, and is dropped.
    max_categories : int, default 200
        A text column with more distinct values than this is dropped too.

    Returns
    -------
    FeaturePlan

    Warns
    -----
    ColumnDroppedWarning
        Once per call, naming every column left out and why.

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6], "shop": list("aabbab"),
    ...                       "on": pd.to_datetime(["2024-01-0%d" % d for d in range(1, 7)])})
    >>> plan = plan_features(frame)
    >>> plan.kinds
    {'x': 'numeric', 'shop': 'category', 'on': 'datetime'}
    >>> plan.feature_names
    ['x', 'shop', 'on_day', 'on_weekday', 'on_dayofyear', 'on_epoch_days']
    """
    plan = FeaturePlan()
    n_rows = len(frame)
    for column in frame.columns:
        name = str(column)
        values = frame[column]
        n_distinct = int(values.nunique(dropna=True))
        if n_distinct == 0:
            plan.dropped[name] = "every value is missing"
            continue
        if n_distinct == 1 and not values.isna().any():
            plan.dropped[name] = "a single value (constant)"
            continue
        if pd.api.types.is_bool_dtype(values) or (
            pd.api.types.is_numeric_dtype(values) and not isinstance(values.dtype, pd.CategoricalDtype)
        ):
            integral = pd.api.types.is_integer_dtype(values)
            if integral and n_distinct == n_rows and name.lower().endswith(_ID_SUFFIXES):
                plan.dropped[name] = "an identifier (a distinct whole number on every row)"
                continue
            plan.kinds[name] = "numeric"
        elif pd.api.types.is_datetime64_any_dtype(values):
            plan.kinds[name] = "datetime"
        elif _is_text(values):
            if _looks_like_dates(values):
                plan.kinds[name] = "date_text"
            elif n_rows >= 20 and n_distinct > max_category_share * n_rows:
                share = n_distinct / max(n_rows, 1)
                plan.dropped[name] = (
                    f"identifier-like text ({n_distinct:,} distinct values, {share:.0%} of the rows)"
                )
                continue
            elif n_distinct > max_categories:
                plan.dropped[name] = (
                    f"text with {n_distinct:,} distinct values (more than max_categories={max_categories:,})"
                )
                continue
            else:
                plan.kinds[name] = "category"
                seen = values.dropna().astype(str).unique().tolist()
                plan.categories[name] = sorted(seen)
        else:
            plan.dropped[name] = f"unsupported type {values.dtype}"
            continue
        if plan.kinds[name] in ("datetime", "date_text"):
            stamps = _to_datetime(values)
            parts = [part for part in DATE_PARTS if _date_part(stamps, part).nunique(dropna=True) > 1]
            if not parts:
                del plan.kinds[name]
                plan.dropped[name] = "a date that never varies"
                continue
            plan.date_parts[name] = parts
    if plan.dropped:
        listed = "; ".join(f"{column!r}: {reason}" for column, reason in plan.dropped.items())
        warnings.warn(f"columns left out of the model: {listed}", ColumnDroppedWarning, stacklevel=3)
    return plan
