"""Basket analysis: frequent itemsets, association rules, and baskets built from orders."""

from aimass.analytics.basket._baskets import baskets_from_orders
from aimass.analytics.basket._itemsets import (
    RuleMetric,
    association_rules,
    frequent_itemsets,
    min_count_for,
)

__all__ = ["RuleMetric", "association_rules", "baskets_from_orders", "frequent_itemsets", "min_count_for"]
