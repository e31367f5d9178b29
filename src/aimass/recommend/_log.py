"""The interaction log the recommenders learn from, built from the canonical tables.

One function for training (the ``recommend`` step), evaluation (``aimass recommend evaluate``) and
the benchmark, so that all three read the same log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from aimass.exceptions import SchemaError

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = ["BROWSING_EVENT_TYPES", "interactions_from_core", "read_interactions"]

#: Event types taken from ``core.events`` next to the order lines (purchases come from the orders).
BROWSING_EVENT_TYPES: tuple[str, ...] = ("view", "add_to_cart", "cart")

_LOG_COLUMNS = ("customer_id", "product_id", "occurred_at", "event_type", "session_id", "order_id")


def interactions_from_core(
    orders: pd.DataFrame | None,
    events: pd.DataFrame | None = None,
    *,
    event_types: Sequence[str] = BROWSING_EVENT_TYPES,
) -> pd.DataFrame:
    """An interaction log from ``core.orders`` (as purchases) and ``core.events`` rows with a product.

    Parameters
    ----------
    orders : pandas.DataFrame or None
        Order lines with ``customer_id, product_id, ordered_at`` (and ideally ``order_id``).
    events : pandas.DataFrame, optional
        Events with ``customer_id, product_id, occurred_at, event_type`` (``session_id`` optional).
    event_types : sequence of str
        Event types kept. ``purchase`` events are added only when there are no order lines (they
        repeat them otherwise).

    Returns
    -------
    pandas.DataFrame
        ``customer_id, product_id, occurred_at, event_type, session_id, order_id``; missing values
        are None.

    Raises
    ------
    SchemaError
        When a needed column is missing, or there is nothing to learn from.

    Examples
    --------
    >>> t = pd.Timestamp("2024-01-01", tz="UTC")
    >>> orders = pd.DataFrame({"order_id": ["o1"], "customer_id": ["c1"], "product_id": ["p1"],
    ...                        "ordered_at": [t]})
    >>> events = pd.DataFrame({"customer_id": ["c1", "c1"], "product_id": ["p2", "p1"],
    ...                        "occurred_at": [t, t], "event_type": ["view", "purchase"]})
    >>> interactions_from_core(orders, events)[["product_id", "event_type", "order_id"]].values.tolist()
    [['p1', 'purchase', 'o1'], ['p2', 'view', None]]
    """
    parts: list[pd.DataFrame] = []
    if orders is not None and len(orders):
        _require(orders, ("customer_id", "product_id", "ordered_at"), "orders")
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": orders["customer_id"],
                    "product_id": orders["product_id"],
                    "occurred_at": orders["ordered_at"],
                    "event_type": "purchase",
                    "session_id": None,
                    "order_id": orders["order_id"] if "order_id" in orders.columns else None,
                }
            )
        )
    if events is not None and len(events):
        _require(events, ("customer_id", "product_id", "occurred_at", "event_type"), "events")
        types = [*event_types, *([] if parts else ["purchase"])]
        rows = events[events["product_id"].notna() & events["event_type"].isin(types)]
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": rows["customer_id"],
                    "product_id": rows["product_id"],
                    "occurred_at": rows["occurred_at"],
                    "event_type": rows["event_type"],
                    "session_id": rows["session_id"] if "session_id" in rows.columns else None,
                    "order_id": None,
                }
            )
        )
    if not parts:
        raise SchemaError(
            "no interactions: core.orders and core.events are missing or empty; run prepare first"
        )
    frame = pd.concat(parts, ignore_index=True)
    for column in _LOG_COLUMNS:
        if column != "occurred_at":
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def read_interactions(workspace: Workspace) -> pd.DataFrame:
    """:func:`interactions_from_core` over a workspace's ``core.orders`` and ``core.events``."""
    engine = workspace.engine
    orders = engine.read_pandas("core.orders") if engine.exists("core.orders") else None
    events = engine.read_pandas("core.events") if engine.exists("core.events") else None
    return interactions_from_core(orders, events)


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise SchemaError(f"{name} lack column(s) {missing}; need {list(columns)}")
