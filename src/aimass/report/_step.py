"""The ``health_report`` pipeline step: the data-health report as HTML, PDF and XLSX.

Registered on import (the module is listed in ``aimass.pipeline.STEP_MODULES``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aimass.pipeline import StepResult, step
from aimass.report import ReportFormat, build_health_report, write_health_report
from aimass.workspace import Workspace

__all__ = ["HealthReportParams", "run_health_report"]


class HealthReportParams(BaseModel):
    """Parameters of the ``health_report`` step (``[steps.health_report]`` in ``aimass.toml``)."""

    model_config = ConfigDict(extra="forbid")

    formats: list[ReportFormat] = Field(["html", "pdf", "xlsx"], description="formats to write")
    out: str | None = Field(
        None, description="folder, relative to the workspace (default: its reports folder)"
    )


@step(
    "health_report",
    reads=("raw.*", "meta.quality_results"),
    params=HealthReportParams,
    after=("quality", "profile"),
    description="write the data-health report: raw tables and the latest rule results (HTML, PDF, XLSX)",
)
def run_health_report(workspace: Workspace, params: HealthReportParams) -> StepResult:
    """Gather the raw tables' profiles (the ``profile`` step's, when current) and the latest rule results,
    and write ``health.*``."""
    report = build_health_report(workspace)
    folder = workspace.resolve(params.out) if params.out else workspace.reports_dir
    paths = write_health_report(report, folder, params.formats)
    counts = report.rule_counts
    figures: dict[str, Any] = {
        "tables": len(report.tables),
        "duplicate_rows": {t.name: t.n_duplicate_rows for t in report.tables},
        "missing_values": {t.name: t.n_missing_cells for t in report.tables},
        "alerts": sum(len(t.alerts) for t in report.tables),
        "rules_failed": counts["fail"],
        "rules_warned": counts["warn"],
        "rules_passed": counts["pass"],
        "files": {kind: str(path) for kind, path in paths.items()},
    }
    warnings = [] if report.quality_run else ["no quality rule results yet: the report says so"]
    shown = ", ".join(str(path) for path in paths.values())
    return StepResult(
        figures=figures,
        warnings=warnings,
        summary=f"data-health report of {len(report.tables)} raw table(s) written to {shown}",
    )
