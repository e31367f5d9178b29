"""Linear regression of a numeric target on features: coefficients, intervals, p-values, R²."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aimass.exceptions import ConfigError, SchemaError

__all__ = ["COEFFICIENT_COLUMNS", "RegressionResult", "regress"]

#: Columns of :attr:`RegressionResult.coefficients`.
COEFFICIENT_COLUMNS: tuple[str, ...] = (
    "term",
    "feature",
    "coef",
    "std_err",
    "t",
    "p_value",
    "ci_low",
    "ci_high",
    "std_coef",
)


@dataclass(frozen=True)
class RegressionResult:
    """A fitted ordinary least squares regression.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        One row per term (``"Intercept"``, numeric features by name, categorical levels as
        ``"channel[T.store]"`` against the reference level): ``term``, ``feature``, ``coef``,
        ``std_err``, ``t``, ``p_value``, ``ci_low``, ``ci_high`` and ``std_coef`` (the coefficient
        times ``sd(x) / sd(y)``: change in standard deviations of the target per standard deviation
        of the term; NaN for the intercept).
    target : str
        The regressed column.
    n : int
        Rows used (after dropping rows with missing values).
    n_dropped : int
        Rows dropped for missing values.
    r_squared, adj_r_squared : float
        Coefficient of determination, and adjusted for the number of terms.
    f_statistic, f_p_value : float
        Overall F test that every slope is 0 (a robust Wald test when ``cov_type`` is HC3).
    cov_type : str
        ``"nonrobust"`` or ``"HC3"``.
    alpha : float
        1 - confidence level of the intervals.
    references : dict of str to str
        Reference level of each categorical feature.
    warnings : list of str
        Features dropped (constant, a single level) or a rank-deficient design.
    """

    coefficients: pd.DataFrame
    target: str
    n: int
    n_dropped: int
    r_squared: float
    adj_r_squared: float
    f_statistic: float
    f_p_value: float
    cov_type: str
    alpha: float
    references: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary_text(self) -> str:
        """A plain-text table of the fit, like a statistics package prints."""
        level = f"{(1 - self.alpha) * 100:g}%"
        head = (
            f"OLS of {self.target} on {len(self.coefficients) - 1} terms: n = {self.n:,}"
            f" ({self.n_dropped:,} rows dropped for missing values), R² = {self.r_squared:.4f},"
            f" adjusted R² = {self.adj_r_squared:.4f}, F = {self.f_statistic:.4g}"
            f" (p = {_p_text(self.f_p_value)}),"
            f" standard errors: {self.cov_type}"
        )
        width = max(12, *(len(str(term)) for term in self.coefficients["term"]))
        lines = [
            head,
            f"{'term':<{width}} {'coef':>12} {'std err':>11} {'t':>8} {'p':>9} {level + ' CI':>27}"
            f" {'std coef':>9}",
        ]
        names = ("term", "coef", "std_err", "t", "p_value", "ci_low", "ci_high", "std_coef")
        for term, coef, err, t, p, low, high, std_coef in zip(
            *(self.coefficients[c].tolist() for c in names), strict=True
        ):
            std = "" if np.isnan(std_coef) else f"{std_coef:9.3f}"
            lines.append(
                f"{term!s:<{width}} {coef:12.4g} {err:11.4g} {t:8.3f} {_p_text(p):>9}"
                f" [{low:12.4g}, {high:12.4g}] {std:>9}"
            )
        if self.references:
            lines.append("reference levels: " + ", ".join(f"{k} = {v}" for k, v in self.references.items()))
        lines += [f"warning: {warning}" for warning in self.warnings]
        return "\n".join(lines)


def _p_text(p: float) -> str:
    if np.isnan(p):
        return "nan"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def regress(
    df: pd.DataFrame,
    target: str,
    features: Sequence[str] | None = None,
    *,
    robust: bool = False,
    categorical: Sequence[str] = (),
    reference: Mapping[str, str] | None = None,
    alpha: float = 0.05,
) -> RegressionResult:
    """Ordinary least squares of ``target`` on ``features`` (statsmodels), with an intercept.

    Text, boolean and categorical columns (and those named in ``categorical``) are treatment
    coded: one 0/1 term per level except the reference level, which is the one given in
    ``reference`` or else the first level in sorted order. Rows with a missing value in any used
    column are dropped.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per observation (e.g. per customer).
    target : str
        Numeric column to explain.
    features : sequence of str, optional
        Columns to use; default every column but ``target``.
    robust : bool
        Heteroscedasticity-consistent (HC3) standard errors instead of the classical ones.
    categorical : sequence of str
        Numeric columns to treat as categorical (e.g. a store number).
    reference : mapping of str to str, optional
        Reference level per categorical feature.
    alpha : float
        1 - confidence level of the intervals (0.05 gives 95% intervals).

    Returns
    -------
    RegressionResult

    Raises
    ------
    ConfigError
        If a column is not in ``df``, ``alpha`` is not in (0, 1) or a reference level is unknown.
    SchemaError
        If the target is not numeric or too few rows are left to fit.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [1.0, 3.0, 5.0, 7.5]})
    >>> fit = regress(data, "y")
    >>> fit.coefficients[["term", "coef"]].round(3).to_dict("list")
    {'term': ['Intercept', 'x'], 'coef': [0.9, 2.15]}
    """
    from statsmodels.regression.linear_model import OLS

    if not 0.0 < alpha < 1.0:
        raise ConfigError(f"`alpha={alpha}` must be between 0 and 1 (0.05 gives 95% intervals)")
    if target not in df.columns:
        raise ConfigError(f"target {target!r} is not a column; columns are {list(df.columns)}")
    chosen = [c for c in df.columns if c != target] if features is None else list(features)
    unknown = [c for c in [*chosen, *categorical] if c not in df.columns]
    if unknown:
        raise ConfigError(f"features {unknown} are not columns; columns are {list(df.columns)}")
    if target in chosen:
        raise ConfigError(f"target {target!r} cannot also be a feature")
    if not pd.api.types.is_numeric_dtype(df[target]) or pd.api.types.is_bool_dtype(df[target]):
        raise SchemaError(f"target {target!r} must be numeric; it has dtype {df[target].dtype}")
    data = df[[target, *chosen]].replace([np.inf, -np.inf], np.nan).dropna()
    n_dropped = len(df) - len(data)
    references: dict[str, str] = {}
    warnings: list[str] = []
    columns: dict[str, np.ndarray[Any, Any]] = {"Intercept": np.ones(len(data))}
    feature_of: dict[str, str] = {"Intercept": ""}
    for name in chosen:
        series = data[name]
        if name in categorical or _is_categorical(series):
            labels = series.astype(str)
            levels = sorted(labels.unique())
            if len(levels) < 2:
                warnings.append(f"{name} has a single level ({levels}) and was left out")
                continue
            wanted = (reference or {}).get(name)
            if wanted is not None and str(wanted) not in levels:
                raise ConfigError(f"reference level {wanted!r} of {name!r} is not one of its levels {levels}")
            base = str(wanted) if wanted is not None else levels[0]
            references[name] = base
            for level in levels:
                if level != base:
                    term = f"{name}[T.{level}]"
                    columns[term] = (labels == level).to_numpy(dtype="float64")
                    feature_of[term] = name
        else:
            values = series.to_numpy(dtype="float64")
            if np.ptp(values) == 0:
                warnings.append(f"{name} is constant and was left out")
                continue
            columns[name] = values
            feature_of[name] = name
    design = np.column_stack(list(columns.values()))
    y = data[target].to_numpy(dtype="float64")
    n, p = design.shape
    if n <= p:
        raise SchemaError(f"{n} complete rows cannot fit {p} coefficients; need more rows than terms")
    rank = int(np.linalg.matrix_rank(design))
    if rank < p:
        warnings.append(f"the design has rank {rank} < {p} terms: some terms are collinear")
    model = OLS(y, design)
    fit = model.fit(cov_type="HC3", use_t=True) if robust else model.fit()
    interval = np.asarray(fit.conf_int(alpha=alpha))
    sd_y = float(np.std(y, ddof=1))
    sd_x = design.std(axis=0, ddof=1)
    std_coef = np.where(sd_x > 0, np.asarray(fit.params) * sd_x / sd_y if sd_y > 0 else np.nan, np.nan)
    terms = list(columns)
    coefficients = pd.DataFrame(
        {
            "term": terms,
            "feature": [feature_of[t] for t in terms],
            "coef": np.asarray(fit.params, dtype="float64"),
            "std_err": np.asarray(fit.bse, dtype="float64"),
            "t": np.asarray(fit.tvalues, dtype="float64"),
            "p_value": np.asarray(fit.pvalues, dtype="float64"),
            "ci_low": interval[:, 0],
            "ci_high": interval[:, 1],
            "std_coef": std_coef,
        }
    )
    f_statistic, f_p_value = float("nan"), float("nan")
    if p > 1:
        f_statistic = float(np.squeeze(fit.fvalue))
        f_p_value = float(np.squeeze(fit.f_pvalue))
    return RegressionResult(
        coefficients=coefficients,
        target=target,
        n=int(n),
        n_dropped=int(n_dropped),
        r_squared=float(fit.rsquared),
        adj_r_squared=float(fit.rsquared_adj),
        f_statistic=f_statistic,
        f_p_value=f_p_value,
        cov_type="HC3" if robust else "nonrobust",
        alpha=alpha,
        references=references,
        warnings=warnings,
    )
