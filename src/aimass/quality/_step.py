"""The ``quality`` pipeline step: run the workspace's rules on raw and core (registered on import)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aimass.pipeline import StepResult, step
from aimass.quality._rules import RULES_FILE
from aimass.quality._run import QualityReport, run_rules
from aimass.workspace import Workspace

__all__ = ["QualityParams", "run_quality", "summarize"]


class QualityParams(BaseModel):
    """Parameters of the ``quality`` step (``[steps.quality]`` in ``aimass.toml``)."""

    model_config = ConfigDict(extra="forbid")

    rules: str = Field(RULES_FILE, description="rules file, relative to the workspace")
    tables: list[str] | None = Field(None, description="only rules on these tables (patterns allowed)")


def _chart(report: QualityReport) -> dict[str, Any]:
    """Failing percentage per rule, coloured by status (Vega-Lite)."""
    values = [
        {"rule": r.rule_id, "table": r.table_name, "pct_failed": r.pct_failed, "status": r.status}
        for r in report.results
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": "quality: failing rows per rule (%)",
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "y": {"field": "rule", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "pct_failed", "type": "quantitative", "title": "% failing"},
            "color": {
                "field": "status",
                "type": "nominal",
                "scale": {"domain": ["pass", "warn", "fail"], "range": ["#4c9a2a", "#e0a800", "#c0392b"]},
            },
            "tooltip": [{"field": "table"}, {"field": "pct_failed", "format": ".2f"}],
        },
    }


def summarize(report: QualityReport) -> StepResult:
    """A :class:`StepResult` for a quality run: counts, failing rules as warnings, a chart."""
    figures: dict[str, Any] = {
        "run_id": report.run_id,
        "rules": len(report.results),
        "passed": report.n_passed,
        "warned": report.n_warned,
        "failed": report.n_failed,
        "failing_rows_by_rule": {r.rule_id: r.n_failed for r in report.results if r.status != "pass"},
    }
    warnings = [
        f"{r.status}: {r.rule_id} on {r.table_name}: {r.n_failed:,} of {r.n_rows:,} row(s) "
        f"({r.pct_failed:.2f}%){f'; {r.detail}' if r.detail else ''}"
        for r in report.results
        if r.status != "pass"
    ]
    summary = (
        f"checked {len(report.results)} rule(s): {report.n_passed} passed, {report.n_warned} warned, "
        f"{report.n_failed} failed"
    )
    return StepResult(
        tables={"meta.quality_results": len(report.results), "meta.quality_runs": 1},
        figures=figures,
        charts=[_chart(report)] if report.results else [],
        warnings=warnings,
        summary=summary,
    )


@step(
    "quality",
    reads=["raw.*", "core.*"],
    writes=["meta.quality_runs", "meta.quality_results"],
    params=QualityParams,
)
def run_quality(workspace: Workspace, params: QualityParams) -> StepResult:
    """Check the quality rules (quality/rules.yaml) on the raw and core tables."""
    if params.rules == RULES_FILE and not workspace.resolve(RULES_FILE).is_file():
        return StepResult(
            warnings=[f"no {RULES_FILE} in the workspace: no quality rules were checked"],
            summary="no quality rules to check",
        )
    return summarize(run_rules(workspace, params.rules, tables=params.tables))
