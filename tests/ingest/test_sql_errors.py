"""Failures of the ``sql`` source a user can act on: each names the source, hides the password, and
says whether a retry can help."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimass import Workspace
from aimass.exceptions import TerminalSourceError, TransientSourceError
from aimass.ingest.sql import SqlRead, ingest_sql, normalize_url, read_batches

from .._net import free_port
from .test_sql import (  # noqa: F401 (the fixtures are used by name)
    maria_db_fixture,
    pg_db_fixture,
    pg_exec,
    sqlite_db_fixture,
    sqlite_exec,
)

pytestmark = pytest.mark.services


def _loads(workspace: Workspace) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = workspace.engine.read_arrow("meta.loads").to_pylist()
    return rows


def test_unreachable_server_is_transient_and_masks_the_password(workspace: Workspace) -> None:
    url = f"postgresql://shop:hunter2@127.0.0.1:{free_port()}/shop"
    with pytest.raises(TransientSourceError) as caught:
        ingest_sql(workspace, url, tables=["orders"])
    message = str(caught.value)
    assert "cannot connect" in message and "postgresql://shop:***@127.0.0.1" in message
    assert "hunter2" not in message
    [failed] = _loads(workspace)
    assert failed["status"] == "failed" and "hunter2" not in str(failed)


def test_wrong_password_is_terminal(workspace: Workspace, maria_db: str) -> None:
    url = maria_db.replace("root@", "root:wrong-pass-123@")
    with pytest.raises(TerminalSourceError, match="refused the user name or password") as caught:
        ingest_sql(workspace, url, tables=["t"])
    assert "wrong-pass-123" not in str(caught.value) and "mysql://root:***@" in str(caught.value)


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_unknown_database_is_terminal(
    workspace: Workspace, postgres_url: str, mariadb_url: str, kind: str
) -> None:
    server = postgres_url if kind == "postgresql" else mariadb_url
    url = server.rsplit("/", 1)[0] + "/aimass_no_such_database_here"
    with pytest.raises(TerminalSourceError, match="does not exist or cannot be opened"):
        ingest_sql(workspace, url, tables=["t"])


def test_missing_table_lists_the_tables_that_exist(workspace: Workspace, pg_db: str) -> None:
    pg_exec(pg_db, "CREATE TABLE orders (id int)", "CREATE TABLE customers (id int)")
    with pytest.raises(TerminalSourceError) as caught:
        ingest_sql(workspace, pg_db, tables=["order"])
    message = str(caught.value)
    assert "no table 'order'" in message and "customers, orders" in message
    assert not workspace.engine.exists("raw.order")


def test_missing_sqlite_table_and_cursor(workspace: Workspace, sqlite_db: Path) -> None:
    sqlite_exec(sqlite_db, "CREATE TABLE a (id INTEGER)", "INSERT INTO a VALUES (1)")
    with pytest.raises(TerminalSourceError, match=r"no table 'b'; the tables are: a\b"):
        ingest_sql(workspace, "sqlite:///shop.db", tables=["b"])
    with pytest.raises(TerminalSourceError, match="cursor column 'updated' is not in the result"):
        ingest_sql(workspace, "sqlite:///shop.db", tables=["a"], cursor="updated", mode="append")


def test_bad_sql_is_terminal_with_the_database_message(workspace: Workspace, pg_db: str) -> None:
    with pytest.raises(TerminalSourceError, match=r"rejected the query.*syntax error") as caught:
        ingest_sql(workspace, pg_db, query="SELEC 1", name="bad")
    assert "a retry will not help" in str(caught.value)
    with pytest.raises(TerminalSourceError, match="no_such_table"):
        ingest_sql(workspace, pg_db, query="SELECT * FROM no_such_table", name="bad")


# A query that ends its own connection half way, as a server restart or a killed session would.
_DIES_HALF_WAY = (
    "SELECT i, CASE WHEN i = 150000 THEN pg_terminate_backend(pg_backend_pid())::int END AS boom "
    "FROM generate_series(1, 300000) AS i"
)


@pytest.mark.parametrize("native", [True, False], ids=["adbc", "sqlalchemy"])
def test_connection_lost_mid_read_is_transient_and_leaves_the_table(
    workspace: Workspace, pg_db: str, native: bool
) -> None:
    pg_exec(pg_db, "CREATE TABLE t (i int)", "INSERT INTO t SELECT generate_series(1, 10)")
    ingest_sql(workspace, pg_db, query="SELECT i FROM t", name="t", native=native)
    read = SqlRead(url=normalize_url(pg_db), label="t", query=_DIES_HALF_WAY, chunk_size=1000, native=native)
    batches = read_batches(read)
    with pytest.raises(TransientSourceError, match="connection to the database was lost"):
        for _ in batches:
            pass
    with pytest.raises(TransientSourceError, match="lost while reading"):
        ingest_sql(workspace, pg_db, query=_DIES_HALF_WAY, name="t", chunk_size=1000, native=native)
    assert workspace.engine.row_count("raw.t") == 10  # the failed load left the table as it was
    assert [row["status"] for row in _loads(workspace)] == ["ok", "failed"]


@pytest.mark.slow
def test_a_load_killed_half_way_leaves_the_table_and_the_next_run_completes(
    workspace: Workspace, pg_db: str
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    pg_exec(pg_db, "CREATE TABLE t (i int)", "INSERT INTO t SELECT generate_series(1, 10)")
    ingest_sql(workspace, pg_db, query="SELECT i FROM t", name="t")
    root = str(workspace.root)
    workspace.close()
    stalls = (
        "SELECT i, CASE WHEN i = 150000 THEN pg_sleep(60)::text END AS pause "
        "FROM generate_series(1, 300000) AS i"
    )
    script = (
        "import sys\nfrom aimass import Workspace\nfrom aimass.ingest.sql import ingest_sql\n"
        "with Workspace.open(sys.argv[1]) as ws:\n"
        "    ingest_sql(ws, sys.argv[2], query=sys.argv[3], name='t', chunk_size=1000)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script, root, pg_db, stalls])
    try:
        deadline = time.monotonic() + 60
        while not pg_exec(pg_db, "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep'"):
            assert child.poll() is None and time.monotonic() < deadline, "the load never reached the pause"
            time.sleep(0.1)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with Workspace.open(root) as ws:
        assert ws.engine.row_count("raw.t") == 10  # exactly as before the killed load
        [result] = ingest_sql(ws, pg_db, query="SELECT i FROM generate_series(1, 300000) AS i", name="t")
        assert result.rows == 300000 == ws.engine.row_count("raw.t")
