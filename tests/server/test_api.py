"""The HTTP API: health, tables, runs and loads, key checks, validation, OpenAPI and /docs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aimass import Settings, Workspace
from aimass.server import create_app
from aimass.server.deps import get_settings

from .conftest import ROWS, Keys


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# -- health ---------------------------------------------------------------------------------------
def test_health_is_open_and_names_the_workspace(client: TestClient) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "version": "0.1.0", "workspace": "shop"}


def test_settings_come_from_a_dependency_tests_can_override(workspace_root: Path) -> None:
    app = create_app(workspace_root)
    app.dependency_overrides[get_settings] = lambda: Settings(name="overridden")
    with TestClient(app) as client:
        assert client.get("/health").json()["workspace"] == "overridden"


def test_create_app_accepts_a_workspace_and_explicit_settings(workspace_root: Path) -> None:
    with Workspace.open(workspace_root, read_only=True) as workspace:
        app = create_app(workspace, settings=Settings(name="given"))
    with TestClient(app) as client:
        assert client.get("/health").json()["workspace"] == "given"


# -- keys -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/v1/tables", "/v1/tables/raw.orders", "/v1/runs", "/v1/loads"])
def test_every_data_route_needs_a_key(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "X-API-Key" in answer.json()["detail"]


def test_an_unknown_key_is_refused(client: TestClient, keys: Keys) -> None:
    answer = client.get("/v1/tables", headers=bearer(keys.read[:-3] + "abc"))
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_a_key_without_the_scope_is_forbidden_and_told_which_scope(client: TestClient, keys: Keys) -> None:
    answer = client.get("/v1/tables", headers=bearer(keys.decide))
    assert answer.status_code == 403
    assert "'read'" in answer.json()["detail"]
    assert "decide" in answer.json()["detail"]


@pytest.mark.parametrize("which", ["read", "admin"])
def test_read_and_admin_keys_list_the_tables_with_row_counts(
    client: TestClient, keys: Keys, which: str
) -> None:
    answer = client.get("/v1/tables", headers=bearer(getattr(keys, which)))
    assert answer.status_code == 200
    tables = {item["name"]: item for item in answer.json()["tables"]}
    for name, rows in ROWS.items():
        assert tables[name]["rows"] == rows
        assert tables[name]["layer"] == name.split(".")[0]
    assert tables["meta.runs"]["rows"] == 3
    assert tables["meta.loads"]["rows"] == 2
    order = [item["layer"] for item in answer.json()["tables"]]
    assert order == sorted(order, key=["raw", "core", "mart", "meta"].index)


def test_the_key_can_come_in_the_x_api_key_header(client: TestClient, keys: Keys) -> None:
    assert client.get("/v1/tables", headers={"X-API-Key": keys.read}).status_code == 200


def test_a_revoked_key_is_refused_at_once(client: TestClient, keys: Keys, workspace_root: Path) -> None:
    from aimass.server import revoke_key

    assert client.get("/v1/tables", headers=bearer(keys.read)).status_code == 200
    revoke_key(workspace_root, keys.read_id)  # while the server runs
    assert client.get("/v1/tables", headers=bearer(keys.read)).status_code == 401


def test_a_key_created_while_the_server_runs_works(client: TestClient, workspace_root: Path) -> None:
    from aimass.server import create_key

    _, key = create_key(workspace_root, ["read"])
    assert client.get("/v1/tables", headers=bearer(key)).status_code == 200


def test_the_layer_filter(client: TestClient, keys: Keys) -> None:
    answer = client.get("/v1/tables", params={"layer": "core"}, headers=bearer(keys.read))
    assert [item["name"] for item in answer.json()["tables"]] == ["core.customers"]
    wrong = client.get("/v1/tables", params={"layer": "gold"}, headers=bearer(keys.read))
    assert wrong.status_code == 422
    assert "raw" in wrong.text  # names what is allowed


# -- table detail ---------------------------------------------------------------------------------
def test_table_detail_has_columns_types_rows_and_head(client: TestClient, keys: Keys) -> None:
    answer = client.get("/v1/tables/raw.orders", params={"limit": 2}, headers=bearer(keys.read))
    assert answer.status_code == 200
    body = answer.json()
    assert body["name"] == "raw.orders"
    assert body["layer"] == "raw"
    assert body["rows"] == 3
    assert [(c["name"], c["type"]) for c in body["columns"]] == [
        ("order_id", "VARCHAR"),
        ("total", "DOUBLE"),
        ("ordered_at", "TIMESTAMP"),
    ]
    assert body["head"] == [
        {"order_id": "0000001", "total": 12.5, "ordered_at": "2024-03-05T14:00:00"},
        {"order_id": "0000002", "total": None, "ordered_at": "2024-03-05T14:01:00"},
    ]


def test_table_detail_defaults_to_twenty_rows(client: TestClient, keys: Keys) -> None:
    body = client.get("/v1/tables/core.customers", headers=bearer(keys.read)).json()
    assert len(body["head"]) == 5


@pytest.mark.parametrize("limit", ["0", "1001", "-5", "lots"])
def test_table_detail_limit_is_validated(client: TestClient, keys: Keys, limit: str) -> None:
    answer = client.get("/v1/tables/raw.orders", params={"limit": limit}, headers=bearer(keys.read))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == "limit"


def test_unknown_query_parameters_are_refused(client: TestClient, keys: Keys) -> None:
    answer = client.get("/v1/tables/raw.orders", params={"limt": 5}, headers=bearer(keys.read))
    assert answer.status_code == 422


@pytest.mark.parametrize("name", ["raw.nothing", "gold.orders", "orders", "raw.x;drop table y"])
def test_missing_or_invalid_tables_are_404_with_a_reason(client: TestClient, keys: Keys, name: str) -> None:
    answer = client.get(f"/v1/tables/{name}", headers=bearer(keys.read))
    assert answer.status_code == 404
    assert answer.json()["detail"]


def test_the_key_is_checked_before_the_table(client: TestClient, keys: Keys) -> None:
    assert client.get("/v1/tables/raw.nothing", headers=bearer(keys.decide)).status_code == 403


# -- runs and loads -------------------------------------------------------------------------------
def test_runs_are_newest_first_with_summary_and_duration(client: TestClient, keys: Keys) -> None:
    answer = client.get("/v1/runs", headers=bearer(keys.read))
    assert answer.status_code == 200
    runs = answer.json()["runs"]
    assert [run["step"] for run in runs] == ["segments", "prepare", "ingest"]
    assert runs[0]["status"] == "failed"
    assert runs[0]["error"] == "boom"
    assert runs[2]["summary"] == "landed 3 rows"
    assert runs[2]["seconds"] == 2.5
    assert runs[2]["tables"] == {"core.customers": 5}
    assert runs[2]["started_at"] == "2024-03-05T14:01:00Z"


def test_runs_limit(client: TestClient, keys: Keys) -> None:
    runs = client.get("/v1/runs", params={"limit": 1}, headers=bearer(keys.read)).json()["runs"]
    assert [run["step"] for run in runs] == ["segments"]
    assert client.get("/v1/runs", params={"limit": 0}, headers=bearer(keys.read)).status_code == 422
    assert client.get("/v1/loads", params={"limit": 1001}, headers=bearer(keys.read)).status_code == 422


def test_loads_are_newest_first(client: TestClient, keys: Keys) -> None:
    loads = client.get("/v1/loads", headers=bearer(keys.admin)).json()["loads"]
    assert [load["source"] for load in loads] == ["campaigns", "orders"]
    assert loads[0]["target"] == "raw.campaigns"
    assert loads[0]["rows"] == 3
    assert loads[0]["seconds"] == 1.0
    assert loads[0]["details"] == {"files": 1}


# -- a busy warehouse -----------------------------------------------------------------------------
def test_a_locked_warehouse_gives_503_with_retry_after(
    client: TestClient, keys: Keys, warehouse_writer: subprocess.Popen[str]
) -> None:
    answer = client.get("/v1/tables", headers=bearer(keys.read))
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    body = answer.json()
    assert body["error"] == "warehouse_unavailable"
    assert "another process" in body["detail"]
    assert "PID" not in body["detail"]  # the client is not told the server's internals
    assert client.get("/health").status_code == 200  # health never touches the warehouse
    assert client.get("/v1/tables").status_code == 401  # keys are checked without the warehouse


def test_the_server_recovers_when_the_writer_is_gone(
    client: TestClient, keys: Keys, warehouse_writer: subprocess.Popen[str]
) -> None:
    assert client.get("/v1/runs", headers=bearer(keys.read)).status_code == 503
    assert warehouse_writer.stdin is not None
    warehouse_writer.stdin.close()
    warehouse_writer.wait(timeout=20)
    assert client.get("/v1/runs", headers=bearer(keys.read)).status_code == 200


def test_the_server_does_not_keep_the_warehouse_open(
    client: TestClient, keys: Keys, workspace_root: Path
) -> None:
    import pyarrow as pa

    assert client.get("/v1/tables", headers=bearer(keys.read)).status_code == 200
    with Workspace.open(workspace_root) as workspace:  # a writer can open it between requests
        workspace.engine.write_table("raw.orders", pa.table({"order_id": ["9"]}))
    tables = client.get("/v1/tables", headers=bearer(keys.read)).json()["tables"]
    assert {t["name"]: t["rows"] for t in tables}["raw.orders"] == 1


# -- OpenAPI and /docs ----------------------------------------------------------------------------
def test_openapi_lists_the_versioned_routes_and_the_key_schemes(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert {"/health", "/v1/tables", "/v1/tables/{name}", "/v1/runs", "/v1/loads"} <= set(document["paths"])
    assert not any(path.startswith(("/login", "/tables", "/docs")) for path in document["paths"])
    assert {"HTTPBearer", "APIKeyHeader"} <= set(document["components"]["securitySchemes"])
    operation = document["paths"]["/v1/tables"]["get"]
    assert {"HTTPBearer": ["read"]} in operation["security"]
    assert "503" in operation["responses"]


def test_docs_page_works_offline_and_lists_every_route(client: TestClient) -> None:
    answer = client.get("/docs")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    for path in ("/health", "/v1/tables", "/v1/tables/{name}", "/v1/runs", "/v1/loads"):
        assert f"<code>{path}</code>" in html
    assert "API key: read (or admin)" in html
    assert "limit" in html
    assert re.findall(r"""(?:src|href)\s*=\s*["']?https?://""", html) == []
    assert "<script" not in html
    assert client.get("/redoc").status_code == 404  # FastAPI's CDN page is not served


def test_docs_page_escapes_route_descriptions(workspace_root: Path) -> None:
    app = create_app(workspace_root)

    @app.get("/v1/hostile", description="Returns `<script>alert(1)</script>` <img src=x onerror=alert(2)>")
    def hostile() -> dict[str, str]:
        return {}

    with TestClient(app) as client:
        html = client.get("/docs").text
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
