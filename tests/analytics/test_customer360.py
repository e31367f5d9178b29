"""``mart.customer_360``: one row per customer, joined from the analysis marts, with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from aimass import Workspace
from aimass.analytics._customer360 import customer_360
from aimass.canonical import write_core
from aimass.pipeline import run_steps

UTC = "UTC"


def _core(ws: Workspace) -> None:
    write_core(ws.engine, "customers", pd.DataFrame({"customer_id": ["001", "002", "003"]}))
    t = pd.Timestamp("2024-05-01", tz=UTC)
    orders = pd.DataFrame(
        {
            "order_id": ["a", "a", "b", "c", "d", "e"],
            "line_no": [1, 2, 1, 1, 1, 1],
            "customer_id": ["001", "001", "001", "001", "002", "002"],
            "product_id": ["p1", "p2", "p1", "p3", "p1", "p2"],
            "ordered_at": [t, t, t, t, t, t],
            "quantity": [1.0] * 6,
            "unit_price": [10.0] * 6,
            # 001: order a (2 lines, app) and b (app) outweigh c (web); 002: a tie broken by name
            "channel": ["app", "app", "app", "web", "web", "store"],
            "payment_method": ["card", "card", "alipay", "alipay", None, "cash"],
        }
    )
    write_core(ws.engine, "orders", orders)


def test_preferences_count_orders_not_lines_and_break_ties_by_name(workspace: Workspace) -> None:
    _core(workspace)
    table, warnings = customer_360(workspace.engine)
    got = table.to_pandas().set_index("customer_id")
    assert list(got.index) == ["001", "002", "003"]
    assert got.loc["001", "preferred_channel"] == "app"
    # 001 paid by card in one order and by alipay in two (b, c): orders, not lines, are counted
    assert got.loc["001", "preferred_payment_method"] == "alipay"
    assert got.loc["002", "preferred_channel"] == "store"  # store and web once each: alphabetical
    assert got.loc["002", "preferred_payment_method"] == "cash"  # a null payment is not a preference
    assert pd.isna(got.loc["003", "preferred_channel"])
    assert len(warnings) == 5 and any("run `aimass run clv`" in w for w in warnings)
    assert got["clv"].isna().all() and got["segment"].isna().all()


def test_marts_are_joined_per_customer(workspace: Workspace) -> None:
    _core(workspace)
    engine = workspace.engine
    engine.write_table(
        "mart.segments",
        pd.DataFrame({"customer_id": ["001", "002"], "segment_id": [0, 1], "segment_name": ["loyal", "new"]}),
    )
    engine.write_table(
        "mart.clv",
        pd.DataFrame(
            {
                "customer_id": ["001", "003"],
                "clv": [120.5, 3.0],
                "p_alive": [0.9, 0.2],
                "expected_purchases": [2.0, 0.1],
                "expected_spend": [60.0, 30.0],
            }
        ),
    )
    engine.write_table(
        "mart.propensity",
        pd.DataFrame(
            {
                "customer_id": ["001", "001", "002", "002"],
                "category": ["shoes", "bags", "bags", "shoes"],
                "probability": [0.2, 0.7, 0.4, 0.4],
            }
        ),
    )
    got = customer_360(engine)[0].to_pandas().set_index("customer_id")
    assert got.loc["001", "segment"] == "loyal" and got.loc["002", "segment_id"] == 1
    assert got.loc["001", "clv"] == pytest.approx(120.5) and got.loc["003", "p_alive"] == pytest.approx(0.2)
    assert pd.isna(got.loc["002", "clv"])
    assert got.loc["001", "next_likely_category"] == "bags"
    assert got.loc["002", "next_likely_category"] == "bags"  # a tie: alphabetical
    assert got.loc["001", "next_category_probability"] == pytest.approx(0.7)


def test_step_writes_the_mart_and_records_the_run(workspace: Workspace) -> None:
    _core(workspace)
    runs = run_steps(workspace, ["customer_360"])
    assert runs[-1].record.status == "ok"
    assert workspace.engine.row_count("mart.customer_360") == 3
    assert runs[-1].result is not None and runs[-1].result.figures["customers"] == 3
