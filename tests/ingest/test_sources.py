"""``sources.yaml``: parsing, ``${VAR}`` expansion, errors that name the file, source and key, and loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimass import Workspace
from aimass.exceptions import ConfigError, TerminalSourceError
from aimass.ingest import FileSourceConfig, HttpSourceConfig, ingest_sources, read_sources

SOURCES = """\
sources:
  - name: orders
    kind: files
    path: exports/orders.csv
    options: {text_columns: [SKU], delimiter: ","}
  - name: raw.campaigns
    kind: http
    url: ${AIMASS_TEST_API:-http://127.0.0.1:8765}/v1/campaigns
    record_path: data
    pagination: {style: page_number, page_param: page, size_param: per_page, size: 5}
"""


def _write(workspace: Workspace, text: str) -> Path:
    path = workspace.root / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_sources(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIMASS_TEST_API", raising=False)
    _write(workspace, SOURCES)

    orders, campaigns = read_sources(workspace)

    assert isinstance(orders, FileSourceConfig)
    assert (orders.name, orders.path, orders.options.text_columns, orders.mode) == (
        "orders", "exports/orders.csv", ["SKU"], "replace"
    )  # fmt: skip
    assert isinstance(campaigns, HttpSourceConfig)
    assert campaigns.url == "http://127.0.0.1:8765/v1/campaigns"
    assert campaigns.pagination is not None and campaigns.pagination.size == 5


def test_environment_values_replace_defaults(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMASS_TEST_API", "http://10.0.0.9:9000")
    _write(workspace, SOURCES)

    assert read_sources(workspace)[1].url == "http://10.0.0.9:9000/v1/campaigns"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("sources:\n  - {name: orders, kind: files, path: a.csv, delimiter: ';'}\n",
         ["source 'orders' (sources[0])", "delimiter: Extra inputs are not permitted", "keys of a files"]),
        ("sources:\n  - {name: orders, kind: files, path: a.csv, options: {delimeter: ';'}}\n",
         ["source 'orders'", "options.delimeter"]),
        ("sources:\n  - {name: orders, kind: files, path: a.csv, mode: upsert}\n",
         ["source 'orders'", "mode", "'upsert'"]),
        ("sources:\n  - {name: orders, kind: ftp, path: a.csv}\n",
         ["source 'orders'", "kind='ftp' is not allowed", "files, http"]),
        ("sources:\n  - {name: orders, path: a.csv}\n", ["kind=None is not allowed"]),
        ("sources:\n  - {name: c, kind: http, url: '${AIMASS_UNSET_VAR}/x'}\n",
         ["source 'c'", "AIMASS_UNSET_VAR is not set", "${AIMASS_UNSET_VAR:-default}"]),
        ("sources:\n  - {name: c, kind: http, url: 'ftp://x'}\n", ["source 'c'", "url", "start with http"]),
        ("sources:\n  - {name: core.orders, kind: files, path: a.csv}\n", ["name:", "raw tables only"]),
        ("sources:\n  - {name: o, kind: files, path: a.csv}\n  - {name: raw.o, kind: files, path: b.csv}\n",
         ["both write raw.o", "mode: append"]),
        ("sources:\n  - {kind: files, path: a.csv}\n", ["source '#1'", "name: this key is required"]),
        ("sources: {name: orders}\n", ["must hold a list under `sources:`"]),
        ("source:\n  - {name: orders}\n", ["must hold a list under `sources:`"]),
        ("sources: [\n", ["is not valid YAML"]),
        ("sources: []\nextra: 1\n", ["unknown top-level key(s) extra"]),
    ],
)  # fmt: skip
def test_errors_name_the_file_the_source_and_the_key(
    workspace: Workspace, text: str, fragments: list[str]
) -> None:
    path = _write(workspace, text)

    with pytest.raises(ConfigError) as caught:
        read_sources(workspace)

    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_missing_file_says_how_to_write_one(workspace: Workspace) -> None:
    with pytest.raises(ConfigError) as caught:
        read_sources(workspace)

    message = str(caught.value)
    assert "there is no" in message and "sources.yaml" in message
    assert "kind: files" in message and "aimass ingest FILE" in message


def test_ingest_sources_loads_all_or_the_named(workspace: Workspace, api: tuple[str, list[str]]) -> None:
    base, _ = api
    (workspace.root / "exports").mkdir()
    (workspace.root / "exports" / "orders.csv").write_text(
        "Order No,SKU,Qty\nSO1,00042,2\n", encoding="utf-8"
    )
    _write(workspace, SOURCES.replace("${AIMASS_TEST_API:-http://127.0.0.1:8765}", base))
    events: list[tuple[str, str]] = []

    results = ingest_sources(
        workspace, progress=lambda event, source, i, n: events.append((event, source.name))
    )

    assert [(r.target, r.rows) for r in results] == [("raw.orders", 1), ("raw.campaigns", 12)]
    assert events == [
        ("start", "orders"),
        ("done", "orders"),
        ("start", "raw.campaigns"),
        ("done", "raw.campaigns"),
    ]
    assert workspace.engine.read_arrow("raw.orders")["SKU"].to_pylist() == ["00042"]

    only = ingest_sources(workspace, names=["raw.orders"])
    assert [r.target for r in only] == ["raw.orders"]
    with pytest.raises(ConfigError, match=r"no source named products; the sources are orders, raw\.camp"):
        ingest_sources(workspace, names=["products"])


def test_a_failing_source_names_itself_and_keeps_its_type(workspace: Workspace) -> None:
    _write(workspace, "sources:\n  - {name: orders, kind: files, path: exports/missing.csv}\n")

    with pytest.raises(TerminalSourceError, match=r"source 'orders' \(1 of 1\): file not found"):
        ingest_sources(workspace)
