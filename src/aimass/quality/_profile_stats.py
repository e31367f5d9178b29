"""What the profiler decides from the aggregates: semantic types, alerts, and correlations on a sample.

Everything here works on the few small results the engine returned (one row of aggregates, a few
hundred histogram and top-value rows, a bounded sample for correlations), never on a whole table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["ALERT_KINDS", "SEMANTIC_TYPES", "column_alerts", "correlations", "infer_type"]

SEMANTIC_TYPES = ("numeric", "categorical", "boolean", "datetime", "text", "identifier")
ALERT_KINDS = (
    "constant",
    "high_missing",
    "high_cardinality",
    "unique",
    "skewed",
    "imbalanced",
    "many_zeros",
    "duplicates",
    "high_correlation",
    "mixed_types",
    "unparseable_dates",
)

#: Column names that say "this is a key": ``id``, ``customer_id``, ``order_no``, ``CustomerID``...
_ID_NAME = re.compile(r"(^|[_\s-])(id|key|no|nr|number|code|uuid)$|^id[_\s-]|[a-z]ID$|Id$", re.IGNORECASE)
#: Share of non-null values that must be distinct for "near-unique".
NEAR_UNIQUE = 0.95
#: ... or this share, for an integer column named like a key (repeated keys are common in raw data).
NAMED_ID_UNIQUE = 0.8
#: At most this many distinct values make a text column categorical.
MAX_CATEGORIES = 50
HIGH_MISSING = 0.2
MANY_ZEROS = 0.1
SKEWED = 10.0
IMBALANCED = 0.9
HIGH_CORRELATION = 0.9


def infer_type(name: str, kind: str, stats: Mapping[str, Any], n_rows: int) -> str:
    """The semantic type of a column from its storage kind and its aggregates.

    Parameters
    ----------
    name : str
        Column name (an integer column named like a key and near-unique is an identifier).
    kind : {"integer", "float", "decimal", "boolean", "datetime", "string", "other"}
        How the engine stores it.
    stats : mapping
        The column's aggregates: ``n_missing``, ``n_distinct`` and, for text, ``n_numeric_like``,
        ``n_leading_zero``, ``n_date_like``, ``n_with_space``.
    n_rows : int
        Rows in the table.

    Returns
    -------
    str
        One of ``numeric``, ``categorical``, ``boolean``, ``datetime``, ``text``, ``identifier``.

    Examples
    --------
    >>> infer_type("zip", "string", {"n_missing": 0, "n_distinct": 900, "n_numeric_like": 1000,
    ...            "n_leading_zero": 80, "n_date_like": 0, "n_with_space": 0}, 1000)
    'identifier'
    >>> infer_type("customer_id", "integer", {"n_missing": 0, "n_distinct": 1000}, 1000)
    'identifier'
    >>> infer_type("amount", "integer", {"n_missing": 0, "n_distinct": 1000}, 1000)
    'numeric'
    """
    present = n_rows - int(stats["n_missing"])
    distinct = int(stats["n_distinct"])
    near_unique = present > 1 and distinct >= NEAR_UNIQUE * present
    if kind == "boolean":
        return "boolean"
    if kind == "datetime":
        return "datetime"
    if kind in ("integer", "float", "decimal"):
        if (
            kind == "integer"
            and present > 1
            and distinct >= NAMED_ID_UNIQUE * present
            and _ID_NAME.search(name)
        ):
            return "identifier"
        return "numeric"
    if kind != "string":
        return "text"
    if present == 0:
        return "categorical"
    numeric_like = int(stats["n_numeric_like"])
    if numeric_like == present and int(stats["n_leading_zero"]) > 0:
        return "identifier"
    if int(stats["n_date_like"]) >= 0.5 * present:
        return "datetime"
    if distinct <= MAX_CATEGORIES or distinct <= 0.05 * present:
        return "categorical"
    if near_unique and int(stats["n_with_space"]) <= 0.05 * present:
        return "identifier"
    if numeric_like == present:
        return "numeric"
    return "text"


def column_alerts(name: str, column: Mapping[str, Any], n_rows: int) -> list[dict[str, Any]]:
    """The alerts of one profiled column (``{column, kind, detail}``), in :data:`ALERT_KINDS` order.

    Examples
    --------
    >>> column_alerts("c", {"type": "categorical", "n_missing": 0, "n_distinct": 1}, 10)
    [{'column': 'c', 'kind': 'constant', 'detail': 'a single value in every non-null row'}]
    """
    alerts: list[dict[str, Any]] = []

    def add(kind: str, detail: str) -> None:
        alerts.append({"column": name, "kind": kind, "detail": detail})

    present = n_rows - int(column["n_missing"])
    distinct = int(column["n_distinct"])
    kind = column["type"]
    if present > 0 and distinct == 1:
        add("constant", "a single value in every non-null row")
    if n_rows and column["n_missing"] / n_rows >= HIGH_MISSING:
        add(
            "high_missing",
            f"{column['n_missing']:,} of {n_rows:,} values missing ({column['n_missing'] / n_rows:.1%})",
        )
    if kind in ("categorical", "text") and distinct > MAX_CATEGORIES and distinct < present:
        add("high_cardinality", f"{distinct:,} distinct values")
    if n_rows > 1 and present == n_rows and distinct >= n_rows:
        add("unique", "every value is different" + (" (approximate count)" if column.get("approx") else ""))
    skew = column.get("skewness")
    if skew is not None and math.isfinite(skew) and abs(skew) > SKEWED:
        add("skewed", f"skewness {skew:.1f}")
    top = column.get("top_values") or []
    if kind in ("categorical", "boolean") and distinct >= 2 and top and present:
        share = top[0]["count"] / present
        if share >= IMBALANCED:
            add("imbalanced", f"{top[0]['value']!r} is {share:.1%} of the values")
    zeros = column.get("n_zeros")
    if zeros and n_rows and zeros / n_rows >= MANY_ZEROS:
        add("many_zeros", f"{zeros:,} zeros ({zeros / n_rows:.1%})")
    numeric_like = column.get("n_numeric_like")
    if numeric_like is not None and kind in ("text", "categorical") and present:
        other = present - numeric_like
        if numeric_like and other and min(numeric_like, other) >= 0.01 * present:
            add("mixed_types", f"{numeric_like:,} values look numeric and {other:,} do not")
    date_like = column.get("n_date_like")
    if date_like is not None and kind == "datetime" and date_like < present:
        add("unparseable_dates", f"{present - date_like:,} of {present:,} values are not a recognised date")
    return alerts


def correlations(sample: pa.Table, numeric: Sequence[str], categorical: Sequence[str]) -> dict[str, Any]:
    """Pearson and Spearman between numeric columns, Cramér's V between categorical ones.

    Categorical columns are text, or int64 codes from 0 (null for a missing value). Pairs use the
    rows where both values are present; a pair with fewer than 3 such rows, or a
    constant side, gets ``None``.

    Examples
    --------
    >>> table = pa.table({"x": [1.0, 2, 3, 4], "y": [2.0, 4, 6, 9], "a": ["u", "u", "v", "v"],
    ...                   "b": ["p", "p", "q", "q"]})
    >>> result = correlations(table, ["x", "y"], ["a", "b"])
    >>> result["spearman"]["matrix"][0][1], result["cramers_v"]["matrix"][0][1]
    (1.0, 1.0)
    """
    values = {name: _floats(sample.column(name)) for name in numeric}
    # each complete column ranked once; a pair that drops rows (a missing value) ranks its own rows
    ranked = {name: _ranks(column) for name, column in values.items() if not np.isnan(column).any()}
    pearson = _matrix(numeric, lambda a, b: _pearson(values[a], values[b], rank=False))
    spearman = _matrix(
        numeric,
        lambda a, b: (
            _pearson(values[a], values[b], rank=False, ranks=(ranked[a], ranked[b]))
            if a in ranked and b in ranked
            else _pearson(values[a], values[b], rank=True)
        ),
    )
    labels = {name: _codes(sample.column(name)) for name in categorical}
    cramers = _matrix(categorical, lambda a, b: _cramers_v(labels[a], labels[b]))
    return {
        "pearson": {"columns": list(numeric), "matrix": pearson},
        "spearman": {"columns": list(numeric), "matrix": spearman},
        "cramers_v": {"columns": list(categorical), "matrix": cramers},
        "n_sample_rows": sample.num_rows,
    }


def correlation_alerts(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``high_correlation`` alerts for every pair at or above :data:`HIGH_CORRELATION`."""
    alerts: list[dict[str, Any]] = []
    for method in ("pearson", "spearman", "cramers_v"):
        names, matrix = result[method]["columns"], result[method]["matrix"]
        for i, first in enumerate(names):
            for j in range(i + 1, len(names)):
                value = matrix[i][j]
                if value is not None and abs(value) >= HIGH_CORRELATION:
                    alerts.append(
                        {
                            "column": first,
                            "kind": "high_correlation",
                            "detail": f"{method} {value:.2f} with {names[j]}",
                        }
                    )
    return alerts


def _valid(array: pa.Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Which entries of ``array`` are not null, read from its validity bitmap."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    bits = np.unpackbits(np.frombuffer(array.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[array.offset : array.offset + len(array)].astype(bool)


def _primitive(array: pa.Array, dtype: type[np.generic]) -> np.ndarray[Any, Any]:
    """The values buffer of a fixed-width ``array`` as numpy (no pandas, no compute kernels)."""
    values = np.frombuffer(array.buffers()[1], dtype=dtype)
    return values[array.offset : array.offset + len(array)].copy()


def _floats(column: pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A column as float64 with nulls and infinities as NaN."""
    array = column.combine_chunks()
    if array.type == pa.float64():
        values: np.ndarray[Any, np.dtype[np.float64]] = _primitive(array, np.float64)
        values[~_valid(array)] = math.nan
    else:
        import pyarrow.compute as pc

        values = np.asarray(
            pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        ).copy()
    values[~np.isfinite(values)] = math.nan
    return values


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray[Any, np.dtype[np.int64]], int]:
    """Category codes from 0 (-1 for null) and how many categories: integer columns are codes already."""
    array = column.combine_chunks()
    if array.type == pa.int64():
        codes: np.ndarray[Any, np.dtype[np.int64]] = _primitive(array, np.int64)
        codes[~_valid(array)] = -1
        return codes, int(codes.max()) + 1 if codes.size else 0
    encoded = array.dictionary_encode()
    indices = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return indices, len(encoded.dictionary)


def _matrix(names: Sequence[str], measure: Any) -> list[list[float | None]]:
    size = len(names)
    matrix: list[list[float | None]] = [[1.0 if i == j else None for j in range(size)] for i in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            value = measure(names[i], names[j])
            matrix[i][j] = matrix[j][i] = None if value is None else round(float(value), 6)
    return matrix


def _pearson(
    first: np.ndarray[Any, np.dtype[np.float64]],
    second: np.ndarray[Any, np.dtype[np.float64]],
    *,
    rank: bool,
    ranks: tuple[np.ndarray[Any, np.dtype[np.float64]], np.ndarray[Any, np.dtype[np.float64]]] | None = None,
) -> float | None:
    """Pearson on the rows where both are present (on ranks with ``rank``; ``ranks``: ranked already)."""
    keep = ~(np.isnan(first) | np.isnan(second))
    a, b = first[keep], second[keep]
    if a.size < 3 or a.std() == 0 or b.std() == 0:
        return None
    if ranks is not None:
        return float(np.corrcoef(ranks[0], ranks[1])[0, 1])
    if rank:
        a, b = _ranks(a), _ranks(b)
    return float(np.corrcoef(a, b)[0, 1])


def _ranks(values: np.ndarray[Any, np.dtype[np.float64]]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Ranks from 1, ties sharing their average rank (as ``scipy.stats.rankdata``)."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    average = np.cumsum(counts) - (counts - 1) / 2.0
    ranks: np.ndarray[Any, np.dtype[np.float64]] = average[inverse].astype(np.float64)
    return ranks


def _cramers_v(
    first: tuple[np.ndarray[Any, np.dtype[np.int64]], int],
    second: tuple[np.ndarray[Any, np.dtype[np.int64]], int],
) -> float | None:
    (a, size_a), (b, size_b) = first, second
    keep = (a >= 0) & (b >= 0)
    a, b = a[keep], b[keep]
    if a.size < 3:
        return None
    observed = np.bincount(a * size_b + b, minlength=size_a * size_b).reshape(size_a, size_b).astype(float)
    observed = observed[observed.sum(axis=1) > 0][:, observed.sum(axis=0) > 0]
    if min(observed.shape) < 2:
        return None
    total = observed.sum()
    expected = observed.sum(axis=1, keepdims=True) @ observed.sum(axis=0, keepdims=True) / total
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    return math.sqrt(chi2 / total / (min(observed.shape) - 1))
