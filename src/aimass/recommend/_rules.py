"""Business rules applied at recommendation time, and the top-``n`` selection that applies them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from aimass.exceptions import ConfigError
from aimass.recommend._kernels import top_per_row

__all__ = ["Catalog", "Rules", "select_top_n"]

_SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Rules:
    """What may be recommended, and how the list is shaped.

    Parameters
    ----------
    seen_event_types : tuple of str, optional
        With ``filter_seen=True``, the event types that make a product "seen" (e.g.
        ``("purchase",)`` to hide only bought products); None: every interaction counts.
    seen_window_days : float, optional
        Only interactions in the last ``seen_window_days`` before the newest training
        interaction make a product seen; None: all of history.
    repeat_categories : tuple of str
        Categories whose products stay recommendable after they were seen (consumables such as
        ``"grocery"``).
    in_stock_only : bool, default False
        Drop products that the ``products`` frame given to ``fit`` marks out of stock (column
        ``in_stock`` true/false, or ``stock`` / ``stock_quantity`` <= 0).
    available : collection of str, optional
        If given, only these product ids may be recommended (e.g. live stock from the shop).
    min_price, max_price : float, optional
        Price band (products without a price pass).
    include_categories, exclude_categories : tuple of str
        Keep only these categories / drop these categories (matched against ``category`` and
        ``subcategory``).
    exclude_products : tuple of str
        Never recommend these product ids.
    boost : mapping of str to float
        Product id -> bonus added to its normalised score (the row's candidate scores are scaled
        to [0, 1]; a bonus of 1 lifts a product above every unboosted one).
    bury : tuple of str
        Product ids recommended only when nothing else is left.
    diversity : float, default 0.0
        Maximal marginal relevance over categories: each already chosen product of the same
        category costs ``diversity`` (in normalised score units). 0 = off.
    max_per_category : int, optional
        At most this many products of one category per list.

    Examples
    --------
    >>> Rules(seen_event_types=("purchase",), repeat_categories=("grocery",), diversity=0.3)
    Rules(seen_event_types=('purchase',), seen_window_days=None, repeat_categories=('grocery',), ...)
    """

    seen_event_types: tuple[str, ...] | None = None
    seen_window_days: float | None = None
    repeat_categories: tuple[str, ...] = ()
    in_stock_only: bool = False
    available: Collection[str] | None = None
    min_price: float | None = None
    max_price: float | None = None
    include_categories: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    exclude_products: tuple[str, ...] = ()
    boost: Mapping[str, float] = field(default_factory=dict)
    bury: tuple[str, ...] = ()
    diversity: float = 0.0
    max_per_category: int | None = None

    def __repr__(self) -> str:
        head = (
            f"Rules(seen_event_types={self.seen_event_types!r}, seen_window_days={self.seen_window_days!r}, "
            f"repeat_categories={self.repeat_categories!r}, ...)"
        )
        return head

    def check(self) -> None:
        """Raise :class:`~aimass.exceptions.ConfigError` for values out of range."""
        if self.seen_window_days is not None and not self.seen_window_days > 0:
            raise ConfigError(f"Rules: `seen_window_days={self.seen_window_days!r}` must be > 0 or None")
        if self.diversity < 0:
            raise ConfigError(f"Rules: `diversity={self.diversity!r}` must be >= 0")
        if self.max_per_category is not None and self.max_per_category < 1:
            raise ConfigError(f"Rules: `max_per_category={self.max_per_category!r}` must be >= 1 or None")
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise ConfigError(f"Rules: `min_price={self.min_price}` is above `max_price={self.max_price}`")
        for name in ("seen_event_types", "repeat_categories", "include_categories", "exclude_categories"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise ConfigError(f"Rules: `{name}` must be a tuple of strings, got the string {value!r}")

    @property
    def reshapes(self) -> bool:
        """Whether the list needs more than a plain top-``n`` (boost, bury, diversity, caps)."""
        return bool(self.boost or self.bury or self.diversity > 0 or self.max_per_category is not None)


@dataclass
class Catalog:
    """Product attributes aligned with the item codes, as the rules need them."""

    item_ids: np.ndarray
    category: np.ndarray  # int code per item, -1 unknown
    categories: np.ndarray  # the category names
    subcategory: np.ndarray  # int code per item into ``subcategories``, -1 unknown
    subcategories: np.ndarray
    price: np.ndarray  # float, NaN unknown
    in_stock: np.ndarray  # bool

    def codes(self, product_ids: Collection[str]) -> np.ndarray:
        """Item codes of the given product ids (unknown ids are skipped)."""
        wanted = np.asarray(list(product_ids), dtype=str)
        if not len(wanted):
            return np.zeros(0, dtype=np.int64)
        position = np.searchsorted(self.item_ids, wanted).clip(0, len(self.item_ids) - 1)
        found = self.item_ids[position] == wanted
        return np.unique(position[found]).astype(np.int64)

    def category_mask(self, names: Collection[str]) -> np.ndarray:
        """Items whose category or subcategory is one of ``names``."""
        names_set = set(names)
        cat_hit = np.asarray([c in names_set for c in self.categories], dtype=bool)
        sub_hit = np.asarray([c in names_set for c in self.subcategories], dtype=bool)
        mask = np.zeros(len(self.item_ids), dtype=bool)
        has_cat = self.category >= 0
        mask[has_cat] |= cat_hit[self.category[has_cat]]
        has_sub = self.subcategory >= 0
        mask[has_sub] |= sub_hit[self.subcategory[has_sub]]
        return mask

    def allowed(self, rules: Rules, items: Collection[str] | None) -> np.ndarray:
        """Items that pass the item-level rules (stock, price, categories, exclusions, ``items``)."""
        mask = np.ones(len(self.item_ids), dtype=bool)
        if items is not None:
            mask[:] = False
            mask[self.codes(items)] = True
        if rules.available is not None:
            keep = np.zeros_like(mask)
            keep[self.codes(rules.available)] = True
            mask &= keep
        if rules.in_stock_only:
            mask &= self.in_stock
        if rules.min_price is not None:
            mask &= ~(self.price < rules.min_price)
        if rules.max_price is not None:
            mask &= ~(self.price > rules.max_price)
        if rules.include_categories:
            mask &= self.category_mask(rules.include_categories)
        if rules.exclude_categories:
            mask &= ~self.category_mask(rules.exclude_categories)
        if rules.exclude_products:
            mask[self.codes(rules.exclude_products)] = False
        return mask


def seen_matrix(
    history: Mapping[str, np.ndarray],
    shape: tuple[int, int],
    rules: Rules,
    catalog: Catalog,
    event_types: np.ndarray,
) -> Any:
    """Customers x products, 1 where the rules count the product as seen by the customer."""
    keep = np.ones(len(history["user"]), dtype=bool)
    if rules.seen_event_types is not None:
        codes = history["event"]
        if len(event_types):
            wanted = np.isin(event_types, np.asarray(rules.seen_event_types, dtype=str))
            keep &= (codes >= 0) & wanted[np.clip(codes, 0, None)]
        else:
            keep[:] = False
    if rules.seen_window_days is not None and len(history["time"]):
        newest = float(history["time"].max())
        keep &= history["time"] >= newest - rules.seen_window_days * _SECONDS_PER_DAY
    if rules.repeat_categories:
        keep &= ~catalog.category_mask(rules.repeat_categories)[history["item"]]
    matrix = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.float32), (history["user"][keep], history["item"][keep])),
        shape=shape,
    )
    matrix.sum_duplicates()
    return matrix


def _normalise(values: np.ndarray) -> np.ndarray:
    """Scale each row's finite values to [0, 1] (non-finite stay -inf)."""
    finite = np.isfinite(values)
    low = np.where(finite, values, np.inf).min(axis=1, keepdims=True)
    high = np.where(finite, values, -np.inf).max(axis=1, keepdims=True)
    span = np.where(np.isfinite(high - low) & (high > low), high - low, 1.0)
    out = np.where(finite, (values - np.where(np.isfinite(low), low, 0.0)) / span, -np.inf)
    return out.astype(np.float64)


def select_top_n(
    scores: np.ndarray,
    n: int,
    *,
    allowed: np.ndarray,
    seen: Any,
    fallback: Callable[[np.ndarray], np.ndarray],
    rules: Rules,
    catalog: Catalog,
    zero_is_unscored: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pick each row's top ``n`` under the rules, filling from the fallback where the model runs out.

    Parameters
    ----------
    scores : numpy.ndarray of shape (n_batch, n_items)
        Model scores; ``-inf`` = not a candidate. When the rules reshape the list (boost,
        bury, diversity, caps), blocked and seen products are set to ``-inf`` in place.
    n : int
        List length.
    allowed : numpy.ndarray of bool of shape (n_items,)
        Item-level rules (stock, price, categories, ``items``).
    seen : scipy.sparse.csr_matrix of shape (n_batch, n_items) or None
        Products to exclude per row.
    fallback : callable
        ``fallback(rows) -> (len(rows), n_items)`` popularity scores for the given batch rows.
    rules, catalog
        For boost, bury and diversity.
    zero_is_unscored : bool
        Treat a score of 0 or below as "no evidence".

    Returns
    -------
    items, values, valid : numpy.ndarray of shape (n_batch, n)
        Item codes, the reported scores (model score, or fallback popularity), and whether the
        slot holds a product (False only when fewer than ``n`` products pass the rules at all);
        fewer columns only for a catalogue of fewer than ``n`` products. Equal model scores
        rank the lower item code first.
    """
    if seen is not None and not seen.nnz:
        seen = None
    boost_cols = catalog.codes(rules.boost) if rules.boost else np.zeros(0, np.int64)
    bury_cols = catalog.codes(rules.bury) if rules.bury else np.zeros(0, np.int64)
    excluded = ~allowed
    if len(boost_cols) or len(bury_cols):
        excluded = excluded.copy()
        excluded[boost_cols] = True
        excluded[bury_cols] = True
    if rules.reshapes:
        # the reshaping reads the raw scores of boosted and buried products: mask them first
        _mask(scores, allowed, seen)
        m = min(scores.shape[1], max(5 * n, n + 10))
    else:
        m = n
    # masked scores need no second look at the seen products (blocked ones are excluded anyway)
    pick_seen = None if rules.reshapes else seen
    cand, found = top_per_row(scores, m, seen=pick_seen, excluded=excluded, positive_only=zero_is_unscored)
    cand_key = found.astype(np.float64)
    reported = cand_key.copy()
    short = (
        np.flatnonzero(~np.isfinite(cand_key[:, min(n, cand.shape[1]) - 1]))
        if cand.shape[1]
        else np.arange(len(scores))
    )
    if rules.reshapes:
        cand, cand_key, reported = _with_fallback_and_rules(
            scores,
            cand,
            cand_key,
            reported,
            n,
            short,
            allowed,
            seen,
            fallback,
            rules,
            catalog,
            boost_cols,
            bury_cols,
            zero_is_unscored,
        )
    elif len(short):
        cand, cand_key, reported = _fill_short(
            scores,
            cand,
            cand_key,
            reported,
            n,
            short,
            allowed,
            seen,
            fallback,
            rules,
            catalog,
            zero_is_unscored,
        )
    width = min(n, cand.shape[1])
    items = cand[:, :width]
    valid = np.isfinite(cand_key[:, :width])
    return items, reported[:, :width], valid


def _mask(scores: np.ndarray, allowed: np.ndarray, seen: Any) -> None:
    """Set blocked products and each row's seen products to ``-inf`` in place."""
    blocked = ~allowed
    if blocked.any():
        scores[:, blocked] = -np.inf
    if seen is not None and seen.nnz:
        rows = np.repeat(np.arange(seen.shape[0]), np.diff(seen.indptr))
        scores[rows, seen.indices] = -np.inf


def _fill_short(
    scores: np.ndarray,
    cand: np.ndarray,
    cand_key: np.ndarray,
    reported: np.ndarray,
    n: int,
    short: np.ndarray,
    allowed: np.ndarray,
    seen: Any,
    fallback: Callable[[np.ndarray], np.ndarray],
    rules: Rules,
    catalog: Catalog,
    zero_is_unscored: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fallback fill of the rows with fewer than ``n`` candidates (no reshaping rules).

    Only the short rows go through :func:`_with_fallback_and_rules`; the other rows keep their
    candidates, which already are in the order that function would give them.
    """
    no_cols = np.zeros(0, np.int64)
    part_c, part_k, part_r = _with_fallback_and_rules(
        scores[short],
        cand[short],
        cand_key[short],
        reported[short],
        n,
        np.arange(len(short)),
        allowed,
        None if seen is None else seen[short],
        lambda rows: fallback(short[rows]),
        rules,
        catalog,
        no_cols,
        no_cols,
        zero_is_unscored,
    )
    # the short rows come back with their fallback slots appended: widen the others to match
    width = part_c.shape[1]
    out_c, out_k, out_r = _pad(cand, width, 0), _pad(cand_key, width, -np.inf), _pad(reported, width, -np.inf)
    out_c[short], out_k[short], out_r[short] = part_c, part_k, part_r
    return out_c, out_k, out_r


def _pad(values: np.ndarray, width: int, fill: float) -> np.ndarray:
    """``values`` widened to ``width`` columns with ``fill`` (``values`` itself if wide enough)."""
    if values.shape[1] >= width:
        return values
    out = np.full((len(values), width), fill, dtype=values.dtype)
    out[:, : values.shape[1]] = values
    return out


def _with_fallback_and_rules(
    scores: np.ndarray,
    cand: np.ndarray,
    cand_key: np.ndarray,
    reported: np.ndarray,
    n: int,
    short: np.ndarray,
    allowed: np.ndarray,
    seen: Any,
    fallback: Callable[[np.ndarray], np.ndarray],
    rules: Rules,
    catalog: Catalog,
    boost_cols: np.ndarray,
    bury_cols: np.ndarray,
    zero_is_unscored: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The slow path: normalised keys, fallback fill, boost, bury, MMR diversity."""
    key = _normalise(cand_key)
    parts_c, parts_k, parts_r = [cand], [key], [reported]
    if len(boost_cols):
        bonus = np.asarray([float(rules.boost[str(catalog.item_ids[c])]) for c in boost_cols])
        raw = scores[:, boost_cols].astype(np.float64)
        if zero_is_unscored:
            raw[raw <= 0] = -np.inf
        norm = _rescale_like(raw, cand_key)
        # boosted first: on equal keys the stable sort keeps them ahead
        parts_c.insert(0, np.tile(boost_cols, (len(cand), 1)))
        parts_k.insert(0, np.where(np.isfinite(raw), norm + bonus[None, :], -np.inf))
        parts_r.insert(0, raw)
    cand, key, reported = (np.concatenate(p, axis=1) for p in (parts_c, parts_k, parts_r))
    width = min(max(n, 1), scores.shape[1])
    if len(short):
        pop = np.asarray(fallback(short), dtype=np.float64)
        pop[:, ~allowed] = -np.inf
        if seen is not None:
            sub = seen[short]
            rr = np.repeat(np.arange(len(short)), np.diff(sub.indptr))
            pop[rr, sub.indices] = -np.inf
        finite_cand = np.where(np.isfinite(key[short]), cand[short], -1)
        rows = np.repeat(np.arange(len(short)), finite_cand.shape[1])
        flat = finite_cand.ravel()
        pop[rows[flat >= 0], flat[flat >= 0]] = -np.inf
        pop[:, bury_cols] = -np.inf
        fill, fill_raw = top_per_row(pop, width)
        fill_key = np.where(np.isfinite(fill_raw), _normalise(fill_raw) - 3.0, -np.inf)
        extra_c = np.full((len(cand), width), 0, dtype=np.int64)
        extra_k = np.full((len(cand), width), -np.inf)
        extra_r = np.full((len(cand), width), np.nan)
        extra_c[short], extra_k[short], extra_r[short] = fill, fill_key, fill_raw
        cand = np.concatenate([cand, extra_c], axis=1)
        key = np.concatenate([key, extra_k], axis=1)
        reported = np.concatenate([reported, extra_r], axis=1)
    if len(bury_cols):
        raw = scores[:, bury_cols].astype(np.float64)
        if zero_is_unscored:
            raw[raw <= 0] = -np.inf
        cand = np.concatenate([cand, np.tile(bury_cols, (len(cand), 1))], axis=1)
        key = np.concatenate([key, np.where(np.isfinite(raw), -10.0 + _normalise(raw), -np.inf)], axis=1)
        reported = np.concatenate([reported, raw], axis=1)
        if len(short):
            pop_b = np.asarray(fallback(short), dtype=np.float64)[:, bury_cols]
            okay = allowed[bury_cols][None, :] & np.isfinite(pop_b)
            if seen is not None:
                okay &= ~np.asarray(seen[short][:, bury_cols].toarray() > 0)
            scored = np.isfinite(key[short, -len(bury_cols) :])
            fill = np.where(okay, -20.0 + _normalise(pop_b), -np.inf)
            key[short, -len(bury_cols) :] = np.where(scored, key[short, -len(bury_cols) :], fill)
            reported[short, -len(bury_cols) :] = np.where(scored, reported[short, -len(bury_cols) :], pop_b)
    return _shape(cand, key, reported, n, rules, catalog)


def _rescale_like(raw: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Scale ``raw`` with the per-row min/max of the finite ``reference`` values."""
    finite = np.isfinite(reference)
    low = np.where(finite, reference, np.inf).min(axis=1, keepdims=True)
    high = np.where(finite, reference, -np.inf).max(axis=1, keepdims=True)
    low = np.where(np.isfinite(low), low, 0.0)
    span = np.where(np.isfinite(high) & (high > low), high - low, 1.0)
    return np.clip((raw - low) / span, 0.0, 1.0)


def _shape(
    cand: np.ndarray, key: np.ndarray, reported: np.ndarray, n: int, rules: Rules, catalog: Catalog
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order candidates by key, with greedy MMR over categories and the per-category cap."""
    if rules.diversity <= 0 and rules.max_per_category is None:
        order = np.argsort(-key, axis=1, kind="stable")
        return (
            np.take_along_axis(cand, order, axis=1),
            np.take_along_axis(key, order, axis=1),
            np.take_along_axis(reported, order, axis=1),
        )
    n_rows, width = cand.shape
    category = catalog.category[cand]
    n_cat = int(catalog.category.max()) + 2
    cat_index = np.where(category >= 0, category, n_cat - 1)
    counts = np.zeros((n_rows, n_cat), dtype=np.int64)
    used = np.zeros((n_rows, width), dtype=bool)
    out_c = np.zeros((n_rows, n), dtype=np.int64)
    out_k = np.full((n_rows, n), -np.inf)
    out_r = np.full((n_rows, n), np.nan)
    rows = np.arange(n_rows)
    cap = rules.max_per_category
    for slot in range(n):
        have = np.take_along_axis(counts, cat_index, axis=1)
        adjusted = key - rules.diversity * have
        adjusted[used] = -np.inf
        if cap is not None:
            adjusted[(have >= cap) & (category >= 0)] = -np.inf
        best = np.argmax(adjusted, axis=1)
        ok = np.isfinite(adjusted[rows, best])
        out_c[:, slot] = cand[rows, best]
        out_k[:, slot] = np.where(ok, key[rows, best], -np.inf)
        out_r[:, slot] = reported[rows, best]
        used[rows[ok], best[ok]] = True
        counts[rows[ok], cat_index[rows[ok], best[ok]]] += 1
    return out_c, out_k, out_r
