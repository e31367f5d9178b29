"""The HTTP source against the misbehaving local server: auth and secrets, the rate limit as the server
measured it, incremental runs with a cursor, and the config model."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from aimass import Workspace
from aimass.exceptions import ConfigError, TerminalSourceError
from aimass.ingest import ingest_http
from aimass.ingest.http import HttpSourceConfig, TokenBucket, retry_after_seconds

from .test_http_features import Api, http_api

__all__ = ["http_api"]


def _ids(workspace: Workspace, table: str) -> list[int]:
    return sorted(row["id"] for row in workspace.engine.read_arrow(table).to_pylist())


def _loads(workspace: Workspace) -> list[dict[str, Any]]:
    return workspace.engine.read_arrow("meta.loads").to_pylist()


# --- auth -------------------------------------------------------------------------------------------------


def test_bearer_token_from_the_environment(
    workspace: Workspace, http_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMASS_TEST_TOKEN", "s3cret-token")

    result = ingest_http(
        workspace,
        http_api.base + "/bearer",
        "items",
        auth={"type": "bearer", "token": "${AIMASS_TEST_TOKEN}"},
    )

    assert result.rows == 2
    assert "s3cret-token" not in json.dumps(_loads(workspace), default=str)


def test_wrong_bearer_token_is_terminal_and_names_the_credential(
    workspace: Workspace, http_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMASS_TEST_TOKEN", "wrong-token-value")

    with pytest.raises(
        TerminalSourceError, match=r"401 Unauthorized; a retry will not help: check the bearer token"
    ) as caught:
        ingest_http(
            workspace,
            http_api.base + "/bearer",
            "items",
            auth={"type": "bearer", "token": "${AIMASS_TEST_TOKEN}"},
        )

    assert "wrong-token-value" not in str(caught.value)
    assert http_api.hits["/bearer"] == 1
    assert "wrong-token-value" not in json.dumps(_loads(workspace), default=str)


def test_secret_name_from_the_secrets_file(workspace: Workspace, http_api: Api) -> None:
    path = workspace.root / ".aimass" / "secrets.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[api]\ntoken = "s3cret-token"\n', encoding="utf-8")
    path.chmod(0o600)

    result = ingest_http(
        workspace, http_api.base + "/bearer", "items", auth={"type": "bearer", "token": "secret: api.token"}
    )

    assert result.rows == 2
    assert "s3cret-token" not in json.dumps(_loads(workspace), default=str)


def test_header_values_may_be_secret_references(
    workspace: Workspace, http_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMASS_TEST_TENANT", "tenant-42")

    ingest_http(
        workspace.engine,
        http_api.base + "/echo-headers",
        "items",
        headers={"X-Tenant": "${AIMASS_TEST_TENANT}"},
    )

    (row,) = workspace.engine.read_arrow("raw.items").to_pylist()
    assert row["X-Tenant"] == "tenant-42"
    details = json.loads(str(_loads(workspace)[0]["details"]))
    assert details["headers"] == ["X-Tenant"] and "tenant-42" not in json.dumps(details)


def test_no_credentials_on_401_says_to_add_auth(workspace: Workspace, http_api: Api) -> None:
    with pytest.raises(TerminalSourceError, match="the API wants credentials: give the source an auth"):
        ingest_http(workspace, http_api.base + "/bearer", "items")


def test_api_key_in_a_header(workspace: Workspace, http_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMASS_TEST_KEY", "k3y")
    auth = {"type": "api_key", "key": "${AIMASS_TEST_KEY}", "name": "X-API-Key"}

    assert ingest_http(workspace, http_api.base + "/api-key-header", "items", auth=auth).rows == 3

    monkeypatch.setenv("AIMASS_TEST_KEY", "read-only")
    with pytest.raises(
        TerminalSourceError,
        match=r"403 Forbidden.*check the API key sent in the header 'X-API-Key'.*may not access",
    ):
        ingest_http(workspace, http_api.base + "/api-key-header", "items", auth=auth)


def test_api_key_in_the_query_is_masked_in_messages_and_loads(
    workspace: Workspace, http_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMASS_TEST_KEY", "k3y")
    auth = {"type": "api_key", "key": "${AIMASS_TEST_KEY}", "name": "api_key", "location": "query"}

    assert ingest_http(workspace, http_api.base + "/api-key-query", "items", auth=auth).rows == 4
    assert http_api.calls[0].query["api_key"] == "k3y"

    monkeypatch.setenv("AIMASS_TEST_KEY", "bad-k3y-value")
    with pytest.raises(TerminalSourceError) as caught:
        ingest_http(workspace, http_api.base + "/api-key-query", "items", auth=auth)
    assert "api_key=%2A%2A%2A" in str(caught.value) and "bad-k3y-value" not in str(caught.value)
    stored = json.dumps(_loads(workspace), default=str)
    assert "k3y" not in stored


def test_basic_auth(workspace: Workspace, http_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMASS_TEST_PASSWORD", "pa55word")
    auth = {"type": "basic", "username": "ana", "password": "${AIMASS_TEST_PASSWORD}"}

    assert ingest_http(workspace, http_api.base + "/basic", "items", auth=auth).rows == 5

    monkeypatch.setenv("AIMASS_TEST_PASSWORD", "nope")
    with pytest.raises(TerminalSourceError, match=r"401.*check the user 'ana' and its password"):
        ingest_http(workspace, http_api.base + "/basic", "items", auth=auth)


# --- rate limit -------------------------------------------------------------------------------------------


def test_rate_limit_spaces_the_requests_as_the_server_sees_them(workspace: Workspace, http_api: Api) -> None:
    ingest_http(
        workspace,
        http_api.base + "/page",
        "items",
        pagination={"style": "page_number", "size": 5},
        rate_limit=10,
    )

    times = [call.at for call in http_api.paths("/page")]
    assert len(times) == 5
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # 10 requests per second: sent 0.1 s apart; the server sees that, give or take the network delay
    assert min(gaps) >= 0.08
    assert times[-1] - times[0] >= 0.38


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(rate=2, burst=3, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        bucket.acquire()

    assert slept == [0.5, 0.5]


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=None) == 0.0  # in the past
    assert retry_after_seconds("") is None


# --- incremental ------------------------------------------------------------------------------------------


def test_incremental_runs_send_the_cursor_and_merge(workspace: Workspace, http_api: Api) -> None:
    options: dict[str, Any] = {
        "pagination": {"style": "page_number", "size": 10},
        "cursor": "updated_at",
        "cursor_param": "updated_since",
        "mode": "merge",
        "primary_key": ["id"],
    }
    first = ingest_http(workspace, http_api.base + "/page", "items", **options)
    assert first.rows == 25
    assert "updated_since" not in http_api.calls[0].query

    http_api.calls.clear()
    again = ingest_http(workspace, http_api.base + "/page", "items", **options)
    assert again.rows == 0
    assert http_api.calls[0].query["updated_since"] == "2024-01-25T00:00:00Z"
    assert _ids(workspace, "raw.items") == list(range(1, 26))

    http_api.items[4] = {**http_api.items[4], "name": "renamed", "updated_at": "2024-02-01T00:00:00Z"}
    http_api.items.append(
        {"id": 26, "name": "item 26", "updated_at": "2024-02-02T00:00:00Z", "meta": {"size": 2}}
    )
    http_api.calls.clear()
    third = ingest_http(workspace, http_api.base + "/page", "items", **options)

    assert third.rows == 2
    assert http_api.calls[0].query["updated_since"] == "2024-01-25T00:00:00Z"
    rows = {row["id"]: row for row in workspace.engine.read_arrow("raw.items").to_pylist()}
    assert sorted(rows) == list(range(1, 27))
    assert rows[5]["name"] == "renamed"
    assert [load["status"] for load in _loads(workspace)] == ["ok", "ok", "ok"]


def test_failed_incremental_run_keeps_the_state_and_the_table(workspace: Workspace, http_api: Api) -> None:
    options: dict[str, Any] = {"cursor": "updated_at", "cursor_param": "updated_since", "mode": "append"}
    ingest_http(workspace, http_api.base + "/truncated", "items", **options, record_path="data")
    before = _ids(workspace, "raw.items")
    assert before == [1, 2, 3]

    with pytest.raises(TerminalSourceError):
        ingest_http(
            workspace, http_api.base + "/truncated", "items", pagination={"style": "page_number"}, **options
        )

    assert _ids(workspace, "raw.items") == before
    http_api.calls.clear()
    ingest_http(workspace, http_api.base + "/page", "items", **options)
    assert http_api.calls[0].query["updated_since"] == "2024-01-03T00:00:00Z"  # the state of the ok load


# --- configuration ----------------------------------------------------------------------------------------


def test_config_model_ingests(workspace: Workspace, http_api: Api) -> None:
    config = HttpSourceConfig.model_validate(
        {"kind": "http", "name": "items", "url": http_api.base + "/cursor",
         "pagination": {"style": "cursor", "cursor_field": "meta.next"}, "rate_limit": 100}
    )  # fmt: skip
    seen: list[tuple[int, int]] = []

    result = config.ingest(workspace, progress=lambda pages, records: seen.append((pages, records)))

    assert result.rows == 25
    assert seen == [(1, 10), (2, 20), (3, 25)]


def test_bad_settings_are_config_errors(workspace: Workspace) -> None:
    with pytest.raises(ConfigError, match="mode='upsert' is not allowed"):
        ingest_http(workspace, "http://127.0.0.1:1/x", "items", mode="upsert")
    with pytest.raises(ConfigError, match="cursor_param='since' needs a cursor"):
        ingest_http(workspace, "http://127.0.0.1:1/x", "items", cursor_param="since")
    with pytest.raises(ConfigError, match="auth is not valid"):
        ingest_http(workspace, "http://127.0.0.1:1/x", "items", auth={"type": "oauth"})
    with pytest.raises(ConfigError, match="pagination is not valid"):
        ingest_http(workspace, "http://127.0.0.1:1/x", "items", pagination={"style": "zigzag"})
