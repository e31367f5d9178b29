"""Cohorts and retention, repeat-purchase intervals: hand tables, the demo world, the step and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aimass import Workspace
from aimass.analytics.rfm import cohort_table, interval_distribution, repeat_intervals
from aimass.cli.main import main
from aimass.demo import DemoWorld
from aimass.exceptions import ConfigError, SchemaError
from aimass.pipeline import run_steps


def _orders() -> pd.DataFrame:
    """Cohort Jan 2024: A, B, C; cohort Feb 2024: D. Order a2 has two lines."""
    rows = [
        ("a1", "A", "2024-01-03", 10.0),
        ("a2", "A", "2024-02-10", 5.0),
        ("a2", "A", "2024-02-10", 5.0),
        ("a3", "A", "2024-02-20", 7.0),
        ("a4", "A", "2024-04-01", 1.0),
        ("b1", "B", "2024-01-31 23:59", 20.0),
        ("b2", "B", "2024-03-15", 30.0),
        ("c1", "C", "2024-01-15", 8.0),
        ("d1", "D", "2024-02-01", 50.0),
        ("d2", "D", "2024-02-11", 5.0),
        ("d3", "D", "2024-03-02", 6.0),
    ]
    frame = pd.DataFrame(rows, columns=["order_id", "customer_id", "ordered_at", "amount"])
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"], utc=True, format="ISO8601")
    return frame


def test_cohort_table_by_hand() -> None:
    table = cohort_table(_orders())
    assert list(table.columns) == [
        "cohort_month",
        "months_since",
        "cohort_size",
        "customers",
        "orders",
        "revenue",
        "retention",
    ]
    jan = table[table["cohort_month"] == dt.date(2024, 1, 1)].set_index("months_since")
    feb = table[table["cohort_month"] == dt.date(2024, 2, 1)].set_index("months_since")
    # Data runs to April: Jan cohort has months 0..3, Feb cohort 0..2 (empty months are kept as 0).
    assert jan.index.tolist() == [0, 1, 2, 3] and feb.index.tolist() == [0, 1, 2]
    assert (jan["cohort_size"] == 3).all() and (feb["cohort_size"] == 1).all()
    assert jan["customers"].tolist() == [3, 1, 1, 1]  # Feb: A; Mar: B; Apr: A
    assert jan["orders"].tolist() == [3, 2, 1, 1]
    assert jan["revenue"].tolist() == pytest.approx([38.0, 17.0, 30.0, 1.0])
    assert jan["retention"].tolist() == pytest.approx([1.0, 1 / 3, 1 / 3, 1 / 3])
    assert feb["customers"].tolist() == [1, 1, 0]
    assert feb["retention"].tolist() == pytest.approx([1.0, 1.0, 0.0])
    assert feb["revenue"].tolist() == pytest.approx([55.0, 6.0, 0.0])


def test_cohort_as_of_cuts_the_data() -> None:
    table = cohort_table(_orders(), as_of="2024-03-01")
    assert table["months_since"].max() == 1
    assert set(table["cohort_month"]) == {dt.date(2024, 1, 1), dt.date(2024, 2, 1)}


def test_repeat_intervals_by_hand() -> None:
    table = repeat_intervals(_orders()).set_index("customer_id")
    assert table["orders"].to_dict() == {"A": 4, "B": 2, "C": 1, "D": 3}
    # A: Jan 3 -> Feb 10 (38 days) -> Feb 20 (10) -> Apr 1 (41): median 38, mean 89 / 3.
    assert table.loc["A", "first_repeat_days"] == pytest.approx(38.0)
    assert table.loc["A", "median_interval_days"] == pytest.approx(38.0)
    assert table.loc["A", "mean_interval_days"] == pytest.approx(89 / 3)
    # B: Jan 31 23:59 -> Mar 15 00:00 = 43 days + 1 minute.
    assert table.loc["B", "first_repeat_days"] == pytest.approx(43 + 1 / 1440)
    assert np.isnan(table.loc["C", "first_repeat_days"]) and np.isnan(table.loc["C", "median_interval_days"])
    # D: 10 and 20 days.
    assert table.loc["D", "median_interval_days"] == pytest.approx(15.0)
    assert table.loc["A", "first_order_at"] == pd.Timestamp("2024-01-03", tz="UTC")


def test_interval_distribution_by_hand() -> None:
    table = interval_distribution(_orders(), bins=[0, 14, 30])
    # Gaps: A 38, 10, 41; B 43.0007; D 10, 20.
    assert table["bin"].tolist() == ["0-14 days", "14-30 days", "30+ days"]
    assert table["intervals"].tolist() == [2, 1, 3]
    assert table["share"].tolist() == pytest.approx([2 / 6, 1 / 6, 3 / 6])
    assert table["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="bins"):
        interval_distribution(_orders(), bins=[5, 10])
    with pytest.raises(ConfigError, match="bins"):
        interval_distribution(_orders(), bins=[0, 10, 10])


def test_bad_input() -> None:
    with pytest.raises(SchemaError, match="customer_id"):
        cohort_table(_orders().drop(columns="customer_id"))
    with pytest.raises(SchemaError, match="empty"):
        repeat_intervals(_orders().iloc[0:0])
    with pytest.raises(ConfigError, match="not after the first order"):
        cohort_table(_orders(), as_of="2023-06-01")
    with pytest.raises(SchemaError, match="timestamps"):
        cohort_table(_orders().assign(ordered_at="yesterday"))


def test_demo_world_cohorts(demo_world: DemoWorld) -> None:
    table = cohort_table(demo_world.orders)
    # First purchases fall in 2023-01 .. 2024-12: 24 cohorts; cohort sizes add up to all customers.
    sizes = table.drop_duplicates("cohort_month")["cohort_size"]
    assert table["cohort_month"].nunique() == 24 and sizes.sum() == 3_000
    assert (table.loc[table["months_since"] == 0, "retention"] == 1.0).all()
    assert table["revenue"].sum() == pytest.approx(demo_world.orders["amount"].sum())
    first = table[table["cohort_month"] == dt.date(2023, 1, 1)]
    assert first["months_since"].max() == 23
    assert (table["retention"].between(0, 1)).all()


def test_cohorts_step_and_cli(core_workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    runs = run_steps(core_workspace, ["cohorts"])
    result = runs[-1].result
    assert result is not None
    engine = core_workspace.engine
    cohorts = engine.read_pandas("mart.cohorts")
    # 24 cohorts, cohort k has 24 - k months (0 .. 23 - k): 24 * 25 / 2 cells.
    assert len(cohorts) == 300 == result.tables["mart.cohorts"]
    assert engine.columns("mart.cohorts")["cohort_month"] == "DATE"
    intervals = engine.read_pandas("mart.repeat_intervals")
    assert len(intervals) == 3_000
    distribution = engine.read_pandas("mart.repeat_interval_distribution")
    assert distribution["intervals"].sum() == (intervals["orders"] - 1).sum()
    assert result.figures["repeat_customer_share"] == pytest.approx((intervals["orders"] > 1).mean())
    assert 0 < result.figures["month_1_retention"] < 1
    assert [c["title"].split(":")[0] for c in result.charts] == [
        "Cohort retention",
        "Days between consecutive orders",
    ]
    json.dumps(result.charts)
    root = Path(core_workspace.root)
    core_workspace.close()
    capsys.readouterr()
    assert main(["analyze", "cohorts", "--workspace", str(root), "--as-of", "2024-01-01", "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["figures"]["cohorts"] == 12
    assert outcome["tables"]["mart.cohorts"] == 12 * 13 // 2
    assert main(["analyze", "cohorts", "--workspace", str(root), "--as-of", "someday"]) == 1
    assert "as_of" in capsys.readouterr().err
