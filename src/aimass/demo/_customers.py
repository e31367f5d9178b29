"""Customers: segments, latent behaviour, demographics and contact data.

Per customer ``i`` of segment ``s`` (parameters in ``_spec.SEGMENTS``):

- segment counts are exact shares (largest remainder), assigned in random order;
- ``lambda_i ~ Gamma(r_s, rate alpha_s)`` purchases per day while alive, ``p_i ~ Beta(a_s, b_s)``
  dropout probability after each repeat purchase (clipped to [1e-6, 1 - 1e-6]);
- ``nu_i ~ Gamma(q_s, rate v_s)``; the value of each order is ``z ~ Gamma(p_s, rate nu_i)`` (CNY);
- category taste ``~ Dirichlet(40 * preference_s)``; channel ``~ Dirichlet(20 * channel_s)``; payment
  ``~ Dirichlet(8 * payment_s)``; device ``~ Dirichlet(5 * device_s)``;
- price tier ``= tier_s * LogNormal(0, 0.12)``; markdown share and coupon rate ``~ Beta`` with the
  segment's mean and concentration 20;
- signup uniform over 2023-01-01 .. 2024-12-31 with 30% extra weight rising linearly towards the end
  (growing cohorts); the first purchase follows within 5-90 minutes (55%) or after an exponential
  delay with mean 6 days (capped before ``AS_OF``), in whole minutes;
- age ``~ Normal(age_mean_s, age_sd_s)`` clipped to 18..80 (birth date blank for 8%); gender F with
  ``female_share_s`` (blank for 4%); city from population weights times the segment's tilt; a home
  store in that city; acquisition channel from the segment's table.

Contacts: every customer has an email ``given.surname<number>@domain`` (blank for 3%) and a Chinese
mobile number (blank for 6%). The clean table stores ``email_hash = sha256(email.strip().lower())`` and
``phone_hash = sha256("+86" + 11 digits)`` (hex), null where the contact is blank.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from aimass.demo._random import allocate, categorical_rows, dirichlet_rows, time_of_day
from aimass.demo._spec import (
    ACQUISITION_CHANNELS,
    AS_OF_US,
    CATEGORIES,
    CITIES,
    DAY_US,
    MINUTE_US,
    SEGMENTS,
    START_US,
    SUBCATEGORIES,
)

__all__ = ["Population", "build_population", "segment_subcategory_weights", "store_ids"]

_SURNAMES = (
    "wang",
    "li",
    "zhang",
    "liu",
    "chen",
    "yang",
    "huang",
    "zhao",
    "wu",
    "zhou",
    "xu",
    "sun",
    "ma",
    "zhu",
)
_GIVEN = (
    "wei",
    "fang",
    "na",
    "min",
    "jing",
    "lei",
    "yang",
    "jie",
    "tao",
    "ming",
    "chao",
    "xiu",
    "yan",
    "hui",
    "lin",
)
_DOMAINS = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com", "foxmail.com")
_PHONE_PREFIXES = (
    "130",
    "131",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "158",
    "159",
    "176",
    "177",
    "180",
    "181",
    "186",
    "187",
    "188",
    "189",
    "199",
)


def store_ids() -> tuple[list[str], list[int]]:
    """The store ids (``ST01`` ...) and the index in ``CITIES`` of each store's city."""
    ids: list[str] = []
    city: list[int] = []
    for index, (_, _, _, n_stores) in enumerate(CITIES):
        for _ in range(n_stores):
            ids.append(f"ST{len(ids) + 1:02d}")
            city.append(index)
    return ids, city


@dataclass(frozen=True, eq=False)
class Population:
    """Clean customers and contacts, and the latent per-customer arrays (row ``i`` = customer ``i``)."""

    customers: pd.DataFrame
    contacts: pd.DataFrame
    customer_id: npt.NDArray[np.str_]
    segment: npt.NDArray[np.int64]
    purchase_rate: npt.NDArray[np.float64]
    dropout_prob: npt.NDArray[np.float64]
    spend_rate: npt.NDArray[np.float64]
    price_tier: npt.NDArray[np.float64]
    markdown_share: npt.NDArray[np.float64]
    coupon_rate: npt.NDArray[np.float64]
    taste: npt.NDArray[np.float64]
    channel_probs: npt.NDArray[np.float64]
    payment_probs: npt.NDArray[np.float64]
    device_probs: npt.NDArray[np.float64]
    home_store: npt.NDArray[np.int64]
    speaks_chinese: npt.NDArray[np.bool_]
    signup_us: npt.NDArray[np.int64]
    first_purchase_us: npt.NDArray[np.int64]

    @property
    def size(self) -> int:
        """Number of customers."""
        return int(self.segment.size)


def _segment_table(field: str) -> npt.NDArray[np.float64]:
    return np.array([getattr(seg, field) for seg in SEGMENTS], dtype=float)


def segment_subcategory_weights() -> npt.NDArray[np.float64]:
    """Per segment, the probability of each subcategory given its category (tilts applied)."""
    weights = np.array([[sub.weight for _, sub in SUBCATEGORIES]] * len(SEGMENTS))
    keys = [sub.key for _, sub in SUBCATEGORIES]
    categories = np.array([c for c, _ in SUBCATEGORIES])
    for row, seg in enumerate(SEGMENTS):
        for key, factor in seg.subcategory_tilt:
            weights[row, keys.index(key)] *= factor
        for c in range(len(CATEGORIES)):
            weights[row, categories == c] /= weights[row, categories == c].sum()
    return weights


def _beta_around(
    rng: np.random.Generator, mean: npt.NDArray[np.float64], concentration: float
) -> npt.NDArray[np.float64]:
    return rng.beta(mean * concentration, (1.0 - mean) * concentration)


def build_population(rng: np.random.Generator, n_customers: int) -> Population:
    """Draw ``n_customers`` customers.

    Parameters
    ----------
    rng : numpy.random.Generator
        The customer stage's own stream.
    n_customers : int

    Returns
    -------
    Population
    """
    n = n_customers
    counts = allocate(n, [seg.share for seg in SEGMENTS])
    segment = rng.permutation(np.repeat(np.arange(len(SEGMENTS)), counts)).astype(np.int64)

    purchase_rate = rng.gamma(_segment_table("r")[segment], 1.0 / _segment_table("alpha")[segment])
    dropout_prob = np.clip(
        rng.beta(_segment_table("a")[segment], _segment_table("b")[segment]), 1e-6, 1 - 1e-6
    )
    spend_rate = rng.gamma(_segment_table("gg_q")[segment], 1.0 / _segment_table("gg_v")[segment])
    price_tier = _segment_table("price_tier")[segment] * rng.lognormal(0.0, 0.12, n)
    markdown_share = _beta_around(rng, _segment_table("discount_share")[segment], 20.0)
    coupon_rate = _beta_around(rng, _segment_table("coupon_rate")[segment], 20.0)

    def table(field: str) -> npt.NDArray[np.float64]:
        return np.array([getattr(seg, field) for seg in SEGMENTS], dtype=float)[segment]

    taste = dirichlet_rows(rng, table("category_preference"), 40.0)
    channel_probs = dirichlet_rows(rng, table("channel"), 20.0)
    payment_probs = dirichlet_rows(rng, table("payment"), 8.0)
    device_probs = dirichlet_rows(rng, table("device"), 5.0)

    city_weights = np.array([[w for _, _, w, _ in CITIES]] * len(SEGMENTS))
    city_names = [name for name, _, _, _ in CITIES]
    for row, seg in enumerate(SEGMENTS):
        for name, factor in seg.city_tilt:
            city_weights[row, city_names.index(name)] *= factor
    city = categorical_rows(rng, city_weights[segment])
    _, store_city = store_ids()
    store_city_arr = np.array(store_city)
    first_store = np.searchsorted(store_city_arr, city)
    n_city_stores = np.array([CITIES[c][3] for c in city])
    home_store = (first_store + rng.integers(0, 1 << 30, n) % n_city_stores).astype(np.int64)

    # Customer numbers grow with signup time; segments were assigned independently of it.
    signup_us, first_purchase_us = _signup_and_first_purchase(rng, n)
    by_signup = np.argsort(signup_us, kind="stable")
    signup_us, first_purchase_us = signup_us[by_signup], first_purchase_us[by_signup]
    customer_number = np.sort(rng.choice(np.arange(1, 1_000_000), size=n, replace=False)).astype(np.int64)
    customer_id = np.char.zfill(customer_number.astype(str), 7)

    acquisition = categorical_rows(rng, table("acquisition"))
    age = np.clip(rng.normal(table("age_mean"), table("age_sd")), 18, 80)
    birth = np.datetime64("2025-01-01", "D") - np.round(age * 365.25).astype("timedelta64[D]")
    birth_known = rng.random(n) >= 0.08
    female = rng.random(n) < table("female_share")
    gender = np.where(female, "F", "M").astype(object)
    gender[rng.random(n) < 0.04] = None

    email, phone = _contacts(rng, customer_number)
    contacts = pd.DataFrame(
        {
            "customer_id": customer_id,
            "email": pd.Series(email, dtype="str"),
            "phone": pd.Series(phone, dtype="str"),
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": customer_id,
            "signup_at": pd.to_datetime(signup_us, unit="us", utc=True),
            "birth_date": pd.Series(birth, dtype="datetime64[s]").where(birth_known),
            "gender": pd.Series(gender, dtype="str"),
            "region": [CITIES[c][1] for c in city],
            "city": [CITIES[c][0] for c in city],
            "channel": np.array(ACQUISITION_CHANNELS)[acquisition],
            "email_hash": pd.Series([None if e is None else _sha256(e) for e in email], dtype="str"),
            "phone_hash": pd.Series([None if p is None else _sha256(f"+86{p}") for p in phone], dtype="str"),
        }
    )
    return Population(
        customers=customers,
        contacts=contacts,
        customer_id=customer_id,
        segment=segment,
        purchase_rate=purchase_rate,
        dropout_prob=dropout_prob,
        spend_rate=spend_rate,
        price_tier=price_tier,
        markdown_share=markdown_share,
        coupon_rate=coupon_rate,
        taste=taste,
        channel_probs=channel_probs,
        payment_probs=payment_probs,
        device_probs=device_probs,
        home_store=home_store,
        speaks_chinese=rng.random(n) < 0.65,
        signup_us=signup_us,
        first_purchase_us=first_purchase_us,
    )


def _signup_and_first_purchase(
    rng: np.random.Generator, n: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Signup times (whole seconds) and first-purchase times (whole minutes, at least 4 minutes later)."""
    span_days = (AS_OF_US - START_US) // DAY_US
    fraction = np.where(rng.random(n) < 0.3, np.sqrt(rng.random(n)), rng.random(n))
    day = np.minimum(np.floor(fraction * span_days), span_days - 1).astype(np.int64)
    tod = time_of_day(rng, np.full(n, "online"))
    signup = (
        START_US + day * DAY_US + np.minimum(tod + rng.integers(0, 60, n) * 1_000_000, DAY_US - 3_600_000_000)
    )
    same_session = rng.random(n) < 0.55
    delay = np.where(
        same_session,
        rng.uniform(5, 90, n) * MINUTE_US,
        rng.exponential(6.0, n) * DAY_US + 5 * MINUTE_US,
    ).astype(np.int64)
    first = signup + delay
    late = first > AS_OF_US - MINUTE_US
    first[late] = signup[late] + rng.integers(5, 30, int(late.sum())) * MINUTE_US
    first = first // MINUTE_US * MINUTE_US
    return signup.astype(np.int64), first.astype(np.int64)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _contacts(
    rng: np.random.Generator, number: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Plain emails (lower case) and 11-digit mobile numbers; ``None`` where the CRM has none."""
    n = number.size
    surname = np.array(_SURNAMES)[rng.integers(0, len(_SURNAMES), n)]
    given = np.array(_GIVEN)[rng.integers(0, len(_GIVEN), n)]
    domain = np.array(_DOMAINS)[rng.integers(0, len(_DOMAINS), n)]
    email = np.char.add(np.char.add(np.char.add(given, "."), surname), np.char.add(number.astype(str), "@"))
    email = np.char.add(email, domain).astype(object)
    email[rng.random(n) < 0.03] = None
    prefix = np.array(_PHONE_PREFIXES)[rng.integers(0, len(_PHONE_PREFIXES), n)]
    suffix = np.char.zfill(rng.choice(100_000_000, size=n, replace=False).astype(str), 8)
    phone = np.char.add(prefix, suffix).astype(object)
    phone[rng.random(n) < 0.06] = None
    return np.asarray(email, dtype=object), np.asarray(phone, dtype=object)
