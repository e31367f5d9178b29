"""Full-ranking top-k metrics for recommendation lists, vectorized with pandas/numpy.

Definitions (binary relevance; ``R_u`` is customer ``u``'s set of relevant items, ``L_u`` their
recommendation list cut at ``k``, ``rank`` 1-based, a *hit* a recommended item in ``R_u``):

* ``precision@k = |hits| / k`` (the denominator is ``k`` even when fewer than ``k`` items were
  recommended);
* ``recall@k = |hits| / |R_u|``;
* ``ndcg@k = DCG / IDCG`` with ``DCG = sum over hits of 1 / log2(rank + 1)`` and the ideal
  ``IDCG = sum_{i=1}^{min(|R_u|, k)} 1 / log2(i + 1)``;
* ``map@k``: average precision ``AP@k = (sum over hits of precision@rank) / min(|R_u|, k)``,
  normalized by ``min(|R_u|, k)`` (so a perfect list scores 1 even when ``|R_u| > k``);
* ``hit_rate@k = 1`` if there is at least one hit, else 0;
* ``mrr@k = 1 / rank`` of the first hit, 0 without a hit.

These accuracy metrics are averaged over the customers with at least one relevant item; a
customer with relevant items but no recommendations counts with zeros.

Beyond accuracy, computed over all recommendation rows with ``rank <= k``:

* ``coverage = |distinct recommended items| / |catalogue|``;
* ``novelty``: mean over recommendation rows of ``-log2(share_i)`` where
  ``share_i = count_i / sum(count)`` is the item's share of ``item_popularity`` (counts of training
  interactions, say); an item with a zero or unknown count is treated as having count 1;
* ``popularity_bias``: mean over recommendation rows of the item's popularity percentile in
  ``item_popularity`` (``pandas.Series.rank(pct=True)``, ties averaged: 1.0 = most popular item;
  unknown items 0.0).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from aimass.exceptions import ConfigError, SchemaError

__all__ = ["ACCURACY_METRICS", "per_customer_metrics", "ranking_metrics", "summarize_metrics", "top_k_rows"]

#: The per-customer accuracy metrics, in table order.
ACCURACY_METRICS: tuple[str, ...] = ("precision", "recall", "ndcg", "map", "hit_rate", "mrr")


def ranking_metrics(
    recommended: pd.DataFrame,
    relevant: pd.DataFrame,
    k: int = 10,
    catalog: Iterable[Any] | None = None,
    item_popularity: pd.Series | None = None,
) -> dict[str, float]:
    """Top-``k`` accuracy, coverage, novelty and popularity bias of recommendation lists.

    Parameters
    ----------
    recommended : pandas.DataFrame
        Columns ``customer_id``, ``product_id``, ``rank`` (1-based, 1 = best). Rows with
        ``rank > k`` are ignored; a product repeated in one list counts once, at its best rank.
    relevant : pandas.DataFrame
        Columns ``customer_id``, ``product_id``: the held-out items (duplicates count once).
    k : int, default 10
        List length cut-off (``>= 1``).
    catalog : iterable, optional
        The product ids that could be recommended (denominator of ``coverage``). Default: the index
        of ``item_popularity``; without either, ``coverage`` is NaN.
    item_popularity : pandas.Series, optional
        Non-negative popularity counts indexed by product id (e.g. training interactions per
        product). Without it, ``novelty`` and ``popularity_bias`` are NaN.

    Returns
    -------
    dict of str to float
        Keys ``precision``, ``recall``, ``ndcg``, ``map``, ``hit_rate``, ``mrr`` (module docstring
        formulas, averaged over customers with at least one relevant item; NaN when there is none),
        ``coverage``, ``novelty``, ``popularity_bias`` and ``n_customers`` (customers averaged over).

    Raises
    ------
    SchemaError
        If a frame lacks a required column.
    ConfigError
        If ``k < 1``.

    Examples
    --------
    >>> import pandas as pd
    >>> recs = pd.DataFrame({"customer_id": ["a", "a"], "product_id": ["x", "y"], "rank": [1, 2]})
    >>> truth = pd.DataFrame({"customer_id": ["a"], "product_id": ["y"]})
    >>> m = ranking_metrics(recs, truth, k=2, catalog=["x", "y", "z", "w"])
    >>> round(m["ndcg"], 4), m["recall"], m["mrr"], m["coverage"]
    (0.6309, 1.0, 0.5, 0.5)
    """
    per = per_customer_metrics(recommended, relevant, k=k, item_popularity=None)
    return summarize_metrics(
        per, top_k_rows(recommended, k), catalog=catalog, item_popularity=item_popularity
    )


def summarize_metrics(
    per: pd.DataFrame,
    recs: pd.DataFrame,
    catalog: Iterable[Any] | None = None,
    item_popularity: pd.Series | None = None,
) -> dict[str, float]:
    """:func:`ranking_metrics` from already computed per-customer metrics and the top-k rows."""
    out: dict[str, float] = {
        name: float(per[name].mean()) if len(per) else float("nan") for name in ACCURACY_METRICS
    }
    if catalog is None and item_popularity is not None:
        catalog = item_popularity.index
    if catalog is None:
        out["coverage"] = float("nan")
    else:
        size = len(pd.unique(pd.Series(list(catalog), dtype=object)))
        out["coverage"] = float(recs["product_id"].nunique() / size) if size else float("nan")
    if item_popularity is None or recs.empty:
        out["novelty"] = float("nan")
        out["popularity_bias"] = float("nan")
    else:
        info, percentile = _popularity_terms(recs["product_id"], item_popularity)
        out["novelty"] = float(info.mean())
        out["popularity_bias"] = float(percentile.mean())
    out["n_customers"] = float(len(per))
    return out


def per_customer_metrics(
    recommended: pd.DataFrame,
    relevant: pd.DataFrame,
    k: int = 10,
    item_popularity: pd.Series | None = None,
) -> pd.DataFrame:
    """The accuracy metrics of :func:`ranking_metrics` for each customer with a relevant item.

    Parameters
    ----------
    recommended, relevant, k, item_popularity
        As in :func:`ranking_metrics`.

    Returns
    -------
    pandas.DataFrame
        One row per customer with at least one relevant item, sorted by ``customer_id``: columns
        ``customer_id``, ``n_relevant``, ``n_hits``, ``precision``, ``recall``, ``ndcg``, ``map``,
        ``hit_rate``, ``mrr``, and, when ``item_popularity`` is given, ``novelty`` and
        ``popularity_bias`` (means over the customer's list; NaN without recommendations).

    Examples
    --------
    >>> import pandas as pd
    >>> recs = pd.DataFrame(
    ...     {"customer_id": ["a", "a", "b"], "product_id": ["x", "y", "x"], "rank": [1, 2, 1]}
    ... )
    >>> truth = pd.DataFrame({"customer_id": ["a", "b"], "product_id": ["x", "z"]})
    >>> per_customer_metrics(recs, truth, k=2)[["customer_id", "n_hits", "precision", "mrr"]]
      customer_id  n_hits  precision  mrr
    0           a       1        0.5  1.0
    1           b       0        0.0  0.0
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"`{k=}` must be an integer >= 1")
    recs = top_k_rows(recommended, k)
    rel = _pairs(relevant, "relevant")
    n_rel = rel.groupby("customer_id", sort=True).size().rename("n_relevant")
    hits = recs.merge(rel, on=["customer_id", "product_id"], how="inner")
    hits = hits.sort_values(["customer_id", "rank"], kind="stable")
    rank = hits["rank"].to_numpy(dtype=np.float64)
    hits["gain"] = 1.0 / np.log2(rank + 1.0)
    hits["precision_at"] = (hits.groupby("customer_id", sort=False).cumcount().to_numpy() + 1) / rank
    agg = hits.groupby("customer_id", sort=True).agg(
        n_hits=("rank", "size"), dcg=("gain", "sum"), ap_sum=("precision_at", "sum"), first=("rank", "min")
    )
    per = n_rel.to_frame().join(agg, how="left")
    per["n_hits"] = per["n_hits"].fillna(0).astype(np.int64)
    for column in ("dcg", "ap_sum"):
        per[column] = per[column].fillna(0.0)
    ideal_n = np.minimum(per["n_relevant"].to_numpy(), k)
    discounts = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64)))])
    per["precision"] = per["n_hits"] / float(k)
    per["recall"] = per["n_hits"] / per["n_relevant"]
    per["ndcg"] = per["dcg"].to_numpy() / discounts[ideal_n]
    per["map"] = per["ap_sum"].to_numpy() / ideal_n
    per["hit_rate"] = (per["n_hits"] > 0).astype(np.float64)
    per["mrr"] = (1.0 / per["first"]).fillna(0.0)
    columns = ["n_relevant", "n_hits", *ACCURACY_METRICS]
    if item_popularity is not None:
        info, percentile = _popularity_terms(recs["product_id"], item_popularity)
        terms = pd.DataFrame(
            {"customer_id": recs["customer_id"].to_numpy(), "novelty": info, "popularity_bias": percentile}
        )
        per = per.join(terms.groupby("customer_id", sort=True).mean(), how="left")
        columns += ["novelty", "popularity_bias"]
    per = per[columns]
    per.index.name = "customer_id"
    return per.reset_index()


def _pairs(frame: pd.DataFrame, name: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    needed = ("customer_id", "product_id", *extra)
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(f"`{name}` must be a pandas DataFrame with columns {list(needed)}")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"`{name}` lacks column(s) {missing}; required: {list(needed)}, got {list(frame.columns)}"
        )
    return frame[list(needed)].drop_duplicates(["customer_id", "product_id"])


def top_k_rows(recommended: pd.DataFrame, k: int) -> pd.DataFrame:
    """The ``customer_id, product_id, rank`` rows with ``rank <= k``, one per pair at its best rank.

    Raises
    ------
    SchemaError
        If a column is missing.
    """
    if isinstance(recommended, pd.DataFrame) and "rank" in recommended.columns:
        recommended = recommended.loc[recommended["rank"] <= k].sort_values("rank", kind="stable")
    recs = _pairs(recommended, "recommended", extra=("rank",))
    return recs.reset_index(drop=True)


def _popularity_terms(products: pd.Series, item_popularity: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per recommended row: ``-log2(share)`` and the popularity percentile of the item."""
    counts = pd.Series(item_popularity, dtype=np.float64)
    if (counts < 0).any() or counts.isna().any():
        raise ConfigError("`item_popularity` must hold non-negative counts without missing values")
    total = float(counts.sum())
    if total <= 0.0:
        raise ConfigError("`item_popularity` must have a positive total")
    percentile = counts.rank(pct=True, method="average")
    count = products.map(counts).fillna(0.0).to_numpy(dtype=np.float64)
    info = -np.log2(np.maximum(count, 1.0) / total)
    pct = products.map(percentile).fillna(0.0).to_numpy(dtype=np.float64)
    return info, pct
