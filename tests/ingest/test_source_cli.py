"""``aimass source add|list|show|remove`` and sources declared in ``aimass.toml``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aimass import Workspace
from aimass.cli.main import main
from aimass.exceptions import ConfigError
from aimass.ingest import FileSourceConfig, read_sources
from aimass.ingest._sources import declared_sources


@pytest.fixture
def root(workspace: Workspace) -> Path:
    workspace.close()
    (workspace.root / "exports").mkdir()
    (workspace.root / "exports" / "orders.csv").write_text("id,qty\n1,2\n2,5\n", encoding="utf-8")
    return workspace.root


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_add_writes_a_table_and_keeps_the_rest_of_the_file(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = root / "aimass.toml"
    settings.write_text("# my workspace\n" + settings.read_text(encoding="utf-8"), encoding="utf-8")

    code, out, _ = _run(
        capsys, "source", "add", "orders", "--kind", "files", "--set", "path=exports/orders.csv",
        "--set", "mode=append", "--set", "options.text_columns=[id]", "-w", str(root),
    )  # fmt: skip

    assert code == 0 and "added source orders" in out
    text = settings.read_text(encoding="utf-8")
    assert text.startswith("# my workspace\n") and "[sources.orders]" in text
    (config,) = read_sources(root)
    assert isinstance(config, FileSourceConfig)
    assert (config.path, config.mode, config.options.text_columns) == ("exports/orders.csv", "append", ["id"])


def test_add_refuses_bad_settings_and_a_taken_name(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (root / "aimass.toml").read_text(encoding="utf-8")

    code, _, err = _run(
        capsys, "source", "add", "o", "--kind", "files", "--set", "paht=x.csv", "-w", str(root)
    )
    assert code == 1 and "paht: Extra inputs are not permitted" in err
    code, _, err = _run(capsys, "source", "add", "o", "--kind", "ftp", "-w", str(root))
    assert code == 1 and "kind='ftp' is not allowed" in err
    assert (root / "aimass.toml").read_text(encoding="utf-8") == before

    assert (
        _run(capsys, "source", "add", "o", "--kind", "files", "--set", "path=a.csv", "-w", str(root))[0] == 0
    )
    code, _, err = _run(
        capsys, "source", "add", "o", "--kind", "files", "--set", "path=b.csv", "-w", str(root)
    )
    assert code == 1 and "--force" in err
    assert (
        _run(
            capsys, "source", "add", "o", "--kind", "files", "--set", "path=b.csv", "--force", "-w", str(root)
        )[0]
        == 0
    )
    assert [c.path for c in read_sources(root)] == ["b.csv"]  # type: ignore[attr-defined]


def test_list_show_and_remove(
    root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMASS_TEST_TOKEN", "tok-5551234")
    _run(
        capsys,
        "source",
        "add",
        "orders",
        "--kind",
        "files",
        "--set",
        "path=exports/orders.csv",
        "-w",
        str(root),
    )
    _run(
        capsys, "source", "add", "camp", "--kind", "http", "--set", "url=http://127.0.0.1:9/v1",
        "--set", "headers.Authorization=Bearer ${AIMASS_TEST_TOKEN}", "-w", str(root),
    )  # fmt: skip
    assert _run(capsys, "ingest", "--all", "--source", "orders", "-w", str(root))[0] == 0

    code, out, _ = _run(capsys, "source", "list", "-w", str(root), "--json")
    listed = {row["name"]: row for row in json.loads(out)}
    assert code == 0 and set(listed) == {"orders", "camp"}
    assert (listed["orders"]["target"], listed["orders"]["last_load"], listed["orders"]["last_rows"]) == (
        "raw.orders", "ok", 2,
    )  # fmt: skip
    assert listed["camp"]["last_load"] is None

    code, out, _ = _run(capsys, "source", "show", "camp", "-w", str(root))
    assert code == 0 and "tok-5551234" not in out and "${AIMASS_TEST_TOKEN}" in out

    assert _run(capsys, "source", "remove", "camp", "-w", str(root))[0] == 0
    assert [source.name for source in declared_sources(root)] == ["orders"]
    code, _, err = _run(capsys, "source", "remove", "camp", "-w", str(root))
    assert code == 1 and "declares no source 'camp'" in err


def test_a_name_in_both_files_is_an_error_naming_both(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(
        capsys,
        "source",
        "add",
        "orders",
        "--kind",
        "files",
        "--set",
        "path=exports/orders.csv",
        "-w",
        str(root),
    )
    (root / "sources.yaml").write_text(
        "sources:\n  - {name: orders, kind: files, path: exports/orders.csv}\n", encoding="utf-8"
    )

    with pytest.raises(ConfigError) as caught:
        read_sources(root)
    assert str(root / "aimass.toml") in str(caught.value) and str(root / "sources.yaml") in str(caught.value)


def test_show_masks_literal_secrets(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "sources.yaml").write_text(
        "sources:\n  - name: camp\n    kind: http\n    url: http://u:urlpass77@127.0.0.1:9/v1\n"
        "    headers: {Authorization: Bearer literal-token-42}\n",
        encoding="utf-8",
    )

    code, out, _ = _run(capsys, "source", "show", "camp", "-w", str(root), "--json")

    shown = json.loads(out)
    assert code == 0 and "literal-token-42" not in out and "urlpass77" not in out
    assert shown["settings"]["headers"] == {"Authorization": "***"}
    assert shown["settings"]["url"] == "http://u:***@127.0.0.1:9/v1"


def test_toml_and_yaml_sources_are_read_together(root: Path) -> None:
    (root / "aimass.toml").write_text(
        (root / "aimass.toml").read_text(encoding="utf-8")
        + '\n[sources.shop]\nkind = "files"\npath = "exports/orders.csv"\nname = "orders"\nmode = "append"\n',
        encoding="utf-8",
    )
    (root / "sources.yaml").write_text(
        "sources:\n  - {name: more, kind: files, path: exports/orders.csv}\n", encoding="utf-8"
    )

    found = declared_sources(root)

    assert [(s.name, s.target, s.origin.name) for s in found] == [
        ("shop", "raw.orders", "aimass.toml"),
        ("more", "raw.more", "sources.yaml"),
    ]
