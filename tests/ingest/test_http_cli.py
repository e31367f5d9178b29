"""``aimass ingest http URL --as NAME ...`` through the real CLI entry point, against a real local server."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from aimass import Workspace
from aimass.cli.main import main

from .test_http_features import Api, http_api

__all__ = ["http_api"]


def _run(workspace: Workspace, *args: str) -> int:
    return main(["ingest", "http", *args, "--workspace", str(workspace.root)])


def _rows(workspace: Workspace, table: str) -> list[dict[str, Any]]:
    with Workspace.open(workspace.root) as ws:
        return ws.engine.read_arrow(table).to_pylist()


def test_cursor_pagination_with_json_output(
    workspace: Workspace, http_api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.close()

    code = _run(workspace, http_api.base + "/cursor", "--as", "items", "--paginate", "cursor",
                "--next-field", "meta.next", "--json")  # fmt: skip

    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["target"], result["rows"]) == ("raw.items", 25)
    assert len(_rows(workspace, "raw.items")) == 25
    assert len(http_api.calls) == 3


def test_incremental_merge_with_auth_headers_params_and_rate_limit(
    workspace: Workspace, http_api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.close()
    monkeypatch.setenv("AIMASS_TEST_TOKEN", "s3cret-token")
    args = [
        http_api.base + "/page", "--as", "raw.items", "--paginate", "page", "--page-size", "10",
        "--bearer-token-env", "AIMASS_TEST_TOKEN", "--header", "X-Trace=abc", "--param", "lang=en",
        "--cursor", "updated_at", "--cursor-param", "updated_since", "--rate-limit", "20",
        "--mode", "merge", "--primary-key", "id",
    ]  # fmt: skip

    assert _run(workspace, *args) == 0
    first = http_api.calls[0]
    assert first.headers["authorization"] == "Bearer s3cret-token"
    assert first.headers["x-trace"] == "abc"
    assert (first.query["lang"], first.query["page"], first.query["per_page"]) == ("en", "1", "10")
    assert "updated_since" not in first.query
    assert "s3cret-token" not in capsys.readouterr().out

    http_api.items[0] = {**http_api.items[0], "name": "changed", "updated_at": "2024-03-01T00:00:00Z"}
    http_api.calls.clear()
    assert _run(workspace, *args) == 0

    assert http_api.calls[0].query["updated_since"] == "2024-01-25T00:00:00Z"
    rows = {row["id"]: row for row in _rows(workspace, "raw.items")}
    assert len(rows) == 25 and rows[1]["name"] == "changed"
    times = [call.at for call in http_api.calls]
    assert all(b - a >= 0.035 for a, b in itertools.pairwise(times))  # 20 per second, minus network noise


def test_the_table_output_names_the_table_and_the_counts(
    workspace: Workspace, http_api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.close()

    code = _run(workspace, http_api.base + "/offset", "--as", "items", "--record-path", "result.items",
                "--paginate", "offset", "--page-size", "10")  # fmt: skip

    out = capsys.readouterr().out
    assert code == 0
    assert "loaded raw.items" in out and "25 / 0 / 0" in out and "/offset" in out
    assert [call.query["offset"] for call in http_api.calls] == ["0", "10", "20"]


def test_api_key_in_a_query_parameter(
    workspace: Workspace, http_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.close()
    monkeypatch.setenv("AIMASS_TEST_KEY", "k3y")

    code = _run(workspace, http_api.base + "/api-key-query", "--as", "items",
                "--api-key-env", "AIMASS_TEST_KEY", "--api-key-param", "api_key")  # fmt: skip

    assert code == 0
    assert len(_rows(workspace, "raw.items")) == 4


def test_a_refused_credential_exits_1_with_a_message_that_hides_it(
    workspace: Workspace, http_api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.close()
    monkeypatch.setenv("AIMASS_TEST_PASSWORD", "not-the-password")

    code = _run(workspace, http_api.base + "/basic", "--as", "items", "--basic-user", "ana",
                "--basic-password-env", "AIMASS_TEST_PASSWORD")  # fmt: skip

    captured = capsys.readouterr()
    assert code == 1
    assert "401 Unauthorized" in captured.err and "check the user 'ana' and its password" in captured.err
    assert "not-the-password" not in captured.err + captured.out


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--paginate", "zigzag"], "--paginate 'zigzag' is not allowed"),
        (["--header", "no-equals-sign"], "must look like KEY=VALUE"),
        (["--mode", "upsert"], "mode"),
        (["--paginate", "link", "--next-field", "next"], "--next-field does not apply"),
    ],
)
def test_bad_options_exit_1(
    workspace: Workspace, http_api: Api, capsys: pytest.CaptureFixture[str], extra: list[str], fragment: str
) -> None:
    workspace.close()

    code = _run(workspace, http_api.base + "/page", "--as", "items", *extra)

    assert code == 1
    assert fragment in capsys.readouterr().err
    assert http_api.calls == []


def test_declared_http_sources_load_with_ingest_all(
    workspace: Workspace, http_api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.close()
    monkeypatch.setenv("AIMASS_TEST_TOKEN", "s3cret-token")
    (workspace.root / "sources.yaml").write_text(
        f"""\
sources:
  - name: items
    kind: http
    url: {http_api.base}/next
    pagination: {{style: next_url, next_url_field: links.next}}
    cursor: updated_at
    cursor_param: updated_since
    mode: merge
    primary_key: [id]
  - name: secured
    kind: http
    url: {http_api.base}/bearer
    auth: {{type: bearer, token: "${{AIMASS_TEST_TOKEN}}"}}
""",
        encoding="utf-8",
    )

    code = main(["ingest", "--all", "--workspace", str(workspace.root), "--json"])

    out = capsys.readouterr().out
    assert code == 0
    rows = {row["source"]: row for row in json.loads(out)}
    assert (rows["items"]["status"], rows["items"]["rows_new"]) == ("ok", 25)
    assert (rows["secured"]["status"], rows["secured"]["rows"]) == ("ok", 2)
    assert "s3cret-token" not in out

    http_api.calls.clear()
    assert main(["ingest", "--all", "--workspace", str(workspace.root), "--json"]) == 0
    rerun = {row["source"]: row for row in json.loads(capsys.readouterr().out)}
    assert rerun["items"]["rows"] == 0
    assert http_api.paths("/next")[0].query["updated_since"] == "2024-01-25T00:00:00Z"
