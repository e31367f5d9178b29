"""The HTTP JSON source against a real local server: pages, flattening, failures that say if a retry helps."""

from __future__ import annotations

import json

import pytest

from aimass import Workspace
from aimass.exceptions import ConfigError, TerminalSourceError, TransientSourceError
from aimass.ingest import ingest_http
from aimass.ingest.http import flatten_record, page_to_arrow, records_to_arrow

from .conftest import CAMPAIGNS

PAGES = {"style": "page_number", "page_param": "page", "size_param": "per_page", "size": 5}


def test_paged_campaigns_are_loaded_and_flattened(workspace: Workspace, api: tuple[str, list[str]]) -> None:
    base, calls = api

    result = ingest_http(workspace, f"{base}/v1/campaigns", "campaigns", pagination=PAGES)

    assert (result.target, result.rows) == ("raw.campaigns", len(CAMPAIGNS))
    assert calls == [
        "/v1/campaigns?page=1&per_page=5",
        "/v1/campaigns?page=2&per_page=5",
        "/v1/campaigns?page=3&per_page=5",
    ]
    rows = workspace.engine.read_arrow("raw.campaigns").to_pylist()
    assert [row["id"] for row in rows] == [c["id"] for c in CAMPAIGNS]
    assert [row["offer__type"] for row in rows] == [c["offer"]["type"] for c in CAMPAIGNS]  # type: ignore[index]
    assert [row["offer__value"] for row in rows] == [c["offer"]["value"] for c in CAMPAIGNS]  # type: ignore[index]
    assert "offer" not in rows[0]
    assert {row["_source_file"] for row in rows} == {f"{base}/v1/campaigns"}
    assert {row["_load_id"] for row in rows} == {result.load_id}
    (load,) = workspace.engine.read_arrow("meta.loads").to_pylist()
    assert (load["status"], load["rows"], load["source"]) == ("ok", 12, f"{base}/v1/campaigns")
    assert json.loads(str(load["details"]))["pagination"]["size"] == 5


def test_without_pagination_one_request(workspace: Workspace, api: tuple[str, list[str]]) -> None:
    base, calls = api

    result = ingest_http(workspace, f"{base}/v1/campaigns", "first_page", params={"per_page": 4})

    assert result.rows == 4
    assert calls == ["/v1/campaigns?per_page=4"]


def test_server_error_is_transient_and_changes_nothing(
    workspace: Workspace, api: tuple[str, list[str]]
) -> None:
    base, _ = api
    ingest_http(workspace, f"{base}/v1/campaigns", "campaigns", pagination=PAGES)
    before = workspace.engine.read_arrow("raw.campaigns").to_pylist()

    with pytest.raises(
        TransientSourceError, match=r"answered 500 Internal Server Error.*database is down.*retry may help"
    ):
        ingest_http(workspace, f"{base}/v1/broken", "campaigns", max_retries=0)
    with pytest.raises(TransientSourceError, match=r"page=2.*503"):
        ingest_http(workspace, f"{base}/v1/flaky-second-page", "campaigns", pagination=PAGES, max_retries=0)

    assert workspace.engine.read_arrow("raw.campaigns").to_pylist() == before
    statuses = [row["status"] for row in workspace.engine.read_arrow("meta.loads").to_pylist()]
    assert statuses == ["ok", "failed", "failed"]


def test_refused_connection_asks_if_the_server_runs(workspace: Workspace, refused_url: str) -> None:
    with pytest.raises(TransientSourceError) as caught:
        ingest_http(workspace, refused_url, "campaigns", timeout=5, max_retries=0)

    message = str(caught.value)
    assert "cannot connect to" in message and refused_url.split("/v1")[0] in message
    assert "Is the server running?" in message
    assert "retry may help" in message
    assert workspace.engine.list_tables("raw") == []


@pytest.mark.parametrize(
    ("route", "fragment"),
    [
        ("/v1/forbidden", "answered 403 Forbidden; a retry will not help"),
        ("/v1/nowhere", "answered 404"),
        ("/v1/html", r"not JSON \(text/html\)"),
        ("/v1/empty", "returned no records"),
    ],
)
def test_client_errors_and_bad_bodies_are_terminal(
    workspace: Workspace, api: tuple[str, list[str]], route: str, fragment: str
) -> None:
    base, _ = api

    with pytest.raises(TerminalSourceError, match=fragment):
        ingest_http(workspace, f"{base}{route}", "campaigns")
    assert workspace.engine.list_tables("raw") == []


def test_wrong_record_path_lists_the_keys(workspace: Workspace, api: tuple[str, list[str]]) -> None:
    base, _ = api

    with pytest.raises(
        TerminalSourceError, match=r"no 'items'.*'data', 'page', 'per_page', 'total', 'next_page'"
    ):
        ingest_http(workspace, f"{base}/v1/campaigns", "campaigns", record_path="items")


def test_broken_pagination_is_bounded(workspace: Workspace, api: tuple[str, list[str]]) -> None:
    base, calls = api

    with pytest.raises(TerminalSourceError, match="from page 1 to 1"):
        ingest_http(workspace, f"{base}/v1/stuck", "campaigns", pagination=PAGES)
    calls.clear()
    with pytest.raises(TerminalSourceError, match="still more pages after 7"):
        ingest_http(workspace, f"{base}/v1/endless", "campaigns", pagination=PAGES, max_pages=7)
    assert len(calls) == 7
    assert workspace.engine.list_tables("raw") == []


def test_bad_arguments(workspace: Workspace) -> None:
    with pytest.raises(ConfigError, match="must start with http"):
        ingest_http(workspace, "ftp://example.com/x", "campaigns")
    with pytest.raises(ConfigError, match=r"pagination is not valid.*page_parm"):
        ingest_http(workspace, "http://127.0.0.1:1/x", "campaigns", pagination={"page_parm": "p"})


def test_flatten_and_mixed_columns() -> None:
    assert flatten_record({"a": {"b": {"c": 1}}, "l": [1, {"x": 2}]}) == {"a__b__c": 1, "l": '[1, {"x": 2}]'}
    table = records_to_arrow([{"k": 1}, {"k": "two", "extra": True}])
    assert table.column_names == ["k", "extra"]
    assert table["k"].to_pylist() == ["1", "two"]
    assert table["extra"].to_pylist() == [None, True]


@pytest.mark.parametrize(
    "records",
    [
        [
            {"id": 1, "offer": {"type": "pct", "value": 10}},
            {"id": 2, "offer": {"type": "amount"}, "extra": True},
        ],
        [
            {"id": 1, "lines": [{"sku": "A", "qty": 1}, {"sku": "B"}]},
            {"id": 2, "tags": ["x", "y"], "lines": []},
        ],
        [{"a": {"b": {"c": 1}}}, {"a": {"b": {"c": None}}}, {"a": {}}],
        [{"id": 1}, {"id": "two"}],  # mixed types: the fallback keeps them as text
        [{"a__b": 1, "a": {"b": 2}}],  # a name clash: the fallback decides, as before
        [{"id": 2**70}],  # too large for int64
        [{"when": "2024-01-01T00:00:00Z", "price": 1}, {"price": 1.5, "note": None}],
    ],
)
def test_the_fast_page_path_matches_record_by_record(records: list[dict[str, object]]) -> None:
    fast = page_to_arrow(records)
    slow = records_to_arrow([flatten_record(record) for record in records])

    assert fast.to_pylist() == slow.to_pylist()
    assert fast.column_names == slow.column_names


def test_the_fast_page_path_carries_parent_nulls() -> None:
    table = page_to_arrow([{"id": 1, "m": {"x": 1}}, {"id": 2, "m": None}, {"id": 3}])

    assert table.column_names == [
        "id",
        "m__x",
    ]  # no all-null ``m`` column beside it (record by record has one)
    assert table["m__x"].to_pylist() == [1, None, None]
