"""RFM: hand-computed recency / frequency / monetary, quintiles with ties, the R x F segment map."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aimass import Workspace
from aimass.analytics.rfm import RFM_SEGMENT_MAP, quantile_scores, rfm_segments, rfm_table
from aimass.cli.main import main
from aimass.exceptions import ConfigError, SchemaError
from aimass.pipeline import run_steps

RFM_COLUMNS = [
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "rfm_score",
    "rfm_segment",
]


def _lines() -> pd.DataFrame:
    """Three customers, order lines; order o2 has two lines."""
    return pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o2", "o3", "o4", "o5", "o6"],
            "customer_id": ["A", "A", "A", "B", "C", "C", "C"],
            "ordered_at": pd.to_datetime(
                [
                    "2024-01-01 10:00",
                    "2024-03-01 12:00",
                    "2024-03-01 12:00",
                    "2024-02-15 00:00",
                    "2024-01-10 00:00",
                    "2024-02-10 00:00",
                    "2024-03-20 06:00",
                ],
                utc=True,
            ),
            "amount": [100.0, 30.0, 20.0, 500.0, 10.0, 10.0, 10.0],
        }
    )


def test_rfm_by_hand() -> None:
    table = rfm_table(_lines(), as_of="2024-04-01", n_bins=3, segment_map={"all": [((1, 3), (1, 3))]})
    assert list(table.columns) == RFM_COLUMNS
    by_id = table.set_index("customer_id")
    # A: last order 2024-03-01 12:00 -> 30.5 days before 04-01; 2 distinct orders; 100 + 30 + 20.
    assert by_id.loc["A", "recency_days"] == pytest.approx(30.5)
    assert by_id.loc["A", "frequency"] == 2
    assert by_id.loc["A", "monetary"] == pytest.approx(150.0)
    # B: 2024-02-15 -> 46 days (Feb 2024 has 29 days); C: 03-20 06:00 -> 11.75 days; 3 orders; 30.
    assert by_id.loc["B", "recency_days"] == pytest.approx(46.0)
    assert by_id.loc["C", "recency_days"] == pytest.approx(11.75)
    assert by_id.loc[["B", "C"], "frequency"].tolist() == [1, 3]
    assert by_id.loc["C", "monetary"] == pytest.approx(30.0)
    # With 3 customers and 3 bins each rank is its own score: recent = high R.
    assert by_id["r_score"].to_dict() == {"A": 2, "B": 1, "C": 3}
    assert by_id["f_score"].to_dict() == {"A": 2, "B": 1, "C": 3}
    assert by_id["m_score"].to_dict() == {"A": 2, "B": 3, "C": 1}
    assert by_id["rfm_score"].to_dict() == {"A": "222", "B": "113", "C": "331"}


def test_default_as_of_is_the_day_after_the_last_order_and_later_orders_are_ignored() -> None:
    default = rfm_table(_lines(), n_bins=3, segment_map={"all": [((1, 3), (1, 3))]}).set_index("customer_id")
    # Last order 2024-03-20 06:00 -> as_of 2024-03-21 00:00.
    assert default.loc["C", "recency_days"] == pytest.approx(18 / 24)
    early = rfm_table(
        _lines(), as_of="2024-02-20", n_bins=3, segment_map={"all": [((1, 3), (1, 3))]}
    ).set_index("customer_id")
    assert early.loc["A", "frequency"] == 1 and early.loc["A", "monetary"] == 100.0
    assert early.loc["C", "frequency"] == 2 and early.loc["C", "recency_days"] == pytest.approx(10.0)


def test_amount_falls_back_to_quantity_times_price_minus_discount() -> None:
    lines = _lines().drop(columns="amount").assign(quantity=2.0, unit_price=10.0, discount=1.0)
    table = rfm_table(lines, as_of="2024-04-01", n_bins=3, segment_map={"x": [((1, 3), (1, 3))]})
    assert table.set_index("customer_id")["monetary"].to_dict() == {"A": 57.0, "B": 19.0, "C": 57.0}


def test_quintiles_break_ties_by_position() -> None:
    # Ten equal values still fill all five quintiles, two each, in order of appearance.
    assert quantile_scores(np.ones(10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # Distinct values: ceil(rank * 5 / n).
    assert quantile_scores([5, 1, 4, 2, 3]).tolist() == [5, 1, 4, 2, 3]
    assert quantile_scores(np.arange(7)).tolist() == [1, 2, 3, 3, 4, 5, 5]
    # Recency: small is good.
    assert quantile_scores([1.0, 9.0], 2, ascending=False).tolist() == [2, 1]
    with pytest.raises(ConfigError, match="n_bins"):
        quantile_scores([1, 2], 1)


def test_many_one_order_customers_spread_over_frequency_scores() -> None:
    orders = pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(10)],
            "customer_id": [f"c{i}" for i in range(10)],
            "ordered_at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.arange(10), unit="D"),
            "amount": 1.0,
        }
    )
    table = rfm_table(orders)
    assert sorted(table["f_score"].tolist()) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # Ties go by customer id: c0, c1 get F 1.
    assert table.set_index("customer_id").loc[["c0", "c1", "c9"], "f_score"].tolist() == [1, 1, 5]


def test_default_segment_map_cells() -> None:
    cells = {}
    for name, rectangles in RFM_SEGMENT_MAP.items():
        for (r_low, r_high), (f_low, f_high) in rectangles:
            for r in range(r_low, r_high + 1):
                for f in range(f_low, f_high + 1):
                    assert (r, f) not in cells
                    cells[(r, f)] = name
    assert len(cells) == 25
    expected = {
        (5, 5): "champions",
        (5, 4): "champions",
        (4, 4): "loyal",
        (3, 5): "loyal",
        (5, 2): "potential loyalists",
        (4, 3): "potential loyalists",
        (5, 1): "new",
        (4, 1): "promising",
        (3, 3): "need attention",
        (3, 1): "about to sleep",
        (3, 2): "about to sleep",
        (2, 3): "at risk",
        (1, 4): "at risk",
        (1, 5): "can't lose",
        (2, 5): "can't lose",
        (1, 1): "hibernating",
        (2, 2): "hibernating",
    }
    for cell, name in expected.items():
        assert cells[cell] == name, cell


def _grid_orders() -> pd.DataFrame:
    """25 customers: customer (i, j) has recency rank i and frequency rank j, so scores equal i, j."""
    rows = []
    for r in range(1, 6):
        for f in range(1, 6):
            customer = f"r{r}f{f}"
            # More recent for higher r; f orders in total, all on distinct days ending at day 50 + r.
            for k in range(f):
                rows.append((f"{customer}-{k}", customer, 50 + r * 10 - k - f * 0.01, 10.0))
    frame = pd.DataFrame(rows, columns=["order_id", "customer_id", "day", "amount"])
    frame["ordered_at"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(frame["day"], unit="D")
    return frame.drop(columns="day")


def test_named_segments_follow_the_grid() -> None:
    table = rfm_table(_grid_orders(), as_of="2024-06-01").set_index("customer_id")
    assert table.loc["r5f5", ["r_score", "f_score"]].tolist() == [5, 5]
    assert table.loc["r1f1", ["r_score", "f_score"]].tolist() == [1, 1]
    assert table.loc["r5f5", "rfm_segment"] == "champions"
    assert table.loc["r5f1", "rfm_segment"] == "new"
    assert table.loc["r4f1", "rfm_segment"] == "promising"
    assert table.loc["r3f3", "rfm_segment"] == "need attention"
    assert table.loc["r1f5", "rfm_segment"] == "can't lose"
    assert table.loc["r2f4", "rfm_segment"] == "at risk"
    assert table.loc["r1f1", "rfm_segment"] == "hibernating"
    summary = rfm_segments(table.reset_index())
    assert summary["segment"].tolist() == list(RFM_SEGMENT_MAP)
    counts = summary.set_index("segment")["customers"]
    assert counts["champions"] == 2 and counts["hibernating"] == 4 and counts["loyal"] == 4
    assert counts.sum() == 25
    assert summary["share"].sum() == pytest.approx(1.0)
    assert summary["revenue_share"].sum() == pytest.approx(1.0)
    # Revenue = 10 per order, 75 orders in all; champions r5f4 + r5f5 have 9 of them.
    assert summary.set_index("segment").loc["champions", "revenue"] == pytest.approx(90.0)
    assert summary.set_index("segment").loc["champions", "revenue_share"] == pytest.approx(90 / 750)


def test_custom_segment_map_in_both_rectangle_forms() -> None:
    custom = {
        "active": [{"r": [2, 2], "f": [1, 2]}],
        "lapsed": [((1, 1), (1, 2))],
    }
    table = rfm_table(_grid_orders(), as_of="2024-06-01", n_bins=2, segment_map=custom)
    assert set(table["rfm_segment"]) == {"active", "lapsed"}
    # ceil(rank * 2 / 25): the 12 least recent get R 1, the 13 most recent R 2.
    assert (table["rfm_segment"] == "active").sum() == 13
    summary = rfm_segments(table, custom)
    assert summary["segment"].tolist() == ["active", "lapsed"]


@pytest.mark.parametrize(
    ("segment_map", "message"),
    [
        ({"a": [((1, 5), (1, 5))], "b": [((5, 5), (5, 5))]}, "in both"),
        ({"a": [((1, 4), (1, 5))]}, "R=5 F=1"),
        ({"a": [((0, 5), (1, 5))]}, "outside"),
        ({"a": ["nonsense"]}, "rectangle"),
        ({}, "non-empty"),
    ],
)
def test_bad_segment_maps(segment_map: dict[str, list[object]], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        rfm_table(_lines(), segment_map=segment_map)


def test_default_map_needs_five_bins() -> None:
    with pytest.raises(ConfigError, match="n_bins"):
        rfm_table(_lines(), n_bins=4)


def test_bad_input() -> None:
    with pytest.raises(SchemaError, match="ordered_at"):
        rfm_table(_lines().drop(columns="ordered_at"))
    with pytest.raises(SchemaError, match="empty"):
        rfm_table(_lines().iloc[0:0])
    with pytest.raises(SchemaError, match="amount"):
        rfm_table(_lines().drop(columns="amount"))
    with pytest.raises(ConfigError, match="not after the first order"):
        rfm_table(_lines(), as_of="2023-12-31")
    with pytest.raises(ConfigError, match="as_of"):
        rfm_table(_lines(), as_of="not a date")
    with pytest.raises(SchemaError, match="DataFrame"):
        rfm_table([1, 2, 3])  # type: ignore[arg-type]


def test_rfm_step_and_cli(core_workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    runs = run_steps(core_workspace, ["rfm"])
    result = runs[-1].result
    assert result is not None
    rfm = core_workspace.engine.read_pandas("mart.rfm")
    assert list(rfm.columns) == RFM_COLUMNS
    assert len(rfm) == 3_000 == result.tables["mart.rfm"]
    # Quintiles: 600 customers per score.
    assert rfm["r_score"].value_counts().tolist() == [600] * 5
    summary = core_workspace.engine.read_pandas("mart.rfm_segments")
    assert list(summary.columns) == ["segment", "customers", "share", "revenue", "revenue_share"]
    assert summary["customers"].sum() == 3_000
    orders = core_workspace.engine.read_pandas("core.orders")
    assert summary["revenue"].sum() == pytest.approx(orders["amount"].sum())
    by_segment = rfm.groupby("rfm_segment")["monetary"].mean()
    assert by_segment["champions"] > 3 * by_segment["hibernating"]
    charts = result.charts
    assert [c["title"].split(":")[0] for c in charts] == ["RFM grid", "RFM segments"]
    assert sum(cell["customers"] for cell in charts[0]["data"]["values"]) == 3_000
    json.dumps(charts)
    runs_table = core_workspace.engine.read_pandas("meta.runs")
    assert (runs_table["step"] == "rfm").sum() == 1
    # Idempotent: a second run gives the same table.
    run_steps(core_workspace, ["rfm"])
    pd.testing.assert_frame_equal(core_workspace.engine.read_pandas("mart.rfm"), rfm)
    # A custom map through the step parameters (as from aimass.toml).
    custom = {"recent": [{"r": [2, 2], "f": [1, 2]}], "lapsed": [{"r": [1, 1], "f": [1, 2]}]}
    run_steps(core_workspace, ["rfm"], params={"rfm": {"n_bins": 2, "segment_map": custom}})
    two = core_workspace.engine.read_pandas("mart.rfm_segments")
    assert two["segment"].tolist() == ["recent", "lapsed"] and two["customers"].tolist() == [1_500, 1_500]
    root = Path(core_workspace.root)
    core_workspace.close()
    capsys.readouterr()
    assert main(["analyze", "rfm", "--workspace", str(root), "--as-of", "2024-07-01", "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["step"] == "rfm"
    assert outcome["figures"]["customers"] == outcome["tables"]["mart.rfm"] < 3_000
    assert [row["segment"] for row in outcome["preview"]] == list(RFM_SEGMENT_MAP)
    assert main(["analyze", "rfm", "--workspace", str(root), "--as-of", "2001-01-01"]) == 1
    assert "as_of" in capsys.readouterr().err
