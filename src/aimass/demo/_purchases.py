"""Purchase timing: the BG/NBD process, simulated exactly and without loops.

Customer ``i`` is born at their first purchase ``t0`` and observed for ``T = AS_OF - t0`` days. While
alive, repeat purchases form a Poisson process of rate ``lambda_i``; after each *repeat* purchase the
customer drops out with probability ``p_i`` (so nobody drops out right after the first purchase, as in
Fader, Hardie and Lee 2005). With ``N_T ~ Poisson(lambda_i T)`` arrivals in ``(0, T]`` and the dropout
at repeat ``D ~ Geometric(p_i)``, the customer makes ``x = min(N_T, D)`` repeat purchases and is alive at
``AS_OF`` iff ``N_T < D``. The first ``x`` of the ``N_T`` uniform arrival times are drawn as order
statistics: ``t_k = T * S_k / (S_x + R)`` with ``S_k`` the partial sums of ``x`` standard exponentials
and ``R ~ Gamma(N_T + 1 - x)``.

Each order then gets its channel from the customer's channel mix (``online`` orders go to
``global_web`` with probability ``GLOBAL_WEB_SHARE``) and a repeat purchase keeps its day but takes a
time of day from the channel's hour profile (whole minutes), staying after the first purchase. There is
no weekly or yearly seasonality, so the process stays exactly BG/NBD (the campaigns' extra and
suppressed orders are the only departure, well under 1% of orders).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from aimass.demo._customers import Population
from aimass.demo._random import categorical_rows, time_of_day
from aimass.demo._spec import AS_OF_US, DAY_US, GLOBAL_WEB_SHARE, MINUTE_US

__all__ = ["ORDER_CHANNELS", "Lifetimes", "Slots", "simulate_purchases"]

#: Channel codes of order slots: the three channels plus the global web shop (an ``online`` variant).
ORDER_CHANNELS: tuple[str, ...] = ("online", "app", "store", "global_web")

ORIGIN_FIRST, ORIGIN_REPEAT, ORIGIN_CAMPAIGN = 0, 1, 2


@dataclass(frozen=True, eq=False)
class Slots:
    """Orders before their baskets are drawn: who, when, through which channel, why, with which coupon.

    ``coupon`` holds a campaign coupon code or ``""``; ``coupon_value`` its value in CNY (0 without).
    """

    customer: npt.NDArray[np.int64]
    time_us: npt.NDArray[np.int64]
    channel: npt.NDArray[np.int64]
    origin: npt.NDArray[np.int64]
    coupon: npt.NDArray[np.str_] = field(default_factory=lambda: np.array([], dtype="<U16"))
    coupon_value: npt.NDArray[np.float64] = field(default_factory=lambda: np.array([], dtype=float))

    def __post_init__(self) -> None:
        if self.coupon.size != self.customer.size:
            object.__setattr__(self, "coupon", np.full(self.customer.size, "", dtype="<U16"))
            object.__setattr__(self, "coupon_value", np.zeros(self.customer.size))

    @property
    def size(self) -> int:
        """Number of orders."""
        return int(self.customer.size)

    def take(self, index: npt.NDArray[np.int64] | npt.NDArray[np.bool_]) -> Slots:
        """The slots at ``index`` (a boolean mask or integer positions)."""
        return Slots(
            self.customer[index],
            self.time_us[index],
            self.channel[index],
            self.origin[index],
            self.coupon[index],
            self.coupon_value[index],
        )

    def concat(self, other: Slots) -> Slots:
        """These slots followed by ``other``."""
        return Slots(
            np.concatenate([self.customer, other.customer]),
            np.concatenate([self.time_us, other.time_us]),
            np.concatenate([self.channel, other.channel]),
            np.concatenate([self.origin, other.origin]),
            np.concatenate([self.coupon, other.coupon]),
            np.concatenate([self.coupon_value, other.coupon_value]),
        )


@dataclass(frozen=True, eq=False)
class Lifetimes:
    """Per customer: repeat purchases made, alive at ``AS_OF``, and when they dropped out (or -1)."""

    n_repeat: npt.NDArray[np.int64]
    alive: npt.NDArray[np.bool_]
    dropout_us: npt.NDArray[np.int64]

    def alive_at(self, time_us: int) -> npt.NDArray[np.bool_]:
        """Whether each customer is (latently) alive at ``time_us`` (true before their first purchase)."""
        return np.asarray(self.alive | (self.dropout_us > time_us), dtype=bool)


def draw_channels(rng: np.random.Generator, probs: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Order channel codes (see ``ORDER_CHANNELS``) from each row's channel mix."""
    channel = categorical_rows(rng, probs)
    channel[(channel == 0) & (rng.random(channel.size) < GLOBAL_WEB_SHARE)] = 3
    return channel


def hour_profile(channel: npt.NDArray[np.int64]) -> npt.NDArray[np.str_]:
    """The hour-of-day profile name of each order channel code."""
    return np.array(["online", "app", "store", "online"])[channel]


def simulate_purchases(rng: np.random.Generator, population: Population) -> tuple[Slots, Lifetimes]:
    """Draw every customer's first and repeat purchases up to ``AS_OF``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The purchase stage's own stream.
    population : Population

    Returns
    -------
    slots : Slots
        One slot per order, first purchases included, sorted by customer then time.
    lifetimes : Lifetimes
    """
    n = population.size
    t0 = population.first_purchase_us
    horizon = (AS_OF_US - t0) / DAY_US
    arrivals = rng.poisson(population.purchase_rate * horizon)
    drop_at = rng.geometric(population.dropout_prob)
    n_repeat = np.minimum(arrivals, drop_at).astype(np.int64)
    alive = arrivals < drop_at

    owner = np.repeat(np.arange(n), n_repeat)
    gaps = rng.exponential(1.0, owner.size)
    partial = np.cumsum(gaps)
    group_end = np.cumsum(n_repeat)
    before = np.concatenate([[0.0], partial])[(group_end - n_repeat)]
    partial -= np.repeat(before, n_repeat)
    total = np.zeros(n)
    has = n_repeat > 0
    total[has] = partial[group_end[has] - 1]
    rest = rng.gamma(np.maximum(arrivals - n_repeat + 1, 1).astype(float))
    scale = horizon / (total + rest)
    repeat_days = partial * np.repeat(scale, n_repeat)

    first_channel = draw_channels(rng, population.channel_probs)
    repeat_channel = draw_channels(rng, population.channel_probs[owner])
    raw = t0[owner] + (repeat_days * DAY_US).astype(np.int64)
    day_start = raw // DAY_US * DAY_US
    repeat_us = day_start + time_of_day(rng, hour_profile(repeat_channel))
    repeat_us = np.clip(repeat_us, t0[owner] + MINUTE_US, AS_OF_US - MINUTE_US)

    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, owner, repeat_us)
    dropout_us = np.where(alive, -1, last)

    slots = Slots(
        customer=np.concatenate([np.arange(n), owner]).astype(np.int64),
        time_us=np.concatenate([t0, repeat_us]).astype(np.int64),
        channel=np.concatenate([first_channel, repeat_channel]).astype(np.int64),
        origin=np.concatenate([np.full(n, ORIGIN_FIRST), np.full(owner.size, ORIGIN_REPEAT)]).astype(
            np.int64
        ),
    )
    order = np.lexsort((slots.time_us, slots.customer))
    return slots.take(order), Lifetimes(n_repeat, alive, dropout_us.astype(np.int64))
