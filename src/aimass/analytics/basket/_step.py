"""The ``basket`` pipeline step: association rules per order, per customer, between categories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from aimass.analytics.basket._baskets import BasketLevel, baskets_from_orders
from aimass.analytics.basket._itemsets import association_rules, frequent_itemsets
from aimass.pipeline import StepResult, step

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = [
    "BASKET_ITEMSETS_SCHEMA",
    "BASKET_RULES_SCHEMA",
    "BasketParams",
    "BasketRules",
    "basket_rules",
    "run_basket",
]

#: Joins the items of an itemset in the text columns of the marts.
SEPARATOR = " + "
LEVELS = ("order", "customer", "category", "cross_category")

BASKET_RULES_SCHEMA = pa.schema(
    [
        ("level", pa.string()),
        ("antecedent", pa.string()),
        ("consequent", pa.string()),
        ("support", pa.float64()),
        ("confidence", pa.float64()),
        ("lift", pa.float64()),
        ("leverage", pa.float64()),
        ("conviction", pa.float64()),
        ("count", pa.int64()),
    ]
)
BASKET_ITEMSETS_SCHEMA = pa.schema(
    [
        ("level", pa.string()),
        ("itemset", pa.string()),
        ("length", pa.int64()),
        ("support", pa.float64()),
        ("count", pa.int64()),
    ]
)


class BasketParams(BaseModel):
    """Parameters of the ``basket`` step."""

    model_config = ConfigDict(extra="forbid")

    min_support: float = Field(
        0.0005, gt=0, le=1, description="Minimum share of orders for product itemsets (level `order`)."
    )
    customer_min_support: float = Field(
        0.005, gt=0, le=1, description="Minimum share of customers for product itemsets (level `customer`)."
    )
    category_min_support: float = Field(
        0.002, gt=0, le=1, description="Minimum share of orders for category itemsets (level `category`)."
    )
    category_item: str = Field(
        "subcategory",
        min_length=1,
        description="The product column the category-level baskets hold (subcategory, category, brand ...).",
    )
    parent_item: str = Field(
        "category",
        min_length=1,
        description="The product column that decides whether a category rule crosses categories.",
    )
    max_len: int = Field(3, ge=2, le=6, description="Largest itemset (antecedent plus consequent).")
    min_confidence: float = Field(0.1, ge=0, le=1, description="Smallest confidence of a rule kept.")
    min_lift: float = Field(1.5, ge=0, description="Smallest lift of a rule kept.")
    top_n: int = Field(15, ge=1, le=100, description="Rules in the top-rules chart.")


@dataclass(frozen=True)
class BasketRules:
    """What :func:`basket_rules` found: the rules and itemsets of every level, and basket counts."""

    rules: pd.DataFrame
    itemsets: pd.DataFrame
    n_baskets: dict[str, int]
    skipped: dict[str, str]


def _joined(column: pd.Series) -> list[str]:
    return [SEPARATOR.join(map(str, items)) for items in column]


def _level_rules(
    pairs: pd.DataFrame, level: str, min_support: float, params: BasketParams
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    itemsets = frequent_itemsets(pairs, min_support=min_support, max_len=params.max_len)
    rules = association_rules(
        itemsets,
        metric="lift",
        min_threshold=params.min_lift,
        min_confidence=params.min_confidence,
        max_consequent_len=1,
    )
    rules.insert(0, "level", level)
    itemsets = itemsets.assign(level=level)
    return rules, itemsets, int(itemsets.attrs["n_baskets"])


def _crossing(rules: pd.DataFrame, parent_of: pd.Series) -> pd.DataFrame:
    """The rules whose consequent's parent differs from the parent of every antecedent item."""
    parents = parent_of.to_dict()
    keep = [
        parents.get(consequent[0]) is not None
        and all(parents.get(item) != parents.get(consequent[0]) for item in antecedent)
        for antecedent, consequent in zip(rules["antecedent"], rules["consequent"], strict=True)
    ]
    crossing = rules.loc[np.asarray(keep, dtype=bool)].copy()
    crossing["level"] = "cross_category"
    return crossing


def basket_rules(orders: pd.DataFrame, products: pd.DataFrame, params: BasketParams) -> BasketRules:
    """Rules at the four levels of the ``basket`` step, from order lines and the product catalog.

    Parameters
    ----------
    orders : pandas.DataFrame
        ``core.orders`` (``order_id``, ``customer_id``, ``product_id``).
    products : pandas.DataFrame
        ``core.products`` (``product_id`` and the ``category_item`` / ``parent_item`` columns).
    params : BasketParams

    Returns
    -------
    BasketRules
        ``rules``: ``level`` then the columns of :func:`association_rules`, single-item consequents,
        lift >= ``min_lift`` and confidence >= ``min_confidence``; ``level`` is ``order`` (products,
        one basket per order), ``customer`` (products, one basket per customer), ``category``
        (``category_item`` per order) or ``cross_category`` (the category rules whose consequent has
        another ``parent_item`` than every antecedent item: "complete the outfit").
        ``itemsets``: the frequent itemsets of the first three levels. ``skipped``: levels not
        computed, with the reason.
    """
    plan: list[tuple[str, BasketLevel, str, float]] = [
        ("order", "order", "product_id", params.min_support),
        ("customer", "customer", "product_id", params.customer_min_support),
        ("category", "order", params.category_item, params.category_min_support),
    ]
    rules, itemsets, n_baskets, skipped = [], [], {}, {}
    for name, unit, item, min_support in plan:
        if item != "product_id" and item not in products.columns:
            skipped[name] = f"core.products has no column {item!r}"
            continue
        pairs = baskets_from_orders(orders, level=unit, item=item, products=products)
        found, sets, n_baskets[name] = _level_rules(pairs, name, min_support, params)
        rules.append(found)
        itemsets.append(sets)
    if "category" in skipped:
        skipped["cross_category"] = skipped["category"]
    elif params.parent_item not in products.columns:
        skipped["cross_category"] = f"core.products has no column {params.parent_item!r}"
    else:
        parent_of = (
            products.dropna(subset=[params.category_item, params.parent_item])
            .groupby(params.category_item)[params.parent_item]
            .agg(lambda values: values.mode().iloc[0])
        )
        rules.append(_crossing(rules[-1], parent_of))
        n_baskets["cross_category"] = n_baskets["category"]
    return BasketRules(
        rules=pd.concat(rules, ignore_index=True) if rules else pd.DataFrame(),
        itemsets=pd.concat(itemsets, ignore_index=True) if itemsets else pd.DataFrame(),
        n_baskets=n_baskets,
        skipped=skipped,
    )


def _rules_arrow(rules: pd.DataFrame) -> pa.Table:
    if rules.empty:
        return BASKET_RULES_SCHEMA.empty_table()
    data: dict[str, Any] = {
        "level": rules["level"].astype(str).tolist(),
        "antecedent": _joined(rules["antecedent"]),
        "consequent": _joined(rules["consequent"]),
        **{name: rules[name].to_numpy() for name in BASKET_RULES_SCHEMA.names[3:]},
    }
    return pa.table(data, schema=BASKET_RULES_SCHEMA)


def _itemsets_arrow(itemsets: pd.DataFrame) -> pa.Table:
    if itemsets.empty:
        return BASKET_ITEMSETS_SCHEMA.empty_table()
    data = {
        "level": itemsets["level"].astype(str).tolist(),
        "itemset": _joined(itemsets["itemset"]),
        "length": np.fromiter(map(len, itemsets["itemset"]), dtype=np.int64, count=len(itemsets)),
        "support": itemsets["support"].to_numpy(),
        "count": itemsets["count"].to_numpy(),
    }
    return pa.table(data, schema=BASKET_ITEMSETS_SCHEMA)


def _charts(counts: dict[str, int], top: list[dict[str, Any]]) -> list[dict[str, Any]]:
    schema = "https://vega.github.io/schema/vega-lite/v5.json"
    per_level = {
        "$schema": schema,
        "title": "Association rules per level",
        "data": {"values": [{"level": level, "rules": n} for level, n in counts.items()]},
        "mark": "bar",
        "encoding": {
            "x": {"field": "level", "type": "nominal", "sort": list(LEVELS), "title": "level"},
            "y": {"field": "rules", "type": "quantitative", "title": "rules"},
        },
    }
    top_rules = {
        "$schema": schema,
        "title": "Strongest rules (by lift)",
        "data": {"values": top},
        "mark": "bar",
        "encoding": {
            "y": {"field": "rule", "type": "nominal", "sort": "-x", "title": None},
            "x": {"field": "lift", "type": "quantitative", "title": "lift"},
            "color": {"field": "level", "type": "nominal"},
            "tooltip": [
                {"field": "rule", "type": "nominal"},
                {"field": "level", "type": "nominal"},
                {"field": "support", "type": "quantitative", "format": ".4f"},
                {"field": "confidence", "type": "quantitative", "format": ".3f"},
                {"field": "lift", "type": "quantitative", "format": ".2f"},
                {"field": "count", "type": "quantitative"},
            ],
        },
    }
    return [per_level, top_rules]


@step(
    "basket",
    reads=["core.orders", "core.products"],
    writes=["mart.basket_rules", "mart.basket_itemsets"],
    params=BasketParams,
    description="Frequent itemsets and association rules per order, per customer and between categories.",
)
def run_basket(workspace: Workspace, params: BasketParams) -> StepResult:
    """Frequent itemsets and association rules per order, per customer and between categories."""
    orders = workspace.engine.read_pandas("core.orders", columns=["order_id", "customer_id", "product_id"])
    products = workspace.engine.read_pandas("core.products")
    found = basket_rules(orders, products, params)
    table = _rules_arrow(found.rules)
    written = {
        "mart.basket_rules": workspace.engine.write_table("mart.basket_rules", table),
        "mart.basket_itemsets": workspace.engine.write_table(
            "mart.basket_itemsets", _itemsets_arrow(found.itemsets)
        ),
    }
    levels = table.column("level").to_pylist()
    counts = {level: levels.count(level) for level in LEVELS if level not in found.skipped}
    best = table.to_pandas().sort_values(["lift", "support"], ascending=False, kind="stable")
    best = best.drop_duplicates(["antecedent", "consequent"]).head(params.top_n)
    top = [
        {
            "rule": f"{row.antecedent} → {row.consequent}",
            "level": row.level,
            "support": float(row.support),
            "confidence": float(row.confidence),
            "lift": float(row.lift),
            "count": int(row.count),
        }
        for row in best.itertuples(index=False)
    ]
    warnings = [f"level {level} skipped: {reason}" for level, reason in found.skipped.items()]
    summary = (
        f"{table.num_rows:,} rules ("
        + ", ".join(f"{level} {n:,}" for level, n in counts.items())
        + f") from {found.n_baskets.get('order', 0):,} orders"
    )
    return StepResult(
        tables=written,
        figures={"rules": counts, "baskets": found.n_baskets, "top_rules": top[:5]},
        charts=_charts(counts, top),
        warnings=warnings,
        summary=summary,
    )
