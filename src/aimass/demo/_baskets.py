"""Baskets: which products each order holds, with the planted association rules.

For an order of customer ``i`` (segment ``s``):

1. its value ``z ~ Gamma(p_s, rate nu_i)`` is drawn;
2. six candidate lines are drawn from the customer's category taste, then the subcategory within the
   category from the segment's (tilted) subcategory weights, with a quantity (grocery
   ``1 + Poisson(grocery_quantity_s)`` up to 6, otherwise 2 with probability 0.06);
3. lines are kept while their cumulative typical cost ``tier_i * median * quantity`` stays within ``z``
   (at least one, at most ``max_lines_s``): bigger budgets make bigger baskets. Because this keeps more
   lines of cheap categories, the taste is re-weighted per segment (three rounds) so that the share of
   lines per category matches the segment's preference vector;
4. the planted subcategory rules add their consequent (see ``_spec.RuleSpec``), then each line gets a
   unit-price target ``z * median / sum(median * quantity)`` (divided by ``1 - markdown`` for lines
   bought on markdown), so the order's net value tracks ``z``;
5. the product is drawn among the seven products of the subcategory nearest in price to the target,
   weighted by popularity; finally the product rules put the rule's product in (replacing a line of
   its subcategory when there is one, otherwise adding a line).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aimass.demo._catalog import Catalog
from aimass.demo._customers import Population, segment_subcategory_weights
from aimass.demo._spec import CATEGORIES, RULES, SEGMENTS, SUBCATEGORIES, RuleSpec

__all__ = ["MARKDOWN_RATES", "Baskets", "draw_baskets"]

_CANDIDATES = 6
_SLOTS = 10
_NEIGHBOURS = 3
_CALIBRATION_ROUNDS = 3
#: Markdown rates and their probabilities for a line bought on markdown.
MARKDOWN_RATES: tuple[tuple[float, float], ...] = ((0.1, 0.30), (0.2, 0.35), (0.3, 0.25), (0.5, 0.10))
_SUB_KEYS = [sub.key for _, sub in SUBCATEGORIES]
_MEDIAN = np.array([sub.median_price for _, sub in SUBCATEGORIES])
_SUB_CATEGORY = np.array([c for c, _ in SUBCATEGORIES])
_GROCERY = [c.key for c in CATEGORIES].index("grocery")


@dataclass(frozen=True, eq=False)
class Baskets:
    """Lines per order as padded matrices (``-1`` / 0 past each order's last line).

    Attributes
    ----------
    product, subcategory : ndarray of shape (n_orders, slots)
    quantity : ndarray of shape (n_orders, slots)
    markdown : ndarray of shape (n_orders, slots)
        Markdown rate of each line (0 for full price).
    n_lines : ndarray of shape (n_orders,)
    value : ndarray of shape (n_orders,)
        The order's drawn value ``z`` (CNY).
    plan : list of dict
        Per planted rule: antecedent, consequent, level, planted_confidence, planted_lift.
    """

    product: npt.NDArray[np.int64]
    subcategory: npt.NDArray[np.int64]
    quantity: npt.NDArray[np.int64]
    markdown: npt.NDArray[np.float64]
    n_lines: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    plan: list[dict[str, object]]


def _subcategory_cumulative() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per segment and category, the cumulative subcategory probabilities (padded with 2.0)."""
    weights = segment_subcategory_weights()
    width = max(len(c.subcategories) for c in CATEGORIES)
    table = np.full((len(SEGMENTS), len(CATEGORIES), width), 2.0)
    start = np.zeros(len(CATEGORIES), dtype=np.int64)
    count = np.zeros(len(CATEGORIES), dtype=np.int64)
    for c in range(len(CATEGORIES)):
        members = np.flatnonzero(np.equal(_SUB_CATEGORY, c))
        start[c], count[c] = members[0], members.size
        table[:, c, : members.size] = np.cumsum(weights[:, members], axis=1)
        table[:, c, members.size - 1] = 2.0
    return table, start, count


def draw_baskets(
    rng: np.random.Generator, population: Population, catalog: Catalog, customer: npt.NDArray[np.int64]
) -> Baskets:
    """Draw the basket of every order.

    Parameters
    ----------
    rng : numpy.random.Generator
        The basket stage's own stream.
    population : Population
    catalog : Catalog
    customer : ndarray of shape (n_orders,)
        Customer index of each order.

    Returns
    -------
    Baskets
    """
    m = customer.size
    segment = population.segment[customer]
    value = rng.gamma(np.array([s.gg_p for s in SEGMENTS])[segment], 1.0 / population.spend_rate[customer])

    draws = _CandidateDraws(
        category_u=rng.random((m, _CANDIDATES)),
        subcategory_u=rng.random((m, _CANDIDATES)),
        grocery_quantity=np.minimum(
            1
            + rng.poisson(
                np.array([s.grocery_quantity for s in SEGMENTS])[segment][:, None], (m, _CANDIDATES)
            ),
            6,
        ),
        other_quantity=1 + (rng.random((m, _CANDIDATES)) < 0.06),
    )
    # The budget fill keeps more lines of cheap categories; re-weight the taste per segment until the
    # line shares match the segment's preference vector.
    factor = np.ones((len(SEGMENTS), len(CATEGORIES)))
    preference = np.array([s.category_preference for s in SEGMENTS])
    for _ in range(_CALIBRATION_ROUNDS):
        sub, quantity, n_lines, share = _fill(population, customer, segment, value, draws, factor)
        factor *= np.clip(preference / np.maximum(share, 1e-9), 0.5, 2.0)
    sub, quantity, n_lines, _ = _fill(population, customer, segment, value, draws, factor)

    subcategory = np.full((m, _SLOTS), -1, dtype=np.int64)
    qty = np.zeros((m, _SLOTS), dtype=np.int64)
    used = np.arange(_CANDIDATES)[None, :] < n_lines[:, None]
    subcategory[:, :_CANDIDATES] = np.where(used, sub, -1)
    qty[:, :_CANDIDATES] = np.where(used, quantity, 0)

    plan: list[dict[str, object]] = []
    for rule in RULES:
        if rule.level == "subcategory":
            plan.append(_apply_subcategory_rule(rng, rule, subcategory, qty, n_lines))

    rates = np.array([rate for rate, _ in MARKDOWN_RATES])
    rate_p = np.array([p for _, p in MARKDOWN_RATES])
    on_markdown = rng.random((m, _SLOTS)) < population.markdown_share[customer][:, None]
    markdown = np.where(on_markdown & (subcategory >= 0), rng.choice(rates, (m, _SLOTS), p=rate_p), 0.0)

    filled = subcategory >= 0
    typical = np.where(filled, _MEDIAN[np.maximum(subcategory, 0)], 0.0)
    scale = value / (typical * qty).sum(axis=1)
    target = scale[:, None] * typical / (1.0 - markdown)
    product = np.full((m, _SLOTS), -1, dtype=np.int64)
    product[filled] = _pick_products(rng, catalog, subcategory[filled], target[filled])

    for rule in RULES:
        if rule.level == "product":
            plan.append(_apply_product_rule(rng, rule, catalog, product, subcategory, qty, markdown, n_lines))
    return Baskets(product, subcategory, qty, markdown, n_lines, value, plan)


@dataclass(frozen=True)
class _CandidateDraws:
    """The uniforms and quantities behind the candidate lines, fixed across calibration rounds."""

    category_u: npt.NDArray[np.float64]
    subcategory_u: npt.NDArray[np.float64]
    grocery_quantity: npt.NDArray[np.int64]
    other_quantity: npt.NDArray[np.int64]


def _fill(
    population: Population,
    customer: npt.NDArray[np.int64],
    segment: npt.NDArray[np.int64],
    value: npt.NDArray[np.float64],
    draws: _CandidateDraws,
    factor: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Candidate subcategories and quantities, lines kept by the budget, and line shares per segment."""
    taste = np.cumsum(population.taste[customer] * factor[segment], axis=1)
    u = draws.category_u * taste[:, -1:]
    category = np.minimum((u[:, :, None] >= taste[:, None, :]).sum(axis=2), len(CATEGORIES) - 1)
    table, start, _ = _subcategory_cumulative()
    local = (draws.subcategory_u[:, :, None] >= table[segment[:, None], category]).sum(axis=2)
    sub = start[category] + local
    quantity = np.where(category == _GROCERY, draws.grocery_quantity, draws.other_quantity).astype(np.int64)
    cost = np.cumsum(population.price_tier[customer][:, None] * _MEDIAN[sub] * quantity, axis=1)
    max_lines = np.array([s.max_lines for s in SEGMENTS])[segment]
    n_lines = np.clip((cost <= value[:, None]).sum(axis=1), 1, max_lines).astype(np.int64)
    used = np.arange(_CANDIDATES)[None, :] < n_lines[:, None]
    counts = np.zeros((len(SEGMENTS), len(CATEGORIES)))
    np.add.at(counts, (np.broadcast_to(segment[:, None], used.shape)[used], category[used]), 1.0)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    return sub.astype(np.int64), quantity, n_lines, share


def _has(matrix: npt.NDArray[np.int64], items: list[int]) -> npt.NDArray[np.bool_]:
    present = np.ones(matrix.shape[0], dtype=bool)
    for item in items:
        present &= (matrix == item).any(axis=1)
    return present


def _add_probability(
    antecedent: npt.NDArray[np.bool_], consequent: npt.NDArray[np.bool_], confidence: float
) -> tuple[float, float]:
    """The add probability that brings P(consequent | antecedent) to ``confidence``; the expected one."""
    if not antecedent.any():
        return 0.0, confidence
    base = float(consequent[antecedent].mean())
    add = float(np.clip((confidence - base) / (1.0 - base), 0.0, 1.0)) if base < 1.0 else 0.0
    return add, base + (1.0 - base) * add


def _plan_row(
    rule: RuleSpec, antecedent: str, consequent: str, confidence: float, support: float
) -> dict[str, object]:
    return {
        "antecedent": antecedent,
        "consequent": consequent,
        "level": rule.level,
        "planted_confidence": round(confidence, 4),
        "planted_lift": round(confidence / support, 4) if support > 0 else float("nan"),
    }


def _apply_subcategory_rule(
    rng: np.random.Generator,
    rule: RuleSpec,
    subcategory: npt.NDArray[np.int64],
    qty: npt.NDArray[np.int64],
    n_lines: npt.NDArray[np.int64],
) -> dict[str, object]:
    antecedent = _has(subcategory, [_SUB_KEYS.index(key) for key in rule.antecedent])
    target = _SUB_KEYS.index(rule.consequent)
    consequent = _has(subcategory, [target])
    add, expected = _add_probability(antecedent, consequent, rule.confidence)
    rows = np.flatnonzero(antecedent & ~consequent & (rng.random(n_lines.size) < add) & (n_lines < _SLOTS))
    subcategory[rows, n_lines[rows]] = target
    qty[rows, n_lines[rows]] = 1
    n_lines[rows] += 1
    support = float(_has(subcategory, [target]).mean())
    return _plan_row(rule, "+".join(rule.antecedent), rule.consequent, expected, support)


def _apply_product_rule(
    rng: np.random.Generator,
    rule: RuleSpec,
    catalog: Catalog,
    product: npt.NDArray[np.int64],
    subcategory: npt.NDArray[np.int64],
    qty: npt.NDArray[np.int64],
    markdown: npt.NDArray[np.float64],
    n_lines: npt.NDArray[np.int64],
) -> dict[str, object]:
    items = [catalog.roles[role] for role in rule.antecedent]
    target = catalog.roles[rule.consequent]
    target_sub = int(catalog.subcategory[target])
    antecedent = _has(product, items)
    consequent = _has(product, [target])
    add, expected = _add_probability(antecedent, consequent, rule.confidence)
    rows = np.flatnonzero(antecedent & ~consequent & (rng.random(n_lines.size) < add))
    same_sub = subcategory[rows] == target_sub
    has_line = same_sub.any(axis=1)
    replace_rows, replace_cols = rows[has_line], same_sub[has_line].argmax(axis=1)
    product[replace_rows, replace_cols] = target
    grow = rows[~has_line & (n_lines[rows] < _SLOTS)]
    product[grow, n_lines[grow]] = target
    subcategory[grow, n_lines[grow]] = target_sub
    qty[grow, n_lines[grow]] = 1
    markdown[grow, n_lines[grow]] = 0.0
    n_lines[grow] += 1
    support = float(_has(product, [target]).mean())
    ids = catalog.product_ids
    return _plan_row(rule, "+".join(str(ids[i]) for i in items), str(ids[target]), expected, support)


def _pick_products(
    rng: np.random.Generator, catalog: Catalog, sub: npt.NDArray[np.int64], target: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """For each line, a product of ``sub`` among the nearest in price to ``target``, by popularity."""
    key = sub * 100.0 + np.log(np.maximum(target, 0.01))
    position = np.searchsorted(catalog.sorted_key, key)
    low = catalog.sub_start[sub]
    high = low + catalog.sub_count[sub] - 1
    centre = np.clip(position, low, high)
    offsets = np.arange(-_NEIGHBOURS, _NEIGHBOURS + 1)
    candidates = np.clip(centre[:, None] + offsets[None, :], low[:, None], high[:, None])
    products = catalog.order[candidates]
    weights = np.cumsum(catalog.popularity[products], axis=1)
    u = rng.random(sub.size) * weights[:, -1]
    pick = np.minimum((u[:, None] >= weights).sum(axis=1), weights.shape[1] - 1)
    return np.asarray(products[np.arange(sub.size), pick], dtype=np.int64)
