"""The data-health report model: every raw table's structure, duplicates, missing values and alerts,
plus the latest quality-rule results from ``meta.quality_results``.

The model is plain data (:meth:`HealthReport.to_dict`); the HTML, PDF and XLSX renderers draw it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aimass.engine import utc_now

if TYPE_CHECKING:
    from aimass.engine import Engine
    from aimass.workspace import Workspace

__all__ = ["ColumnHealth", "HealthReport", "RuleOutcome", "TableHealth", "build_health_report"]

#: Rows of duplicate samples kept per table.
MAX_DUPLICATE_SAMPLES = 5


@dataclass
class ColumnHealth:
    """One column of a table: its type and how much of it is missing."""

    name: str
    type: str
    n_missing: int = 0
    pct_missing: float = 0.0
    n_distinct: int | None = None


@dataclass
class TableHealth:
    """One raw table: structure, exact duplicates and alerts (from its profile)."""

    name: str
    n_rows: int
    n_columns: int
    n_duplicate_rows: int
    columns: list[ColumnHealth]
    alerts: list[dict[str, Any]] = field(default_factory=list)
    duplicate_samples: list[dict[str, Any]] = field(default_factory=list)
    size_bytes: int | None = None

    @property
    def n_missing_cells(self) -> int:
        """Missing values over all columns."""
        return sum(column.n_missing for column in self.columns)

    @classmethod
    def from_profile(cls, name: str, profile: Mapping[str, Any]) -> TableHealth:
        """Build from a profile dict (the shape of ``aimass.quality.profile(...).to_dict()``)."""
        columns = [
            ColumnHealth(
                name=str(column),
                type=str(stats.get("type", "")),
                n_missing=int(stats.get("n_missing") or 0),
                pct_missing=float(stats.get("pct_missing") or 0.0),
                n_distinct=None if stats.get("n_distinct") is None else int(stats["n_distinct"]),
            )
            for column, stats in (profile.get("columns") or {}).items()
        ]
        size = profile.get("size_bytes")
        return cls(
            name=name,
            n_rows=int(profile.get("n_rows") or 0),
            n_columns=int(profile.get("n_columns") or len(columns)),
            n_duplicate_rows=int(profile.get("n_duplicate_rows") or 0),
            columns=columns,
            alerts=[dict(alert) for alert in profile.get("alerts") or []],
            duplicate_samples=[dict(row) for row in (profile.get("duplicate_samples") or [])][
                :MAX_DUPLICATE_SAMPLES
            ],
            size_bytes=None if size is None else int(size),
        )


@dataclass
class RuleOutcome:
    """One row of ``meta.quality_results`` (``samples`` decoded from its JSON text)."""

    rule_id: str
    table_name: str
    column_name: str | None
    kind: str
    level: str
    status: str
    n_rows: int | None
    n_failed: int | None
    pct_failed: float | None
    samples: list[Any]
    detail: str | None


@dataclass
class HealthReport:
    """Everything the data-health report shows, for one workspace at one moment.

    Parameters
    ----------
    workspace : str
        The workspace's name (the title page shows it).
    generated_at : datetime
        When the report was built (UTC).
    tables : list of TableHealth
        Every raw table, by name.
    rules : list of RuleOutcome
        Results of the latest quality run, empty when no rules have been run.
    quality_run : dict or None
        The latest row of ``meta.quality_runs`` (or ``{"run_id": ...}``), None without results.
    """

    workspace: str
    generated_at: datetime
    tables: list[TableHealth]
    rules: list[RuleOutcome] = field(default_factory=list)
    quality_run: dict[str, Any] | None = None

    @property
    def rule_counts(self) -> dict[str, int]:
        """Rules by status: ``{"pass": n, "warn": n, "fail": n}``."""
        counts = {"pass": 0, "warn": 0, "fail": 0}
        for rule in self.rules:
            counts[rule.status] = counts.get(rule.status, 0) + 1
        return counts

    @property
    def findings(self) -> list[str]:
        """The summary of findings, one sentence each, most serious first."""
        found: list[str] = []
        counts = self.rule_counts
        if self.quality_run is None:
            found.append("No quality rules have been run yet (run `aimass check` to add rule results).")
        else:
            failed_errors = sum(1 for r in self.rules if r.status == "fail" and r.level == "error")
            text = f"{counts['fail']:,} rule(s) failed"
            if failed_errors:
                text += f" ({failed_errors:,} at error level)"
            found.append(f"{text}, {counts['warn']:,} warned, {counts['pass']:,} passed.")
        for table in self.tables:
            if table.n_duplicate_rows:
                found.append(f"{table.n_duplicate_rows:,} exact duplicate rows in {table.name}.")
        for table in self.tables:
            gaps = [c for c in table.columns if c.n_missing]
            if gaps:
                worst = max(gaps, key=lambda c: c.pct_missing)
                found.append(
                    f"{table.n_missing_cells:,} missing values in {len(gaps)} column(s) of {table.name} "
                    f"(most in {worst.name}: {worst.pct_missing:.1f}%)."
                )
        n_alerts = sum(len(t.alerts) for t in self.tables)
        if n_alerts:
            found.append(f"{n_alerts:,} profiling alert(s) over {len(self.tables)} table(s).")
        if not self.tables:
            found.append("The workspace has no raw tables yet.")
        return found

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "workspace": self.workspace,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "findings": self.findings,
            "rule_counts": self.rule_counts,
            "quality_run": self.quality_run,
            "tables": [asdict(table) for table in self.tables],
            "rules": [asdict(rule) for rule in self.rules],
        }


def build_health_report(
    workspace: Workspace,
    *,
    tables: Iterable[str] | None = None,
    profiles: Mapping[str, Mapping[str, Any]] | None = None,
) -> HealthReport:
    """Gather every raw table's profile and the latest quality-rule results of ``workspace``.

    Parameters
    ----------
    workspace : Workspace
        An open workspace.
    tables : iterable of str, optional
        Qualified tables to cover (default: every table in ``raw``).
    profiles : mapping of str to dict, optional
        Profiles already computed, by table name (the profile JSON shape). For the others, the
        profile the ``profile`` step stored is used when the table has not been loaded since;
        only tables without a current one are profiled again.

    Returns
    -------
    HealthReport
    """
    engine = workspace.engine
    names = sorted(tables) if tables is not None else engine.list_tables(schema="raw")
    given = dict(profiles or {})
    covered = [
        TableHealth.from_profile(name, given[name] if name in given else profile_table(workspace, name))
        for name in names
    ]
    run, rules = latest_rule_results(engine)
    return HealthReport(
        workspace=workspace.settings.name,
        generated_at=utc_now(),
        tables=covered,
        rules=rules,
        quality_run=run,
    )


def profile_table(workspace: Workspace, name: str) -> dict[str, Any]:
    """One table's profile dict: the `profile` step's when it is current, else a fresh one."""
    from aimass.quality import profile
    from aimass.quality._profile_step import read_stored_profile

    stored = read_stored_profile(workspace, name)
    if stored is not None:
        return stored
    result: dict[str, Any] = profile(workspace, name).to_dict()
    return result


def latest_rule_results(engine: Engine) -> tuple[dict[str, Any] | None, list[RuleOutcome]]:
    """The latest quality run and its results, or ``(None, [])`` when no rules have been run."""
    import ibis

    if not engine.exists("meta.quality_results"):
        return None, []
    results = engine.scan("meta.quality_results")
    run: dict[str, Any] | None = None
    if engine.exists("meta.quality_runs"):
        runs = engine.scan("meta.quality_runs").order_by(ibis.desc("started_at"), ibis.desc("run_id"))
        latest = runs.limit(1).to_pyarrow().to_pylist()
        run = latest[0] if latest else None
    if run is None:
        newest = results.run_id.max().to_pyarrow().as_py()
        if newest is None:
            return None, []
        run = {"run_id": newest}
    rows = results.filter(results.run_id == run["run_id"]).order_by("table_name", "rule_id")
    outcomes = [_outcome(row) for row in rows.to_pyarrow().to_pylist()]
    return _plain(run), outcomes


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat(timespec="seconds") if isinstance(value, datetime) else value
        for key, value in row.items()
    }


def _outcome(row: Mapping[str, Any]) -> RuleOutcome:
    raw = row.get("samples")
    try:
        samples = json.loads(raw) if raw else []
    except (TypeError, ValueError):
        samples = [raw]
    return RuleOutcome(
        rule_id=str(row.get("rule_id")),
        table_name=str(row.get("table_name")),
        column_name=row.get("column_name"),
        kind=str(row.get("kind")),
        level=str(row.get("level")),
        status=str(row.get("status")),
        n_rows=row.get("n_rows"),
        n_failed=row.get("n_failed"),
        pct_failed=row.get("pct_failed"),
        samples=samples if isinstance(samples, list) else [samples],
        detail=row.get("detail"),
    )
