"""The abstract base of every recommendation model, with the docstrings the models share."""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import numpy as np

from aimass.exceptions import ConfigError, NotFittedError
from aimass.recommend._data import TrainData

__all__ = [
    "RecommenderModel",
    "ScoringTerms",
    "check_number",
    "check_positive_int",
    "normalize_rows",
    "row_norms",
    "weighted_rows",
]


#: ``(x, W)`` pairs whose products ``x @ W`` add up to a model's scores (see ``scoring_terms``).
ScoringTerms = list[tuple[Any, Any]]


class RecommenderModel(ABC):
    """A model that scores every product for a batch of customers.

    Models work on integer codes: the :class:`~aimass.recommend.Recommender` front door maps ids,
    builds the weighted customer x product matrix, applies the business rules and picks the top
    ``n``. Every model follows the scikit-learn conventions: ``__init__`` stores its keyword
    arguments unchanged, :meth:`fit` validates them, learns attributes ending in ``_`` and returns
    ``self``; using a model before ``fit`` raises :class:`~aimass.exceptions.NotFittedError`.
    Models save as plain numpy arrays (:meth:`to_arrays` / :meth:`from_arrays`), never pickles.

    Attributes
    ----------
    name : str
        The name :class:`~aimass.recommend.Recommender` knows the model by (``"ease"``, ...).
    zero_is_unscored : bool
        True when a score of exactly 0 means "no evidence" (neighbourhood models): the front door
        then fills such slots from the popularity fallback instead of ranking them arbitrarily.
    uses_profile : bool
        True when :meth:`score` reads the customer's interaction rows (item-to-item and content
        models), so a ``profile`` weighting of those rows changes the scores.
    """

    name: ClassVar[str] = ""
    zero_is_unscored: ClassVar[bool] = False
    uses_profile: ClassVar[bool] = False
    _fitted_attribute: ClassVar[str] = "n_items_"
    n_items_: int  # set by fit: the number of products scored

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, as given (scikit-learn's ``get_params``)."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params: Any) -> Self:
        """Set constructor arguments by name and return ``self``."""
        allowed = self.get_params()
        for key, value in params.items():
            if key not in allowed:
                raise ConfigError(
                    f"{type(self).__name__} has no parameter {key!r}; allowed: {sorted(allowed)}"
                )
            setattr(self, key, value)
        return self

    def check_is_fitted(self) -> None:
        """Raise :class:`~aimass.exceptions.NotFittedError` unless :meth:`fit` has run."""
        if not hasattr(self, self._fitted_attribute):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(data) first")

    @abstractmethod
    def fit(self, data: TrainData) -> Self:
        """Learn from the training data.

        Parameters
        ----------
        data : TrainData
            The weighted customer x product matrix and what goes with it (per-interaction arrays,
            sessions, product attributes, customer segments, the seed).

        Returns
        -------
        self
        """

    @abstractmethod
    def score(self, users: np.ndarray, rows: Any, profile: Any = None) -> np.ndarray:
        """Score every product for a batch of customers.

        Parameters
        ----------
        users : numpy.ndarray of int of shape (n_batch,)
            Customer codes; ``-1`` for a customer unknown at fit time (scored from ``rows`` alone).
        rows : scipy.sparse.csr_matrix of shape (n_batch, n_items)
            The customers' interaction rows (the training rows, or new ones to fold in).
        profile : scipy.sparse.csr_matrix of shape (n_batch, n_items), optional
            Per-cell multipliers of ``rows`` (recency weighting), applied after the model's own
            transform of the interaction values; None = 1. Models that do not score from the
            rows (``uses_profile`` False) ignore it.

        Returns
        -------
        numpy.ndarray of float32 of shape (n_batch, n_items)
            Higher is better; ``-inf`` marks a product the model cannot score.
        """

    def similar(self, items: np.ndarray) -> np.ndarray | None:
        """Item-to-item similarity rows, or None when the model has no item representation.

        Parameters
        ----------
        items : numpy.ndarray of int of shape (n_batch,)
            Product codes.

        Returns
        -------
        numpy.ndarray of float32 of shape (n_batch, n_items) or None
        """
        return None

    def scoring_terms(self, users: np.ndarray, rows: Any, profile: Any = None) -> ScoringTerms | None:
        """``(x, W)`` pairs with ``score(users, rows, profile) == sum(x @ W)``, or None.

        ``x`` is sparse (the customers' rows after the model's own transform), ``W`` an item x item
        matrix. A hybrid adds ``factor * (x @ W)`` straight into its output for such components
        instead of scoring them separately (products a model leaves unscored contribute 0, as they
        do in the blend).
        """
        return None

    def linear_weights(self) -> Any:
        """An item x item matrix ``W`` with ``score(users, rows) == rows @ W``, or None.

        Models whose scores are linear in the interaction row (item-kNN, EASE, RP3beta with
        ``alpha=1``) return it, so a hybrid can merge them into one matrix product.
        """
        return None

    @abstractmethod
    def to_arrays(self) -> dict[str, np.ndarray]:
        """The learned state as named numpy arrays (saved with ``numpy.savez``, loaded without pickle)."""

    @abstractmethod
    def _load_arrays(self, arrays: Mapping[str, np.ndarray]) -> None:
        """Restore the learned state written by :meth:`to_arrays`."""

    @classmethod
    def from_arrays(cls, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Self:
        """Rebuild a fitted model from its parameters and :meth:`to_arrays` output."""
        model = cls(**params)
        model._load_arrays(arrays)
        return model

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def weighted_rows(rows: Any, profile: Any) -> Any:
    """``rows`` times the ``profile`` multipliers, cell by cell (``rows`` itself when None)."""
    if profile is None:
        return rows
    import scipy.sparse as sp

    rows = sp.csr_matrix(rows)
    if (
        rows.shape == profile.shape
        and np.array_equal(rows.indptr, profile.indptr)
        and np.array_equal(rows.indices, profile.indices)
    ):  # the same stored cells (the recommender's own rows): multiply the values
        return sp.csr_matrix(
            (rows.data.astype(np.float32) * profile.data, rows.indices, rows.indptr), shape=rows.shape
        )
    return sp.csr_matrix(rows.multiply(profile), dtype=np.float32)


def row_norms(matrix: Any) -> np.ndarray:
    """Euclidean norm of each row of a sparse matrix."""
    squared = matrix.multiply(matrix).sum(axis=1)
    return np.sqrt(np.asarray(squared, dtype=np.float64).ravel())


def normalize_rows(matrix: Any) -> Any:
    """Scale each row of a CSR matrix to unit sum (empty rows stay empty)."""
    import scipy.sparse as sp

    sums = np.asarray(matrix.sum(axis=1), dtype=np.float64).ravel()
    inverse = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
    return sp.csr_matrix(sp.diags(inverse) @ matrix)


def check_positive_int(owner: str, name: str, value: Any, minimum: int = 1) -> int:
    """Validate an integer parameter (used by the models' ``fit``)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{owner}: `{name}={value!r}` must be an integer >= {minimum}")
    return int(value)


def check_number(owner: str, name: str, value: Any, minimum: float = 0.0, strict: bool = False) -> float:
    """Validate a numeric parameter (used by the models' ``fit``)."""
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    if ok and (value > minimum if strict else value >= minimum):
        return float(value)
    relation = ">" if strict else ">="
    raise ConfigError(f"{owner}: `{name}={value!r}` must be a number {relation} {minimum}")
