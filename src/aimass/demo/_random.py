"""Small vectorized sampling helpers shared by the generators."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aimass.demo._spec import DAY_US, MINUTE_US

__all__ = ["HOUR_WEIGHTS", "allocate", "categorical_rows", "dirichlet_rows", "time_of_day"]

#: Relative order volume by hour of day (0..23), per channel (``online``, ``app``, ``store``).
HOUR_WEIGHTS: dict[str, npt.NDArray[np.float64]] = {
    "online": np.array(
        [3, 2, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 8, 7, 7, 7, 7, 7, 8, 9, 11, 12, 10, 6], dtype=float
    ),
    "app": np.array(
        [3, 2, 1, 1, 1, 1, 2, 4, 6, 6, 6, 7, 10, 9, 6, 6, 6, 7, 9, 10, 11, 12, 10, 5], dtype=float
    ),
    "store": np.array(
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 5, 7, 8, 8, 8, 8, 9, 9, 10, 10, 8, 5, 0, 0], dtype=float
    ),
}


def allocate(total: int, weights: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Split ``total`` into integer counts proportional to ``weights`` (largest remainder).

    Examples
    --------
    >>> allocate(10, [0.24, 0.2, 0.16, 0.14, 0.26]).tolist()
    [2, 2, 2, 1, 3]
    """
    w = np.asarray(weights, dtype=float)
    exact = total * w / w.sum()
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(-(exact - counts), kind="stable")[: total - int(counts.sum())]] += 1
    return np.asarray(counts, dtype=np.int64)


def categorical_rows(rng: np.random.Generator, probs: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """One categorical draw per row of ``probs`` (rows need not be normalized).

    Parameters
    ----------
    rng : numpy.random.Generator
    probs : ndarray of shape (n_rows, n_categories)

    Returns
    -------
    ndarray of shape (n_rows,)
        The drawn column index of each row.
    """
    cumulative = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cumulative[:, -1]
    drawn = (u[:, None] >= cumulative).sum(axis=1)
    return np.asarray(np.minimum(drawn, probs.shape[1] - 1), dtype=np.int64)


def dirichlet_rows(
    rng: np.random.Generator, means: npt.NDArray[np.float64], concentration: float
) -> npt.NDArray[np.float64]:
    """One Dirichlet draw per row with mean ``means[row]`` and total concentration ``concentration``."""
    draws = rng.gamma(np.maximum(means * concentration, 1e-3))
    return np.asarray(draws / draws.sum(axis=1, keepdims=True), dtype=np.float64)


def time_of_day(rng: np.random.Generator, channel: npt.NDArray[np.str_]) -> npt.NDArray[np.int64]:
    """Microseconds after midnight, whole minutes, drawn from the hour profile of each row's channel."""
    hours = np.zeros(channel.size, dtype=np.int64)
    for name, weights in HOUR_WEIGHTS.items():
        rows = np.flatnonzero(channel == name)
        hours[rows] = rng.choice(24, size=rows.size, p=weights / weights.sum())
    minutes = rng.integers(0, 60, channel.size)
    offset = hours * 60 * MINUTE_US + minutes * MINUTE_US
    return np.asarray(np.minimum(offset, DAY_US - MINUTE_US), dtype=np.int64)
