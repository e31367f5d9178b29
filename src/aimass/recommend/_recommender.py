"""The front door: :class:`Recommender` fits a model on an interaction log and serves top-``n`` lists."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from aimass.exceptions import ConfigError, NotFittedError, SchemaError
from aimass.recommend._base import RecommenderModel
from aimass.recommend._data import (
    DEFAULT_EVENT_WEIGHTS,
    Encoded,
    build_train_data,
    encode_interactions,
    recency_factors,
    recency_ranks,
    validate_interactions,
)
from aimass.recommend._kernels import kernel_threads, top_per_row
from aimass.recommend._models import MODEL_NAMES, make_model
from aimass.recommend._neighbours import PopularModel, item_item_top_k
from aimass.recommend._rules import Catalog, Rules, seen_matrix, select_top_n

__all__ = ["Recommender"]

_BATCH = 2048
_SEGMENT_COLUMNS = ("segment", "segment_name", "segment_id")
_STOCK_COLUMNS = ("in_stock", "stock", "stock_quantity")


class Recommender:
    """Recommendations for customers, anonymous sessions and products, from one interaction log.

    Parameters
    ----------
    model : str, default "auto"
        One of :data:`~aimass.recommend.MODEL_NAMES`: ``"popular"``, ``"itemknn"``, ``"ease"``,
        ``"rp3beta"``, ``"als"``, ``"bpr"``, ``"content"`` (needs ``products``), ``"session"``,
        ``"hybrid"`` (a blend with weights learned on validation data) or ``"auto"``: hold out
        each customer's most recent interaction, tune every candidate model on its grid
        (:func:`~aimass.recommend.default_grid`), try a learned blend of the best three, and keep
        the winner by NDCG@10 (see ``selection_``).
    random_state : int, default 0
        Seeds everything random (factor models, the validation sample).
    event_weights : mapping of str to float, optional
        Weight per ``event_type``, merged over the defaults ``view 1, add_to_cart 3, cart 3,
        purchase 5``; types not listed weigh 1.
    half_life_days : float, optional
        Time decay of interaction weights (needs ``occurred_at``); None = no decay.
    profile_recency : float, optional
        Weight a customer's recent products more when scoring them (not when learning): the
        product touched ``i`` products ago (0 = the latest) counts ``1 / (1 + i / profile_recency)``
        times its interaction weight. None = every product counts its weight. ``"auto"`` tries
        None, 1, 3, 10 and 30 for each model that scores from the customer's products.
    rules : Rules, optional
        Default business rules for :meth:`recommend` (a call can pass its own).
    candidates : tuple of str, optional
        Models ``"auto"`` compares; default ``("popular", "itemknn", "ease", "rp3beta", "als",
        "session")`` (EASE on raw, binary and ``log1p`` interaction weights).
    grid : mapping of str to list of dict, optional
        Tuning grid per candidate for ``"auto"``; default :func:`~aimass.recommend.default_grid`.
    validation_users : int, default 2000
        Customers sampled for the validation of ``"auto"`` and ``"hybrid"``.
    **params
        Parameters of the chosen model (e.g. ``l2=300`` for ``"ease"``).

    Attributes
    ----------
    model_ : RecommenderModel
        The fitted model.
    model_name_ : str
        Its name (for ``"auto"``, the winner).
    params_ : dict
        Its parameters.
    selection_ : dict
        For ``"auto"`` and ``"hybrid"``: ``model``, ``params``, ``metric`` and ``table`` (a
        DataFrame of every candidate with its validation metrics); empty otherwise.
    user_ids_, item_ids_ : numpy.ndarray of str
        Customers and products known to the model.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "b", "c"],
    ...     "product_id": ["x", "y", "x", "y", "x"],
    ... })
    >>> rec = Recommender("itemknn").fit(log)
    >>> rec.recommend(["c", "new"], n=1)
      customer_id product_id     score  rank
    0           c          y  0.816497     1
    1         new          x  0.600000     1
    """

    #: Set by model selection on its candidates: the validated log and matrices they share.
    _shared: dict[Any, Any] | None = None

    def __init__(
        self,
        model: str = "auto",
        random_state: int = 0,
        *,
        event_weights: Mapping[str, float] | None = None,
        half_life_days: float | None = None,
        profile_recency: float | None = None,
        rules: Rules | None = None,
        candidates: tuple[str, ...] | None = None,
        grid: Mapping[str, list[dict[str, Any]]] | None = None,
        validation_users: int = 2000,
        **params: Any,
    ) -> None:
        self.model = model
        self.random_state = random_state
        self.event_weights = event_weights
        self.half_life_days = half_life_days
        self.profile_recency = profile_recency
        self.rules = rules
        self.candidates = candidates
        self.grid = grid
        self.validation_users = validation_users
        self.params = params

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments (model parameters flattened in)."""
        out = {
            "model": self.model,
            "random_state": self.random_state,
            "event_weights": self.event_weights,
            "half_life_days": self.half_life_days,
            "profile_recency": self.profile_recency,
            "rules": self.rules,
            "candidates": self.candidates,
            "grid": self.grid,
            "validation_users": self.validation_users,
        }
        out.update(self.params)
        return out

    # ------------------------------------------------------------------ fitting

    def _weights(self) -> dict[str, float]:
        weights = dict(DEFAULT_EVENT_WEIGHTS)
        if self.event_weights is not None:
            if not isinstance(self.event_weights, Mapping):
                raise ConfigError(
                    f"`event_weights` must map event types to weights, got {self.event_weights!r}"
                )
            weights.update({str(k): v for k, v in self.event_weights.items()})
        return weights

    def _check_params(self) -> None:
        if self.model not in MODEL_NAMES:
            raise ConfigError(f"unknown recommendation `model={self.model!r}`; allowed: {list(MODEL_NAMES)}")
        if isinstance(self.random_state, bool) or not isinstance(self.random_state, (int, np.integer)):
            raise ConfigError(f"`random_state={self.random_state!r}` must be an integer")
        if (
            isinstance(self.validation_users, bool)
            or not isinstance(self.validation_users, int)
            or self.validation_users < 1
        ):
            raise ConfigError(f"`validation_users={self.validation_users!r}` must be an integer >= 1")
        if self.profile_recency is not None:
            _check_recency(self.profile_recency)
        if self.model == "auto" and self.params:
            raise ConfigError(
                f"model='auto' tunes its own parameters; got model parameters {sorted(self.params)} "
                "(use grid= to change what it tries)"
            )

    def fit(
        self,
        interactions: pd.DataFrame,
        products: pd.DataFrame | None = None,
        segments: pd.DataFrame | None = None,
    ) -> Self:
        """Fit on an interaction log.

        Parameters
        ----------
        interactions : pandas.DataFrame
            Columns ``customer_id``, ``product_id`` and optionally ``occurred_at`` (timestamps),
            ``weight`` (non-negative), ``event_type`` (``view`` / ``add_to_cart`` / ``purchase``
            ..., weighted by ``event_weights``), ``session_id`` (rows of anonymous sessions may
            lack ``customer_id``; the session model learns from them) and ``order_id`` (baskets
            for :meth:`complements`). Exact duplicate rows count once.
        products : pandas.DataFrame, optional
            ``product_id`` and attributes (``name, category, subcategory, brand, price,
            description``, stock): the content model, category and price rules, and cold-start
            products (catalogue products nobody interacted with become recommendable).
        segments : pandas.DataFrame, optional
            ``customer_id`` and ``segment`` (or ``segment_name`` / ``segment_id``): the
            popularity fallback per segment, also for customers without interactions.

        Returns
        -------
        self

        Raises
        ------
        SchemaError
            For a log with unknown or missing columns or no usable rows, or bad frames.
        ConfigError
            For bad parameters.
        """
        self._check_params()
        # model selection fits many candidates on one log: it shares the validated log and the
        # matrices built from it through ``_shared`` (not a parameter; never set by users)
        shared = self._shared
        if shared is not None and shared.get("log") is interactions:
            frame = shared["frame"]
        else:
            frame = validate_interactions(interactions)
            if shared is not None:
                shared.clear()
                shared.update({"log": interactions, "frame": frame})
        weights = self._weights()
        name, params = self.model, dict(self.params)
        self.selection_: dict[str, Any] = {}
        if name in ("auto", "hybrid"):
            from aimass.recommend._selection import learn_hybrid, select_model

            if name == "auto":
                name, params, self.selection_ = select_model(self, frame, products, segments)
            elif params.get("weights") is None:
                params, self.selection_ = learn_hybrid(self, frame, products, segments, params)
        from aimass.recommend._selection import RECOMMENDER_KEYS

        half_life = self.half_life_days
        if "half_life_days" in params:
            half_life = params.pop("half_life_days")
        if "event_weights" in params:
            weights.update(params.pop("event_weights") or {})
        recency = self.profile_recency
        if "profile_recency" in params:
            recency = _check_recency(params.pop("profile_recency"))
        self.profile_recency_ = recency
        self.half_life_days_ = half_life
        self.event_weights_ = weights
        assert not set(params) & set(RECOMMENDER_KEYS)
        self._fit_final(frame, products, segments, name, params, weights)
        return self

    def _fit_final(
        self,
        frame: pd.DataFrame,
        products: pd.DataFrame | None,
        segments: pd.DataFrame | None,
        name: str,
        params: dict[str, Any],
        weights: Mapping[str, float],
    ) -> None:
        shared = self._shared
        key = (
            "prepared",
            repr(sorted(weights.items())),
            self.half_life_days_,
            int(self.random_state),
            id(products),
            id(segments),
        )
        if shared is not None and key in shared:
            encoded, item_frame, data, catalog, popularity, complements, cache = shared[key]
            self._set_segments(segments, encoded.user_ids)
        else:
            catalogue_ids = None
            if products is not None:
                products = _check_products(products)
                catalogue_ids = products["product_id"].to_numpy(dtype=str)
            encoded = encode_interactions(frame, event_weights=weights, item_ids=catalogue_ids)
            if not len(encoded.user_ids):
                raise SchemaError(
                    "interactions have no rows with a customer_id; there is no customer to learn from"
                )
            item_frame = None
            if products is not None:
                item_frame = products.set_index("product_id").reindex(encoded.item_ids).reset_index()
            self._set_segments(segments, encoded.user_ids)
            data = build_train_data(
                frame,
                encoded,
                half_life_days=self.half_life_days_,
                item_frame=item_frame,
                user_segment=self.user_segment_,
                n_segments=len(self.segment_names_),
                random_state=int(self.random_state),
            )
            catalog = _catalog(encoded.item_ids, item_frame)
            popularity = PopularModel(by_segment=True).fit(data).popularity_
            complements = _co_purchase(frame, encoded)
            cache = {}
            if shared is not None:
                shared[key] = (encoded, item_frame, data, catalog, popularity, complements, cache)
        self.model_: RecommenderModel = make_model(name, params).fit(data)
        self.model_name_ = name
        self.params_ = dict(params)
        self.user_ids_ = encoded.user_ids
        self.item_ids_ = encoded.item_ids
        self.event_types_ = encoded.event_types
        self.matrix_ = data.matrix
        self.history_ = {
            "user": encoded.user,
            "item": encoded.item,
            "event": encoded.event,
            "time": encoded.time,
        }
        self.catalog_ = catalog
        self.popularity_ = popularity
        self.complements_ = complements
        self.item_similarity_ = None
        if self.model_.similar(np.zeros(1, dtype=np.int64)) is None:
            binary = sp.csr_matrix((data.matrix > 0).astype(np.float32))
            norms = np.sqrt(np.asarray(binary.sum(axis=0), dtype=np.float64).ravel())
            self.item_similarity_ = item_item_top_k(binary, binary, 100, norms=norms)
        # derived serving structures (seen matrices, recency ranks and factors), shared by the
        # candidates of a model selection
        self._cache: dict[Any, Any] = cache
        self._item_object_ids: np.ndarray | None = None
        self._seen(self.rules or Rules())  # ready for serving with the default rules

    def _set_segments(self, segments: pd.DataFrame | None, user_ids: np.ndarray) -> None:
        if segments is None:
            self.segment_names_ = np.zeros(0, dtype=str)
            self.segment_customers_ = np.zeros(0, dtype=str)
            self.segment_codes_ = np.zeros(0, dtype=np.int32)
            self.user_segment_ = np.full(len(user_ids), -1, dtype=np.int32)
            return
        if not isinstance(segments, pd.DataFrame) or "customer_id" not in segments.columns:
            raise SchemaError(
                "segments must be a DataFrame with customer_id and segment (or segment_name / segment_id)"
            )
        column = next((c for c in _SEGMENT_COLUMNS if c in segments.columns), None)
        if column is None:
            raise SchemaError(
                f"segments need one of the columns {list(_SEGMENT_COLUMNS)}; got {list(segments.columns)}"
            )
        table = segments[["customer_id", column]].dropna().drop_duplicates("customer_id", keep="last")
        customers = table["customer_id"].astype(str).to_numpy(dtype=str)
        labels = table[column].astype(str).to_numpy(dtype=str)
        names, codes = np.unique(labels, return_inverse=True)
        order = np.argsort(customers, kind="stable")
        self.segment_names_ = names
        self.segment_customers_ = customers[order]
        self.segment_codes_ = codes[order].astype(np.int32)
        self.user_segment_ = self._segment_of(user_ids)

    def _segment_of(self, customer_ids: np.ndarray) -> np.ndarray:
        """Segment code of each customer id (-1 unknown)."""
        if not len(self.segment_customers_):
            return np.full(len(customer_ids), -1, dtype=np.int32)
        position = np.searchsorted(self.segment_customers_, customer_ids).clip(
            0, len(self.segment_customers_) - 1
        )
        found = self.segment_customers_[position] == customer_ids
        return np.where(found, self.segment_codes_[position], -1).astype(np.int32)

    def _profile(self, codes: np.ndarray) -> Any:
        """Recency multipliers of the customers' training rows (None without ``profile_recency``).

        ``codes`` of unknown customers (-1) must have been replaced by a valid row beforehand; their
        rows are scored from their own interactions, not from these.
        """
        recency = self.profile_recency_
        if recency is None or not self.model_.uses_profile:
            return None
        key = ("profile", recency)
        if key not in self._cache:
            self._cache[key] = recency_factors(self._recency_ranks(), recency)
        return self._cache[key][codes]

    def _recency_ranks(self) -> Any:
        """:func:`~aimass.recommend._data.recency_ranks` of the fitted history, cached.

        On exactly the stored cells of the training matrix (so profile rows multiply value by
        value); computed from the fitted history on first use.
        """
        self._check_fitted()
        if "recency_ranks" not in self._cache:
            history = self.history_
            ranks = recency_ranks(history["user"], history["item"], history["time"], self.matrix_.shape)
            self._cache["recency_ranks"] = _aligned(ranks, self.matrix_)
        return self._cache["recency_ranks"]

    # ------------------------------------------------------------------ serving

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("this Recommender is not fitted yet; call fit(interactions) first")

    def _user_codes(self, customer_ids: np.ndarray) -> np.ndarray:
        position = np.searchsorted(self.user_ids_, customer_ids).clip(0, len(self.user_ids_) - 1)
        return np.where(self.user_ids_[position] == customer_ids, position, -1).astype(np.int64)

    def _seen(self, rules: Rules) -> Any:
        key = repr((rules.seen_event_types, rules.seen_window_days, rules.repeat_categories))
        if key not in self._cache:
            self._cache[key] = seen_matrix(
                self.history_, self.matrix_.shape, rules, self.catalog_, self.event_types_
            )
        return self._cache[key]

    def recommend(
        self,
        customer_ids: Iterable[Any] | None = None,
        n: int = 10,
        filter_seen: bool = True,
        items: Collection[Any] | None = None,
        rules: Rules | None = None,
        n_jobs: int | None = None,
    ) -> pd.DataFrame:
        """Top-``n`` products for each customer, under the business rules.

        Parameters
        ----------
        customer_ids : iterable of str, optional
            Customers to serve; None = every customer seen in training. Unknown customers get
            their segment's popular products (segments given to ``fit``), else the global ones.
        n : int, default 10
            List length. Fewer only when fewer products pass the item rules at all.
        filter_seen : bool, default True
            Leave out products the customer already interacted with (which interactions count is
            set by ``rules.seen_event_types`` / ``seen_window_days`` / ``repeat_categories``).
        items : collection of str, optional
            Only recommend from these product ids.
        rules : Rules, optional
            Business rules for this call; default the constructor's ``rules``.
        n_jobs : int, optional
            Threads that score blocks of 2,048 customers in parallel (BLAS is held to one thread
            meanwhile); None = the CPUs this process may use, at most 8. 1 = no threads.

        Returns
        -------
        pandas.DataFrame
            ``customer_id, product_id, score, rank`` (rank 1 = best; ``score`` is the model's
            score, or the popularity share for fallback slots), in the order of ``customer_ids``.
        """
        self._check_fitted()
        n = _check_n(n)
        rules = rules if rules is not None else (self.rules or Rules())
        rules.check()
        ids = self.user_ids_ if customer_ids is None else _as_ids(customer_ids, "customer_ids")
        codes = self._user_codes(ids)
        segment = self._segment_of(ids)
        allowed = self.catalog_.allowed(rules, items)
        seen_all = self._seen(rules) if filter_seen else None
        jobs = _check_jobs(n_jobs)

        def batch(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            users = codes[start : start + _BATCH]
            seg = segment[start : start + _BATCH]
            known = users >= 0
            safe = np.where(known, users, 0)
            rows = self.matrix_[safe]
            profile = self._profile(safe)
            has_rows = known & (np.diff(rows.indptr) > 0)
            if has_rows.all():
                scores = np.asarray(self.model_.score(users, rows, profile=profile), dtype=np.float32)
            else:
                scores = np.full((len(users), len(self.item_ids_)), -np.inf, dtype=np.float32)
                if has_rows.any():
                    picked = np.flatnonzero(has_rows)
                    scores[has_rows] = self.model_.score(
                        users[has_rows], rows[picked], profile=None if profile is None else profile[picked]
                    )
            seen = None if seen_all is None else _rows_or_empty(seen_all, users)
            return select_top_n(
                scores,
                n,
                allowed=allowed,
                seen=seen,
                fallback=partial(_fallback_rows, self.popularity_, seg),
                rules=rules,
                catalog=self.catalog_,
                zero_is_unscored=self.model_.zero_is_unscored,
            )

        starts = list(range(0, len(ids), _BATCH))
        if jobs > 1 and len(starts) > 1:
            # the compiled kernels (scoring products, top-n selection) and BLAS release the GIL,
            # so batches run in parallel threads; BLAS is pinned to one thread to not oversubscribe
            from concurrent.futures import ThreadPoolExecutor

            from threadpoolctl import threadpool_limits

            with threadpool_limits(1), ThreadPoolExecutor(min(jobs, len(starts))) as pool:
                outputs = list(pool.map(batch, starts))
        elif jobs > 1:  # one block: its kernels split the block's rows over the threads instead
            with kernel_threads(jobs):
                outputs = [batch(start) for start in starts]
        else:
            outputs = [batch(start) for start in starts]
        return self._frame("customer_id", ids, outputs, n)

    def recommend_session(
        self,
        product_ids: Iterable[Any],
        n: int = 10,
        items: Collection[Any] | None = None,
        rules: Rules | None = None,
        recency_decay: float = 0.7,
    ) -> pd.DataFrame:
        """Top-``n`` products for an anonymous shopper from the products they just looked at.

        Parameters
        ----------
        product_ids : iterable of str
            Products viewed in the session, oldest first (the last weighs 1, each earlier one
            ``recency_decay`` times the next). They are not recommended back.
        n, items, rules
            As in :meth:`recommend`.
        recency_decay : float, default 0.7
            Weight ratio between consecutive viewed products.

        Returns
        -------
        pandas.DataFrame
            ``product_id, score, rank``; global popularity fills what the model cannot.
        """
        self._check_fitted()
        n = _check_n(n)
        rules = rules if rules is not None else (self.rules or Rules())
        rules.check()
        viewed = _as_ids(product_ids, "product_ids")
        codes = np.searchsorted(self.item_ids_, viewed).clip(0, len(self.item_ids_) - 1)
        found = self.item_ids_[codes] == viewed
        codes = codes[found]
        weights = np.power(float(recency_decay), np.arange(len(codes))[::-1])
        row = sp.csr_matrix(
            (weights.astype(np.float32), (np.zeros(len(codes), dtype=np.int64), codes)),
            shape=(1, len(self.item_ids_)),
        )
        row.sum_duplicates()
        scores = np.full((1, len(self.item_ids_)), -np.inf, dtype=np.float32)
        if row.nnz:
            scores = np.asarray(self.model_.score(np.array([-1]), row), dtype=np.float32).reshape(1, -1)
        seen = sp.csr_matrix((np.ones(row.nnz, np.float32), row.indices, [0, row.nnz]), shape=row.shape)
        out = select_top_n(
            scores,
            n,
            allowed=self.catalog_.allowed(rules, items),
            seen=seen,
            fallback=lambda r: self.popularity_[np.zeros(len(r), dtype=np.int64)],
            rules=rules,
            catalog=self.catalog_,
            zero_is_unscored=self.model_.zero_is_unscored,
        )
        frame = self._frame("session", np.array(["session"]), [out], n)
        return frame.drop(columns="session").reset_index(drop=True)

    def _frame(
        self, key: str, ids: np.ndarray, outputs: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n: int
    ) -> pd.DataFrame:
        if not outputs:
            return pd.DataFrame(
                {
                    key: pd.Series([], dtype=object),
                    "product_id": pd.Series([], dtype=object),
                    "score": pd.Series([], dtype="float64"),
                    "rank": pd.Series([], dtype="int64"),
                }
            )
        items = np.concatenate([o[0] for o in outputs])
        values = np.concatenate([o[1] for o in outputs])
        valid = np.concatenate([o[2] for o in outputs])
        width = items.shape[1]
        if valid.all():
            owner = np.repeat(np.arange(len(ids)), width)
            item_codes = items.ravel()
            picked = values.ravel()
            rank = np.tile(np.arange(1, width + 1, dtype=np.int64), len(ids))
        else:
            owner = np.repeat(np.arange(len(ids)), valid.sum(axis=1))
            item_codes = items[valid]
            picked = values[valid]
            rank = np.broadcast_to(np.arange(1, width + 1, dtype=np.int64), valid.shape)[valid]
        return pd.DataFrame(
            {
                key: _string_column(pa.array(ids, type=pa.string()).take(owner)),
                "product_id": _string_column(self._item_values().take(item_codes)),
                "score": np.round(picked.astype(np.float64), 6),
                "rank": rank,
            }
        )

    def _item_values(self) -> Any:
        """The product ids as an Arrow string array (cached: the output frames take from it)."""
        cached = getattr(self, "_item_object_ids", None)
        if cached is None:
            cached = pa.array(self.item_ids_, type=pa.string())
            self._item_object_ids = cached
        return cached

    def similar_items(self, product_ids: Iterable[Any], n: int = 10) -> pd.DataFrame:
        """The ``n`` products most similar to each given product (by the model's item representation).

        Parameters
        ----------
        product_ids : iterable of str
            Anchor products; unknown ones are left out.
        n : int, default 10

        Returns
        -------
        pandas.DataFrame
            ``product_id, similar_product_id, score, rank``.
        """
        self._check_fitted()
        n = _check_n(n)
        anchors, codes = self._item_codes(product_ids)
        parts = []
        for start in range(0, len(codes), _BATCH):
            batch = codes[start : start + _BATCH]
            rows = self.model_.similar(batch)
            if rows is None:
                assert self.item_similarity_ is not None
                rows = np.asarray(self.item_similarity_[batch].toarray(), dtype=np.float32)
            rows = np.array(rows, dtype=np.float32, copy=True)
            rows[np.arange(len(batch)), batch] = -np.inf
            rows[rows == 0] = -np.inf
            parts.append(rows)
        return self._pairs(anchors, codes, parts, n, "similar_product_id")

    def complements(
        self, product_ids: Iterable[Any], n: int = 10, exclude_same_subcategory: bool = True
    ) -> pd.DataFrame:
        """Products bought together with each given product ("complete the look").

        Scored by the cosine of co-purchase counts within baskets (``order_id``; else purchases
        of one customer at one time; else one customer's purchases).

        Parameters
        ----------
        product_ids : iterable of str
            Anchor products; unknown ones are left out.
        n : int, default 10
        exclude_same_subcategory : bool, default True
            Leave out products of the anchor's own subcategory (a second shirt does not complete
            a shirt).

        Returns
        -------
        pandas.DataFrame
            ``product_id, complement_product_id, score, rank``; fewer than ``n`` rows per anchor
            when fewer products were ever bought with it.
        """
        self._check_fitted()
        n = _check_n(n)
        anchors, codes = self._item_codes(product_ids)
        rows = (
            np.asarray(self.complements_[codes].toarray(), dtype=np.float32)
            if len(codes)
            else np.zeros((0, len(self.item_ids_)), np.float32)
        )
        rows[rows == 0] = -np.inf
        if exclude_same_subcategory and len(codes):
            sub = self.catalog_.subcategory
            same = (sub[None, :] == sub[codes][:, None]) & (sub[codes][:, None] >= 0)
            rows[same] = -np.inf
        return self._pairs(anchors, codes, [rows], n, "complement_product_id")

    def _item_codes(self, product_ids: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
        wanted = _as_ids(product_ids, "product_ids")
        position = np.searchsorted(self.item_ids_, wanted).clip(0, len(self.item_ids_) - 1)
        found = self.item_ids_[position] == wanted
        return wanted[found], position[found].astype(np.int64)

    def _pairs(
        self, anchors: np.ndarray, codes: np.ndarray, parts: list[np.ndarray], n: int, column: str
    ) -> pd.DataFrame:
        rows = np.concatenate(parts) if parts else np.zeros((0, len(self.item_ids_)), np.float32)
        width = min(n, rows.shape[1])
        if not len(rows) or width == 0:
            return pd.DataFrame({"product_id": [], column: [], "score": [], "rank": []}).astype(
                {"product_id": object, column: object, "score": "float64", "rank": "int64"}
            )
        # best first, equal scores in column order (as a stable sort); -inf and NaN never picked
        top, values = top_per_row(rows, width)
        valid = np.isfinite(values)
        owner = np.repeat(np.arange(len(anchors)), width).reshape(len(anchors), width)
        rank = np.tile(np.arange(1, width + 1), (len(anchors), 1))
        return pd.DataFrame(
            {
                "product_id": anchors[owner[valid]].astype(object),
                column: self.item_ids_[top[valid]].astype(object),
                "score": np.round(values[valid].astype(np.float64), 6),
                "rank": rank[valid].astype(np.int64),
            }
        )

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | Path) -> Path:
        """Save the fitted recommender to a folder: ``manifest.json`` + ``arrays.npz`` (no pickle).

        Returns
        -------
        pathlib.Path
            The folder.
        """
        from aimass.recommend._io import save_recommender

        self._check_fitted()
        return save_recommender(self, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> Recommender:
        """Load a recommender saved by :meth:`save` (hashes are verified; arrays load without pickle).

        Raises
        ------
        SchemaError
            If the folder is not a saved recommender or a file does not match its hash.
        """
        from aimass.recommend._io import load_recommender

        return load_recommender(Path(path))


def _fallback_rows(popularity: np.ndarray, segment: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Fallback scores of batch rows: their segment's popularity (row 0 = global for no segment)."""
    out: np.ndarray = popularity[segment[rows] + 1]
    return out


def _check_jobs(n_jobs: Any) -> int:
    if n_jobs is None:
        try:
            available = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            available = os.cpu_count() or 1
        return max(1, min(8, available))
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise ConfigError(f"`n_jobs={n_jobs!r}` must be an integer >= 1 or None")
    return int(n_jobs)


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"`n={n!r}` must be an integer >= 1")
    return int(n)


def _as_ids(values: Iterable[Any], name: str) -> np.ndarray:
    """The ids as a numpy string array (each value as ``str`` gives it)."""
    if isinstance(values, str):
        raise ConfigError(f"`{name}` must be a list of ids, not the single string {values!r}")
    if isinstance(values, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        values = np.asarray(values, dtype=object)
    if isinstance(values, np.ndarray) and values.ndim == 1:
        if values.dtype.kind == "U":
            return values
        if values.dtype == object:
            return values.astype(str)
    return np.asarray([str(v) for v in values], dtype=str)


def _rows_or_empty(matrix: Any, users: np.ndarray) -> Any:
    """The CSR rows of ``users`` in ``matrix``, empty for unknown users (code -1)."""
    known = users >= 0
    rows = matrix[np.where(known, users, 0)]
    if known.all():
        return rows
    lengths = np.diff(rows.indptr)
    keep = np.repeat(known, lengths)
    indptr = np.zeros(len(users) + 1, dtype=rows.indptr.dtype)
    np.cumsum(np.where(known, lengths, 0), out=indptr[1:])
    return sp.csr_matrix((rows.data[keep], rows.indices[keep], indptr), shape=rows.shape)


def _string_column(values: Any) -> Any:
    """An Arrow string array as the pandas column type pandas gives strings (``str``)."""
    return pd.array(values, dtype="str")


def _check_products(products: Any) -> pd.DataFrame:
    if not isinstance(products, pd.DataFrame) or "product_id" not in products.columns:
        raise SchemaError(
            "products must be a DataFrame with a product_id column (and name, category, price, ...)"
        )
    frame = products.dropna(subset=["product_id"]).copy()
    frame["product_id"] = frame["product_id"].astype(str)
    return frame.drop_duplicates("product_id", keep="last")


def _catalog(item_ids: np.ndarray, item_frame: pd.DataFrame | None) -> Catalog:
    n = len(item_ids)

    def codes(column: str) -> tuple[np.ndarray, np.ndarray]:
        if item_frame is None or column not in item_frame.columns:
            return np.full(n, -1, dtype=np.int32), np.zeros(0, dtype=str)
        values = item_frame[column]
        present = values.notna().to_numpy()
        names, inverse = np.unique(values[present].astype(str).to_numpy(dtype=str), return_inverse=True)
        out = np.full(n, -1, dtype=np.int32)
        out[present] = inverse
        return out, names

    category, categories = codes("category")
    subcategory, subcategories = codes("subcategory")
    price = np.full(n, np.nan)
    in_stock = np.ones(n, dtype=bool)
    if item_frame is not None:
        if "price" in item_frame.columns:
            price = pd.to_numeric(item_frame["price"], errors="coerce").to_numpy("float64")
        column = next((c for c in _STOCK_COLUMNS if c in item_frame.columns), None)
        if column == "in_stock":
            in_stock = item_frame["in_stock"].fillna(True).astype(bool).to_numpy()
        elif column is not None:
            in_stock = ~(pd.to_numeric(item_frame[column], errors="coerce").fillna(1) <= 0).to_numpy()
    return Catalog(item_ids, category, categories, subcategory, subcategories, price, in_stock)


def _co_purchase(frame: pd.DataFrame, encoded: Encoded, k: int = 50) -> Any:
    """Items x items cosine of co-purchase counts within baskets, top ``k`` per item."""
    purchases = np.ones(len(encoded.user), dtype=bool)
    if len(encoded.event_types) and "purchase" in encoded.event_types:
        purchases = encoded.event == int(np.searchsorted(encoded.event_types, "purchase"))
    user = encoded.user.astype(np.int64)
    if encoded.basket is not None:
        keys = np.where(encoded.basket >= 0, encoded.basket.astype(np.int64), -1 - user)
    elif encoded.has_time:
        keys = pd.MultiIndex.from_arrays([user, encoded.time]).factorize()[0]
    else:
        keys = user
    basket_codes = pd.factorize(keys[purchases])[0]
    n_items = len(encoded.item_ids)
    if not len(basket_codes):
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    baskets = sp.csr_matrix(
        (np.ones(len(basket_codes), np.float32), (basket_codes, encoded.item[purchases])),
        shape=(int(basket_codes.max()) + 1, n_items),
    )
    baskets.sum_duplicates()
    baskets.data[:] = 1.0
    sizes = np.diff(baskets.indptr)
    baskets = baskets[np.flatnonzero(sizes > 1)]
    norms = np.sqrt(np.asarray(baskets.sum(axis=0), dtype=np.float64).ravel())
    return item_item_top_k(baskets, baskets, k, norms=norms)


def _aligned(ranks: Any, matrix: Any) -> Any:
    """``ranks`` on exactly the stored cells of ``matrix`` (so rows multiply value by value)."""
    pattern = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    pattern.data[:] = 1.0
    aligned = sp.csr_matrix(pattern.multiply(ranks), dtype=np.float32)
    aligned.sort_indices()
    return aligned


def _check_recency(value: Any) -> float:
    """Validate ``profile_recency`` (a number > 0)."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not np.isfinite(value) or value <= 0:
        raise ConfigError(
            f"`profile_recency={value!r}` must be a number > 0 (products), or None for no recency weighting"
        )
    return float(value)
