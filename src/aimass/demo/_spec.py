"""The fixed design of the demo world: time span, money, segments, planted rules and campaigns.

Everything random is drawn from these parameters in the other modules; this one holds no randomness.
The taxonomy (channels, payments, cities, colours, categories) lives in ``_taxonomy`` and is
re-exported here.

Time
    First purchases fall in 2023-01-01 .. 2024-12-31; ``AS_OF`` = 2025-01-01 00:00 UTC is the end of
    observation. All times are UTC. The BG/NBD time unit is the **day**.
Money
    CNY. Rows of the ``global_web`` channel are priced in USD in the export at ``USD_TO_CNY`` = 7.2.
Segments
    Five latent segments (see ``SEGMENTS``) differ in share, purchase rate and dropout (BG/NBD
    ``r, alpha, a, b``: ``lambda ~ Gamma(r, rate=alpha)`` per day, ``p ~ Beta(a, b)``), order value
    (Gamma-Gamma ``p, q, v``: ``nu ~ Gamma(q, rate=v)``, order value ``z ~ Gamma(p, rate=nu)``), category
    taste, price tier, price sensitivity, channel, payment, demographics, acquisition channel and browsing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aimass.demo._taxonomy import (
    ACQUISITION_CHANNELS,
    CATEGORIES,
    CHANNELS,
    CITIES,
    COLOURS,
    DEVICES,
    PAYMENTS,
    SUBCATEGORIES,
    CategorySpec,
    SubcategorySpec,
)

__all__ = [
    "ACQUISITION_CHANNELS",
    "AS_OF_US",
    "CAMPAIGN_TESTS",
    "CATEGORIES",
    "CHANNELS",
    "CITIES",
    "COLOURS",
    "CURRENCY",
    "DAY_US",
    "DEVICES",
    "GLOBAL_WEB_SHARE",
    "MINUTE_US",
    "OLDER_CAMPAIGNS",
    "PAYMENTS",
    "RULES",
    "SEGMENTS",
    "START_US",
    "SUBCATEGORIES",
    "USD_TO_CNY",
    "CampaignTest",
    "CategorySpec",
    "Effect",
    "OlderCampaign",
    "RuleSpec",
    "SegmentSpec",
    "SubcategorySpec",
    "to_us",
]


def to_us(text: str) -> int:
    """Microseconds since the epoch of an ISO time in UTC, e.g. ``"2024-04-01T09:00"``."""
    return int(np.datetime64(text, "us").astype(np.int64))


DAY_US = 86_400_000_000
MINUTE_US = 60_000_000
START_US = to_us("2023-01-01T00:00")
AS_OF_US = to_us("2025-01-01T00:00")
CURRENCY = "CNY"
USD_TO_CNY = 7.2
#: Share of ``online`` orders placed on the global web shop (priced in USD in the export).
GLOBAL_WEB_SHARE = 0.06


@dataclass(frozen=True)
class Effect:
    """The true effect of one campaign arm on one segment.

    Parameters
    ----------
    incremental : float
        Probability that a treated customer who is alive places one extra (incremental) order in the
        window, scaled per customer by their coupon propensity relative to the segment's.
    suppression : float
        Probability that a treated, alive customer places none of the orders they would have placed in
        the window (annoyed, or put off a full-price purchase).
    coupon_use : float
        Probability that the first order a treated customer would have placed anyway in the window uses
        the coupon (cannibalization: revenue lost, no extra purchase).
    """

    incremental: float
    suppression: float
    coupon_use: float


@dataclass(frozen=True)
class SegmentSpec:
    """The generating parameters of one latent segment (see the module docstring for the models)."""

    name: str
    share: float
    r: float
    alpha: float
    a: float
    b: float
    gg_p: float
    gg_q: float
    gg_v: float
    category_preference: tuple[float, ...]
    subcategory_tilt: tuple[tuple[str, float], ...]
    price_tier: float
    discount_share: float
    coupon_rate: float
    channel: tuple[float, ...]
    payment: tuple[float, ...]
    device: tuple[float, ...]
    acquisition: tuple[float, ...]
    city_tilt: tuple[tuple[str, float], ...]
    age_mean: float
    age_sd: float
    female_share: float
    grocery_quantity: float
    max_lines: int
    browse_sessions_per_order: float
    effects: tuple[tuple[str, Effect], ...]

    def effect(self, arm_key: str) -> Effect:
        """The true effect of the campaign arm ``arm_key`` (e.g. ``"CMP-2024-SPRING/treatment"``)."""
        return dict(self.effects)[arm_key]


_SPRING = "CMP-2024-SPRING/treatment"
_AUTUMN_10 = "CMP-2024-AUTUMN/coupon_10"
_AUTUMN_20 = "CMP-2024-AUTUMN/coupon_20"


def _effects(low: Effect, high: Effect) -> tuple[tuple[str, Effect], ...]:
    return ((_SPRING, high), (_AUTUMN_10, low), (_AUTUMN_20, high))


# Category order: clothing, shoes, accessories, electronics, home, beauty, sports, grocery.
# Channel order: online, app, store. Payment: alipay, wechat_pay, card, cash, apple_pay.
# Device: ios, android, desktop. Acquisition: organic_search, social, referral, store, app_store, paid_ads.
SEGMENTS: tuple[SegmentSpec, ...] = (
    SegmentSpec(
        "bargain_hunters",
        0.24,
        r=1.3,
        alpha=45.0,
        a=0.9,
        b=5.0,
        gg_p=4.0,
        gg_q=6.0,
        gg_v=250.0,
        category_preference=(0.22, 0.05, 0.04, 0.03, 0.14, 0.30, 0.04, 0.18),
        subcategory_tilt=(("phones", 0.4), ("laptops", 0.2), ("perfume", 0.5), ("snacks", 1.6)),
        price_tier=0.55,
        discount_share=0.60,
        coupon_rate=0.40,
        channel=(0.15, 0.75, 0.10),
        payment=(0.30, 0.60, 0.04, 0.04, 0.02),
        device=(0.25, 0.70, 0.05),
        acquisition=(0.15, 0.30, 0.15, 0.05, 0.25, 0.10),
        city_tilt=(("Chongqing", 1.4), ("Changsha", 1.4)),
        age_mean=38.0,
        age_sd=11.0,
        female_share=0.62,
        grocery_quantity=1.0,
        max_lines=5,
        browse_sessions_per_order=0.4,
        effects=_effects(Effect(0.25, 0.0, 0.85), Effect(0.45, 0.0, 0.90)),
    ),
    SegmentSpec(
        "loyal_families",
        0.20,
        r=2.2,
        alpha=40.0,
        a=0.6,
        b=9.0,
        gg_p=5.0,
        gg_q=7.0,
        gg_v=420.0,
        category_preference=(0.06, 0.03, 0.01, 0.02, 0.28, 0.05, 0.03, 0.52),
        subcategory_tilt=(("rice", 1.8), ("cooking_oil", 1.8), ("milk", 1.5), ("kitchenware", 1.4)),
        price_tier=0.9,
        discount_share=0.20,
        coupon_rate=0.15,
        channel=(0.10, 0.15, 0.75),
        payment=(0.35, 0.30, 0.10, 0.22, 0.03),
        device=(0.40, 0.50, 0.10),
        acquisition=(0.10, 0.10, 0.25, 0.40, 0.10, 0.05),
        city_tilt=(("Chengdu", 1.4), ("Wuhan", 1.4), ("Tianjin", 1.4)),
        age_mean=41.0,
        age_sd=8.0,
        female_share=0.66,
        grocery_quantity=1.6,
        max_lines=6,
        browse_sessions_per_order=0.15,
        effects=_effects(Effect(0.07, 0.0, 0.60), Effect(0.14, 0.0, 0.70)),
    ),
    SegmentSpec(
        "premium_fashion",
        0.16,
        r=1.6,
        alpha=80.0,
        a=0.7,
        b=6.0,
        gg_p=4.0,
        gg_q=5.0,
        gg_v=1300.0,
        category_preference=(0.40, 0.24, 0.22, 0.02, 0.03, 0.07, 0.01, 0.01),
        subcategory_tilt=(("dresses", 1.5), ("jackets", 1.4), ("watches", 1.5), ("perfume", 1.8)),
        price_tier=2.0,
        discount_share=0.03,
        coupon_rate=0.02,
        channel=(0.30, 0.05, 0.65),
        payment=(0.25, 0.10, 0.40, 0.02, 0.23),
        device=(0.75, 0.10, 0.15),
        acquisition=(0.20, 0.25, 0.10, 0.25, 0.05, 0.15),
        city_tilt=(("Shanghai", 1.8), ("Beijing", 1.8)),
        age_mean=33.0,
        age_sd=7.0,
        female_share=0.74,
        grocery_quantity=0.3,
        max_lines=6,
        browse_sessions_per_order=0.5,
        effects=_effects(Effect(0.0, 0.04, 0.80), Effect(0.0, 0.04, 0.85)),
    ),
    SegmentSpec(
        "tech_enthusiasts",
        0.14,
        r=1.2,
        alpha=75.0,
        a=0.8,
        b=4.0,
        gg_p=3.0,
        gg_q=4.0,
        gg_v=2000.0,
        category_preference=(0.03, 0.05, 0.05, 0.74, 0.03, 0.01, 0.06, 0.03),
        subcategory_tilt=(("phones", 1.5), ("laptops", 1.8), ("smartwatches", 1.5), ("sneakers", 1.5)),
        price_tier=1.25,
        discount_share=0.10,
        coupon_rate=0.06,
        channel=(0.85, 0.10, 0.05),
        payment=(0.45, 0.20, 0.15, 0.02, 0.18),
        device=(0.30, 0.20, 0.50),
        acquisition=(0.35, 0.15, 0.10, 0.03, 0.17, 0.20),
        city_tilt=(("Shenzhen", 1.8), ("Hangzhou", 1.8), ("Beijing", 1.3)),
        age_mean=29.0,
        age_sd=6.0,
        female_share=0.22,
        grocery_quantity=0.3,
        max_lines=6,
        browse_sessions_per_order=0.8,
        effects=_effects(Effect(0.03, 0.0, 0.40), Effect(0.07, 0.0, 0.50)),
    ),
    SegmentSpec(
        "occasional_browsers",
        0.26,
        r=0.8,
        alpha=130.0,
        a=1.2,
        b=2.8,
        gg_p=3.0,
        gg_q=5.0,
        gg_v=800.0,
        category_preference=(0.02, 0.02, 0.02, 0.02, 0.28, 0.04, 0.58, 0.02),
        subcategory_tilt=(),
        price_tier=1.4,
        discount_share=0.35,
        coupon_rate=0.05,
        channel=(0.65, 0.15, 0.20),
        payment=(0.35, 0.35, 0.12, 0.12, 0.06),
        device=(0.40, 0.40, 0.20),
        acquisition=(0.25, 0.20, 0.10, 0.15, 0.10, 0.20),
        city_tilt=(),
        age_mean=45.0,
        age_sd=14.0,
        female_share=0.50,
        grocery_quantity=0.5,
        max_lines=4,
        browse_sessions_per_order=2.5,
        effects=_effects(Effect(0.0, 0.60, 0.20), Effect(0.0, 0.60, 0.30)),
    ),
)


@dataclass(frozen=True)
class RuleSpec:
    """A planted association rule.

    ``antecedent`` and ``consequent`` name subcategories (``level="subcategory"``) or, for
    ``level="product"``, a role resolved to a product id by the catalog (``"flagship_phone"`` ...).
    When every antecedent item is in an order and the consequent is not, the consequent is added with
    the probability that brings the confidence to ``confidence`` (computed from the baskets before the
    rule is applied), so the planted lift is ``confidence / support(consequent after the rule)``.
    """

    antecedent: tuple[str, ...]
    consequent: str
    level: str
    confidence: float


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(("shirts",), "trousers", "subcategory", 0.40),
    RuleSpec(("shirts", "trousers"), "leather_shoes", "subcategory", 0.35),
    RuleSpec(("dresses",), "heels", "subcategory", 0.30),
    RuleSpec(("phones",), "phone_cases", "subcategory", 0.55),
    RuleSpec(("laptops",), "bags", "subcategory", 0.30),
    RuleSpec(("shampoo",), "conditioner", "subcategory", 0.50),
    RuleSpec(("coffee",), "milk", "subcategory", 0.45),
    RuleSpec(("bedding",), "pillows", "subcategory", 0.40),
    RuleSpec(("yoga_mats",), "water_bottles", "subcategory", 0.45),
    RuleSpec(("flagship_phone",), "flagship_case", "product", 0.60),
    RuleSpec(("signature_dress",), "signature_bag", "product", 0.50),
)


@dataclass(frozen=True)
class CampaignTest:
    """A randomized campaign: arms with equal shares, coupon values, the effect window and send cost."""

    campaign_id: str
    name: str
    assigned_at: str
    sent_at: str
    starts_at: str
    ends_at: str
    channel: str
    arms: tuple[str, ...]
    coupon_codes: tuple[tuple[str, str, float], ...]  # (arm, code, value in CNY)
    unit_cost: float
    budget: float


CAMPAIGN_TESTS: tuple[CampaignTest, ...] = (
    CampaignTest(
        "CMP-2024-SPRING",
        "Spring Coupon Test 2024",
        "2024-03-25T10:00",
        "2024-04-01T09:00",
        "2024-04-01T00:00",
        "2024-04-29T00:00",
        "sms",
        ("control", "treatment"),
        (("treatment", "SPRING20", 20.0),),
        0.05,
        60_000.0,
    ),
    CampaignTest(
        "CMP-2024-AUTUMN",
        "Autumn Coupon Test 2024",
        "2024-09-30T10:00",
        "2024-10-07T09:00",
        "2024-10-07T00:00",
        "2024-11-04T00:00",
        "push",
        ("control", "coupon_10", "coupon_20"),
        (("coupon_10", "AUTUMN10", 10.0), ("coupon_20", "AUTUMN20", 20.0)),
        0.01,
        80_000.0,
    ),
)


@dataclass(frozen=True)
class OlderCampaign:
    """A past campaign with no recorded exposures (served by the demo API, no effect on orders)."""

    campaign_id: str
    name: str
    starts_at: str
    ends_at: str
    channel: str
    offer_type: str
    offer_value: float
    unit_cost: float
    budget: float


OLDER_CAMPAIGNS: tuple[OlderCampaign, ...] = (
    OlderCampaign(
        "CMP-2023-NEWYEAR",
        "New Year Sale 2023",
        "2023-01-20",
        "2023-02-06",
        "email",
        "percent_off",
        10.0,
        0.02,
        20_000.0,
    ),
    OlderCampaign(
        "CMP-2023-WOMENSDAY",
        "Women's Day Beauty Week 2023",
        "2023-03-06",
        "2023-03-13",
        "push",
        "coupon",
        15.0,
        0.01,
        15_000.0,
    ),
    OlderCampaign(
        "CMP-2023-618",
        "618 Mid-Year Festival 2023",
        "2023-06-01",
        "2023-06-19",
        "app",
        "percent_off",
        15.0,
        0.0,
        50_000.0,
    ),
    OlderCampaign(
        "CMP-2023-SCHOOL",
        "Back to School 2023",
        "2023-08-20",
        "2023-09-06",
        "sms",
        "coupon",
        30.0,
        0.05,
        25_000.0,
    ),
    OlderCampaign(
        "CMP-2023-DOUBLE11",
        "Singles' Day 2023",
        "2023-11-01",
        "2023-11-12",
        "app",
        "percent_off",
        20.0,
        0.0,
        90_000.0,
    ),
    OlderCampaign(
        "CMP-2023-DOUBLE12",
        "Double 12 Free Shipping 2023",
        "2023-12-10",
        "2023-12-13",
        "push",
        "free_shipping",
        0.0,
        0.01,
        30_000.0,
    ),
    OlderCampaign(
        "CMP-2024-NEWYEAR",
        "Spring Festival 2024",
        "2024-01-25",
        "2024-02-16",
        "sms",
        "coupon",
        20.0,
        0.05,
        40_000.0,
    ),
    OlderCampaign(
        "CMP-2024-618",
        "618 Mid-Year Festival 2024",
        "2024-06-01",
        "2024-06-19",
        "app",
        "percent_off",
        15.0,
        0.0,
        60_000.0,
    ),
    OlderCampaign(
        "CMP-2024-MEMBERS",
        "Members' Week 2024",
        "2024-08-12",
        "2024-08-19",
        "email",
        "none",
        0.0,
        0.02,
        10_000.0,
    ),
    OlderCampaign(
        "CMP-2024-DOUBLE11",
        "Singles' Day 2024",
        "2024-11-01",
        "2024-11-12",
        "app",
        "percent_off",
        20.0,
        0.0,
        100_000.0,
    ),
)
