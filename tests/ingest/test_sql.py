"""The ``sql`` source against real PostgreSQL, MariaDB and SQLite: types, chunks, incremental, merge."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aimass import Workspace
from aimass.ingest.sql import SqlRead, SqlSourceConfig, ingest_sql, mask_url, normalize_url, read_batches

pytestmark = pytest.mark.services


# -- databases of our own, dropped afterwards ------------------------------------------------------
def _name() -> str:
    return f"aimass_test_sql_{uuid.uuid4().hex[:10]}"


def pg_exec(url: str, *statements: str) -> list[tuple[Any, ...]]:
    """Run statements on PostgreSQL (autocommit); the rows of the last one that returns any."""
    import psycopg

    rows: list[tuple[Any, ...]] = []
    with psycopg.connect(url, autocommit=True) as connection:
        for statement in statements:
            cursor = connection.execute(statement)
            if cursor.description is not None:
                rows = cursor.fetchall()
    return rows


def maria_exec(database: str | None, *statements: str) -> None:
    """Run statements on the local MariaDB as root (autocommit)."""
    import pymysql

    connection = pymysql.connect(host="127.0.0.1", port=3306, user="root", database=database, autocommit=True)
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


@pytest.fixture(name="pg_db")
def pg_db_fixture(postgres_url: str) -> Iterator[str]:
    """A new PostgreSQL database of this test's own; its URL."""
    name = _name()
    pg_exec(postgres_url, f"CREATE DATABASE {name}")
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        pg_exec(postgres_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(name="maria_db")
def maria_db_fixture(mariadb_url: str) -> Iterator[str]:
    """A new MariaDB database of this test's own; its URL as a user pastes it (mariadb://)."""
    name = _name()
    maria_exec(None, f"CREATE DATABASE {name}")
    try:
        yield f"mariadb://root@127.0.0.1:3306/{name}"
    finally:
        maria_exec(None, f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture(name="sqlite_db")
def sqlite_db_fixture(workspace: Workspace) -> Path:
    """``shop.db`` in the workspace folder (so ``sqlite:///shop.db`` finds it)."""
    return Path(workspace.root) / "shop.db"


def sqlite_exec(path: Path, *statements: str, rows: list[tuple[Any, ...]] | None = None) -> None:
    connection = sqlite3.connect(path)
    try:
        for statement in statements:
            if rows is not None and "?" in statement:
                connection.executemany(statement, rows)
            else:
                connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def rows_of(workspace: Workspace, table: str, order: str = "id") -> list[dict[str, Any]]:
    data = workspace.engine.read_arrow(table).sort_by(order).to_pylist()
    return [{k: v for k, v in row.items() if not k.startswith("_")} for row in data]


# -- URLs --------------------------------------------------------------------------------------------
def test_urls_as_users_paste_them_use_the_installed_drivers(tmp_path: Path) -> None:
    assert normalize_url("postgres://u:pw@h:5432/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("mysql://u@h/db").drivername == "mysql+pymysql"
    assert normalize_url("mariadb://u@h/db").drivername == "mysql+pymysql"
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///data/x.db", tmp_path).database == str(tmp_path / "data" / "x.db")
    assert normalize_url("sqlite:////abs/x.db", tmp_path).database == "/abs/x.db"
    assert mask_url(normalize_url("postgres://me:s3cret@h:5432/db")) == "postgresql://me:***@h:5432/db"
    assert "s3cret" not in mask_url(normalize_url("mysql://me@h/db", password="s3cret"))


# -- types -------------------------------------------------------------------------------------------
_PG_TABLE = """CREATE TABLE everything (
    id integer PRIMARY KEY, big bigint, small smallint, price numeric(12, 2), ratio numeric,
    at_tz timestamptz, at_local timestamp, day date, doc json, docb jsonb, token uuid, raw bytea,
    flag boolean, label text, score double precision)"""
_PG_ROWS = """INSERT INTO everything VALUES
    (1, 9000000000, 7, 1234567890.12, 1.000000000000000001, '2024-03-01 12:30:00+08:00',
     '2024-03-01 12:30:00.123456', '2024-02-29', '{"a": [1, 2]}', '{"b": {"c": true}}',
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10', true, '中文 text', 2.5),
    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"""


@pytest.mark.parametrize("native", [True, False], ids=["adbc", "sqlalchemy"])
def test_postgres_types_round_trip(workspace: Workspace, pg_db: str, native: bool) -> None:
    pg_exec(pg_db, _PG_TABLE, _PG_ROWS)
    [result] = ingest_sql(workspace, pg_db, tables=["everything"], native=native)
    assert result.rows == 2 and result.target == "raw.everything"
    columns = workspace.engine.columns("raw.everything")
    assert columns["id"] == "INTEGER" and columns["big"] == "BIGINT" and columns["small"] == "SMALLINT"
    assert columns["price"] == "DECIMAL(12,2)"
    assert columns["ratio"] == "VARCHAR"  # an unbounded numeric: text is the only lossless choice
    assert columns["at_tz"] == "TIMESTAMP WITH TIME ZONE" and columns["at_local"] == "TIMESTAMP"
    assert columns["doc"] == columns["docb"] == columns["token"] == "VARCHAR"
    assert columns["raw"] == "BLOB" and columns["flag"] == "BOOLEAN" and columns["score"] == "DOUBLE"
    first, second = rows_of(workspace, "raw.everything")
    assert first["price"] == decimal.Decimal("1234567890.12")
    assert first["ratio"] == "1.000000000000000001"
    assert first["at_tz"] == dt.datetime(2024, 3, 1, 4, 30, tzinfo=dt.UTC)  # +08:00 -> UTC
    assert first["at_local"] == dt.datetime(2024, 3, 1, 12, 30, 0, 123456)
    assert first["day"] == dt.date(2024, 2, 29)
    assert json.loads(first["doc"]) == {"a": [1, 2]} and json.loads(first["docb"]) == {"b": {"c": True}}
    assert first["token"] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert first["raw"] == b"\x00\xff\x10" and first["flag"] is True and first["label"] == "中文 text"
    assert all(value is None for key, value in second.items() if key != "id")


def test_mariadb_types_round_trip(workspace: Workspace, maria_db: str) -> None:
    database = maria_db.rsplit("/", 1)[1]
    maria_exec(
        database,
        "CREATE TABLE items (id INT UNSIGNED PRIMARY KEY, price DECIMAL(10, 3), at DATETIME(6), "
        "day DATE, doc JSON, raw VARBINARY(8), label VARCHAR(40), big BIGINT, ok TINYINT(1))",
        "INSERT INTO items VALUES (4294967295, 12.345, '2024-01-02 03:04:05.678901', '2024-01-02', "
        "'{\"k\": 1}', X'0102', 'é', -9000000000, 1), (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    )
    [result] = ingest_sql(workspace, maria_db, tables=["items"], name="maria_items")
    assert result.rows == 2
    columns = workspace.engine.columns("raw.maria_items")
    assert columns["id"] == "BIGINT" and columns["price"] == "DECIMAL(10,3)" and columns["at"] == "TIMESTAMP"
    second, first = rows_of(workspace, "raw.maria_items")
    assert first["id"] == 4294967295 and first["price"] == decimal.Decimal("12.345")
    assert first["at"] == dt.datetime(2024, 1, 2, 3, 4, 5, 678901) and first["day"] == dt.date(2024, 1, 2)
    assert json.loads(first["doc"]) == {"k": 1} and first["raw"] == b"\x01\x02" and first["label"] == "é"
    assert first["big"] == -9000000000
    assert second["price"] is None and second["doc"] is None


# -- chunks --------------------------------------------------------------------------------------------
def test_sqlite_reads_in_many_small_chunks(workspace: Workspace, sqlite_db: Path) -> None:
    sqlite_exec(
        sqlite_db,
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, amount NUMERIC(10, 2), at TIMESTAMP, note TEXT)",
        "INSERT INTO orders VALUES (?, ?, ?, ?)",
        rows=[(i, f"{i}.25", f"2024-01-{1 + i % 28:02d} 10:00:00", f"n{i}") for i in range(1, 101)],
    )
    url = normalize_url("sqlite:///shop.db", Path(workspace.root))
    batches = list(read_batches(SqlRead(url=url, label="t", table="orders", chunk_size=7)))
    assert [b.num_rows for b in batches] == [7] * 14 + [2]
    [result] = ingest_sql(workspace, "sqlite:///shop.db", tables=["orders"], chunk_size=7)
    assert result.rows == 100 == workspace.engine.row_count("raw.orders")
    assert workspace.engine.columns("raw.orders")["amount"] == "DECIMAL(10,2)"
    assert rows_of(workspace, "raw.orders")[-1] == {
        "id": 100,
        "amount": decimal.Decimal("100.25"),
        "at": dt.datetime(2024, 1, 17, 10, 0),
        "note": "n100",
    }


@pytest.mark.parametrize("native", [True, False], ids=["adbc", "sqlalchemy"])
def test_postgres_reads_in_many_small_chunks(workspace: Workspace, pg_db: str, native: bool) -> None:
    pg_exec(pg_db, "CREATE TABLE n AS SELECT i AS id, md5(i::text) AS h FROM generate_series(1, 5000) i")
    url = normalize_url(pg_db)
    batches = list(read_batches(SqlRead(url=url, label="t", table="n", chunk_size=256, native=native)))
    assert len(batches) >= 5000 // 256 and max(b.num_rows for b in batches) <= 256
    assert sum(b.num_rows for b in batches) == 5000
    [result] = ingest_sql(workspace, pg_db, tables=["n"], chunk_size=256, native=native)
    assert result.rows == 5000
    assert workspace.engine.sql("SELECT count(DISTINCT id) AS n FROM raw.n").column("n")[0].as_py() == 5000


# -- incremental, merge, deletes -------------------------------------------------------------------------
@pytest.mark.parametrize("native", [True, False], ids=["adbc", "sqlalchemy"])
def test_incremental_merge_sees_inserts_and_updates_and_replace_sees_deletes(
    workspace: Workspace, pg_db: str, native: bool
) -> None:
    pg_exec(
        pg_db,
        "CREATE TABLE customers (id int PRIMARY KEY, name text, updated_at timestamptz)",
        "INSERT INTO customers VALUES (1, 'ann', '2024-01-01 00:00+00'), (2, 'bob', '2024-01-02 00:00+00'), "
        "(3, 'cy', '2024-01-03 00:00+00')",
    )

    def load(mode: str = "merge") -> Any:
        [result] = ingest_sql(
            workspace,
            pg_db,
            tables=["customers"],
            mode=mode,
            primary_key=["id"],
            cursor="updated_at",
            native=native,
        )
        return result

    first = load()
    assert first.rows == 3 and first.rows_new == 3
    pg_exec(
        pg_db,
        "INSERT INTO customers VALUES (4, 'dee', '2024-02-01 00:00+00')",
        "UPDATE customers SET name = 'bobby', updated_at = '2024-02-02 00:00+00' WHERE id = 2",
        "DELETE FROM customers WHERE id = 3",
    )
    second = load()
    assert second.rows == 2 and second.rows_new == 1 and second.rows_updated == 1  # only past the cursor
    names = {row["id"]: row["name"] for row in rows_of(workspace, "raw.customers")}
    assert names == {1: "ann", 2: "bobby", 3: "cy", 4: "dee"}  # a cursor cannot see the delete
    third = load()
    assert third.rows == 0 and workspace.engine.row_count("raw.customers") == 4  # nothing new: unchanged
    full = load("replace")  # a full refresh drops what the source deleted
    assert full.rows == 3
    assert {row["id"]: row["name"] for row in rows_of(workspace, "raw.customers")} == {
        1: "ann",
        2: "bobby",
        4: "dee",
    }
    pg_exec(pg_db, "INSERT INTO customers VALUES (5, 'eve', '2024-03-01 00:00+00')")
    assert load().rows == 1  # the full refresh stored the cursor too
    assert workspace.engine.row_count("raw.customers") == 4


def test_incremental_append_by_id_on_mariadb(workspace: Workspace, maria_db: str) -> None:
    database = maria_db.rsplit("/", 1)[1]
    maria_exec(database, "CREATE TABLE events (id INT PRIMARY KEY, kind VARCHAR(10))")
    maria_exec(database, "INSERT INTO events VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    [first] = ingest_sql(workspace, maria_db, tables=["events"], mode="append", cursor="id", chunk_size=2)
    maria_exec(database, "INSERT INTO events VALUES (4, 'd'), (5, 'e')")
    [second] = ingest_sql(workspace, maria_db, tables=["events"], mode="append", cursor="id", chunk_size=2)
    [third] = ingest_sql(workspace, maria_db, tables=["events"], mode="append", cursor="id", chunk_size=2)
    assert (first.rows, second.rows, third.rows) == (3, 2, 0)
    assert [row["id"] for row in rows_of(workspace, "raw.events")] == [1, 2, 3, 4, 5]  # never twice


def test_query_with_a_cursor_on_sqlite(workspace: Workspace, sqlite_db: Path) -> None:
    sqlite_exec(
        sqlite_db,
        "CREATE TABLE sales (id INTEGER, region TEXT, amount REAL)",
        "INSERT INTO sales VALUES (?, ?, ?)",
        rows=[(i, ["north", "south"][i % 2], i * 1.5) for i in range(1, 11)],
    )
    query = "SELECT id, upper(region) AS region, amount * 2 AS doubled FROM sales WHERE region = 'north';"
    [first] = ingest_sql(
        workspace, "sqlite:///shop.db", query=query, name="north", mode="append", cursor="id"
    )
    sqlite_exec(sqlite_db, "INSERT INTO sales VALUES (12, 'north', 1.0), (13, 'south', 1.0)")
    [second] = ingest_sql(
        workspace, "sqlite:///shop.db", query=query, name="north", mode="append", cursor="id"
    )
    assert (first.rows, second.rows) == (5, 1)
    rows = rows_of(workspace, "raw.north")
    assert [row["id"] for row in rows] == [2, 4, 6, 8, 10, 12]
    assert rows[0] == {"id": 2, "region": "NORTH", "doubled": 6.0}


# -- several tables, a schema ------------------------------------------------------------------------
def test_a_schema_loads_every_table_in_it(workspace: Workspace, pg_db: str) -> None:
    pg_exec(
        pg_db,
        "CREATE SCHEMA shop",
        "CREATE TABLE shop.orders (id int, total numeric(8, 2))",
        "CREATE TABLE shop.items (id int, sku text)",
        "CREATE TABLE public.elsewhere (id int)",
        "INSERT INTO shop.orders VALUES (1, 9.99), (2, 5.00)",
        "INSERT INTO shop.items VALUES (1, 'P1')",
    )
    results = ingest_sql(workspace, pg_db, schema="shop", prefix="shop_")
    assert {r.target: r.rows for r in results} == {"raw.shop_items": 1, "raw.shop_orders": 2}
    assert not workspace.engine.exists("raw.shop_elsewhere")


def test_several_tables_each_to_its_own_raw_table(workspace: Workspace, sqlite_db: Path) -> None:
    sqlite_exec(
        sqlite_db,
        "CREATE TABLE a (id INTEGER)",
        "CREATE TABLE b (id INTEGER, x TEXT)",
        "INSERT INTO a VALUES (1), (2)",
        "INSERT INTO b VALUES (1, 'x')",
    )
    results = ingest_sql(workspace, "sqlite:///shop.db", tables=["a", "b"])
    assert [(r.target, r.rows) for r in results] == [("raw.a", 2), ("raw.b", 1)]


def test_config_entry_with_a_secret_password(
    workspace: Workspace, sqlite_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqlite_exec(sqlite_db, "CREATE TABLE a (id INTEGER)", "INSERT INTO a VALUES (1), (2)")
    monkeypatch.setenv("AIMASS_TEST_SQL_PASSWORD", "not-needed-by-sqlite")
    config = SqlSourceConfig.model_validate(
        {"kind": "sql", "url": "sqlite:///shop.db", "table": "a", "password": "${AIMASS_TEST_SQL_PASSWORD}"}
    )
    assert config.name == "a" and "not-needed" not in repr(config)
    result = config.ingest(workspace)
    assert result.rows == 2 and result.target == "raw.a"
    both = SqlSourceConfig.model_validate(
        {"kind": "sql", "name": "shop", "url": "sqlite:///shop.db", "tables": ["a"], "prefix": "s_"}
    )
    assert both.ingest(workspace).target == "raw.shop"
    with pytest.raises(ValueError, match="primary_key"):
        SqlSourceConfig.model_validate(
            {"kind": "sql", "url": "sqlite:///x.db", "table": "a", "mode": "merge"}
        )
    with pytest.raises(ValueError, match="extra"):
        SqlSourceConfig.model_validate({"kind": "sql", "url": "sqlite:///x.db", "table": "a", "tabel": "b"})


def test_sources_yaml_runs_the_sql_source_and_hides_the_password(
    workspace: Workspace, pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aimass.ingest import ingest_sources

    pg_exec(pg_db, "CREATE TABLE t (id int, v text)", "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    monkeypatch.setenv("AIMASS_TEST_PG_PASSWORD", "trust-ignores-this-pw")
    (Path(workspace.root) / "sources.yaml").write_text(
        "sources:\n"
        "  - kind: sql\n"
        "    name: pg_t\n"
        f"    url: {pg_db}\n"
        "    password: ${AIMASS_TEST_PG_PASSWORD}\n"
        "    table: t\n"
        "    mode: merge\n"
        "    primary_key: [id]\n"
        "    cursor: id\n",
        encoding="utf-8",
    )
    [result] = ingest_sources(workspace)
    assert result.target == "raw.pg_t" and result.rows == 2
    assert workspace.engine.row_count("raw.pg_t") == 2
    loads = str(workspace.engine.read_arrow("meta.loads").to_pylist())
    assert "trust-ignores-this-pw" not in loads and ":***@" in loads


def test_a_password_in_the_url_is_never_stored(workspace: Workspace, pg_db: str) -> None:
    pg_exec(pg_db, "CREATE TABLE t (id int)", "INSERT INTO t VALUES (1)")
    url = pg_db.replace("postgres@", "postgres:Url-Pass-987@")  # the local server trusts loopback
    [result] = ingest_sql(workspace, url, tables=["t"])
    assert result.rows == 1
    stored = str(workspace.engine.read_arrow("meta.loads").to_pylist())
    stored += str(workspace.engine.read_arrow("raw.t").to_pylist())
    assert "Url-Pass-987" not in stored and "postgres:***@" in stored
