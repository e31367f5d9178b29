"""Benchmark: ``aimass.recommend`` (every model and ``model="auto"``) against implicit ALS and a plain EASE.

Two data sets, one run, the same per-customer temporal split and the same metric code
(``aimass.recommend._evaluate.evaluate``) for every side:

* **MovieLens 100k** (943 users, 1,682 films, 100,000 ratings; Harper & Konstan 2015), as shipped
  inside the RecBole wheel (``recbole/dataset_example/ml-100k/ml-100k.inter``). The wheel is fetched
  once with ``pip download --no-deps recbole==1.2.1`` into ``bench/_data/recbole-wheel`` (nothing is
  installed; the file is read from the zip). Ratings >= 4 are the positive implicit feedback.
* **The demo world**: ``aimass.demo.generate_world(20_000, seed=0)``, interactions from its orders
  (purchases) and events (views, add-to-cart; searches have no product).

Split: each customer's last 20% of interactions by time (``last_fraction``, at least one kept in
training); the metrics rank the whole catalogue (no sampled negatives), k = 10, seen items filtered.

Peers, tuned fairly: implicit 0.7.3 ALS over factors {32, 64, 128} x regularization {0.01, 0.1, 1}
(15 iterations, ``num_threads=2``, BLAS pinned to 1 thread as implicit asks), and a plain EASE
(Steck 2019: ``B = I - P / diag(P)``, ``P = (X'X + lambda I)^-1`` on the binary matrix, no pruning)
over lambda {10, 100, 500, 1000}. Each peer configuration is chosen on a validation split carved out
of the training part the same way (so the test part is never used for tuning), then refitted on the
whole training part. Our models run at their defaults; ``auto`` does its own selection (its EASE
grid covers raw, binary and ``log1p`` interaction weights, each model that scores from the
customer's products is validated with and without recency-weighted profiles; ``session`` is a
candidate). Throughput is timed on the first call after fit and as the median of 5 more calls.

Run: ``.venv/bin/python bench/recommend.py [--skip-demo] [--skip-movielens]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from _common import THREADS, machine, write_readme

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
WHEEL_DIR = DATA / "recbole-wheel"
WHEEL_SPEC = "recbole==1.2.1"
ML_MEMBER = "recbole/dataset_example/ml-100k/ml-100k.inter"
ML_ITEMS = "recbole/dataset_example/ml-100k/ml-100k.item"
K = 10
SPLIT: dict[str, Any] = {"split": "last_fraction", "fraction": 0.2}
ALS_GRID = [{"factors": f, "regularization": r} for f in (32, 64, 128) for r in (0.01, 0.1, 1.0)]
WARM_CALLS = 5
EASE_GRID = [{"lam": lam} for lam in (10.0, 100.0, 500.0, 1000.0)]


# -- data ------------------------------------------------------------------------------------------
def load_movielens() -> tuple[pd.DataFrame, pd.DataFrame]:
    """MovieLens 100k ratings >= 4 as an interaction log, and the films (from the RecBole wheel)."""
    wheels = sorted(WHEEL_DIR.glob("recbole-*.whl"))
    if not wheels:
        WHEEL_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", WHEEL_SPEC, "-d", str(WHEEL_DIR)],
            check=True,
        )
        wheels = sorted(WHEEL_DIR.glob("recbole-*.whl"))
    with zipfile.ZipFile(wheels[-1]) as wheel:
        raw, items = wheel.read(ML_MEMBER), wheel.read(ML_ITEMS)
    ratings = pd.read_csv(io.BytesIO(raw), sep="\t")
    ratings.columns = ["user", "item", "rating", "timestamp"]
    assert len(ratings) == 100_000, len(ratings)
    liked = ratings[ratings["rating"] >= 4]
    log = pd.DataFrame(
        {
            "customer_id": liked["user"].astype(str),
            "product_id": liked["item"].astype(str),
            "occurred_at": pd.to_datetime(liked["timestamp"], unit="s", utc=True),
        }
    ).reset_index(drop=True)
    films = pd.read_csv(io.BytesIO(items), sep="\t", quoting=3)
    films.columns = ["item", "title", "year", "genres"]
    genres = films["genres"].fillna("unknown").astype(str)
    products = pd.DataFrame(
        {
            "product_id": films["item"].astype(str),
            "name": films["title"].astype(str),
            "category": genres.str.split(" ").str[0],
            "description": films["title"].astype(str) + " " + films["year"].astype(str) + " " + genres,
        }
    )
    return log, products


def load_demo() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The 20,000-customer demo world's interactions, products and true segments."""
    from aimass.demo import generate_world
    from aimass.recommend._evaluate import interactions_from_core

    world = generate_world(20_000, seed=0)
    return interactions_from_core(world.orders, world.events), world.products, world.truth.segments


# -- peers -----------------------------------------------------------------------------------------
class _Coded:
    """Id <-> code maps and the binary customer x product matrix shared by the peers."""

    def _encode(self, interactions: pd.DataFrame, binary: bool) -> Any:
        known = interactions.dropna(subset=["customer_id", "product_id"])
        self.users_ = pd.Index(np.sort(known["customer_id"].unique()))
        self.items_ = pd.Index(np.sort(known["product_id"].unique()))
        rows = self.users_.get_indexer(known["customer_id"])
        cols = self.items_.get_indexer(known["product_id"])
        matrix = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(self.users_), len(self.items_))
        )
        matrix.sum_duplicates()
        if binary:
            matrix.data[:] = 1.0
        self.matrix_ = matrix
        return matrix

    def _frame(self, users: np.ndarray, ids: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
        n = ids.shape[1]
        valid = (ids >= 0) & np.isfinite(scores)
        return pd.DataFrame(
            {
                "customer_id": np.repeat(self.users_[users].to_numpy(), n)[valid.ravel()],
                "product_id": self.items_[ids.ravel()[valid.ravel()]].to_numpy(),
                "score": scores.ravel()[valid.ravel()],
                "rank": np.tile(np.arange(1, n + 1), len(users))[valid.ravel()],
            }
        )


class ImplicitALS(_Coded):
    """implicit's CPU ALS behind the ``fit``/``recommend`` interface the harness calls."""

    def __init__(self, factors: int = 64, regularization: float = 0.01, iterations: int = 15) -> None:
        self.factors = factors
        self.regularization = regularization
        self.iterations = iterations

    def get_params(self) -> dict[str, Any]:
        return {"factors": self.factors, "regularization": self.regularization, "iterations": self.iterations}

    def fit(self, interactions: pd.DataFrame) -> ImplicitALS:
        from implicit.cpu.als import AlternatingLeastSquares

        matrix = self._encode(interactions, binary=False)
        with threadpool_limits(1, "blas"):
            self.model_ = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                iterations=self.iterations,
                num_threads=THREADS,
                random_state=0,
            )
            self.model_.fit(matrix, show_progress=False)
        return self

    def recommend(
        self, customer_ids: Any, n: int = 10, filter_seen: bool = True, items: Any = None
    ) -> pd.DataFrame:
        users = self.users_.get_indexer(pd.Index(customer_ids))
        users = users[users >= 0]
        with threadpool_limits(1, "blas"):
            ids, scores = self.model_.recommend(
                users, self.matrix_[users], N=n, filter_already_liked_items=filter_seen
            )
        return self._frame(users, np.asarray(ids), np.asarray(scores))


class PlainEASE(_Coded):
    """EASE^R (Steck 2019), closed form on the binary matrix, no pruning, no weighting."""

    def __init__(self, lam: float = 100.0) -> None:
        self.lam = lam

    def get_params(self) -> dict[str, Any]:
        return {"lam": self.lam}

    def fit(self, interactions: pd.DataFrame) -> PlainEASE:
        matrix = self._encode(interactions, binary=True)
        gram = (matrix.T @ matrix).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += self.lam
        inverse = np.linalg.inv(gram)
        weights = -inverse / np.diag(inverse)
        weights[np.diag_indices_from(weights)] = 0.0
        self.weights_ = weights.astype(np.float32)
        return self

    def recommend(
        self, customer_ids: Any, n: int = 10, filter_seen: bool = True, items: Any = None
    ) -> pd.DataFrame:
        users = self.users_.get_indexer(pd.Index(customer_ids))
        users = users[users >= 0]
        n = min(n, len(self.items_))
        all_ids, all_scores = [], []
        for start in range(0, len(users), 4096):
            block = self.matrix_[users[start : start + 4096]]
            scores = np.asarray(block @ self.weights_)
            if filter_seen:
                scores[block.nonzero()] = -np.inf
            top = np.argpartition(-scores, n - 1, axis=1)[:, :n]
            top_scores = np.take_along_axis(scores, top, axis=1)
            order = np.argsort(-top_scores, axis=1, kind="stable")
            all_ids.append(np.take_along_axis(top, order, axis=1))
            all_scores.append(np.take_along_axis(top_scores, order, axis=1))
        if not all_ids:
            return pd.DataFrame(columns=["customer_id", "product_id", "score", "rank"])
        return self._frame(users, np.vstack(all_ids), np.vstack(all_scores))


# -- runs ------------------------------------------------------------------------------------------
def tune(
    name: str, make: Any, grid: list[dict[str, Any]], interactions: pd.DataFrame
) -> tuple[dict[str, Any], float]:
    """Pick the grid point with the best validation NDCG (validation = the same split inside train)."""
    from aimass.recommend._evaluate import evaluate
    from aimass.recommend._split import split_interactions

    train, _ = split_interactions(interactions, SPLIT["split"], fraction=SPLIT["fraction"])
    started = time.perf_counter()
    models = {f"{name}{i}": make(**params) for i, params in enumerate(grid)}
    found = evaluate(train, models, k=K, **SPLIT).table.set_index("model")
    best = int(found[f"ndcg@{K}"].astype(float).idxmax().removeprefix(name))
    return grid[best], time.perf_counter() - started


def run_dataset(
    label: str,
    interactions: pd.DataFrame,
    products: pd.DataFrame,
    segments: pd.DataFrame | None,
    ours: list[str],
) -> dict[str, Any]:
    from aimass.recommend._evaluate import evaluate
    from aimass.recommend._recommender import Recommender

    print(
        f"\n== {label}: {len(interactions):,} interactions, "
        f"{interactions.customer_id.nunique():,} customers, "
        f"{interactions.product_id.nunique():,} products",
        flush=True,
    )
    als_params, als_tune = tune("als", ImplicitALS, ALS_GRID, interactions)
    ease_params, ease_tune = tune("ease", PlainEASE, EASE_GRID, interactions)
    print(
        f"   tuned on validation: implicit ALS {als_params} ({als_tune:.1f} s), plain EASE {ease_params} "
        f"({ease_tune:.1f} s)",
        flush=True,
    )
    models: dict[str, Any] = {name: Recommender(model=name, random_state=0) for name in ours}
    models["implicit ALS (peer)"] = ImplicitALS(**als_params)
    models["plain EASE (peer)"] = PlainEASE(**ease_params)
    # one evaluate() call per model on the same deterministic split, so one failing model is
    # reported instead of ending the run
    tables, segment_tables, failures, result = [], [], [], None
    for name, model in models.items():
        try:
            with threadpool_limits(THREADS):
                result = evaluate(
                    interactions,
                    {name: model},
                    k=K,
                    segments=segments,
                    random_state=0,
                    products=products,
                    timing_repeats=WARM_CALLS,
                    **SPLIT,
                )
        except Exception as error:  # a benchmark reports the failure and goes on
            failures.append(f"{name}: {type(error).__name__}: {error}")
            print(f"   {name} FAILED: {type(error).__name__}: {error}", flush=True)
            continue
        tables.append(result.table)
        segment_tables.append(result.per_segment)
        row = result.table.iloc[0]
        print(
            f"   {name:<22} NDCG@{K} {row[f'ndcg@{K}']:.4f}  fit {row['fit_seconds']:.2f} s  "
            f"{row['customers_per_second']:,.0f} customers/s first call, "
            f"{row['warm_customers_per_second']:,.0f} warm",
            flush=True,
        )
    assert result is not None, "every model failed"
    table = pd.concat(tables, ignore_index=True).sort_values(f"ndcg@{K}", ascending=False, ignore_index=True)
    peers = table[table["model"].str.endswith("(peer)")]
    best_peer = peers.loc[peers[f"ndcg@{K}"].idxmax()]
    auto = table[table["model"] == "auto"]
    ratio = float(auto[f"ndcg@{K}"].iloc[0] / best_peer[f"ndcg@{K}"]) if len(auto) else float("nan")
    auto_speed = float(auto["warm_customers_per_second"].iloc[0]) if len(auto) else float("nan")
    auto_first = float(auto["customers_per_second"].iloc[0]) if len(auto) else float("nan")
    return {
        "label": label,
        "table": table,
        "per_segment": pd.concat(segment_tables, ignore_index=True),
        "failures": failures,
        "n_customers": result.n_customers,
        "n_test": result.n_test,
        "n_train": result.n_train,
        "best_peer": str(best_peer["model"]),
        "best_peer_ndcg": float(best_peer[f"ndcg@{K}"]),
        "ratio": ratio,
        "auto_speed": auto_speed,
        "auto_first": auto_first,
        "tuning": f"implicit ALS {als_params}, plain EASE {ease_params}",
    }


def markdown(run: dict[str, Any]) -> str:
    lines = [
        f"**{run['label']}**: {run['n_customers']:,} customers evaluated, {run['n_test']:,} held-out items, "
        f"{run['n_train']:,} training interactions. Peers tuned on validation: {run['tuning']}.",
        "",
        f"| model | NDCG@{K} | recall@{K} | coverage | fit s | customers/s, first call | customers/s, warm |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for _, row in run["table"].iterrows():
        lines.append(
            f"| {row['model']} | {row[f'ndcg@{K}']:.4f} | {row[f'recall@{K}']:.4f} | {row['coverage']:.3f} | "
            f"{row['fit_seconds']:.2f} | {row['customers_per_second']:,.0f} | "
            f"{row['warm_customers_per_second']:,.0f} |"
        )
    lines += [f"\nFailed: {failure}" for failure in run["failures"]]
    lines += [
        "",
        f"`auto` / best peer ({run['best_peer']}, NDCG@{K} {run['best_peer_ndcg']:.4f}) = "
        f"**{run['ratio']:.3f}x** (target >= 1.05x); `auto` recommends top-{K} at "
        f"**{run['auto_speed']:,.0f} customers/s** warm (median of {WARM_CALLS} calls; "
        f"{run['auto_first']:,.0f} on the first call after fit; target >= 50,000).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-movielens", action="store_true")
    parser.add_argument(
        "--models", default=None, help="Comma-separated subset of our models (default: all + auto)."
    )
    args = parser.parse_args()
    from aimass.recommend._models import MODEL_NAMES

    ours = args.models.split(",") if args.models else list(MODEL_NAMES)
    load_start = os.getloadavg()[0]
    runs = []
    if not args.skip_movielens:
        log, films = load_movielens()
        runs.append(run_dataset("MovieLens 100k (ratings >= 4)", log, films, None, ours))
        print(markdown(runs[-1]), flush=True)
    if not args.skip_demo:
        interactions, products, segments = load_demo()
        runs.append(
            run_dataset("demo world (20,000 customers, seed 0)", interactions, products, segments, ours)
        )
        print(markdown(runs[-1]), flush=True)
        print(runs[-1]["per_segment"].to_string(), flush=True)
    import implicit

    text = "\n\n".join(
        [
            "## Recommendations (`bench/recommend.py`)",
            f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
            f"{THREADS} threads for every side "
            f"(threadpoolctl; implicit {implicit.__version__} with `num_threads={THREADS}`, BLAS 1 thread). "
            f"Split: each customer's last 20% of interactions by time (on the demo world every held-out "
            f"view, add-to-cart or purchase counts as relevant); full-catalogue ranking, k = {K}, "
            "seen items filtered; the same `aimass.recommend` metric code scores every side. customers/s = "
            f"evaluated customers / wall seconds of one batch top-{K} call for all of them: the first call "
            f"after fit (as `evaluate` times it), and warm (the median of {WARM_CALLS} more calls on the "
            "fitted model, as a serving process sees it). 1-minute load average "
            f"{load_start:.1f} at the start and {os.getloadavg()[0]:.1f} at the end (above 2 means other "
            "jobs shared the 2 cores, so the timings are pessimistic; the metrics are unaffected).",
            *(markdown(run) for run in runs),
        ]
    )
    write_readme("recommend", text)


if __name__ == "__main__":
    main()
