"""Benchmark: BG/NBD and Gamma-Gamma fits, ours against lifetimes 0.11.3, on CDNOW and at 10M customers.

1. The full CDNOW master (23,570 customers, 69,659 transactions; ``../shared/data/cdnow``), with
   the paper's 39-week calibration period (to 1997-09-30; weeks = days / 7). Each side in its own
   process builds its summary from the transactions, then fits BG/NBD and Gamma-Gamma (repeat
   buyers, mean repeat spend) ``--repeats`` times after one warm-up fit; the median is shown, and
   the parameters of both sides are compared. lifetimes runs from its own virtual environment
   (``bench/_data/lifetimes-venv``, created on first use: lifetimes 0.11.3 needs numpy < 2,
   pandas < 2.2, scipy < 1.13).
2. A synthetic 10,000,000-customer summary drawn from the BG/NBD and Gamma-Gamma processes with
   the CDNOW parameters (first purchases spread over 78 weeks, times on a day grid), ours only:
   BG/NBD and Gamma-Gamma fits, and whether they recover the parameters.

Run: ``.venv/bin/python bench/clv.py [--repeats 5] [--skip-large]``. Results go to the ``clv``
section of ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import THREADS, machine, peer_python, write_readme

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
PEER_VENV = DATA / "lifetimes-venv"
PEER_PACKAGES = ["numpy<2", "pandas<2.2", "scipy<1.13", "autograd", "dill", "lifetimes==0.11.3"]
MASTER = HERE.parent.parent / "shared" / "data" / "cdnow" / "CDNOW_master.txt"
TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "v": 15.44}

_READ = """
import pandas as pd
frame = pd.read_csv(sys.argv[1], sep=r"\\s+", header=None, skiprows=1,
                    names=["customer", "date", "cds", "dollars"], dtype={"customer": str, "date": str})
frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
"""

_OURS = (
    """
import json, statistics, sys, time
import numpy as np
start = time.perf_counter()
from aimass.analytics.clv import BetaGeo, GammaGamma, clv_summary
"""
    + _READ
    + """
t0 = time.perf_counter()
summary = clv_summary(frame, customer_id="customer", ordered_at="date", amount="dollars",
                      calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
t_summary = time.perf_counter() - t0
repeats = int(sys.argv[2])
t0 = time.perf_counter(); BetaGeo().fit(summary); t_cold = time.perf_counter() - t0
bg_times, gg_times = [], []
repeat = summary[summary["monetary_value"] > 0]  # chosen outside the timing, as for lifetimes
for _ in range(repeats):
    t0 = time.perf_counter(); bg = BetaGeo().fit(summary); bg_times.append(time.perf_counter() - t0)
    t0 = time.perf_counter(); gg = GammaGamma().fit(repeat)
    gg_times.append(time.perf_counter() - t0)
print(json.dumps({"summary": t_summary, "bg_cold": t_cold, "bg": statistics.median(bg_times),
                  "gg": statistics.median(gg_times), "bg_params": bg.params_, "gg_params": gg.params_,
                  "bg_ll": bg.log_likelihood_, "gg_ll": gg.log_likelihood_, "customers": len(summary),
                  "groups": bg.n_groups_, "total": time.perf_counter() - start}))
"""
)

_PEER = (
    """
import json, os, statistics, sys, time, warnings
warnings.simplefilter("ignore")
start = time.perf_counter()
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import calibration_and_holdout_data
"""
    + _READ
    + """
t0 = time.perf_counter()
summary = calibration_and_holdout_data(frame, "customer", "date", calibration_period_end="1997-09-30",
                                       observation_period_end="1998-06-30", freq="D", freq_multiplier=7,
                                       monetary_value_col="dollars")
t_summary = time.perf_counter() - t0
x, t_x, age = summary["frequency_cal"], summary["recency_cal"], summary["T_cal"]
repeat = summary[(summary["frequency_cal"] > 0) & (summary["monetary_value_cal"] > 0)]
repeats = int(sys.argv[2])
t0 = time.perf_counter(); BetaGeoFitter().fit(x, t_x, age); t_cold = time.perf_counter() - t0
bg_times, gg_times = [], []
for _ in range(repeats):
    t0 = time.perf_counter(); bg = BetaGeoFitter().fit(x, t_x, age); bg_times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    gg = GammaGammaFitter().fit(repeat["frequency_cal"], repeat["monetary_value_cal"])
    gg_times.append(time.perf_counter() - t0)
bg_params = {k: float(v) for k, v in bg.params_.items()}
gg_params = {k: float(v) for k, v in gg.params_.items()}
n = len(x)
print(json.dumps({"summary": t_summary, "bg_cold": t_cold, "bg": statistics.median(bg_times),
                  "gg": statistics.median(gg_times), "bg_params": bg_params, "gg_params": gg_params,
                  "bg_ll": None, "customers": n,
                  "total": time.perf_counter() - start}))
"""
)

_LARGE = """
import json, sys, time
from pathlib import Path
import numpy as np
import pandas as pd
from aimass.analytics.clv import BetaGeo, GammaGamma
n, path = int(sys.argv[1]), Path(sys.argv[2])
t = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "v": 15.44}
if not path.exists():
    rng = np.random.default_rng(20050101)
    age_days = rng.integers(1, 78 * 7 + 1, n)
    age = age_days / 7
    lam = rng.gamma(t["r"], 1 / t["alpha"], n)
    drop = rng.beta(t["a"], t["b"], n)
    arrivals = rng.poisson(lam * age)  # repeat purchases in (0, T] of a customer who never leaves
    until = rng.geometric(drop)  # the repeat purchase after which the customer leaves
    x = np.minimum(arrivals, until)
    # the x-th of `arrivals` uniform times in (0, T]: T * Beta(x, arrivals - x + 1)
    t_x = np.where(x > 0, age * rng.beta(np.maximum(x, 1), arrivals - x + 1), 0.0)
    t_x = np.minimum(np.floor(t_x * 7) / 7, age)
    t_x = np.where(x > 0, np.maximum(t_x, 1 / 7), 0.0)
    nu = rng.gamma(t["q"], 1 / t["v"], n)
    spend = np.where(x > 0, rng.gamma(t["p"] * np.maximum(x, 1), 1 / (nu * np.maximum(x, 1))), 0.0)
    np.savez(path, frequency=x.astype(float), recency=t_x, T=age, monetary_value=spend)
data = np.load(path)
summary = pd.DataFrame({k: data[k] for k in ("frequency", "recency", "T", "monetary_value")})
t0 = time.perf_counter(); bg = BetaGeo().fit(summary); t_bg = time.perf_counter() - t0
t0 = time.perf_counter(); gg = GammaGamma().fit(summary); t_gg = time.perf_counter() - t0
print(json.dumps({"bg": t_bg, "gg": t_gg, "bg_params": bg.params_, "gg_params": gg.params_,
                  "groups": bg.n_groups_, "repeat_buyers": gg.n_customers_, "customers": len(summary)}))
"""


def run_child(command: list[str], limit: float = 1800) -> dict[str, Any]:
    """Run one side in its own process; its last stdout line is its JSON result."""
    env = dict(os.environ, OMP_NUM_THREADS=str(THREADS), OPENBLAS_NUM_THREADS=str(THREADS))
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit, env=env, cwd=HERE)
    except subprocess.TimeoutExpired:
        return {"wall": time.perf_counter() - start, "timeout": True}
    if done.returncode != 0:
        return {"wall": time.perf_counter() - start, "error": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_wall"] = time.perf_counter() - start
    return result


def _max_difference(ours: dict[str, float], peer: dict[str, float]) -> float:
    return max(abs(ours[k] - peer[k]) / max(abs(peer[k]), 1e-12) for k in peer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="Timed fits per side (median shown).")
    parser.add_argument("--customers", type=int, default=10_000_000, help="Size of the synthetic summary.")
    parser.add_argument("--skip-large", action="store_true", help="Skip the synthetic run.")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    ours = run_child([sys.executable, "-c", _OURS, str(MASTER), str(args.repeats)])
    print("aimass:", ours)
    python = peer_python(PEER_VENV, "lifetimes", PEER_PACKAGES)
    peer = run_child([str(python), "-c", _PEER, str(MASTER), str(args.repeats)]) if python else None
    print("lifetimes:", peer)
    large = None
    if not args.skip_large:
        DATA.mkdir(parents=True, exist_ok=True)
        path = DATA / f"clv_summary_{args.customers}.npz"
        large = run_child([sys.executable, "-c", _LARGE, str(args.customers), str(path)])
        print("aimass large:", large)
    note = (
        f"Load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f} (shared machine)."
    )
    _record(ours, peer, large, args, note)


def _ll(result: dict[str, Any]) -> str:
    # lifetimes keeps a scaled, penalized objective, not the log-likelihood: only ours is shown
    return f"{result['bg_ll']:.2f}" if "groups" in result else "n/a"


def _fmt(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def _record(
    ours: dict[str, Any], peer: dict[str, Any] | None, large: dict[str, Any] | None, args: Any, note: str
) -> None:
    when = dt.date.today().isoformat()
    where = f"{machine()}, Python {platform.python_version()}"
    lines = [
        "## clv: BG/NBD and Gamma-Gamma, ours against lifetimes 0.11.3",
        "",
        "Full CDNOW master (23,570 customers), 39-week calibration to 1997-09-30 (weeks = days / 7). Each",
        "side in its own process: the summary from the transactions, then BG/NBD and Gamma-Gamma fits",
        f"(median of {args.repeats} after one warm-up; 'cold' is the first BG/NBD fit of the process).",
        f"lifetimes in its own venv (numpy 1.26, pandas 2.1, scipy 1.12). {THREADS} threads each. {note}",
        "",
        "| date | machine | side | summary | BG/NBD fit (cold) | BG/NBD fit | Gamma-Gamma fit | BG/NBD LL |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, result in (("aimass", ours), ("lifetimes", peer)):
        if result is None or "error" in result or result.get("timeout"):
            lines.append(f"| {when} | {where} | {label} | not run: {result} | | | | |")
            continue
        lines.append(
            f"| {when} | {where} | {label} | {_fmt(result['summary'])} | {_fmt(result['bg_cold'])} | "
            f"{_fmt(result['bg'])} | {_fmt(result['gg'])} | {_ll(result)} |"
        )
    if peer and "bg" in peer and "bg" in ours:
        bg_diff = _max_difference(ours["bg_params"], peer["bg_params"])
        gg_diff = _max_difference(ours["gg_params"], peer["gg_params"])
        shown = ", ".join(f"{k}={v:.4f}" for k, v in ours["bg_params"].items())
        lines += [
            "",
            f"Speed-up (warm fits): BG/NBD {peer['bg'] / ours['bg']:.1f}x, Gamma-Gamma "
            f"{peer['gg'] / ours['gg']:.1f}x; cold BG/NBD {peer['bg_cold'] / ours['bg_cold']:.1f}x; "
            f"summary {peer['summary'] / ours['summary']:.1f}x (target >= 10x).",
            f"Same estimates: largest relative parameter difference BG/NBD {bg_diff:.1e}, Gamma-Gamma "
            f"{gg_diff:.1e} (target 1e-4). Ours: {shown}; {ours['groups']:,} unique (x, t_x, T) rows.",
        ]
    if large is not None:
        if "bg" in large:
            got = {**large["bg_params"], **large["gg_params"]}
            recovered = ", ".join(f"{k}={got[k]:.3f} ({TRUTH[k]})" for k in TRUTH)
            lines += [
                "",
                f"### {large['customers']:,} synthetic customers (ours only)",
                "",
                "| BG/NBD fit | Gamma-Gamma fit | total | unique rows | repeat buyers | target |",
                "|---|---|---|---|---|---|",
                f"| {_fmt(large['bg'])} | {_fmt(large['gg'])} | {_fmt(large['bg'] + large['gg'])} | "
                f"{large['groups']:,} | {large['repeat_buyers']:,} | < 30 s |",
                "",
                f"Estimates (truth): {recovered}.",
            ]
        else:
            lines += ["", f"Synthetic run failed: {large}"]
    write_readme("clv", "\n".join(lines))


if __name__ == "__main__":
    main()
