"""``TabularModel``: a tuned, calibrated LightGBM model for any table's target column."""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from aimass.analytics.churn._prepare import FeaturePlan, plan_features
from aimass.exceptions import ConfigError, NotFittedError, SchemaError

__all__ = ["CrossValidationReport", "TabularModel", "infer_task"]

Task = Literal["auto", "classification", "regression"]
Calibration = Literal["sigmoid", "isotonic", "none"]
Tuning = Literal["small", "none"]

#: The small grid searched by inner cross-validation (each with early stopping on the number of trees).
TUNING_GRID: tuple[dict[str, float], ...] = (
    {"num_leaves": 15, "min_child_samples": 20},
    {"num_leaves": 31, "min_child_samples": 20},
    {"num_leaves": 63, "min_child_samples": 10},
    {"num_leaves": 7, "min_child_samples": 40},
    {"num_leaves": 4, "min_child_samples": 10},
)
_DEFAULT_CONFIG: dict[str, float] = {"num_leaves": 15, "min_child_samples": 20, "max_depth": 5}
_MAX_ROUNDS = 600
_EARLY_STOP = 50


def infer_task(target: pd.Series) -> Literal["classification", "regression"]:
    """``classification`` for text, booleans, categories and whole numbers with at most 20 values, or
    any numbers with only two values; ``regression`` otherwise.

    Examples
    --------
    >>> infer_task(pd.Series([0.5, 1.25, 3.0, 2.0]))
    'regression'
    >>> infer_task(pd.Series(["yes", "no", "yes"]))
    'classification'
    >>> infer_task(pd.Series([0, 1, 2, 1, 0]))
    'classification'
    """
    values = target.dropna()
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return "classification"
    n_distinct = values.nunique()
    whole = bool(np.all(np.mod(values.to_numpy(dtype=np.float64), 1.0) == 0.0))
    if n_distinct <= 2 or (whole and n_distinct <= 20):
        return "classification"
    return "regression"


@dataclass
class CrossValidationReport:
    """The outcome of :meth:`TabularModel.cross_validate`.

    Attributes
    ----------
    task : str
        ``classification`` or ``regression``.
    metrics : pandas.DataFrame
        ``metric, mean, std`` over the folds, plus one column per fold (``fold_1`` ...).
    feature_importance : pandas.DataFrame
        ``feature, importance`` (share of the total gain, mean over folds), largest first.
    predictions : pandas.DataFrame
        Out-of-fold predictions, indexed like the input: ``prediction`` and, for classification,
        ``probability`` (binary) or ``probability_<class>``.
    dropped : dict of str to str
        Columns left out of the model and why.
    seconds : float
        Wall time of the whole cross-validation.
    """

    task: str
    metrics: pd.DataFrame
    feature_importance: pd.DataFrame
    predictions: pd.DataFrame
    dropped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (metrics and the top 20 features)."""
        return {
            "task": self.task,
            "metrics": self.metrics[["metric", "mean", "std"]].to_dict(orient="records"),
            "feature_importance": self.feature_importance.head(20).to_dict(orient="records"),
            "dropped": self.dropped,
            "seconds": round(self.seconds, 3),
        }


class TabularModel:
    """A gradient-boosted model (LightGBM) for one target column of any table.

    It prepares the other columns itself: numbers stay numbers (missing values are fine), text becomes
    categories (LightGBM's native categorical splits, not one-hot columns), dates are expanded into year,
    month, day, weekday, day of year, hour and days since 1970, and identifier-like text, constants and
    empty columns are dropped with a :class:`~aimass.analytics.churn.ColumnDroppedWarning`. A small grid
    of tree shapes is searched by inner cross-validation with early stopping on the number of trees;
    binary probabilities are calibrated on out-of-fold scores.

    Parameters
    ----------
    target : str
        The column to predict.
    task : {"auto", "classification", "regression"}, default "auto"
        ``auto`` uses :func:`infer_task` on the target.
    tuning : {"small", "none"}, default "small"
        ``small`` searches :data:`TUNING_GRID`; ``none`` uses 15 leaves at most 5 deep (trees still
        early-stopped).
    calibration : {"sigmoid", "isotonic", "none"}, default "sigmoid"
        How binary probabilities are calibrated on out-of-fold scores (sigmoid keeps the ranking).
    n_splits : int, default 3
        Folds of the inner cross-validation used for tuning, early stopping and calibration.
    learning_rate : float, default 0.05
    n_jobs : int, default 1
        LightGBM threads (1 is fastest on small, busy machines).
    random_state : int, default 0

    Attributes
    ----------
    task_ : str
    classes_ : numpy.ndarray
        Class labels (classification), in the order of :meth:`predict_proba`'s columns.
    plan_ : FeaturePlan
        How the input columns became features.
    feature_names_ : list of str
    dropped_columns_ : dict of str to str
    params_ : dict
        The chosen LightGBM parameters.
    n_estimators_ : int
        Trees in the final model.
    tuning_results_ : pandas.DataFrame
        One row per configuration tried: its parameters, trees and inner-CV loss.
    booster_ : lightgbm.Booster
        The final model, trained on all rows.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=400), "shop": rng.choice(["a", "b"], 400)})
    >>> df["bought"] = (df["x"] + (df["shop"] == "a") + rng.normal(size=400) > 0.5).astype(int)
    >>> model = TabularModel(target="bought", tuning="none").fit(df)
    >>> model.task_, model.predict_proba(df.head(3)).shape
    ('classification', (3, 2))
    """

    def __init__(
        self,
        target: str,
        task: Task = "auto",
        *,
        tuning: Tuning = "small",
        calibration: Calibration = "sigmoid",
        n_splits: int = 3,
        learning_rate: float = 0.05,
        n_jobs: int = 1,
        random_state: int = 0,
    ) -> None:
        self.target = target
        self.task = task
        self.tuning = tuning
        self.calibration = calibration
        self.n_splits = n_splits
        self.learning_rate = learning_rate
        self.n_jobs = n_jobs
        self.random_state = random_state

    # scikit-learn style parameter access, so ``sklearn.base.clone`` works.
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments."""
        return {
            "target": self.target,
            "task": self.task,
            "tuning": self.tuning,
            "calibration": self.calibration,
            "n_splits": self.n_splits,
            "learning_rate": self.learning_rate,
            "n_jobs": self.n_jobs,
            "random_state": self.random_state,
        }

    def set_params(self, **params: Any) -> TabularModel:
        """Set constructor arguments; returns self."""
        for key, value in params.items():
            if key not in self.get_params():
                raise ConfigError(
                    f"TabularModel has no parameter {key!r}; it has {sorted(self.get_params())}"
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        return f"TabularModel(target={self.target!r}, task={self.task!r})"

    # -- validation ----------------------------------------------------------------------------------

    def _validate(self) -> None:
        choices: dict[str, tuple[str, ...]] = {
            "task": ("auto", "classification", "regression"),
            "tuning": ("small", "none"),
            "calibration": ("sigmoid", "isotonic", "none"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"`{name}={getattr(self, name)!r}` is not allowed; use one of {allowed}")
        if not isinstance(self.n_splits, int) or self.n_splits < 2:
            raise ConfigError(f"`n_splits={self.n_splits!r}` must be an integer >= 2")
        if not 0 < self.learning_rate <= 1:
            raise ConfigError(f"`learning_rate={self.learning_rate!r}` must be in (0, 1]")
        if not isinstance(self.n_jobs, int) or self.n_jobs < 1:
            raise ConfigError(f"`n_jobs={self.n_jobs!r}` must be an integer >= 1")

    def _split_target(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        if not isinstance(frame, pd.DataFrame):
            raise SchemaError(f"fit needs a pandas DataFrame; got {type(frame).__name__}")
        if self.target not in frame.columns:
            raise SchemaError(
                f"the target column {self.target!r} is not in the table; "
                f"its columns are {list(frame.columns)}",
                column=self.target,
            )
        y = frame[self.target]
        keep = y.notna().to_numpy()
        if not keep.any():
            raise SchemaError(
                f"the table has no row with a value in the target {self.target!r} "
                f"({len(frame)} rows); at least 10 labelled rows are needed",
                column=self.target,
            )
        if int(keep.sum()) < 10:
            raise SchemaError(
                f"only {int(keep.sum())} rows have a value in the target {self.target!r}; "
                "at least 10 are needed",
                column=self.target,
            )
        return frame.loc[keep].drop(columns=[self.target]), y[keep]

    # -- fitting -------------------------------------------------------------------------------------

    def fit(self, frame: pd.DataFrame) -> TabularModel:
        """Prepare the features, tune, train on all labelled rows and calibrate.

        Parameters
        ----------
        frame : pandas.DataFrame
            The table, target column included; rows whose target is missing are ignored.

        Returns
        -------
        TabularModel
            self

        Raises
        ------
        SchemaError
            When the target is missing, has fewer than 10 labelled rows, or has a single class.
        ConfigError
            When a parameter is not allowed.
        """
        import lightgbm as lgb

        self._validate()
        features, y = self._split_target(frame)
        task = infer_task(y) if self.task == "auto" else self.task
        if task == "regression":
            if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
                raise SchemaError(
                    f"regression needs a numeric target; {self.target!r} has type {y.dtype}: "
                    "use task='classification'",
                    column=self.target,
                )
            encoded = y.to_numpy(dtype=np.float64)
            self.classes_ = np.array([])
        else:
            classes, codes = np.unique(y.to_numpy(), return_inverse=True)
            if len(classes) < 2:
                raise SchemaError(
                    f"the target {self.target!r} has a single class {classes[0]!r}; classification "
                    "needs at least two",
                    column=self.target,
                )
            counts = np.bincount(codes)
            if counts.min() < self.n_splits:
                rare = classes[int(np.argmin(counts))]
                raise SchemaError(
                    f"the class {rare!r} of {self.target!r} has {counts.min()} rows; each class needs at "
                    f"least n_splits={self.n_splits}",
                    column=self.target,
                )
            self.classes_ = classes
            encoded = codes.astype(np.float64)
        self.task_ = task
        self.plan_: FeaturePlan = plan_features(features)
        if not self.plan_.kinds:
            raise SchemaError(
                f"no usable feature column is left besides {self.target!r}: {self.plan_.dropped}; "
                "numeric, text (categories) and date columns are used"
            )
        matrix = self.plan_.transform(features)
        self.feature_names_ = list(matrix.columns)
        self.dropped_columns_ = dict(self.plan_.dropped)
        base = self._base_params(len(self.classes_))
        folds = self._folds(encoded)
        grid = TUNING_GRID if self.tuning == "small" else (_DEFAULT_CONFIG,)
        rows: list[dict[str, Any]] = []
        best: tuple[float, dict[str, Any], int, Any] | None = None
        for config in grid:
            params = {**base, **config}
            dataset = lgb.Dataset(matrix, label=encoded, params={"verbose": -1}, free_raw_data=False)
            result = lgb.cv(
                params,
                dataset,
                num_boost_round=_MAX_ROUNDS,
                folds=folds,
                callbacks=[lgb.early_stopping(_EARLY_STOP, verbose=False)],
                return_cvbooster=True,
            )
            key = next(name for name in result if name.endswith("-mean") and "valid" in name)
            losses: list[float] = list(result[key])  # type: ignore[arg-type]
            rounds = len(losses)
            loss = float(losses[-1])
            rows.append({**config, "n_estimators": rounds, "cv_loss": loss})
            if best is None or loss < best[0]:
                best = (loss, params, rounds, result["cvbooster"])
        assert best is not None
        _, params, rounds, cvbooster = best
        self.tuning_results_ = pd.DataFrame(rows).sort_values("cv_loss").reset_index(drop=True)
        self.params_ = {k: v for k, v in params.items() if k not in ("verbose", "num_threads", "seed")}
        self.n_estimators_ = max(1, math.ceil(rounds * 1.1))
        dataset = lgb.Dataset(matrix, label=encoded, params={"verbose": -1})
        self.booster_ = lgb.train(params, dataset, num_boost_round=self.n_estimators_)
        self.calibrator_: tuple[str, npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
        if task == "classification" and len(self.classes_) == 2 and self.calibration != "none":
            oof = np.empty(len(encoded))
            for booster, (_, test) in zip(cvbooster.boosters, folds, strict=True):
                oof[test] = booster.predict(matrix.iloc[test], raw_score=True, num_iteration=rounds)
            self.calibrator_ = _fit_calibrator(self.calibration, oof, encoded)
        return self

    def _base_params(self, n_classes: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "learning_rate": self.learning_rate,
            "feature_fraction": 0.9,
            "bagging_fraction": 0.9,
            "bagging_freq": 1,
            "lambda_l2": 1.0,
            "cat_smooth": 10.0,
            "min_data_per_group": 20,
            "max_cat_to_onehot": 8,
            "num_threads": self.n_jobs,
            "seed": self.random_state,
            "deterministic": True,
            "force_col_wise": True,
            "verbose": -1,
        }
        if self.task_ == "regression":
            params.update(objective="regression", metric="l2")
        elif n_classes == 2:
            params.update(objective="binary", metric="binary_logloss")
        else:
            params.update(objective="multiclass", metric="multi_logloss", num_class=n_classes)
        return params

    def _folds(
        self, encoded: npt.NDArray[np.float64]
    ) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
        from sklearn.model_selection import KFold, StratifiedKFold

        if self.task_ == "classification":
            splitter: Any = StratifiedKFold(self.n_splits, shuffle=True, random_state=self.random_state)
        else:
            splitter = KFold(self.n_splits, shuffle=True, random_state=self.random_state)
        return [(train, test) for train, test in splitter.split(np.zeros(len(encoded)), encoded)]

    # -- prediction ----------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "booster_"):
            raise NotFittedError("this TabularModel is not fitted yet; call fit(frame) first")

    def _matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        self._check_fitted()
        if not isinstance(frame, pd.DataFrame):
            raise SchemaError(f"expected a pandas DataFrame; got {type(frame).__name__}")
        return self.plan_.transform(frame)

    def _raw(self, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
        scores: npt.NDArray[np.float64] = np.asarray(
            self.booster_.predict(self._matrix(frame), raw_score=True), dtype=np.float64
        )
        return scores

    def predict_proba(self, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        frame : pandas.DataFrame
            Rows to score (the target column, if present, is ignored).

        Returns
        -------
        numpy.ndarray of shape (n_rows, n_classes)
        """
        self._check_fitted()
        if self.task_ != "classification":
            raise ConfigError("predict_proba is for classification; this model does regression: use predict")
        raw = self._raw(frame)
        if len(self.classes_) == 2:
            positive = _apply_calibrator(self.calibrator_, raw)
            return np.column_stack([1.0 - positive, positive])
        shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
        probabilities: npt.NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
        return probabilities

    def predict(self, frame: pd.DataFrame) -> npt.NDArray[Any]:
        """Predicted values (regression) or the most probable class labels (classification)."""
        self._check_fitted()
        if self.task_ == "regression":
            return self._raw(frame)
        probabilities = self.predict_proba(frame)
        labels: npt.NDArray[Any] = self.classes_[np.argmax(probabilities, axis=1)]
        return labels

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Per-row feature contributions (SHAP values, in raw score units: log-odds for binary).

        Returns
        -------
        pandas.DataFrame of shape (n_rows, n_features + 1)
            One column per feature and ``bias``; a row sums to the raw score. Multiclass models give
            the contributions to the most probable class.
        """
        matrix = self._matrix(frame)
        values = np.asarray(self.booster_.predict(matrix, pred_contrib=True), dtype=np.float64)
        width = len(self.feature_names_) + 1
        if values.shape[1] > width:
            per_class = values.reshape(len(matrix), -1, width)
            chosen = np.argmax(per_class.sum(axis=2), axis=1)
            values = per_class[np.arange(len(matrix)), chosen]
        return pd.DataFrame(values, columns=[*self.feature_names_, "bias"], index=frame.index)

    def reasons(self, frame: pd.DataFrame, top: int = 3) -> pd.DataFrame:
        """The ``top`` features that moved each row's score most, as text.

        Returns
        -------
        pandas.DataFrame
            ``reason_1`` ... ``reason_<top>``, each like ``"recency_days=210 (+0.31)"`` (value of the
            feature, signed contribution to the raw score), largest absolute contribution first.
        """
        if top < 1:
            raise ConfigError(f"`top={top}` must be >= 1")
        matrix = self.contributions(frame).drop(columns="bias").to_numpy()
        values = self.plan_.transform(frame).to_numpy(dtype=object)
        order = np.argsort(-np.abs(matrix), axis=1, kind="stable")[:, :top]
        names = self.feature_names_
        rows = np.arange(len(matrix))
        out: dict[str, list[str]] = {}
        for k in range(order.shape[1]):
            columns = order[:, k]
            out[f"reason_{k + 1}"] = [
                f"{names[c]}={_format_value(v)} ({w:+.2f})"
                for c, v, w in zip(columns, values[rows, columns], matrix[rows, columns], strict=True)
            ]
        return pd.DataFrame(out, index=frame.index)

    def feature_importance(self) -> pd.DataFrame:
        """``feature, importance``: each feature's share of the total split gain, largest first."""
        self._check_fitted()
        gain = np.asarray(self.booster_.feature_importance(importance_type="gain"), dtype=np.float64)
        total = gain.sum() or 1.0
        frame = pd.DataFrame({"feature": self.feature_names_, "importance": gain / total})
        return frame.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)

    # -- honest evaluation ---------------------------------------------------------------------------

    def cross_validate(self, frame: pd.DataFrame, n_splits: int = 5) -> CrossValidationReport:
        """Outer ``n_splits``-fold cross-validation of the whole procedure (tuning included).

        Each fold fits a fresh copy of this model on the other folds, so the scores are honest. The
        model itself is not fitted by this call.

        Returns
        -------
        CrossValidationReport
            Classification: ``roc_auc`` (binary; one-vs-rest macro for more classes), ``pr_auc``
            (binary), ``log_loss``, ``accuracy``; regression: ``rmse``, ``mae``, ``r2``.
        """
        from sklearn.model_selection import KFold, StratifiedKFold

        if not isinstance(n_splits, int) or n_splits < 2:
            raise ConfigError(f"`n_splits={n_splits!r}` must be an integer >= 2")
        started = time.perf_counter()
        self._validate()
        features, y = self._split_target(frame)
        task = infer_task(y) if self.task == "auto" else self.task
        labelled = frame.loc[y.index]
        plan = plan_features(features)  # warns once about dropped columns
        if task == "classification":
            splitter: Any = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
            classes = np.unique(y.to_numpy())
        else:
            splitter = KFold(n_splits, shuffle=True, random_state=self.random_state)
            classes = np.array([])
        fold_metrics: list[dict[str, float]] = []
        importances: list[pd.Series] = []
        predictions = pd.DataFrame(index=labelled.index)
        prediction_values = np.empty(len(labelled), dtype=object)
        probability_values = np.full((len(labelled), max(len(classes), 1)), np.nan)
        for train, test in splitter.split(np.zeros(len(y)), y.to_numpy()):
            model = TabularModel(**{**self.get_params(), "task": task})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(labelled.iloc[train])
            part = labelled.iloc[test]
            importances.append(model.feature_importance().set_index("feature")["importance"])
            predicted = model.predict(part)
            prediction_values[test] = predicted
            if task == "classification":
                proba = model.predict_proba(part)
                aligned = np.zeros((len(test), len(classes)))
                for j, label in enumerate(model.classes_):
                    aligned[:, int(np.searchsorted(classes, label))] = proba[:, j]
                probability_values[test] = aligned
                fold_metrics.append(_classification_metrics(y.iloc[test].to_numpy(), aligned, classes))
            else:
                fold_metrics.append(_regression_metrics(y.iloc[test].to_numpy(dtype=np.float64), predicted))
        predictions["prediction"] = prediction_values
        if task == "classification":
            if len(classes) == 2:
                predictions["probability"] = probability_values[:, 1]
            else:
                for j, label in enumerate(classes):
                    predictions[f"probability_{label}"] = probability_values[:, j]
        table = pd.DataFrame(fold_metrics)
        metrics = pd.DataFrame(
            {"metric": table.columns, "mean": table.mean().to_numpy(), "std": table.std(ddof=1).to_numpy()}
        )
        for k in range(len(table)):
            metrics[f"fold_{k + 1}"] = table.iloc[k].to_numpy()
        importance = pd.concat(importances, axis=1).fillna(0.0).mean(axis=1)
        importance_frame = (
            importance.rename("importance")
            .rename_axis("feature")
            .reset_index()
            .sort_values("importance", ascending=False, kind="stable")
            .reset_index(drop=True)
        )
        return CrossValidationReport(
            task=task,
            metrics=metrics,
            feature_importance=importance_frame,
            predictions=predictions,
            dropped=dict(plan.dropped),
            seconds=time.perf_counter() - started,
        )


def _fit_calibrator(
    method: str, raw: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> tuple[str, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    if method == "sigmoid":
        from sklearn.linear_model import LogisticRegression

        platt = LogisticRegression(C=1e6, max_iter=1_000).fit(raw.reshape(-1, 1), y.astype(int))
        return "sigmoid", np.array([float(platt.coef_[0, 0])]), np.array([float(platt.intercept_[0])])
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
    return (
        "isotonic",
        np.asarray(iso.X_thresholds_, dtype=np.float64),
        np.asarray(iso.y_thresholds_, dtype=np.float64),
    )


def _apply_calibrator(
    calibrator: tuple[str, npt.NDArray[np.float64], npt.NDArray[np.float64]] | None,
    raw: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    calibrated: npt.NDArray[np.float64]
    if calibrator is None:
        calibrated = 1.0 / (1.0 + np.exp(-raw))
    elif calibrator[0] == "sigmoid":
        calibrated = 1.0 / (1.0 + np.exp(-(calibrator[1][0] * raw + calibrator[2][0])))
    else:
        calibrated = np.asarray(np.interp(raw, calibrator[1], calibrator[2]), dtype=np.float64)
    return calibrated


def _classification_metrics(
    y: npt.NDArray[Any], proba: npt.NDArray[np.float64], classes: npt.NDArray[Any]
) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, average_precision_score, log_loss, roc_auc_score

    codes = np.searchsorted(classes, y)
    clipped = np.clip(proba, 1e-12, 1.0)
    clipped = clipped / clipped.sum(axis=1, keepdims=True)
    out: dict[str, float] = {}
    if len(classes) == 2:
        out["roc_auc"] = float(roc_auc_score(codes, proba[:, 1]))
        out["pr_auc"] = float(average_precision_score(codes, proba[:, 1]))
    elif len(np.unique(codes)) == len(classes):
        out["roc_auc"] = float(
            roc_auc_score(codes, clipped, multi_class="ovr", labels=np.arange(len(classes)))
        )
    out["log_loss"] = float(log_loss(codes, clipped, labels=np.arange(len(classes))))
    out["accuracy"] = float(accuracy_score(codes, np.argmax(proba, axis=1)))
    return out


def _regression_metrics(y: npt.NDArray[np.float64], predicted: npt.NDArray[Any]) -> dict[str, float]:
    residual = y - np.asarray(predicted, dtype=np.float64)
    total = float(np.sum((y - y.mean()) ** 2)) or 1.0
    return {
        "rmse": float(np.sqrt(np.mean(residual**2))),
        "mae": float(np.mean(np.abs(residual))),
        "r2": 1.0 - float(np.sum(residual**2)) / total,
    }


def _format_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    if isinstance(value, float | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() and abs(number) < 1e12 else f"{number:.4g}"
    return str(value)
