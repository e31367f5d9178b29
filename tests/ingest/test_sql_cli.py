"""``aimass ingest sql URL ...`` through the real command line entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aimass import Workspace
from aimass.cli.main import main

from .test_sql import (  # noqa: F401 (the fixtures are used by name)
    maria_db_fixture,
    pg_db_fixture,
    pg_exec,
    sqlite_db_fixture,
    sqlite_exec,
)

pytestmark = pytest.mark.services


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_loads_a_table_then_merges_past_the_cursor(
    workspace: Workspace, pg_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_exec(
        pg_db,
        "CREATE TABLE orders (id int PRIMARY KEY, status text, updated_at timestamp)",
        "INSERT INTO orders VALUES (1, 'new', '2024-01-01'), (2, 'new', '2024-01-02')",
    )
    root = str(workspace.root)
    workspace.close()
    args = ["ingest", "sql", pg_db, "--table", "orders", "--as", "pg_orders", "--mode", "merge"]
    args += [
        "--primary-key",
        "id",
        "--cursor",
        "updated_at",
        "--chunk-size",
        "1",
        "--workspace",
        root,
        "--json",
    ]
    code, out, err = _run(capsys, *args)
    assert code == 0, err
    [first] = json.loads(out)
    assert first["target"] == "raw.pg_orders" and first["rows"] == 2
    pg_exec(pg_db, "UPDATE orders SET status = 'paid', updated_at = '2024-01-05' WHERE id = 1")
    code, out, err = _run(capsys, *args)
    assert code == 0, err
    assert json.loads(out)[0]["rows"] == 1
    with Workspace.open(root, read_only=True) as ws:
        rows = ws.engine.sql("SELECT id, status FROM raw.pg_orders ORDER BY id").to_pylist()
    assert rows == [{"id": 1, "status": "paid"}, {"id": 2, "status": "new"}]


def test_cli_query_schema_and_table_list(
    workspace: Workspace, sqlite_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite_exec(
        sqlite_db,
        "CREATE TABLE a (id INTEGER, v TEXT)",
        "CREATE TABLE b (id INTEGER)",
        "INSERT INTO a VALUES (1, 'x'), (2, 'y')",
        "INSERT INTO b VALUES (7)",
    )
    root = str(workspace.root)
    workspace.close()
    code, out, err = _run(
        capsys, "ingest", "sql", "sqlite:///shop.db", "--query", "SELECT v FROM a WHERE id = 2",
        "--as", "only_y", "-w", root, "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)[0]["rows"] == 1
    code, out, err = _run(capsys, "ingest", "sql", "sqlite:///shop.db", "-t", "a", "-t", "b", "-w", root)
    assert code == 0, err
    assert "raw.a" in out and "raw.b" in out
    with Workspace.open(root, read_only=True) as ws:
        assert ws.engine.sql("SELECT v FROM raw.only_y").column("v").to_pylist() == ["y"]
        assert ws.engine.row_count("raw.a") == 2 and ws.engine.row_count("raw.b") == 1


def test_cli_errors_exit_1_with_a_message(
    workspace: Workspace, sqlite_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite_exec(sqlite_db, "CREATE TABLE a (id INTEGER)")
    root = str(workspace.root)
    workspace.close()
    code, _, err = _run(capsys, "ingest", "sql", "sqlite:///shop.db", "--table", "nope", "-w", root)
    assert code == 1 and "no table 'nope'" in err and "the tables are: a" in err
    code, _, err = _run(capsys, "ingest", "sql", "sqlite:///shop.db", "--query", "SELECT 1", "-w", root)
    assert code == 1 and "name" in err
    code, _, err = _run(
        capsys, "ingest", "sql", "sqlite:///shop.db", "-t", "a", "--mode", "merge", "-w", root
    )
    assert code == 1 and "primary_key" in err


def test_cli_password_from_the_environment_is_never_printed(
    workspace: Workspace, maria_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMASS_TEST_MARIA_PASSWORD", "Env-Pass-4242")
    root = str(workspace.root)
    workspace.close()
    argv = ["ingest", "sql", maria_db, "-t", "t", "--password-env", "AIMASS_TEST_MARIA_PASSWORD", "-w", root]
    code, out, err = _run(capsys, *argv)
    assert code == 1 and "refused the user name or password" in err
    assert "Env-Pass-4242" not in err + out and "mysql://root:***@127.0.0.1" in err
