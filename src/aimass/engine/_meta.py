"""Bookkeeping tables in ``meta``: every load and every step run leaves a row, cursors their state."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from aimass._typing import RunStatus

__all__ = ["META_TABLES", "LoadRecord", "RunRecord", "new_id", "utc_now"]


def utc_now() -> datetime:
    """The current time in UTC, naive (stored as TIMESTAMP), to the microsecond."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_id(prefix: str) -> str:
    """A sortable unique id: ``prefix-YYYYmmddTHHMMSS-xxxxxxxx``."""
    return f"{prefix}-{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


META_TABLES: dict[str, pa.Schema] = {
    "loads": pa.schema(
        [
            ("load_id", pa.string()),
            ("source", pa.string()),
            ("target", pa.string()),
            ("mode", pa.string()),
            ("rows", pa.int64()),
            ("started_at", pa.timestamp("us")),
            ("finished_at", pa.timestamp("us")),
            ("status", pa.string()),
            ("schema_hash", pa.string()),
            ("error", pa.string()),
            ("details", pa.string()),
        ]
    ),
    "runs": pa.schema(
        [
            ("run_id", pa.string()),
            ("step", pa.string()),
            ("params", pa.string()),
            ("started_at", pa.timestamp("us")),
            ("finished_at", pa.timestamp("us")),
            ("status", pa.string()),
            ("outputs", pa.string()),
            ("warnings", pa.string()),
            ("error", pa.string()),
        ]
    ),
    # one row per load that moved a cursor; the latest row of a state key is its state
    "source_state": pa.schema(
        [
            ("state_key", pa.string()),
            ("cursor_column", pa.string()),
            ("cursor_value", pa.string()),
            ("updated_at", pa.timestamp("us")),
            ("load_id", pa.string()),
        ]
    ),
    # one row per run of the quality rules (aimass.quality.run_rules)
    "quality_runs": pa.schema(
        [
            ("run_id", pa.string()),
            ("started_at", pa.timestamp("us")),
            ("finished_at", pa.timestamp("us")),
            ("source", pa.string()),
            ("n_rules", pa.int64()),
            ("n_passed", pa.int64()),
            ("n_warned", pa.int64()),
            ("n_failed", pa.int64()),
            ("status", pa.string()),
        ]
    ),
    # one row per rule per run; samples is JSON text holding up to 20 failing rows
    "quality_results": pa.schema(
        [
            ("run_id", pa.string()),
            ("rule_id", pa.string()),
            ("table_name", pa.string()),
            ("column_name", pa.string()),
            ("kind", pa.string()),
            ("level", pa.string()),
            ("status", pa.string()),
            ("n_rows", pa.int64()),
            ("n_failed", pa.int64()),
            ("pct_failed", pa.float64()),
            ("samples", pa.string()),
            ("detail", pa.string()),
        ]
    ),
    # the model registry: one row per trained model version (params and metrics are JSON text)
    "models": pa.schema(
        [
            ("model_id", pa.string()),
            ("name", pa.string()),
            ("version", pa.string()),
            ("params", pa.string()),
            ("metrics", pa.string()),
            ("artifact_path", pa.string()),
            ("trained_at", pa.timestamp("us")),
        ]
    ),
}


@dataclass
class LoadRecord:
    """One row of ``meta.loads``: a source landed (or failed to land) in a raw table."""

    source: str
    target: str
    mode: str
    started_at: datetime = field(default_factory=utc_now)
    load_id: str = field(default_factory=lambda: new_id("load"))
    rows: int = 0
    finished_at: datetime | None = None
    status: RunStatus = "running"
    schema_hash: str | None = None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_row(self) -> dict[str, Any]:
        """The record as a row for ``meta.loads``."""
        row = asdict(self)
        row["details"] = json.dumps(self.details, default=str, ensure_ascii=False)
        return row


@dataclass
class RunRecord:
    """One row of ``meta.runs``: a pipeline step run with its parameters and outcome."""

    step: str
    params: dict[str, Any] = field(default_factory=dict)
    started_at: datetime = field(default_factory=utc_now)
    run_id: str = field(default_factory=lambda: new_id("run"))
    finished_at: datetime | None = None
    status: RunStatus = "running"
    outputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def to_row(self) -> dict[str, Any]:
        """The record as a row for ``meta.runs``."""
        row = asdict(self)
        for key in ("params", "outputs", "warnings"):
            row[key] = json.dumps(row[key], default=str, ensure_ascii=False)
        return row
