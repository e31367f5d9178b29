"""Evaluative statistics: regression drivers (OLS with classical or HC3 errors) and hypothesis tests
between groups (Welch/Student t, Mann-Whitney, ANOVA, Kruskal-Wallis, chi-square) with effect sizes."""

from aimass.analytics.stats._features import driver_features, order_values
from aimass.analytics.stats._group_tests import (
    GROUP_TESTS,
    GroupTestResult,
    check_assumptions,
    compare_groups,
)
from aimass.analytics.stats._regression import RegressionResult, regress

__all__ = [
    "GROUP_TESTS",
    "GroupTestResult",
    "RegressionResult",
    "check_assumptions",
    "compare_groups",
    "driver_features",
    "order_values",
    "regress",
]
