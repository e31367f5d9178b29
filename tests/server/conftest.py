"""Fixtures for the server tests: a small workspace with known tables, keys, and a test client."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from aimass import Workspace
from aimass.engine import LoadRecord, RunRecord
from aimass.server import create_app, create_key

#: Rows of the tables the workspace fixture writes, by table.
ROWS = {"raw.orders": 3, "core.customers": 5, "mart.scores": 2}
#: A run summary that would run script in the page if it were not escaped.
HOSTILE_SUMMARY = "<script>alert('owned')</script> & <b>bold</b>"


@dataclass(frozen=True)
class Keys:
    """Keys made for the test workspace: the full key strings."""

    read: str
    admin: str
    decide: str
    read_id: str


def _at(minute: int) -> datetime:
    return datetime(2024, 3, 5, 14, 0) + timedelta(minutes=minute)


@pytest.fixture
def workspace_root(tmp_path: Path) -> Path:
    """A workspace with raw.orders (3 rows), core.customers (5), mart.scores (2), 3 runs and 2 loads."""
    root = tmp_path / "shop"
    with Workspace.init(root) as workspace:
        engine = workspace.engine
        engine.write_table(
            "raw.orders",
            pa.table(
                {
                    "order_id": ["0000001", "0000002", "0000003"],
                    "total": [12.5, None, 3.0],
                    "ordered_at": [_at(0), _at(1), _at(2)],
                }
            ),
        )
        engine.write_table("core.customers", pa.table({"customer_id": [f"C{i}" for i in range(5)]}))
        engine.write_table("mart.scores", pa.table({"customer_id": ["C0", "C1"], "score": [0.5, 0.25]}))
        for minute, step, summary in ((1, "ingest", "landed 3 rows"), (5, "prepare", HOSTILE_SUMMARY)):
            engine.record_run(
                RunRecord(
                    step=step,
                    started_at=_at(minute),
                    finished_at=_at(minute) + timedelta(seconds=2.5),
                    status="ok",
                    outputs={"tables": {"core.customers": 5}, "figures": {}, "summary": summary},
                )
            )
        engine.record_run(
            RunRecord(step="segments", started_at=_at(9), finished_at=_at(9), status="failed", error="boom")
        )
        for minute, source in ((0, "orders"), (3, "campaigns")):
            engine.record_load(
                LoadRecord(
                    source=source,
                    target=f"raw.{source}",
                    mode="replace",
                    started_at=_at(minute),
                    finished_at=_at(minute) + timedelta(seconds=1),
                    rows=3,
                    status="ok",
                    details={"files": 1},
                )
            )
    return root


@pytest.fixture
def keys(workspace_root: Path) -> Keys:
    """A read key, an admin key and a decide-only key."""
    read_id, read = create_key(workspace_root, ["read"], name="analyst")
    _, admin = create_key(workspace_root, ["admin"], name="ops")
    _, decide = create_key(workspace_root, ["decide"], name="terminal")
    return Keys(read=read, admin=admin, decide=decide, read_id=read_id)


@pytest.fixture
def client(workspace_root: Path) -> Iterator[TestClient]:
    """A test client of the app for the fixture workspace."""
    with TestClient(create_app(workspace_root)) as test_client:
        yield test_client


_HOLD_LOCK = textwrap.dedent(
    """
    import sys
    from aimass import Workspace

    workspace = Workspace.open(sys.argv[1])
    workspace.engine  # opens the warehouse for writing: DuckDB's lock is held from here
    print("holding", flush=True)
    sys.stdin.read()  # until the test closes our stdin
    workspace.close()
    """
)


@pytest.fixture
def warehouse_writer(workspace_root: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the warehouse open for writing while the test runs."""
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(workspace_root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "holding", (
            f"the lock holder did not start: {process.stderr.read() if process.stderr else ''}"
        )
        yield process
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
