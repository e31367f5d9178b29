"""`aimass recommend evaluate` and `show`, and evaluate() with the real models, on the demo world."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from aimass import Workspace
from aimass.cli.main import main
from aimass.demo import DemoWorld
from aimass.recommend._evaluate import EVALUATION_TABLE, evaluate, interactions_from_core


def test_cli_evaluate_show_and_errors(
    core_workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = core_workspace.root
    core_workspace.close()
    report = tmp_path / "eval.html"
    args = ["recommend", "evaluate", "-w", str(root)]
    code = main([*args, "--models", "popular,itemknn", "--k", "5", "--json", "--out", str(report)])
    assert code == 0, capsys.readouterr().err
    data = json.loads(capsys.readouterr().out)
    assert data["k"] == 5 and data["split"] == "last_n"
    assert data["n_customers"] > 1_000
    by_model = {row["model"]: row for row in data["table"]}
    assert set(by_model) == {"popular", "itemknn"}
    # the demo world plants per-segment tastes and basket rules: item-item beats global best-sellers
    assert by_model["itemknn"]["ndcg@5"] > by_model["popular"]["ndcg@5"] > 0
    assert by_model["itemknn"]["coverage"] > by_model["popular"]["coverage"]
    assert "NDCG@5" in report.read_text(encoding="utf-8")
    with Workspace.open(root, read_only=True) as ws:
        mart = ws.engine.read_pandas(EVALUATION_TABLE)
    assert sorted(mart["model"]) == ["itemknn", "popular"]
    assert {"ndcg", "recall", "coverage", "k", "split", "customers_per_second", "evaluated_at"} <= set(
        mart.columns
    )
    assert (mart["k"] == 5).all()

    # the rich table (re-run replaces the mart)
    assert main([*args, "--models", "popular", "--split", "global_time"]) == 0
    out = capsys.readouterr().out
    assert "global_time split" in out and "popular" in out
    with Workspace.open(root, read_only=True) as ws:
        assert ws.engine.read_pandas(EVALUATION_TABLE)["split"].tolist() == ["global_time"]

    assert main([*args, "--models", "popular", "--split", "weekly"]) == 1
    assert "allowed" in capsys.readouterr().err
    assert main([*args, "--models", "nope"]) == 1
    assert "nope" in capsys.readouterr().err
    assert main(["recommend", "show", "0000001", "-w", str(root)]) == 1
    assert "mart.recommendations" in capsys.readouterr().err


def test_cli_show_lists_a_customers_rows(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    rows = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c1", "c2"],
            "product_id": ["p9", "p7", "p8", "p1"],
            "score": [0.5, 0.9, 0.7, 1.0],
            "rank": [3, 1, 2, 1],
        }
    )
    workspace.engine.write_table("mart.recommendations", rows)
    root = workspace.root
    workspace.close()
    assert main(["recommend", "show", "c1", "-n", "2", "-w", str(root), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(r["product_id"], r["rank"]) for r in shown] == [("p7", 1), ("p8", 2)]
    assert main(["recommend", "show", "c1", "-w", str(root)]) == 0
    assert "p9" in capsys.readouterr().out
    assert main(["recommend", "show", "nobody", "-w", str(root)]) == 1
    assert "no rows" in capsys.readouterr().err


def test_per_segment_on_demo_truth(demo_world: DemoWorld) -> None:
    log = interactions_from_core(demo_world.orders, demo_world.events)
    some = sorted(log["customer_id"].dropna().unique())[:1_000]
    log = log[log["customer_id"].isin(some)]
    result = evaluate(log, ["popular"], k=10, segments=demo_world.truth.segments)
    per = result.per_segment
    assert set(per["segment"]) == set(demo_world.truth.segments["segment"])
    assert per["n_customers"].sum() == result.n_customers
    # the per-segment means, weighted by size, give back the overall figure
    weighted = (per["ndcg@10"] * per["n_customers"]).sum() / per["n_customers"].sum()
    assert weighted == pytest.approx(result.table.loc[0, "ndcg@10"])


def test_interactions_from_core_shape(demo_world: DemoWorld) -> None:
    log = interactions_from_core(demo_world.orders, demo_world.events)
    with_product = demo_world.events["product_id"].notna() & (demo_world.events["event_type"] != "purchase")
    assert len(log) == len(demo_world.orders) + int(with_product.sum())
    assert set(log["event_type"]) <= {"purchase", "view", "add_to_cart"}
    assert pd.api.types.is_datetime64_any_dtype(log["occurred_at"])
