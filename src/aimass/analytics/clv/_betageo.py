"""BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam, Denizel & Filiztekin 2007)."""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from aimass.analytics.clv._base import Floats, dot
from aimass.analytics.clv._transaction import TransactionModel

__all__ = ["BetaGeo", "ModifiedBetaGeo"]


class BetaGeo(TransactionModel):
    """The beta-geometric / negative binomial model of repeat purchases (BG/NBD).

    While active, a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``;
    after each purchase they drop out with probability ``p ~ Beta(a, b)``. Fitted by maximum
    likelihood (L-BFGS-B on the log parameters, analytic gradient) over the unique
    ``(frequency, recency, T)`` rows, each weighted by its count.

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
        ``r``, ``alpha``, ``a``, ``b``.
    log_likelihood_ : float
        Log-likelihood at the estimate (without the penalty).
    std_errors_ : dict
        Standard errors from the inverse Hessian of the negative log-likelihood in the natural
        parameters (central differences of the analytic gradient).
    n_customers_, n_groups_ : int
        Customers fitted, and the unique ``(frequency, recency, T)`` rows they collapse to.
    converged_ : bool

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"frequency": [0, 1, 2, 0, 4, 1], "recency": [0, 3, 8, 0, 9, 1],
    ...                         "T": [10, 10, 12, 5, 10, 4]})
    >>> model = BetaGeo().fit(summary)
    >>> sorted(model.params_)
    ['a', 'alpha', 'b', 'r']
    """

    _param_names = ("r", "alpha", "a", "b")
    _starts = ((1.0, 1.0, 1.0, 1.0), (0.5, 5.0, 0.8, 2.5), (1.0, 50.0, 0.5, 5.0))
    _modified = 0.0  # 1 for MBG/NBD: dropout is possible right after the first purchase too

    def _prepare(self, columns: list[Floats], weights: Floats) -> tuple[list[Floats], Floats]:
        (x, t_x, age), w = super()._prepare(columns, weights)
        # the special functions depend on x alone: evaluate them once per distinct x
        unique_x, inverse = np.unique(x, return_inverse=True)
        per_x = np.bincount(inverse, weights=w).astype(float)
        # rows where "dropped after the last purchase" is possible (BG/NBD: x > 0; MBG/NBD: all)
        can_drop = (x > 0) | bool(self._modified)
        with np.errstate(divide="ignore"):
            log_can_drop = np.log(can_drop.astype(float))
        safe_x = np.where(can_drop, x, 1.0)  # keeps b + x - 1 > 0 where the term is masked off
        return [x, t_x, age, unique_x.astype(float), per_x, can_drop.astype(float), log_can_drop, safe_x], w

    def _neg_ll(self, params: Floats, data: list[Floats], weights: Floats) -> tuple[float, Floats]:
        r, alpha, a, b = (float(v) for v in params)
        x, t_x, age, ux, wx, can_drop, log_can_drop, safe_x = data
        m = self._modified
        total = float(wx.sum())
        # terms in x alone, summed over distinct x with their total weights
        ll_x = dot(wx, gammaln(r + ux) + betaln(a, b + ux + m)) + total * (
            -gammaln(r) + r * np.log(alpha) - betaln(a, b)
        )
        psi_abx = digamma(a + b + ux + m)
        g_r = dot(wx, digamma(r + ux)) + total * (np.log(alpha) - digamma(r))
        g_a = -dot(wx, psi_abx) + total * digamma(a + b)
        g_b = dot(wx, digamma(b + ux + m) - psi_abx) + total * (digamma(a + b) - digamma(b))
        # the mixture of "still active" and "dropped after the last purchase", per row
        log_at = np.log(alpha + age)
        log_ax = np.log(alpha + t_x)
        rx = r + x
        a3 = -rx * log_at
        denominator = b + safe_x - 1 + m
        a4 = np.log(a) - np.log(denominator) - rx * log_ax + log_can_drop
        mix = np.logaddexp(a3, a4)
        w3 = np.exp(a3 - mix)
        w4 = 1.0 - w3
        w_w4 = weights * w4
        value = ll_x + dot(weights, mix)
        g_r -= dot(weights, w3 * log_at) + dot(w_w4, log_ax)
        g_alpha = total * r / alpha - dot(weights * rx, w3 / (alpha + age) + w4 / (alpha + t_x))
        g_a += float(w_w4.sum()) / a
        g_b -= dot(w_w4, can_drop / denominator)
        return -value, -np.array([g_r, g_alpha, g_a, g_b])

    def _log_odds_dead(self, x: Floats, t_x: Floats, age: Floats) -> Floats:
        r, alpha, a, b = self._check_fitted()
        m = self._modified
        with np.errstate(divide="ignore"):
            return np.asarray(
                np.log(a) - np.log(b + x - 1 + m) + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
            )

    def _alive(self, x: Floats, t_x: Floats, age: Floats) -> Floats:
        odds = self._log_odds_dead(x, t_x, age)
        alive = expit(-odds)
        if not self._modified:
            alive = np.where(x > 0, alive, 1.0)
        return np.asarray(alive, dtype=float)

    def _unconditional_part(self, t: Floats, x: Floats, age: Floats) -> Floats:
        """E[purchases in (T, T + t]] of a customer alive at T with x repeats (before P(alive))."""
        r, alpha, a, b = self._check_fitted()
        m = self._modified
        c = a + b + x - 1 + m
        z = t / (alpha + age + t)
        # Euler's transformation of 2F1(r + x, b + x + m; c; z) * (1 - z) ** (r + x): converges at z -> 1
        tail = np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - 1 + m - r, a - 1, c, z)
        return np.asarray(c / (a - 1) * (1 - tail), dtype=float)

    def _expected(self, t: Floats) -> Floats:
        _r, _alpha, a, b = self._check_fitted()
        zero = np.zeros_like(t)
        value = self._unconditional_part(t, zero, zero)
        if self._modified:
            value = value * b / (a + b)
        return value

    def _conditional_expected(self, t: Floats, x: Floats, t_x: Floats, age: Floats) -> Floats:
        return self._unconditional_part(t, x, age) * self._alive(x, t_x, age)


class ModifiedBetaGeo(BetaGeo):
    """The modified BG/NBD (MBG/NBD): a customer may also drop out right after the first purchase.

    Same parameters, attributes and methods as :class:`BetaGeo`; the likelihood and predictions
    follow Batislam, Denizel & Filiztekin (2007), as in ``lifetimes.ModifiedBetaGeoFitter``.

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"frequency": [0, 1, 2, 0, 4, 1], "recency": [0, 3, 8, 0, 9, 1],
    ...                         "T": [10, 10, 12, 5, 10, 4]})
    >>> round(float(ModifiedBetaGeo().fit(summary).predict_alive(summary)[0]), 3) < 1
    True
    """

    _modified = 1.0
