"""The HTTP source against a real local server that misbehaves on purpose.

This module holds the server (``http_api``, also used by ``test_http_auth`` and ``test_http_cli``) and the
tests of the pagination styles, the retries (429 with ``Retry-After``, 500 then success, a dropped
connection, timeouts) and truncated JSON.
"""

from __future__ import annotations

import base64
import email.utils
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from aimass import Workspace
from aimass.exceptions import TerminalSourceError, TransientSourceError
from aimass.ingest import ingest_http

FAST = {"backoff": 0.05, "max_backoff": 0.2}


def _items(n: int) -> list[dict[str, Any]]:
    return [
        {"id": i, "name": f"item {i}", "updated_at": f"2024-01-{i:02d}T00:00:00Z", "meta": {"size": i % 3}}
        for i in range(1, n + 1)
    ]


@dataclass
class Call:
    """One request as the server saw it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float


@dataclass
class Api:
    """The server's base URL, what it saw, and the records it serves (tests may change them)."""

    base: str
    calls: list[Call] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)
    items: list[dict[str, Any]] = field(default_factory=lambda: _items(25))

    def paths(self, route: str) -> list[Call]:
        return [call for call in self.calls if call.path == route]


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode()


class _Handler(BaseHTTPRequestHandler):
    server: Any
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up first (the timeout tests)
            self.close_connection = True

    def do_GET(self) -> None:  # one branch per misbehaviour, on purpose
        api: Api = self.server.api
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        api.calls.append(
            Call(parts.path, query, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
        )
        api.hits[parts.path] += 1
        hit = api.hits[parts.path]
        items = [
            i for i in api.items if "updated_since" not in query or i["updated_at"] > query["updated_since"]
        ]
        route = parts.path
        if route == "/page":
            page, size = int(query.get("page", "1")), int(query.get("per_page", "10"))
            more = page * size < len(items)
            self._send(
                200, {"data": items[(page - 1) * size : page * size], "next_page": page + 1 if more else None}
            )
        elif route == "/offset":
            offset, limit = int(query["offset"]), int(query["limit"])
            self._send(200, {"result": {"items": items[offset : offset + limit]}, "total": len(items)})
        elif route == "/cursor":
            offset = int(base64.urlsafe_b64decode(query["cursor"]).decode()[1:]) if "cursor" in query else 0
            following = _token(offset + 10) if offset + 10 < len(items) else None
            self._send(200, {"data": items[offset : offset + 10], "meta": {"next": following}})
        elif route == "/link":
            page = int(query.get("page", "1"))
            link = {"Link": f'<{api.base}/link?page={page + 1}>; rel="next", </link?page=1>; rel="first"'}
            self._send(200, items[(page - 1) * 10 : page * 10], link if page * 10 < len(items) else None)
        elif route == "/next":
            page = int(query.get("page", "1"))
            following = f"/next?page={page + 1}" if page * 10 < len(items) else None
            self._send(200, {"data": items[(page - 1) * 10 : page * 10], "links": {"next": following}})
        elif route == "/retry-after-seconds" and hit <= 2:
            self._send(429, {"error": "slow down"}, {"Retry-After": "1"})
        elif route == "/retry-after-date" and hit == 1:
            when = email.utils.formatdate(time.time() + 2, usegmt=True)
            self._send(503, {"error": "maintenance"}, {"Retry-After": when})
        elif route == "/retry-after-long":
            self._send(429, {"error": "come back tomorrow"}, {"Retry-After": "3600"})
        elif route == "/drop-then-ok" and hit == 1:
            self.close_connection = True  # hang up without an answer: the client sees a reset
        elif route == "/echo-headers":
            self._send(
                200, {"data": [{"id": 1, **{k: v for k, v in self.headers.items() if k.startswith("X-")}}]}
            )
        elif (route == "/error-then-ok" and hit == 1) or route == "/always-500":
            self._send(500, {"error": "database is down"})
        elif route == "/truncated":
            page = int(query.get("page", "1"))
            if page == 1:
                self._send(200, {"data": items[:3], "next_page": 2})
            else:
                self._send(200, b'{"data": [{"id": 4, "name": "it')
        elif route == "/slow":
            time.sleep(1.0)
            self._send(200, {"data": items[:1]})
        elif route == "/bearer":
            ok = self.headers.get("Authorization") == "Bearer s3cret-token"
            self._send(200 if ok else 401, {"data": items[:2]} if ok else {"error": "invalid token"})
        elif route == "/api-key-header":
            key = self.headers.get("X-Api-Key")
            status = 200 if key == "k3y" else 403 if key == "read-only" else 401
            self._send(status, {"data": items[:3]} if status == 200 else {"error": "no"})
        elif route == "/api-key-query":
            ok = query.get("api_key") == "k3y"
            self._send(200 if ok else 401, {"data": items[:4]} if ok else {"error": "no"})
        elif route == "/basic":
            expected = "Basic " + base64.b64encode(b"ana:pa55word").decode()
            ok = self.headers.get("Authorization") == expected
            self._send(200 if ok else 401, {"data": items[:5]} if ok else {"error": "who are you"})
        elif route in ("/error-then-ok", "/retry-after-seconds", "/retry-after-date", "/drop-then-ok"):
            self._send(200, {"data": items[:5]})
        else:
            self._send(404, {"error": "no such route"})


@pytest.fixture
def http_api() -> Iterator[Api]:
    """A real threaded HTTP server on a free loopback port, misbehaving by route."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    api = Api(f"http://127.0.0.1:{server.server_address[1]}")
    server.api = api  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _ids(workspace: Workspace, table: str) -> list[int]:
    return sorted(row["id"] for row in workspace.engine.read_arrow(table).to_pylist())


def _loads(workspace: Workspace) -> list[dict[str, Any]]:
    return workspace.engine.read_arrow("meta.loads").to_pylist()


# --- pagination -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "pagination", "record_path", "requests"),
    [
        ("/page", {"style": "page_number", "size": 10}, "data", 3),
        ("/offset", {"style": "offset", "limit": 10, "total_field": "total"}, "result.items", 3),
        ("/cursor", {"style": "cursor", "cursor_field": "meta.next", "cursor_param": "cursor"}, "data", 3),
        ("/link", {"style": "link"}, None, 3),
        ("/next", {"style": "next_url", "next_url_field": "links.next"}, "data", 3),
    ],
)
def test_each_pagination_style_loads_every_record_once(
    workspace: Workspace,
    http_api: Api,
    route: str,
    pagination: dict[str, Any],
    record_path: str | None,
    requests: int,
) -> None:
    result = ingest_http(
        workspace, http_api.base + route, "items", pagination=pagination, record_path=record_path
    )

    assert result.rows == 25
    assert _ids(workspace, "raw.items") == list(range(1, 26))
    assert len(http_api.paths(route)) == requests
    (load,) = _loads(workspace)
    assert load["status"] == "ok"


def test_cursor_pagination_sends_the_token_back(workspace: Workspace, http_api: Api) -> None:
    ingest_http(
        workspace,
        http_api.base + "/cursor",
        "items",
        pagination={"style": "cursor", "cursor_field": "meta.next"},
    )

    assert [call.query.get("cursor") for call in http_api.calls] == [None, _token(10), _token(20)]


def test_offset_stops_on_a_short_page_without_a_total(workspace: Workspace, http_api: Api) -> None:
    ingest_http(workspace, http_api.base + "/offset", "items", record_path="result.items",
                pagination={"style": "offset", "limit": 10})  # fmt: skip

    assert [call.query["offset"] for call in http_api.calls] == ["0", "10", "20"]
    assert _ids(workspace, "raw.items") == list(range(1, 26))


def test_nested_fields_are_flattened(workspace: Workspace, http_api: Api) -> None:
    ingest_http(workspace, http_api.base + "/link", "items", record_path=None, pagination={"style": "link"})

    rows = workspace.engine.read_arrow("raw.items").to_pylist()
    assert sorted((row["id"], row["meta__size"]) for row in rows)[:3] == [(1, 1), (2, 2), (3, 0)]


# --- retries ----------------------------------------------------------------------------------------------


def test_429_with_retry_after_seconds_is_waited_out(workspace: Workspace, http_api: Api) -> None:
    result = ingest_http(workspace, http_api.base + "/retry-after-seconds", "items", **FAST)

    assert result.rows == 5
    times = [call.at for call in http_api.paths("/retry-after-seconds")]
    assert len(times) == 3
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.95  # the server saw us wait 1 s


@pytest.mark.slow
def test_retry_after_as_an_http_date_is_honoured(workspace: Workspace, http_api: Api) -> None:
    result = ingest_http(workspace, http_api.base + "/retry-after-date", "items", **FAST)

    assert result.rows == 5
    first, second = (call.at for call in http_api.paths("/retry-after-date"))
    assert second - first >= 0.9  # the date is whole seconds: 2 s ahead, at least 1 s of it left


def test_a_retry_after_past_the_wait_budget_gives_up_at_once(workspace: Workspace, http_api: Api) -> None:
    with pytest.raises(
        TransientSourceError, match=r"429 Too Many Requests.*would wait 3600.0 s, past max_retry_wait"
    ):
        ingest_http(workspace, http_api.base + "/retry-after-long", "items", max_retry_wait=10, **FAST)
    assert len(http_api.calls) == 1


def test_500_then_success_is_retried(workspace: Workspace, http_api: Api) -> None:
    result = ingest_http(workspace, http_api.base + "/error-then-ok", "items", **FAST)

    assert result.rows == 5
    assert http_api.hits["/error-then-ok"] == 2


def test_a_dropped_connection_is_retried(workspace: Workspace, http_api: Api) -> None:
    result = ingest_http(workspace, http_api.base + "/drop-then-ok", "items", **FAST)

    assert result.rows == 5
    assert http_api.hits["/drop-then-ok"] == 2


def test_persistent_500_gives_up_after_max_retries(workspace: Workspace, http_api: Api) -> None:
    with pytest.raises(TransientSourceError, match=r"500 Internal Server Error.*Gave up after 3 retries"):
        ingest_http(workspace, http_api.base + "/always-500", "items", max_retries=3, **FAST)

    assert http_api.hits["/always-500"] == 4
    assert workspace.engine.list_tables("raw") == []
    assert [load["status"] for load in _loads(workspace)] == ["failed"]


@pytest.mark.slow
def test_slow_responses_time_out_as_transient(workspace: Workspace, http_api: Api) -> None:
    with pytest.raises(
        TransientSourceError, match=r"no answer from .*/slow within 0.3 s.*Gave up after 1 retry"
    ):
        ingest_http(workspace, http_api.base + "/slow", "items", timeout=0.3, max_retries=1, **FAST)
    assert http_api.hits["/slow"] == 2


def test_truncated_json_is_terminal_and_names_the_page(workspace: Workspace, http_api: Api) -> None:
    with pytest.raises(TerminalSourceError, match=r"/truncated\?page=2.*JSON body is broken.*cut off"):
        ingest_http(
            workspace, http_api.base + "/truncated", "items", pagination={"style": "page_number"}, **FAST
        )

    assert http_api.hits["/truncated"] == 2  # not retried
    assert workspace.engine.list_tables("raw") == []
    (load,) = _loads(workspace)
    assert load["status"] == "failed" and "truncated?page=2" in load["error"]
