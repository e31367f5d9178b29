"""What the lifetime-value estimators share: input checks, grouping, the fit and its standard errors."""

from __future__ import annotations

import functools
import warnings
from abc import ABC, abstractmethod
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from aimass.exceptions import AimassWarning, ConfigError, NotFittedError, SchemaError

__all__ = ["BaseFitter", "ClvConvergenceWarning", "Floats", "check_summary", "dot", "group_rows"]

Floats = npt.NDArray[np.float64]


def dot(a: Floats, b: Floats) -> float:
    """``a @ b`` without BLAS (busy-waiting OpenBLAS threads made calls ~100x slower on a busy machine)."""
    return float(np.multiply(a, b).sum())


_SUBSAMPLE_ABOVE = 500_000  # rows; larger summaries get a warm start from a fit to _SUBSAMPLE rows
_SUBSAMPLE = 100_000


class ClvConvergenceWarning(AimassWarning):
    """The likelihood maximisation stopped before it converged."""


def _column(summary: Any, name: str) -> Floats:
    try:
        values = summary[name]
    except (KeyError, IndexError, TypeError):
        have = list(summary.columns) if isinstance(summary, pd.DataFrame) else type(summary).__name__
        raise SchemaError(f"the summary lacks the column `{name}`; it has {have}") from None
    array = np.asarray(values, dtype=float).reshape(-1)
    if not np.all(np.isfinite(array)):
        raise SchemaError(f"column `{name}` holds missing or infinite values")
    return array


def check_arrays(frequency: Any, recency: Any, T: Any) -> tuple[Floats, Floats, Floats]:  # noqa: N803
    """Validated float arrays of ``frequency``, ``recency``, ``T`` (broadcast to one shape)."""
    x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    x, t_x, age = np.broadcast_arrays(x, t_x, age)
    for name, values in (("frequency", x), ("recency", t_x), ("T", age)):
        if not np.all(np.isfinite(values)):
            raise SchemaError(f"`{name}` holds missing or infinite values")
        if np.any(values < 0):
            raise SchemaError(f"`{name}` must be >= 0; found {float(values.min())}")
    if np.any(x != np.round(x)):
        raise SchemaError("`frequency` must hold whole numbers (repeat purchase counts)")
    if np.any(t_x > age + 1e-9):
        bad = int(np.argmax(t_x - age))
        raise SchemaError(
            f"`recency` must be <= `T`; found recency {float(t_x.flat[bad])} > T {float(age.flat[bad])}"
        )
    if np.any((x == 0) & (t_x > 0)):
        raise SchemaError("a customer with `frequency` 0 must have `recency` 0 (no repeat purchase)")
    return x.astype(float), t_x.astype(float), age.astype(float)


def check_summary(summary: Any) -> tuple[Floats, Floats, Floats]:
    """``frequency``, ``recency``, ``T`` of a summary frame, validated."""
    return check_arrays(_column(summary, "frequency"), _column(summary, "recency"), _column(summary, "T"))


@functools.cache
def _blas_controller() -> Any:
    """One ``threadpoolctl.ThreadpoolController`` per process (building one scans the loaded libraries)."""
    import scipy.optimize  # noqa: F401  (loads the BLAS that L-BFGS-B uses before the scan)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


_DENSE_LIMIT = 1 << 26  # largest key range renumbered with a dense table (a bool and an int32 per key)


def _renumber(key: npt.NDArray[np.int64], span: int) -> tuple[npt.NDArray[np.int64], int]:
    """Map the keys (in ``[0, span)``) onto ``0 .. k - 1``: k distinct keys, same order."""
    if span <= _DENSE_LIMIT:
        used = np.zeros(span, dtype=bool)
        used[key] = True
        table = np.cumsum(used, dtype=np.int32) - 1
        return table[key].astype(np.int64), int(table[-1]) + 1 if span else 0
    unique, inverse = np.unique(key, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), len(unique)


def group_rows(*columns: Floats) -> tuple[list[Floats], Floats]:
    """The unique rows of ``columns`` and how many times each occurs (the weights).

    Each column is factorized (hashing its distinct values); the codes are combined column by
    column into one integer key that is renumbered onto the combinations actually present whenever
    its range would grow too large, with a dense lookup table (no sort) while the range allows.
    """
    n = len(columns[0])
    key = np.zeros(n, dtype=np.int64)
    span = 1
    for column in columns:
        # hash the bit patterns: exact for finite floats (-0.0 and 0.0 merely form two groups)
        code, uniques = pd.factorize(
            np.ascontiguousarray(column, dtype=np.float64).view(np.int64), sort=False
        )
        size = max(len(uniques), 1)
        if span * size > max(4 * n, 1 << 16):
            key, span = _renumber(key, span)
        key = key * size + code
        span *= size
    group, n_groups = _renumber(key, span)
    representative = np.empty(n_groups, dtype=np.int64)
    representative[group] = np.arange(n)  # any row of a group: they all hold the same values
    unique = [np.ascontiguousarray(np.asarray(column, dtype=float)[representative]) for column in columns]
    return unique, np.bincount(group, minlength=n_groups).astype(float)


class BaseFitter(ABC):
    """Maximum-likelihood fit in log-parameter space, with standard errors from the Hessian.

    Subclasses name their parameters (``_param_names``) and give the negative log-likelihood of
    grouped data and its gradient in the natural parameters (``_neg_ll``). The fit runs
    L-BFGS-B on the log parameters from several starting points and keeps the best;
    ``std_errors_`` are the square roots of the diagonal of the inverse of the Hessian of the
    negative log-likelihood in the natural parameters, computed by central differences of the
    analytic gradient.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (``penalizer * sum(params ** 2)`` added to the negative
        log-likelihood per customer), as in ``lifetimes``; 0 gives the maximum-likelihood fit.
    tol : float, default 1e-10
        Gradient tolerance of the optimizer.
    max_iter : int, default 500
        Iteration limit of the optimizer.
    """

    _param_names: tuple[str, ...] = ()
    _starts: tuple[tuple[float, ...], ...] = ()
    _hessian_step: float = 1e-5

    def __init__(self, *, penalizer: float = 0.0, tol: float = 1e-10, max_iter: int = 500) -> None:
        self.penalizer = penalizer
        self.tol = tol
        self.max_iter = max_iter

    # -- to implement -------------------------------------------------------------------
    @abstractmethod
    def _neg_ll(self, params: Floats, data: list[Floats], weights: Floats) -> tuple[float, Floats]:
        """Weighted negative log-likelihood and its gradient in the natural parameters."""

    @abstractmethod
    def _data(self, summary: Any) -> list[Floats]:
        """The validated columns the likelihood needs."""

    def _prepare(self, columns: list[Floats], weights: Floats) -> tuple[list[Floats], Floats]:
        """Group identical rows: the likelihood runs over unique rows with their counts as weights."""
        if np.all(weights == 1.0):
            return group_rows(*columns)
        grouped, counts = group_rows(*columns, weights)
        return grouped[:-1], grouped[-1] * counts

    # -- shared ---------------------------------------------------------------------------
    def _check_options(self) -> None:
        if not (isinstance(self.penalizer, int | float) and self.penalizer >= 0):
            raise ConfigError(f"`penalizer`={self.penalizer!r} must be a number >= 0")
        if not (isinstance(self.tol, int | float) and self.tol > 0):
            raise ConfigError(f"`tol`={self.tol!r} must be a number > 0")
        if not (isinstance(self.max_iter, int) and self.max_iter > 0):
            raise ConfigError(f"`max_iter`={self.max_iter!r} must be an integer > 0")

    def _objective(
        self, log_params: Floats, data: list[Floats], weights: Floats, n: float
    ) -> tuple[float, Floats]:
        params = np.exp(log_params)
        value, grad = self._neg_ll(params, data, weights)
        if self.penalizer:
            value += n * self.penalizer * float(np.sum(params**2))
            grad = grad + n * self.penalizer * 2 * params
        return value / n, grad * params / n

    def fit(self, summary: Any, weights: Any = None) -> Self:
        """Fit the model to a customer summary.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer (see :func:`aimass.analytics.clv_summary`).
        weights : array-like of shape (n_customers,), optional
            How many customers each row stands for (default 1 each). Rows are grouped by their
            unique values anyway, so this is only needed for pre-aggregated data.

        Returns
        -------
        self
        """
        self._check_options()
        # L-BFGS-B calls BLAS on 4-vectors: with BLAS threads spinning that is slower, never faster
        with _blas_controller().limit(limits=1, user_api="blas"):
            return self._fit(summary, weights)

    def _fit(self, summary: Any, weights: Any) -> Self:
        columns = self._data(summary)
        if len(columns[0]) == 0:
            raise SchemaError("the summary has no rows")
        given = np.ones(len(columns[0])) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
        if given.shape != columns[0].shape or np.any(given < 0) or not np.all(np.isfinite(given)):
            raise SchemaError("`weights` must be finite, >= 0 and one per summary row")
        data, w = self._prepare(columns, given)
        n = float(w.sum())
        if n <= 0:
            raise SchemaError("the summary has no customer with a positive weight")
        starts = [np.log(np.asarray(start, dtype=float)) for start in self._starts]
        if len(given) > _SUBSAMPLE_ABOVE:
            # start from the fit to a weighted random subsample: far fewer passes over all the rows
            rng = np.random.default_rng(0)
            if np.all(given == given[0]):
                pick = rng.integers(0, len(given), _SUBSAMPLE)
            else:
                pick = rng.choice(len(given), size=_SUBSAMPLE, p=given / given.sum())
            sub_data, sub_w = self._prepare([column[pick] for column in columns], np.ones(len(pick)))
            warm = self._minimize(starts, sub_data, sub_w)
            if warm is not None:
                starts = [warm.x, *starts]
        best = self._minimize(starts, data, w)
        if best is None:
            raise SchemaError("the likelihood is not finite at any starting point; check the summary")
        params = np.exp(best.x)
        # L-BFGS-B may stop on a line-search failure at the optimum; a vanishing gradient is converged
        self.converged_ = bool(best.success) or float(np.max(np.abs(best.jac))) < 1e-5
        if not self.converged_:
            warnings.warn(
                f"{type(self).__name__} fit did not converge: {best.message}",
                ClvConvergenceWarning,
                stacklevel=3,
            )
        self.params_ = dict(zip(self._param_names, (float(p) for p in params), strict=True))
        self.log_likelihood_ = -float(self._neg_ll(params, data, w)[0])
        self.n_customers_ = round(n)
        self.n_groups_ = len(w)
        self.n_iter_ = int(best.nit)
        self.std_errors_ = self._std_errors(params, data, w)
        return self

    def _minimize(self, starts: list[Floats], data: list[Floats], w: Floats) -> Any:
        """The best L-BFGS-B result over ``starts`` (stopping at the first that converges), or None."""
        from scipy.optimize import minimize

        n = float(w.sum())
        best: Any = None
        for start in starts:
            if best is not None and best.success:
                break
            result = minimize(
                self._objective,
                start,
                args=(data, w, n),
                jac=True,
                method="L-BFGS-B",
                bounds=[(-20.0, 20.0)] * len(start),
                options={"maxiter": self.max_iter, "gtol": self.tol, "ftol": 1e-15},
            )
            if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
                best = result
        return best

    def _error_gradient(self, params: Floats, data: list[Floats], weights: Floats) -> Floats:
        """The gradient the standard errors differentiate (the fit's own, analytic by default)."""
        return self._neg_ll(params, data, weights)[1]

    def _std_errors(self, params: Floats, data: list[Floats], weights: Floats) -> dict[str, float]:
        """Standard errors from the inverse of a central-difference Hessian of the gradient."""
        k = len(params)
        hessian = np.empty((k, k))
        for j in range(k):
            step = self._hessian_step * params[j]
            up, down = params.copy(), params.copy()
            up[j] += step
            down[j] -= step
            difference = self._error_gradient(up, data, weights) - self._error_gradient(down, data, weights)
            hessian[:, j] = difference / (2 * step)
        hessian = (hessian + hessian.T) / 2
        try:
            variance = np.diag(np.linalg.inv(hessian))
        except np.linalg.LinAlgError:
            variance = np.full(k, np.nan)
        errors = np.sqrt(np.where(variance > 0, variance, np.nan))
        return dict(zip(self._param_names, (float(e) for e in errors), strict=True))

    def _check_fitted(self) -> tuple[float, ...]:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call `fit(summary)` first")
        return tuple(self.params_[name] for name in self._param_names)

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
            return f"{type(self).__name__}({shown}; fitted on {self.n_customers_:,} customers)"
        return f"{type(self).__name__}(penalizer={self.penalizer}, tol={self.tol}, max_iter={self.max_iter})"

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments (scikit-learn convention)."""
        return {"penalizer": self.penalizer, "tol": self.tol, "max_iter": self.max_iter}

    def set_params(self, **params: Any) -> Self:
        """Set constructor arguments (scikit-learn convention); returns self."""
        for key, value in params.items():
            if key not in self.get_params():
                raise ConfigError(f"unknown parameter {key!r}; allowed: {sorted(self.get_params())}")
            setattr(self, key, value)
        return self
