"""Popularity and the item-to-item models: item-kNN, EASE, RP3beta and the session model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from aimass.exceptions import ConfigError
from aimass.recommend._base import (
    RecommenderModel,
    ScoringTerms,
    check_number,
    check_positive_int,
    normalize_rows,
    weighted_rows,
)
from aimass.recommend._data import TrainData, csr_from_arrays, csr_to_arrays, top_k_per_row
from aimass.recommend._kernels import rows_times_dense, rows_times_sparse

__all__ = ["EASEModel", "ItemKNNModel", "PopularModel", "RP3betaModel", "SessionModel", "item_item_top_k"]

#: Largest catalogue (products squared) for which EASE keeps a dense catalogue-wide weight copy.
_DENSE_FULL_LIMIT = 6000**2

Similarity = Literal["cosine", "bm25"]
PopularityWeighting = Literal["count", "weight"]
EaseWeighting = Literal["raw", "binary", "log1p"]

_BLOCK = 1024


def item_item_top_k(
    left: Any,
    right: Any,
    k: int,
    *,
    norms: np.ndarray | None = None,
    shrink: float = 0.0,
    column_scale: np.ndarray | None = None,
) -> Any:
    """``left.T @ right`` (items x items), optionally cosine-scaled, diagonal zeroed, top ``k`` per row.

    Computed in blocks of rows so memory stays ``O(block x n_items)`` however large the catalogue.
    """
    lt = sp.csr_matrix(left.T)
    right = sp.csr_matrix(right)
    n_items = lt.shape[0]
    parts = []
    for start in range(0, n_items, _BLOCK):
        stop = min(start + _BLOCK, n_items)
        block = np.asarray((lt[start:stop] @ right).toarray(), dtype=np.float32)
        if norms is not None:
            denominator = norms[start:stop, None] * norms[None, :] + shrink
            block = np.divide(block, denominator, out=np.zeros_like(block), where=denominator > 0)
        if column_scale is not None:
            block *= column_scale[None, :].astype(np.float32)
        local = np.arange(stop - start)
        block[local, start + local] = 0.0
        parts.append(top_k_per_row(block, k))
    if not parts:
        return sp.csr_matrix((0, right.shape[1]), dtype=np.float32)
    return sp.csr_matrix(sp.vstack(parts), dtype=np.float32)


def _decay(age_days: np.ndarray, half_life_days: float | None) -> np.ndarray:
    if half_life_days is None:
        return np.ones_like(age_days)
    return np.power(0.5, age_days / half_life_days)


class PopularModel(RecommenderModel):
    """Most popular products, optionally time-decayed and per customer segment.

    Time decay comes from the recommender: with ``Recommender(half_life_days=h)`` an interaction
    ``t`` days older than the newest one counts ``0.5 ** (t / h)``.

    Parameters
    ----------
    by_segment : bool, default False
        Score each customer with the popularity within their segment (shrunk towards the global
        popularity by ``segment_shrinkage`` pseudo-interactions); customers without a segment get
        the global popularity.
    weighting : {"count", "weight"}, default "count"
        Count interactions, or sum their weights (event-type weights times ``weight``).
    segment_shrinkage : float, default 50.0
        Pseudo-interactions of the global popularity mixed into each segment's.
    window_days : float, optional
        Score each customer with what was popular in the ``window_days`` before their own last
        interaction ("popular when they shop"; ties broken by the overall popularity); overrides
        ``by_segment``. Time is binned in days (coarser for spans over 512 days).

    Examples
    --------
    >>> import pandas as pd
    >>> from aimass.recommend import Recommender
    >>> log = pd.DataFrame({"customer_id": ["a", "b", "b", "c"], "product_id": ["x", "x", "y", "z"]})
    >>> Recommender("popular").fit(log).recommend(["a"], n=2)["product_id"].tolist()
    ['y', 'z']
    """

    name = "popular"

    def __init__(
        self,
        by_segment: bool = False,
        weighting: PopularityWeighting = "count",
        segment_shrinkage: float = 50.0,
        window_days: float | None = None,
    ) -> None:
        self.by_segment = by_segment
        self.weighting = weighting
        self.segment_shrinkage = segment_shrinkage
        self.window_days = window_days

    def fit(self, data: TrainData) -> Self:
        if self.weighting not in ("count", "weight"):
            raise ConfigError(f"PopularModel: `weighting={self.weighting!r}` must be 'count' or 'weight'")
        shrink = check_number("PopularModel", "segment_shrinkage", self.segment_shrinkage)
        w = _decay(data.age_days, data.half_life_days)
        if self.weighting == "weight":
            w = w * data.value
        counts = np.bincount(data.item, weights=w, minlength=data.n_items)
        total = counts.sum()
        share = counts / total if total > 0 else counts
        table = [share]
        if self.by_segment and data.n_segments:
            segment = data.user_segment[data.user]
            for s in range(data.n_segments):
                mask = segment == s
                seg_counts = np.bincount(data.item[mask], weights=w[mask], minlength=data.n_items)
                table.append((seg_counts + shrink * share) / (seg_counts.sum() + shrink))
        self.popularity_ = np.vstack(table).astype(np.float32)
        self.user_segment_ = data.user_segment.astype(np.int32) if self.by_segment else np.zeros(0, np.int32)
        self.cumulative_ = np.zeros((0, data.n_items), dtype=np.float32)
        self.user_bin_ = np.zeros(0, dtype=np.int64)
        self.window_bins_ = 0
        if self.window_days is not None:
            self._fit_window(
                data, w, check_number("PopularModel", "window_days", self.window_days, strict=True)
            )
        self.n_items_ = data.n_items
        return self

    def _fit_window(self, data: TrainData, w: np.ndarray, window: float) -> None:
        """Cumulative counts per time bin, and each customer's last bin."""
        span = float(data.age_days.max()) if len(data.age_days) else 0.0
        bin_days = max(1.0, np.ceil(span / 512.0))
        day = np.floor((span - data.age_days) / bin_days).astype(np.int64)
        n_bins = int(day.max()) + 1 if len(day) else 1
        flat = np.bincount(day * data.n_items + data.item, weights=w, minlength=n_bins * data.n_items)
        counts = flat.reshape(n_bins, data.n_items)
        cumulative = np.zeros((n_bins + 1, data.n_items), dtype=np.float32)
        np.cumsum(counts, axis=0, out=cumulative[1:])
        user_bin = np.full(data.n_users, n_bins - 1, dtype=np.int64)
        if len(day):
            last = np.full(data.n_users, -1, dtype=np.int64)
            np.maximum.at(last, data.user, day)
            user_bin = np.where(last >= 0, last, n_bins - 1)
        self.cumulative_ = cumulative
        self.user_bin_ = user_bin
        self.window_bins_ = max(1, int(np.ceil(window / bin_days)))

    def score(self, users: np.ndarray, rows: Any, profile: Any = None) -> np.ndarray:
        self.check_is_fitted()
        if len(self.cumulative_):
            last = len(self.cumulative_) - 2
            at = np.where(users >= 0, self.user_bin_[np.clip(users, 0, None)], last) + 1
            window: np.ndarray = (
                self.cumulative_[at] - self.cumulative_[np.maximum(at - self.window_bins_, 0)]
            )
            total = window.sum(axis=1, keepdims=True)
            window *= np.divide(1.0, total, out=np.zeros_like(total), where=total > 0)
            window += np.float32(0.01) * self.popularity_[0]
            return window
        if self.popularity_.shape[0] == 1:
            return np.broadcast_to(self.popularity_[0], (len(users), self.n_items_)).copy()
        known = users >= 0
        segment = np.full(len(users), -1, dtype=np.int64)
        segment[known] = self.user_segment_[users[known]]
        out: np.ndarray = self.popularity_[segment + 1]
        return out

    def to_arrays(self) -> dict[str, np.ndarray]:
        self.check_is_fitted()
        return {
            "popularity": self.popularity_,
            "user_segment": self.user_segment_,
            "cumulative": self.cumulative_,
            "user_bin": self.user_bin_,
            "window_bins": np.asarray([self.window_bins_], dtype=np.int64),
        }

    def _load_arrays(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.popularity_ = np.asarray(arrays["popularity"], dtype=np.float32)
        self.user_segment_ = np.asarray(arrays["user_segment"], dtype=np.int32)
        self.cumulative_ = np.asarray(arrays["cumulative"], dtype=np.float32)
        self.user_bin_ = np.asarray(arrays["user_bin"], dtype=np.int64)
        self.window_bins_ = int(arrays["window_bins"][0])
        self.n_items_ = int(self.popularity_.shape[1])


class _ItemItemModel(RecommenderModel):
    """Shared scoring of models whose state is a sparse item x item weight matrix ``similarity_``."""

    zero_is_unscored = True

    def score(self, users: np.ndarray, rows: Any, profile: Any = None) -> np.ndarray:
        self.check_is_fitted()
        ((x, weights),) = self.scoring_terms(users, rows, profile)
        return rows_times_sparse(x, weights)

    def scoring_terms(self, users: np.ndarray, rows: Any, profile: Any = None) -> ScoringTerms:
        self.check_is_fitted()
        x = self._user_rows(users, rows)
        return [(weighted_rows(x, profile) if self.uses_profile else x, self.similarity_)]

    def _user_rows(self, users: np.ndarray, rows: Any) -> Any:
        return rows

    def similar(self, items: np.ndarray) -> np.ndarray | None:
        self.check_is_fitted()
        return np.asarray(self.similarity_[items].toarray(), dtype=np.float32)

    def linear_weights(self) -> Any:
        self.check_is_fitted()
        return self.similarity_ if self._is_linear() else None

    def _is_linear(self) -> bool:
        return False

    def to_arrays(self) -> dict[str, np.ndarray]:
        self.check_is_fitted()
        return csr_to_arrays("similarity", self.similarity_)

    def _load_arrays(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.similarity_ = csr_from_arrays("similarity", arrays)
        self.n_items_ = int(self.similarity_.shape[1])


def _bm25(matrix: Any, k1: float, b: float) -> Any:
    """BM25-weight a customer x product matrix (customers are the documents, products the terms)."""
    x = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
    n_users = x.shape[0]
    df = np.bincount(x.indices, minlength=x.shape[1])
    idf = np.log1p(n_users / (1.0 + df))
    length = np.diff(x.indptr).astype(np.float64)
    mean_length = length.mean() if n_users else 1.0
    row_of = np.repeat(np.arange(n_users), np.diff(x.indptr))
    tf = x.data
    x.data = idf[x.indices] * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * length[row_of] / mean_length))
    return x


class ItemKNNModel(_ItemItemModel):
    """Item-based nearest neighbours: score = sum over a customer's items of their similarity.

    Parameters
    ----------
    k : int, default 100
        Neighbours kept per product.
    similarity : {"cosine", "bm25"}, default "cosine"
        Cosine over the weighted customer x product matrix, or over its BM25 re-weighting (rare
        products and short histories count more).
    shrink : float, default 0.0
        Added to the cosine denominator; damps similarities backed by few customers.
    bm25_k1, bm25_b : float, default 1.2 and 0.75
        BM25 saturation and length normalisation.
    """

    name = "itemknn"
    uses_profile = True

    def __init__(
        self,
        k: int = 100,
        similarity: Similarity = "cosine",
        shrink: float = 0.0,
        bm25_k1: float = 1.2,
        bm25_b: float = 0.75,
    ) -> None:
        self.k = k
        self.similarity = similarity
        self.shrink = shrink
        self.bm25_k1 = bm25_k1
        self.bm25_b = bm25_b

    def fit(self, data: TrainData) -> Self:
        k = check_positive_int("ItemKNNModel", "k", self.k)
        shrink = check_number("ItemKNNModel", "shrink", self.shrink)
        if self.similarity not in ("cosine", "bm25"):
            raise ConfigError(f"ItemKNNModel: `similarity={self.similarity!r}` must be 'cosine' or 'bm25'")
        x = data.matrix
        if self.similarity == "bm25":
            x = _bm25(x, check_number("ItemKNNModel", "bm25_k1", self.bm25_k1), self.bm25_b)
        x = sp.csr_matrix(x, dtype=np.float32)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0), dtype=np.float64).ravel())
        self.similarity_ = item_item_top_k(x, x, k, norms=norms, shrink=shrink)
        self.n_items_ = data.n_items
        return self

    def _is_linear(self) -> bool:
        return True


class RP3betaModel(_ItemItemModel):
    """RP3beta: three-step random walk customer -> product -> customer -> product, popularity-penalised.

    ``W_ij = sum_u P(u | i) P(j | u) / pop_j ** beta`` with transition probabilities from the
    matrix raised to ``alpha`` (Paudel et al. 2017); top ``k`` neighbours per product.

    Parameters
    ----------
    alpha : float, default 1.0
        Exponent on the interaction weights before normalising to probabilities.
    beta : float, default 0.5
        Popularity penalty (0 = plain P3, larger favours the long tail).
    k : int, default 100
        Neighbours kept per product.
    """

    name = "rp3beta"
    uses_profile = True

    def __init__(self, alpha: float = 1.0, beta: float = 0.5, k: int = 100) -> None:
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def fit(self, data: TrainData) -> Self:
        alpha = check_number("RP3betaModel", "alpha", self.alpha, strict=True)
        beta = check_number("RP3betaModel", "beta", self.beta)
        k = check_positive_int("RP3betaModel", "k", self.k)
        x = sp.csr_matrix(data.matrix, dtype=np.float64).power(alpha)
        p_ui = normalize_rows(x)
        p_iu = normalize_rows(sp.csr_matrix(x.T))
        degree = np.diff(sp.csc_matrix(x).indptr).astype(np.float64)
        scale = np.divide(1.0, np.power(degree, beta), out=np.zeros_like(degree), where=degree > 0)
        self.similarity_ = item_item_top_k(sp.csr_matrix(p_iu.T), p_ui, k, column_scale=scale)
        self.n_items_ = data.n_items
        return self

    def _user_rows(self, users: np.ndarray, rows: Any) -> Any:
        # the walk starts from P(i | u); scaling a row does not change its ranking, so the
        # transition probabilities are left unnormalised (linear in the row when alpha = 1)
        rows = sp.csr_matrix(rows, dtype=np.float32)
        return rows if self.alpha == 1 else rows.power(self.alpha)

    def _is_linear(self) -> bool:
        return bool(self.alpha == 1)


class EASEModel(RecommenderModel):
    """EASE: a closed-form linear item-to-item autoencoder (Steck 2019).

    ``B = I - P diag(1 / diag(P))`` with ``P = (X^T X + l2 I)^-1`` on the ``max_items`` most
    popular products (the rest are scored ``-inf``, so they only appear through the fallback).

    Parameters
    ----------
    l2 : float, default 200.0
        Ridge penalty lambda.
    max_items : int, default 5000
        Products kept (by number of customers); bounds the ``O(n^3)`` inversion.
    top_k : int, optional
        Keep only the ``top_k`` largest weights per product (a sparse ``B``); None keeps all.
    weighting : {"raw", "binary", "log1p"}, default "raw"
        How the interaction weights enter ``X`` (at fit and at scoring): as summed
        (event-weighted) values, as 1 for any interaction (Steck's binary EASE), or as
        ``log1p`` of the value (damps repeated views and the purchase weight).
    """

    name = "ease"
    uses_profile = True

    def __init__(
        self,
        l2: float = 200.0,
        max_items: int = 5000,
        top_k: int | None = None,
        weighting: EaseWeighting = "raw",
    ) -> None:
        self.l2 = l2
        self.max_items = max_items
        self.top_k = top_k
        self.weighting = weighting

    def _transform(self, matrix: Any, dtype: Any) -> Any:
        x = sp.csr_matrix(matrix, dtype=dtype, copy=True)
        if self.weighting == "binary":
            x.data[:] = 1.0
        elif self.weighting == "log1p":
            np.log1p(x.data, out=x.data)
        return x

    def fit(self, data: TrainData) -> Self:
        l2 = check_number("EASEModel", "l2", self.l2, strict=True)
        max_items = check_positive_int("EASEModel", "max_items", self.max_items)
        if self.weighting not in ("raw", "binary", "log1p"):
            raise ConfigError(
                f"EASEModel: `weighting={self.weighting!r}` is not allowed; use 'raw', 'binary' or 'log1p'"
            )
        x = self._transform(data.matrix, np.float64)
        degree = np.diff(sp.csc_matrix(x).indptr)
        order = np.argsort(-degree, kind="stable")
        kept = np.sort(order[: min(max_items, int((degree > 0).sum()))])
        xk = sp.csr_matrix(x[:, kept])
        gram = np.asarray((xk.T @ xk).toarray(), dtype=np.float64)
        gram[np.diag_indices_from(gram)] += l2
        precision = np.linalg.inv(gram)
        weights = precision / (-np.diag(precision))[None, :]
        weights[np.diag_indices_from(weights)] = 0.0
        if self.top_k is not None:
            top_k = check_positive_int("EASEModel", "top_k", self.top_k)
            self.weights_: Any = top_k_per_row(weights.astype(np.float32), top_k)
        else:
            self.weights_ = weights.astype(np.float32)
        self.items_ = kept.astype(np.int64)
        self.n_items_ = data.n_items
        self._full_weights: np.ndarray | None = None
        return self

    def _full(self, part: np.ndarray) -> np.ndarray:
        if len(self.items_) == self.n_items_:
            return part
        out = np.full((part.shape[0], self.n_items_), -np.inf, dtype=np.float32)
        out[:, self.items_] = part
        return out

    def _dense_full(self) -> np.ndarray | None:
        """``weights_`` spread over the whole catalogue (zeros elsewhere), when dense and small enough.

        Scoring against it needs no column selection of the customers' rows, and a hybrid merges it
        as a dense matrix. Built on first use, not saved.
        """
        if sp.issparse(self.weights_) or self.n_items_**2 > _DENSE_FULL_LIMIT:
            return None
        if len(self.items_) == self.n_items_:
            return np.asarray(self.weights_)
        cached: np.ndarray | None = getattr(self, "_full_weights", None)
        if cached is None:
            cached = np.zeros((self.n_items_, self.n_items_), dtype=np.float32)
            cached[np.ix_(self.items_, self.items_)] = self.weights_
            self._full_weights = cached
        return cached

    def scoring_terms(self, users: np.ndarray, rows: Any, profile: Any = None) -> ScoringTerms | None:
        self.check_is_fitted()
        weights = self.weights_ if len(self.items_) == self.n_items_ else self._dense_full()
        if weights is None:
            return None
        x = self._transform(rows, np.float32) if self.weighting != "raw" else sp.csr_matrix(rows)
        return [(weighted_rows(x, profile), weights)]

    def score(self, users: np.ndarray, rows: Any, profile: Any = None) -> np.ndarray:
        self.check_is_fitted()
        terms = self.scoring_terms(users, rows, profile)
        if terms is None:  # a catalogue too large for a dense copy: score the kept products only
            x = self._transform(rows, np.float32) if self.weighting != "raw" else sp.csr_matrix(rows)
            x = weighted_rows(x, profile)[:, self.items_]
            product = rows_times_sparse if sp.issparse(self.weights_) else rows_times_dense
            return self._full(product(x, self.weights_))
        ((x, weights),) = terms
        product = rows_times_sparse if sp.issparse(weights) else rows_times_dense
        scores = product(x, weights)
        if len(self.items_) < self.n_items_:  # products left out of the fit are unscored
            unscored = np.ones(self.n_items_, dtype=bool)
            unscored[self.items_] = False
            scores[:, unscored] = -np.inf
        return scores

    def linear_weights(self) -> Any:
        self.check_is_fitted()
        if self.weighting != "raw":
            return None
        if len(self.items_) == self.n_items_:
            return self.weights_
        dense = self._dense_full()
        if dense is not None:
            return dense
        full = sp.lil_matrix((self.n_items_, self.n_items_), dtype=np.float32)
        dense = self.weights_.toarray() if sp.issparse(self.weights_) else self.weights_
        full[np.ix_(self.items_, self.items_)] = dense
        return sp.csr_matrix(full)

    def similar(self, items: np.ndarray) -> np.ndarray | None:
        self.check_is_fitted()
        position = pd.Index(self.items_).get_indexer(pd.Index(items))
        part = np.zeros((len(items), len(self.items_)), dtype=np.float32)
        inside = position >= 0
        if inside.any():
            block = self.weights_[position[inside]]
            part[inside] = block.toarray() if sp.issparse(block) else block
        return self._full(part)

    def to_arrays(self) -> dict[str, np.ndarray]:
        self.check_is_fitted()
        arrays = {"items": self.items_, "n_items": np.asarray([self.n_items_])}
        if sp.issparse(self.weights_):
            arrays.update(csr_to_arrays("weights", self.weights_))
        else:
            arrays["weights"] = self.weights_
        return arrays

    def _load_arrays(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.items_ = np.asarray(arrays["items"], dtype=np.int64)
        self.n_items_ = int(arrays["n_items"][0])
        self.weights_ = arrays["weights"] if "weights" in arrays else csr_from_arrays("weights", arrays)


class SessionModel(_ItemItemModel):
    """Session-based item-to-item: products that appear in the same sessions as the last ones seen.

    Similarity is the cosine of co-occurrence within sessions (``session_id``; else baskets, else
    a customer's day). A customer is scored from their last ``last_n`` distinct products, the most
    recent weighing 1 and each earlier one ``recency_decay`` times the next; an anonymous shopper
    from the products of their current session (:meth:`Recommender.recommend_session`).

    Parameters
    ----------
    k : int, default 100
        Neighbours kept per product.
    last_n : int, default 5
        Most recent distinct products used per customer.
    recency_decay : float, default 0.7
        Weight ratio between consecutive products in the recency list (in (0, 1]).
    """

    name = "session"

    def __init__(self, k: int = 100, last_n: int = 5, recency_decay: float = 0.7) -> None:
        self.k = k
        self.last_n = last_n
        self.recency_decay = recency_decay

    def fit(self, data: TrainData) -> Self:
        k = check_positive_int("SessionModel", "k", self.k)
        last_n = check_positive_int("SessionModel", "last_n", self.last_n)
        decay = check_number("SessionModel", "recency_decay", self.recency_decay, strict=True)
        if decay > 1:
            raise ConfigError(f"SessionModel: `recency_decay={decay}` must be in (0, 1]")
        sessions = data.sessions if data.sessions is not None else (data.matrix > 0).astype(np.float32)
        sessions = sp.csr_matrix(sessions, dtype=np.float32)
        norms = np.sqrt(np.asarray(sessions.sum(axis=0), dtype=np.float64).ravel())
        self.similarity_ = item_item_top_k(sessions, sessions, k, norms=norms)
        self.recent_ = recency_matrix(data, last_n, decay)
        self.n_items_ = data.n_items
        return self

    def _user_rows(self, users: np.ndarray, rows: Any) -> Any:
        known = users >= 0
        if known.all():
            return self.recent_[users]
        recent = self.recent_[np.where(known, users, 0)]
        keep_recent = sp.diags(known.astype(np.float32))
        keep_given = sp.diags((~known).astype(np.float32))
        return sp.csr_matrix(keep_recent @ recent + keep_given @ sp.csr_matrix(rows, dtype=np.float32))

    def to_arrays(self) -> dict[str, np.ndarray]:
        arrays = super().to_arrays()
        arrays.update(csr_to_arrays("recent", self.recent_))
        return arrays

    def _load_arrays(self, arrays: Mapping[str, np.ndarray]) -> None:
        super()._load_arrays(arrays)
        self.recent_ = csr_from_arrays("recent", arrays)


def recency_matrix(data: TrainData, last_n: int, decay: float) -> Any:
    """Customers x products: the last ``last_n`` distinct products, weighted ``decay ** position``."""
    frame = pd.DataFrame({"user": data.user[data.order], "item": data.item[data.order]})
    frame = frame.drop_duplicates(["user", "item"], keep="last")
    position = frame.groupby("user", sort=False).cumcount(ascending=False).to_numpy()
    keep = position < last_n
    return sp.csr_matrix(
        (
            np.power(decay, position[keep]).astype(np.float32),
            (frame["user"].to_numpy()[keep], frame["item"].to_numpy()[keep]),
        ),
        shape=(data.n_users, data.n_items),
    )
