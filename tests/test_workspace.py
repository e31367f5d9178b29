"""Finding, creating and opening workspaces; typed settings with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimass import Settings, Workspace
from aimass.exceptions import ConfigError, WorkspaceNotFoundError
from aimass.settings import parse_settings, read_settings
from aimass.workspace import find_workspace


def test_init_writes_settings_and_warehouse(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "shop", Settings(name="shop", currency="USD")) as ws:
        assert (ws.root / "aimass.toml").is_file() and (ws.root / "warehouse.duckdb").is_file()
        assert ws.models_dir.is_dir() and ws.reports_dir.is_dir()
    again = read_settings(tmp_path / "shop" / "aimass.toml")
    assert again == Settings(name="shop", currency="USD")  # the TOML round-trips
    with pytest.raises(ConfigError, match="already a workspace"):
        Workspace.init(tmp_path / "shop")


def test_find_order_flag_then_env_then_parents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Workspace.init(tmp_path / "one")
    second = Workspace.init(tmp_path / "two")
    first.close(), second.close()
    nested = first.root / "a" / "b"
    nested.mkdir(parents=True)
    assert find_workspace(start=nested) == first.root
    monkeypatch.setenv("AIMASS_WORKSPACE", str(second.root))
    assert find_workspace(start=nested) == second.root
    assert find_workspace(first.root / "aimass.toml", start=nested) == first.root


def test_missing_workspace_says_how_to_make_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        WorkspaceNotFoundError, match=r"no aimass.toml in .* Create one with `aimass init DIR`"
    ):
        find_workspace(start=tmp_path)
    with pytest.raises(WorkspaceNotFoundError, match="does not exist"):
        find_workspace(tmp_path / "nope")
    monkeypatch.setenv("AIMASS_WORKSPACE", str(tmp_path))
    with pytest.raises(WorkspaceNotFoundError, match=r"\$AIMASS_WORKSPACE points to .* has no aimass.toml"):
        find_workspace()


def test_settings_errors_name_key_value_and_rule(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"engine\.kind: Input should be 'duckdb' or 'spark' \(got 'oracle'\)"
    ):
        parse_settings({"engine": {"kind": "oracle"}})
    with pytest.raises(ConfigError, match=r"server\.port: Input should be less than or equal to 65535"):
        parse_settings({"server": {"port": 70000}})
    with pytest.raises(ConfigError, match=r"servr: Extra inputs are not permitted"):
        parse_settings({"servr": {}})
    with pytest.raises(ConfigError, match="needs a unit"):
        parse_settings({"engine": {"memory_limit": "4"}})
    bad = tmp_path / "aimass.toml"
    bad.write_text("name = [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Workspace.open(tmp_path)


def test_unknown_engine_kind_is_refused(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "w")
    ws.close()
    (ws.root / "aimass.toml").write_text('[engine]\nkind = "spark"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"engine\.kind='spark' is not available"):
        Workspace.open(ws.root).engine  # noqa: B018
