"""Data quality: declarative rules checked in the engine, and profiling.

Rules live in the workspace's ``quality/rules.yaml`` or are built in code; :func:`run_rules`
checks them with aggregate queries in the engine and records the results in
``meta.quality_runs`` and ``meta.quality_results``.
"""

from __future__ import annotations

from aimass.quality._checks import MAX_SAMPLES
from aimass.quality._rules import (
    RULES_FILE,
    BetweenRule,
    ForeignKeyRule,
    FreshnessRule,
    InSetRule,
    NotNullRule,
    RegexRule,
    RowCountRule,
    Rule,
    SqlRule,
    TypeRule,
    UniqueRule,
    parse_rules,
    read_rules,
)
from aimass.quality._run import QualityReport, RuleResult, run_rules

__all__ = [
    "MAX_SAMPLES",
    "RULES_FILE",
    "BetweenRule",
    "ForeignKeyRule",
    "FreshnessRule",
    "InSetRule",
    "NotNullRule",
    "QualityReport",
    "RegexRule",
    "RowCountRule",
    "Rule",
    "RuleResult",
    "SqlRule",
    "TypeRule",
    "UniqueRule",
    "parse_rules",
    "read_rules",
    "run_rules",
]

# profiling ------------------------------------------------------------------------------------------
from aimass.quality._profile import Profile, profile, profile_expression

__all__ += ["Profile", "profile", "profile_expression"]
