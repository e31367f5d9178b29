"""Model selection for ``model="auto"`` and weight learning for ``model="hybrid"``, on a temporal holdout."""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from aimass.exceptions import ConfigError
from aimass.recommend._data import codes_in
from aimass.recommend._hybrid import blend, scaled_scores, score_scale
from aimass.recommend._kernels import top_per_row
from aimass.recommend._models import MODEL_NAMES, default_grid
from aimass.recommend._rules import Rules

if TYPE_CHECKING:
    from aimass.recommend._recommender import Recommender

__all__ = [
    "AUTO_CANDIDATES",
    "RECENCY_OPTIONS",
    "RECOMMENDER_KEYS",
    "holdout",
    "learn_hybrid",
    "select_model",
]

#: Grid keys that set the recommender (the matrix), not the model.
RECOMMENDER_KEYS: tuple[str, ...] = ("half_life_days", "event_weights", "profile_recency")

#: ``profile_recency`` values ``"auto"`` tries for each model that scores from the customer's
#: products (None = no recency weighting). Trying one needs no refit: only the scored rows change.
RECENCY_OPTIONS: tuple[float | None, ...] = (None, 1.0, 3.0, 10.0, 30.0)

#: Models ``model="auto"`` compares by default.
AUTO_CANDIDATES: tuple[str, ...] = ("popular", "itemknn", "ease", "rp3beta", "als", "session")

_K = 10
#: Share of each customer's most recent interactions held out for validation.
VALIDATION_FRACTION = 0.2
_DEFAULT_COMPONENTS = ("ease", "itemknn", "popular")


def holdout(
    frame: pd.DataFrame, max_users: int, random_state: int
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Hold out each customer's most recent 20% of interactions (``last_fraction``); sample the customers.

    Returns the training log, the relevant ``customer_id, product_id`` pairs and the sampled
    validation customers. Without ``occurred_at`` the row order stands for time.
    """
    from aimass.recommend._split import split_interactions

    known = frame[frame["customer_id"].notna()]
    anonymous = frame[frame["customer_id"].isna()]
    synthetic = "occurred_at" not in known.columns
    log = (
        known.assign(occurred_at=pd.to_datetime(np.arange(len(known)), unit="s", utc=True))
        if synthetic
        else known
    )
    train, test = split_interactions(log, "last_fraction", fraction=VALIDATION_FRACTION)
    if synthetic:
        train = train.drop(columns="occurred_at")
    users = np.sort(pd.unique(test["customer_id"].to_numpy(dtype=object)).astype(str))
    if len(users) > max_users:
        rng = np.random.default_rng(random_state)
        users = np.sort(rng.choice(users, size=max_users, replace=False))
    relevant = test.loc[test["customer_id"].isin(users), ["customer_id", "product_id"]].drop_duplicates()
    if len(anonymous):
        train = pd.concat([train, anonymous], ignore_index=True)
    return train.reset_index(drop=True), relevant.reset_index(drop=True), users


def _sub(
    template: Recommender, name: str, params: dict[str, Any], shared: dict[Any, Any] | None = None
) -> Recommender:
    from aimass.recommend._recommender import Recommender

    settings: dict[str, Any] = {
        "event_weights": template.event_weights,
        "half_life_days": template.half_life_days,
        "profile_recency": template.profile_recency,
    }
    model_params = dict(params)
    for key in RECOMMENDER_KEYS:
        if key in model_params:
            settings[key] = model_params.pop(key)
    sub = Recommender(
        name,
        random_state=template.random_state,
        validation_users=template.validation_users,
        **settings,
        **model_params,
    )
    if shared is not None:
        sub._shared = shared  # one validated log and its matrices for every candidate
    return sub


def _recency_options(
    template: Recommender, sub: Recommender, params: dict[str, Any]
) -> tuple[float | None, ...]:
    """The ``profile_recency`` values to validate for one fitted candidate."""
    if "profile_recency" in params:
        return (sub.profile_recency_,)
    if template.profile_recency is not None or not sub.model_.uses_profile:
        return (template.profile_recency,)
    return RECENCY_OPTIONS


def _metrics(recs: pd.DataFrame, relevant: pd.DataFrame) -> dict[str, float]:
    from aimass.recommend._metrics import ranking_metrics

    m = ranking_metrics(recs, relevant, k=_K)
    return {key: float(m[key]) for key in ("ndcg", "recall", "hit_rate", "map", "mrr", "precision")}


def _validation_scores(sub: Recommender, users: np.ndarray) -> tuple[np.ndarray, Any]:
    """Scaled scores of the validation customers (as the hybrid blends them), and their seen products."""
    codes = sub._user_codes(users)
    rows = sub.matrix_[codes]
    scores = sub.model_.score(codes, rows, profile=sub._profile(codes))
    scale = score_scale(sub.model_, sub.matrix_, int(sub.random_state))
    return scaled_scores(scores, scale), sub._seen(Rules())[codes]


def _simplex(size: int) -> list[tuple[float, ...]]:
    steps = 10 if size <= 3 else 4
    out = [
        tuple(c / steps for c in combo)
        for combo in itertools.product(range(steps + 1), repeat=size)
        if sum(combo) == steps
    ]
    return out


def _search_weights(
    parts: list[np.ndarray], seen: Any, users: np.ndarray, relevant: pd.DataFrame, item_ids: np.ndarray
) -> tuple[tuple[float, ...], dict[str, float]]:
    """The simplex weights with the best validation NDCG@10 of the blend."""
    relevant_codes = pd.DataFrame(
        {
            "customer_id": relevant["customer_id"].astype(str).to_numpy(),
            "product_id": codes_in(relevant["product_id"], item_ids),
        }
    )
    best: tuple[tuple[float, ...], dict[str, float]] | None = None
    width = min(_K, parts[0].shape[1])
    owner = np.repeat(users, width)
    rank = np.tile(np.arange(1, width + 1), len(users))
    for weights in _simplex(len(parts)):
        top, values = top_per_row(blend(parts, weights), width, seen=seen)
        valid = np.isfinite(values.ravel())
        recs = pd.DataFrame(
            {"customer_id": owner[valid], "product_id": top.ravel()[valid], "rank": rank[valid]}
        )
        metrics = _metrics(recs, relevant_codes)
        if best is None or metrics["ndcg"] > best[1]["ndcg"] + 1e-12:
            best = (weights, metrics)
    assert best is not None
    return best


def select_model(
    template: Recommender,
    frame: pd.DataFrame,
    products: pd.DataFrame | None,
    segments: pd.DataFrame | None,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Tune every candidate on the holdout, try a learned blend of the best three, return the winner."""
    candidates = tuple(template.candidates or AUTO_CANDIDATES)
    bad = [c for c in candidates if c not in MODEL_NAMES or c in ("auto", "hybrid")]
    if bad or isinstance(template.candidates, str):
        allowed = [m for m in MODEL_NAMES if m not in ("auto", "hybrid")]
        raise ConfigError(f"`candidates` has unknown or nested model(s) {bad}; allowed: {allowed}")
    grids = dict(template.grid or {})
    train, relevant, users = holdout(frame, template.validation_users, int(template.random_state))
    if not len(users):
        params: dict[str, Any] = {"by_segment": True}
        table = pd.DataFrame([{"model": "popular", "params": json.dumps(params), "ndcg": float("nan")}])
        note = "no customer has two interactions to validate on; fell back to segment popularity"
        return (
            "popular",
            params,
            {"model": "popular", "params": params, "metric": "ndcg@10", "table": table, "note": note},
        )
    rows: list[dict[str, Any]] = []
    best: dict[str, tuple[float, dict[str, Any], Recommender]] = {}
    shared: dict[Any, Any] = {}
    for name in candidates:
        if name == "content" and products is None:
            continue
        for params in grids.get(name, default_grid(name)):
            sub = _sub(template, name, dict(params), shared).fit(train, products, segments)
            for recency in _recency_options(template, sub, params):
                point = dict(params)
                if recency is not None:
                    point["profile_recency"] = recency
                sub.profile_recency_ = recency
                metrics = _metrics(sub.recommend(users, n=_K), relevant)
                if not np.isfinite(metrics["ndcg"]):
                    metrics["ndcg"] = 0.0
                rows.append({"model": name, "params": json.dumps(point, sort_keys=True), **metrics})
                if name not in best or metrics["ndcg"] > best[name][0]:
                    best[name] = (metrics["ndcg"], point, sub)
            sub.profile_recency_ = best[name][1].get("profile_recency", template.profile_recency)
    ranked = sorted(best, key=lambda m: -best[m][0])
    winner_name = ranked[0]
    winner: tuple[str, dict[str, Any], float] = (winner_name, best[winner_name][1], best[winner_name][0])
    top = [m for m in ranked[:3] if best[m][0] > 0]
    if len(top) >= 2:
        # the blend is served with one profile, the best component's: validate it that way
        recency = best[top[0]][1].get("profile_recency", template.profile_recency)
        for m in top:
            best[m][2].profile_recency_ = recency
        scored = [_validation_scores(best[m][2], users) for m in top]
        weights, metrics = _search_weights(
            [s[0] for s in scored], scored[0][1], users, relevant, best[top[0]][2].item_ids_
        )
        # components the blend gives no weight are left out (the final refit skips them)
        used = [(m, float(w)) for m, w in zip(top, weights, strict=True) if w > 0] or [(top[0], 1.0)]
        hybrid_params: dict[str, Any] = {
            "components": tuple(m for m, _ in used),
            "component_params": {
                m: {k: v for k, v in best[m][1].items() if k not in RECOMMENDER_KEYS} for m, _ in used
            },
            "weights": tuple(w for _, w in used),
        }
        if recency is not None:
            hybrid_params["profile_recency"] = recency
        rows.append({"model": "hybrid", "params": json.dumps(hybrid_params, sort_keys=True), **metrics})
        if metrics["ndcg"] > winner[2] + 1e-9:
            winner = ("hybrid", hybrid_params, metrics["ndcg"])
    table = pd.DataFrame(rows).sort_values("ndcg", ascending=False, kind="stable").reset_index(drop=True)
    selection = {
        "model": winner[0],
        "params": winner[1],
        "metric": "ndcg@10",
        "score": winner[2],
        "table": table,
        "validation_customers": len(users),
    }
    return winner[0], winner[1], selection


def learn_hybrid(
    template: Recommender,
    frame: pd.DataFrame,
    products: pd.DataFrame | None,
    segments: pd.DataFrame | None,
    params: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Learn the blend weights of ``model="hybrid"`` on the holdout; return the completed parameters."""
    components = tuple(params.get("components") or _DEFAULT_COMPONENTS)
    component_params = dict(params.get("component_params") or {})
    out = {"components": components, "component_params": component_params}
    train, relevant, users = holdout(frame, template.validation_users, int(template.random_state))
    shared: dict[Any, Any] = {}
    if not len(users):
        out["weights"] = tuple(1.0 / len(components) for _ in components)
        return out, {"model": "hybrid", "params": out, "note": "no validation customers; equal weights"}
    subs = [
        _sub(template, name, dict(component_params.get(name, {})), shared).fit(train, products, segments)
        for name in components
    ]
    scored = [_validation_scores(sub, users) for sub in subs]
    weights, metrics = _search_weights(
        [s[0] for s in scored], scored[0][1], users, relevant, subs[0].item_ids_
    )
    out["weights"] = tuple(float(w) for w in weights)
    rows = [
        {
            "model": name,
            "params": json.dumps(component_params.get(name, {})),
            **_metrics(sub.recommend(users, n=_K), relevant),
        }
        for name, sub in zip(components, subs, strict=True)
    ]
    rows.append({"model": "hybrid", "params": json.dumps(out, sort_keys=True), **metrics})
    table = pd.DataFrame(rows)
    return out, {
        "model": "hybrid",
        "params": out,
        "metric": "ndcg@10",
        "score": metrics["ndcg"],
        "table": table,
    }
