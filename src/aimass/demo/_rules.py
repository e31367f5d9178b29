"""Support, confidence and lift of association rules measured on order baskets."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["measure_rule", "realized_rules"]


def _presence(
    codes: npt.NDArray[np.int64], items: npt.NDArray[np.object_], item: str, n: int
) -> npt.NDArray[np.bool_]:
    present = np.zeros(n, dtype=bool)
    present[codes[items == item]] = True
    return present


def measure_rule(
    order_id: pd.Series, items: pd.Series, antecedent: Sequence[str], consequent: str
) -> tuple[float, float, float]:
    """Support, confidence and lift of ``antecedent -> consequent`` with one basket per order.

    Parameters
    ----------
    order_id : pandas.Series
        The order of each line.
    items : pandas.Series
        The item of each line at the rule's level (a subcategory or a product id).
    antecedent : sequence of str
        Items that must all be in the basket.
    consequent : str

    Returns
    -------
    support, confidence, lift : float
        ``P(A and C)``, ``P(C | A)`` and ``P(C | A) / P(C)`` over orders (NaN where undefined).

    Examples
    --------
    >>> orders = pd.Series(["o1", "o1", "o2", "o3", "o3", "o4"])
    >>> items = pd.Series(["shirts", "trousers", "shirts", "shirts", "trousers", "milk"])
    >>> measure_rule(orders, items, ["shirts"], "trousers")
    (0.5, 0.6666666666666666, 1.3333333333333333)
    """
    codes, uniques = pd.factorize(order_id)
    n = len(uniques)
    values = items.to_numpy(dtype=object)
    has_a = np.ones(n, dtype=bool)
    for item in antecedent:
        has_a &= _presence(codes, values, item, n)
    has_c = _presence(codes, values, consequent, n)
    both = int((has_a & has_c).sum())
    support = both / n if n else float("nan")
    confidence = both / int(has_a.sum()) if has_a.any() else float("nan")
    lift = confidence / (int(has_c.sum()) / n) if has_c.any() and has_a.any() else float("nan")
    return support, confidence, lift


def realized_rules(
    orders: pd.DataFrame, products: pd.DataFrame, plan: list[dict[str, object]]
) -> pd.DataFrame:
    """The planted rules with their support, confidence and lift realized on ``orders``.

    Parameters
    ----------
    orders : pandas.DataFrame
        Clean ``core.orders``.
    products : pandas.DataFrame
        Clean ``core.products`` (for the subcategory of each product).
    plan : list of dict
        Rows with ``antecedent`` (items joined by ``+``), ``consequent``, ``level``,
        ``planted_confidence`` and ``planted_lift``.

    Returns
    -------
    pandas.DataFrame
        ``plan`` plus ``realized_support``, ``realized_confidence`` and ``realized_lift``.
    """
    subcategory = orders["product_id"].map(products.set_index("product_id")["subcategory"])
    rows = []
    for rule in plan:
        items = subcategory if rule["level"] == "subcategory" else orders["product_id"]
        support, confidence, lift = measure_rule(
            orders["order_id"], items, str(rule["antecedent"]).split("+"), str(rule["consequent"])
        )
        rows.append(
            {**rule, "realized_support": support, "realized_confidence": confidence, "realized_lift": lift}
        )
    return pd.DataFrame(rows)
