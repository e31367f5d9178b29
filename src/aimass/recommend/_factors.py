"""Matrix factorisation through ``implicit``: ALS and BPR, single-threaded and seeded."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from aimass.recommend._base import RecommenderModel, check_number, check_positive_int
from aimass.recommend._data import TrainData

__all__ = ["ALSModel", "BPRModel"]


class _FactorModel(RecommenderModel):
    """Scores are dot products of customer and product factors (``user_factors_``, ``item_factors_``).

    A customer unknown at fit time is folded in by ridge regression of their interaction row on
    the product factors.
    """

    regularization: float

    def _train(self, make: Any, data: TrainData) -> None:
        threadpoolctl = importlib.import_module("threadpoolctl")
        with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
            estimator = make()
            estimator.fit(sp.csr_matrix(data.matrix, dtype=np.float32), show_progress=False)
        self.user_factors_ = np.asarray(_host(estimator.user_factors), dtype=np.float32)
        self.item_factors_ = np.asarray(_host(estimator.item_factors), dtype=np.float32)
        self.n_items_ = data.n_items

    def score(self, users: np.ndarray, rows: Any, profile: Any = None) -> np.ndarray:
        self.check_is_fitted()
        factors = np.empty((len(users), self.item_factors_.shape[1]), dtype=np.float32)
        known = users >= 0
        factors[known] = self.user_factors_[users[known]]
        if not known.all():
            factors[~known] = self._fold_in(sp.csr_matrix(rows)[np.flatnonzero(~known)])
        out: np.ndarray = factors @ self.item_factors_.T
        return out

    def _fold_in(self, rows: Any) -> np.ndarray:
        v = self.item_factors_.astype(np.float64)
        gram = v.T @ v + max(float(self.regularization), 1e-6) * np.eye(v.shape[1])
        rhs = np.asarray(rows @ v, dtype=np.float64)
        return np.linalg.solve(gram, rhs.T).T.astype(np.float32)

    def similar(self, items: np.ndarray) -> np.ndarray | None:
        self.check_is_fitted()
        v = self.item_factors_
        norms = np.linalg.norm(v, axis=1)
        norms[norms == 0] = 1.0
        unit = v / norms[:, None]
        out: np.ndarray = unit[items] @ unit.T
        out[np.arange(len(items)), items] = 0.0
        return out

    def to_arrays(self) -> dict[str, np.ndarray]:
        self.check_is_fitted()
        return {"user_factors": self.user_factors_, "item_factors": self.item_factors_}

    def _load_arrays(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.user_factors_ = np.asarray(arrays["user_factors"], dtype=np.float32)
        self.item_factors_ = np.asarray(arrays["item_factors"], dtype=np.float32)
        self.n_items_ = int(self.item_factors_.shape[0])


def _host(array: Any) -> Any:
    return array.to_numpy() if hasattr(array, "to_numpy") else array


class ALSModel(_FactorModel):
    """Implicit-feedback alternating least squares (Hu, Koren and Volinsky 2008) via ``implicit``.

    The matrix values are the confidences; training runs on one thread with BLAS pinned to one
    thread, seeded by the recommender's ``random_state``.

    Parameters
    ----------
    factors : int, default 64
        Latent dimensions.
    regularization : float, default 0.05
        L2 penalty on the factors.
    alpha : float, default 1.0
        Confidence scale: confidence = 1 + alpha x weight.
    iterations : int, default 15
        ALS sweeps.
    """

    name = "als"

    def __init__(
        self, factors: int = 64, regularization: float = 0.05, alpha: float = 1.0, iterations: int = 15
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations

    def fit(self, data: TrainData) -> Self:
        AlternatingLeastSquares = importlib.import_module("implicit.cpu.als").AlternatingLeastSquares  # noqa: N806

        options = {
            "factors": check_positive_int("ALSModel", "factors", self.factors),
            "regularization": check_number("ALSModel", "regularization", self.regularization),
            "alpha": check_number("ALSModel", "alpha", self.alpha, strict=True),
            "iterations": check_positive_int("ALSModel", "iterations", self.iterations),
        }
        self._train(
            lambda: AlternatingLeastSquares(**options, num_threads=1, random_state=data.random_state), data
        )
        return self


class BPRModel(_FactorModel):
    """Bayesian personalised ranking (Rendle et al. 2009) via ``implicit``, one thread, seeded.

    Parameters
    ----------
    factors : int, default 64
        Latent dimensions (``implicit`` adds one bias dimension).
    learning_rate : float, default 0.05
        SGD step size.
    regularization : float, default 0.01
        L2 penalty.
    iterations : int, default 100
        Epochs.
    """

    name = "bpr"

    def __init__(
        self,
        factors: int = 64,
        learning_rate: float = 0.05,
        regularization: float = 0.01,
        iterations: int = 100,
    ) -> None:
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations

    def fit(self, data: TrainData) -> Self:
        BayesianPersonalizedRanking = importlib.import_module("implicit.cpu.bpr").BayesianPersonalizedRanking  # noqa: N806

        options = {
            "factors": check_positive_int("BPRModel", "factors", self.factors),
            "learning_rate": check_number("BPRModel", "learning_rate", self.learning_rate, strict=True),
            "regularization": check_number("BPRModel", "regularization", self.regularization),
            "iterations": check_positive_int("BPRModel", "iterations", self.iterations),
        }
        self._train(
            lambda: BayesianPersonalizedRanking(**options, num_threads=1, random_state=data.random_state),
            data,
        )
        return self
