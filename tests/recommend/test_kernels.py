"""The compiled serving kernels against plain numpy / scipy on random data and edge cases."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from aimass.recommend._kernels import kernel_threads, rows_times_dense, rows_times_sparse, top_per_row


def _rows(n_rows: int, n_items: int, density: float, seed: int, dtype: type = np.float32) -> sp.csr_matrix:
    rows = sp.random(n_rows, n_items, density=density, format="csr", dtype=dtype, random_state=seed)
    rows.data = np.round(rows.data * 5 + 1).astype(dtype)
    return rows


def _reference_top(
    scores: np.ndarray, m: int, seen: sp.csr_matrix | None, excluded: np.ndarray | None, positive_only: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Sort each row by (score descending, column ascending) over the eligible columns."""
    n_rows, n_cols = scores.shape
    width = min(m, n_cols)
    columns = np.zeros((n_rows, width), dtype=np.int64)
    values = np.full((n_rows, width), -np.inf, dtype=scores.dtype)
    blocked = np.zeros(n_cols, dtype=bool) if excluded is None else excluded
    for r in range(n_rows):
        eligible = ~blocked & (scores[r] > (0 if positive_only else -np.inf))
        if seen is not None:
            eligible[seen.indices[seen.indptr[r] : seen.indptr[r + 1]]] = False
        cols = np.flatnonzero(eligible)
        order = np.lexsort((cols, -scores[r, cols]))[:width]
        columns[r, : len(order)] = cols[order]
        values[r, : len(order)] = scores[r, cols[order]]
    return columns, values


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_times_dense_matches_scipy_bit_for_bit(dtype: type) -> None:
    rows = _rows(300, 120, 0.05, seed=0, dtype=dtype)
    weights = np.random.default_rng(1).standard_normal((120, 90)).astype(np.float32)
    expected = np.asarray(rows @ weights, dtype=np.float32)
    got = rows_times_dense(rows, weights)
    assert got.dtype == np.float32 and got.shape == (300, 90)
    np.testing.assert_array_equal(got, expected)


def test_rows_times_sparse_matches_scipy_bit_for_bit() -> None:
    rows = _rows(300, 120, 0.05, seed=2)
    weights = sp.random(120, 150, density=0.1, format="csr", dtype=np.float32, random_state=3)
    got = rows_times_sparse(rows, weights)
    np.testing.assert_array_equal(got, (rows @ weights).toarray().astype(np.float32))
    # columns no weight reaches are exactly 0 (the neighbourhood models' "no evidence")
    reached = np.zeros(150, dtype=bool)
    reached[weights[np.unique(rows.indices)].indices] = True
    assert (got[:, ~reached] == 0).all()


def test_products_of_empty_rows_and_empty_batches() -> None:
    weights = np.arange(12, dtype=np.float32).reshape(4, 3)
    empty = sp.csr_matrix((2, 4), dtype=np.float32)
    np.testing.assert_array_equal(rows_times_dense(empty, weights), np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(
        rows_times_sparse(empty, sp.csr_matrix(weights)), np.zeros((2, 3), np.float32)
    )
    assert rows_times_dense(sp.csr_matrix((0, 4), dtype=np.float32), weights).shape == (0, 3)


@pytest.mark.parametrize("positive_only", [False, True])
@pytest.mark.parametrize("m", [1, 5, 40])
def test_top_per_row_matches_a_full_sort_with_ties(m: int, positive_only: bool) -> None:
    rng = np.random.default_rng(4)
    # few distinct values: many ties; some -inf, zeros and negatives
    scores = rng.integers(-3, 6, size=(200, 30)).astype(np.float32)
    scores[rng.random(scores.shape) < 0.1] = -np.inf
    seen = _rows(200, 30, 0.2, seed=5)
    excluded = np.zeros(30, dtype=bool)
    excluded[[0, 7, 29]] = True
    columns, values = top_per_row(scores, m, seen=seen, excluded=excluded, positive_only=positive_only)
    expected_columns, expected_values = _reference_top(scores, m, seen, excluded, positive_only)
    np.testing.assert_array_equal(values, expected_values)
    filled = np.isfinite(expected_values)
    np.testing.assert_array_equal(columns[filled], expected_columns[filled])
    assert (columns[~filled] == 0).all()


def test_top_per_row_equal_scores_rank_the_lower_column_first() -> None:
    columns, values = top_per_row(np.array([[1.0, 3.0, 3.0, 2.0, 3.0]]), 4)
    assert columns.tolist() == [[1, 2, 4, 3]]
    assert values.tolist() == [[3.0, 3.0, 3.0, 2.0]]


def test_top_per_row_empty_slots_when_fewer_candidates() -> None:
    scores = np.array(
        [
            [-np.inf, -np.inf, -np.inf],  # nothing scored
            [1.0, 2.0, 3.0],  # everything seen
            [0.0, -1.0, 0.5],  # one positive score
            [np.nan, 1.0, np.nan],  # NaN is never picked
        ],
        dtype=np.float32,
    )
    seen = sp.csr_matrix(np.array([[0, 0, 0], [1, 1, 1], [0, 0, 0], [0, 0, 0]], dtype=np.float32))
    columns, values = top_per_row(scores, 2, seen=seen, positive_only=True)
    assert values.dtype == np.float32
    np.testing.assert_array_equal(
        values, np.array([[-np.inf, -np.inf], [-np.inf, -np.inf], [0.5, -np.inf], [1.0, -np.inf]])
    )
    assert columns.tolist() == [[0, 0], [0, 0], [2, 0], [1, 0]]
    # without positive_only the zero and the negative score are candidates too
    columns, values = top_per_row(scores[2:3], 3)
    assert columns.tolist() == [[2, 0, 1]] and values.tolist() == [[0.5, 0.0, -1.0]]


def test_top_per_row_with_more_slots_than_columns_and_no_rows() -> None:
    scores = np.array([[0.2, 0.9, 0.5]])
    columns, values = top_per_row(scores, 10)
    assert columns.tolist() == [[1, 2, 0]] and values.shape == (1, 3)
    columns, values = top_per_row(np.zeros((0, 3)), 2)
    assert columns.shape == (0, 2) and values.shape == (0, 2)
    columns, values = top_per_row(np.zeros((2, 0)), 2)
    assert columns.shape == (2, 0)


def test_top_per_row_leaves_the_scores_alone_and_checks_shapes() -> None:
    scores = np.array([[3.0, 2.0, 1.0]], dtype=np.float32)
    before = scores.copy()
    top_per_row(
        scores, 2, seen=sp.csr_matrix(np.array([[1.0, 0.0, 0.0]])), excluded=np.array([0, 1, 0], bool)
    )
    np.testing.assert_array_equal(scores, before)
    with pytest.raises(ValueError, match="seen"):
        top_per_row(scores, 2, seen=sp.csr_matrix((2, 3)))
    with pytest.raises(ValueError, match="excluded"):
        top_per_row(scores, 2, excluded=np.zeros(4, dtype=bool))


def test_select_top_n_fills_short_rows_as_the_whole_batch_path_does() -> None:
    """The top-n selection fills only short rows; the lists equal the whole-batch rule path."""
    from aimass.recommend._rules import Catalog, Rules, _mask, _with_fallback_and_rules, select_top_n

    rng = np.random.default_rng(6)
    n_rows, n_items, n = 60, 25, 5
    # distinct scores (no ties), many zeros: rows with fewer than n positive scores get filled
    scores = rng.random((n_rows, n_items)).astype(np.float32)
    scores[rng.random(scores.shape) < 0.6] = 0.0
    seen = _rows(n_rows, n_items, 0.15, seed=7)
    allowed = rng.random(n_items) > 0.1
    popularity = rng.random((n_rows, n_items)).astype(np.float32)
    catalog = Catalog(
        item_ids=np.asarray([f"p{i:02d}" for i in range(n_items)]),
        category=np.zeros(n_items, dtype=np.int32),
        categories=np.asarray(["c"]),
        subcategory=np.full(n_items, -1, dtype=np.int32),
        subcategories=np.zeros(0, dtype=str),
        price=np.full(n_items, np.nan),
        in_stock=np.ones(n_items, dtype=bool),
    )
    rules = Rules()
    items, values, valid = select_top_n(
        scores.copy(),
        n,
        allowed=allowed,
        seen=seen,
        fallback=lambda rows: popularity[rows],
        rules=rules,
        catalog=catalog,
        zero_is_unscored=True,
    )
    # the reference: mask, select with numpy, and run every row through the rule path
    masked = scores.copy()
    _mask(masked, allowed, seen)
    cand = np.argsort(-masked, axis=1, kind="stable")[:, :n]
    cand_key = np.take_along_axis(masked, cand, axis=1).astype(np.float64)
    cand_key[cand_key <= 0] = -np.inf
    short = np.flatnonzero(~np.isfinite(cand_key[:, n - 1]))
    assert 0 < len(short) < n_rows
    none = np.zeros(0, np.int64)
    ref_c, ref_k, ref_r = _with_fallback_and_rules(
        masked, cand, cand_key, cand_key.copy(), n, short, allowed, seen,
        lambda rows: popularity[rows], rules, catalog, none, none, True,
    )  # fmt: skip
    ref_valid = np.isfinite(ref_k[:, :n])
    np.testing.assert_array_equal(valid, ref_valid)
    np.testing.assert_array_equal(items[valid], ref_c[:, :n][ref_valid])
    np.testing.assert_array_equal(values[valid], ref_r[:, :n][ref_valid])


@pytest.mark.slow
def test_kernels_work_without_a_writable_cache_folder() -> None:
    """Without a cache folder numba would refuse ``cache=True``: the kernels compile in memory."""
    script = (
        "import warnings, numpy as np\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from aimass.recommend._kernels import KernelCacheWarning, top_per_row\n"
        "assert any(issubclass(w.category, KernelCacheWarning) for w in caught), caught\n"
        "print(top_per_row(np.array([[1.0, 3.0, 2.0]]), 2)[0].tolist())\n"
    )
    env = dict(os.environ)
    # only the user-provided locator, pointed at a folder that cannot be created
    env.update(NUMBA_CACHE_LOCATOR_CLASSES="UserProvidedCacheLocator", NUMBA_CACHE_DIR="/dev/null/numba")
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[[1, 2]]"


def test_products_add_scaled_into_out() -> None:
    rows = _rows(40, 30, 0.2, seed=4)
    dense = np.random.default_rng(5).standard_normal((30, 25)).astype(np.float32)
    sparse = sp.random(30, 25, density=0.2, format="csr", dtype=np.float32, random_state=6)
    out = np.ones((40, 25), dtype=np.float32)
    assert rows_times_dense(rows, dense, out=out, scale=0.5) is out
    rows_times_sparse(rows, sparse, out=out, scale=-2.0)
    expected = 1.0 + 0.5 * (rows @ dense) - 2.0 * (rows @ sparse).toarray()
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="float32 array of shape"):
        rows_times_dense(rows, dense, out=np.zeros((40, 25)))


def test_rows_split_over_threads_give_the_same_results() -> None:
    rows = _rows(1100, 200, 0.05, seed=7)  # more than 2 x 256 rows: the split happens
    dense = np.random.default_rng(8).standard_normal((200, 200)).astype(np.float32)
    seen = _rows(1100, 200, 0.02, seed=9)
    alone = rows_times_dense(rows, dense)
    alone_top = top_per_row(alone, 10, seen=seen)
    with kernel_threads(2):
        split = rows_times_dense(rows, dense)
        split_top = top_per_row(split, 10, seen=seen)
    np.testing.assert_array_equal(split, alone)
    np.testing.assert_array_equal(split_top[0], alone_top[0])
    np.testing.assert_array_equal(split_top[1], alone_top[1])
