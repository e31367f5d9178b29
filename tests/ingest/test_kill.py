"""A load killed half way (SIGKILL) leaves ``raw.*`` and ``meta.source_state`` as they were."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pytest

from aimass.engine._duckdb import DuckDBEngine
from aimass.ingest import load_batches, read_state

_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import pyarrow as pa
    from aimass.engine._duckdb import DuckDBEngine
    from aimass.ingest import load_batches

    def slow():
        for n in range(400):
            start = 1_000 + n * 5_000
            yield pa.table({"id": pa.array(range(start, start + 5_000), pa.int64()), "v": ["x"] * 5_000})
            if n == 20:
                print("streaming", flush=True)
            if {slow}:
                time.sleep(0.05)

    engine = DuckDBEngine(sys.argv[1])
    result = load_batches(engine, source="feed", target="events", batches=slow(), mode="append", cursor="id")
    engine.close()
    print("done", result.rows, flush=True)
    """
)


def _snapshot(path: Path) -> tuple[list[tuple[object, ...]], object, int]:
    with DuckDBEngine(path) as engine:
        rows = engine.con.execute("SELECT id, v FROM raw.events ORDER BY id").fetchall()
        return rows, read_state(engine, "feed"), engine.row_count("meta.source_state")


def _run(script: Path, database: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(script), str(database)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_a_killed_load_changes_nothing_and_the_next_run_completes(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    with DuckDBEngine(database) as engine:
        first = pa.table({"id": pa.array(range(1, 1_000), pa.int64()), "v": ["seed"] * 999})
        load_batches(engine, source="feed", target="events", batches=[first], cursor="id")
    before = _snapshot(database)
    assert before[1] == 999 and len(before[0]) == 999

    slow_script = tmp_path / "slow_load.py"
    slow_script.write_text(_SCRIPT.replace("{slow}", "True"), encoding="utf-8")
    process = _run(slow_script, database)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "streaming", process.stderr.read() if process.stderr else ""
        time.sleep(0.3)  # well into streaming: 100k+ rows staged
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert _snapshot(database) == before

    fast_script = tmp_path / "fast_load.py"
    fast_script.write_text(_SCRIPT.replace("{slow}", "False"), encoding="utf-8")
    finished = subprocess.run(
        [sys.executable, str(fast_script), str(database)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert "done 2000000" in finished.stdout
    rows, state, states = _snapshot(database)
    assert len(rows) == 999 + 2_000_000 and state == 1_000 + 400 * 5_000 - 1 and states == 2
    with DuckDBEngine(database) as engine:
        statuses = engine.con.execute("SELECT status FROM meta.loads ORDER BY started_at").fetchall()
        assert statuses == [("ok",), ("ok",)]  # the killed load never got to record itself
        assert engine.list_tables("raw") == ["raw.events"]
