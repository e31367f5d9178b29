"""Compiled serving kernels: sparse interaction rows times item weights, and the per-row top ``m``.

The kernels are compiled by numba on first use and cached on disk (``cache=True``), so a later
process loads the machine code instead of compiling again. They release the GIL (``nogil=True``)
and are not themselves parallel: :meth:`Recommender.recommend` runs batches of customers in a
thread pool, and each thread calls a kernel on its own batch.

The products accumulate in the precision numpy would use (``float32`` rows times ``float32``
weights in ``float32``, anything with ``float64`` in ``float64``) and in the same order as
scipy's sparse products (each row's stored entries in turn), so the scores are the ones the
scipy expressions ``(rows @ weights)`` give, bit for bit.
"""

from __future__ import annotations

import itertools
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import scipy.sparse as sp
from numba import njit

from aimass.exceptions import AimassWarning

__all__ = ["KernelCacheWarning", "kernel_threads", "rows_times_dense", "rows_times_sparse", "top_per_row"]


class KernelCacheWarning(AimassWarning):
    """No writable directory for numba's cache: the kernels compile again in every process."""


def _kernel(function: Callable[..., None]) -> Any:
    """Compile ``function`` with numba (GIL released), cached on disk when a cache folder is writable.

    numba looks for ``__pycache__`` next to this file, then a per-user cache folder (or the
    ``NUMBA_CACHE_DIR`` folder); when none is writable the kernel is compiled in memory instead.
    """
    try:
        return njit(nogil=True, cache=True)(function)
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        # one message for all kernels (raised here at import, so no caller line to point to)
        warnings.warn(
            f"numba finds no writable cache folder for {__file__}: the recommendation kernels "
            "compile in memory in each process (about a second on first use); set NUMBA_CACHE_DIR "
            "to a writable folder to keep them",
            KernelCacheWarning,
            stacklevel=1,
        )
        return njit(nogil=True)(function)


@_kernel
def _store(
    target: np.ndarray, accumulator: np.ndarray, scale: float, accumulate: bool
) -> None:  # pragma: no cover - compiled
    """``target = accumulator``, or with ``accumulate`` ``target += scale * accumulator``."""
    if accumulate:
        for j in range(len(target)):
            target[j] += scale * accumulator[j]
    else:
        for j in range(len(target)):
            target[j] = accumulator[j]


@_kernel
def _rows_times_dense(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    weights: np.ndarray,
    accumulator: np.ndarray,
    out: np.ndarray,
    scale: float,
    accumulate: bool,
    row_start: int,
    row_end: int,
) -> None:  # pragma: no cover - compiled
    """``out[r] = sum_k data[k] * weights[indices[k]]`` over row ``r``'s stored entries, in order.

    With ``accumulate``, ``out[r] += scale * sum`` instead (blending several models into one array).

    Four entries are added per sweep over the row (the sums keep their left-to-right order, so
    the rounding is that of one entry at a time), which reads and writes the accumulator a
    quarter as often; the weights rows stream from cache.
    """
    n_cols = weights.shape[1]
    for row in range(row_start, row_end):
        accumulator[:] = 0
        k = indptr[row]
        end = indptr[row + 1]
        while k + 4 <= end:
            v0, v1, v2, v3 = data[k], data[k + 1], data[k + 2], data[k + 3]
            w0, w1 = weights[indices[k]], weights[indices[k + 1]]
            w2, w3 = weights[indices[k + 2]], weights[indices[k + 3]]
            for j in range(n_cols):
                accumulator[j] = (((accumulator[j] + v0 * w0[j]) + v1 * w1[j]) + v2 * w2[j]) + v3 * w3[j]
            k += 4
        while k < end:
            value = data[k]
            source = weights[indices[k]]
            for j in range(n_cols):
                accumulator[j] += value * source[j]
            k += 1
        _store(out[row], accumulator, scale, accumulate)


@_kernel
def _rows_times_sparse(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    weight_indptr: np.ndarray,
    weight_indices: np.ndarray,
    weight_data: np.ndarray,
    accumulator: np.ndarray,
    out: np.ndarray,
    scale: float,
    accumulate: bool,
    row_start: int,
    row_end: int,
) -> None:  # pragma: no cover - compiled
    """As :func:`_rows_times_dense`, with the weights a CSR matrix (scattered into a dense row)."""
    for row in range(row_start, row_end):
        accumulator[:] = 0
        for k in range(indptr[row], indptr[row + 1]):
            value = data[k]
            source = indices[k]
            for p in range(weight_indptr[source], weight_indptr[source + 1]):
                accumulator[weight_indices[p]] += value * weight_data[p]
        _store(out[row], accumulator, scale, accumulate)


@_kernel
def _top_per_row(
    scores: np.ndarray,
    m: int,
    seen_indptr: np.ndarray,
    seen_indices: np.ndarray,
    excluded: np.ndarray,
    lower: float,
    columns: np.ndarray,
    values: np.ndarray,
    row_start: int,
    row_end: int,
) -> None:  # pragma: no cover - compiled
    """Fill ``columns`` / ``values`` with each row's ``m`` best eligible scores, best first.

    A column is eligible when it is not ``excluded``, not among the row's seen columns, and its
    score is above ``lower``. Equal scores keep the lower column first. A fixed buffer of ``m``
    slots holds the best so far; a score not above the ``m``-th one is rejected with one
    comparison, which is nearly every score once the buffer is full.
    """
    n_cols = scores.shape[1]
    # seen[c] == row + 1 marks column c as seen by the current row (no clearing between rows)
    seen = np.zeros(n_cols, dtype=np.int64)
    for row in range(row_start, row_end):
        for k in range(seen_indptr[row], seen_indptr[row + 1]):
            seen[seen_indices[k]] = row + 1
        line = scores[row]
        best_columns = columns[row]
        best_values = values[row]
        count = 0
        threshold = lower
        for col in range(n_cols):
            value = line[col]
            if not value > threshold or excluded[col] or seen[col] == row + 1:
                continue
            slot = count if count < m else m - 1
            while slot > 0 and best_values[slot - 1] < value:
                best_values[slot] = best_values[slot - 1]
                best_columns[slot] = best_columns[slot - 1]
                slot -= 1
            best_values[slot] = value
            best_columns[slot] = col
            if count < m:
                count += 1
            if count == m:
                threshold = best_values[m - 1]
        for slot in range(count, m):
            best_values[slot] = -np.inf
            best_columns[slot] = 0


def _accumulator_dtype(data: np.ndarray, weights: np.ndarray) -> Any:
    """The dtype numpy/scipy would compute the product in (at least ``float32``)."""
    dtype = np.result_type(data.dtype, weights.dtype, np.float32)
    if dtype not in (np.float32, np.float64):
        dtype = np.dtype(np.float64)
    return dtype


#: Threads the kernels may split one call's rows over (set by :func:`kernel_threads`); 1 = none.
_THREADS: ContextVar[int] = ContextVar("aimass_recommend_kernel_threads", default=1)
#: Fewest rows per thread worth the hand-off.
_MIN_ROWS_PER_THREAD = 256
_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOL_LOCK = threading.Lock()


@contextmanager
def kernel_threads(threads: int) -> Iterator[None]:
    """Let the kernels called in this context split their rows over ``threads`` threads.

    :meth:`Recommender.recommend` uses it when a call is one block of customers (the blocks of a
    larger call already run in parallel threads, where the kernels stay single-threaded). The
    kernels release the GIL, so the threads really run at once.
    """
    token = _THREADS.set(max(1, int(threads)))
    try:
        yield
    finally:
        _THREADS.reset(token)


def _over_rows(n_rows: int, run: Callable[[int, int], Any]) -> None:
    """``run(start, end)`` over ``range(n_rows)``, in up to :func:`kernel_threads` parallel chunks."""
    threads = min(_THREADS.get(), n_rows // _MIN_ROWS_PER_THREAD)
    if threads <= 1:
        run(0, n_rows)
        return
    with _POOL_LOCK:
        pool = _POOLS.get(threads)
        if pool is None:
            pool = _POOLS[threads] = ThreadPoolExecutor(threads, thread_name_prefix="aimass-kernel")
    bounds = np.linspace(0, n_rows, threads + 1).astype(np.int64)
    chunks = [pool.submit(run, int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    for chunk in chunks:
        chunk.result()


def _target(out: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """A new ``float32`` result array, or ``out`` checked to be one of the right shape."""
    if out is None:
        return np.empty(shape, dtype=np.float32)
    if out.shape != shape or out.dtype != np.float32 or not out.flags.c_contiguous:
        raise ValueError(
            f"out must be a C-contiguous float32 array of shape {shape}; got {out.shape} {out.dtype}"
        )
    return out


def rows_times_dense(
    rows: Any, weights: np.ndarray, *, out: np.ndarray | None = None, scale: float = 1.0
) -> np.ndarray:
    """``rows @ weights`` for sparse ``rows`` and a dense ``weights``, as a ``float32`` array.

    Parameters
    ----------
    rows : scipy.sparse matrix of shape (n_rows, n_items)
        Interaction rows (any sparse format; converted to CSR).
    weights : numpy.ndarray of shape (n_items, n_columns)
        Item weights (``float32`` or ``float64``).
    out : numpy.ndarray of float32 of shape (n_rows, n_columns), optional
        Add ``scale * (rows @ weights)`` into this array instead of returning a new one.
    scale : float, default 1.0
        Factor of the product when adding into ``out``.

    Returns
    -------
    numpy.ndarray of float32 of shape (n_rows, n_columns)

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> rows = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0]], dtype=np.float32))
    >>> rows_times_dense(rows, np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32))
    array([[1., 2.],
           [6., 8.]], dtype=float32)
    """
    csr = sp.csr_matrix(rows)
    weights = np.ascontiguousarray(weights)
    if weights.dtype not in (np.float32, np.float64):
        weights = weights.astype(np.float64)
    dtype = _accumulator_dtype(csr.data, weights)
    accumulate = out is not None
    target = _target(out, (csr.shape[0], weights.shape[1]))
    data = np.ascontiguousarray(csr.data, dtype=dtype)
    _over_rows(
        csr.shape[0],
        lambda start, end: _rows_times_dense(
            csr.indptr,
            csr.indices,
            data,
            weights,
            np.empty(weights.shape[1], dtype=dtype),
            target,
            float(scale),
            accumulate,
            start,
            end,
        ),
    )
    return target


def rows_times_sparse(
    rows: Any, weights: Any, *, out: np.ndarray | None = None, scale: float = 1.0
) -> np.ndarray:
    """``(rows @ weights).toarray()`` for sparse ``rows`` and sparse ``weights``, as ``float32``.

    Parameters
    ----------
    rows : scipy.sparse matrix of shape (n_rows, n_items)
        Interaction rows.
    weights : scipy.sparse matrix of shape (n_items, n_columns)
        Item weights (converted to CSR).
    out, scale
        As for :func:`rows_times_dense`: add ``scale * (rows @ weights)`` into ``out``.

    Returns
    -------
    numpy.ndarray of float32 of shape (n_rows, n_columns)
        Exactly 0 where no stored weight reaches the column.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> rows = sp.csr_matrix(np.array([[1.0, 1.0]], dtype=np.float32))
    >>> rows_times_sparse(rows, sp.csr_matrix(np.array([[0.0, 2.0, 0.0], [0.0, 1.0, 3.0]])))
    array([[0., 3., 3.]], dtype=float32)
    """
    csr = sp.csr_matrix(rows)
    table = sp.csr_matrix(weights)
    dtype = _accumulator_dtype(csr.data, table.data)
    accumulate = out is not None
    target = _target(out, (csr.shape[0], table.shape[1]))
    data = np.ascontiguousarray(csr.data, dtype=dtype)
    _over_rows(
        csr.shape[0],
        lambda start, end: _rows_times_sparse(
            csr.indptr,
            csr.indices,
            data,
            table.indptr,
            table.indices,
            table.data,
            np.empty(table.shape[1], dtype=dtype),
            target,
            float(scale),
            accumulate,
            start,
            end,
        ),
    )
    return target


def top_per_row(
    scores: np.ndarray,
    m: int,
    *,
    seen: Any = None,
    excluded: np.ndarray | None = None,
    positive_only: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``m`` highest eligible scores and their columns, best first, in one pass.

    Parameters
    ----------
    scores : numpy.ndarray of shape (n_rows, n_columns)
        Scores; ``-inf`` and NaN are never picked. Not modified.
    m : int
        Slots per row (at most ``n_columns`` are returned).
    seen : scipy.sparse.csr_matrix of shape (n_rows, n_columns), optional
        Columns to leave out per row (its stored entries, whatever their value).
    excluded : numpy.ndarray of bool of shape (n_columns,), optional
        Columns to leave out of every row.
    positive_only : bool, default False
        Pick only scores above 0 (for models where 0 means "no evidence").

    Returns
    -------
    columns : numpy.ndarray of int64 of shape (n_rows, min(m, n_columns))
        Best first; equal scores keep the lower column first. Slots beyond a row's eligible
        columns hold column 0.
    values : numpy.ndarray of shape (n_rows, min(m, n_columns))
        The scores (dtype of ``scores``), ``-inf`` in the empty slots.

    Examples
    --------
    >>> import numpy as np
    >>> columns, values = top_per_row(np.array([[0.5, 2.0, 0.0, 2.0]]), 3, positive_only=True)
    >>> columns
    array([[1, 3, 0]])
    >>> values
    array([[2. , 2. , 0.5]])
    """
    matrix = np.ascontiguousarray(scores)
    if matrix.dtype not in (np.float32, np.float64):
        matrix = matrix.astype(np.float64)
    n_rows, n_cols = matrix.shape
    width = max(0, min(int(m), n_cols))
    columns = np.zeros((n_rows, width), dtype=np.int64)
    values = np.full((n_rows, width), -np.inf, dtype=matrix.dtype)
    if width == 0 or n_rows == 0:
        return columns, values
    if seen is None:
        seen_indptr = np.zeros(n_rows + 1, dtype=np.int32)
        seen_indices = np.zeros(0, dtype=np.int32)
    else:
        seen_csr = sp.csr_matrix(seen)
        if seen_csr.shape != matrix.shape:
            raise ValueError(f"`seen` has shape {seen_csr.shape}, the scores {matrix.shape}")
        seen_indptr, seen_indices = seen_csr.indptr, seen_csr.indices
    mask = np.zeros(n_cols, dtype=np.bool_) if excluded is None else np.asarray(excluded, dtype=np.bool_)
    if mask.shape != (n_cols,):
        raise ValueError(f"`excluded` has shape {mask.shape}, expected ({n_cols},)")
    lower = 0.0 if positive_only else -np.inf
    _over_rows(
        n_rows,
        lambda start, end: _top_per_row(
            matrix, width, seen_indptr, seen_indices, mask, lower, columns, values, start, end
        ),
    )
    return columns, values
