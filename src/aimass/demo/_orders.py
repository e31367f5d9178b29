"""Order lines: prices, markdowns, coupons, payment, store, in the clean ``core.orders`` layout.

Money is computed in integer cents of the order's currency, so every export string is exact:

- CNY orders: ``unit_price`` is the list price; a markdown line has ``discount = round(q * price * rate)``.
- ``global_web`` orders are priced in USD in the export: ``usd = round(price / 7.2, 2)``, the markdown
  and coupon computed in USD cents, and the clean table holds ``round(usd * 7.2, 4)`` for
  ``unit_price``, ``discount`` and ``amount`` (so it is exactly what the USD string implies).
- A coupon (campaign coupon from the slot, else a general coupon with the customer's coupon rate:
  ``WELCOME10`` on half of the couponed first orders, otherwise ``SAVE15``/``FAMILY20``/``FLASH30``,
  used only on orders of at least three times its value) takes its value off the order's largest line
  (at most 80% of that line's net); ``coupon_id`` is set on every line of the order.
- ``amount = quantity * unit_price - discount``.

Payment is drawn from the customer's payment mix with ``cash`` only in stores; store orders are at the
customer's home store (85%) or another store. For 0.5% of orders the export leaves ``Channel`` empty;
the clean ``channel`` is null there too, because the information is genuinely missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from aimass.demo._baskets import Baskets
from aimass.demo._catalog import Catalog
from aimass.demo._customers import Population, store_ids
from aimass.demo._purchases import ORDER_CHANNELS, ORIGIN_FIRST, Slots
from aimass.demo._random import categorical_rows
from aimass.demo._spec import PAYMENTS, USD_TO_CNY

__all__ = ["GENERAL_COUPONS", "OrderLines", "build_orders"]

#: General-purpose coupon codes and their values in CNY.
GENERAL_COUPONS: tuple[tuple[str, float, float], ...] = (
    ("SAVE15", 15.0, 0.5),
    ("FAMILY20", 20.0, 0.3),
    ("FLASH30", 30.0, 0.2),
)
_WELCOME = ("WELCOME10", 10.0)
_MISSING_CHANNEL_SHARE = 0.005
#: A general coupon needs an order of at least this many times its value; no coupon takes more than
#: this share of the line it is applied to.
_MIN_SPEND_FACTOR = 3.0
_MAX_COUPON_SHARE = 0.8
_HOME_STORE_SHARE = 0.85
_STORE = ORDER_CHANNELS.index("store")
_GLOBAL_WEB = ORDER_CHANNELS.index("global_web")


@dataclass(frozen=True, eq=False)
class OrderLines:
    """The clean orders table and, aligned with its rows, what the events and exports need."""

    orders: pd.DataFrame
    currency: npt.NDArray[np.str_]
    order_index: npt.NDArray[np.int64]
    customer: npt.NDArray[np.int64]
    product: npt.NDArray[np.int64]
    channel: npt.NDArray[np.int64]
    time_us: npt.NDArray[np.int64]
    origin: npt.NDArray[np.int64]


def _to_cents(amount: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    return np.round(amount * 100.0).astype(np.int64)


def build_orders(
    rng: np.random.Generator, population: Population, catalog: Catalog, slots: Slots, baskets: Baskets
) -> OrderLines:
    """Price the baskets and lay them out one row per line.

    Parameters
    ----------
    rng : numpy.random.Generator
        The order stage's own stream.
    population, catalog : Population, Catalog
    slots : Slots
        The orders, sorted by time: slot ``k`` becomes order ``SO{k + 1:08d}``.
    baskets : Baskets
        One basket per slot.

    Returns
    -------
    OrderLines
    """
    m = slots.size
    usd = slots.channel == _GLOBAL_WEB
    row, col = np.nonzero(baskets.subcategory >= 0)
    product = baskets.product[row, col]
    quantity = baskets.quantity[row, col]
    markdown = baskets.markdown[row, col]
    line_usd = usd[row]

    list_cents = _to_cents(catalog.price[product])
    usd_cents = np.round(catalog.price[product] / USD_TO_CNY * 100.0).astype(np.int64)
    unit_cents = np.where(line_usd, usd_cents, list_cents)
    gross = quantity * unit_cents
    discount = np.round(gross * markdown).astype(np.int64)

    coupon, coupon_value = _coupons(rng, population, slots)
    order_gross = np.bincount(row, weights=gross / np.where(line_usd, 100.0 / USD_TO_CNY, 100.0), minlength=m)
    too_small = slots.coupon == ""
    too_small &= order_gross < _MIN_SPEND_FACTOR * coupon_value
    coupon[too_small], coupon_value[too_small] = "", 0.0
    coupon_cents = np.where(usd, np.round(coupon_value / USD_TO_CNY * 100.0), coupon_value * 100.0).astype(
        np.int64
    )
    net = gross - discount
    by_net = np.lexsort((-net, row))
    first_of_order = by_net[np.unique(row[by_net], return_index=True)[1]]
    cap = np.floor(net[first_of_order] * _MAX_COUPON_SHARE).astype(np.int64)
    take = np.minimum(coupon_cents[row[first_of_order]], cap)
    discount[first_of_order] += take
    amount = gross - discount

    def money(cents: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        return np.where(line_usd, np.round(cents / 100.0 * USD_TO_CNY, 4), cents / 100.0)

    payment = _payments(rng, population, slots)
    store = _stores(rng, population, slots)
    channel = np.array(ORDER_CHANNELS, dtype=object)[slots.channel]
    channel[rng.random(m) < _MISSING_CHANNEL_SHARE] = None
    customer = slots.customer[row]
    coupon_id = coupon.astype(object)
    coupon_id[coupon == ""] = None
    orders = pd.DataFrame(
        {
            "order_id": np.char.add("SO", np.char.zfill((row + 1).astype(str), 8)),
            "line_no": (col + 1).astype(np.int64),
            "customer_id": population.customer_id[customer],
            "product_id": catalog.product_ids[product],
            "ordered_at": pd.to_datetime(slots.time_us[row], unit="us", utc=True),
            "quantity": quantity.astype(np.float64),
            "unit_price": money(unit_cents),
            "discount": money(discount),
            "amount": money(amount),
            "channel": pd.Series(channel[row], dtype="str"),
            "payment_method": np.array(PAYMENTS)[payment][row],
            "coupon_id": pd.Series(coupon_id[row], dtype="str"),
            "store_id": pd.Series(store[row], dtype="str"),
        }
    )
    return OrderLines(
        orders=orders,
        currency=np.where(line_usd, "USD", "CNY"),
        order_index=row.astype(np.int64),
        customer=customer.astype(np.int64),
        product=product.astype(np.int64),
        channel=slots.channel[row].astype(np.int64),
        time_us=slots.time_us[row].astype(np.int64),
        origin=slots.origin[row].astype(np.int64),
    )


def _coupons(
    rng: np.random.Generator, population: Population, slots: Slots
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.float64]]:
    """The coupon code (or ``""``) and its value in CNY of every order."""
    code = slots.coupon.astype("<U16").copy()
    value = slots.coupon_value.astype(np.float64).copy()
    general = (code == "") & (rng.random(slots.size) < population.coupon_rate[slots.customer])
    welcome = general & (slots.origin == ORIGIN_FIRST) & (rng.random(slots.size) < 0.5)
    pick = rng.choice(len(GENERAL_COUPONS), size=slots.size, p=[p for _, _, p in GENERAL_COUPONS])
    names = np.array([name for name, _, _ in GENERAL_COUPONS])
    values = np.array([v for _, v, _ in GENERAL_COUPONS])
    code = np.where(general, names[pick], code)
    value = np.where(general, values[pick], value)
    code = np.where(welcome, _WELCOME[0], code)
    value = np.where(welcome, _WELCOME[1], value)
    return code, value


def _payments(rng: np.random.Generator, population: Population, slots: Slots) -> npt.NDArray[np.int64]:
    """Payment method index per order: the customer's mix, cash only in stores."""
    probs = population.payment_probs[slots.customer].copy()
    cash = PAYMENTS.index("cash")
    probs[slots.channel != _STORE, cash] = 0.0
    return categorical_rows(rng, probs)


def _stores(rng: np.random.Generator, population: Population, slots: Slots) -> npt.NDArray[np.object_]:
    """Store id per order (``None`` outside stores)."""
    ids, _ = store_ids()
    home = population.home_store[slots.customer]
    other = rng.integers(0, len(ids), slots.size)
    chosen = np.where(rng.random(slots.size) < _HOME_STORE_SHARE, home, other)
    store = np.array(ids, dtype=object)[chosen]
    store[slots.channel != _STORE] = None
    return store
