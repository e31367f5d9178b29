"""`aimass init`, `tables`, `run` and the exit-code contract (0 ok, 1 user error, 2 internal)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.cli.main import main

AIMASS = str(Path(sys.executable).with_name("aimass"))


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "0.1.0"
    assert main([]) == 0
    out = capsys.readouterr().out
    for command in ("init", "ingest", "map", "prepare", "run", "tables", "demo", "serve", "keys"):
        assert command in out


def test_init_then_tables_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "shop"
    assert main(["init", str(root), "--currency", "EUR"]) == 0
    assert (root / "aimass.toml").is_file()
    with Workspace.open(root) as ws:
        assert ws.settings.currency == "EUR"
        ws.engine.write_table("raw.orders", pa.table({"id": ["001", "002"]}))
    capsys.readouterr()
    assert main(["tables", "--workspace", str(root), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"table": "raw.orders", "rows": 2} in listed
    assert main(["tables", "-w", str(root), "--schema", "raw", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"table": "raw.orders", "rows": 2}]


def test_user_errors_exit_1_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tables", "-w", str(tmp_path / "missing")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["init", str(tmp_path / "x"), "--currency", "euro"]) == 1
    assert "currency" in capsys.readouterr().err
    assert main(["run", "--no-such-flag"]) == 1
    assert "No such option" in capsys.readouterr().err
    root = tmp_path / "w"
    assert main(["init", str(root)]) == 0
    assert main(["run", "-w", str(root)]) == 1
    assert "pass --all" in capsys.readouterr().err
    assert main(["run", "nope", "-w", str(root)]) == 1
    assert "there is no step 'nope'" in capsys.readouterr().err
    assert main(["run", "--all", "-p", "oops", "-w", str(root)]) == 1
    assert "STEP.NAME=VALUE" in capsys.readouterr().err


def test_workspace_found_from_env_and_parent_folders(tmp_path: Path) -> None:
    root = tmp_path / "found"
    Workspace.init(root).close()
    nested = root / "deep" / "er"
    nested.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "AIMASS_WORKSPACE"}
    by_parent = subprocess.run(
        [AIMASS, "tables", "--json"], cwd=nested, env=env, capture_output=True, text=True
    )
    assert by_parent.returncode == 0, by_parent.stderr
    assert json.loads(by_parent.stdout)[0]["table"] == "meta.loads"
    nowhere = subprocess.run([AIMASS, "tables"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert nowhere.returncode == 1
    assert "no workspace found" in nowhere.stderr
    by_env = subprocess.run(
        [AIMASS, "tables", "--json"],
        cwd=tmp_path,
        env={**env, "AIMASS_WORKSPACE": str(root)},
        capture_output=True,
        text=True,
    )
    assert by_env.returncode == 0, by_env.stderr


def test_run_list_shows_the_registered_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--list", "--json"]) == 0
    steps = [item["step"] for item in json.loads(capsys.readouterr().out)]
    assert steps.index("ingest") < steps.index("prepare")
