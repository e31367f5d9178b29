"""Reports people read: a table's profile page and the workspace's data-health report.

The profile page renders the profile JSON (``aimass.quality.profile(...).to_dict()``); the data-health
report covers every raw table and the latest quality-rule results, as HTML, PDF and XLSX. Pages are
self-contained (inline CSS and SVG charts, no script, no external URL).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from aimass.report._charts import bar_chart, heat_map, histogram
from aimass.report._health import (
    ColumnHealth,
    HealthReport,
    RuleOutcome,
    TableHealth,
    build_health_report,
    latest_rule_results,
)
from aimass.report._html import render_health_html, render_profile_html
from aimass.report._pdf import render_pdf, write_health_pdf
from aimass.report._xlsx import SHEETS, write_health_xlsx

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "SHEETS",
    "ColumnHealth",
    "HealthReport",
    "ReportFormat",
    "RuleOutcome",
    "TableHealth",
    "bar_chart",
    "build_health_report",
    "heat_map",
    "histogram",
    "latest_rule_results",
    "render_health_html",
    "render_pdf",
    "render_profile_html",
    "write_health_html",
    "write_health_pdf",
    "write_health_report",
    "write_health_xlsx",
]

#: The formats of the data-health report.
ReportFormat = Literal["html", "pdf", "xlsx"]


def write_health_html(report: HealthReport, path: str | Path) -> Path:
    """Write the data-health report as a self-contained HTML page and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_health_html(report), encoding="utf-8")
    return target


def write_health_report(
    report: HealthReport, folder: str | Path, formats: Iterable[ReportFormat] = ("html", "pdf", "xlsx")
) -> dict[str, Path]:
    """Write ``health.<format>`` for each format into ``folder``; returns the paths by format.

    Examples
    --------
    >>> import tempfile
    >>> from datetime import datetime
    >>> report = HealthReport("shop", datetime(2026, 1, 2), tables=[])
    >>> paths = write_health_report(report, tempfile.mkdtemp(), ["html"])
    >>> paths["html"].name
    'health.html'
    """
    writers = {"html": write_health_html, "pdf": write_health_pdf, "xlsx": write_health_xlsx}
    return {kind: writers[kind](report, Path(folder) / f"health.{kind}") for kind in dict.fromkeys(formats)}
