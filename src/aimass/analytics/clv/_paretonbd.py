"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; Fader & Hardie's 2005 note)."""

from __future__ import annotations

import numpy as np
from scipy.special import expit, gammaln, hyp2f1

from aimass.analytics.clv._base import Floats, dot
from aimass.analytics.clv._transaction import TransactionModel

__all__ = ["ParetoNBD"]


def _log_a0(r: float, alpha: float, s: float, beta: float, x: Floats, t_x: Floats, age: Floats) -> Floats:
    """log A0 of Fader & Hardie's note, with the 2F1 argument in [0, 1) whichever of alpha, beta is larger."""
    rsx = r + s + x
    second: float | Floats
    if alpha >= beta:
        larger, gap, second = alpha, alpha - beta, s + 1.0
    else:
        larger, gap, second = beta, beta - alpha, r + x
    q1 = larger + t_x
    q2 = larger + age
    log_p1 = np.log(hyp2f1(rsx, second, rsx + 1.0, gap / q1)) - rsx * np.log(q1)
    log_p2 = np.log(hyp2f1(rsx, second, rsx + 1.0, gap / q2)) - rsx * np.log(q2)
    difference = np.minimum(log_p2 - log_p1, 0.0)  # <= 0 in exact arithmetic: T >= t_x
    with np.errstate(divide="ignore"):
        return np.asarray(log_p1 + np.log(-np.expm1(difference)))


def _one_minus_power_over(q: Floats, exponent: float) -> Floats:
    """``(1 - q ** exponent) / exponent``, with its limit ``-log q`` at exponent 0."""
    log_q = np.log(q)
    if abs(exponent) < 1e-10:
        return np.asarray(-log_q)
    return np.asarray(-np.expm1(exponent * log_q) / exponent)


class ParetoNBD(TransactionModel):
    """The Pareto/NBD model of repeat purchases.

    While active, a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``
    and stays active for an exponential lifetime with rate ``mu ~ Gamma(s, beta)``. The
    log-likelihood uses the numerically stable form of Fader & Hardie (2005): the Gauss
    hypergeometric function is evaluated with the larger of ``alpha``, ``beta`` so that its
    argument lies in [0, 1), and the difference of the two terms of A0 is taken in log space.
    Fitted by L-BFGS-B on the log parameters over the unique ``(frequency, recency, T)`` rows;
    the gradient (which would need derivatives of 2F1 in its parameters) is taken by forward
    differences during the fit, and the standard errors come from central differences of a
    central-difference gradient.

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
        ``r``, ``alpha``, ``s``, ``beta``.
    log_likelihood_, std_errors_, n_customers_, n_groups_, converged_
        As for :class:`BetaGeo`.

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"frequency": [0, 1, 2, 0, 4, 1], "recency": [0, 3, 8, 0, 9, 1],
    ...                         "T": [10, 10, 12, 5, 10, 4]})
    >>> sorted(ParetoNBD().fit(summary).params_)
    ['alpha', 'beta', 'r', 's']
    """

    _param_names = ("r", "alpha", "s", "beta")
    _starts = ((1.0, 1.0, 1.0, 1.0), (0.5, 10.0, 0.5, 10.0))
    _hessian_step = 1e-4

    @staticmethod
    def _log_likelihood(params: Floats, x: Floats, t_x: Floats, age: Floats) -> Floats:
        r, alpha, s, beta = (float(v) for v in params)
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        stays = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
        leaves = np.log(s) - np.log(r + s + x) + _log_a0(r, alpha, s, beta, x, t_x, age)
        return np.asarray(a1 + np.logaddexp(stays, leaves))

    def _neg_ll(self, params: Floats, data: list[Floats], weights: Floats) -> tuple[float, Floats]:
        x, t_x, age = data
        at = self._log_likelihood(params, x, t_x, age)
        value = -dot(weights, at)
        grad = np.empty(len(params))
        for j in range(len(params)):
            # forward differences: 4 extra passes instead of 8; the truncation error (~1e-7
            # relative) moves the estimates far less than their standard errors
            step = 1e-7 * params[j]
            up = params.copy()
            up[j] += step
            grad[j] = -dot(weights, self._log_likelihood(up, x, t_x, age) - at) / step
        return value, grad

    def _error_gradient(self, params: Floats, data: list[Floats], weights: Floats) -> Floats:
        """A central-difference gradient: the fit's forward differences are too coarse for the
        Hessian of the standard errors."""
        x, t_x, age = data
        grad = np.empty(len(params))
        for j in range(len(params)):
            step = 1e-6 * params[j]
            up, down = params.copy(), params.copy()
            up[j] += step
            down[j] -= step
            change = self._log_likelihood(up, x, t_x, age) - self._log_likelihood(down, x, t_x, age)
            grad[j] = -dot(weights, change) / (2 * step)
        return grad

    def _alive(self, x: Floats, t_x: Floats, age: Floats) -> Floats:
        r, alpha, s, beta = self._check_fitted()
        log_odds = (
            np.log(s)
            - np.log(r + s + x)
            + (r + x) * np.log(alpha + age)
            + s * np.log(beta + age)
            + _log_a0(r, alpha, s, beta, x, t_x, age)
        )
        return np.asarray(expit(-log_odds), dtype=float)

    def _expected(self, t: Floats) -> Floats:
        r, alpha, s, beta = self._check_fitted()
        return np.asarray(r * beta / alpha * _one_minus_power_over(beta / (beta + t), s - 1))

    def _conditional_expected(self, t: Floats, x: Floats, t_x: Floats, age: Floats) -> Floats:
        r, alpha, s, beta = self._check_fitted()
        rate = (r + x) * (beta + age) / (alpha + age)
        return np.asarray(
            rate * _one_minus_power_over((beta + age) / (beta + age + t), s - 1) * self._alive(x, t_x, age)
        )
