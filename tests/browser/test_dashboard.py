"""The dashboard in a real browser: Debian's chromium driven by Playwright against `aimass serve`.

Log in with a key, see the workspace's tables with their row counts, open one table, log out.
Screenshots land in the test's temporary folder for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.server import create_key

from .._net import free_port

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        message = "Debian chromium is not installed: `apt-get install chromium` (make test does it as root)"
        if os.environ.get("AIMASS_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("browser") / "shop"
    with Workspace.init(root) as ws:
        ws.engine.write_table("raw.orders", pa.table({"order_id": [f"{i:05d}" for i in range(1234)]}))
        ws.engine.write_table("core.customers", pa.table({"customer_id": ["007", "042"]}))
    _, key = create_key(root, ["read"], name="browser-test")
    port = free_port()
    log = root / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("aimass")),
                "serve",
                "--workspace",
                str(root),
                "--port",
                str(port),
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield {"base": base, "key": key, "shots": root}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _need_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def test_login_home_table_logout(served: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    blocked: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(served["base"]) else blocked.append(request.url),
    )

    page.goto(served["base"] + "/")
    assert "/login" in page.url  # not logged in yet
    page.fill("input[name=api_key]", served["key"] + "wrong")
    page.click("button[type=submit]")
    assert "was not accepted" in page.inner_text("[role=alert]")

    page.fill("input[name=api_key]", served["key"])
    page.click("button[type=submit]")
    page.wait_for_url(served["base"] + "/")
    text = page.inner_text("body")
    assert "raw.orders" in text and "1,234" in text
    assert "core.customers" in text
    page.screenshot(path=str(served["shots"] / "home.png"), full_page=True)

    page.click("text=raw.orders")
    page.wait_for_url("**/tables/raw.orders")
    detail = page.inner_text("body")
    assert "order_id" in detail and "00000" in detail  # leading zeros shown as stored
    page.screenshot(path=str(served["shots"] / "table.png"), full_page=True)

    page.goto(served["base"] + "/logout")
    page.goto(served["base"] + "/")
    assert "/login" in page.url
    assert blocked == []  # the pages load nothing from anywhere else (works offline)
    page.close()
