"""Drivers (OLS) and group tests: hand-computed answers, scipy cross-checks, the steps and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from aimass import Workspace
from aimass.analytics.stats import check_assumptions, compare_groups, driver_features, regress
from aimass.demo import DemoWorld
from aimass.exceptions import ConfigError, SchemaError
from aimass.pipeline import run_steps

# -- regression -----------------------------------------------------------------------------------------


def test_regress_matches_a_hand_computed_simple_ols() -> None:
    data = pd.DataFrame({"x": [1.0, 2, 3, 4, 5], "y": [2.0, 4, 5, 4, 5]})
    fit = regress(data, "y")
    table = fit.coefficients.set_index("term")
    # Sxy = 6, Sxx = 10: slope 0.6, intercept 4 - 0.6 * 3 = 2.2; SSE = 2.4, s² = 0.8, SST = 6.
    assert table.loc["x", "coef"] == pytest.approx(0.6)
    assert table.loc["Intercept", "coef"] == pytest.approx(2.2)
    assert table.loc["x", "std_err"] == pytest.approx(np.sqrt(0.8 / 10))
    assert table.loc["Intercept", "std_err"] == pytest.approx(np.sqrt(0.8 * (1 / 5 + 9 / 10)))
    t = 0.6 / np.sqrt(0.08)
    assert table.loc["x", "t"] == pytest.approx(t)
    assert table.loc["x", "p_value"] == pytest.approx(2 * stats.t.sf(t, 3))
    half = stats.t.ppf(0.975, 3) * np.sqrt(0.08)
    assert (table.loc["x", "ci_low"], table.loc["x", "ci_high"]) == pytest.approx((0.6 - half, 0.6 + half))
    assert fit.r_squared == pytest.approx(1 - 2.4 / 6)
    assert fit.adj_r_squared == pytest.approx(1 - (2.4 / 3) / (6 / 4))
    assert fit.f_statistic == pytest.approx(t**2)
    # Standardized slope of a simple regression is the correlation.
    assert table.loc["x", "std_coef"] == pytest.approx(np.corrcoef(data["x"], data["y"])[0, 1])
    assert np.isnan(table.loc["Intercept", "std_coef"])
    text = fit.summary_text()
    assert "R² = 0.6000" in text and "Intercept" in text and "nonrobust" in text


def test_regress_recovers_known_coefficients_with_categories() -> None:
    rng = np.random.default_rng(11)
    n = 3000
    x1 = rng.normal(0, 1, n)
    x2 = rng.uniform(0, 10, n)
    level = rng.choice(["a", "b", "c"], n)
    y = (
        3.0
        + 2.0 * x1
        - 1.5 * x2
        + np.select([level == "b", level == "c"], [4.0, -2.0], 0.0)
        + rng.normal(0, 2, n)
    )
    data = pd.DataFrame({"x1": x1, "x2": x2, "level": level, "y": y})
    truth = {"Intercept": 3.0, "x1": 2.0, "x2": -1.5, "level[T.b]": 4.0, "level[T.c]": -2.0}
    for robust in (False, True):
        fit = regress(data, "y", robust=robust, alpha=0.01)
        table = fit.coefficients.set_index("term")
        assert list(table.index) == list(truth)
        for term, value in truth.items():
            assert table.loc[term, "ci_low"] < value < table.loc[term, "ci_high"], (term, robust)
        assert fit.references == {"level": "a"}
        assert fit.cov_type == ("HC3" if robust else "nonrobust")
    other = regress(data, "y", ["x1", "level"], reference={"level": "c"}).coefficients.set_index("term")
    assert other.loc["level[T.a]", "coef"] == pytest.approx(2.0, abs=0.4)  # a - c = 0 - (-2)


def test_regress_hc3_errors_by_hand() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 4, 200)
    y = 1.0 + 0.5 * x + rng.normal(0, 1, 200) * (0.2 + x)  # variance grows with x
    fit = regress(pd.DataFrame({"x": x, "y": y}), "y", robust=True)
    design = np.column_stack([np.ones_like(x), x])
    bread = np.linalg.inv(design.T @ design)
    beta = bread @ design.T @ y
    residual = y - design @ beta
    leverage = np.einsum("ij,jk,ik->i", design, bread, design)
    meat = design.T @ (design * (residual**2 / (1 - leverage) ** 2)[:, None])
    hc3 = np.sqrt(np.diag(bread @ meat @ bread))
    np.testing.assert_allclose(fit.coefficients["std_err"].to_numpy(), hc3, rtol=1e-10)
    classical = regress(pd.DataFrame({"x": x, "y": y}), "y").coefficients["std_err"].to_numpy()
    assert not np.allclose(classical, hc3, rtol=0.01)


def test_regress_drops_missing_rows_and_reports_problems() -> None:
    data = pd.DataFrame(
        {"x": [1.0, 2, 3, None, 5, 6], "same": [1.0] * 6, "one": ["k"] * 6, "y": [1.0, 2, 2, 4, 5, 7]}
    )
    fit = regress(data, "y")
    assert fit.n == 5 and fit.n_dropped == 1
    assert list(fit.coefficients["term"]) == ["Intercept", "x"]
    assert any("constant" in w for w in fit.warnings) and any("single level" in w for w in fit.warnings)
    with pytest.raises(SchemaError, match="numeric"):
        regress(data, "one")
    with pytest.raises(ConfigError, match="not columns"):
        regress(data, "y", ["nope"])
    with pytest.raises(ConfigError, match="reference"):
        regress(data.assign(g=list("ababab")), "y", ["g"], reference={"g": "z"})
    with pytest.raises(SchemaError, match="more rows"):
        regress(data.iloc[:2], "y", ["x"])


# -- group tests ----------------------------------------------------------------------------------------


def two_groups(a: list[float], b: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"g": ["a"] * len(a) + ["b"] * len(b), "x": a + b})


def test_student_t_and_hedges_g_by_hand() -> None:
    result = compare_groups(two_groups([1.0, 2, 3, 4], [3.0, 4, 5, 6]), "x", "g", "student")
    pooled = np.sqrt(5 / 3)  # both variances are 5/3
    t = -2.0 / (pooled * np.sqrt(0.5))
    assert result.statistic == pytest.approx(t)
    assert result.p_value == pytest.approx(2 * stats.t.sf(abs(t), 6))
    assert result.df == (6.0,)
    d = -2.0 / pooled
    assert result.effects["cohen_d"] == pytest.approx(d)
    assert result.effect_size == pytest.approx(d * (1 - 3 / (4 * 8 - 9)))
    assert result.effect_size_name == "hedges_g" and result.magnitude == "large"
    assert result.groups["mean"].tolist() == [2.5, 4.5]
    assert "does not differ detectably" in result.conclusion  # p = 0.071 > 0.05


def test_welch_matches_scipy_and_welch_satterthwaite_df() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(10, 1, 40), rng.normal(11, 4, 25)
    result = compare_groups(two_groups(a.tolist(), b.tolist()), "x", "g", "welch")
    expected = stats.ttest_ind(a, b, equal_var=False)
    assert result.statistic == pytest.approx(expected.statistic)
    assert result.p_value == pytest.approx(expected.pvalue)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    assert result.df[0] == pytest.approx(df)


def test_mann_whitney_exact_small_sample_by_hand() -> None:
    result = compare_groups(two_groups([1.0, 2, 3], [4.0, 5, 6]), "x", "g", "mannwhitney")
    assert result.statistic == 0.0  # no a exceeds any b
    assert result.p_value == pytest.approx(0.1)  # exact: 2 of the C(6,3) = 20 orderings are as extreme
    assert result.effect_size == pytest.approx(-1.0) and result.effect_size_name == "rank_biserial"
    assert result.groups["median"].tolist() == [2.0, 5.0]


def test_anova_and_kruskal_by_hand() -> None:
    data = pd.DataFrame({"g": list("aaabbbccc"), "x": [1.0, 2, 3, 4, 5, 6, 7, 8, 9]})
    anova = compare_groups(data, "x", "g", "anova")
    # Grand mean 5: SSB = 3 (16 + 0 + 16)... per group means 2, 5, 8: SSB = 3 (9 + 0 + 9) = 54, SSW = 6.
    assert anova.statistic == pytest.approx((54 / 2) / (6 / 6))
    assert anova.df == (2.0, 6.0)
    assert anova.p_value == pytest.approx(stats.f.sf(27.0, 2, 6))
    assert anova.effect_size == pytest.approx(54 / 60)
    assert anova.effects["omega_squared"] == pytest.approx((54 - 2 * 1) / (60 + 1))
    kruskal = compare_groups(data, "x", "g", "kruskal")
    # Rank sums 6, 15, 24: H = 12 / (9 * 10) * (36 + 225 + 576) / 3 - 3 * 10 = 7.2.
    assert kruskal.statistic == pytest.approx(7.2)
    assert kruskal.p_value == pytest.approx(stats.chi2.sf(7.2, 2))
    assert kruskal.effect_size == pytest.approx(7.2 / 8)
    assert "Highest median: c (8)" in kruskal.conclusion


def test_chi_square_two_by_two_by_hand() -> None:
    rows = [("a", "yes")] * 20 + [("a", "no")] * 30 + [("b", "yes")] * 40 + [("b", "no")] * 10
    data = pd.DataFrame(rows, columns=["g", "answer"])
    result = compare_groups(data, "answer", "g")  # auto: text value -> chi-square
    # Expected counts: yes 30 / 30, no 20 / 20; chi² = 2 (100/30 + 100/20) = 16.67.
    chi2 = 2 * (100 / 30 + 100 / 20)
    assert result.test == "chi2"
    assert result.statistic == pytest.approx(chi2)
    assert result.df == (1.0,)
    assert result.p_value == pytest.approx(stats.chi2.sf(chi2, 1))
    assert result.effect_size == pytest.approx(np.sqrt(chi2 / 100))
    assert abs(result.effects["phi"]) == pytest.approx(np.sqrt(chi2 / 100))
    assert result.groups["share[yes]"].tolist() == [0.4, 0.8]
    assert result.significant and "differs" in result.conclusion


def test_auto_picks_the_test_from_the_assumption_checks() -> None:
    rng = np.random.default_rng(5)

    def frame(*samples: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "g": np.repeat([f"g{i}" for i in range(len(samples))], [s.size for s in samples]),
                "x": np.concatenate(samples),
            }
        )

    normal = frame(rng.normal(0, 1, 80), rng.normal(0.5, 1, 80))
    assert compare_groups(normal, "x", "g").test == "student"
    unequal = frame(rng.normal(0, 1, 80), rng.normal(0.5, 5, 80))
    assert compare_groups(unequal, "x", "g").test == "welch"
    skewed = frame(rng.exponential(1, 200), rng.exponential(2, 200))
    chosen = compare_groups(skewed, "x", "g")
    assert chosen.test == "mannwhitney" and not chosen.assumptions["normal"]
    assert chosen.assumptions["normality_test"] == "shapiro" and "auto chose" in chosen.assumptions["reason"]
    assert compare_groups(frame(*(rng.normal(0, 1, 60) for _ in range(3))), "x", "g").test == "anova"
    assert compare_groups(frame(*(rng.exponential(1, 60) for _ in range(3))), "x", "g").test == "kruskal"
    big = check_assumptions([rng.normal(0, 1, 6000), rng.normal(0, 1, 6000)])
    assert big["normality_test"] == "dagostino" and big["normal"] and big["equal_variance"]
    assert check_assumptions([np.array([1.0, 2.0])])["normality_p"] == [None]


def test_compare_groups_errors_and_group_selection() -> None:
    data = pd.DataFrame({"g": [*"aabbcc", "d"], "x": [1.0, 2, 3, 4, 5, 6, 7]})
    with pytest.raises(ConfigError, match="exactly 2 groups"):
        compare_groups(data, "x", "g", "welch")
    with pytest.raises(ConfigError, match="not allowed"):
        compare_groups(data, "x", "g", "ztest")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="not in the table"):
        compare_groups(data, "y", "g")
    chosen = compare_groups(data, "x", "g", "welch", groups=["c", "a"])
    assert chosen.groups["group"].tolist() == ["c", "a"] and chosen.statistic > 0
    with pytest.raises(SchemaError, match="at least 2 groups"):
        compare_groups(data, "x", "g", groups=["a", "d"])  # d has one observation
    row = chosen.to_row("Is c above a?")
    assert row["question"] == "Is c above a?" and row["n"] == 4 and row["test"] == "welch"


# -- features, steps and CLI ----------------------------------------------------------------------------


def test_driver_features_match_the_orders(demo_world: DemoWorld) -> None:
    orders, customers = demo_world.orders.copy(), demo_world.customers.copy()
    features = driver_features(customers, orders).set_index("customer_id")
    spend = orders.groupby("customer_id")["amount"].sum()
    np.testing.assert_allclose(features["spend"].sort_index(), spend.sort_index())
    n_orders = orders.groupby("customer_id")["order_id"].nunique()
    assert (features["n_orders"].sort_index() == n_orders.sort_index()).all()
    assert features["discount_share"].between(0, 1).all()
    known_birth = demo_world.customers.set_index("customer_id")["birth_date"].notna()
    assert features["age"].notna().sum() == known_birth.reindex(features.index).sum()
    assert features["age"].dropna().between(17, 81).all()
    assert set(features["gender"]) <= {"F", "M", "unknown"}


def test_steps_and_cli_on_the_demo_world(
    core_workspace: Workspace, demo_world: DemoWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    check_drivers_step(core_workspace)
    check_group_tests_step(core_workspace, demo_world)
    check_group_test_on_any_column(core_workspace)
    check_cli(core_workspace, capsys)


def check_drivers_step(core_workspace: Workspace) -> None:
    runs = run_steps(core_workspace, ["drivers"])
    result = runs[-1].result
    assert result is not None
    table = core_workspace.engine.read_pandas("mart.spend_drivers").set_index("term")
    assert {"coef", "std_err", "t", "p_value", "ci_low", "ci_high", "std_coef", "significant"} <= set(
        table.columns
    )
    assert table.loc["tenure_days", "coef"] > 0 and table.loc["tenure_days", "p_value"] < 1e-6
    # Bargain hunters buy on markdown and have the smallest orders (mean 200 vs 350-1300 CNY).
    assert table.loc["discount_share", "coef"] < 0 and table.loc["discount_share", "p_value"] < 1e-6
    assert (table["cov_type"] == "HC3").all()
    assert 0.02 < result.figures["r_squared"] < 0.6
    assert result.charts[0]["mark"] == "bar"


def check_group_tests_step(core_workspace: Workspace, demo_world: DemoWorld) -> None:
    runs = run_steps(core_workspace, ["test"])
    result = runs[-1].result
    assert result is not None
    table = core_workspace.engine.read_pandas("mart.group_tests")
    columns = {
        "question",
        "test",
        "statistic",
        "p_value",
        "effect_size",
        "effect_size_name",
        "conclusion",
        "n",
    }
    assert columns <= set(table.columns)
    by_question = table.set_index("question")
    channel = by_question.loc["Does order value differ by order channel?"]
    assert channel["test"] in {"kruskal", "anova"} and channel["p_value"] < 1e-6
    # The app is the bargain hunters' channel (75% of their orders; mean order value 200 CNY).
    assert "lowest: app" in channel["conclusion"]
    repeat = by_question.loc["Does the repeat rate differ by acquisition channel?"]
    assert repeat["test"] == "chi2" and repeat["effect_size_name"] == "cramers_v"
    campaign = table[table["question"].str.contains("CMP-2024-SPRING arm treatment")]
    assert len(campaign) == 1 and campaign["test"].iloc[0] == "welch"
    assert campaign["n"].iloc[0] == len(demo_world.exposures.query("campaign_id == 'CMP-2024-SPRING'"))
    assert len(table[table["question"].str.contains("CMP-2024-AUTUMN")]) == 2
    assert len(result.charts) == len(table)


def check_group_test_on_any_column(core_workspace: Workspace) -> None:
    params = {"test": {"table": "core.orders", "value": "amount", "group": "channel", "test": "kruskal"}}
    run_steps(core_workspace, ["test"], params=params)
    table = core_workspace.engine.read_pandas("mart.group_tests")
    assert len(table) == 1 and table["test"].iloc[0] == "kruskal"
    orders = core_workspace.engine.read_pandas("core.orders", columns=["amount", "channel"]).dropna()
    samples = [group["amount"].to_numpy() for _, group in orders.groupby("channel")]
    assert table["statistic"].iloc[0] == pytest.approx(stats.kruskal(*samples).statistic)


def check_cli(core_workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    from aimass.cli.main import main

    root = str(core_workspace.root)
    core_workspace.close()
    assert main(["analyze", "drivers", "-w", root, "--target", "log_spend", "--classical", "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["step"] == "drivers" and outcome["preview"][0]["term"] == "Intercept"
    assert outcome["preview"][0]["cov_type"] == "nonrobust"
    code = main(
        ["analyze", "test", "-w", root, "--table", "core.orders", "--value", "quantity", "--group", "channel"]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "wrote mart.group_tests: 1 rows" in printed
    assert "Does quantity differ by channel in core.orders?" in printed and "differ" in printed
    assert main(["analyze", "test", "-w", root, "--test", "ztest"]) == 1
    assert main(["analyze", "drivers", "-w", root, "--target", "nope"]) == 1
