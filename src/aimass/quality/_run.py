"""Running rules: one result per rule, one run, both recorded in ``meta.quality_*``."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from aimass.engine import META_TABLES, new_id, utc_now
from aimass.quality._checks import Outcome, measure
from aimass.quality._rules import RULES_FILE, ForeignKeyRule, Rule, SqlRule, read_rules

if TYPE_CHECKING:
    from aimass.engine import Engine
    from aimass.workspace import Workspace

__all__ = ["QualityReport", "RuleResult", "RuleStatus", "run_rules"]

RuleStatus = Literal["pass", "fail", "warn"]
_TABLE_LEVEL = ("freshness", "row_count")


@dataclass
class RuleResult:
    """One rule's outcome in one run (a row of ``meta.quality_results``).

    ``pct_failed`` is a percentage (0-100) of ``n_rows``; for the table-level kinds ``freshness``
    and ``row_count`` ``n_failed`` is 1 when the table fails and ``pct_failed`` is 0 or 100.
    """

    run_id: str
    rule_id: str
    table_name: str
    column_name: str | None
    kind: str
    level: str
    status: RuleStatus
    n_rows: int
    n_failed: int
    pct_failed: float
    samples: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""

    def to_row(self) -> dict[str, Any]:
        """The result as a row, with ``samples`` as JSON text."""
        row = asdict(self)
        row["samples"] = json.dumps(self.samples, default=str, ensure_ascii=False)
        return row


@dataclass
class QualityReport:
    """The results of one run of the rules."""

    run_id: str
    started_at: datetime
    finished_at: datetime
    source: str
    results: list[RuleResult]

    def _count(self, status: RuleStatus) -> int:
        return sum(result.status == status for result in self.results)

    @property
    def n_passed(self) -> int:
        """Rules that passed."""
        return self._count("pass")

    @property
    def n_warned(self) -> int:
        """Warn-level rules that failed."""
        return self._count("warn")

    @property
    def n_failed(self) -> int:
        """Error-level rules that failed."""
        return self._count("fail")

    @property
    def status(self) -> RuleStatus:
        """``fail`` if an error-level rule failed, else ``warn`` if a warn-level one did, else ``pass``."""
        return "fail" if self.n_failed else "warn" if self.n_warned else "pass"

    def run_row(self) -> dict[str, Any]:
        """The run as a row of ``meta.quality_runs``."""
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "source": self.source,
            "n_rules": len(self.results),
            "n_passed": self.n_passed,
            "n_warned": self.n_warned,
            "n_failed": self.n_failed,
            "status": self.status,
        }

    def to_dict(self) -> dict[str, Any]:
        """The run and its results as plain data (for JSON)."""
        return {**self.run_row(), "results": [asdict(result) for result in self.results]}

    def record(self, engine: Engine) -> None:
        """Append the run and its results to ``meta.quality_runs`` and ``meta.quality_results`` at once."""
        results = pa.Table.from_pylist(
            [result.to_row() for result in self.results], schema=META_TABLES["quality_results"]
        )
        run = pa.Table.from_pylist([self.run_row()], schema=META_TABLES["quality_runs"])
        engine.write_table(
            "meta.quality_results", results, mode="append", extra_rows={"meta.quality_runs": run}
        )


def _status(rule: Rule, outcome: Outcome) -> RuleStatus:
    if rule.kind in _TABLE_LEVEL:
        passed = outcome.n_failed == 0
    else:
        fraction = outcome.n_failed / outcome.n_rows if outcome.n_rows else 0.0
        passed = outcome.n_failed == 0 or fraction <= rule.threshold
    return "pass" if passed else "fail" if rule.level == "error" else "warn"


def _problem(engine: Engine, rule: Rule) -> str | None:
    """Why the rule cannot run (a missing table or column), or None."""
    tables = [rule.table] + ([rule.to_table] if isinstance(rule, ForeignKeyRule) else [])
    for name in tables:
        if not engine.exists(name):
            return f"the table {name} does not exist"
    present = engine.columns(rule.table)
    missing = [column for column in rule.columns_used if column not in present]
    if isinstance(rule, ForeignKeyRule):
        theirs = engine.columns(rule.to_table)
        missing += [f"{rule.to_table}.{c}" for c in rule.referenced if c not in theirs]
    if missing:
        return f"column(s) {missing} not found in {rule.table} (it has {list(present)})"
    return None


def evaluate(engine: Engine, rule: Rule, run_id: str) -> RuleResult:
    """Run one rule and judge it against its threshold and level.

    A rule that cannot run (its table or a column is missing, its SQL fails) is a failing result
    whose ``detail`` says why, so one broken rule does not hide the others.
    """
    problem = _problem(engine, rule)
    outcome = Outcome(0, 0)
    if problem is None:
        try:
            outcome = measure(engine, rule)
        except Exception as error:  # a user's SQL may fail in any way the engine reports
            if not isinstance(rule, SqlRule):
                raise
            problem = f"the query failed: {error}"
    column = getattr(rule, "column", None) or ", ".join(rule.columns_used) or None
    if problem is not None:
        status: RuleStatus = "fail" if rule.level == "error" else "warn"
        return RuleResult(
            run_id, rule.id, rule.table, column, rule.kind, rule.level, status, 0, 0, 0.0, [], problem
        )
    if rule.kind in _TABLE_LEVEL:
        pct = 100.0 * outcome.n_failed
    else:
        pct = 100.0 * outcome.n_failed / outcome.n_rows if outcome.n_rows else 0.0
    return RuleResult(
        run_id,
        rule.id,
        rule.table,
        column,
        rule.kind,
        rule.level,
        _status(rule, outcome),
        outcome.n_rows,
        outcome.n_failed,
        pct,
        outcome.samples,
        outcome.detail or rule.description,
    )


def _select(rules: Iterable[Rule], tables: Sequence[str] | None) -> list[Rule]:
    if not tables:
        return list(rules)
    return [rule for rule in rules if any(fnmatch.fnmatchcase(rule.table, name) for name in tables)]


def run_rules(
    workspace: Workspace,
    rules: str | Path | Sequence[Rule] | None = None,
    *,
    tables: Sequence[str] | None = None,
    record: bool = True,
) -> QualityReport:
    """Run quality rules in the workspace's engine and record the results.

    Parameters
    ----------
    workspace : Workspace
        Where the tables are.
    rules : str, pathlib.Path or sequence of Rule, optional
        A rules file (relative paths: inside the workspace) or rules built in code; the
        workspace's ``quality/rules.yaml`` when omitted.
    tables : sequence of str, optional
        Only the rules on these tables (``fnmatch`` patterns such as ``raw.*`` allowed).
    record : bool, default True
        Append the run to ``meta.quality_runs`` and its results to ``meta.quality_results``.

    Returns
    -------
    QualityReport
        One :class:`RuleResult` per rule run.

    Raises
    ------
    ConfigError
        When the rules file is missing or a rule in it is not valid.

    Examples
    --------
    >>> import tempfile
    >>> import pyarrow as pa
    >>> from aimass import Workspace
    >>> from aimass.quality import NotNullRule
    >>> with Workspace.init(tempfile.mkdtemp()) as ws:
    ...     _ = ws.engine.write_table("core.t", pa.table({"x": [1, None, 3]}))
    ...     report = run_rules(ws, [NotNullRule(id="x", table="core.t", column="x")])
    >>> report.status, report.results[0].n_failed
    ('fail', 1)
    """
    if rules is None or isinstance(rules, (str, Path)):
        path = workspace.resolve(str(rules or RULES_FILE))
        chosen, source = read_rules(path), str(rules or RULES_FILE)
    else:
        chosen, source = list(rules), "code"
    run_id, started_at = new_id("quality"), utc_now()
    engine = workspace.engine
    results = [evaluate(engine, rule, run_id) for rule in _select(chosen, tables)]
    report = QualityReport(run_id, started_at, utc_now(), source, results)
    if record:
        report.record(engine)
    return report
