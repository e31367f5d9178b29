"""The dashboard: login flow, the home page and table pages, escaping, no CDN, a busy warehouse."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aimass.server import revoke_key
from aimass.server.sessions import SESSION_COOKIE

from .conftest import HOSTILE_SUMMARY, ROWS, Keys

_REMOTE_ASSET = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def log_in(client: TestClient, key: str, next_page: str = "/") -> None:
    answer = client.post("/login", data={"api_key": key, "next": next_page}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def assert_offline(html: str) -> None:
    assert _REMOTE_ASSET.findall(html) == [], "the page must load nothing from another host"
    assert "<script" not in html.lower()


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/", "/tables/raw.orders"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/login?next={path}"


def test_the_login_page_is_a_plain_form(client: TestClient) -> None:
    answer = client.get("/login")
    assert answer.status_code == 200
    assert 'name="api_key"' in answer.text
    assert 'type="password"' in answer.text
    assert "AI Mass" in answer.text
    assert_offline(answer.text)
    assert "script-src" not in answer.headers["content-security-policy"]  # default-src 'none' forbids scripts
    assert "default-src 'none'" in answer.headers["content-security-policy"]


def test_a_wrong_key_shows_an_error_and_sets_no_cookie(client: TestClient, keys: Keys) -> None:
    answer = client.post("/login", data={"api_key": keys.read + "x"}, follow_redirects=False)
    assert answer.status_code == 401
    assert "was not accepted" in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_key_without_read_scope_is_told_what_is_needed(client: TestClient, keys: Keys) -> None:
    answer = client.post("/login", data={"api_key": keys.decide}, follow_redirects=False)
    assert answer.status_code == 403
    assert "needs &#39;read&#39; or &#39;admin&#39;" in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_an_empty_form_is_answered_with_the_form(client: TestClient) -> None:
    answer = client.post("/login", data={}, follow_redirects=False)
    assert answer.status_code == 401
    assert 'name="api_key"' in answer.text


def test_the_right_key_sets_a_signed_httponly_lax_cookie(client: TestClient, keys: Keys) -> None:
    answer = client.post("/login", data={"api_key": keys.read, "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Max-Age=" in cookie
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    assert value.startswith(f"{keys.read_id}.")
    assert keys.read.split("_", 2)[2] not in cookie  # the secret never goes into the cookie


def test_home_shows_the_workspace_tables_and_row_counts(
    client: TestClient, keys: Keys, workspace_root: Path
) -> None:
    log_in(client, keys.read)
    answer = client.get("/")
    assert answer.status_code == 200
    html = answer.text
    assert "<h1>shop</h1>" in html
    assert str(workspace_root) in html
    for name, rows in ROWS.items():
        assert re.search(
            rf'<a href="/tables/{re.escape(name)}">{re.escape(name)}</a></td>\s*<td class="num">{rows}</td>',
            html,
        ), name
    for layer in ("raw", "core", "mart", "meta"):
        assert f'id="layer-{layer}"' in html
    # the last loads and runs, newest first
    assert html.index("raw.campaigns") < html.index("<td>raw.orders</td>")
    assert html.index("<td>segments</td>") < html.index("<td>prepare</td>") < html.index("<td>ingest</td>")
    assert "landed 3 rows" in html
    assert "2.5 s" in html
    assert "Log out (analyst)" in html
    assert_offline(html)


def test_an_admin_key_can_log_in_too(client: TestClient, keys: Keys) -> None:
    log_in(client, keys.admin)
    assert client.get("/").status_code == 200


def test_login_returns_to_the_page_asked_for(client: TestClient, keys: Keys) -> None:
    answer = client.post(
        "/login", data={"api_key": keys.read, "next": "/tables/core.customers"}, follow_redirects=False
    )
    assert answer.headers["location"] == "/tables/core.customers"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_login_never_redirects_off_site(client: TestClient, keys: Keys, target: str) -> None:
    answer = client.post("/login", data={"api_key": keys.read, "next": target}, follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_an_open_session_skips_the_login_form(client: TestClient, keys: Keys) -> None:
    log_in(client, keys.read)
    answer = client.get("/login?next=/tables/raw.orders", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/tables/raw.orders"


def test_the_table_page_shows_columns_types_and_first_rows(client: TestClient, keys: Keys) -> None:
    log_in(client, keys.read)
    answer = client.get("/tables/raw.orders")
    assert answer.status_code == 200
    html = answer.text
    assert "<h1>raw.orders</h1>" in html
    assert "3 rows, 3 columns" in html
    assert "<td>order_id</td><td><code>VARCHAR</code></td>" in html
    assert "<td>ordered_at</td><td><code>TIMESTAMP</code></td>" in html
    assert "<td>0000001</td>" in html  # identifiers keep their leading zeros
    assert '<span class="null">null</span>' in html
    assert_offline(html)


def test_the_table_page_shows_at_most_twenty_rows(
    client: TestClient, keys: Keys, workspace_root: Path
) -> None:
    import pyarrow as pa

    from aimass import Workspace

    with Workspace.open(workspace_root) as workspace:
        workspace.engine.write_table("mart.big", pa.table({"n": list(range(50))}))
    log_in(client, keys.read)
    html = client.get("/tables/mart.big").text
    assert "First 20 rows" in html
    assert "50 rows" in html
    assert html.count("<tr>") == 1 + 1 + 1 + 20  # columns header + 1 column + rows header + 20 rows


def test_a_run_summary_with_script_is_escaped(client: TestClient, keys: Keys) -> None:
    log_in(client, keys.read)
    html = client.get("/").text
    assert HOSTILE_SUMMARY not in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_a_table_name_cannot_inject_markup(client: TestClient, keys: Keys) -> None:
    log_in(client, keys.read)
    answer = client.get("/tables/raw.<img src=x onerror=alert(1)>")
    assert answer.status_code == 404
    assert "<img" not in answer.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in answer.text


def test_an_unknown_table_is_a_404_page(client: TestClient, keys: Keys) -> None:
    log_in(client, keys.read)
    answer = client.get("/tables/core.nothing")
    assert answer.status_code == 404
    assert "core.nothing does not exist" in answer.text


def test_logout_ends_the_session(client: TestClient, keys: Keys) -> None:
    log_in(client, keys.read)
    answer = client.post("/logout", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert (
        f'{SESSION_COOKIE}=""' in answer.headers["set-cookie"] or "Max-Age=0" in answer.headers["set-cookie"]
    )
    client.cookies.clear()  # what the browser does with the expired cookie
    assert client.get("/", follow_redirects=False).status_code == 303


def test_revoking_the_key_logs_the_session_out(client: TestClient, keys: Keys, workspace_root: Path) -> None:
    log_in(client, keys.read)
    assert client.get("/", follow_redirects=False).status_code == 200
    revoke_key(workspace_root, keys.read_id)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_forged_cookie_is_refused(client: TestClient, keys: Keys) -> None:
    client.cookies.set(SESSION_COOKIE, f"{keys.read_id}.9999999999.{'A' * 43}")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_stylesheet_is_served_locally(client: TestClient) -> None:
    answer = client.get("/static/aimass.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert "@media" in answer.text  # responsive
    assert "http" not in answer.text  # no remote fonts or images


def test_a_busy_warehouse_gives_a_503_page(
    client: TestClient, keys: Keys, warehouse_writer: subprocess.Popen[str]
) -> None:
    log_in(client, keys.read)  # logging in needs only the key file, not the warehouse
    answer = client.get("/", headers={"Accept": "text/html"})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert answer.headers["content-type"].startswith("text/html")
    assert "The warehouse is busy" in answer.text
    assert_offline(answer.text)
