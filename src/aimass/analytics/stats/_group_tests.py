"""Hypothesis tests between groups, with assumption checks, effect sizes and a plain-words conclusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from aimass.exceptions import ConfigError, SchemaError

__all__ = ["GROUP_TESTS", "GroupTest", "GroupTestResult", "check_assumptions", "compare_groups"]

GroupTest = Literal["auto", "welch", "student", "mannwhitney", "anova", "kruskal", "chi2"]
GROUP_TESTS: tuple[str, ...] = ("auto", "welch", "student", "mannwhitney", "anova", "kruskal", "chi2")

_TEST_NAMES = {
    "welch": "Welch's t-test",
    "student": "Student's t-test",
    "mannwhitney": "Mann-Whitney U test",
    "anova": "one-way ANOVA",
    "kruskal": "Kruskal-Wallis H test",
    "chi2": "Pearson's chi-square test",
}
_SYMBOL = {"welch": "t", "student": "t", "mannwhitney": "U", "anova": "F", "kruskal": "H", "chi2": "chi²"}
#: Cohen's conventional thresholds (small, medium, large) of each effect size.
_THRESHOLDS = {
    "hedges_g": (0.2, 0.5, 0.8),
    "rank_biserial": (0.1, 0.3, 0.5),
    "eta_squared": (0.01, 0.06, 0.14),
    "epsilon_squared": (0.01, 0.06, 0.14),
    "cramers_v": (0.1, 0.3, 0.5),
}
_SHAPIRO_MAX = 5000


@dataclass(frozen=True)
class GroupTestResult:
    """The outcome of :func:`compare_groups`.

    Attributes
    ----------
    test : str
        The test run (``"welch"``, ``"student"``, ``"mannwhitney"``, ``"anova"``, ``"kruskal"``,
        ``"chi2"``).
    statistic : float
        Its statistic (t, U of the first group, F, H or chi-square).
    p_value : float
        Two-sided p-value.
    df : tuple of float
        Degrees of freedom (empty for Mann-Whitney; two for ANOVA).
    effect_size : float
        The headline effect size: Hedges' g (t-tests), rank-biserial r (Mann-Whitney), eta²
        (ANOVA), epsilon² (Kruskal-Wallis) or Cramér's V (chi-square).
    effect_size_name : str
        Its name (``"hedges_g"`` ...).
    magnitude : str
        ``"negligible"``, ``"small"``, ``"medium"`` or ``"large"`` by Cohen's conventions (for V
        the thresholds are divided by ``sqrt(min(rows, columns) - 1)``).
    effects : dict of str to float
        Every effect size computed (Cohen's d, omega², the mean difference ...).
    groups : pandas.DataFrame
        Per group: ``group``, ``n``, ``mean``, ``median``, ``std``; for chi-square the share of
        each value level (``share[<level>]``) instead.
    assumptions : dict
        ``normality_test`` and per-group ``normality_p``, ``normal``, ``levene_p``,
        ``equal_variance`` (numeric values), and why ``"auto"`` chose the test (``reason``).
    n : int
        Observations used.
    alpha : float
        Significance level of the conclusion.
    conclusion : str
        One or two sentences in plain words.
    value, group : str
        The compared column and the grouping column.
    """

    test: str
    statistic: float
    p_value: float
    df: tuple[float, ...]
    effect_size: float
    effect_size_name: str
    magnitude: str
    effects: dict[str, float]
    groups: pd.DataFrame
    assumptions: dict[str, Any]
    n: int
    alpha: float
    conclusion: str
    value: str
    group: str
    warnings: list[str] = field(default_factory=list)

    @property
    def significant(self) -> bool:
        """Whether ``p_value < alpha``."""
        return bool(self.p_value < self.alpha)

    def to_row(self, question: str = "") -> dict[str, Any]:
        """A flat dict for a results table (``mart.group_tests``)."""
        return {
            "question": question or f"Does {self.value} differ by {self.group}?",
            "value": self.value,
            "group": self.group,
            "test": self.test,
            "statistic": self.statistic,
            "df": ", ".join(f"{d:.6g}" for d in self.df),
            "p_value": self.p_value,
            "effect_size": self.effect_size,
            "effect_size_name": self.effect_size_name,
            "effect_magnitude": self.magnitude,
            "significant": self.significant,
            "n": self.n,
            "n_groups": len(self.groups),
            "assumptions": _assumption_text(self.assumptions),
            "conclusion": self.conclusion,
        }


def _assumption_text(assumptions: dict[str, Any]) -> str:
    parts = []
    if "normal" in assumptions:
        parts.append(f"normal: {assumptions['normal']} ({assumptions['normality_test']})")
    if "levene_p" in assumptions:
        parts.append(f"Levene p = {assumptions['levene_p']:.3g}")
    if "reason" in assumptions:
        parts.append(str(assumptions["reason"]))
    return "; ".join(parts)


def _magnitude(name: str, value: float, scale: float = 1.0) -> str:
    small, medium, large = (t / scale for t in _THRESHOLDS[name])
    size = abs(value)
    if np.isnan(size) or size < small:
        return "negligible"
    if size < medium:
        return "small"
    return "medium" if size < large else "large"


def check_assumptions(samples: Sequence[np.ndarray[Any, Any]], *, alpha: float = 0.05) -> dict[str, Any]:
    """Normality of each sample and equality of their variances.

    Normality is tested with Shapiro-Wilk for samples of 3 to 5,000 values and with D'Agostino and
    Pearson's K² for larger ones; equal variances with Levene's test (median-centred, i.e.
    Brown-Forsythe).

    Parameters
    ----------
    samples : sequence of array-like
        One numeric sample per group.
    alpha : float
        Level below which a test's null hypothesis is rejected.

    Returns
    -------
    dict
        ``normality_test``, ``normality_p`` (list, None for a sample under 3 values), ``normal``
        (every testable sample passes), ``levene_p`` and ``equal_variance``.
    """
    p_values: list[float | None] = []
    used = set()
    for sample in samples:
        values = np.asarray(sample, dtype="float64")
        if values.size < 3 or np.ptp(values) == 0:
            p_values.append(None)
            continue
        if values.size <= _SHAPIRO_MAX:
            used.add("shapiro")
            p_values.append(float(stats.shapiro(values).pvalue))
        else:
            used.add("dagostino")
            p_values.append(float(stats.normaltest(values).pvalue))
    tested = [p for p in p_values if p is not None]
    levene_p = float("nan")
    if len(samples) >= 2 and all(np.asarray(s).size >= 2 for s in samples):
        with np.errstate(all="ignore"):
            levene_p = float(stats.levene(*samples, center="median").pvalue)
    return {
        "normality_test": "+".join(sorted(used)) or "none",
        "normality_p": p_values,
        "normal": bool(tested) and all(p >= alpha for p in tested),
        "levene_p": levene_p,
        "equal_variance": bool(not np.isnan(levene_p) and levene_p >= alpha),
    }


def _choose(k: int, assumptions: dict[str, Any]) -> tuple[str, str]:
    normal, equal = assumptions["normal"], assumptions["equal_variance"]
    if k == 2:
        if not normal:
            return "mannwhitney", "not normal: rank test"
        return ("student", "normal, equal variances") if equal else ("welch", "normal, unequal variances")
    if normal and equal:
        return "anova", "normal, equal variances"
    return "kruskal", "not normal or unequal variances: rank test"


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _numeric_test(
    test: str, labels: list[str], samples: list[np.ndarray[Any, Any]]
) -> tuple[float, float, tuple[float, ...], str, dict[str, float]]:
    if test in ("welch", "student", "mannwhitney") and len(samples) != 2:
        raise ConfigError(f"test {test!r} compares exactly 2 groups; there are {len(samples)}: {labels}")
    n_total = sum(s.size for s in samples)
    if test in ("welch", "student"):
        a, b = samples
        result = stats.ttest_ind(a, b, equal_var=test == "student")
        n1, n2 = a.size, b.size
        pooled = np.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / (n1 + n2 - 2))
        d = float((a.mean() - b.mean()) / pooled) if pooled > 0 else float("nan")
        g = d * (1.0 - 3.0 / (4.0 * (n1 + n2) - 9.0))
        effects = {"hedges_g": g, "cohen_d": d, "mean_difference": float(a.mean() - b.mean())}
        return float(result.statistic), float(result.pvalue), (float(result.df),), "hedges_g", effects
    if test == "mannwhitney":
        a, b = samples
        result = stats.mannwhitneyu(a, b, alternative="two-sided")
        u = float(result.statistic)
        probability = u / (a.size * b.size)
        effects = {"rank_biserial": 2.0 * probability - 1.0, "common_language": probability}
        return u, float(result.pvalue), (), "rank_biserial", effects
    if test == "anova":
        result = stats.f_oneway(*samples)
        grand = np.concatenate(samples).mean()
        between = sum(s.size * (s.mean() - grand) ** 2 for s in samples)
        within = sum(((s - s.mean()) ** 2).sum() for s in samples)
        k = len(samples)
        mean_within = within / (n_total - k)
        effects = {
            "eta_squared": float(between / (between + within)),
            "omega_squared": float((between - (k - 1) * mean_within) / (between + within + mean_within)),
        }
        return float(result.statistic), float(result.pvalue), (k - 1.0, n_total - k), "eta_squared", effects
    result = stats.kruskal(*samples)
    h, k = float(result.statistic), len(samples)
    effects = {"epsilon_squared": h / (n_total - 1.0), "eta_squared_h": (h - k + 1.0) / (n_total - k)}
    return h, float(result.pvalue), (k - 1.0,), "epsilon_squared", effects


def compare_groups(
    df: pd.DataFrame,
    value: str,
    group: str,
    test: GroupTest = "auto",
    *,
    groups: Sequence[Any] | None = None,
    alpha: float = 0.05,
    min_group_size: int = 2,
) -> GroupTestResult:
    """Test whether ``value`` differs between the groups of ``group``.

    ``test="auto"`` picks: chi-square when ``value`` is not numeric (or boolean); otherwise it
    checks normality (Shapiro-Wilk, or D'Agostino K² above 5,000 values) and equal variances
    (Levene) and picks, for two groups, Student's t (normal, equal variances), Welch's t (normal,
    unequal) or Mann-Whitney (not normal); for more groups, ANOVA (normal, equal variances) or
    Kruskal-Wallis (otherwise). The checks are reported for every test.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per observation.
    value : str
        Numeric column (or categorical/boolean for chi-square).
    group : str
        Grouping column.
    test : {"auto", "welch", "student", "mannwhitney", "anova", "kruskal", "chi2"}
        The test, or ``"auto"``.
    groups : sequence, optional
        Groups to compare, in this order (the first is "group 1" of two-group effect sizes);
        default every group in sorted order.
    alpha : float
        Significance level used in the conclusion and the assumption checks.
    min_group_size : int
        Groups with fewer observations are left out (with a warning).

    Returns
    -------
    GroupTestResult

    Raises
    ------
    ConfigError
        If a column or test is unknown, or a two-group test gets another number of groups.
    SchemaError
        If fewer than two groups have enough observations.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"g": ["a"] * 4 + ["b"] * 4, "x": [1.0, 2, 3, 4, 3, 4, 5, 6]})
    >>> result = compare_groups(data, "x", "g", test="student")
    >>> round(result.statistic, 4), round(result.p_value, 4), result.df
    (-2.1909, 0.071, (6.0,))
    """
    if test not in GROUP_TESTS:
        raise ConfigError(f"`test={test!r}` is not allowed; use one of {list(GROUP_TESTS)}")
    if not 0.0 < alpha < 1.0:
        raise ConfigError(f"`alpha={alpha}` must be between 0 and 1")
    for column in (value, group):
        if column not in df.columns:
            raise ConfigError(f"column {column!r} is not in the table; columns are {list(df.columns)}")
    data = df[[value, group]].dropna()
    labels_all = data[group].astype(str)
    counts = labels_all.value_counts()
    order = [str(g) for g in groups] if groups is not None else sorted(counts.index)
    unknown = [g for g in order if g not in counts.index]
    warnings = [f"group {g!r} has no observations" for g in unknown]
    small = [g for g in order if g in counts.index and counts[g] < min_group_size]
    warnings += [
        f"group {g!r} has {counts[g]} observations (< {min_group_size}) and was left out" for g in small
    ]
    order = [g for g in order if g in counts.index and counts[g] >= min_group_size]
    if len(order) < 2:
        raise SchemaError(
            f"need at least 2 groups of {group!r} with >= {min_group_size} observations; have {order}"
        )
    data = data[labels_all.isin(order)]
    labels = data[group].astype(str)
    numeric = pd.api.types.is_numeric_dtype(data[value]) and not pd.api.types.is_bool_dtype(data[value])
    if test == "auto" and not numeric:
        test = "chi2"
    if test == "chi2":
        return _chi2(data[value], labels, order, value, group, alpha, warnings)
    if not numeric:
        raise SchemaError(
            f"test {test!r} needs a numeric {value!r}; it has dtype {data[value].dtype} (use chi2)"
        )
    samples = [data.loc[labels == g, value].to_numpy(dtype="float64") for g in order]
    assumptions = check_assumptions(samples, alpha=alpha)
    chosen: str = test
    if chosen == "auto":
        chosen, reason = _choose(len(order), assumptions)
        assumptions["reason"] = f"auto chose {chosen}: {reason}"
    statistic, p_value, dof, effect_name, effects = _numeric_test(chosen, order, samples)
    summary = pd.DataFrame(
        {
            "group": order,
            "n": [s.size for s in samples],
            "mean": [float(s.mean()) for s in samples],
            "median": [float(np.median(s)) for s in samples],
            "std": [float(s.std(ddof=1)) if s.size > 1 else float("nan") for s in samples],
        }
    )
    effect = float(effects[effect_name])
    magnitude = _magnitude(effect_name, effect)
    centre = "median" if chosen in ("mannwhitney", "kruskal") else "mean"
    ranked = summary.sort_values(centre, ascending=False)
    verdict = "differs" if p_value < alpha else "does not differ detectably"
    conclusion = (
        f"{value} {verdict} between {group} groups at the {alpha:g} level ({_TEST_NAMES[chosen]}: "
        f"{_SYMBOL[chosen]} = {statistic:.4g}, {_p_text(p_value)}; "
        f"{effect_name} = {effect:.3f}, {magnitude} effect). "
        f"Highest {centre}: {ranked['group'].iloc[0]} ({ranked[centre].iloc[0]:.4g}); "
        f"lowest: {ranked['group'].iloc[-1]} ({ranked[centre].iloc[-1]:.4g})."
    )
    return GroupTestResult(
        test=chosen,
        statistic=statistic,
        p_value=p_value,
        df=dof,
        effect_size=effect,
        effect_size_name=effect_name,
        magnitude=magnitude,
        effects={k: float(v) for k, v in effects.items()},
        groups=summary,
        assumptions=assumptions,
        n=int(sum(s.size for s in samples)),
        alpha=alpha,
        conclusion=conclusion,
        value=value,
        group=group,
        warnings=warnings,
    )


def _chi2(
    values: pd.Series,
    labels: pd.Series,
    order: list[str],
    value: str,
    group: str,
    alpha: float,
    warnings: list[str],
) -> GroupTestResult:
    table = pd.crosstab(labels, values.astype(str)).reindex(order)
    if table.shape[1] < 2:
        raise SchemaError(f"{value!r} has a single level in these groups: chi-square needs at least 2")
    observed = table.to_numpy(dtype="float64")
    result = stats.chi2_contingency(observed, correction=False)
    n = float(observed.sum())
    k = min(observed.shape) - 1
    v = float(np.sqrt(result.statistic / (n * k)))
    expected_small = float((result.expected_freq < 5).mean())
    if expected_small > 0.2:
        warnings.append(
            f"{expected_small:.0%} of expected counts are below 5: the chi-square p-value is approximate"
        )
    shares = table.div(table.sum(axis=1), axis=0)
    summary = pd.DataFrame({"group": order, "n": table.sum(axis=1).to_numpy(dtype="int64")})
    for level in table.columns:
        summary[f"share[{level}]"] = shares[level].to_numpy(dtype="float64")
    magnitude = _magnitude("cramers_v", v, float(np.sqrt(k)))
    level = str(table.columns[-1])
    ranked = shares[level].sort_values(ascending=False)
    verdict = "differs" if result.pvalue < alpha else "does not differ detectably"
    conclusion = (
        f"The distribution of {value} {verdict} between {group} groups at the {alpha:g} level "
        f"({_TEST_NAMES['chi2']}: chi² = {result.statistic:.4g}, df = {result.dof}, "
        f"{_p_text(result.pvalue)}; "
        f"Cramér's V = {v:.3f}, {magnitude} effect). Share of {value} = {level}: highest in "
        f"{ranked.index[0]} ({ranked.iloc[0]:.1%}), lowest in {ranked.index[-1]} ({ranked.iloc[-1]:.1%})."
    )
    effects = {"cramers_v": v}
    if observed.shape == (2, 2):
        a, b, c, d = observed.ravel()
        effects["phi"] = float((a * d - b * c) / np.sqrt((a + b) * (c + d) * (a + c) * (b + d)))
    return GroupTestResult(
        test="chi2",
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        df=(float(result.dof),),
        effect_size=v,
        effect_size_name="cramers_v",
        magnitude=magnitude,
        effects=effects,
        groups=summary,
        assumptions={"expected_below_5_share": expected_small, "reason": "categorical value: chi-square"},
        n=int(n),
        alpha=alpha,
        conclusion=conclusion,
        value=value,
        group=group,
        warnings=warnings,
    )
