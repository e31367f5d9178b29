"""Benchmark: ``aimass.analytics.frequent_itemsets`` vs bare pyfim and mlxtend ``fpgrowth`` on FIMI retail.

The data: ``retail.dat`` (88,162 baskets, 16,470 items; ``../shared/data/fimi-retail/``, else the gzip
copy under ``tests/data/``), read once into a list of integer lists. At each minimum support (1%,
0.5%, 0.2%, 0.1%, 0.05%) three miners run on the same baskets:

- ours: ``frequent_itemsets(baskets, min_support=s)`` from the list of lists to the finished result
  frame (sorted itemset tuples, support, count);
- pyfim: bare ``fim.fpgrowth(baskets, target="s", supp=-ceil(s*n), report="a")`` (the C code ours
  wraps), returning its list of (itemset, count) pairs;
- mlxtend 0.25 ``fpgrowth(frame, min_support=s, use_colnames=True)`` on the sparse one-hot frame its
  ``TransactionEncoder`` builds (only the ``fpgrowth`` call is timed), in its own virtual environment
  (``bench/_data/mlxtend-venv``, created on first use) to keep it out of our dependencies.

Ours and pyfim alternate after a warm-up call, best of ``--repeats`` runs each; mlxtend runs once
per support, with a time limit. Every side's itemsets (with their counts) are hashed and compared.
Results go to the ``basket`` section of ``bench/README.md``.

Run: ``.venv/bin/python bench/basket.py [--repeats 5] [--mlxtend-limit 900]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from _common import THREADS, machine, peer_python, write_readme

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
PEER_VENV = DATA / "mlxtend-venv"
PEER_PACKAGE = "mlxtend==0.25.0"
SHARED = HERE.parent.parent / "shared" / "data" / "fimi-retail" / "retail.dat"
TESTS_COPY = HERE.parent / "tests" / "data" / "fimi-retail" / "retail.dat.gz"
SUPPORTS = (0.01, 0.005, 0.002, 0.001, 0.0005)
PUBLISHED = {0.01: 159, 0.005: 580, 0.002: 2_691, 0.001: 7_589, 0.0005: 19_242}

_FINGERPRINT = """
def fingerprint(pairs):
    import hashlib
    rows = sorted((tuple(sorted(items)), int(count)) for items, count in pairs)
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
"""

_PEER = (
    """
import json, os, sys, time
os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = sys.argv[3]
import pandas as pd
from mlxtend.frequent_patterns import fpgrowth
from mlxtend.preprocessing import TransactionEncoder
"""
    + _FINGERPRINT
    + """
baskets = [[int(x) for x in line.split()] for line in open(sys.argv[1])]
encoder = TransactionEncoder()
matrix = encoder.fit(baskets).transform(baskets, sparse=True)
frame = pd.DataFrame.sparse.from_spmatrix(matrix, columns=encoder.columns_)
n = len(baskets)
results = {}
for support in [float(s) for s in sys.argv[2].split(",")]:
    start, cpu = time.perf_counter(), time.process_time()
    found = fpgrowth(frame, min_support=support, use_colnames=True)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    pairs = [(items, round(s * n)) for items, s in zip(found["itemsets"], found["support"])]
    result = {"support": support, "wall": wall, "cpu": cpu, "n": len(found), "hash": fingerprint(pairs)}
    print(json.dumps(result), flush=True)
"""
)

namespace: dict[str, Any] = {}
exec(_FINGERPRINT, namespace)  # the same fingerprint on both sides of the process boundary
fingerprint = namespace["fingerprint"]


def read_baskets() -> tuple[list[list[int]], Path]:
    """The baskets of retail.dat and the file they came from."""
    if SHARED.exists():
        with SHARED.open() as handle:
            return [[int(x) for x in line.split()] for line in handle], SHARED
    with gzip.open(TESTS_COPY, "rt") as handle:
        return [[int(x) for x in line.split()] for line in handle], TESTS_COPY


def plain_file(source: Path) -> Path:
    """A plain-text copy of the data for the peer process."""
    if source.suffix != ".gz":
        return source
    target = DATA / "retail.dat"
    if not target.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        with gzip.open(source, "rb") as src:
            target.write_bytes(src.read())
    return target


def run_peer(python: Path, path: Path, supports: list[float], limit: float) -> dict[float, dict[str, Any]]:
    """mlxtend at each support, most frequent first; stops at the first run that exceeds the limit."""
    results: dict[float, dict[str, Any]] = {}
    for support in supports:
        command = [str(python), "-c", _PEER, str(path), str(support), str(THREADS)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=limit)
        except subprocess.TimeoutExpired:
            results[support] = {"timeout": limit}
            break
        if done.returncode != 0:
            results[support] = {"error": done.stderr.strip().splitlines()[-1:]}
            continue
        results[support] = json.loads(done.stdout.strip().splitlines()[-1])
        print("mlxtend:", results[support], flush=True)
    return results


def time_ours_and_pyfim(baskets: list[list[int]], support: float, repeats: int) -> dict[str, Any]:
    """Best-of-``repeats`` wall and CPU time of ours and bare pyfim (alternating), and their fingerprints."""
    import fim
    from threadpoolctl import threadpool_limits

    from aimass.analytics import basket

    threshold = math.ceil(round(support * len(baskets), 9))
    ours_walls, pyfim_walls, ours_cpus, pyfim_cpus = [], [], [], []
    basket.frequent_itemsets(baskets, min_support=0.05)  # warm-up: imports and first calls
    with threadpool_limits(THREADS):
        for _ in range(repeats):
            start, cpu = time.perf_counter(), time.process_time()
            ours = basket.frequent_itemsets(baskets, min_support=support)
            ours_walls.append(time.perf_counter() - start)
            ours_cpus.append(time.process_time() - cpu)
            start, cpu = time.perf_counter(), time.process_time()
            bare = fim.fpgrowth(baskets, target="s", supp=-threshold, report="a")
            pyfim_walls.append(time.perf_counter() - start)
            pyfim_cpus.append(time.process_time() - cpu)
    return {
        "ours": min(ours_walls),
        "pyfim": min(pyfim_walls),
        "ours_cpu": min(ours_cpus),
        "pyfim_cpu": min(pyfim_cpus),
        "ours_all": ours_walls,
        "pyfim_all": pyfim_walls,
        "n": len(ours),
        "n_pyfim": len(bare),
        "ours_hash": fingerprint(zip(ours["itemset"], ours["count"], strict=True)),
        "pyfim_hash": fingerprint(bare),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="Runs of ours and of pyfim (best shown).")
    parser.add_argument("--mlxtend-limit", type=float, default=900.0, help="Seconds per mlxtend run.")
    parser.add_argument("--skip-mlxtend", action="store_true", help="Only ours and pyfim.")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(THREADS)
    baskets, source = read_baskets()
    print(f"data: {source} ({len(baskets):,} baskets)", flush=True)
    load_before = os.getloadavg()[0]
    ours = {}
    for support in SUPPORTS:
        ours[support] = time_ours_and_pyfim(baskets, support, args.repeats)
        print(
            f"{support:.2%}:", {k: v for k, v in ours[support].items() if not k.endswith("_all")}, flush=True
        )
    peer: dict[float, dict[str, Any]] = {}
    note = "mlxtend 0.25.0 in its own venv, sparse one-hot frame from its TransactionEncoder."
    python = None if args.skip_mlxtend else peer_python(PEER_VENV, "mlxtend", [PEER_PACKAGE])
    if python is None:
        note = (
            "mlxtend was not run (--skip-mlxtend, or it could not be installed in bench/_data/mlxtend-venv)."
        )
    else:
        peer = run_peer(python, plain_file(source), list(SUPPORTS), args.mlxtend_limit)
    note += f" Load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f}"
    note += " (the machine is shared with other work, so wall times vary)."
    _record(ours, peer, note, args.repeats)


def _mlxtend_cell(result: dict[str, Any] | None) -> tuple[str, str, str]:
    if result is None:
        return ("not run", "", "")
    if "timeout" in result:
        return (f"> {result['timeout']:.0f} s (time limit)", "", "")
    if "error" in result:
        return (f"failed: {result['error']}", "", "")
    return (f"{result['wall']:.2f} s ({result['cpu']:.2f} s)", f"{result['n']:,}", result["hash"])


def _record(
    ours: dict[float, dict[str, Any]], peer: dict[float, dict[str, Any]], note: str, repeats: int
) -> None:
    lines = [
        "## basket: frequent itemsets on FIMI retail (88,162 baskets)",
        "",
        f"Machine: {machine()}; {THREADS} threads each side (pyfim and mlxtend are single-threaded). "
        f"Ours and bare pyfim: best of {repeats} alternating runs; mlxtend: one run, `fpgrowth` call only. "
        "Times are wall seconds (CPU seconds of the process in brackets; the ratios use CPU, which the "
        "other work on this shared machine disturbs less). `same` compares every itemset and its count "
        "with ours (sha256 of the sorted list).",
        "",
        "| min support | published | ours | pyfim | ours / pyfim | mlxtend | mlxtend / ours | itemsets "
        "(ours / pyfim / mlxtend) | same |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for support in SUPPORTS:
        mine = ours[support]
        theirs = peer.get(support)
        mlx_wall, mlx_n, mlx_hash = _mlxtend_cell(theirs)
        ratio = f"{theirs['cpu'] / mine['ours_cpu']:.0f}x" if theirs and "cpu" in theirs else ""
        same_pyfim = mine["ours_hash"] == mine["pyfim_hash"]
        same_mlx = "" if not mlx_hash else ("yes" if mlx_hash == mine["ours_hash"] else "NO")
        same = f"pyfim {'yes' if same_pyfim else 'NO'}" + (f", mlxtend {same_mlx}" if same_mlx else "")
        lines.append(
            f"| {support:.2%} | {PUBLISHED[support]:,} | {mine['ours']:.3f} s ({mine['ours_cpu']:.3f} s) | "
            f"{mine['pyfim']:.3f} s ({mine['pyfim_cpu']:.3f} s) | "
            f"{mine['ours_cpu'] / mine['pyfim_cpu']:.2f} | "
            f"{mlx_wall} | {ratio} | {mine['n']:,} / {mine['n_pyfim']:,} / {mlx_n or '-'} | {same} |"
        )
    lines += ["", note, "", "Run: `.venv/bin/python bench/basket.py`."]
    text = "\n".join(lines)
    print(text)
    write_readme("basket", text)


if __name__ == "__main__":
    main()
