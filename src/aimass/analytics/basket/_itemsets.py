"""Frequent itemsets (FP-growth, Borgelt's C code through pyfim) and association rules from them."""

from __future__ import annotations

import gc
import math
from collections.abc import Hashable, Iterable, Iterator, Sequence, Sized
from contextlib import contextmanager
from itertools import chain
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from aimass.exceptions import ConfigError, SchemaError

__all__ = ["RuleMetric", "association_rules", "frequent_itemsets", "min_count_for"]

#: The metrics :func:`association_rules` can filter and sort on.
RuleMetric = Literal["support", "confidence", "lift", "leverage", "conviction"]
_METRICS: tuple[str, ...] = get_args(RuleMetric)

ITEMSET_COLUMNS = ("itemset", "support", "count")
RULE_COLUMNS = (
    "antecedent",
    "consequent",
    "antecedent_support",
    "consequent_support",
    "support",
    "confidence",
    "lift",
    "leverage",
    "conviction",
    "count",
)

Baskets = Sequence[Iterable[Hashable]] | pd.DataFrame


def min_count_for(min_support: float, n_baskets: int) -> int:
    """The smallest basket count that meets ``min_support``: ``ceil(min_support * n_baskets)``, at least 1.

    An itemset is frequent when ``count >= min_support * n_baskets`` (the FIMI convention; it gives
    the published counts on ``retail.dat``). The product is rounded to 9 decimals first, so
    ``0.01 * 300`` counts as 3, not 4.

    Examples
    --------
    >>> min_count_for(0.01, 88_162)
    882
    >>> min_count_for(0.01, 300)
    3
    """
    return max(1, math.ceil(round(min_support * n_baskets, 9)))


def _fim() -> Any:
    """pyfim (a core dependency, imported when first needed)."""
    import fim

    return fim


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many small tuples are made.

    Building tens of thousands of result tuples next to a large basket list triggers full
    collections that scan every basket; none of these objects form cycles, so nothing is lost.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_options(min_support: float, min_count: int | None, min_len: int, max_len: int | None) -> None:
    if min_count is None and not 0.0 < min_support <= 1.0:
        raise ConfigError(f"`{min_support=}` must be in (0, 1] (a share of the baskets)")
    if min_count is not None and (isinstance(min_count, bool) or min_count < 1):
        raise ConfigError(f"`{min_count=}` must be an integer >= 1 (a number of baskets)")
    if min_len < 1:
        raise ConfigError(f"`{min_len=}` must be >= 1")
    if max_len is not None and max_len < min_len:
        raise ConfigError(f"`{max_len=}` must be None or >= min_len ({min_len})")


def _transactions_from_frame(
    frame: pd.DataFrame, basket: str | None, item: str | None
) -> tuple[list[list[int]], int, npt.NDArray[Any]]:
    """Item-code lists per basket, the number of baskets, and the item labels (sorted when possible)."""
    if basket is None and item is None:
        if frame.shape[1] != 2:
            raise SchemaError(
                f"a baskets DataFrame needs exactly 2 columns (basket id, item) or `basket=` and `item=`; "
                f"got columns {list(frame.columns)}"
            )
        basket, item = (str(name) for name in frame.columns)
    for role, name in (("basket", basket), ("item", item)):
        if name is None or name not in frame.columns:
            raise SchemaError(
                f"`{role}={name!r}` is not a column of the baskets; columns: {list(frame.columns)}"
            )
    basket_codes, basket_ids = pd.factorize(frame[basket])
    try:
        item_codes, labels = pd.factorize(frame[item], sort=True)
    except TypeError:  # items of types that do not compare: keep first-seen order
        item_codes, labels = pd.factorize(frame[item])
    n_baskets = len(basket_ids)
    keep = (basket_codes >= 0) & (item_codes >= 0)
    pairs = np.unique(basket_codes[keep].astype(np.int64) * max(len(labels), 1) + item_codes[keep])
    width = max(len(labels), 1)
    baskets_of_pairs = pairs // width
    items_of_pairs = (pairs % width).tolist()
    cuts = np.flatnonzero(np.diff(baskets_of_pairs)) + 1
    starts = np.concatenate(([0], cuts)).tolist() if len(pairs) else []
    ends = np.concatenate((cuts, [len(pairs)])).tolist() if len(pairs) else []
    transactions = [items_of_pairs[start:end] for start, end in zip(starts, ends, strict=True)]
    return transactions, n_baskets, np.asarray(labels, dtype=object)


def _sorted_itemsets(
    sets: Sequence[tuple[Any, ...]], labels: npt.NDArray[Any] | None
) -> list[tuple[Any, ...]]:
    """Each itemset as a tuple of labels in sorted order (first-seen order if the items do not compare).

    ``labels`` maps item codes to labels when the sets hold codes (``None``: the sets hold labels).
    """
    lengths = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    flat = list(chain.from_iterable(sets))
    if labels is None:
        values = np.empty(len(flat), dtype=object)
        values[:] = flat
        try:
            codes, labels = pd.factorize(values, sort=True)
        except TypeError:
            codes, labels = pd.factorize(values)
        labels = np.asarray(labels, dtype=object)
    else:
        codes = np.asarray(flat, dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(sets) else lengths
    out: list[tuple[Any, ...]] = [()] * len(sets)
    for k in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == k)
        matrix = np.sort(codes[offsets[rows, None] + np.arange(k)], axis=1)
        for row, itemset in zip(rows.tolist(), map(tuple, labels[matrix].tolist()), strict=True):
            out[row] = itemset
    return out


def frequent_itemsets(
    baskets: Baskets,
    *,
    min_support: float = 0.01,
    min_count: int | None = None,
    min_len: int = 1,
    max_len: int | None = None,
    basket: str | None = None,
    item: str | None = None,
) -> pd.DataFrame:
    """All itemsets that appear in at least ``min_support`` of the baskets (FP-growth).

    Mining runs in Christian Borgelt's C implementation of FP-growth (the ``pyfim`` package); this
    function converts the input and builds the result frame around it.

    Parameters
    ----------
    baskets : sequence of iterables of hashable, or pandas.DataFrame
        Either one item collection per basket (an empty one still counts as a basket), or a long
        frame with one row per (basket id, item): two columns, or name them with ``basket`` and
        ``item``. Items repeated within a basket count once; rows with a missing item are ignored
        (their basket still counts).
    min_support : float, default 0.01
        Minimum share of baskets, in (0, 1]: an itemset is frequent when
        ``count >= ceil(min_support * n_baskets)`` (see :func:`min_count_for`).
    min_count : int, optional
        Minimum number of baskets instead of ``min_support``.
    min_len, max_len : int, default 1 and None
        Smallest and largest itemset size reported (None: no limit).
    basket, item : str, optional
        The basket-id and item columns of a DataFrame input.

    Returns
    -------
    pandas.DataFrame
        ``itemset`` (tuple of items, sorted when the items compare), ``support`` (share of baskets)
        and ``count`` (number of baskets); most frequent first, shorter first on ties.
        ``frame.attrs["n_baskets"]`` holds the number of baskets.

    Raises
    ------
    ConfigError
        When an option is out of range.
    SchemaError
        When ``baskets`` is not a sequence of item collections or a (basket, item) frame.

    Examples
    --------
    >>> baskets = [["bread", "milk"], ["bread", "butter"], ["bread", "milk", "butter"], ["milk"]]
    >>> frequent_itemsets(baskets, min_support=0.5)
               itemset  support  count
    0         (bread,)     0.75      3
    1          (milk,)     0.75      3
    2        (butter,)     0.50      2
    3    (bread, milk)     0.50      2
    4  (bread, butter)     0.50      2
    """
    _check_options(min_support, min_count, min_len, max_len)
    labels: npt.NDArray[Any] | None = None
    transactions: Sequence[Iterable[Hashable]]
    if isinstance(baskets, pd.DataFrame):
        with _gc_paused():
            transactions, n_baskets, labels = _transactions_from_frame(baskets, basket, item)
    elif isinstance(baskets, (str, bytes)) or not isinstance(baskets, Iterable):
        raise SchemaError(
            f"`baskets` must be a sequence of item collections or a (basket, item) DataFrame; "
            f"got {type(baskets).__name__}"
        )
    else:
        transactions = baskets if isinstance(baskets, Sequence) else list(baskets)
        n_baskets = len(transactions)
    threshold = min_count if min_count is not None else min_count_for(min_support, n_baskets)
    if threshold <= 1 and max_len is None and n_baskets:
        _refuse_every_subset(transactions)
    with _gc_paused():
        return _mine(transactions, n_baskets, labels, threshold, min_len, max_len)


#: Longest basket mined without ``max_len`` when the minimum count is 1 (2**N subsets each).
MAX_BASKET_FOR_COUNT_ONE = 20


def _refuse_every_subset(transactions: Sequence[Iterable[Hashable]]) -> None:
    """At a minimum count of 1 every subset of every basket is frequent: refuse what cannot fit."""
    # sized baskets only: an iterator must not be consumed before mining (repeats count, erring safe)
    longest = max((len(basket) for basket in transactions if isinstance(basket, Sized)), default=0)
    if longest > MAX_BASKET_FOR_COUNT_ONE:
        raise ConfigError(
            f"the minimum count is 1 basket, so every subset of every basket is frequent: the longest "
            f"basket ({longest} items) alone has 2**{longest} of them; raise `min_support`/`min_count` "
            f"or set `max_len`"
        )


def _mine(
    transactions: Sequence[Iterable[Hashable]],
    n_baskets: int,
    labels: npt.NDArray[Any] | None,
    threshold: int,
    min_len: int,
    max_len: int | None,
) -> pd.DataFrame:
    found: list[tuple[tuple[Any, ...], int]] = []
    if n_baskets:
        try:
            limits = {"zmin": min_len} if max_len is None else {"zmin": min_len, "zmax": max_len}
            # pyfim never reports an itemset present in every transaction (it folds it into the
            # empty set); one extra empty transaction changes no count and brings them back
            padded = [*transactions, []]
            found = _fim().fpgrowth(padded, target="s", supp=-threshold, report="a", **limits)
        except TypeError as error:
            raise SchemaError(f"every basket must be an iterable of hashable items: {error}") from None
    sets: Sequence[tuple[Any, ...]] = ()
    counts = np.zeros(0, dtype=np.int64)
    if found:
        sets, count_values = zip(*found, strict=True)
        counts = np.asarray(count_values, dtype=np.int64)
    itemsets = _sorted_itemsets(sets, labels)
    lengths = np.fromiter(map(len, itemsets), dtype=np.int64, count=len(itemsets))
    order = np.lexsort((lengths, -counts))
    column = np.empty(len(itemsets), dtype=object)
    column[:] = itemsets
    result = pd.DataFrame(
        {
            "itemset": column[order],
            "support": counts[order] / n_baskets if n_baskets else counts.astype(np.float64),
            "count": counts[order],
        }
    )
    result.attrs["n_baskets"] = n_baskets
    return result


def _rule_mask_columns(k: int, mask: int) -> tuple[list[int], list[int]]:
    antecedent = [j for j in range(k) if mask >> j & 1]
    consequent = [j for j in range(k) if not mask >> j & 1]
    return antecedent, consequent


def association_rules(
    itemsets: pd.DataFrame,
    *,
    metric: RuleMetric = "confidence",
    min_threshold: float = 0.8,
    min_confidence: float | None = None,
    max_consequent_len: int | None = None,
) -> pd.DataFrame:
    """Association rules ``antecedent -> consequent`` from frequent itemsets and their supports.

    Every split of every itemset of two or more items into a non-empty antecedent and consequent is
    a candidate; the supports of both parts are looked up in ``itemsets`` (which therefore must hold
    every subset of each itemset, as :func:`frequent_itemsets` returns). The metrics follow
    mlxtend's definitions.

    Parameters
    ----------
    itemsets : pandas.DataFrame
        ``itemset`` (tuples or other collections of items) and ``support``, and optionally
        ``count``, e.g. from :func:`frequent_itemsets`.
    metric : {"confidence", "lift", "leverage", "conviction", "support"}, default "confidence"
        The metric a rule must reach.
    min_threshold : float, default 0.8
        Rules with ``metric >= min_threshold`` are kept.
    min_confidence : float, optional
        Also require ``confidence >= min_confidence`` (e.g. with ``metric="lift"``).
    max_consequent_len : int, optional
        Largest consequent size (1: single-item consequents only).

    Returns
    -------
    pandas.DataFrame
        ``antecedent`` and ``consequent`` (tuples), ``antecedent_support``, ``consequent_support``,
        ``support`` = s(A and C), ``confidence`` = s(A and C) / s(A), ``lift`` = confidence / s(C),
        ``leverage`` = s(A and C) - s(A) s(C), ``conviction`` = (1 - s(C)) / (1 - confidence)
        (``inf`` when confidence is 1), and ``count`` (baskets holding both, when ``itemsets`` has
        counts, else -1); sorted by ``metric`` descending, then support.

    Raises
    ------
    ConfigError
        When ``metric`` or a threshold is not allowed.
    SchemaError
        When ``itemsets`` lacks a column or a subset of one of its itemsets.

    Examples
    --------
    >>> baskets = [["bread", "milk"], ["bread", "butter"], ["bread", "milk", "butter"], ["milk"]]
    >>> rules = association_rules(frequent_itemsets(baskets, min_support=0.5), min_threshold=0.6)
    >>> rules[["antecedent", "consequent", "support", "confidence", "lift"]]
      antecedent consequent  support  confidence      lift
    0  (butter,)   (bread,)      0.5    1.000000  1.333333
    1   (bread,)    (milk,)      0.5    0.666667  0.888889
    2   (bread,)  (butter,)      0.5    0.666667  1.333333
    3    (milk,)   (bread,)      0.5    0.666667  0.888889
    """
    if metric not in _METRICS:
        raise ConfigError(f"`{metric=}` is not a rule metric; choose one of {list(_METRICS)}")
    if not isinstance(min_threshold, (int, float)) or math.isnan(min_threshold):
        raise ConfigError(f"`{min_threshold=}` must be a number")
    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
        raise ConfigError(f"`{min_confidence=}` must be None or in [0, 1]")
    if max_consequent_len is not None and max_consequent_len < 1:
        raise ConfigError(f"`{max_consequent_len=}` must be None or >= 1")
    missing = [name for name in ("itemset", "support") if name not in itemsets.columns]
    if missing:
        raise SchemaError(
            f"`itemsets` lacks the column(s) {missing}; it needs `itemset` and `support` "
            f"(as frequent_itemsets returns); columns: {list(itemsets.columns)}"
        )
    with _gc_paused():
        return _rules(itemsets, metric, min_threshold, min_confidence, max_consequent_len)


def _rules(
    itemsets: pd.DataFrame,
    metric: str,
    min_threshold: float,
    min_confidence: float | None,
    max_consequent_len: int | None,
) -> pd.DataFrame:
    sets = [tuple(s) for s in itemsets["itemset"]]
    lengths = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    nonempty = lengths > 0  # the empty itemset makes no rule
    sets = [s for s in sets if s]
    lengths = lengths[nonempty]
    supports = itemsets["support"].to_numpy(dtype=np.float64)[nonempty]
    counts = (
        itemsets["count"].to_numpy(dtype=np.int64)[nonempty]
        if "count" in itemsets.columns
        else np.full(len(sets), -1, dtype=np.int64)
    )
    flat = np.empty(int(lengths.sum()), dtype=object)
    flat[:] = list(chain.from_iterable(sets))
    codes, labels = pd.factorize(flat)
    labels = np.asarray(labels, dtype=object)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(sets) else lengths
    # Each itemset gets a 64-bit key: the XOR of random per-item hashes, so the key of a part is
    # computed column-wise and looked up in the sorted keys (a collision has probability ~n^2/2^64).
    rng = np.random.default_rng(20_250_101)
    hashes = rng.integers(
        0, np.iinfo(np.uint64).max, size=max(len(labels), 1), dtype=np.uint64, endpoint=True
    )
    keys = np.bitwise_xor.reduceat(hashes[codes], offsets) if len(codes) else np.zeros(0, np.uint64)
    key_order = np.argsort(keys, kind="stable")
    sorted_keys = keys[key_order]

    def lookup(wanted: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        at = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
        if len(wanted) and not (sorted_keys[at] == wanted).all():
            raise SchemaError(
                "`itemsets` lacks a subset of one of its itemsets; pass every frequent itemset "
                "(as frequent_itemsets returns, without filtering by length or support)"
            )
        return key_order[at]

    parts: list[dict[str, Any]] = []
    for k in np.unique(lengths[lengths >= 2]).tolist():
        rows = np.flatnonzero(lengths == k)
        matrix = codes[offsets[rows, None] + np.arange(k)]
        item_hashes = hashes[matrix]
        full_support = supports[rows]
        for mask in range(1, 2**k - 1):
            ante_cols, cons_cols = _rule_mask_columns(k, mask)
            if max_consequent_len is not None and len(cons_cols) > max_consequent_len:
                continue
            ante_key = np.bitwise_xor.reduce(item_hashes[:, ante_cols], axis=1)
            cons_key = np.bitwise_xor.reduce(item_hashes[:, cons_cols], axis=1)
            s_a = supports[lookup(ante_key)]
            s_c = supports[lookup(cons_key)]
            confidence = full_support / s_a
            values = {
                "support": full_support,
                "confidence": confidence,
                "lift": confidence / s_c,
                "leverage": full_support - s_a * s_c,
            }
            conviction = np.full(len(rows), np.inf)
            below = confidence < 1.0
            conviction[below] = (1.0 - s_c[below]) / (1.0 - confidence[below])
            values["conviction"] = conviction
            keep = values[metric] >= min_threshold
            if min_confidence is not None:
                keep &= confidence >= min_confidence
            if not keep.any():
                continue
            kept = matrix[keep]
            parts.append(
                {
                    "antecedent": list(map(tuple, labels[kept[:, ante_cols]].tolist())),
                    "consequent": list(map(tuple, labels[kept[:, cons_cols]].tolist())),
                    "antecedent_support": s_a[keep],
                    "consequent_support": s_c[keep],
                    **{name: value[keep] for name, value in values.items()},
                    "count": counts[rows[keep]],
                }
            )
    return _rules_frame(parts, metric)


def _rules_frame(parts: list[dict[str, Any]], metric: str) -> pd.DataFrame:
    columns: dict[str, Any] = {}
    for name in RULE_COLUMNS:
        if name in ("antecedent", "consequent"):
            column = np.empty(sum(len(part[name]) for part in parts), dtype=object)
            column[:] = list(chain.from_iterable(part[name] for part in parts))
            columns[name] = column
        else:
            dtype = np.int64 if name == "count" else np.float64
            columns[name] = (
                np.concatenate([part[name] for part in parts]) if parts else np.zeros(0, dtype=dtype)
            )
    order = np.lexsort((-columns["support"], -columns[metric]))
    return pd.DataFrame({name: value[order] for name, value in columns.items()})
