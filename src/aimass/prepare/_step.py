"""The ``prepare`` pipeline step: raw -> core by the workspace's mapping (registered on import)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aimass.pipeline import StepResult, step
from aimass.prepare._prepare import PrepareResult, prepare
from aimass.workspace import Workspace

__all__ = ["PrepareParams", "run_prepare"]


class PrepareParams(BaseModel):
    """Parameters of the ``prepare`` step (``[steps.prepare]`` in ``aimass.toml``)."""

    model_config = ConfigDict(extra="forbid")

    mapping: str = Field("mapping.yaml", description="mapping file, relative to the workspace")
    tables: list[str] | None = Field(None, description="only these canonical tables (default: all mapped)")


def _chart(result: PrepareResult) -> dict[str, Any]:
    """Rows in, duplicates removed and rows written per table, as a grouped bar chart (Vega-Lite)."""
    values = [
        {"table": f"core.{name}", "measure": measure, "rows": rows}
        for name, report in result.tables.items()
        for measure, rows in (
            ("rows in", report.rows_in),
            ("duplicates removed", report.duplicates_removed),
            ("rows written", report.rows_written),
        )
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": "prepare: rows per canonical table",
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "x": {"field": "table", "type": "nominal", "title": None},
            "xOffset": {"field": "measure"},
            "y": {"field": "rows", "type": "quantitative", "title": "rows"},
            "color": {"field": "measure", "type": "nominal"},
        },
    }


def summarize(result: PrepareResult) -> StepResult:
    """A :class:`StepResult` for a prepare run: rows per table, figures, a chart and warnings."""
    reports = result.tables.values()
    duplicates = sum(report.duplicates_removed for report in reports)
    unparsed = sum(report.unparsed_total for report in reports)
    written = sum(report.rows_written for report in reports)
    outliers = sum(report.outliers_total for report in reports)
    figures: dict[str, Any] = {
        "tables": len(result.tables),
        "rows_written": written,
        "duplicates_removed": duplicates,
        "unparsed_values": unparsed,
        "duplicates_removed_by_table": {name: r.duplicates_removed for name, r in result.tables.items()},
        "unparsed_by_column": {
            f"core.{name}.{item.column}": item.count
            for name, r in result.tables.items()
            for item in r.unparsed
        },
        "rows_dropped_missing": sum(report.rows_dropped_missing for report in reports),
        "missing_by_column": {
            f"core.{name}.{item.column}": item.to_dict()
            for name, r in result.tables.items()
            for item in r.missing
        },
        "outliers_flagged": outliers,
        "outliers_by_column": {
            f"core.{name}.{item.column}": item.n_flagged
            for name, r in result.tables.items()
            for item in r.outliers
        },
        "unmapped_categories_by_column": {
            f"core.{name}.{item.column}": item.count
            for name, r in result.tables.items()
            for item in r.unmapped_values
        },
    }
    summary = (
        f"wrote {len(result.tables)} core table(s), {written:,} rows; removed {duplicates:,} duplicate "
        f"row(s); {unparsed:,} value(s) could not be parsed"
    )
    if outliers:
        summary += f"; flagged {outliers:,} outlier(s)"
    return StepResult(
        tables={f"core.{name}": report.rows_written for name, report in result.tables.items()},
        figures=figures,
        charts=[_chart(result)] if result.tables else [],
        warnings=result.warnings,
        summary=summary,
    )


@step(
    "prepare",
    reads=("raw.*",),
    writes=("core.*",),
    params=PrepareParams,
    description="map raw tables onto the canonical core tables (mapping.yaml), cleaning and validating",
)
def run_prepare(workspace: Workspace, params: PrepareParams) -> StepResult:
    """Apply the workspace's mapping and write the canonical tables."""
    return summarize(prepare(workspace, params.mapping, params.tables))
