"""TabularModel: known structure, column handling, tasks, honest cross-validation, bad inputs, CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import r2_score, roc_auc_score

from aimass import Workspace
from aimass.analytics.churn import ColumnDroppedWarning, TabularModel, infer_task, plan_features
from aimass.cli.main import main
from aimass.exceptions import ConfigError, NotFittedError, SchemaError

SHOP_EFFECT = {"north": -1.5, "south": 0.0, "east": 1.0, "west": 2.0}


def _known_table(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """y depends on a category and on the weekday of a date (weekends +2 log-odds); nothing else."""
    rng = np.random.default_rng(seed)
    shop = rng.choice(list(SHOP_EFFECT), size=n)
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, size=n), unit="D")
    weekend = (day.day_of_week >= 5).astype(float)
    logit = -1.0 + np.vectorize(SHOP_EFFECT.get)(shop) + 2.0 * weekend
    probability = 1.0 / (1.0 + np.exp(-logit))
    frame = pd.DataFrame(
        {
            "order_ref": [f"R{seed}-{i:06d}" for i in range(n)],  # an identifier: must be dropped
            "shop": shop,
            "ordered_on": day.strftime("%Y-%m-%d"),  # dates as text: must be recognised and expanded
            "noise": rng.normal(size=n),
            "bought": (rng.random(n) < probability).astype(int),
        }
    )
    return frame, probability


@pytest.fixture(scope="module")
def known() -> tuple[TabularModel, pd.DataFrame, np.ndarray]:
    train, _ = _known_table(3_000, seed=1)
    train.loc[train.sample(frac=0.1, random_state=0).index, "noise"] = np.nan
    train.loc[train.sample(frac=0.05, random_state=1).index, "shop"] = None
    test, truth = _known_table(4_000, seed=2)
    with pytest.warns(ColumnDroppedWarning, match="order_ref"):
        model = TabularModel(target="bought").fit(train)
    return model, test, truth


def test_reaches_the_bayes_rate_on_a_category_and_a_weekday(
    known: tuple[TabularModel, pd.DataFrame, np.ndarray],
) -> None:
    model, test, truth = known
    bayes = roc_auc_score(test["bought"], truth)  # the best any model can do on this sample
    score = roc_auc_score(test["bought"], model.predict_proba(test)[:, 1])
    assert score >= bayes - 0.02, (score, bayes)
    assert model.task_ == "classification"
    assert "order_ref" in model.dropped_columns_ and "order_ref" not in model.feature_names_
    assert model.plan_.kinds["ordered_on"] == "date_text"
    assert "ordered_on_weekday" in model.feature_names_
    top_two = set(model.feature_importance()["feature"].head(2))
    assert top_two == {"shop", "ordered_on_weekday"}
    # calibrated: the mean probability matches the observed rate on new data
    assert abs(model.predict_proba(test)[:, 1].mean() - test["bought"].mean()) < 0.03


def test_reasons_and_contributions(known: tuple[TabularModel, pd.DataFrame, np.ndarray]) -> None:
    model, test, _ = known
    rows = test.head(20)
    contributions = model.contributions(rows)
    raw = np.asarray(model.booster_.predict(model.plan_.transform(rows), raw_score=True))
    np.testing.assert_allclose(contributions.sum(axis=1).to_numpy(), raw, atol=1e-6)
    reasons = model.reasons(rows, top=3)
    assert list(reasons.columns) == ["reason_1", "reason_2", "reason_3"]
    pattern = re.compile(r"^[a-z_]+=.+ \([+-]\d+\.\d{2}\)$")
    assert all(pattern.match(text) for text in reasons.to_numpy().ravel())
    weekend_row = rows.index[pd.to_datetime(rows["ordered_on"]).dt.day_of_week >= 5][0]
    assert "ordered_on_weekday" in " ".join(reasons.loc[weekend_row])


def test_missing_values_and_unseen_categories_predict() -> None:
    frame, _ = _known_table(400, seed=3)
    frame.loc[:50, "noise"] = np.nan
    with pytest.warns(ColumnDroppedWarning):
        model = TabularModel(target="bought", tuning="none").fit(frame)
    new = frame.head(3).copy()
    new.loc[new.index[0], "shop"] = "never-seen"
    new = new.drop(columns=["noise"])  # a column missing at predict time counts as missing values
    probabilities = model.predict_proba(new)
    assert probabilities.shape == (3, 2)
    assert np.all((probabilities >= 0) & (probabilities <= 1))


def test_regression_is_detected_for_a_float_target() -> None:
    rng = np.random.default_rng(4)
    n = 1_500
    frame = pd.DataFrame({"x": rng.normal(size=n), "kind": rng.choice(["a", "b", "c"], size=n)})
    frame["price"] = (
        3.0 * frame["x"] + frame["kind"].map({"a": 0.0, "b": 2.0, "c": -2.0}) + rng.normal(0, 0.5, n)
    )
    model = TabularModel(target="price", tuning="none").fit(frame.iloc[:1_000])
    assert model.task_ == "regression"
    predicted = model.predict(frame.iloc[1_000:])
    assert predicted.dtype == np.float64
    # noise sd 0.5 against a signal sd of about 3.4: the best possible R2 is about 0.98
    assert r2_score(frame["price"].iloc[1_000:], predicted) > 0.93
    with pytest.raises(ConfigError, match="regression"):
        model.predict_proba(frame)


def test_string_labels_round_trip_and_multiclass() -> None:
    frame, _ = _known_table(1_200, seed=5)
    frame = frame.drop(columns=["order_ref"])
    frame["answer"] = np.where(frame.pop("bought") == 1, "yes", "no")
    model = TabularModel(target="answer", tuning="none").fit(frame)
    assert list(model.classes_) == ["no", "yes"]
    assert set(model.predict(frame)) <= {"no", "yes"}
    grade = frame["shop"].map({"north": "low", "south": "mid", "east": "mid", "west": "high"})
    flip = np.random.default_rng(0).random(len(frame)) < 0.1  # 10 % of the grades are random
    frame["grade"] = grade.where(~flip, np.random.default_rng(1).choice(["low", "mid", "high"], len(frame)))
    multi = TabularModel(target="grade", tuning="none").fit(frame.drop(columns=["answer"]))
    proba = multi.predict_proba(frame)
    assert proba.shape == (len(frame), 3) and list(multi.classes_) == ["high", "low", "mid"]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (multi.predict(frame) == grade).mean() > 0.97  # the shop decides the grade


def test_infer_task_rules() -> None:
    assert infer_task(pd.Series([0.5, 1.5, 2.25, 7.0])) == "regression"
    assert infer_task(pd.Series(range(100))) == "regression"  # many whole numbers: a count or amount
    assert infer_task(pd.Series([1, 2, 3, 2, 1])) == "classification"
    assert infer_task(pd.Series([True, False])) == "classification"
    assert infer_task(pd.Series([0.0, 1.0, 1.0])) == "classification"


def test_cross_validation_is_honest_on_noise() -> None:
    rng = np.random.default_rng(6)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=600) for i in range(5)})
    frame["y"] = rng.integers(0, 2, size=600)
    report = TabularModel(target="y", tuning="none").cross_validate(frame, n_splits=4)
    metrics = report.metrics.set_index("metric")
    assert 0.4 < metrics.loc["roc_auc", "mean"] < 0.6  # nothing to learn: no leak from tuning or folds
    assert {"fold_1", "fold_4", "std"} <= set(report.metrics.columns)
    assert report.predictions.index.equals(frame.index)
    assert report.predictions["probability"].between(0, 1).all()


def test_cross_validation_regression_report() -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"x": rng.uniform(-2, 2, size=500)})
    frame["y"] = frame["x"] ** 2 + rng.normal(0, 0.1, size=500)
    report = TabularModel(target="y", tuning="none").cross_validate(frame, n_splits=3)
    metrics = report.metrics.set_index("metric")["mean"]
    assert report.task == "regression"
    assert metrics["r2"] > 0.95 and metrics["rmse"] < 0.25
    assert report.feature_importance["feature"].tolist() == ["x"]


def test_bad_inputs_give_clear_errors() -> None:
    frame = pd.DataFrame({"x": np.arange(30.0), "y": [0, 1] * 15})
    with pytest.raises(SchemaError, match=r"target column 'z' is not in the table.*\['x', 'y'\]"):
        TabularModel(target="z").fit(frame)
    with pytest.raises(SchemaError, match="single class"):
        TabularModel(target="y").fit(frame.assign(y=1))
    with pytest.raises(SchemaError, match="no row with a value"):
        TabularModel(target="y").fit(frame.iloc[:0])
    with pytest.raises(SchemaError, match="at least 10"):
        TabularModel(target="y").fit(frame.iloc[:5])
    with pytest.raises(ConfigError, match="task='guess'"):
        TabularModel(target="y", task="guess").fit(frame)  # type: ignore[arg-type]
    with pytest.raises(NotFittedError, match="not fitted"):
        TabularModel(target="y").predict(frame)
    with pytest.raises(SchemaError, match="regression needs a numeric target"):
        TabularModel(target="y", task="regression").fit(frame.assign(y=["a", "b"] * 15))
    with pytest.warns(ColumnDroppedWarning), pytest.raises(SchemaError, match="no usable feature"):
        TabularModel(target="y").fit(pd.DataFrame({"c": ["k"] * 30, "y": [0, 1] * 15}))


def test_estimator_conventions_clone_and_seed() -> None:
    frame, _ = _known_table(500, seed=8)
    model = TabularModel(target="bought", tuning="none", random_state=3)
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    with pytest.warns(ColumnDroppedWarning):
        first = model.fit(frame).predict_proba(frame)
    with pytest.warns(ColumnDroppedWarning):
        second = copy.fit(frame).predict_proba(frame)
    np.testing.assert_array_equal(first, second)


def test_plan_features_kinds() -> None:
    frame = pd.DataFrame(
        {
            "amount": [1.5, 2.0, np.nan, 4.0] * 10,
            "flag": [True, False] * 20,
            "city": ["a", "b", "c", None] * 10,
            "at": pd.date_range("2024-01-01", periods=40, freq="7h", tz="UTC"),
            "user_id": np.arange(40),
            "constant": ["same"] * 40,
        }
    )
    with pytest.warns(ColumnDroppedWarning, match="user_id.*identifier") as caught:
        plan = plan_features(frame)
    assert "constant" in str(caught[0].message)
    assert plan.kinds == {"amount": "numeric", "flag": "numeric", "city": "category", "at": "datetime"}
    assert plan.categories["city"] == ["a", "b", "c"]
    assert "hour" in plan.date_parts["at"] and "year" not in plan.date_parts["at"]


def test_predict_cli_on_a_file_and_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame, _ = _known_table(600, seed=9)
    frame.loc[frame.index[-20:], "bought"] = np.nan  # unlabelled rows get the model's predictions
    source = tmp_path / "orders.csv"
    frame.to_csv(source, index=False)
    out = tmp_path / "scored.csv"
    args = ["predict", str(source), "--target", "bought", "--folds", "3", "--tuning", "none"]
    assert main([*args, "--out", str(out), "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    metrics = {row["metric"]: row for row in outcome["metrics"]}
    assert outcome["task"] == "classification" and metrics["roc_auc"]["mean"] > 0.7
    assert any("order_ref" in note for note in outcome["warnings"])
    scored = pd.read_csv(out)
    assert len(scored) == 600 and scored["probability"].between(0, 1).all()
    assert (scored["prediction_kind"] == "model").sum() == 20

    root = tmp_path / "ws"
    with Workspace.init(root) as ws:
        ws.engine.write_table("core.sample", frame)
    assert main([*args[:1], "sample", *args[2:], "-w", str(root), "--out", "sample_scored"]) == 0
    printed = capsys.readouterr().out
    assert "roc_auc" in printed and "wrote 600 predictions to mart.sample_scored" in printed
    with Workspace.open(root) as ws:
        assert ws.engine.row_count("mart.sample_scored") == 600
    assert main(["predict", str(source), "--target", "missing"]) == 1
    assert "target column 'missing'" in capsys.readouterr().err
