"""The ``clv`` step on the demo world, and ``aimass analyze clv``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aimass import Workspace
from aimass.analytics.clv import BetaGeo, clv_summary
from aimass.cli.main import main
from aimass.demo import DemoWorld
from aimass.pipeline import run_steps

CLV_COLUMNS = [
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "p_alive",
    "expected_purchases",
    "expected_order_value",
    "expected_spend",
    "clv",
]


def test_clv_step_writes_marts_and_a_run(core_workspace: Workspace, demo_world: DemoWorld) -> None:
    runs = run_steps(core_workspace, ["clv"], params={"clv": {"time_unit": "D"}})
    result = runs[-1].result
    assert result is not None
    clv = core_workspace.engine.read_pandas("mart.clv")
    assert list(clv.columns) == CLV_COLUMNS
    buyers = demo_world.orders["customer_id"].nunique()
    assert len(clv) == buyers == result.tables["mart.clv"] == result.figures["customers"]
    assert clv["customer_id"].is_unique
    assert clv["p_alive"].between(0, 1).all()
    assert (clv.loc[clv["frequency"] == 0, "p_alive"] == 1).all()  # BG/NBD: no repeat, no dropout yet
    assert (clv["clv"] >= 0).all() and (clv["expected_spend"] >= clv["clv"]).all()
    # margin from the products' cost and price: 1 - sum(quantity * cost) / sum(amount)
    lines = demo_world.orders.merge(demo_world.products[["product_id", "cost"]], on="product_id")
    margin = 1 - (lines["quantity"] * lines["cost"]).sum() / lines["amount"].sum()
    assert result.figures["margin"] == pytest.approx(margin)
    # mart.clv agrees with the library on the same summary (purchase occasions per order)
    orders = demo_world.orders.groupby(["order_id", "customer_id"], as_index=False).agg(
        ordered_at=("ordered_at", "min"), amount=("amount", "sum")
    )
    summary = clv_summary(orders, time_unit="D")
    model = BetaGeo().fit(summary)
    assert result.figures["params"] == pytest.approx(model.params_, rel=1e-6)
    mine = clv.set_index("customer_id").loc[summary.index]
    assert mine["frequency"].to_numpy() == pytest.approx(summary["frequency"].to_numpy())
    assert mine["expected_purchases"].to_numpy() == pytest.approx(model.predict_purchases(364.0, summary))
    # the demo's planted population (moment-matched mixture of the segments' BG/NBD, per day)
    truth = demo_world.truth.params["population"]["mixture_moment_matched"]
    rate = model.params_["r"] / model.params_["alpha"]
    assert rate == pytest.approx(truth["mean_purchase_rate_per_day"], rel=0.2)
    dropout = model.params_["a"] / (model.params_["a"] + model.params_["b"])
    assert dropout == pytest.approx(truth["mean_dropout_prob"], rel=0.3)
    # the holdout check
    holdout = core_workspace.engine.read_pandas("mart.clv_holdout")
    assert holdout["bucket"].tolist()[-1] == "all"
    assert holdout["customers"].iloc[:-1].sum() == holdout["customers"].iloc[-1]
    overall = holdout.iloc[-1]
    assert overall["predicted_total"] == pytest.approx(overall["actual_total"], rel=0.25)
    assert len(result.charts) == 2 and result.charts[0]["mark"] == "bar"
    recorded = core_workspace.engine.read_pandas("meta.runs")
    row = recorded[recorded["step"] == "clv"].iloc[-1]
    assert row["status"] == "ok"
    assert json.loads(row["params"])["time_unit"] == "D"


def test_clv_step_is_idempotent(core_workspace: Workspace) -> None:
    params = {"clv": {"model": "mbgnbd", "margin": 0.25, "holdout_weeks": 13}}
    run_steps(core_workspace, ["clv"], params=params)
    first = core_workspace.engine.read_pandas("mart.clv")
    run_steps(core_workspace, ["clv"], params=params)
    second = core_workspace.engine.read_pandas("mart.clv")
    pd.testing.assert_frame_equal(first, second)
    assert np.all(second["clv"] <= 0.25 * second["expected_spend"] + 1e-9)


def test_cli_analyze_clv(core_workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(core_workspace.root)
    core_workspace.close()
    capsys.readouterr()
    assert main(["analyze", "clv", "--workspace", str(root), "--horizon-weeks", "26", "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["step"] == "clv"
    assert outcome["tables"]["mart.clv"] == outcome["figures"]["customers"]
    assert set(CLV_COLUMNS) <= set(outcome["preview"][0])
    assert main(["analyze", "clv", "--workspace", str(root), "--model", "gompertz"]) == 1
    assert "model" in capsys.readouterr().err
