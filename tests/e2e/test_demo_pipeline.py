"""The whole demo flow through the real command line: generate, serve the campaigns API over HTTP,
run every pipeline step, and check the canonical tables against the world's ground truth; then
the dashboard shows the workspace, and a failing source leaves the warehouse untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from aimass import Workspace
from aimass.canonical import CANONICAL_TABLES

from .._net import free_port

pytestmark = pytest.mark.slow

AIMASS = str(Path(sys.executable).with_name("aimass"))
N_CUSTOMERS = 1_500


def _aimass(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AIMASS, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("e2e") / "demo-workspace"
    made = _aimass("demo", "generate", "--path", str(root), "--customers", str(N_CUSTOMERS), "--seed", "7")
    assert made.returncode == 0, made.stderr
    port = free_port()
    api = subprocess.Popen(
        [AIMASS, "demo", "api", "--path", str(root), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        env = {**os.environ, "AIMASS_DEMO_API": url}
        env.pop("AIMASS_WORKSPACE", None)
        yield {"root": root, "env": env, "api": api}
    finally:
        api.terminate()
        try:
            api.wait(timeout=10)
        except subprocess.TimeoutExpired:
            api.kill()


def _run_all(demo: dict[str, Any]) -> dict[str, Any]:
    done = _aimass("run", "--all", "--workspace", str(demo["root"]), "--json", env=demo["env"])
    assert done.returncode == 0, done.stderr
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def _clean(root: Path, table: str) -> Any:
    return pq.read_table(root / "truth" / "clean" / f"{table}.parquet")


def test_pipeline_rebuilds_the_clean_world_from_messy_exports(demo: dict[str, Any]) -> None:
    summary = _run_all(demo)
    steps = {item["step"]: item for item in summary["steps"]}
    assert {"ingest", "prepare"} <= set(steps)
    assert all(item["status"] == "ok" for item in summary["steps"])
    root = demo["root"]
    for table in CANONICAL_TABLES:
        assert summary["tables"][f"core.{table}"] == _clean(root, table).num_rows, table
    with Workspace.open(root, read_only=True) as ws:
        engine = ws.engine
        truth = _clean(root, "orders")
        got = engine.sql(
            "SELECT sum(amount) AS a, count(DISTINCT customer_id) AS c FROM core.orders"
        ).to_pylist()[0]
        assert got["a"] == pytest.approx(sum(truth.column("amount").to_pylist()), abs=0.01 * truth.num_rows)
        assert got["c"] == len(set(truth.column("customer_id").to_pylist()))
        ids = engine.sql("SELECT customer_id FROM core.customers").column(0).to_pylist()
        assert set(ids) == set(_clean(root, "customers").column("customer_id").to_pylist())
        assert any(i.startswith("0") for i in ids)  # leading zeros survived the CSV and the Excel sheet
        loads = engine.sql("SELECT target, status FROM meta.loads").to_pylist()
        assert {row["target"] for row in loads} >= {
            f"raw.{name}" for name in ("orders", "customers", "campaigns")
        }
        assert {row["status"] for row in loads} == {"ok"}


def test_running_twice_gives_the_same_tables(demo: dict[str, Any]) -> None:
    first = _run_all(demo)["tables"]
    second = _run_all(demo)["tables"]
    assert first == second
    with Workspace.open(demo["root"], read_only=True) as ws:
        runs = ws.engine.sql(
            "SELECT step, count(*) AS n FROM meta.runs WHERE status = 'ok' GROUP BY step"
        ).to_pylist()
    assert {row["step"]: row["n"] for row in runs}["prepare"] >= 2


def test_dashboard_shows_the_demo_workspace(demo: dict[str, Any]) -> None:
    from aimass.server import create_app

    made = _aimass("keys", "create", "--scope", "read", "--workspace", str(demo["root"]), "--json")
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)["key"]
    with Workspace.open(demo["root"], read_only=True) as ws:
        orders = ws.engine.row_count("core.orders")
    client = TestClient(create_app(demo["root"]))
    assert client.get("/", follow_redirects=False).status_code in (302, 303, 307)
    assert client.post("/login", data={"api_key": key, "next": "/"}).status_code == 200
    home = client.get("/")
    assert home.status_code == 200
    assert "core.orders" in home.text
    assert f"{orders:,}" in home.text
    tables = client.get("/v1/tables", headers={"Authorization": f"Bearer {key}"}).json()
    assert any(item["name"] == "core.orders" and item["rows"] == orders for item in _items(tables))


def _items(payload: Any) -> list[dict[str, Any]]:
    return list(payload["tables"] if isinstance(payload, dict) else payload)


def test_an_unreachable_source_fails_clearly_and_changes_nothing(demo: dict[str, Any]) -> None:
    with Workspace.open(demo["root"], read_only=True) as ws:
        before = {
            name: ws.engine.row_count(name)
            for name in ws.engine.list_tables()
            if not name.startswith("meta.")
        }
    env = {**demo["env"], "AIMASS_DEMO_API": f"http://127.0.0.1:{free_port()}"}
    done = _aimass("run", "--all", "--workspace", str(demo["root"]), env=env)
    assert done.returncode == 1
    assert "127.0.0.1" in done.stderr
    with Workspace.open(demo["root"], read_only=True) as ws:
        after = {
            name: ws.engine.row_count(name)
            for name in ws.engine.list_tables()
            if not name.startswith("meta.")
        }
        failed = ws.engine.sql("SELECT step FROM meta.runs WHERE status = 'failed'").column(0).to_pylist()
    assert after == before
    assert "ingest" in failed
