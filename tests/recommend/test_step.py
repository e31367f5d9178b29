"""The recommend pipeline step on the demo world: marts, the model registry, the saved model."""

from __future__ import annotations

import json
import time
from typing import Any

import pandas as pd
import pytest

from aimass.pipeline import get_step, run_steps
from aimass.recommend import Recommender
from aimass.recommend._log import read_interactions
from aimass.recommend._step import RecommendParams


@pytest.mark.slow
def test_step_writes_marts_registers_and_saves_the_model(core_workspace: Any, demo_world: Any) -> None:
    ws = core_workspace
    runs = run_steps(
        ws,
        ["recommend"],
        params={"recommend": {"candidates": ["popular", "itemknn"], "validation_users": 200, "n": 5}},
    )
    assert runs[-1].record.status == "ok"
    recs = ws.engine.read_pandas("mart.recommendations")
    assert list(recs.columns) == ["customer_id", "product_id", "score", "rank"]
    # every customer in core.customers gets exactly n products, none of them already seen
    assert recs.groupby("customer_id").size().eq(5).all()
    assert set(recs["customer_id"]) == set(demo_world.customers["customer_id"])
    seen = read_interactions(ws)[["customer_id", "product_id"]].drop_duplicates()
    assert recs.merge(seen, on=["customer_id", "product_id"]).empty
    similar = ws.engine.read_pandas("mart.similar_items")
    assert list(similar.columns) == ["product_id", "similar_product_id", "score", "rank"]
    assert similar["product_id"].nunique() > 1500
    models = ws.engine.read_pandas("meta.models")
    assert len(models) == 1
    row = models.iloc[0]
    assert row["name"] == "recommend"
    params = json.loads(row["params"])
    metrics = json.loads(row["metrics"])
    assert params["model"] in {"itemknn", "hybrid"}
    assert metrics["metric"] == "ndcg@10" and metrics["score"] > 0.01
    assert {r["model"] for r in metrics["validation"]} == {"popular", "itemknn", "hybrid"}
    folder = ws.root / row["artifact_path"]
    assert (folder / "manifest.json").is_file() and (folder / "arrays.npz").is_file()
    started = time.perf_counter()
    loaded = Recommender.load(folder)
    assert time.perf_counter() - started < 5.0  # milliseconds in practice; generous on a busy CI box
    some = recs["customer_id"].iloc[:50].unique()
    again = loaded.recommend(some, n=5)
    expected = recs[recs["customer_id"].isin(some)].reset_index(drop=True)
    pd.testing.assert_frame_equal(again, expected, check_exact=False, atol=1e-6)
    # a second run is a new version; the marts are replaced, not appended
    run_steps(ws, ["recommend"], params={"recommend": {"model": "popular", "n": 5}})
    assert len(ws.engine.read_pandas("meta.models")) == 2
    assert len(ws.engine.read_pandas("mart.recommendations")) == len(recs)


def test_step_parameters_are_validated() -> None:
    step = get_step("recommend")
    assert step.params is RecommendParams
    assert "mart.recommendations" in step.writes and "mart.similar_items" in step.writes
    with pytest.raises(ValueError, match="n"):
        RecommendParams(n=0)
    with pytest.raises(ValueError, match="extra"):
        RecommendParams(nope=1)  # type: ignore[call-arg]
