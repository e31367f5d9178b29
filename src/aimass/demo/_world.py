"""The demo world: a synthetic retailer whose truth is known, built in memory from a seed.

``generate_world`` runs the stages below, each on its own random stream spawned from the seed (so the
same seed gives identical tables and a change in one stage does not shift the others):

1. customers (``_customers``): segments, latent BG/NBD and Gamma-Gamma parameters, demographics;
2. catalog (``_catalog``): ~2,000 products;
3. purchases (``_purchases``): first and repeat purchase times from the BG/NBD process;
4. campaigns (``_campaigns``): the two randomized tests and their true effects on the orders;
5. baskets (``_baskets``): products per order with the planted association rules;
6. orders (``_orders``): prices, discounts, coupons, payment and store per line;
7. events (``_events``): sessions before purchases, browsing without buying, anonymous sessions;
8. truth (``_rules``, ``_params``): realized rule statistics and the parameter summary.

``generate`` then writes the messy exports (``_export``), the truth (``_truth``) and the workspace
configuration (``aimass.demo._config.write_demo_config``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aimass.exceptions import ConfigError

__all__ = [
    "GENERATE_STAGES",
    "WORLD_STAGES",
    "DemoSource",
    "DemoTruth",
    "DemoWorld",
    "generate",
    "generate_world",
]

Progress = Callable[[str], None]

WORLD_STAGES: tuple[str, ...] = (
    "customers",
    "catalog",
    "purchases",
    "campaigns",
    "baskets",
    "orders",
    "events",
    "truth",
)
#: Stages reported by :func:`generate`, in order (the world's, then the writers').
GENERATE_STAGES: tuple[str, ...] = (*WORLD_STAGES, "exports", "images", "truth files", "config")
#: Index of each stage's random stream in ``SeedSequence(seed).spawn(...)``.
_STREAMS = {name: index for index, name in enumerate((*WORLD_STAGES, "exports"))}
MIN_CUSTOMERS = 100


@dataclass(frozen=True, eq=False)
class DemoTruth:
    """What generated the data.

    Attributes
    ----------
    segments : pandas.DataFrame
        ``customer_id, segment``.
    latent : pandas.DataFrame
        Per customer: ``purchase_rate`` (lambda per day), ``dropout_prob`` (p), ``spend_rate`` (nu),
        ``expected_order_value`` (p_s / nu), ``price_tier``, ``markdown_share``, ``coupon_rate``,
        ``first_purchase_at``, ``n_repeat`` (repeat purchases of the BG/NBD process),
        ``alive_at_as_of`` and ``dropout_at`` (time of the last purchase of those who dropped out).
    rules : pandas.DataFrame
        Planted rules with intended and realized support, confidence and lift.
    uplift : pandas.DataFrame
        ``customer_id, campaign_id, arm, true_uplift_prob, true_incremental_revenue`` for every
        customer in a campaign's audience and every non-control arm.
    params : dict
        Everything in ``truth/params.json``.
    payment : dict
        Everything in ``truth/payment.json``.
    planted : dict
        The problems the messy exports plant, per export file and column, counted by the exporter
        as it writes them (``truth/planted.json``, see :mod:`aimass.demo._export`): empty until
        :func:`generate` (or ``write_exports``) has written the exports.
    """

    segments: pd.DataFrame
    latent: pd.DataFrame
    rules: pd.DataFrame
    uplift: pd.DataFrame
    params: dict[str, Any]
    payment: dict[str, Any]
    planted: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class DemoSource:
    """What the source systems hold that the clean tables only keep hashed or converted.

    Attributes
    ----------
    contacts : pandas.DataFrame
        ``customer_id, email, phone`` in plain text (``None`` where the CRM has none).
    order_currency : numpy.ndarray of shape (n_order_lines,)
        ``"CNY"`` or ``"USD"``: the currency each clean order line is priced in by the source.
    """

    contacts: pd.DataFrame
    order_currency: np.ndarray[Any, np.dtype[np.str_]]


@dataclass(frozen=True, eq=False)
class DemoWorld:
    """The clean canonical tables of the demo retailer, and the truth that generated them.

    Attributes
    ----------
    n_customers, seed : int
        The arguments the world was generated with.
    as_of : pandas.Timestamp
        End of observation, 2025-01-01 00:00 UTC.
    customers, products, orders, events, campaigns, exposures : pandas.DataFrame
        Clean ``core.*`` tables (ids as strings, times UTC, money in CNY, JSON as text).
    truth : DemoTruth
    source : DemoSource
    """

    n_customers: int
    seed: int
    as_of: pd.Timestamp
    customers: pd.DataFrame
    products: pd.DataFrame
    orders: pd.DataFrame
    events: pd.DataFrame
    campaigns: pd.DataFrame
    exposures: pd.DataFrame
    truth: DemoTruth
    source: DemoSource

    def tables(self) -> dict[str, pd.DataFrame]:
        """The clean tables by canonical name."""
        return {
            "customers": self.customers,
            "products": self.products,
            "orders": self.orders,
            "events": self.events,
            "campaigns": self.campaigns,
            "exposures": self.exposures,
        }


def _check_arguments(n_customers: int, seed: int) -> None:
    if isinstance(n_customers, bool) or not isinstance(n_customers, int | np.integer):
        raise ConfigError(f"`n_customers` must be an integer >= {MIN_CUSTOMERS}; got {n_customers!r}")
    if n_customers < MIN_CUSTOMERS:
        raise ConfigError(f"`n_customers={n_customers}` is too small: it must be >= {MIN_CUSTOMERS}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ConfigError(f"`seed` must be an integer >= 0; got {seed!r}")
    if seed < 0:
        raise ConfigError(f"`seed={seed}` is negative: it must be an integer >= 0")


def stream(seed: int, stage: str) -> np.random.Generator:
    """The random stream of ``stage`` (a name in ``WORLD_STAGES`` or ``"exports"``) for ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return np.random.default_rng(children[_STREAMS[stage]])


def generate_world(
    n_customers: int = 20_000, seed: int = 0, *, progress: Progress | None = None
) -> DemoWorld:
    """Generate the demo retailer in memory.

    Parameters
    ----------
    n_customers : int, default 20000
        Number of customers, at least 100.
    seed : int, default 0
        Seed of every random draw (>= 0); the same seed gives identical tables.
    progress : callable, optional
        Called with the name of each stage (``WORLD_STAGES``) as it starts.

    Returns
    -------
    DemoWorld

    Raises
    ------
    ConfigError
        (a ``ValueError``) when ``n_customers`` < 100 or ``seed`` < 0, or either is not an integer.

    Examples
    --------
    >>> world = generate_world(200, seed=1)
    >>> world.customers["customer_id"].str.len().unique().tolist()
    [7]
    >>> sorted(world.truth.segments["segment"].unique())[:2]
    ['bargain_hunters', 'loyal_families']
    """
    from aimass.demo._baskets import draw_baskets
    from aimass.demo._campaigns import build_campaign_table, run_campaigns
    from aimass.demo._catalog import build_catalog
    from aimass.demo._customers import build_population
    from aimass.demo._events import build_events
    from aimass.demo._orders import build_orders
    from aimass.demo._params import build_params, build_payment
    from aimass.demo._purchases import simulate_purchases
    from aimass.demo._rules import realized_rules
    from aimass.demo._spec import AS_OF_US, SEGMENTS

    _check_arguments(n_customers, seed)
    n_customers, seed = int(n_customers), int(seed)

    def stage(name: str) -> np.random.Generator:
        if progress is not None:
            progress(name)
        return stream(seed, name)

    population = build_population(stage("customers"), n_customers)
    catalog = build_catalog(stage("catalog"))
    slots, lifetimes = simulate_purchases(stage("purchases"), population)
    outcome = run_campaigns(stage("campaigns"), population, lifetimes, slots)
    slots = outcome.slots.take(np.lexsort((outcome.slots.customer, outcome.slots.time_us)))
    baskets = draw_baskets(stage("baskets"), population, catalog, slots.customer)
    lines = build_orders(stage("orders"), population, catalog, slots, baskets)
    events = build_events(stage("events"), population, catalog, lines, lifetimes)

    stage("truth")
    names = np.array([s.name for s in SEGMENTS])
    segments = pd.DataFrame({"customer_id": population.customer_id, "segment": names[population.segment]})
    gg_p = np.array([s.gg_p for s in SEGMENTS])[population.segment]
    latent = segments.assign(
        purchase_rate=population.purchase_rate,
        dropout_prob=population.dropout_prob,
        spend_rate=population.spend_rate,
        expected_order_value=gg_p / population.spend_rate,
        price_tier=population.price_tier,
        markdown_share=population.markdown_share,
        coupon_rate=population.coupon_rate,
        first_purchase_at=pd.to_datetime(population.first_purchase_us, unit="us", utc=True),
        n_repeat=lifetimes.n_repeat,
        alive_at_as_of=lifetimes.alive,
        dropout_at=pd.Series(pd.to_datetime(lifetimes.dropout_us, unit="us", utc=True)).where(
            ~lifetimes.alive
        ),
    )
    orders = lines.orders
    rules = realized_rules(orders, catalog.products, baskets.plan)
    truth = DemoTruth(
        segments=segments,
        latent=latent,
        rules=rules,
        uplift=outcome.uplift,
        params=build_params(n_customers, seed, baskets.plan, orders, catalog.products, segments, len(events)),
        payment=build_payment(orders, segments),
    )
    return DemoWorld(
        n_customers=n_customers,
        seed=seed,
        as_of=pd.Timestamp(AS_OF_US, unit="us", tz="UTC"),
        customers=population.customers,
        products=catalog.products,
        orders=orders,
        events=events,
        campaigns=build_campaign_table(),
        exposures=outcome.exposures,
        truth=truth,
        source=DemoSource(contacts=population.contacts, order_currency=lines.currency),
    )


def generate(
    path: str | Path, n_customers: int = 20_000, seed: int = 0, progress: Progress | None = None
) -> DemoWorld:
    """Generate the demo world and write its messy exports, its truth and the workspace config.

    Writes ``<path>/exports/`` (``orders.csv``, ``customers.xlsx``, ``events.jsonl``, ``products.json``,
    ``crm.sqlite``, ``images/*.png``) and ``<path>/truth/`` (see :mod:`aimass.demo._truth`), then calls
    ``aimass.demo._config.write_demo_config(path)``. Existing files of the same names are overwritten.

    Parameters
    ----------
    path : str or pathlib.Path
        Folder to write into (created if missing).
    n_customers : int, default 20000
        Number of customers, at least 100.
    seed : int, default 0
        Seed (>= 0).
    progress : callable, optional
        Called with each stage name of ``GENERATE_STAGES`` as it starts.

    Returns
    -------
    DemoWorld
        The world that was written.

    Raises
    ------
    ConfigError
        (a ``ValueError``) for invalid ``n_customers`` or ``seed``.
    """
    from aimass.demo._export import write_exports
    from aimass.demo._images import write_images
    from aimass.demo._truth import write_truth

    _check_arguments(n_customers, seed)
    root = Path(path)
    world = generate_world(n_customers, seed, progress=progress)

    def report(name: str) -> None:
        if progress is not None:
            progress(name)

    report("exports")
    write_exports(world, root)
    report("images")
    write_images(world.products, root / "exports" / "images")
    report("truth files")
    write_truth(world, root)
    report("config")
    from aimass.demo._config import write_demo_config

    write_demo_config(root)
    return world
