"""Missing values, by a per-column policy: keep, drop the row, fill a constant, fill by group median/mode.

Each policy builds an Ibis expression (filters, ``coalesce``, and median/mode window aggregates
partitioned by the ``by`` columns), and its effect is counted with one aggregate query before and
one after, so the report says how many values were missing, filled, dropped and are still left.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import ibis

from aimass.exceptions import ConfigError
from aimass.prepare._typing import MissingPolicyName

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["MissingReport", "apply_missing", "fill_missing"]

Scalar = str | int | float | bool


@dataclass
class MissingReport:
    """What a missing-value policy did to one column.

    ``n_missing`` nulls were found among ``rows_before`` rows; ``n_filled`` were filled,
    ``n_dropped`` rows were dropped, and ``n_left`` nulls remain (``keep``, or a group with no
    value to take the median or mode of).
    """

    column: str
    policy: MissingPolicyName
    rows_before: int
    n_missing: int
    n_filled: int
    n_dropped: int
    n_left: int

    @property
    def pct_missing(self) -> float:
        """Missing values as a percentage of the rows."""
        return 100.0 * self.n_missing / self.rows_before if self.rows_before else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON."""
        return {**asdict(self), "pct_missing": round(self.pct_missing, 4)}


def _missing(value: ir.Value) -> ir.BooleanValue:
    """Null, or (for text) empty after trimming."""
    missing = value.isnull()
    if value.type().is_string():
        missing = missing | (value.strip() == "")
    return missing


def fill_missing(
    table: ir.Table,
    column: str,
    policy: MissingPolicyName,
    *,
    value: Scalar | None = None,
    by: tuple[str, ...] | list[str] = (),
) -> ir.Table:
    """The table with ``column``'s missing values treated by ``policy`` (lazy; nothing runs).

    Missing means null, or empty/blank text. Policies:

    * ``keep``: nothing changes.
    * ``drop_row``: rows where the column is missing are removed.
    * ``fill_constant``: missing values become ``value``.
    * ``fill_group_median``: the median of the column within the row's ``by`` group (the whole
      column when ``by`` is empty); numeric columns only.
    * ``fill_group_mode``: the most frequent value within the group (ties: the engine's choice).

    Parameters
    ----------
    table : ibis.expr.types.Table
        The table.
    column : str
        The column to treat.
    policy : {"keep", "drop_row", "fill_constant", "fill_group_median", "fill_group_mode"}
        What to do.
    value : str, int, float or bool, optional
        The constant of ``fill_constant``.
    by : sequence of str, default ()
        The grouping columns of the group fills.

    Returns
    -------
    ibis.expr.types.Table
        The treated table (same columns).

    Raises
    ------
    ConfigError
        When a column is missing, a constant is missing or absent where needed, or the median is
        asked of a non-numeric column.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"g": ["a", "a", "a", "b", "b"], "x": [1.0, None, 3.0, None, 5.0]})
    >>> fill_missing(t, "x", "fill_group_median", by=["g"]).order_by("g").x.to_pyarrow().to_pylist()
    [1.0, 2.0, 3.0, 5.0, 5.0]
    """
    for name in (column, *by):
        if name not in table.columns:
            raise ConfigError(f"missing: there is no column {name!r}; the columns are {list(table.columns)}")
    if (value is not None) != (policy == "fill_constant"):
        raise ConfigError(
            "missing: `value` goes with policy fill_constant and only with it "
            f"(policy {policy}, value {value!r})"
        )
    if by and not policy.startswith("fill_group_"):
        raise ConfigError(f"missing: `by` goes with fill_group_median or fill_group_mode, not {policy}")
    target = table[column]
    missing = _missing(target)
    if policy == "keep":
        return table
    if policy == "drop_row":
        return table.filter(~missing)
    if policy == "fill_constant":
        fill: ir.Value = ibis.literal(value).cast(target.type())
    else:
        present = ibis.ifelse(missing, ibis.null(target.type()), target)
        window = ibis.window(group_by=[table[name] for name in by]) if by else ibis.window()
        if policy == "fill_group_median":
            if not target.type().is_numeric():
                raise ConfigError(
                    f"missing: fill_group_median needs a number, but {column!r} is {target.type()}; "
                    "use fill_group_mode"
                )
            fill = present.median().over(window).cast(target.type())
        elif policy == "fill_group_mode":
            fill = present.mode().over(window)
        else:
            raise ConfigError(
                f"missing: {policy!r} is not a policy; use keep, drop_row, fill_constant, "
                "fill_group_median or fill_group_mode"
            )
    return table.mutate(**{column: ibis.ifelse(missing, fill, target)})


def apply_missing(
    table: ir.Table,
    column: str,
    policy: MissingPolicyName,
    *,
    value: Scalar | None = None,
    by: tuple[str, ...] | list[str] = (),
) -> tuple[ir.Table, MissingReport]:
    """:func:`fill_missing`, and a report counted by two aggregate queries (before and after).

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"c": ["x", None, " ", "y"]})
    >>> treated, report = apply_missing(t, "c", "drop_row")
    >>> (report.n_missing, report.n_dropped, report.n_left, treated.count().to_pyarrow().as_py())
    (2, 2, 0, 2)
    """
    treated = fill_missing(table, column, policy, value=value, by=by)
    before = _counts(table, column)
    after = _counts(treated, column)
    dropped = before["rows"] - after["rows"]
    report = MissingReport(
        column=column,
        policy=policy,
        rows_before=before["rows"],
        n_missing=before["missing"],
        n_filled=before["missing"] - dropped - after["missing"],
        n_dropped=dropped,
        n_left=after["missing"],
    )
    return treated, report


def _counts(table: ir.Table, column: str) -> dict[str, int]:
    missing = _missing(table[column])
    row = table.aggregate(rows=table.count(), missing=missing.cast("int64").sum()).to_pyarrow().to_pylist()[0]
    return {"rows": int(row["rows"] or 0), "missing": int(row["missing"] or 0)}
