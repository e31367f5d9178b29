"""The local services answer real queries (later issues build on these connections)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.services


def test_postgresql_answers(postgres_url: str) -> None:
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test") as con:
        assert con.execute("SELECT 40 + 2").fetchone() == (42,)


def test_mariadb_answers(mariadb_url: str) -> None:
    pymysql = pytest.importorskip("pymysql")
    con = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", database="test")
    try:
        with con.cursor() as cursor:
            cursor.execute("SELECT 40 + 2")
            assert cursor.fetchone() == (42,)
    finally:
        con.close()


def test_redis_answers(redis_url: str) -> None:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
    finally:
        client.close()
