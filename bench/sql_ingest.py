"""Benchmark: the ``sql`` source against ``pandas.read_sql`` + a DuckDB insert of the DataFrame.

Both land the same 2M-row orders table of the local PostgreSQL (database ``aimass_bench``, created
once and reused: ids, timestamps with and without time zone, numerics, a few text columns) in a
fresh DuckDB file with 2 threads. Ours is what ``aimass ingest sql URL --table bench_orders`` runs
(chunked Arrow batches, lineage columns, staging + swap, ``meta.loads``); the peer reads the
whole table with ``pandas.read_sql`` through SQLAlchemy + psycopg and creates a DuckDB table from
the DataFrame. Both are timed until the database is closed; best of ``--repeats`` alternating runs.
The results go to the ``sql_ingest`` section of ``bench/README.md``.

Run: ``.venv/bin/python bench/sql_ingest.py`` (needs PostgreSQL on 127.0.0.1:5432, user postgres).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from _common import THREADS, Timing, machine, write_readme
from aimass import Workspace
from aimass.ingest.sql import has_native_reader, ingest_sql
from aimass.settings import EngineSettings, Settings

HERE = Path(__file__).resolve().parent
TARGET_RATIO = 2.0
TARGET_RATE = 200_000
DATABASE = "aimass_bench"
TABLE = "bench_orders"
SERVER = "postgresql://postgres@127.0.0.1:5432"

_GENERATE = f"""
CREATE TABLE {TABLE} AS
SELECT
  i::bigint AS order_id,
  lpad((hashint4(i / 3) & 262143)::text, 7, '0') AS customer_id,
  'P' || lpad((hashint4(i) & 4095)::text, 5, '0') AS sku,
  timestamptz '2023-01-01 00:00:00+00' + make_interval(secs => i * 6) AS ordered_at,
  timestamp '2023-01-01 00:00:00' + make_interval(secs => i * 7) AS updated_at,
  (i % 5 + 1)::integer AS quantity,
  round(((hashint4(i) & 65535) / 100.0 + 1)::numeric, 2)::numeric(12, 2) AS unit_price,
  round(((hashint4(i * 7) & 1048575) / 100.0)::numeric, 2)::numeric(14, 2) AS amount,
  (ARRAY['store', 'web', 'app', 'global_web'])[i % 4 + 1] AS channel,
  (ARRAY['alipay', 'wechat', 'card', 'cash'])[(i / 3) % 4 + 1] AS payment,
  CASE WHEN i % 10 = 0 THEN 'C' || (i % 100)::text END AS coupon_code,
  (i % 2 = 0) AS is_member
FROM generate_series(1, {{rows}}) AS i
"""


def bench_table(rows: int) -> str:
    """The URL of ``aimass_bench``, with ``bench_orders`` of ``rows`` rows in it (created once)."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
            admin.execute(f"CREATE DATABASE {DATABASE}")
    url = f"{SERVER}/{DATABASE}"
    with psycopg.connect(url, autocommit=True) as con:
        found = con.execute("SELECT to_regclass(%s) IS NOT NULL", (TABLE,)).fetchone()
        count = con.execute(f"SELECT count(*) FROM {TABLE}").fetchone() if found and found[0] else None
        if count is None or count[0] != rows:
            print(f"creating {DATABASE}.{TABLE} ({rows:,} rows) ...", flush=True)
            con.execute(f"DROP TABLE IF EXISTS {TABLE}")
            con.execute(_GENERATE.format(rows=rows))
            con.execute(f"ANALYZE {TABLE}")
    return url


def time_ours(url: str, scratch: Path, native: bool) -> Timing:
    """``ingest_sql`` into a fresh workspace (timed until the database is closed)."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    workspace = Workspace.init(folder, Settings(engine=EngineSettings(threads=THREADS)))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        [result] = ingest_sql(workspace, url, tables=[TABLE], native=native)
        workspace.close()
        timing = Timing(time.perf_counter() - started, time.process_time() - cpu, result.rows)
        with Workspace.open(folder, read_only=True) as check:
            columns = check.engine.columns(f"raw.{TABLE}")
            assert columns["amount"] == "DECIMAL(14,2)", columns
            assert columns["ordered_at"] == "TIMESTAMP WITH TIME ZONE", columns
        return timing
    finally:
        workspace.close()
        shutil.rmtree(folder, ignore_errors=True)


def time_peer(url: str, scratch: Path) -> Timing:
    """``pandas.read_sql`` of the whole table, then ``CREATE TABLE t AS SELECT * FROM frame``."""
    import pandas as pd
    import sqlalchemy as sa

    folder = Path(tempfile.mkdtemp(dir=scratch))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as connection:
            frame = pd.read_sql(sa.text(f"SELECT * FROM {TABLE}"), connection)
        engine.dispose()
        con = duckdb.connect(str(folder / "peer.duckdb"), config={"threads": THREADS})
        con.register("frame", frame)
        con.execute("CREATE TABLE t AS SELECT * FROM frame")
        row = con.execute("SELECT count(*) FROM t").fetchone()
        con.close()
        del frame
        return Timing(time.perf_counter() - started, time.process_time() - cpu, int(row[0]) if row else 0)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--generic", action="store_true", help="also time our SQLAlchemy path (no native reader)"
    )
    parser.add_argument("--no-readme", action="store_true", help="print only; leave bench/README.md as it is")
    args = parser.parse_args(argv)
    if not has_native_reader():
        print("note: adbc-driver-postgresql is not installed; ours uses the SQLAlchemy path", file=sys.stderr)
    url = bench_table(args.rows)
    scratch = Path(tempfile.mkdtemp(prefix="aimass-bench-sql-"))
    ours: list[Timing] = []
    peer: list[Timing] = []
    generic: list[Timing] = []
    load_before = os.getloadavg()[0]
    try:
        for round_ in range(1, args.repeats + 1):
            if round_ % 2:
                mine, theirs = time_ours(url, scratch, True), time_peer(url, scratch)
            else:
                theirs, mine = time_peer(url, scratch), time_ours(url, scratch, True)
            ours.append(mine)
            peer.append(theirs)
            assert mine.rows == theirs.rows == args.rows, (mine.rows, theirs.rows)
            line = (
                f"round {round_}: aimass {mine.wall:.2f} s (cpu {mine.cpu:.2f}), pandas {theirs.wall:.2f} s"
            )
            if args.generic:
                generic.append(time_ours(url, scratch, False))
                line += f", aimass without ADBC {generic[-1].wall:.2f} s"
            print(line, flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    load_after = os.getloadavg()[0]
    best_ours, best_peer = min(t.wall for t in ours), min(t.wall for t in peer)
    rate_ours, rate_peer = args.rows / best_ours, args.rows / best_peer
    ratio = rate_ours / rate_peer
    verdict = "meets" if ratio >= TARGET_RATIO and rate_ours >= TARGET_RATE else "misses"
    print(
        f"best: aimass {best_ours:.2f} s ({rate_ours:,.0f} rows/s), "
        f"pandas {best_peer:.2f} s ({rate_peer:,.0f} rows/s)"
    )
    print(f"ratio {ratio:.2f}x ({verdict} the {TARGET_RATIO:g}x and {TARGET_RATE:,} rows/s target)")
    generic_line = ""
    if generic:
        best_generic = min(t.wall for t in generic)
        generic_line = (
            f"Our SQLAlchemy path (no ADBC, what MySQL/SQLite use): best {best_generic:.2f} s, "
            f"{args.rows / best_generic:,.0f} rows/s ({args.rows / best_generic / rate_peer:.2f}x pandas).\n"
        )
        print(generic_line.strip())
    if args.no_readme:
        return 0
    import pandas as pd
    import psycopg

    cells = [
        f"{dt.date.today():%Y-%m-%d}",
        f"{machine()}, PostgreSQL on loopback, DuckDB {duckdb.__version__}, pandas {pd.__version__}, "
        f"psycopg {psycopg.__version__}, Python {platform.python_version()}",
        f"`.venv/bin/python bench/sql_ingest.py{' --generic' if args.generic else ''}`",
        f"{best_ours:.2f} s, {rate_ours:,.0f} rows/s",
        f"{best_peer:.2f} s, {rate_peer:,.0f} rows/s",
        f"{ratio:.2f}x",
        f">= {TARGET_RATIO:g}x and >= {TARGET_RATE:,} rows/s ({verdict})",
    ]
    walls_ours = ", ".join(f"{t.wall:.2f}" for t in ours)
    walls_peer = ", ".join(f"{t.wall:.2f}" for t in peer)
    section = f"""## sql_ingest: a PostgreSQL table into a raw table

Land the {args.rows:,}-row `{DATABASE}.{TABLE}` table of the local PostgreSQL (bigint id, text ids,
timestamptz, timestamp, integer, two numeric(p,s), four text columns, a boolean) in a fresh
warehouse. Ours: `aimass.ingest.sql.ingest_sql` (what `aimass ingest sql URL --table {TABLE}` runs:
the native ADBC reader streaming binary COPY as Arrow batches of 50,000 rows, lineage columns,
staging + swap, a `meta.loads` row). Peer: `pandas.read_sql` of the whole table via SQLAlchemy +
psycopg 3, then `CREATE TABLE t AS SELECT * FROM frame` in a fresh DuckDB file. Both with {THREADS}
DuckDB threads, both timed until the database is closed; best of {args.repeats} alternating runs.

| date | machine | command | aimass | pandas + DuckDB | ratio (rows/s) | target |
|---|---|---|---|---|---|---|
| {" | ".join(cells)} |

All runs, wall (s): aimass {walls_ours}; pandas {walls_peer}.
{generic_line}Load average (1 min) before / after: {load_before:.2f} / {load_after:.2f}. The machine is
shared, so wall times vary with what else runs: the runs alternate and the best of each side is compared.
"""
    write_readme("sql_ingest", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
