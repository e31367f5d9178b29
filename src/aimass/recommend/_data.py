"""Interaction logs: validation, id encoding and the weighted customer x product matrix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from aimass.exceptions import ConfigError, SchemaError

__all__ = [
    "DEFAULT_EVENT_WEIGHTS",
    "INTERACTION_COLUMNS",
    "Encoded",
    "TrainData",
    "build_train_data",
    "csr_from_arrays",
    "csr_to_arrays",
    "encode_interactions",
    "recency_factors",
    "recency_ranks",
    "top_k_per_row",
    "validate_interactions",
]

#: Weight of one interaction of each event type (``add_to_cart`` and ``cart`` are the same thing).
DEFAULT_EVENT_WEIGHTS: dict[str, float] = {
    "view": 1.0,
    "add_to_cart": 3.0,
    "cart": 3.0,
    "purchase": 5.0,
}

#: Columns an interaction log may have (the first two are required).
INTERACTION_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "product_id",
    "occurred_at",
    "weight",
    "event_type",
    "session_id",
    "order_id",
)

_SECONDS_PER_DAY = 86_400.0


def validate_interactions(interactions: Any) -> pd.DataFrame:
    """Check an interaction log and return a clean copy.

    Rows without a product, or without both customer and session, are dropped; times become
    tz-aware UTC. (Exact duplicate rows are dropped when the log is encoded.)

    Raises
    ------
    SchemaError
        If it is not a DataFrame, has unknown or missing columns, no usable rows, bad weights or
        times that are not timestamps.
    """
    if not isinstance(interactions, pd.DataFrame):
        raise SchemaError(
            f"interactions must be a pandas DataFrame with columns customer_id, product_id and "
            f"optionally {list(INTERACTION_COLUMNS[2:])}; got {type(interactions).__name__}"
        )
    unknown = [c for c in interactions.columns if c not in INTERACTION_COLUMNS]
    if unknown:
        raise SchemaError(
            f"interactions have unknown column(s) {unknown}; allowed: {list(INTERACTION_COLUMNS)}"
        )
    missing = [c for c in ("customer_id", "product_id") if c not in interactions.columns]
    if missing:
        raise SchemaError(f"interactions lack required column(s) {missing}; got {list(interactions.columns)}")
    frame = interactions.copy()
    if "session_id" not in frame.columns:
        frame = frame[frame["customer_id"].notna()]
    else:
        frame = frame[frame["customer_id"].notna() | frame["session_id"].notna()]
    frame = frame[frame["product_id"].notna()]
    if frame.empty:
        raise SchemaError("interactions have no rows with a customer_id (or session_id) and a product_id")
    if "occurred_at" in frame.columns:
        times = frame["occurred_at"]
        if not pd.api.types.is_datetime64_any_dtype(times):
            try:
                times = pd.to_datetime(times, utc=True)
            except (TypeError, ValueError) as exc:
                raise SchemaError(
                    f"column 'occurred_at' must hold timestamps, got dtype {frame['occurred_at'].dtype}"
                ) from exc
        elif getattr(times.dt, "tz", None) is None:
            times = times.dt.tz_localize("UTC")
        frame["occurred_at"] = times
        if frame["occurred_at"].isna().any():
            raise SchemaError("column 'occurred_at' has missing times; every interaction needs one")
    if "weight" in frame.columns:
        weight = pd.to_numeric(frame["weight"], errors="coerce").astype("float64")
        if weight.isna().any() or bool((weight < 0).any()):
            raise SchemaError("column 'weight' must hold non-negative numbers without missing values")
        frame["weight"] = weight
    return frame.reset_index(drop=True)


def factorize_sorted(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the sorted distinct values (as strings) of a column; -1 for missing values."""
    codes, uniques = pd.factorize(pd.Series(values), sort=False)
    names = np.asarray(pd.Index(uniques).astype(str), dtype=str)
    order = np.argsort(names, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return np.where(codes >= 0, rank[np.clip(codes, 0, None)], -1), names[order]


def codes_in(values: Any, names: np.ndarray) -> np.ndarray:
    """Codes of ``values`` in the sorted string array ``names`` (-1 where absent or missing)."""
    codes, uniques = pd.factorize(pd.Series(values), sort=False)
    as_text = np.asarray(pd.Index(uniques).astype(str), dtype=str)
    if not len(names):
        return np.full(len(codes), -1, dtype=np.int64)
    position = np.searchsorted(names, as_text).clip(0, len(names) - 1)
    mapped = np.where(names[position] == as_text, position, -1)
    return np.where(codes >= 0, mapped[np.clip(codes, 0, None)], -1)


def event_weights_for(types: pd.Series, weights: Mapping[str, float]) -> np.ndarray:
    """Weight of each row's ``event_type`` (types missing from ``weights``, and missing types, weigh 1)."""
    bad = {k: v for k, v in weights.items() if not isinstance(v, (int, float)) or v < 0}
    if bad:
        raise ConfigError(f"event weights must be non-negative numbers; got {bad}")
    codes, uniques = pd.factorize(types, use_na_sentinel=True)
    table = np.asarray([float(weights.get(str(t), 1.0)) for t in uniques] + [1.0], dtype="float64")
    return table[np.where(codes >= 0, codes, len(uniques))]


@dataclass
class Encoded:
    """An interaction log as integer codes (customer rows only).

    ``user``, ``item`` and ``event`` index ``user_ids``, ``item_ids`` and ``event_types``;
    ``value`` is event weight x ``weight``; ``time`` is seconds since the epoch (0 without times).
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    event_types: np.ndarray
    user: np.ndarray
    item: np.ndarray
    event: np.ndarray
    value: np.ndarray
    time: np.ndarray
    has_time: bool
    session: np.ndarray | None = None
    basket: np.ndarray | None = None


def encode_interactions(
    frame: pd.DataFrame,
    *,
    event_weights: Mapping[str, float],
    item_ids: np.ndarray | None = None,
) -> Encoded:
    """Encode a validated log; ``item_ids`` (e.g. the whole catalogue) extends the item universe.

    Exact duplicate rows of customers count once.
    """
    has_customer = frame["customer_id"].notna()
    known = frame if bool(has_customer.all()) else frame[has_customer]
    _, logged = factorize_sorted(frame["product_id"])
    items = logged if item_ids is None else np.union1d(logged, np.asarray(item_ids, dtype=str))
    user, users = factorize_sorted(known["customer_id"])
    item = codes_in(known["product_id"], items)
    if "event_type" in known.columns:
        event, types = factorize_sorted(known["event_type"])
        value = event_weights_for(known["event_type"], event_weights)
    else:
        event, types = np.full(len(known), -1, dtype=np.int64), np.zeros(0, dtype=str)
        value = np.ones(len(known), dtype="float64")
    if "weight" in known.columns:
        value = value * known["weight"].to_numpy("float64")
    has_time = "occurred_at" in known.columns
    if has_time:
        delta = known["occurred_at"] - pd.Timestamp(0, tz="UTC")
        time = (delta / pd.Timedelta(seconds=1)).to_numpy("float64")
    else:
        time = np.zeros(len(known), dtype="float64")
    session = pd.factorize(known["session_id"])[0] if "session_id" in known.columns else None
    basket = pd.factorize(known["order_id"])[0] if "order_id" in known.columns else None
    columns = {"u": user, "i": item, "e": event, "t": time, "v": value}
    if session is not None:
        columns["s"] = session
    if basket is not None:
        columns["b"] = basket
    keep = ~pd.DataFrame(columns).duplicated().to_numpy()
    return Encoded(
        user_ids=users,
        item_ids=items,
        event_types=types,
        user=user[keep].astype(np.int32),
        item=item[keep].astype(np.int32),
        event=event[keep].astype(np.int32),
        value=value[keep],
        time=time[keep],
        has_time=has_time,
        session=None if session is None else session[keep],
        basket=None if basket is None else basket[keep],
    )


@dataclass
class TrainData:
    """What a model is fitted on.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix of shape (n_users, n_items)
        Summed interaction weights (time-decayed when the recommender has a half-life).
    user, item, value, age_days : numpy.ndarray
        One entry per interaction (customer rows), undecayed value, age relative to the newest one.
    order : numpy.ndarray
        Interaction positions sorted by (user, time): the session model's recency lists.
    sessions : scipy.sparse.csr_matrix of shape (n_sessions, n_items) or None
        Sessions (or baskets) as item sets; anonymous sessions included.
    item_frame : pandas.DataFrame or None
        Product attributes aligned with the item index (``name, category, ...``).
    user_segment : numpy.ndarray of int
        Segment code of each user (-1 unknown); ``n_segments`` codes in all.
    random_state : int
    half_life_days : float or None
        The decay already applied to ``matrix`` (the popularity model applies it to its counts).
    """

    matrix: Any
    user: np.ndarray
    item: np.ndarray
    value: np.ndarray
    age_days: np.ndarray
    order: np.ndarray
    sessions: Any
    item_frame: pd.DataFrame | None
    user_segment: np.ndarray
    n_segments: int
    random_state: int
    half_life_days: float | None = None

    @property
    def n_users(self) -> int:
        """Number of customers (matrix rows)."""
        return int(self.matrix.shape[0])

    @property
    def n_items(self) -> int:
        """Number of products (matrix columns)."""
        return int(self.matrix.shape[1])


def build_train_data(
    frame: pd.DataFrame,
    encoded: Encoded,
    *,
    half_life_days: float | None,
    item_frame: pd.DataFrame | None,
    user_segment: np.ndarray,
    n_segments: int,
    random_state: int,
) -> TrainData:
    """Assemble :class:`TrainData` from a validated log and its encoding."""
    n_users, n_items = len(encoded.user_ids), len(encoded.item_ids)
    newest = float(encoded.time.max()) if len(encoded.time) else 0.0
    age_days = (newest - encoded.time) / _SECONDS_PER_DAY
    value = encoded.value
    if half_life_days is not None:
        if half_life_days <= 0:
            raise ConfigError(f"`{half_life_days=}` must be > 0 (days), or None for no decay")
        value = value * np.power(0.5, age_days / half_life_days)
    matrix = sp.csr_matrix(
        (value.astype(np.float32), (encoded.user, encoded.item)), shape=(n_users, n_items), dtype=np.float32
    )
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    order = np.lexsort((encoded.time, encoded.user))
    return TrainData(
        matrix=matrix,
        user=encoded.user,
        item=encoded.item,
        value=encoded.value,
        age_days=age_days,
        order=order,
        sessions=_session_matrix(frame, encoded),
        item_frame=item_frame,
        user_segment=user_segment,
        n_segments=n_segments,
        random_state=random_state,
        half_life_days=half_life_days,
    )


def _session_matrix(frame: pd.DataFrame, encoded: Encoded) -> Any:
    """Sessions x items (binary): ``session_id`` if given (anonymous ones too), else baskets or days."""
    if "session_id" in frame.columns and frame["session_id"].notna().any():
        rows = frame[frame["session_id"].notna()]
        keys = rows["session_id"].to_numpy()
    elif "order_id" in frame.columns and frame["order_id"].notna().any():
        rows = frame[frame["order_id"].notna()]
        keys = rows["order_id"].to_numpy()
    elif "occurred_at" in frame.columns:
        rows = frame[frame["customer_id"].notna()]
        day = (rows["occurred_at"] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(days=1)
        customer = pd.factorize(rows["customer_id"])[0]
        keys = customer.astype(np.int64) * 1_000_000 + day.to_numpy("int64")
    else:
        return None
    codes, _ = pd.factorize(pd.Series(keys))
    cols = codes_in(rows["product_id"], encoded.item_ids)
    keep = cols >= 0
    matrix = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.float32), (codes[keep], cols[keep])),
        shape=(int(codes.max()) + 1 if len(codes) else 0, len(encoded.item_ids)),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def recency_ranks(user: np.ndarray, item: np.ndarray, time: np.ndarray, shape: tuple[int, int]) -> Any:
    """How recent each customer x product cell is, among the customer's own products.

    A cell's stored value is ``1 +`` the number of other products the customer interacted with
    after its latest interaction with this one: 1 for the product touched last, 2 for the one
    before it, and so on. Ties in time keep the log's row order (a later row is more recent), so a
    log without ``occurred_at`` counts its rows as the order of events.

    Parameters
    ----------
    user, item : numpy.ndarray of int
        Customer and product code of each interaction.
    time : numpy.ndarray of float
        Its time (seconds; all equal when the log has none).
    shape : tuple of int
        ``(n_customers, n_products)``.

    Returns
    -------
    scipy.sparse.csr_matrix of float32
        The ranks, with the sparsity of the customer's interacted cells.

    Examples
    --------
    >>> ranks = recency_ranks(np.array([0, 0, 0, 0]), np.array([2, 1, 2, 0]),
    ...                       np.array([1.0, 2.0, 3.0, 3.0]), (1, 3))
    >>> ranks.toarray()
    array([[1., 3., 2.]], dtype=float32)
    """
    n = len(user)
    if not n:
        return sp.csr_matrix(shape, dtype=np.float32)
    order = np.lexsort((np.arange(n), time, user))
    cell = user[order].astype(np.int64) * int(shape[1]) + item[order]
    # a cell's latest interaction is its last position in this order: the first one reversed
    _, first_reversed = np.unique(cell[::-1], return_index=True)
    latest = np.sort(n - 1 - first_reversed)
    cell_user, cell_item = user[order][latest], item[order][latest]
    block_end = np.searchsorted(cell_user, cell_user, side="right")
    rank = (block_end - np.arange(len(latest))).astype(np.float32)
    return sp.csr_matrix((rank, (cell_user, cell_item)), shape=shape, dtype=np.float32)


def recency_factors(ranks: Any, profile_recency: float) -> Any:
    """Profile weights ``1 / (1 + (rank - 1) / profile_recency)`` from :func:`recency_ranks` rows.

    The product a customer touched last weighs 1; the one ``profile_recency`` products earlier
    weighs 1/2; older ones fade hyperbolically, so a long history still counts a little.
    """
    factors = sp.csr_matrix(ranks, dtype=np.float32, copy=True)
    factors.data = (1.0 / (1.0 + (factors.data - 1.0) / np.float32(profile_recency))).astype(np.float32)
    return factors


def top_k_per_row(dense: np.ndarray, k: int) -> Any:
    """Keep the ``k`` largest entries of each row of a dense array as a CSR matrix (zeros dropped)."""
    n_rows, n_cols = dense.shape
    if k >= n_cols:
        out = sp.csr_matrix(dense)
        out.eliminate_zeros()
        return out
    part = np.argpartition(-dense, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(n_rows), k)
    cols = part.ravel()
    vals = dense[rows, cols]
    out = sp.csr_matrix((vals, (rows, cols)), shape=(n_rows, n_cols))
    out.eliminate_zeros()
    return out


def csr_to_arrays(prefix: str, matrix: Any) -> dict[str, np.ndarray]:
    """A CSR matrix as plain arrays for an ``.npz`` file."""
    m = sp.csr_matrix(matrix)
    return {
        f"{prefix}.data": m.data,
        f"{prefix}.indices": m.indices,
        f"{prefix}.indptr": m.indptr,
        f"{prefix}.shape": np.asarray(m.shape, dtype=np.int64),
    }


def csr_from_arrays(prefix: str, arrays: Mapping[str, np.ndarray]) -> Any:
    """Rebuild a CSR matrix saved by :func:`csr_to_arrays`."""
    shape = tuple(int(x) for x in arrays[f"{prefix}.shape"])
    return sp.csr_matrix(
        (arrays[f"{prefix}.data"], arrays[f"{prefix}.indices"], arrays[f"{prefix}.indptr"]), shape=shape
    )
