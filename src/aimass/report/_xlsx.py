"""The data-health report as an Excel workbook, one sheet per section (xlsxwriter)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aimass.report._health import HealthReport

__all__ = ["SHEETS", "write_health_xlsx"]

#: The sheets of the workbook, in order.
SHEETS: tuple[str, ...] = ("Summary", "Tables", "Columns", "Alerts", "Duplicates", "Rules", "Rule samples")


def _value(value: Any) -> Any:
    """A cell value xlsxwriter can write: numbers and text as they are, the rest as JSON text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, default=str, ensure_ascii=False)


def write_health_xlsx(report: HealthReport, path: str | Path) -> Path:
    """Write the data-health report as an XLSX workbook and return its path.

    Parameters
    ----------
    report : HealthReport
        From :func:`aimass.report.build_health_report`.
    path : str or Path
        Where to write (the folder is created).

    Returns
    -------
    Path
        ``path``. The sheets are :data:`SHEETS`: the title and findings, one row per table, one row
        per column (type and missing values), the alerts, sample duplicate rows, the rule results and
        the rules' sample failing rows.
    """
    import xlsxwriter

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(target), {"nan_inf_to_errors": True})
    bold = workbook.add_format({"bold": True})
    header = workbook.add_format({"bold": True, "bg_color": "#F2F4F7", "border": 1})
    title = workbook.add_format({"bold": True, "font_size": 16})

    def sheet(name: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        worksheet = workbook.add_worksheet(name)
        worksheet.write_row(0, 0, list(columns), header)
        for index, row in enumerate(rows, start=1):
            worksheet.write_row(index, 0, [_value(value) for value in row])
        widths = [
            max([len(str(c))] + [len(str(_value(r[i]) or "")) for r in rows[:200]])
            for i, c in enumerate(columns)
        ]
        for index, width in enumerate(widths):
            worksheet.set_column(index, index, min(max(width + 2, 8), 60))
        worksheet.freeze_panes(1, 0)
        if rows:
            worksheet.autofilter(0, 0, len(rows), len(columns) - 1)

    summary = workbook.add_worksheet(SHEETS[0])
    summary.write(0, 0, "Data health report", title)
    summary.write(1, 0, "workspace", bold)
    summary.write(1, 1, report.workspace)
    summary.write(2, 0, "generated (UTC)", bold)
    summary.write(2, 1, report.generated_at.strftime("%Y-%m-%d %H:%M"))
    summary.write(4, 0, "findings", bold)
    for index, finding in enumerate(report.findings, start=5):
        summary.write(index, 0, finding)
    summary.set_column(0, 0, 90)
    summary.set_column(1, 1, 30)

    sheet(
        SHEETS[1],
        ("table", "rows", "columns", "exact duplicate rows", "missing values", "alerts", "size bytes"),
        [
            (
                t.name,
                t.n_rows,
                t.n_columns,
                t.n_duplicate_rows,
                t.n_missing_cells,
                len(t.alerts),
                t.size_bytes,
            )
            for t in report.tables
        ],
    )
    sheet(
        SHEETS[2],
        ("table", "column", "type", "missing", "% missing", "distinct"),
        [
            (t.name, c.name, c.type, c.n_missing, c.pct_missing, c.n_distinct)
            for t in report.tables
            for c in t.columns
        ],
    )
    sheet(
        SHEETS[3],
        ("table", "column", "kind", "detail"),
        [(t.name, a.get("column"), a.get("kind"), a.get("detail")) for t in report.tables for a in t.alerts],
    )
    sheet(
        SHEETS[4],
        ("table", "row"),
        [(t.name, row) for t in report.tables for row in t.duplicate_samples],
    )
    sheet(
        SHEETS[5],
        ("rule", "table", "column", "kind", "level", "status", "rows", "failed", "% failed", "detail"),
        [
            (
                r.rule_id,
                r.table_name,
                r.column_name,
                r.kind,
                r.level,
                r.status,
                r.n_rows,
                r.n_failed,
                r.pct_failed,
                r.detail,
            )
            for r in report.rules
        ],
    )
    sheet(
        SHEETS[6],
        ("rule", "table", "row"),
        [(r.rule_id, r.table_name, row) for r in report.rules for row in r.samples],
    )
    workbook.close()
    return target
