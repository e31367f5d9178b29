"""Numeric outliers, flagged (never dropped): Tukey's IQR fences and the MAD modified z-score.

* ``iqr``: outside ``[Q1 - k * IQR, Q3 + k * IQR]`` with ``IQR = Q3 - Q1`` and ``k = 1.5``; the
  quartiles are interpolated (``quantile_cont`` on DuckDB, type 7 in Hyndman and Fan).
* ``mad``: modified z-score ``0.6745 * (x - median) / MAD`` above ``3.5`` in absolute value
  (Iglewicz and Hoaglin), with ``MAD = median(|x - median|)``; when MAD is 0, the mean absolute
  deviation times 1.253314 stands in for ``MAD / 0.6745``.

The statistics come from one or two aggregate queries in the engine; the result is the input
expression with a boolean column ``<column>__outlier`` added (null where the value is null), and
the bounds used.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import ibis

from aimass.exceptions import ConfigError
from aimass.prepare._typing import OutlierMethodName

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["OutlierBounds", "OutlierMethod", "flag_outliers", "outlier_bounds"]

#: How outliers are found: ``iqr`` (Tukey's fences) or ``mad`` (modified z-score).
OutlierMethod = OutlierMethodName

_MAD_SCALE = 0.6745
_MEAN_AD_SCALE = 1.253314


@dataclass(frozen=True)
class OutlierBounds:
    """The fences of one column: values below ``lower`` or above ``upper`` are outliers.

    ``center`` is the median (``mad``) or the midpoint of the quartiles (``iqr``); ``spread`` is the
    IQR or the MAD. All are None when the column has no values.
    """

    column: str
    method: OutlierMethod
    lower: float | None
    upper: float | None
    center: float | None
    spread: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON."""
        return asdict(self)


def _numeric(table: ir.Table, column: str) -> ir.FloatingValue:
    if column not in table.columns:
        raise ConfigError(
            f"there is no column {column!r} to check for outliers; the columns are {list(table.columns)}"
        )
    value = table[column]
    if not value.type().is_numeric():
        raise ConfigError(
            f"outliers: {column!r} is {value.type()}, not a number; parse it first (parse: number or money)"
        )
    result: ir.FloatingValue = value.cast("float64")
    return result


def _row(expr: ir.Table) -> dict[str, Any]:
    rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return rows[0]


def outlier_bounds(
    table: ir.Table, column: str, method: OutlierMethod = "iqr", *, k: float = 1.5, threshold: float = 3.5
) -> OutlierBounds:
    """The outlier fences of ``table[column]``, from aggregate queries in the engine.

    Parameters
    ----------
    table : ibis.expr.types.Table
        The table.
    column : str
        A numeric column.
    method : {"iqr", "mad"}, default "iqr"
        Tukey's fences or the MAD modified z-score.
    k : float, default 1.5
        The IQR multiplier.
    threshold : float, default 3.5
        The modified z-score limit.

    Returns
    -------
    OutlierBounds
        The fences.

    Raises
    ------
    ConfigError
        When the column is missing or not numeric, the method is unknown, or ``k``/``threshold``
        is not positive.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"x": [1.0, 2.0, 3.0, 4.0, 100.0]})
    >>> b = outlier_bounds(t, "x")
    >>> (b.lower, b.upper)
    (-1.0, 7.0)
    >>> round(outlier_bounds(t, "x", "mad").upper, 4)  # median 3, MAD 1: 3 + 3.5 / 0.6745
    8.189
    """
    if method not in ("iqr", "mad"):
        raise ConfigError(f"outliers: {method!r} is not a method; use iqr or mad")
    if not k > 0 or not threshold > 0:
        raise ConfigError(f"outliers: k and threshold must be > 0 (got {k=}, {threshold=})")
    value = _numeric(table, column)
    if method == "iqr":
        stats = _row(table.aggregate(q1=value.quantile(0.25), q3=value.quantile(0.75)))
        if stats["q1"] is None:
            return OutlierBounds(column, method, None, None, None, None)
        q1, q3 = float(stats["q1"]), float(stats["q3"])
        spread = q3 - q1
        return OutlierBounds(column, method, q1 - k * spread, q3 + k * spread, (q1 + q3) / 2, spread)
    median_row = _row(table.aggregate(median=value.quantile(0.5)))
    if median_row["median"] is None:
        return OutlierBounds(column, method, None, None, None, None)
    median = float(median_row["median"])
    deviation = (value - median).abs()
    stats = _row(table.aggregate(mad=deviation.quantile(0.5), mean_ad=deviation.mean()))
    mad = float(stats["mad"])
    scale = mad / _MAD_SCALE if mad > 0 else _MEAN_AD_SCALE * float(stats["mean_ad"])
    return OutlierBounds(column, method, median - threshold * scale, median + threshold * scale, median, mad)


def flag_outliers(
    table: ir.Table, column: str, method: OutlierMethod = "iqr", *, k: float = 1.5, threshold: float = 3.5
) -> tuple[ir.Table, OutlierBounds]:
    """Add ``<column>__outlier``: True outside the fences, False inside, null for null values.

    Rows are never dropped. When every value is equal (or MAD and the mean deviation are 0), the
    fences collapse onto that value and nothing is flagged.

    Parameters
    ----------
    table : ibis.expr.types.Table
        The table.
    column : str
        A numeric column.
    method : {"iqr", "mad"}, default "iqr"
        See :func:`outlier_bounds`.
    k : float, default 1.5
        The IQR multiplier.
    threshold : float, default 3.5
        The modified z-score limit.

    Returns
    -------
    tuple of (ibis.expr.types.Table, OutlierBounds)
        The table with the flag column (lazy), and the fences.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"x": [1.0, 2.0, 3.0, 4.0, 100.0, None]})
    >>> flagged, bounds = flag_outliers(t, "x")
    >>> flagged.x__outlier.to_pyarrow().to_pylist()
    [False, False, False, False, True, None]
    """
    bounds = outlier_bounds(table, column, method, k=k, threshold=threshold)
    value = _numeric(table, column)
    if bounds.lower is None or bounds.upper is None:
        flag = ibis.ifelse(value.isnull(), ibis.null("boolean"), False)
    else:
        flag = (value < bounds.lower) | (value > bounds.upper)
    return table.mutate(**{f"{column}__outlier": flag}), bounds
