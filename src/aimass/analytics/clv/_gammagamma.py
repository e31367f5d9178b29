"""The Gamma-Gamma model of spend per transaction, and customer lifetime value."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from aimass.analytics.clv._base import BaseFitter, Floats, check_summary, dot
from aimass.analytics.clv._summary import TimeUnit
from aimass.analytics.clv._transaction import TransactionModel
from aimass.exceptions import ConfigError, SchemaError

__all__ = ["MONTH_IN_UNITS", "GammaGamma", "customer_lifetime_value"]

#: Time units in a month, as ``lifetimes.utils._customer_lifetime_value`` counts them.
MONTH_IN_UNITS: dict[str, float] = {"D": 30.0, "W": 4.345, "M": 1.0}


def _spend_columns(frequency: Any, monetary_value: Any, *, fitting: bool = False) -> tuple[Floats, Floats]:
    x = np.asarray(frequency, dtype=float).reshape(-1)
    m = np.asarray(monetary_value, dtype=float).reshape(-1)
    if x.shape != m.shape:
        raise SchemaError(f"`frequency` ({x.shape}) and `monetary_value` ({m.shape}) differ in length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(m))):
        raise SchemaError("`frequency` and `monetary_value` must be finite")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise SchemaError("`frequency` must hold whole numbers >= 0")
    if np.any(m < 0):
        raise SchemaError(f"`monetary_value` must be >= 0; found {float(m.min())}")
    if fitting and np.any((x > 0) & (m <= 0)):
        raise SchemaError(
            "`monetary_value` must be > 0 for customers with repeat purchases "
            "(Gamma-Gamma models positive spend)"
        )
    return x, m


class GammaGamma(BaseFitter):
    """The Gamma-Gamma model of the mean spend per repeat transaction (Fader, Hardie & Lee 2005).

    A customer's spends are Gamma(p, nu) with ``nu ~ Gamma(q, gamma)`` across customers; the model
    is fitted to the ``frequency`` (repeat transactions, > 0) and ``monetary_value`` (their mean)
    of repeat buyers: rows with ``frequency`` 0 are left out of the fit. The likelihood runs on
    sufficient statistics (terms in ``frequency`` alone are grouped by its unique values), with an
    analytic gradient; standard errors as for :class:`BetaGeo`.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (0: plain maximum likelihood).
    tol : float, default 1e-10
        Gradient tolerance of the optimizer.
    max_iter : int, default 500
        Iteration limit of the optimizer.

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``v`` (``v`` is the paper's gamma).
    log_likelihood_, std_errors_, n_customers_, converged_
        As for :class:`BetaGeo`; ``n_customers_`` counts the repeat buyers fitted.

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"frequency": [1, 1, 2, 3, 1, 0, 4, 2],
    ...                         "monetary_value": [5, 80, 20, 15, 12, 0, 30, 200]})
    >>> model = GammaGamma().fit(summary)
    >>> model.n_customers_, round(model.params_["p"], 2)
    (7, 2.3)
    """

    _param_names = ("p", "q", "v")
    _starts = ((1.0, 1.0, 1.0), (5.0, 4.0, 15.0), (2.0, 3.0, 100.0))

    def _data(self, summary: Any) -> list[Floats]:
        for name in ("frequency", "monetary_value"):
            if not hasattr(summary, "columns") or name not in summary.columns:
                have = list(summary.columns) if hasattr(summary, "columns") else type(summary).__name__
                raise SchemaError(f"the summary lacks the column `{name}`; it has {have}")
        x, m = _spend_columns(summary["frequency"], summary["monetary_value"], fitting=True)
        return [x, m]

    def _prepare(self, columns: list[Floats], weights: Floats) -> tuple[list[Floats], Floats]:
        x, m = columns
        keep = (x > 0) & (weights > 0)
        if not np.any(keep):
            raise SchemaError(
                "Gamma-Gamma needs customers with repeat purchases (`frequency` > 0); there are none"
            )
        x, m, w = x[keep], m[keep], weights[keep]
        unique_x, inverse = np.unique(x, return_inverse=True)
        count_x = np.bincount(inverse, weights=w).astype(float)
        log_m = np.log(m)
        stats = np.array([dot(w, x * log_m), dot(w, log_m), dot(w, x * np.log(x))])
        # data: unique x, their weights, constant sums, then per-customer x, x * m
        return [unique_x, count_x, stats, x, x * m], w

    def _neg_ll(self, params: Floats, data: list[Floats], weights: Floats) -> tuple[float, Floats]:
        p, q, v = (float(value) for value in params)
        unique_x, count_x, stats, x, spend = data
        n = float(weights.sum())
        log_total = np.log(v + spend)
        wx_log_total = dot(weights, x * log_total)
        w_log_total = dot(weights, log_total)
        px = p * unique_x
        ll = (
            dot(count_x, gammaln(px + q) - gammaln(px))
            - n * gammaln(q)
            + n * q * np.log(v)
            + p * stats[0]
            - stats[1]
            + p * stats[2]
            - p * wx_log_total
            - q * w_log_total
        )
        d_p = dot(count_x, unique_x * (digamma(px + q) - digamma(px))) + stats[0] + stats[2] - wx_log_total
        d_q = dot(count_x, digamma(px + q)) - n * digamma(q) + n * np.log(v) - w_log_total
        d_v = n * q / v - dot(weights, (p * x + q) / (v + spend))
        return -ll, -np.array([d_p, d_q, d_v])

    def conditional_expected_average_profit(self, frequency: Any, monetary_value: Any) -> Floats:
        """Expected mean spend per transaction of customers with this history.

        ``E[M | x, m_x] = p (v + x m_x) / (p x + q - 1)``; for ``x`` 0 the population mean
        ``p v / (q - 1)`` (infinite when ``q <= 1``).

        Parameters
        ----------
        frequency, monetary_value : array-like of shape (n_customers,)

        Returns
        -------
        numpy.ndarray of shape (n_customers,)
        """
        p, q, v = self._check_fitted()
        x, m = _spend_columns(frequency, monetary_value)
        with np.errstate(divide="ignore"):
            return np.asarray(p * (v + x * m) / (p * x + q - 1))

    def expected_average_profit(self, summary: Any) -> Floats:
        """:meth:`conditional_expected_average_profit` for every row of ``summary``."""
        self._check_fitted()
        for name in ("frequency", "monetary_value"):
            if name not in summary.columns:
                raise SchemaError(f"the summary lacks the column `{name}`; it has {list(summary.columns)}")
        return self.conditional_expected_average_profit(summary["frequency"], summary["monetary_value"])


def customer_lifetime_value(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    *,
    time: float = 12.0,
    time_unit: TimeUnit = "W",
    discount_rate: float = 0.01,
    margin: float = 1.0,
) -> Floats:
    """Discounted expected profit of each customer over the next ``time`` months.

    As ``lifetimes``: month ``k`` (``k = 1 .. ceil(time)``, the last one possibly partial)
    contributes ``margin * E[spend] * (E[purchases up to k] - E[purchases up to k - 1]) /
    (1 + discount_rate) ** k``, with the purchases from the transaction model's conditional
    expectation and the spend from the Gamma-Gamma conditional expected average profit. A month
    is 4.345 weeks, 30 days, or 1 month (``time_unit``).

    Parameters
    ----------
    transaction_model : BetaGeo, ModifiedBetaGeo or ParetoNBD
        Fitted on summaries in ``time_unit``.
    spend_model : GammaGamma
        Fitted.
    summary : pandas.DataFrame
        ``frequency``, ``recency``, ``T``, ``monetary_value`` per customer.
    time : float, default 12.0
        Horizon in months (> 0).
    time_unit : {"D", "W", "M"}, default "W"
        The time unit of ``summary``.
    discount_rate : float, default 0.01
        Discount rate per month (>= 0).
    margin : float, default 1.0
        Share of spend that is profit, in (0, 1].

    Returns
    -------
    numpy.ndarray of shape (n_customers,)

    Raises
    ------
    ConfigError
        A bad horizon, time unit, discount rate or margin.
    """
    if time_unit not in MONTH_IN_UNITS:
        raise ConfigError(f"`time_unit`={time_unit!r} is not allowed; use one of {sorted(MONTH_IN_UNITS)}")
    if not (np.isfinite(time) and time > 0):
        raise ConfigError(f"`time`={time!r} must be a number of months > 0")
    if not (np.isfinite(discount_rate) and discount_rate >= 0):
        raise ConfigError(f"`discount_rate`={discount_rate!r} must be >= 0 (per month)")
    if not (np.isfinite(margin) and 0 < margin <= 1):
        raise ConfigError(f"`margin`={margin!r} must be in (0, 1]")
    x, t_x, age = check_summary(summary)
    spend = spend_model.expected_average_profit(summary)
    factor = MONTH_IN_UNITS[time_unit]
    value = np.zeros_like(x)
    previous = np.zeros_like(x)
    for k in range(1, math.ceil(time) + 1):
        horizon = min(float(k), float(time)) * factor
        current = transaction_model.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, age)
        value += (current - previous) / (1 + discount_rate) ** k
        previous = current
    return np.asarray(margin * spend * value)
