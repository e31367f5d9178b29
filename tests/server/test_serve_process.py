"""End to end: `aimass serve` under a real uvicorn, with a key made by `aimass keys create`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .._net import free_port
from .conftest import ROWS

AIMASS = Path(sys.executable).with_name("aimass")


def _wait_for_health(base: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"aimass serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"aimass serve did not answer /health within {timeout} s:\n{log.read_text(errors='replace')}")


@pytest.mark.slow
def test_aimass_serve_runs_uvicorn_and_answers_with_a_cli_made_key(
    workspace_root: Path, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    environment = {**os.environ, "NO_COLOR": "1"}
    environment.pop("AIMASS_PORT", None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(AIMASS), "serve", "--port", str(port), "--workspace", str(workspace_root)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
        )
    try:
        _wait_for_health(base, process, log)
        health = httpx.get(f"{base}/health", timeout=5).json()
        assert health == {"status": "ok", "version": "0.1.0", "workspace": "shop"}

        made = subprocess.run(
            [str(AIMASS), "keys", "create", "--scope", "read", "--json", "--workspace", str(workspace_root)],
            capture_output=True,
            text=True,
            env=environment,
            timeout=60,
            check=True,
        )
        key = json.loads(made.stdout)["key"]
        assert httpx.get(f"{base}/v1/tables", timeout=10).status_code == 401
        answer = httpx.get(f"{base}/v1/tables", headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert answer.status_code == 200
        rows = {item["name"]: item["rows"] for item in answer.json()["tables"]}
        assert {name: rows[name] for name in ROWS} == ROWS

        printed = log.read_text(errors="replace")
        assert f"http://127.0.0.1:{port}/" in printed
        assert f"http://127.0.0.1:{port}/docs" in printed
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode is not None
