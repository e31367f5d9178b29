"""Fixtures shared by the recommendation tests."""

from __future__ import annotations

import pandas as pd
import pytest

from aimass.demo import DemoWorld
from aimass.recommend import interactions_from_core


@pytest.fixture(scope="session")
def demo_log(demo_world: DemoWorld) -> pd.DataFrame:
    """The demo world's interaction log (purchases, views, carts) of known customers, as the step reads it."""
    log = interactions_from_core(demo_world.orders, demo_world.events)
    known = log[log["customer_id"].notna()]
    return known[["customer_id", "product_id", "occurred_at", "event_type"]].reset_index(drop=True)
