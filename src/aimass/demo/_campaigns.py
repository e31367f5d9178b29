"""Campaigns: the table of 12 campaigns, two randomized tests, their exposures and true effects.

Audience
    Every customer whose first purchase is before the assignment time (what a real company can target:
    it cannot see who has latently dropped out). Arms get equal shares, in random order, so the
    propensity is 1/2 (spring) and 1/3 (autumn).
Effect window
    From ``sent_at`` to the window end (exclusive; 4 weeks). Only customers who are latently alive at
    ``sent_at`` react; for the others every effect is zero.
Mechanism (per treated, alive customer, with the segment's ``Effect`` for the arm)
    - *incremental*: with probability ``inc_i = incremental_s * coupon_rate_i / coupon_rate_s``
      (clipped to 0..0.95) one extra order is placed, at ``sent_at`` plus a truncated exponential delay
      (mean 5 days), using the arm's coupon;
    - *suppression*: with probability ``suppression_s`` all orders the customer would have placed in
      the window are not placed;
    - *cannibalization*: otherwise, the first order they would have placed anyway in the window uses the
      coupon with probability ``coupon_use_s``.
True individual effects (``truth/uplift.csv``), with ``pi_i = 1 - exp(-lambda_i L)`` the chance of at
least one baseline order in the window of ``L`` days given alive, ``N_i`` the expected number of
baseline orders in it (``sum_k (1 - p_i)^(k-1) P(Poisson(lambda_i L) >= k)``), ``E[z_i] = p_s / nu_i``
the expected order value and ``c`` the coupon value::

    true_uplift_prob         = alive_i * (1 - (1 - (1 - sup) pi_i) (1 - inc_i) - pi_i)
    true_incremental_revenue = alive_i * (inc_i (E[z_i] - c) - sup N_i E[z_i] - (1 - sup) use pi_i c)

The ten older campaigns have no exposures and no effect on orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from aimass.demo._customers import Population
from aimass.demo._purchases import ORIGIN_CAMPAIGN, Lifetimes, Slots, draw_channels, hour_profile
from aimass.demo._random import allocate, time_of_day
from aimass.demo._spec import (
    CAMPAIGN_TESTS,
    DAY_US,
    MINUTE_US,
    OLDER_CAMPAIGNS,
    SEGMENTS,
    CampaignTest,
    to_us,
)

__all__ = ["CampaignOutcome", "build_campaign_table", "run_campaigns"]

_DELAY_MEAN_DAYS = 5.0
_SECOND_US = 1_000_000


@dataclass(frozen=True, eq=False)
class CampaignOutcome:
    """The slots after the campaigns, the exposures table and the true effects."""

    slots: Slots
    exposures: pd.DataFrame
    uplift: pd.DataFrame


def build_campaign_table() -> pd.DataFrame:
    """The clean ``core.campaigns`` table (12 rows, by start time); ``ends_at`` is the last second."""
    rows: list[dict[str, object]] = []
    for old in OLDER_CAMPAIGNS:
        rows.append(
            {
                "campaign_id": old.campaign_id,
                "name": old.name,
                "starts_at": to_us(old.starts_at),
                "ends_at": to_us(old.ends_at) - _SECOND_US,
                "channel": old.channel,
                "offer_type": old.offer_type,
                "offer_value": old.offer_value,
                "unit_cost": old.unit_cost,
                "budget": old.budget,
            }
        )
    for test in CAMPAIGN_TESTS:
        rows.append(
            {
                "campaign_id": test.campaign_id,
                "name": test.name,
                "starts_at": to_us(test.starts_at),
                "ends_at": to_us(test.ends_at) - _SECOND_US,
                "channel": test.channel,
                "offer_type": "coupon",
                "offer_value": max(value for _, _, value in test.coupon_codes),
                "unit_cost": test.unit_cost,
                "budget": test.budget,
            }
        )
    table = pd.DataFrame(rows).sort_values(["starts_at", "campaign_id"]).reset_index(drop=True)
    for column in ("starts_at", "ends_at"):
        table[column] = pd.to_datetime(table[column].to_numpy(dtype=np.int64), unit="us", utc=True)
    return table


def _expected_window_orders(
    rate: npt.NDArray[np.float64], dropout: npt.NDArray[np.float64], days: float
) -> npt.NDArray[np.float64]:
    """Expected baseline orders in a window of ``days`` for customers alive at its start."""
    k = np.arange(1, 80)
    mean = rate[:, None] * days
    at_least = stats.poisson.sf(k[None, :] - 1, mean)
    survive = (1.0 - dropout[:, None]) ** (k[None, :] - 1)
    return np.asarray((survive * at_least).sum(axis=1), dtype=np.float64)


def run_campaigns(
    rng: np.random.Generator, population: Population, lifetimes: Lifetimes, slots: Slots
) -> CampaignOutcome:
    """Assign the two tests, apply their true effects to the orders and record the effects.

    Parameters
    ----------
    rng : numpy.random.Generator
        The campaign stage's own stream.
    population : Population
    lifetimes : Lifetimes
    slots : Slots
        The baseline orders.

    Returns
    -------
    CampaignOutcome
    """
    exposures: list[pd.DataFrame] = []
    uplift: list[pd.DataFrame] = []
    for test in CAMPAIGN_TESTS:
        slots, exposure, effect = _run_test(rng, population, lifetimes, slots, test)
        exposures.append(exposure)
        uplift.append(effect)
    order = np.lexsort((slots.time_us, slots.customer))
    return CampaignOutcome(
        slots.take(order),
        pd.concat(exposures, ignore_index=True),
        pd.concat(uplift, ignore_index=True),
    )


def _run_test(
    rng: np.random.Generator, population: Population, lifetimes: Lifetimes, slots: Slots, test: CampaignTest
) -> tuple[Slots, pd.DataFrame, pd.DataFrame]:
    assigned, sent, end = to_us(test.assigned_at), to_us(test.sent_at), to_us(test.ends_at)
    audience = np.flatnonzero(population.first_purchase_us < assigned)
    counts = allocate(audience.size, np.ones(len(test.arms)))
    arm = rng.permutation(np.repeat(np.arange(len(test.arms)), counts))
    days = (end - sent) / DAY_US

    segment = population.segment[audience]
    alive = lifetimes.alive_at(sent)[audience]
    rate = population.purchase_rate[audience]
    p_window = 1.0 - np.exp(-rate * days)
    n_window = _expected_window_orders(rate, population.dropout_prob[audience], days)
    value = np.array([seg.gg_p for seg in SEGMENTS])[segment] / population.spend_rate[audience]
    coupon_ratio = population.coupon_rate[audience] / np.array([seg.coupon_rate for seg in SEGMENTS])[segment]

    in_window = (slots.time_us >= sent) & (slots.time_us < end)
    keep = np.ones(slots.size, dtype=bool)
    extra: list[Slots] = []
    effects: list[pd.DataFrame] = []
    codes = {arm_name: (code, coupon) for arm_name, code, coupon in test.coupon_codes}
    for arm_index, arm_name in enumerate(test.arms):
        if arm_name == "control":
            continue
        code, coupon = codes[arm_name]
        effect = [seg.effect(f"{test.campaign_id}/{arm_name}") for seg in SEGMENTS]
        incremental = np.clip(np.array([e.incremental for e in effect])[segment] * coupon_ratio, 0.0, 0.95)
        suppression = np.array([e.suppression for e in effect])[segment]
        use = np.array([e.coupon_use for e in effect])[segment]
        treated_prob = 1.0 - (1.0 - (1.0 - suppression) * p_window) * (1.0 - incremental)
        effects.append(
            pd.DataFrame(
                {
                    "customer_id": population.customer_id[audience],
                    "campaign_id": test.campaign_id,
                    "arm": arm_name,
                    "true_uplift_prob": np.where(alive, treated_prob - p_window, 0.0),
                    "true_incremental_revenue": np.where(
                        alive,
                        incremental * (value - coupon)
                        - suppression * n_window * value
                        - (1.0 - suppression) * use * p_window * coupon,
                        0.0,
                    ),
                }
            )
        )

        treated = (arm == arm_index) & alive
        members = audience[treated]
        suppressed = np.zeros(population.size, dtype=bool)
        suppressed[members[rng.random(members.size) < suppression[treated]]] = True
        keep &= ~(in_window & suppressed[slots.customer])

        uses = np.zeros(population.size, dtype=bool)
        uses[members[rng.random(members.size) < use[treated]]] = True
        candidates = np.flatnonzero(in_window & keep & uses[slots.customer] & (slots.coupon == ""))
        first = candidates[np.unique(slots.customer[candidates], return_index=True)[1]]
        slots.coupon[first] = code
        slots.coupon_value[first] = coupon

        buyers = members[rng.random(members.size) < incremental[treated]]
        extra.append(_extra_orders(rng, population, buyers, sent, end, code, coupon))

    effect_frame = pd.concat(effects, ignore_index=True)
    exposure = pd.DataFrame(
        {
            "campaign_id": test.campaign_id,
            "customer_id": population.customer_id[audience],
            "arm": np.array(test.arms)[arm],
            "assigned_at": pd.to_datetime(np.full(audience.size, assigned), unit="us", utc=True),
            "sent_at": pd.Series(pd.to_datetime(np.full(audience.size, sent), unit="us", utc=True)).where(
                arm > 0
            ),
            "cost": np.where(arm > 0, test.unit_cost, 0.0),
        }
    )
    result = slots.take(keep)
    for more in extra:
        result = result.concat(more)
    return result, exposure, effect_frame


def _extra_orders(
    rng: np.random.Generator,
    population: Population,
    buyers: npt.NDArray[np.int64],
    sent: int,
    end: int,
    code: str,
    coupon: float,
) -> Slots:
    """One incremental order per buyer, soon after the message, with the campaign coupon."""
    days = (end - sent) / DAY_US
    u = rng.random(buyers.size)
    delay = -_DELAY_MEAN_DAYS * np.log1p(-u * (1.0 - np.exp(-days / _DELAY_MEAN_DAYS)))
    channel = draw_channels(rng, population.channel_probs[buyers])
    day_start = (sent + (delay * DAY_US).astype(np.int64)) // DAY_US * DAY_US
    time_us = np.clip(
        day_start + time_of_day(rng, hour_profile(channel)), sent + 5 * MINUTE_US, end - MINUTE_US
    )
    return Slots(
        customer=buyers.astype(np.int64),
        time_us=time_us.astype(np.int64),
        channel=channel,
        origin=np.full(buyers.size, ORIGIN_CAMPAIGN, dtype=np.int64),
        coupon=np.full(buyers.size, code, dtype="<U16"),
        coupon_value=np.full(buyers.size, coupon),
    )
