"""Offline evaluation of recommenders: one split, the same metric code, every model side by side."""

from __future__ import annotations

import copy
import inspect
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from aimass.exceptions import ConfigError, SchemaError
from aimass.recommend._log import interactions_from_core, read_interactions
from aimass.recommend._metrics import ACCURACY_METRICS, per_customer_metrics, summarize_metrics, top_k_rows
from aimass.recommend._split import SplitMethod, split_interactions

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = [
    "DEFAULT_MODELS",
    "EVALUATION_TABLE",
    "EvaluationResult",
    "RecommenderLike",
    "evaluate",
    "evaluate_workspace",
    "evaluation_html",
    "evaluation_rows",
    "interactions_from_core",
]

#: Models compared when none are named.
DEFAULT_MODELS: tuple[str, ...] = ("popular", "itemknn", "ease")
#: The warehouse table :func:`evaluation_rows` is written to by ``aimass recommend evaluate``.
EVALUATION_TABLE = "mart.recommend_evaluation"

_SAMPLED_CHUNK_ROWS = 2_000_000  # bound on customers x catalogue rows scored at once (sampled option)


class RecommenderLike(Protocol):
    """What :func:`evaluate` needs of a model: ``fit`` and ``recommend`` like ``Recommender``."""

    def fit(self, interactions: pd.DataFrame) -> Any:
        """Learn from an interaction log; returns the fitted model."""

    def recommend(
        self, customer_ids: Any, n: int = 10, filter_seen: bool = True, items: Any = None
    ) -> pd.DataFrame:
        """Top-``n`` lists: ``customer_id, product_id, score, rank``."""


@dataclass
class EvaluationResult:
    """The outcome of :func:`evaluate`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model: ``model, params, ndcg@k, recall@k, precision@k, map@k, hit_rate@k,
        mrr@k, coverage, novelty, popularity_bias, fit_seconds, recommend_seconds,
        customers_per_second`` (``k`` replaced by its value), then ``sampled_hit_rate@k`` and
        ``sampled_ndcg@k`` only when sampled negatives were asked for. Sorted by NDCG, best first.
    per_segment : pandas.DataFrame
        One row per model and segment: ``model, segment, n_customers`` and the accuracy metrics at
        ``k``; empty (same columns) without ``segments``.
    per_customer : pandas.DataFrame
        :func:`~aimass.recommend.per_customer_metrics` of every model, with a ``model`` column.
    chart : dict
        Vega-Lite bar chart of NDCG@k by model.
    k : int
    split : str
    n_train, n_test : int
        Interactions in the training part and relevant (customer, product) pairs evaluated.
    n_customers : int
        Customers evaluated (at least one relevant item and one training interaction).
    sampled_negatives : int or None
    """

    table: pd.DataFrame
    per_segment: pd.DataFrame
    per_customer: pd.DataFrame
    chart: dict[str, Any]
    k: int
    split: str
    n_train: int
    n_test: int
    n_customers: int
    sampled_negatives: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: settings, the comparison table, the per-segment table and the chart."""
        return {
            "k": self.k,
            "split": self.split,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_customers": self.n_customers,
            "sampled_negatives": self.sampled_negatives,
            "settings": _jsonable(self.settings),
            "table": _records(self.table),
            "per_segment": _records(self.per_segment),
            "chart": self.chart,
        }


def evaluate(
    interactions: pd.DataFrame,
    models: Sequence[str] | Mapping[str, Any] = DEFAULT_MODELS,
    split: SplitMethod | str = "last_n",
    k: int = 10,
    segments: pd.DataFrame | pd.Series | None = None,
    sampled_negatives: int | None = None,
    random_state: int = 0,
    *,
    n: int = 1,
    fraction: float = 0.2,
    cutoff: Any = None,
    filter_seen: bool = True,
    relevant_event_types: Sequence[str] | None = None,
    products: pd.DataFrame | None = None,
    timing_repeats: int = 0,
) -> EvaluationResult:
    """Fit every model on one split and compare them with the same full-ranking metrics.

    The log is split once with :func:`~aimass.recommend.split_interactions`. The held-out
    (customer, product) pairs of customers who also have training interactions are the relevant
    items; with ``filter_seen=True`` pairs already in the customer's training history are dropped
    (the models never recommend them). Each model is fitted on the training part, then asked for
    the top ``k`` of every evaluated customer at once (``recommend(customers, n=k,
    filter_seen=filter_seen)``), timed; the lists are scored by
    :func:`~aimass.recommend.ranking_metrics` over the full catalogue (every product in the
    training part) -- no sampling.

    Parameters
    ----------
    interactions : pandas.DataFrame
        Interaction log: ``customer_id, product_id, occurred_at`` and optionally the other columns
        the models read (``weight``, ``event_type``, ``session_id``, ``order_id``).
    models : sequence of str or mapping, default ("popular", "itemknn", "ease")
        Model names for ``Recommender(model=name, random_state=random_state)``, or a mapping of
        label to a model name, a ``(name, params)`` pair, or an unfitted estimator with ``fit`` and
        ``recommend`` (it is copied before fitting).
    split : {"last_n", "last_fraction", "global_time", "random"}, default "last_n"
        How to hold out test interactions; ``n``, ``fraction`` and ``cutoff`` configure it.
    k : int, default 10
        List length the metrics are cut at.
    segments : pandas.DataFrame or pandas.Series, optional
        ``customer_id, segment`` (or a Series indexed by customer id) for the per-segment table;
        evaluated customers without a segment are counted under ``"(none)"``.
    sampled_negatives : int, optional
        Also compute the *sampled* metrics (``sampled_hit_rate@k``, ``sampled_ndcg@k``): each
        relevant item is ranked against this many products drawn uniformly from those the customer
        never interacted with (seeded by ``random_state``), as in leave-one-out papers. Sampled
        metrics overstate quality and do not order models reliably; they are off by default and
        always labelled ``sampled_``.
    random_state : int, default 0
        Seed passed to the models, the ``"random"`` split and the negative sampling.
    n, fraction, cutoff
        Split settings (see :func:`~aimass.recommend.split_interactions`).
    filter_seen : bool, default True
        Passed to ``recommend``; also drops already-seen pairs from the relevant items.
    relevant_event_types : sequence of str, optional
        When the log has ``event_type``, count only held-out rows of these types as relevant
        (e.g. ``["purchase"]``); the other held-out rows are simply not used.
    products : pandas.DataFrame, optional
        Product attributes, passed as ``fit(train, products=products)`` to models whose ``fit``
        takes them (the content model needs them). ``segments`` are used only for the breakdown,
        never given to the models.
    timing_repeats : int, default 0
        After the scored call, time this many more top-``k`` calls for every evaluated customer
        and add ``warm_customers_per_second`` (customers / median seconds): the rate of a serving
        process, without the first call's one-off costs (``customers_per_second`` is that first
        call's).

    Returns
    -------
    EvaluationResult

    Raises
    ------
    ConfigError
        If ``models`` is empty or malformed, ``k`` or ``sampled_negatives`` is out of range, or the
        split leaves no customer to evaluate.
    SchemaError
        If ``interactions`` lacks a required column, or ``segments`` lacks ``customer_id``/``segment``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": list("aabbcc"),
    ...     "product_id": list("xyxzyx"),
    ...     "occurred_at": pd.date_range("2024-01-01", periods=6, tz="UTC"),
    ... })
    >>> result = evaluate(log, ["popular"], k=2)  # held out: a -> y, b -> z (never trained on), c -> x
    >>> result.table[["model", "ndcg@2", "recall@2", "coverage"]].round(4)
         model  ndcg@2  recall@2  coverage
    0  popular  0.6667    0.6667       1.0
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"`{k=}` must be an integer >= 1")
    if sampled_negatives is not None and (
        isinstance(sampled_negatives, bool)
        or not isinstance(sampled_negatives, (int, np.integer))
        or sampled_negatives < 1
    ):
        raise ConfigError(f"`{sampled_negatives=}` must be an integer >= 1, or None for no sampled metrics")
    repeats_ok = isinstance(timing_repeats, (int, np.integer)) and not isinstance(timing_repeats, bool)
    if not repeats_ok or timing_repeats < 0:
        raise ConfigError(f"`{timing_repeats=}` must be an integer >= 0 (extra timed calls)")
    candidates = _resolve_models(models, random_state)
    segment_of = _segment_map(segments)
    train, test = split_interactions(
        interactions, split, n=n, fraction=fraction, cutoff=cutoff, random_state=random_state
    )
    relevant = _relevant_pairs(train, test, filter_seen=filter_seen, event_types=relevant_event_types)
    if relevant.empty:
        raise ConfigError(
            f"the {split!r} split left no held-out item of a customer with training history to evaluate; "
            "use another split, a smaller n / larger fraction, or more data"
        )
    customers = np.sort(relevant["customer_id"].unique())
    popularity = train.dropna(subset=["customer_id"]).drop_duplicates(["customer_id", "product_id"])
    item_popularity = popularity.groupby("product_id").size().astype(np.float64)
    catalog = pd.Index(train["product_id"].dropna().unique())

    rows: list[dict[str, Any]] = []
    per_customer: list[pd.DataFrame] = []
    for label, (estimator, params) in candidates.items():
        started = time.perf_counter()
        if products is not None and _accepts(estimator.fit, "products"):
            estimator.fit(train, products=products)  # type: ignore[call-arg]
        else:
            estimator.fit(train)
        fit_seconds = time.perf_counter() - started
        chosen = getattr(estimator, "model_name_", None)
        if chosen is not None and chosen != params.get("model"):  # "auto": record the winner
            params = {**params, "selected": chosen, "selected_params": getattr(estimator, "params_", {})}
        started = time.perf_counter()
        recs = estimator.recommend(customers, n=k, filter_seen=filter_seen)
        recommend_seconds = time.perf_counter() - started
        _check_recommendations(recs, label)
        warm_seconds = []
        for _ in range(timing_repeats):
            started = time.perf_counter()
            estimator.recommend(customers, n=k, filter_seen=filter_seen)
            warm_seconds.append(time.perf_counter() - started)
        top = top_k_rows(recs, k)
        per = per_customer_metrics(top, relevant, k=k, item_popularity=item_popularity)
        found = summarize_metrics(per, top, catalog=catalog, item_popularity=item_popularity)
        row: dict[str, Any] = {"model": label, "params": _params_text(params)}
        for name in ("ndcg", "recall", "precision", "map", "hit_rate", "mrr"):
            row[f"{name}@{k}"] = found[name]
        row.update(
            coverage=found["coverage"],
            novelty=found["novelty"],
            popularity_bias=found["popularity_bias"],
            fit_seconds=fit_seconds,
            recommend_seconds=recommend_seconds,
            customers_per_second=len(customers) / recommend_seconds if recommend_seconds > 0 else math.inf,
        )
        if warm_seconds:
            median = float(np.median(warm_seconds))
            row["warm_customers_per_second"] = len(customers) / median if median > 0 else math.inf
        if sampled_negatives is not None:
            hit, ndcg = _sampled_metrics(
                estimator, train, test, relevant, catalog, k, int(sampled_negatives), random_state
            )
            row[f"sampled_hit_rate@{k}"] = hit
            row[f"sampled_ndcg@{k}"] = ndcg
        rows.append(row)
        per.insert(0, "model", label)
        per_customer.append(per)

    table = pd.DataFrame(rows).sort_values(f"ndcg@{k}", ascending=False, kind="stable").reset_index(drop=True)
    customer_frame = pd.concat(per_customer, ignore_index=True)
    return EvaluationResult(
        table=table,
        per_segment=_per_segment(customer_frame, segment_of, k),
        per_customer=customer_frame,
        chart=_chart(table, k, str(split)),
        k=int(k),
        split=str(split),
        n_train=len(train),
        n_test=len(relevant),
        n_customers=len(customers),
        sampled_negatives=None if sampled_negatives is None else int(sampled_negatives),
        settings={
            "n": n,
            "fraction": fraction,
            "cutoff": None if cutoff is None else str(cutoff),
            "filter_seen": filter_seen,
            "random_state": random_state,
            "relevant_event_types": None if relevant_event_types is None else list(relevant_event_types),
            "n_catalog": len(catalog),
        },
    )


def evaluation_rows(result: EvaluationResult, *, evaluated_at: pd.Timestamp | None = None) -> pd.DataFrame:
    """The comparison table in the shape of ``mart.recommend_evaluation``.

    Metric columns lose their ``@k`` suffix (``ndcg``, ``recall``, ...; ``k`` is its own column) so
    that the table is easy to query in SQL; ``split``, ``n_customers`` and ``evaluated_at`` (UTC)
    are added. Sampled metrics appear as ``sampled_hit_rate``/``sampled_ndcg`` with
    ``sampled_negatives``, only when they were computed.
    """
    k = result.k
    table = result.table.rename(columns=lambda c: c.removesuffix(f"@{k}"))
    table.insert(2, "split", result.split)
    table.insert(3, "k", np.int64(k))
    table.insert(4, "n_customers", np.int64(result.n_customers))
    if result.sampled_negatives is not None:
        table["sampled_negatives"] = np.int64(result.sampled_negatives)
    table["evaluated_at"] = evaluated_at if evaluated_at is not None else pd.Timestamp.now(tz="UTC")
    return table


def interactions_for_workspace(workspace: Workspace) -> pd.DataFrame:
    """The interaction log of a workspace, read as the ``recommend`` step reads it."""
    return read_interactions(workspace)


def segments_for_workspace(workspace: Workspace) -> pd.DataFrame | None:
    """``customer_id, segment`` from ``mart.segments`` when the segments step has run, else None."""
    engine = workspace.engine
    if not engine.exists("mart.segments"):
        return None
    columns = engine.columns("mart.segments")
    name = next((c for c in ("segment_name", "segment", "segment_id") if c in columns), None)
    if name is None or "customer_id" not in columns:
        return None
    frame = engine.read_pandas("mart.segments", columns=["customer_id", name])
    return frame.rename(columns={name: "segment"})


def evaluate_workspace(
    workspace: Workspace,
    models: Sequence[str] | Mapping[str, Any] = DEFAULT_MODELS,
    split: SplitMethod | str = "last_n",
    k: int = 10,
    *,
    sampled_negatives: int | None = None,
    random_state: int = 0,
    n: int = 1,
    fraction: float = 0.2,
    cutoff: Any = None,
    relevant_event_types: Sequence[str] | None = None,
    write: bool = True,
) -> EvaluationResult:
    """:func:`evaluate` on a workspace's interactions, with ``mart.segments`` as the segments.

    The log is ``core.orders`` (purchases) plus ``core.events`` rows with a product (see
    :func:`interactions_for_workspace`); ``core.products`` is given to the models that use it.
    With ``write=True`` the comparison table is written to ``mart.recommend_evaluation``
    (:func:`evaluation_rows`; replaced on every run).
    """
    interactions = interactions_for_workspace(workspace)
    engine = workspace.engine
    products = engine.read_pandas("core.products") if engine.exists("core.products") else None
    result = evaluate(
        interactions,
        models,
        split=split,
        k=k,
        segments=segments_for_workspace(workspace),
        sampled_negatives=sampled_negatives,
        random_state=random_state,
        n=n,
        fraction=fraction,
        cutoff=cutoff,
        relevant_event_types=relevant_event_types,
        products=products,
    )
    if write:
        workspace.engine.write_table(EVALUATION_TABLE, evaluation_rows(result))
    return result


def evaluation_html(result: EvaluationResult, *, title: str = "Recommender evaluation") -> str:
    """A self-contained HTML page: settings, the comparison table, an NDCG bar chart, per segment."""
    from markupsafe import escape

    from aimass.report._charts import bar_chart, format_number

    def table_html(frame: pd.DataFrame) -> str:
        head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(format_number(_cell(v)))}</td>" for v in row) + "</tr>"
            for row in frame.itertuples(index=False)
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    k = result.k
    chart = bar_chart(
        result.table["model"].tolist(), result.table[f"ndcg@{k}"].fillna(0.0).tolist(), title=f"NDCG@{k}"
    )
    sampled = (
        "<p><strong>sampled_* columns</strong>: each held-out item ranked against "
        f"{result.sampled_negatives} "
        "sampled unseen products (optimistic; the full-ranking columns are the ones to compare).</p>"
        if result.sampled_negatives is not None
        else ""
    )
    segments = f"<h2>Per segment</h2>{table_html(result.per_segment)}" if not result.per_segment.empty else ""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>body{{font-family:Helvetica,Arial,sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
        "</style></head><body>"
        f"<h1>{escape(title)}</h1><p>{escape(result.split)} split, k = {k}: "
        f"{result.n_customers:,} customers, "
        f"{result.n_test:,} held-out items, {result.n_train:,} training interactions, "
        f"{result.settings.get('n_catalog', 0):,} products. "
        "Full-ranking metrics over the whole catalogue.</p>"
        f"{sampled}<h2>Models</h2>{table_html(result.table)}<h2>NDCG@{k}</h2>{chart}{segments}</body></html>"
    )


def _cell(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


# -- helpers ----------------------------------------------------------------------------------------
def _resolve_models(
    models: Sequence[str] | Mapping[str, Any], random_state: int
) -> dict[str, tuple[RecommenderLike, dict[str, Any]]]:
    if isinstance(models, str):
        models = [models]
    items: list[tuple[str, Any]]
    if isinstance(models, Mapping):
        items = [(str(label), spec) for label, spec in models.items()]
    else:
        items = [(str(name), name) for name in models]
    if not items:
        raise ConfigError("`models` is empty; name at least one model, e.g. ['popular', 'ease']")
    labels = [label for label, _ in items]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"model labels must be unique, got {labels}")
    out: dict[str, tuple[RecommenderLike, dict[str, Any]]] = {}
    for label, spec in items:
        if isinstance(spec, str):
            out[label] = (_make(spec, {}, random_state), {"model": spec})
        elif (
            isinstance(spec, tuple)
            and len(spec) == 2
            and isinstance(spec[0], str)
            and isinstance(spec[1], Mapping)
        ):
            out[label] = (_make(spec[0], dict(spec[1]), random_state), {"model": spec[0], **dict(spec[1])})
        elif callable(getattr(spec, "fit", None)) and callable(getattr(spec, "recommend", None)):
            getter = getattr(spec, "get_params", None)
            params = dict(getter()) if callable(getter) else {"model": type(spec).__name__}
            out[label] = (copy.deepcopy(spec), params)
        else:
            raise ConfigError(
                f"model {label!r}: expected a model name, a (name, params) pair or an estimator with "
                f"fit and recommend; got {type(spec).__name__}"
            )
    return out


def _accepts(method: Any, name: str) -> bool:
    try:
        return name in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def _make(name: str, params: dict[str, Any], random_state: int) -> RecommenderLike:
    from aimass.recommend._recommender import Recommender

    estimator: RecommenderLike = Recommender(model=name, random_state=random_state, **params)
    return estimator


def _segment_map(segments: pd.DataFrame | pd.Series | None) -> pd.Series | None:
    if segments is None:
        return None
    if isinstance(segments, pd.Series):
        return segments.astype(object)
    if not isinstance(segments, pd.DataFrame) or not {"customer_id", "segment"} <= set(segments.columns):
        raise SchemaError("`segments` must be a DataFrame with columns customer_id, segment (or a Series)")
    frame = segments.drop_duplicates("customer_id", keep="last")
    return pd.Series(frame["segment"].astype(object).to_numpy(), index=frame["customer_id"].astype(object))


def _relevant_pairs(
    train: pd.DataFrame, test: pd.DataFrame, *, filter_seen: bool, event_types: Sequence[str] | None
) -> pd.DataFrame:
    rows = test.dropna(subset=["customer_id", "product_id"])
    if event_types is not None and "event_type" in rows.columns:
        rows = rows[rows["event_type"].isin(list(event_types))]
    pairs = rows[["customer_id", "product_id"]].drop_duplicates()
    known = train.dropna(subset=["customer_id"])
    pairs = pairs[pairs["customer_id"].isin(known["customer_id"].unique())]
    if filter_seen:
        seen = known[["customer_id", "product_id"]].drop_duplicates()
        merged = pairs.merge(seen, on=["customer_id", "product_id"], how="left", indicator=True)
        pairs = merged.loc[merged["_merge"] == "left_only", ["customer_id", "product_id"]]
    return pairs.reset_index(drop=True)


def _check_recommendations(recs: Any, label: str) -> None:
    if not isinstance(recs, pd.DataFrame) or not {"customer_id", "product_id", "rank"} <= set(recs.columns):
        raise SchemaError(
            f"model {label!r}: recommend() must return a DataFrame with customer_id, product_id, rank"
        )


def _sampled_metrics(
    estimator: RecommenderLike,
    train: pd.DataFrame,
    test: pd.DataFrame,
    relevant: pd.DataFrame,
    catalog: pd.Index,
    k: int,
    n_negatives: int,
    random_state: int,
) -> tuple[float, float]:
    """Sampled HR@k and NDCG@k: each relevant item ranked among ``n_negatives`` unseen products."""
    items = np.asarray(catalog, dtype=object)
    n_items = len(items)
    item_code = pd.Index(items)
    customers = np.sort(relevant["customer_id"].unique())
    user_code = pd.Index(customers)
    everything = pd.concat([train[["customer_id", "product_id"]], test[["customer_id", "product_id"]]])
    everything = everything[everything["customer_id"].isin(customers)]
    u = user_code.get_indexer(everything["customer_id"])
    i = item_code.get_indexer(everything["product_id"])
    touched = np.unique(u[i >= 0].astype(np.int64) * n_items + i[i >= 0])
    pos_u = user_code.get_indexer(relevant["customer_id"]).astype(np.int64)
    available = n_items - np.bincount(touched // n_items, minlength=len(customers))
    if int(available.min(initial=n_items)) < n_negatives:
        raise ConfigError(
            f"`sampled_negatives={n_negatives}` exceeds the products some customer never interacted with "
            f"({int(available.min())}); use fewer negatives"
        )
    rng = np.random.default_rng(random_state)
    negatives = np.empty((len(pos_u), n_negatives), dtype=np.int64)
    todo = np.ones(negatives.shape, dtype=bool)
    while todo.any():  # rejection sampling of unseen products (duplicates among negatives allowed)
        rows, cols = np.nonzero(todo)
        draw = rng.integers(0, n_items, size=len(rows))
        ok = ~np.isin(pos_u[rows] * n_items + draw, touched)
        negatives[rows[ok], cols[ok]] = draw[ok]
        todo[rows[ok], cols[ok]] = False
    # full ranks of every catalogue product, for a bounded block of customers at a time
    pos_i = item_code.get_indexer(relevant["product_id"])
    sampled = np.empty(len(pos_u), dtype=np.int64)
    chunk = max(1, _SAMPLED_CHUNK_ROWS // max(n_items, 1))
    for start in range(0, len(customers), chunk):
        block = customers[start : start + chunk]
        rank = np.full((len(block), n_items), np.inf)
        recs = estimator.recommend(block, n=n_items, filter_seen=False)
        r = user_code.get_indexer(recs["customer_id"]) - start
        c = item_code.get_indexer(recs["product_id"])
        keep = (r >= 0) & (r < len(block)) & (c >= 0)
        rank[r[keep], c[keep]] = recs["rank"].to_numpy(dtype=np.float64)[keep]
        mine = np.flatnonzero((pos_u >= start) & (pos_u < start + len(block)))
        local = pos_u[mine] - start
        pos_rank = np.where(pos_i[mine] >= 0, rank[local, np.maximum(pos_i[mine], 0)], np.inf)
        neg_rank = rank[local[:, None], negatives[mine]]
        sampled[mine] = 1 + (neg_rank <= pos_rank[:, None]).sum(axis=1)  # ties go against the positive
    hit = sampled <= k
    gain = np.where(hit, 1.0 / np.log2(sampled + 1.0), 0.0)
    return float(hit.mean()), float(gain.mean())


def _per_segment(per_customer: pd.DataFrame, segment_of: pd.Series | None, k: int) -> pd.DataFrame:
    columns = ["model", "segment", "n_customers", *(f"{m}@{k}" for m in ACCURACY_METRICS)]
    if segment_of is None or per_customer.empty:
        return pd.DataFrame(columns=columns)
    frame = per_customer.copy()
    frame["segment"] = frame["customer_id"].map(segment_of).astype(object)
    frame["segment"] = frame["segment"].where(frame["segment"].notna(), "(none)").astype(str)
    grouped = frame.groupby(["model", "segment"], sort=True)
    out = grouped[list(ACCURACY_METRICS)].mean()
    out.insert(0, "n_customers", grouped.size())
    out = out.rename(columns={m: f"{m}@{k}" for m in ACCURACY_METRICS}).reset_index()
    return out[columns]


def _chart(table: pd.DataFrame, k: int, split: str) -> dict[str, Any]:
    values = [
        {
            "model": row["model"],
            "ndcg": _finite(row[f"ndcg@{k}"]),
            "recall": _finite(row[f"recall@{k}"]),
            "coverage": _finite(row["coverage"]),
            "fit_seconds": _finite(row["fit_seconds"]),
        }
        for _, row in table.iterrows()
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": f"NDCG@{k} by model ({split} split)",
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "model", "type": "nominal", "sort": "-y", "title": "model"},
            "y": {"field": "ndcg", "type": "quantitative", "title": f"NDCG@{k}"},
            "tooltip": [
                {"field": "model", "type": "nominal"},
                {"field": "ndcg", "type": "quantitative", "format": ".4f"},
                {"field": "recall", "type": "quantitative", "format": ".4f", "title": f"recall@{k}"},
                {"field": "coverage", "type": "quantitative", "format": ".3f"},
                {"field": "fit_seconds", "type": "quantitative", "format": ".2f"},
            ],
        },
    }


def _params_text(params: Mapping[str, Any]) -> str:
    return json.dumps(_jsonable(dict(params)), sort_keys=True)


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _finite(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [_jsonable(record) for record in frame.to_dict("records")]
