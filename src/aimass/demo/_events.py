"""Browsing events (``core.events``): sessions before purchases, sessions without one, anonymous ones.

Purchase sessions
    Every ``online``, ``app`` or ``global_web`` order has a session that starts ``2 min + Exp(20 min)``
    (at most 3 h) before the order: a search for the first product (55%), then per line a view of the
    purchased product and ``Poisson(1.6)`` views of neighbours in price in its subcategory, an
    ``add_to_cart`` in the last third of the session and a ``purchase`` at the order time (value = the
    line amount). 12% of store orders have an app session 1-48 h before with views of the products.
Browse sessions
    ``Poisson(browse_sessions_per_order_s * n_orders_i)`` sessions per customer, at uniform times while
    they are active (signup to 60 days after dropout): ``1 + Poisson(2)`` views of products from their
    taste, a search first (40%) and an abandoned ``add_to_cart`` of the last product (20%).
Anonymous sessions
    6% of all sessions have no customer: ``1 + Poisson(1.5)`` views of popular products.

Views carry the list price as ``value``; ``add_to_cart`` the line's ``quantity * unit_price``. Times are
whole seconds. ``context`` is ``{"device", "page", "referrer"}``: the session's entry referrer on its first
event and ``internal`` after it; campaign-coupon orders enter from the campaign's channel.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from aimass.demo._catalog import Catalog
from aimass.demo._customers import Population, segment_subcategory_weights
from aimass.demo._orders import OrderLines
from aimass.demo._purchases import ORDER_CHANNELS, ORIGIN_CAMPAIGN, Lifetimes
from aimass.demo._random import categorical_rows
from aimass.demo._spec import AS_OF_US, COLOURS, DAY_US, DEVICES, MINUTE_US, SEGMENTS, START_US, SUBCATEGORIES

__all__ = ["EVENT_TYPES", "build_events"]

EVENT_TYPES: tuple[str, ...] = ("search", "view", "add_to_cart", "purchase")
_SEARCH, _VIEW, _CART, _PURCHASE = 0, 1, 2, 3
_PAGES = ("search", "product", "product", "checkout")
_REFERRERS = ("direct", "search_engine", "social", "wechat", "email", "sms", "push", "internal")
_ENTRY_P = np.array([0.35, 0.20, 0.15, 0.20, 0.10])
_SECOND_US = 1_000_000


@dataclass
class _Events:
    """Column arrays of events under construction (one list entry per batch)."""

    session: list[npt.NDArray[np.int64]]
    kind: list[npt.NDArray[np.int64]]
    time_us: list[npt.NDArray[np.int64]]
    product: list[npt.NDArray[np.int64]]
    value: list[npt.NDArray[np.float64]]
    seq: list[npt.NDArray[np.int64]]

    def add(
        self,
        session: npt.ArrayLike,
        kind: npt.ArrayLike,
        time_us: npt.ArrayLike,
        product: npt.ArrayLike,
        value: npt.ArrayLike,
        seq: npt.ArrayLike,
    ) -> None:
        size = np.asarray(session).size
        self.session.append(np.asarray(session, dtype=np.int64))
        self.kind.append(np.broadcast_to(np.asarray(kind, dtype=np.int64), size).copy())
        self.time_us.append(np.asarray(time_us, dtype=np.int64))
        self.product.append(np.broadcast_to(np.asarray(product, dtype=np.int64), size).copy())
        self.value.append(np.broadcast_to(np.asarray(value, dtype=np.float64), size).copy())
        self.seq.append(np.broadcast_to(np.asarray(seq, dtype=np.int64), size).copy())

    def column(self, name: str) -> npt.NDArray[np.generic]:
        return np.concatenate(getattr(self, name))


@dataclass(frozen=True)
class _Sessions:
    """Per session: customer index (-1 anonymous), device, entry referrer, start time."""

    customer: npt.NDArray[np.int64]
    device: npt.NDArray[np.int64]
    referrer: npt.NDArray[np.int64]
    start_us: npt.NDArray[np.int64]


def _queries(catalog: Catalog) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Per product, an English and a Chinese search query about its subcategory and colour."""
    sub = [SUBCATEGORIES[s][1] for s in catalog.subcategory]
    colour = [COLOURS[c] for c in catalog.colour]
    english = np.array(
        [
            f"{c[0].lower()} {s.label_en.lower()}" if i % 2 else s.label_en.lower()
            for i, (s, c) in enumerate(zip(sub, colour, strict=True))
        ],
        dtype=object,
    )
    chinese = np.array(
        [
            f"{c[1]}{s.label_zh}" if i % 3 else s.label_zh
            for i, (s, c) in enumerate(zip(sub, colour, strict=True))
        ],
        dtype=object,
    )
    return english, chinese


def _session_device(
    rng: np.random.Generator,
    population: Population,
    customer: npt.NDArray[np.int64],
    app: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int64]:
    """Device per session: the customer's phone in the app, their device mix on the web."""
    probs = population.device_probs[customer].copy()
    probs[app, 2] = 0.0
    return categorical_rows(rng, probs)


def build_events(
    rng: np.random.Generator,
    population: Population,
    catalog: Catalog,
    lines: OrderLines,
    lifetimes: Lifetimes,
) -> pd.DataFrame:
    """Draw every event and lay them out as the clean ``core.events`` table, by time.

    Parameters
    ----------
    rng : numpy.random.Generator
        The event stage's own stream.
    population, catalog : Population, Catalog
    lines : OrderLines
    lifetimes : Lifetimes

    Returns
    -------
    pandas.DataFrame
    """
    events = _Events([], [], [], [], [], [])
    sessions: list[_Sessions] = []
    offset = _purchase_sessions(rng, population, catalog, lines, events, sessions, 0)
    offset = _store_visits(rng, population, lines, events, sessions, offset)
    offset = _browse_sessions(rng, population, catalog, lines, lifetimes, events, sessions, offset)
    _anonymous_sessions(rng, catalog, events, sessions, offset)
    return _layout(rng, population, catalog, events, sessions)


def _purchase_sessions(
    rng: np.random.Generator,
    population: Population,
    catalog: Catalog,
    lines: OrderLines,
    events: _Events,
    sessions: list[_Sessions],
    offset: int,
) -> int:
    web = lines.channel != ORDER_CHANNELS.index("store")
    line_rows = np.flatnonzero(web)
    order_of_line = lines.order_index[line_rows]
    orders, first_line = np.unique(order_of_line, return_index=True)
    n = orders.size
    session_of_line = offset + np.searchsorted(orders, order_of_line)
    customer = lines.customer[line_rows[first_line]]
    buy_us = lines.time_us[line_rows[first_line]]
    duration = np.minimum(2 * MINUTE_US + rng.exponential(20 * MINUTE_US, n), 180 * MINUTE_US).astype(
        np.int64
    )
    start = buy_us - duration
    channel = lines.channel[line_rows[first_line]]
    referrer = rng.choice(5, n, p=_ENTRY_P)
    campaign = lines.origin[line_rows[first_line]] == ORIGIN_CAMPAIGN
    coupon = lines.orders["coupon_id"].to_numpy(dtype=object)[line_rows[first_line]]
    from_campaign = campaign | np.isin(coupon, ["SPRING20", "AUTUMN10", "AUTUMN20"])
    is_autumn = np.isin(coupon, ["AUTUMN10", "AUTUMN20"])
    referrer[from_campaign] = np.where(
        is_autumn[from_campaign], _REFERRERS.index("push"), _REFERRERS.index("sms")
    )
    app = channel == ORDER_CHANNELS.index("app")
    sessions.append(_Sessions(customer, _session_device(rng, population, customer, app), referrer, start))

    orders_frame = lines.orders
    amount = orders_frame["amount"].to_numpy()
    gross = (orders_frame["quantity"] * orders_frame["unit_price"]).to_numpy()
    product = lines.product[line_rows]
    s_start = start[session_of_line - offset]
    s_len = duration[session_of_line - offset]
    cart = buy_us[session_of_line - offset] - (rng.uniform(0.02, 0.33, line_rows.size) * s_len).astype(
        np.int64
    )
    view = s_start + (rng.uniform(0.05, 0.6, line_rows.size) * s_len).astype(np.int64)
    events.add(session_of_line, _VIEW, view, product, catalog.price[product], 1)
    events.add(session_of_line, _CART, cart, product, gross[line_rows], 3)
    events.add(session_of_line, _PURCHASE, buy_us[session_of_line - offset], product, amount[line_rows], 4)

    n_alt = rng.poisson(1.6, line_rows.size)
    alt_line = np.repeat(np.arange(line_rows.size), n_alt)
    alt_product = _neighbours(rng, catalog, product[alt_line])
    alt_time = s_start[alt_line] + (rng.uniform(0.03, 0.65, alt_line.size) * s_len[alt_line]).astype(np.int64)
    events.add(session_of_line[alt_line], _VIEW, alt_time, alt_product, catalog.price[alt_product], 2)

    searched = rng.random(n) < 0.55
    first_product = lines.product[line_rows[first_line]]
    events.add(
        np.flatnonzero(searched) + offset, _SEARCH, start[searched], first_product[searched], np.nan, 0
    )
    return offset + n


def _store_visits(
    rng: np.random.Generator,
    population: Population,
    lines: OrderLines,
    events: _Events,
    sessions: list[_Sessions],
    offset: int,
) -> int:
    store_rows = np.flatnonzero(lines.channel == ORDER_CHANNELS.index("store"))
    orders, first_line = np.unique(lines.order_index[store_rows], return_index=True)
    visited = rng.random(orders.size) < 0.12
    orders, first_line = orders[visited], first_line[visited]
    rows = store_rows[np.isin(lines.order_index[store_rows], orders)]
    n = orders.size
    customer = lines.customer[store_rows[first_line]]
    start = lines.time_us[store_rows[first_line]] - rng.uniform(1, 48, n).astype(np.int64) * 3600 * _SECOND_US
    start = np.maximum(start, population.signup_us[customer])
    sessions.append(
        _Sessions(
            customer,
            _session_device(rng, population, customer, np.ones(n, dtype=bool)),
            rng.choice(5, n, p=_ENTRY_P),
            start,
        )
    )
    session = offset + np.searchsorted(orders, lines.order_index[rows])
    product = lines.product[rows]
    time = start[session - offset] + rng.integers(10, 600, rows.size) * _SECOND_US
    events.add(session, _VIEW, time, product, lines.orders["unit_price"].to_numpy()[rows], 1)
    return offset + n


def _browse_sessions(
    rng: np.random.Generator,
    population: Population,
    catalog: Catalog,
    lines: OrderLines,
    lifetimes: Lifetimes,
    events: _Events,
    sessions: list[_Sessions],
    offset: int,
) -> int:
    n_orders = np.bincount(
        lines.customer[np.r_[True, np.diff(lines.order_index) != 0]], minlength=population.size
    )
    rate = np.array([s.browse_sessions_per_order for s in SEGMENTS])[population.segment]
    count = rng.poisson(rate * np.maximum(n_orders, 1))
    customer = np.repeat(np.arange(population.size), count)
    n = customer.size
    begin = population.signup_us[customer]
    stop = np.where(
        lifetimes.alive[customer],
        AS_OF_US,
        np.minimum(lifetimes.dropout_us[customer] + 60 * DAY_US, AS_OF_US),
    )
    start = begin + (rng.random(n) * (stop - begin - 30 * MINUTE_US)).astype(np.int64)
    app = rng.random(n) < population.channel_probs[customer, 1] / population.channel_probs[customer, :2].sum(
        1
    )
    sessions.append(
        _Sessions(
            customer, _session_device(rng, population, customer, app), rng.choice(5, n, p=_ENTRY_P), start
        )
    )
    session = offset + np.arange(n)
    n_views = 1 + rng.poisson(2.0, n)
    view_session = np.repeat(session, n_views)
    view_customer = customer[view_session - offset]
    product = _taste_products(rng, population, catalog, view_customer)
    step = _steps(n_views)
    time = start[view_session - offset] + (step * 90 + rng.integers(5, 80, step.size)) * _SECOND_US
    events.add(view_session, _VIEW, time, product, catalog.price[product], 1 + step)

    last = np.cumsum(n_views) - 1
    first = last - n_views + 1
    searched = rng.random(n) < 0.4
    events.add(session[searched], _SEARCH, start[searched], product[first[searched]], np.nan, 0)
    carted = rng.random(n) < 0.2
    cart_time = time[last[carted]] + rng.integers(10, 120, int(carted.sum())) * _SECOND_US
    cart_product = product[last[carted]]
    events.add(session[carted], _CART, cart_time, cart_product, catalog.price[cart_product], 99)
    return offset + n


def _anonymous_sessions(
    rng: np.random.Generator, catalog: Catalog, events: _Events, sessions: list[_Sessions], offset: int
) -> None:
    n = max(1, round(offset * 0.06 / 0.94))
    start = START_US + (rng.random(n) * (AS_OF_US - START_US - DAY_US)).astype(np.int64)
    sessions.append(
        _Sessions(
            np.full(n, -1, dtype=np.int64),
            rng.choice(3, n, p=[0.35, 0.4, 0.25]),
            rng.choice(5, n, p=_ENTRY_P),
            start,
        )
    )
    n_views = 1 + rng.poisson(1.5, n)
    view_session = np.repeat(np.arange(n), n_views)
    weights = np.cumsum(catalog.popularity)
    product = np.searchsorted(weights, rng.random(view_session.size) * weights[-1]).astype(np.int64)
    step = _steps(n_views)
    time = start[view_session] + (step * 60 + rng.integers(5, 50, step.size)) * _SECOND_US
    events.add(view_session + offset, _VIEW, time, product, catalog.price[product], 1 + step)
    searched = rng.random(n) < 0.3
    first = np.cumsum(n_views) - n_views
    events.add(
        np.flatnonzero(searched) + offset, _SEARCH, start[searched], product[first[searched]], np.nan, 0
    )


def _steps(counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``0, 1, ..., k - 1`` for each ``k`` in ``counts``, concatenated."""
    total = int(counts.sum())
    return (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)).astype(np.int64)


def _neighbours(
    rng: np.random.Generator, catalog: Catalog, product: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """A product near ``product`` in price within its subcategory (never itself when it has company)."""
    rank = np.empty(catalog.order.size, dtype=np.int64)
    rank[catalog.order] = np.arange(catalog.order.size)
    sub = catalog.subcategory[product]
    low = catalog.sub_start[sub]
    high = low + catalog.sub_count[sub] - 1
    step = rng.integers(1, 5, product.size) * np.where(rng.random(product.size) < 0.5, -1, 1)
    position = rank[product] + step
    position = np.where((position < low) | (position > high), rank[product] - step, position)
    return np.asarray(catalog.order[np.clip(position, low, high)], dtype=np.int64)


def _taste_products(
    rng: np.random.Generator, population: Population, catalog: Catalog, customer: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Products drawn from each customer's category taste, then by popularity within the subcategory."""
    category = categorical_rows(rng, population.taste[customer])
    sub_weights = segment_subcategory_weights()[population.segment[customer]]
    in_category = np.array([c for c, _ in SUBCATEGORIES])[None, :] == category[:, None]
    sub = categorical_rows(rng, np.where(in_category, sub_weights, 0.0))
    popularity = catalog.popularity[catalog.order]
    cumulative = np.cumsum(popularity)
    base = np.concatenate([[0.0], cumulative])[catalog.sub_start[sub]]
    span = cumulative[catalog.sub_start[sub] + catalog.sub_count[sub] - 1] - base
    position = np.searchsorted(cumulative, base + rng.random(customer.size) * span, side="right")
    position = np.clip(position, catalog.sub_start[sub], catalog.sub_start[sub] + catalog.sub_count[sub] - 1)
    return np.asarray(catalog.order[position], dtype=np.int64)


def _layout(
    rng: np.random.Generator,
    population: Population,
    catalog: Catalog,
    events: _Events,
    sessions: list[_Sessions],
) -> pd.DataFrame:
    """Sort by time, number the sessions and events, and build the clean table."""
    customer = np.concatenate([s.customer for s in sessions])
    device = np.concatenate([s.device for s in sessions])
    referrer = np.concatenate([s.referrer for s in sessions])
    start = np.concatenate([s.start_us for s in sessions])
    session_rank = np.empty(start.size, dtype=np.int64)
    session_rank[np.lexsort((np.arange(start.size), start))] = np.arange(start.size)

    session = events.column("session").astype(np.int64)
    kind = events.column("kind").astype(np.int64)
    time_us = events.column("time_us").astype(np.int64) // _SECOND_US * _SECOND_US
    product = events.column("product").astype(np.int64)
    value = events.column("value").astype(np.float64)
    seq = events.column("seq").astype(np.int64)
    order = np.lexsort((seq, session_rank[session], time_us))
    session, kind, time_us, product, value = (
        session[order],
        kind[order],
        time_us[order],
        product[order],
        value[order],
    )

    first_event = np.unique(session, return_index=True)[1]
    is_first = np.zeros(session.size, dtype=bool)
    is_first[first_event] = True
    event_referrer = np.where(is_first, referrer[session], _REFERRERS.index("internal"))
    contexts = np.array(
        [
            json.dumps({"device": d, "page": p, "referrer": r}, separators=(",", ":"))
            for d in DEVICES
            for p in _PAGES
            for r in _REFERRERS
        ],
        dtype=object,
    )
    context_code = (device[session] * len(_PAGES) + kind) * len(_REFERRERS) + event_referrer

    english, chinese = _queries(catalog)
    owner = customer[session]
    chinese_speaker = np.where(
        owner >= 0, population.speaks_chinese[np.maximum(owner, 0)], rng.random(session.size) < 0.5
    )
    search = kind == _SEARCH
    query = np.full(session.size, None, dtype=object)
    query[search] = np.where(chinese_speaker[search], chinese[product[search]], english[product[search]])
    product_id = catalog.product_ids.astype(object)[np.maximum(product, 0)]
    product_id[search] = None
    customer_id = population.customer_id.astype(object)[np.maximum(owner, 0)]
    customer_id[owner < 0] = None
    n = session.size
    return pd.DataFrame(
        {
            "event_id": np.char.add("E", np.char.zfill(np.arange(1, n + 1).astype(str), 9)),
            "customer_id": pd.Series(customer_id, dtype="str"),
            "session_id": np.char.add("S", np.char.zfill((session_rank[session] + 1).astype(str), 8)),
            "event_type": np.array(EVENT_TYPES)[kind],
            "occurred_at": pd.to_datetime(time_us, unit="us", utc=True),
            "product_id": pd.Series(product_id, dtype="str"),
            "query": pd.Series(query, dtype="str"),
            "value": np.where(search, np.nan, value),
            "context": contexts[context_code],
        }
    )
