"""Data quality: declarative rules checked in the engine, and profiling.

Rules live in the workspace's ``quality/rules.yaml`` or are built in code; :func:`run_rules`
checks them with aggregate queries in the engine and records the results in
``meta.quality_runs`` and ``meta.quality_results``. :func:`profile` describes a table or a file.

Each public name is imported from its private module on first use, so ``from aimass.quality
import profile`` does not load the rules machinery (YAML, the rule models), nor the other way round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aimass._lazy import lazy_exports

if TYPE_CHECKING:
    from aimass.quality._checks import MAX_SAMPLES
    from aimass.quality._profile import Profile, profile, profile_expression
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

#: Public name -> the private module that defines it.
_MODULES: dict[str, str] = {
    "MAX_SAMPLES": "_checks",
    **dict.fromkeys(
        (
            "RULES_FILE",
            "BetweenRule",
            "ForeignKeyRule",
            "FreshnessRule",
            "InSetRule",
            "NotNullRule",
            "RegexRule",
            "RowCountRule",
            "Rule",
            "SqlRule",
            "TypeRule",
            "UniqueRule",
            "parse_rules",
            "read_rules",
        ),
        "_rules",
    ),
    **dict.fromkeys(("QualityReport", "RuleResult", "run_rules"), "_run"),
    **dict.fromkeys(("Profile", "profile", "profile_expression"), "_profile"),
}
_LAZY = {name: (f"{__name__}.{module}", name) for name, module in _MODULES.items()}

__all__ = [
    "MAX_SAMPLES",
    "RULES_FILE",
    "BetweenRule",
    "ForeignKeyRule",
    "FreshnessRule",
    "InSetRule",
    "NotNullRule",
    "Profile",
    "QualityReport",
    "RegexRule",
    "RowCountRule",
    "Rule",
    "RuleResult",
    "SqlRule",
    "TypeRule",
    "UniqueRule",
    "parse_rules",
    "profile",
    "profile_expression",
    "read_rules",
    "run_rules",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
