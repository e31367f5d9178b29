"""Benchmark: ``aimass.analytics.TabularModel`` against a default scikit-learn HistGradientBoosting.

Public tables that ship inside installed packages (nothing is downloaded):

- statsmodels ``fair`` (6,366 women, 1974 survey): did she have an affair (``affairs > 0``)?
- scikit-learn ``breast_cancer`` (569 tumours, 30 measurements): malignant or benign?
- scikit-learn ``diabetes`` (442 patients, 10 measurements): disease progression after a year
  (regression; R2 instead of AUC).

Both sides see the same 5 folds (stratified for classification, shuffled with seed 0) and
:data:`THREADS` thread(s) each; TabularModel's tuning (inner 3-fold CV over a few tree shapes, early stopping,
calibration) runs inside each outer fold, so its scores are honest. Time is the whole 5-fold run,
wall and CPU. Results go to the ``predict`` section of ``bench/README.md``.

Run: ``.venv/bin/python bench/predict.py``.
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import lightgbm  # noqa: F401  (loaded before threadpool_limits, so its OpenMP is limited too)
import numpy as np
import pandas as pd
import sklearn.ensemble  # noqa: F401  (likewise: HistGradientBoosting's OpenMP)
from threadpoolctl import threadpool_limits

from _common import machine, write_readme

SEED = 0
FOLDS = 5
#: Threads for each side. The machine has 2 cores (``_common.THREADS``), but on busy cores 2 OpenMP
#: threads made both LightGBM and HistGradientBoosting about 10x slower than 1, so both sides get 1.
THREADS = 1


def _tables() -> list[tuple[str, pd.DataFrame, str, str]]:
    import statsmodels.datasets.fair as fair
    from sklearn.datasets import load_breast_cancer, load_diabetes

    affairs = fair.load_pandas().data.copy()
    affairs["had_affair"] = (affairs.pop("affairs") > 0).astype(int)
    cancer = load_breast_cancer(as_frame=True).frame
    diabetes = load_diabetes(as_frame=True).frame
    return [
        ("statsmodels fair (6,366 x 8)", affairs, "had_affair", "classification"),
        ("sklearn breast_cancer (569 x 30)", cancer, "target", "classification"),
        ("sklearn diabetes (442 x 10)", diabetes, "target", "regression"),
    ]


def _timed(run: Callable[[], list[float]]) -> tuple[list[float], float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    scores = run()
    return scores, time.perf_counter() - wall, time.process_time() - cpu


def _ours(frame: pd.DataFrame, target: str, task: str) -> list[float]:
    from aimass.analytics.churn import TabularModel

    model = TabularModel(target=target, task=task, n_jobs=THREADS, random_state=SEED)  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = model.cross_validate(frame, n_splits=FOLDS)
    metric = "roc_auc" if task == "classification" else "r2"
    row = report.metrics.set_index("metric").loc[metric]
    return [float(row[f"fold_{k + 1}"]) for k in range(FOLDS)]


def _peer(frame: pd.DataFrame, target: str, task: str) -> list[float]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import r2_score, roc_auc_score
    from sklearn.model_selection import KFold, StratifiedKFold

    features, y = frame.drop(columns=[target]), frame[target]
    splitter: Any = (
        StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
        if task == "classification"
        else KFold(FOLDS, shuffle=True, random_state=SEED)
    )
    scores = []
    for train, test in splitter.split(np.zeros(len(y)), y):
        if task == "classification":
            model = HistGradientBoostingClassifier(random_state=SEED).fit(features.iloc[train], y.iloc[train])
            scores.append(roc_auc_score(y.iloc[test], model.predict_proba(features.iloc[test])[:, 1]))
        else:
            model = HistGradientBoostingRegressor(random_state=SEED).fit(features.iloc[train], y.iloc[train])
            scores.append(r2_score(y.iloc[test], model.predict(features.iloc[test])))
    return [float(s) for s in scores]


def main() -> None:
    rows = []
    with threadpool_limits(THREADS):
        for name, frame, target, task in _tables():
            metric = "ROC AUC" if task == "classification" else "R2"
            for side, run in (("aimass TabularModel", _ours), ("sklearn HGB (default)", _peer)):
                scores, wall, cpu = _timed(partial(run, frame, target, task))
                rows.append(
                    (name, metric, side, float(np.mean(scores)), float(np.std(scores, ddof=1)), wall, cpu)
                )
                print(
                    f"{name:34} {side:24} {metric} {np.mean(scores):.4f} +- {np.std(scores, ddof=1):.4f}  "
                    f"{wall:6.2f} s wall {cpu:6.2f} s cpu",
                    flush=True,
                )
    lines = [
        f"`bench/predict.py`, {dt.date.today().isoformat()}, {machine()}, {THREADS} thread each. "
        f"{FOLDS}-fold CV (same folds for both; TabularModel tunes inside each fold).",
        "",
        "| table | metric | model | mean | sd | wall s | cpu s |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {t} | {m} | {s} | {mean:.4f} | {sd:.4f} | {wall:.2f} | {cpu:.2f} |"
        for t, m, s, mean, sd, wall, cpu in rows
    ]
    table = "\n".join(lines)
    print(table)
    write_readme("predict", "## predict: TabularModel vs HistGradientBoosting\n\n" + table)


if __name__ == "__main__":
    main()
