"""The ``profile`` pipeline step: a profile of every raw table, as JSON, HTML and ``mart.profile_columns``."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from aimass.pipeline import StepResult, step
from aimass.quality._profile import profile

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = [
    "PROFILE_COLUMNS_SCHEMA",
    "ProfileParams",
    "profile_html",
    "profile_json_path",
    "profile_raw_tables",
    "read_stored_profile",
    "write_profile",
]

PROFILE_COLUMNS_SCHEMA = pa.schema(
    [
        ("table_name", pa.string()),
        ("column_name", pa.string()),
        ("type", pa.string()),
        ("n_missing", pa.int64()),
        ("pct_missing", pa.float64()),
        ("n_distinct", pa.int64()),
        ("alerts", pa.string()),
    ]
)


class ProfileParams(BaseModel):
    """Parameters of the ``profile`` step."""

    model_config = ConfigDict(extra="forbid")

    correlation_sample: int = Field(20_000, gt=0, description="Rows sampled for the correlations.")


def profile_html(data: dict[str, Any]) -> str:
    """The report page of a profile: ``aimass.report.render_profile_html``, else a minimal page."""
    try:
        from aimass.report import render_profile_html
    except ImportError:
        rows = "".join(
            f"<tr><td>{html.escape(name)}</td><td>{html.escape(str(c['type']))}</td>"
            f"<td>{c['n_missing']}</td><td>{c['n_distinct']}</td></tr>"
            for name, c in data["columns"].items()
        )
        alerts = "".join(
            f"<li>{html.escape(str(a['column']))}: {html.escape(a['kind'])} ({html.escape(a['detail'])})</li>"
            for a in data["alerts"]
        )
        return (
            f"<!doctype html><meta charset='utf-8'><title>{html.escape(data['source'])}</title>"
            f"<h1>{html.escape(data['source'])}</h1><p>{data['n_rows']:,} rows, {data['n_columns']} columns, "
            f"{data['n_duplicate_rows']:,} duplicate rows</p><h2>Alerts</h2><ul>{alerts}</ul>"
            f"<table><tr><th>column</th><th>type</th><th>missing</th><th>distinct</th></tr>{rows}</table>"
        )
    return render_profile_html(data)


def write_profile(
    data: dict[str, Any], *, json_path: Path | None = None, html_path: Path | None = None
) -> None:
    """Write a profile's JSON and/or HTML report (folders are created)."""
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    if html_path is not None:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(profile_html(data), encoding="utf-8")


def profile_json_path(workspace: Workspace, name: str) -> Path:
    """Where the ``profile`` step keeps the JSON profile of ``raw.<table>``."""
    return workspace.reports_dir / "profile" / f"{name.split('.', 1)[1]}.json"


def read_stored_profile(workspace: Workspace, name: str) -> dict[str, Any] | None:
    """The profile the ``profile`` step stored for ``name``, if it is newer than the table's last load.

    Returns None when there is none, or when the table was loaded again after it was written (or
    never through a recorded load), so a caller profiles the table itself.
    """
    import datetime as dt

    path = profile_json_path(workspace, name)
    if not path.is_file():
        return None
    loads = workspace.engine.scan("meta.loads")
    last = loads.filter((loads.target == name) & (loads.status == "ok")).finished_at.max()
    loaded_at = last.to_pyarrow().as_py()
    written_at = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
    if loaded_at is None or written_at <= loaded_at:
        return None
    stored: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return stored


def profile_raw_tables(
    workspace: Workspace, *, correlation_sample: int = 20_000
) -> dict[str, dict[str, Any]]:
    """Profile every ``raw.*`` table, write its reports under ``reports/profile/``, return the profiles."""
    out = workspace.reports_dir / "profile"
    found: dict[str, dict[str, Any]] = {}
    for name in workspace.engine.list_tables(schema="raw"):
        data = profile(workspace, name, correlation_sample=correlation_sample).to_dict()
        json_path = profile_json_path(workspace, name)
        write_profile(data, json_path=json_path, html_path=out / f"{json_path.stem}.html")
        found[name] = data
    return found


@step(
    "profile",
    reads=["raw.*"],
    writes=["mart.profile_columns"],
    params=ProfileParams,
    description="Profile every raw table: types, missing values, duplicates, alerts.",
)
def run_profile(workspace: Workspace, params: ProfileParams) -> StepResult:
    """Profile every raw table: types, missing values, duplicates, alerts."""
    profiles = profile_raw_tables(workspace, correlation_sample=params.correlation_sample)
    rows = [
        {
            "table_name": table,
            "column_name": column,
            "type": stats["type"],
            "n_missing": stats["n_missing"],
            "pct_missing": stats["pct_missing"],
            "n_distinct": stats["n_distinct"],
            "alerts": ",".join(stats["alerts"]),
        }
        for table, data in profiles.items()
        for column, stats in data["columns"].items()
    ]
    written = workspace.engine.write_table(
        "mart.profile_columns", pa.Table.from_pylist(rows, schema=PROFILE_COLUMNS_SCHEMA)
    )
    duplicates = {table: data["n_duplicate_rows"] for table, data in profiles.items()}
    n_alerts = sum(len(data["alerts"]) for data in profiles.values())
    warnings = [f"{table}: {n:,} duplicate rows" for table, n in duplicates.items() if n]
    return StepResult(
        tables={"mart.profile_columns": written},
        figures={"tables_profiled": len(profiles), "alerts": n_alerts, "duplicate_rows": duplicates},
        warnings=warnings,
        summary=f"profiled {len(profiles)} raw tables: {n_alerts} alerts, "
        f"{sum(duplicates.values()):,} duplicate rows; reports in reports/profile/",
    )
