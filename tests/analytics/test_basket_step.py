"""The ``basket`` step on the demo world: the planted rules are found with their lift."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from aimass import Workspace
from aimass.analytics.basket._step import BasketParams, basket_rules
from aimass.cli.main import main
from aimass.demo import DemoWorld
from aimass.pipeline import run_steps

RULE_COLUMNS = [
    "level",
    "antecedent",
    "consequent",
    "support",
    "confidence",
    "lift",
    "leverage",
    "conviction",
    "count",
]


@pytest.fixture(scope="module")
def found(demo_world: DemoWorld) -> pd.DataFrame:
    rules = basket_rules(demo_world.orders.copy(), demo_world.products.copy(), BasketParams()).rules
    return rules.assign(
        antecedent=[" + ".join(items) for items in rules["antecedent"]],
        consequent=[" + ".join(items) for items in rules["consequent"]],
    )


def test_planted_rules_are_found_with_their_realized_lift(demo_world: DemoWorld, found: pd.DataFrame) -> None:
    truth = demo_world.truth.rules
    assert len(truth) == 11
    for rule in truth.itertuples():
        level = "category" if rule.level == "subcategory" else "order"
        antecedent = " + ".join(sorted(str(rule.antecedent).split("+")))
        hit = found[
            (found.level == level) & (found.antecedent == antecedent) & (found.consequent == rule.consequent)
        ]
        assert len(hit) == 1, f"planted rule {antecedent} -> {rule.consequent} not found at level {level}"
        assert hit["lift"].iloc[0] == pytest.approx(rule.realized_lift, rel=1e-9)
        assert hit["confidence"].iloc[0] == pytest.approx(rule.realized_confidence, rel=1e-9)
        assert hit["support"].iloc[0] == pytest.approx(rule.realized_support, rel=1e-9)
        # and close to what was planted
        assert hit["lift"].iloc[0] == pytest.approx(rule.planted_lift, rel=0.25)


def test_cross_category_rules_complete_the_outfit(demo_world: DemoWorld, found: pd.DataFrame) -> None:
    parent = demo_world.products.drop_duplicates("subcategory").set_index("subcategory")["category"]
    cross = found[found.level == "cross_category"]
    assert len(cross) > 0
    for antecedent, consequent in zip(cross.antecedent, cross.consequent, strict=True):
        assert all(parent[item] != parent[consequent] for item in antecedent.split(" + "))
    pairs = set(zip(cross.antecedent, cross.consequent, strict=True))
    assert ("dresses", "heels") in pairs  # clothing -> shoes
    assert ("shirts + trousers", "leather_shoes") in pairs
    assert ("shirts", "trousers") not in pairs  # both clothing
    category = found[found.level == "category"]
    assert ("shirts", "trousers") in set(zip(category.antecedent, category.consequent, strict=True))


def test_every_rule_meets_the_thresholds(found: pd.DataFrame) -> None:
    params = BasketParams()
    assert set(found.level) == {"order", "customer", "category", "cross_category"}
    assert (found.lift >= params.min_lift).all()
    assert (found.confidence >= params.min_confidence).all()
    assert not found.consequent.str.contains(" + ", regex=False).any()
    assert (found[found.level == "order"].support >= params.min_support).all()
    assert (found[found.level == "customer"].support >= params.customer_min_support).all()


def test_step_writes_marts_and_meta_runs_and_cli(
    core_workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = run_steps(core_workspace, ["basket"])
    result = runs[-1].result
    assert result is not None
    rules = core_workspace.engine.read_pandas("mart.basket_rules")
    assert list(rules.columns) == RULE_COLUMNS
    assert result.tables["mart.basket_rules"] == len(rules)
    assert result.figures["rules"] == rules.level.value_counts().to_dict()
    assert result.figures["baskets"]["order"] == 16_798
    assert result.figures["baskets"]["customer"] == 3_000
    phone = rules[(rules.level == "order") & (rules.antecedent == "P01261") & (rules.consequent == "P01059")]
    assert phone["lift"].iloc[0] == pytest.approx(632.968116, rel=1e-6)
    itemsets = core_workspace.engine.read_pandas("mart.basket_itemsets")
    assert list(itemsets.columns) == ["level", "itemset", "length", "support", "count"]
    assert {"order", "customer", "category"} == set(itemsets.level)
    assert (itemsets.length <= BasketParams().max_len).all()
    chart_titles = [chart["title"] for chart in result.charts]
    assert chart_titles == ["Association rules per level", "Strongest rules (by lift)"]
    top = result.charts[1]["data"]["values"]
    assert len(top) == BasketParams().top_n and top[0]["lift"] >= top[-1]["lift"]
    recorded = core_workspace.engine.sql("SELECT step, status FROM meta.runs").to_pylist()
    assert recorded == [{"step": "basket", "status": "ok"}]
    # idempotent: a second run writes the same tables
    run_steps(core_workspace, ["basket"])
    again = core_workspace.engine.read_pandas("mart.basket_rules")
    pd.testing.assert_frame_equal(again, rules)
    check_cli(core_workspace, capsys)


def test_step_params_are_validated() -> None:
    with pytest.raises(ValueError, match="min_support"):
        BasketParams(min_support=0)
    with pytest.raises(ValueError, match="extra"):
        BasketParams(minimum=0.1)  # type: ignore[call-arg]


def test_step_skips_levels_without_product_columns(demo_world: DemoWorld) -> None:
    products = demo_world.products[["product_id", "name"]].copy()
    result = basket_rules(demo_world.orders.copy(), products, BasketParams())
    assert set(result.skipped) == {"category", "cross_category"}
    assert set(result.rules.level) == {"order", "customer"}


def check_cli(core_workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    """``aimass analyze basket`` on the same workspace (closed first: the CLI opens it itself)."""
    root = str(core_workspace.root)
    core_workspace.close()
    capsys.readouterr()
    assert main(["analyze", "basket", "--workspace", root, "--min-lift", "3", "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["step"] == "basket"
    assert outcome["tables"]["mart.basket_rules"] > 0
    assert outcome["preview"] and all(row["lift"] >= 3 for row in outcome["preview"])
    assert main(["analyze", "basket", "--workspace", root, "--min-confidence", "2"]) == 1
    with Workspace.open(root) as ws:
        rules = ws.engine.read_pandas("mart.basket_rules")
        assert rules.lift.min() >= 3
        params = ws.engine.sql("SELECT params FROM meta.runs WHERE step = 'basket'").column(0).to_pylist()
        assert any('"min_lift": 3' in str(p) for p in params)
