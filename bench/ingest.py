"""Benchmark: ``aimass.ingest.ingest_files`` against a bare DuckDB ``CREATE TABLE AS SELECT * FROM read_csv``.

Both land the same 5M-row orders CSV (shaped like the demo's export: zero-padded customer ids,
timestamps, numbers, a few text columns) in a fresh database file with 2 DuckDB threads; each
runs ``--repeats`` times, alternating, and the best times are compared. Our side does everything
``aimass ingest`` does (sample checks, identifier columns kept as text, lineage columns, staging
and swap, ``meta.loads``); the peer does only the read. Both times include closing the database,
so the data is on disk. The results go to the ``ingest`` section of ``bench/README.md``.

Run: ``.venv/bin/python bench/ingest.py`` (the CSV is generated once, under ``bench/_data/``).
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

from _common import README, THREADS, Timing, machine, write_readme
from aimass import Workspace
from aimass.ingest import ingest_files
from aimass.settings import EngineSettings, Settings

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
TARGET = 1.3

_GENERATE = """
COPY (
SELECT
  'SO' || lpad(CAST(i // 3 AS VARCHAR), 9, '0') AS "Order No",
  CAST(i % 3 + 1 AS INTEGER) AS "Line",
  lpad(CAST(hash(i // 3) % 200000 AS VARCHAR), 7, '0') AS "Customer ID",
  'P' || lpad(CAST(hash(i) % 5000 AS VARCHAR), 5, '0') AS "SKU",
  strftime(TIMESTAMP '2023-01-01' + to_seconds(CAST((i // 3) * 6 AS BIGINT)), '%Y-%m-%d %H:%M:%S')
    AS "Order Date",
  CAST(hash(i * 7) % 5 + 1 AS INTEGER) AS "Qty",
  round((hash(i) % 50000) / 100.0 + 1, 2) AS "Unit Price",
  CASE WHEN hash(i * 11) % 4 = 0 THEN round((hash(i * 13) % 2000) / 100.0, 2) END AS "Discount",
  round(((hash(i) % 50000) / 100.0 + 1) * (hash(i * 7) % 5 + 1), 2) AS "Line Total",
  ['store', 'web', 'app', 'global_web'][CAST(hash(i // 3 * 17) % 4 AS INTEGER) + 1] AS "Channel",
  ['alipay', 'wechat', 'card', 'cash'][CAST(hash(i // 3 * 19) % 4 AS INTEGER) + 1] AS "Payment",
  CASE WHEN hash(i * 23) % 10 = 0 THEN 'C' || CAST(hash(i * 29) % 100 AS VARCHAR) END AS "Coupon Code",
  'S' || lpad(CAST(hash(i // 3 * 31) % 80 AS VARCHAR), 3, '0') AS "Store"
FROM range({rows}) t(i)
) TO '{path}' (HEADER, DELIMITER ',')
"""


def orders_csv(rows: int) -> Path:
    """The cached orders CSV with ``rows`` rows (written once)."""
    path = DATA / f"orders_{rows}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.csv")
        print(f"generating {path} ({rows:,} rows) ...", flush=True)
        with duckdb.connect() as con:
            con.execute(_GENERATE.format(rows=rows, path=partial))
        partial.rename(path)
    return path


def time_ours(csv: Path, scratch: Path) -> Timing:
    """``ingest_files`` into a fresh workspace (timed until the database is closed)."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    workspace = Workspace.init(folder, Settings(engine=EngineSettings(threads=THREADS)))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        result = ingest_files(workspace, csv, "orders")
        workspace.close()
        timing = Timing(time.perf_counter() - started, time.process_time() - cpu, result.rows)
        with Workspace.open(folder, read_only=True) as check:
            assert check.engine.columns("raw.orders")["Customer ID"] == "VARCHAR", "ids must stay text"
        return timing
    finally:
        workspace.close()
        shutil.rmtree(folder, ignore_errors=True)


def time_peer(csv: Path, scratch: Path) -> Timing:
    """A bare ``CREATE TABLE AS SELECT * FROM read_csv`` in a fresh database file (timed until closed)."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        con = duckdb.connect(str(folder / "peer.duckdb"), config={"threads": THREADS})
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
        row = con.execute("SELECT count(*) FROM t").fetchone()
        con.close()
        return Timing(time.perf_counter() - started, time.process_time() - cpu, int(row[0]) if row else 0)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-readme", action="store_true", help="print only; leave bench/README.md as it is")
    args = parser.parse_args(argv)
    csv = orders_csv(args.rows)
    scratch = Path(tempfile.mkdtemp(prefix="aimass-bench-"))
    ours: list[Timing] = []
    peer: list[Timing] = []
    load_before = os.getloadavg()[0]
    try:
        for round_ in range(1, args.repeats + 1):
            runs = (
                (time_ours, time_peer) if round_ % 2 else (time_peer, time_ours)
            )  # alternate who goes first
            results = {run.__name__: run(csv, scratch) for run in runs}
            mine, theirs = results["time_ours"], results["time_peer"]
            ours.append(mine)
            peer.append(theirs)
            assert mine.rows == theirs.rows == args.rows, (mine.rows, theirs.rows)
            print(
                f"round {round_}: aimass {mine.wall:.2f} s (cpu {mine.cpu:.2f}), "
                f"duckdb {theirs.wall:.2f} s (cpu {theirs.cpu:.2f})",
                flush=True,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    load_after = os.getloadavg()[0]
    best_ours, best_peer = min(t.wall for t in ours), min(t.wall for t in peer)
    cpu_ours, cpu_peer = min(t.cpu for t in ours), min(t.cpu for t in peer)
    cpu_ratio = cpu_ours / cpu_peer
    ratio = best_ours / best_peer
    verdict = "meets" if ratio <= TARGET else "misses"
    print(f"best: aimass {best_ours:.2f} s, bare DuckDB {best_peer:.2f} s", flush=True)
    print(f"ratio {ratio:.2f}x ({verdict} the {TARGET}x target); cpu ratio {cpu_ratio:.2f}x")
    size = csv.stat().st_size / 2**20
    cells = [
        f"{dt.date.today():%Y-%m-%d}",
        f"{machine()}, DuckDB {duckdb.__version__}, Python {platform.python_version()}",
        "`.venv/bin/python bench/ingest.py`",
        f"{best_ours:.2f} s",
        f"{best_peer:.2f} s",
        f"{ratio:.2f}x",
        f"<= {TARGET}x ({verdict})",
    ]
    walls_ours = ", ".join(f"{t.wall:.2f}" for t in ours)
    walls_peer = ", ".join(f"{t.wall:.2f}" for t in peer)
    section = f"""## ingest: CSV into a raw table

Land a {args.rows:,}-row orders CSV ({size:.0f} MiB, shaped like the demo export) in a fresh warehouse.
Ours: `aimass.ingest.ingest_files` (what `aimass ingest` runs: sample checks, identifier columns kept as
text, lineage columns, staging + swap, a `meta.loads` row). Peer: bare DuckDB
`CREATE TABLE t AS SELECT * FROM read_csv(path)` in a fresh database file. Both with {THREADS} DuckDB
threads, both timed until the database is closed; best of {args.repeats} alternating runs.

| date | machine | command | aimass | bare DuckDB | ratio | target |
|---|---|---|---|---|---|---|
| {" | ".join(cells)} |

All runs, wall (s): aimass {walls_ours}; bare DuckDB {walls_peer}.
Best CPU time (all threads): aimass {cpu_ours:.2f} s, bare DuckDB {cpu_peer:.2f} s ({cpu_ratio:.2f}x).
Load average (1 min) before / after: {load_before:.2f} / {load_after:.2f}. The machine is shared, so wall
times vary with what else runs: the runs alternate and the best of each side is compared.
"""
    if not args.no_readme:
        write_readme("ingest", section)
        print(f"updated {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
