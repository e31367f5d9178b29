"""``ChurnModel``, the time-based holdout around it, and category purchase propensity."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aimass.analytics.churn._features import CustomerHistory, to_utc
from aimass.analytics.churn._metrics import binary_report, calibration_curve, lift_table
from aimass.analytics.churn._tabular import Calibration, TabularModel, Tuning
from aimass.exceptions import ConfigError, NotFittedError, SchemaError

__all__ = [
    "ChurnEvaluation",
    "ChurnModel",
    "ChurnResult",
    "PropensityResult",
    "category_propensity",
    "churn_risk",
    "predict_churn",
]

_LABEL = "churned"


@dataclass
class ChurnEvaluation:
    """How well churn probabilities matched what happened.

    Attributes
    ----------
    metrics : dict of str to float
        See :func:`~aimass.analytics.churn.binary_report`.
    lift : pandas.DataFrame
        :func:`~aimass.analytics.churn.lift_table` by decile.
    calibration : pandas.DataFrame
        :func:`~aimass.analytics.churn.calibration_curve` by decile.
    """

    metrics: dict[str, float]
    lift: pd.DataFrame
    calibration: pd.DataFrame


class ChurnModel:
    """Probability that a customer makes no purchase in the next ``horizon_days``.

    A :class:`~aimass.analytics.churn.TabularModel` on :func:`churn_features` rows, with per-customer
    reasons from the trees' feature contributions.

    Parameters
    ----------
    horizon_days : int, default 90
        The label window the model is trained for (recorded; the labels themselves are given to fit).
    tuning : {"small", "none"}, default "small"
    calibration : {"sigmoid", "isotonic", "none"}, default "sigmoid"
    learning_rate : float, default 0.05
    n_splits : int, default 3
        Inner cross-validation folds (tuning, early stopping, calibration).
    n_jobs : int, default 1
    random_state : int, default 0

    Attributes
    ----------
    model_ : TabularModel
    feature_names_ : list of str
    dropped_columns_ : dict of str to str

    Examples
    --------
    >>> from aimass.analytics.churn import churn_features, churn_labels
    >>> from aimass.demo import generate_world
    >>> world = generate_world(600, seed=1)
    >>> cutoff = world.as_of - pd.Timedelta(days=90)
    >>> features = churn_features(world.orders, cutoff=cutoff)
    >>> labels = churn_labels(world.orders, cutoff=cutoff, customers=features.index)
    >>> model = ChurnModel(tuning="none").fit(features, labels)
    >>> model.predict_proba(features).between(0, 1).all()
    np.True_
    """

    def __init__(
        self,
        horizon_days: int = 90,
        *,
        tuning: Tuning = "small",
        calibration: Calibration = "sigmoid",
        learning_rate: float = 0.05,
        n_splits: int = 3,
        n_jobs: int = 1,
        random_state: int = 0,
    ) -> None:
        self.horizon_days = horizon_days
        self.tuning = tuning
        self.calibration = calibration
        self.learning_rate = learning_rate
        self.n_splits = n_splits
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, features: pd.DataFrame, labels: pd.Series) -> ChurnModel:
        """Train on ``features`` (one row per customer) and 0/1 ``labels`` (1 = churned), aligned by index.

        Raises
        ------
        SchemaError
            When the labels do not cover the features' customers, or hold a single class.
        """
        if self.horizon_days <= 0:
            raise ConfigError(f"`horizon_days={self.horizon_days}` must be > 0")
        frame = self._frame(features)
        aligned = pd.Series(labels).reindex(frame.index)
        if aligned.isna().any():
            missing = aligned.index[aligned.isna()][:5].tolist()
            raise SchemaError(
                f"labels lack {int(aligned.isna().sum())} customers of the features, e.g. {missing}"
            )
        frame[_LABEL] = aligned.astype("int64").to_numpy()
        model = TabularModel(
            target=_LABEL,
            task="classification",
            tuning=self.tuning,
            calibration=self.calibration,
            learning_rate=self.learning_rate,
            n_splits=self.n_splits,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(frame)
        if list(model.classes_) != [0, 1]:
            raise SchemaError(f"churn labels must hold both 0 and 1; got {list(model.classes_)}")
        self.model_ = model
        self.feature_names_ = model.feature_names_
        self.dropped_columns_ = model.dropped_columns_
        return self

    @staticmethod
    def _frame(features: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(features, pd.DataFrame) or features.empty:
            raise SchemaError(
                "features must be a non-empty DataFrame, one row per customer (see churn_features)"
            )
        frame = features.copy()
        frame.index = frame.index.astype(str)
        return frame

    def _check(self) -> TabularModel:
        if not hasattr(self, "model_"):
            raise NotFittedError("this ChurnModel is not fitted yet; call fit(features, labels) first")
        return self.model_

    def predict_proba(self, features: pd.DataFrame) -> pd.Series:
        """Churn probability per customer (``churn_probability``, indexed like ``features``)."""
        model = self._check()
        frame = self._frame(features)
        return pd.Series(model.predict_proba(frame)[:, 1], index=frame.index, name="churn_probability")

    def evaluate(self, features: pd.DataFrame, labels: pd.Series) -> ChurnEvaluation:
        """Metrics, lift and calibration of the probabilities on ``features`` against ``labels``."""
        probability = self.predict_proba(features)
        y = pd.Series(labels).reindex(probability.index)
        if y.isna().any():
            raise SchemaError(f"labels lack {int(y.isna().sum())} customers of the features")
        truth = y.astype("int64").to_numpy()
        return ChurnEvaluation(
            metrics=binary_report(truth, probability.to_numpy()),
            lift=lift_table(truth, probability.to_numpy()),
            calibration=calibration_curve(truth, probability.to_numpy()),
        )

    def reasons(self, features: pd.DataFrame, top: int = 3) -> pd.DataFrame:
        """Top ``top`` feature contributions per customer, like ``"recency_days=210 (+0.31)"``.

        A positive contribution raises the churn probability; values are in log-odds units.
        """
        model = self._check()
        return model.reasons(self._frame(features), top=top)


def churn_risk(probability: pd.Series, thresholds: tuple[float, float] = (0.4, 0.7)) -> pd.Series:
    """``low`` below the first threshold, ``high`` at or above the second, ``medium`` between.

    Examples
    --------
    >>> churn_risk(pd.Series([0.1, 0.5, 0.9])).tolist()
    ['low', 'medium', 'high']
    """
    low, high = thresholds
    if not 0 < low < high < 1:
        raise ConfigError(f"`thresholds={thresholds}` must satisfy 0 < low < high < 1")
    values = np.where(probability >= high, "high", np.where(probability >= low, "medium", "low"))
    return pd.Series(values, index=probability.index, name="churn_risk")


@dataclass
class ChurnResult:
    """What :func:`predict_churn` produced.

    Attributes
    ----------
    scores : pandas.DataFrame
        Per customer (as of ``as_of``): ``churn_probability``, ``churn_risk``, ``reason_1..3``.
    evaluation : ChurnEvaluation
        The model trained at ``cutoff - horizon`` scored on customers at ``cutoff``.
    model : ChurnModel
        The model trained at ``cutoff`` (labels up to ``as_of``), which made ``scores``.
    cutoffs : dict of str to pandas.Timestamp
        ``train``, ``evaluate`` and ``score`` cut-offs.
    sizes : dict of str to int
        Customers at each cut-off.
    features : dict of pandas.Timestamp to pandas.DataFrame
        The :func:`churn_features` at each cut-off (reusable by :func:`category_propensity`).
    history : CustomerHistory
        The normalized tables (reusable by :func:`category_propensity`).
    """

    scores: pd.DataFrame
    evaluation: ChurnEvaluation
    model: ChurnModel
    cutoffs: dict[str, pd.Timestamp] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    features: dict[pd.Timestamp, pd.DataFrame] = field(default_factory=dict)
    history: CustomerHistory | None = None


def _cutoffs(
    as_of: Any, horizon_days: int, cutoff: Any | None
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    if not isinstance(horizon_days, int) or horizon_days <= 0:
        raise ConfigError(f"`horizon_days={horizon_days!r}` must be a whole number of days > 0")
    now = to_utc(as_of, "as_of")
    horizon = pd.Timedelta(days=horizon_days)
    evaluate_at = to_utc(cutoff) if cutoff is not None else now - horizon
    if evaluate_at + horizon > now:
        raise ConfigError(
            f"`cutoff={evaluate_at.date()}` leaves less than horizon_days={horizon_days} before "
            f"as_of={now.date()}; the labels after it would be incomplete: "
            f"use a cut-off <= {(now - horizon).date()}"
        )
    return evaluate_at - horizon, evaluate_at, now


def predict_churn(
    orders: pd.DataFrame,
    *,
    as_of: Any,
    horizon_days: int = 90,
    cutoff: Any | None = None,
    events: pd.DataFrame | None = None,
    products: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    tuning: Tuning = "small",
    thresholds: tuple[float, float] = (0.4, 0.7),
    refit: bool = False,
    learning_rate: float = 0.05,
    n_splits: int = 3,
    n_jobs: int = 1,
    random_state: int = 0,
) -> ChurnResult:
    """Evaluate churn on a time-based holdout, then score every customer as of ``as_of``.

    Train at ``c1 = cutoff - horizon`` (labels in ``[c1, cutoff)``) and evaluate at ``cutoff`` (labels in
    ``[cutoff, cutoff + horizon)``); then score the features at ``as_of`` with that evaluated model, or
    (``refit=True``) with a model retrained at ``cutoff`` on the newest labels.

    Parameters
    ----------
    orders : pandas.DataFrame
        ``core.orders``.
    as_of : datetime-like
        "Now": the end of the data.
    horizon_days : int, default 90
    cutoff : datetime-like, optional
        The evaluation cut-off; default ``as_of - horizon_days``.
    events, products, customers : pandas.DataFrame, optional
        See :func:`churn_features`.
    tuning : {"small", "none"}, default "small"
    thresholds : (float, float), default (0.4, 0.7)
        Risk tiers, see :func:`churn_risk`.
    refit : bool, default False
        Retrain at ``cutoff`` before scoring (newer labels, but the scoring model is then not the one
        evaluated; costs a second fit).
    learning_rate : float, default 0.05
    n_splits : int, default 3
        Inner cross-validation folds of the model.
    n_jobs, random_state : int

    Returns
    -------
    ChurnResult
    """
    train_at, evaluate_at, now = _cutoffs(as_of, horizon_days, cutoff)
    history = CustomerHistory(orders, events=events, products=products, customers=customers)
    frames = {"train": history.features(train_at), "evaluate": history.features(evaluate_at)}
    if len(frames["train"]) < 20:
        raise SchemaError(
            f"only {len(frames['train'])} customers ordered before the training cut-off {train_at.date()}; "
            f"churn needs at least 20, i.e. at least 2 x horizon_days={horizon_days} of history before as_of"
        )
    labels = {
        "train": history.labels(train_at, horizon_days, frames["train"].index),
        "evaluate": history.labels(evaluate_at, horizon_days, frames["evaluate"].index),
    }
    settings: dict[str, Any] = {
        "tuning": tuning,
        "learning_rate": learning_rate,
        "n_splits": n_splits,
        "n_jobs": n_jobs,
        "random_state": random_state,
    }
    held_out = ChurnModel(horizon_days, **settings).fit(frames["train"], labels["train"])
    evaluation = held_out.evaluate(frames["evaluate"], labels["evaluate"])
    final = held_out
    if refit:
        final = ChurnModel(horizon_days, **settings).fit(frames["evaluate"], labels["evaluate"])
    current = history.features(now)
    probability = final.predict_proba(current)
    scores = pd.concat([probability, churn_risk(probability, thresholds), final.reasons(current)], axis=1)
    return ChurnResult(
        scores=scores,
        evaluation=evaluation,
        model=final,
        cutoffs={"train": train_at, "evaluate": evaluate_at, "score": now},
        sizes={"train": len(frames["train"]), "evaluate": len(frames["evaluate"]), "score": len(current)},
        features={train_at: frames["train"], evaluate_at: frames["evaluate"], now: current},
        history=history,
    )


@dataclass
class PropensityResult:
    """What :func:`category_propensity` produced.

    Attributes
    ----------
    scores : pandas.DataFrame
        ``customer_id, category, probability`` as of ``as_of`` (purchase in the next horizon).
    metrics : dict of str to float
        Holdout :func:`binary_report` over all customer-category pairs, and ``roc_auc_<category>``.
    categories : list of str
    """

    scores: pd.DataFrame
    metrics: dict[str, float]
    categories: list[str]


def _propensity_rows(
    history: CustomerHistory,
    at: pd.Timestamp,
    categories: Sequence[str],
    horizon_days: int,
    base: pd.DataFrame,
    with_labels: bool,
) -> pd.DataFrame:
    keep = [c for c in base.columns if not c.startswith(("orders_30", "spend_30", "searches_"))]
    base = base[keep].copy()
    shares = [f"share_{c}" for c in categories]
    for share in shares:
        if share not in base.columns:
            base[share] = 0.0
    n_customers, n_categories = len(base), len(categories)
    rows = base.iloc[np.repeat(np.arange(n_customers), n_categories)].reset_index()
    rows.insert(1, "category", np.tile(np.asarray(categories, dtype=object), n_customers))
    rows["category_share"] = base[shares].to_numpy().reshape(-1)
    per = history.category_features(at, categories, days=horizon_days)
    rows = rows.merge(per, on=["customer_id", "category"], how="left")
    rows[["category_orders", "category_orders_recent"]] = rows[
        ["category_orders", "category_orders_recent"]
    ].fillna(0.0)
    if with_labels:
        bought = history.category_labels(at, horizon_days, categories)
        bought["bought"] = 1
        rows = rows.merge(bought, on=["customer_id", "category"], how="left")
        rows["bought"] = rows["bought"].fillna(0).astype("int64")
    return rows


def category_propensity(
    orders: pd.DataFrame,
    products: pd.DataFrame,
    *,
    as_of: Any,
    horizon_days: int = 90,
    cutoff: Any | None = None,
    top_categories: int = 8,
    events: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    features: Mapping[pd.Timestamp, pd.DataFrame] | None = None,
    history: CustomerHistory | None = None,
    max_train_customers: int | None = 3_000,
    max_evaluate_customers: int | None = 5_000,
    learning_rate: float = 0.2,
    refit: bool = False,
    n_jobs: int = 1,
    random_state: int = 0,
) -> PropensityResult:
    """Probability that each customer buys from each of the top categories in the next ``horizon_days``.

    One model over customer x category rows (the category is a feature, next to the customer's history
    and their history in that category), trained at ``cutoff - horizon`` and evaluated at ``cutoff`` as
    in :func:`predict_churn`, then applied to the features at ``as_of``.

    Parameters
    ----------
    orders, products : pandas.DataFrame
        ``core.orders`` and ``core.products`` (with ``category``).
    as_of : datetime-like
    horizon_days : int, default 90
    cutoff : datetime-like, optional
        Default ``as_of - horizon_days``.
    top_categories : int, default 8
        The categories with the most revenue before ``as_of``.
    events, customers : pandas.DataFrame, optional
        See :func:`churn_features`.
    features : mapping of pandas.Timestamp to pandas.DataFrame, optional
        :func:`churn_features` (computed with ``products``) already at hand, by cut-off, e.g.
        ``ChurnResult.features``; missing cut-offs are computed.
    history : CustomerHistory, optional
        The same tables already normalized (e.g. ``ChurnResult.history``; it must have ``products``).
    max_train_customers : int or None, default 3000
        Train on the customer x category rows of at most this many customers (a random sample; None
        means all); scoring always covers every customer.
    max_evaluate_customers : int or None, default 5000
        Evaluate on at most this many customers (a random sample; None means all).
    learning_rate : float, default 0.2
    refit : bool, default False
        Retrain at ``cutoff`` before scoring.
    n_jobs, random_state : int

    Returns
    -------
    PropensityResult
    """
    if "category" not in products.columns or products["category"].isna().all():
        raise SchemaError(
            "products have no category; propensity per category needs core.products.category",
            table="core.products",
        )
    if top_categories < 1:
        raise ConfigError(f"`top_categories={top_categories}` must be >= 1")
    for name, value in (
        ("max_train_customers", max_train_customers),
        ("max_evaluate_customers", max_evaluate_customers),
    ):
        if value is not None and value < 10:
            raise ConfigError(f"`{name}={value}` must be >= 10 or None")
    if history is None or not history.has_categories:
        history = CustomerHistory(orders, events=events, products=products, customers=customers)
    train_at, evaluate_at, now = _cutoffs(as_of, horizon_days, cutoff)
    lines = history.lines[history.lines["at"] < now]
    revenue = lines.groupby("category")["amount"].sum()
    ranked = revenue.sort_values(ascending=False, kind="stable").index[:top_categories]
    categories = [str(c) for c in ranked]
    known = dict(features or {})

    rng = np.random.default_rng(random_state)

    def rows_at(at: pd.Timestamp, with_labels: bool, sample: int | None = None) -> pd.DataFrame:
        base = known.get(at)
        if base is None:
            base = history.features(at)
        if sample is not None and len(base) > sample:
            chosen = np.sort(rng.choice(len(base), size=sample, replace=False))
            base = base.iloc[chosen]
        return _propensity_rows(history, at, categories, horizon_days, base, with_labels)

    def fit(rows: pd.DataFrame) -> TabularModel:
        model = TabularModel(
            target="bought",
            task="classification",
            tuning="none",
            n_splits=2,
            learning_rate=learning_rate,
            n_jobs=n_jobs,
            random_state=random_state,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.fit(rows.drop(columns=["customer_id"]))

    train = rows_at(train_at, True, sample=max_train_customers)
    test = rows_at(evaluate_at, True, sample=max_evaluate_customers)
    model = fit(train)
    probability = model.predict_proba(test)[:, 1]
    truth = test["bought"].to_numpy()
    metrics = {f"propensity_{k}": v for k, v in binary_report(truth, probability).items()}
    for name in categories:
        mask = (test["category"] == name).to_numpy()
        if 0 < truth[mask].sum() < mask.sum():
            metrics[f"propensity_roc_auc_{name}"] = binary_report(truth[mask], probability[mask])["roc_auc"]
    if refit:
        model = fit(rows_at(evaluate_at, True, sample=max_train_customers))
    current = rows_at(now, False)
    scores = pd.DataFrame(
        {
            "customer_id": current["customer_id"].astype(str).to_numpy(),
            "category": current["category"].astype(str).to_numpy(),
            "probability": model.predict_proba(current)[:, 1],
        }
    )
    return PropensityResult(scores=scores, metrics=metrics, categories=categories)
