"""The web source against real pages served on a free loopback port (robots.txt, links, tables, records)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from aimass import Workspace
from aimass.cli.main import main
from aimass.exceptions import ConfigError, TerminalSourceError, TransientSourceError
from aimass.ingest.web import WebSourceConfig, ingest_web

from .._net import free_port

ROBOTS = "User-agent: *\nDisallow: /private/\n"
INDEX = """<html><body><h1>Prices</h1>
<table id="prices">
  <thead>
    <tr><th rowspan="2">Store</th><th colspan="2">Price</th></tr>
    <tr><th>Tea</th><th>Jam</th></tr>
  </thead>
  <tbody>
    <tr><td rowspan="2">Lyon</td><td>1,50</td><td>3.20</td></tr>
    <tr><td>1,60</td><td>3.30</td></tr>
    <tr><td>Paris</td><td colspan="2">closed</td></tr>
  </tbody>
</table>
<table><tr><th>note</th></tr><tr><td>prices in EUR</td></tr></table>
<a href="page2.html">next</a> <a href="/private/secret.html">secret</a>
<a href="missing.html">gone</a> <a href="about.html">about</a> <a href="http://example.invalid/page3.html">far</a>
</body></html>"""
PAGE2 = """<html><body><table>
<tr><th>Store</th><th>Price Tea</th><th>Price Jam</th></tr>
<tr><td>Nice</td><td>1,70</td><td>3.40</td></tr>
</table><a href="index.html#top">home</a></body></html>"""
SECRET = "<html><body><table><tr><th>Store</th></tr><tr><td>hidden</td></tr></table></body></html>"
PRODUCTS = """<html><body>
<div class="product" id="p1"><h2>Green tea</h2><span class="price">4.00</span><a href="/tea">more</a></div>
<div class="product" id="p2"><h2>Jam</h2><span class="price">2.50</span></div>
<div class="product" id="p3"><h2>Honey</h2></div>
</body></html>"""


@dataclass
class Site:
    """A served folder: its base URL and what the server saw (path, user agent, time)."""

    url: str
    root: Path
    seen: list[tuple[str, str, float]]


class _Handler(SimpleHTTPRequestHandler):
    seen: list[tuple[str, str, float]]

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("User-Agent", ""), time.monotonic()))
        super().do_GET()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """A real HTTP server on 127.0.0.1 serving the pages above."""
    root = tmp_path / "site"
    (root / "private").mkdir(parents=True)
    (root / "robots.txt").write_text(ROBOTS)
    (root / "index.html").write_text(INDEX)
    (root / "page2.html").write_text(PAGE2)
    (root / "about.html").write_text("<html><body><p>no tables here</p></body></html>")
    (root / "private" / "secret.html").write_text(SECRET)
    (root / "products.html").write_text(PRODUCTS)
    seen: list[tuple[str, str, float]] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_address[1]}", root, seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _rows(workspace: Workspace, table: str = "raw.prices") -> list[dict[str, Any]]:
    data = workspace.engine.read_arrow(table).drop_columns(["_load_id", "_loaded_at"])
    return data.to_pylist()


def test_tables_of_one_page_with_spans_laid_out_as_text(workspace: Workspace, site: Site) -> None:
    page = f"{site.url}/index.html"
    result = ingest_web(workspace, page, "prices", delay=0)
    assert result.rows == 4
    assert result.files == (page,)
    rows = _rows(workspace)
    lineage = {"_table": "0", "note": None, "_source_file": page}
    assert rows[:3] == [
        {"Store": "Lyon", "Price Tea": "1,50", "Price Jam": "3.20", **lineage},
        {"Store": "Lyon", "Price Tea": "1,60", "Price Jam": "3.30", **lineage},
        {"Store": "Paris", "Price Tea": "closed", "Price Jam": "closed", **lineage},
    ]
    assert rows[3]["note"] == "prices in EUR" and rows[3]["_table"] == "1"
    assert workspace.engine.columns("raw.prices")["Price Tea"] == "VARCHAR"  # numbers stay text


def test_crawl_follows_links_respects_robots_and_names_ai_mass(workspace: Workspace, site: Site) -> None:
    start = f"{site.url}/index.html"
    result = ingest_web(workspace, start, "prices", follow=r"\.html$", max_pages=10, delay=0, table_index=0)
    pages = [f"{site.url}/index.html", f"{site.url}/page2.html", f"{site.url}/about.html"]
    assert list(result.files) == pages
    assert sorted({row["_source_file"] for row in _rows(workspace)}) == sorted(pages[:2])
    assert {row["Store"] for row in _rows(workspace)} == {"Lyon", "Paris", "Nice"}
    paths = [path for path, _, _ in site.seen]
    assert "/robots.txt" in paths and "/private/secret.html" not in paths
    assert paths.count("/index.html") == 1  # the #top link is the same page
    assert all("AI-Mass" in agent for _, agent, _ in site.seen)
    details = json.loads(workspace.engine.sql("SELECT details FROM meta.loads")["details"][0].as_py())
    assert details["skipped_by_robots"] == [f"{site.url}/private/secret.html"]
    assert details["broken_links"] == [f"{site.url}/missing.html"]
    assert details["pages"] == pages


def test_max_pages_and_delay_are_kept(workspace: Workspace, site: Site) -> None:
    start = f"{site.url}/index.html"
    result = ingest_web(workspace, start, "prices", follow=r"\.html$", max_pages=2, delay=0.3, table_index=0)
    assert list(result.files) == [start, f"{site.url}/page2.html"]
    times = [moment for _, _, moment in site.seen]  # robots.txt, index, page2
    assert len(times) == 3
    assert all(later - earlier >= 0.29 for earlier, later in itertools.pairwise(times))


def test_repeated_records_with_fields_and_attributes(workspace: Workspace, site: Site) -> None:
    page = f"{site.url}/products.html"
    fields = {"name": "h2", "price": ".price", "link": "a@href", "id": "@id"}
    result = ingest_web(workspace, page, "products", records="div.product", fields=fields, delay=0)
    assert result.rows == 3
    rows = _rows(workspace, "raw.products")
    assert [(row["id"], row["name"], row["price"], row["link"]) for row in rows] == [
        ("p1", "Green tea", "4.00", "/tea"),
        ("p2", "Jam", "2.50", None),
        ("p3", "Honey", None, None),
    ]
    assert {row["_source_file"] for row in rows} == {page}


def test_merge_by_primary_key_keeps_the_latest_page(workspace: Workspace, site: Site) -> None:
    page = f"{site.url}/products.html"
    options: dict[str, Any] = {
        "records": "div.product",
        "fields": {"id": "@id", "price": ".price"},
        "delay": 0,
    }
    ingest_web(workspace, page, "products", mode="merge", primary_key=["id"], **options)
    (site.root / "products.html").write_text(PRODUCTS.replace("2.50", "2.75"))
    second = ingest_web(workspace, page, "products", mode="merge", primary_key=["id"], **options)
    assert (second.rows, second.rows_new) == (3, 0)
    prices = {row["id"]: row["price"] for row in _rows(workspace, "raw.products")}
    assert prices == {"p1": "4.00", "p2": "2.75", "p3": None}


def test_a_page_that_is_missing_fails_terminal_and_is_recorded(workspace: Workspace, site: Site) -> None:
    with pytest.raises(TerminalSourceError, match="404"):
        ingest_web(workspace, f"{site.url}/nothing.html", "prices", delay=0)
    row = workspace.engine.sql("SELECT status, error FROM meta.loads").to_pylist()[0]
    assert row["status"] == "failed" and "404" in row["error"]
    assert not workspace.engine.exists("raw.prices")


def test_no_tables_or_only_disallowed_pages_say_what_to_do(workspace: Workspace, site: Site) -> None:
    with pytest.raises(TerminalSourceError, match=r"no <table> rows.*--records"):
        ingest_web(workspace, f"{site.url}/about.html", "prices", delay=0)
    with pytest.raises(TerminalSourceError, match=r"robots\.txt disallowed 1 page"):
        ingest_web(workspace, f"{site.url}/private/secret.html", "prices", delay=0)
    with pytest.raises(TerminalSourceError, match="no table number 5"):
        ingest_web(workspace, f"{site.url}/index.html", "prices", delay=0, table_index=5)


def test_unreachable_site_is_transient(workspace: Workspace) -> None:
    with pytest.raises(TransientSourceError, match=r"cannot fetch .* retry may help"):
        ingest_web(workspace, f"http://127.0.0.1:{free_port()}/index.html", "prices", delay=0, timeout=5)


def test_bad_options_are_config_errors(workspace: Workspace) -> None:
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        ingest_web(workspace, "http://127.0.0.1/", "prices", follow="(")
    with pytest.raises(ConfigError, match="fields need records"):
        ingest_web(workspace, "http://127.0.0.1/", "prices", fields={"a": "b"})
    with pytest.raises(ValueError, match="must start with http"):
        WebSourceConfig(kind="web", name="prices", urls=["ftp://x/"])


def test_cli_crawls_into_the_named_table(
    workspace: Workspace, site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "ingest", "web", f"{site.url}/index.html", "--as", "shops", "--follow", r"page\d\.html",
            "--delay", "0", "--table-index", "0", "--workspace", str(workspace.root), "--json",
        ]
    )  # fmt: skip
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["target"] == "raw.shops" and result["rows"] == 4
    assert result["files"] == [f"{site.url}/index.html", f"{site.url}/page2.html"]


def test_cli_records_and_errors(workspace: Workspace, site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "ingest", "web", f"{site.url}/products.html", "--records", "div.product", "--field", "name=h2",
            "--delay", "0", "--workspace", str(workspace.root), "--json",
        ]
    )  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out)["target"] == "raw.products"
    code = main(
        ["ingest", "web", f"{site.url}/gone.html", "--delay", "0", "--workspace", str(workspace.root)]
    )
    assert code == 1
    assert "404" in capsys.readouterr().err


def test_sources_yaml_web_entry(workspace: Workspace, site: Site) -> None:
    from aimass.ingest import ingest_sources

    (workspace.root / "sources.yaml").write_text(
        "sources:\n"
        "  - name: products\n"
        "    kind: web\n"
        f"    urls: {site.url}/products.html\n"
        "    delay: 0\n"
        "    records: div.product\n"
        "    fields: {name: h2, price: .price}\n"
    )
    (result,) = ingest_sources(workspace)
    assert (result.target, result.rows) == ("raw.products", 3)
    names = workspace.engine.sql("SELECT name FROM raw.products ORDER BY name")["name"].to_pylist()
    assert names == ["Green tea", "Honey", "Jam"]
