"""The family of purchase-count models (BG/NBD, MBG/NBD, Pareto/NBD): shared API and docstrings."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np

from aimass.analytics.clv._base import BaseFitter, Floats, check_arrays, check_summary
from aimass.exceptions import ConfigError

__all__ = ["TransactionModel", "check_horizon"]


def check_horizon(t: Any) -> Floats:
    """``t`` as a float array, checked to be finite and >= 0."""
    horizon = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(horizon)) or np.any(horizon < 0):
        raise ConfigError(f"the horizon `t`={t!r} must be finite and >= 0")
    return horizon


class TransactionModel(BaseFitter):
    """A model of repeat-purchase counts fitted to ``frequency``, ``recency`` and ``T``.

    Time is in the units of the summary it was fitted on (weeks for ``clv_summary(...,
    time_unit="W")``); horizons ``t`` are in the same units.
    """

    def _data(self, summary: Any) -> list[Floats]:
        return list(check_summary(summary))

    @abstractmethod
    def _expected(self, t: Floats) -> Floats: ...

    @abstractmethod
    def _conditional_expected(self, t: Floats, x: Floats, t_x: Floats, age: Floats) -> Floats: ...

    @abstractmethod
    def _alive(self, x: Floats, t_x: Floats, age: Floats) -> Floats: ...

    def expected_number_of_purchases_up_to_time(self, t: Any) -> Floats:
        """Expected repeat purchases of a new customer in ``(0, t]``: E[X(t)].

        Parameters
        ----------
        t : float or array-like
            Horizon(s), in the summary's time units.

        Returns
        -------
        numpy.ndarray
            One value per horizon.
        """
        self._check_fitted()
        return self._expected(check_horizon(t))

    def conditional_expected_number_of_purchases_up_to_time(
        self,
        t: Any,
        frequency: Any,
        recency: Any,
        T: Any,  # noqa: N803
    ) -> Floats:
        """Expected purchases in the next ``t`` time units of customers with this history.

        Parameters
        ----------
        t : float or array-like
            Horizon, in the summary's time units.
        frequency, recency, T : array-like of shape (n_customers,)
            The customers' summaries.

        Returns
        -------
        numpy.ndarray of shape (n_customers,)
        """
        self._check_fitted()
        x, t_x, age = check_arrays(frequency, recency, T)
        return self._conditional_expected(check_horizon(t), x, t_x, age)

    def conditional_probability_alive(self, frequency: Any, recency: Any, T: Any) -> Floats:  # noqa: N803
        """Probability that customers with this history are still active at ``T``.

        Parameters
        ----------
        frequency, recency, T : array-like of shape (n_customers,)

        Returns
        -------
        numpy.ndarray of shape (n_customers,)
        """
        self._check_fitted()
        return self._alive(*check_arrays(frequency, recency, T))

    def predict_purchases(self, t: float, summary: Any) -> Floats:
        """:meth:`conditional_expected_number_of_purchases_up_to_time` for every row of ``summary``."""
        self._check_fitted()
        x, t_x, age = check_summary(summary)
        return self._conditional_expected(check_horizon(t), x, t_x, age)

    def predict_alive(self, summary: Any) -> Floats:
        """:meth:`conditional_probability_alive` for every row of ``summary``."""
        self._check_fitted()
        return self._alive(*check_summary(summary))
