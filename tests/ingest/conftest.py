"""Fixtures for the ingest tests: a fresh workspace, file writers and a real local HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from aimass import Workspace

from .._net import free_port

CAMPAIGNS = [
    {
        "id": f"C{n:03d}",
        "name": f"campaign {n}",
        "start": f"2024-0{1 + n % 9}-01",
        "end": f"2024-0{1 + n % 9}-28",
        "channel": ["sms", "email", "app"][n % 3],
        "offer": {"type": ["pct", "amount"][n % 2], "value": 5 + n},
        "unit_cost": 0.05 * n,
        "budget": 1000 * n,
    }
    for n in range(1, 13)
]


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A new workspace in a temporary folder, closed afterwards."""
    ws = Workspace.init(tmp_path / "ws")
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder for input files, outside the workspace."""
    folder = tmp_path / "files"
    folder.mkdir()
    return folder


class _Handler(BaseHTTPRequestHandler):
    """Campaigns page by page like the demo API, plus routes that fail in known ways."""

    calls: list[str]

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        self.server.calls.append(self.path)  # type: ignore[attr-defined]
        page = int(query.get("page", "1"))
        if parts.path == "/v1/campaigns":
            size = int(query.get("per_page", "5"))
            chunk = CAMPAIGNS[(page - 1) * size : page * size]
            following = page + 1 if page * size < len(CAMPAIGNS) else None
            body = {
                "data": chunk,
                "page": page,
                "per_page": size,
                "total": len(CAMPAIGNS),
                "next_page": following,
            }
            self._send(200, json.dumps(body).encode())
        elif parts.path == "/v1/broken":
            self._send(500, b'{"error": "database is down"}')
        elif parts.path == "/v1/flaky-second-page":
            if page == 1:
                body = {"data": CAMPAIGNS[:2], "next_page": 2}
                self._send(200, json.dumps(body).encode())
            else:
                self._send(503, b"try later")
        elif parts.path == "/v1/forbidden":
            self._send(403, b'{"error": "bad api key"}')
        elif parts.path == "/v1/html":
            self._send(200, b"<html>login first</html>", "text/html")
        elif parts.path == "/v1/stuck":
            self._send(200, json.dumps({"data": CAMPAIGNS[:1], "next_page": 1}).encode())
        elif parts.path == "/v1/endless":
            self._send(200, json.dumps({"data": CAMPAIGNS[:1], "next_page": page + 1}).encode())
        elif parts.path == "/v1/empty":
            self._send(200, json.dumps({"data": [], "next_page": None}).encode())
        else:
            self._send(404, b'{"error": "no such route"}')


@pytest.fixture
def api() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on a free loopback port: its base URL and the request paths it saw."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.calls = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.calls  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def refused_url() -> str:
    """A loopback URL where nothing listens (the port was free a moment ago)."""
    return f"http://127.0.0.1:{free_port()}/v1/campaigns"
