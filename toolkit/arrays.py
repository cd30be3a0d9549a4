"""Small array helpers shared by the stages."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator


def to_dense(X) -> np.ndarray:
    """A dense ndarray of ``X``, whether it is sparse or already dense."""
    return X.toarray() if sp.issparse(X) else np.asarray(X)


# Sparse input with more cells than this is projected (seeded truncated SVD) rather than made
# dense where a method needs dense rows: 20 million float64 cells are 160 MB.
DENSE_CELLS = 20_000_000
PROJECTION_COMPONENTS = 128


class DenseView(BaseEstimator):
    """Dense rows for methods that need them: the rows themselves when they are dense or small,
    else a seeded truncated SVD of ``PROJECTION_COMPONENTS`` directions (a sparse n x vocabulary
    matrix is never made dense). ``fit_transform`` decides; ``transform`` maps new rows the same way.

    Parameters
    ----------
    random_state : int
        Seed of the SVD.
    max_cells : int
        Largest sparse matrix (rows x columns) made dense as it is.
    """

    def __init__(self, random_state: int = 0, *, max_cells: int = DENSE_CELLS) -> None:
        self.random_state = random_state
        self.max_cells = max_cells
        self.svd_ = None

    def fit_transform(self, X) -> np.ndarray:
        if sp.issparse(X) and X.shape[0] * X.shape[1] > self.max_cells and X.shape[1] > PROJECTION_COMPONENTS:
            from sklearn.decomposition import TruncatedSVD

            self.svd_ = TruncatedSVD(PROJECTION_COMPONENTS, random_state=self.random_state)
            return self.svd_.fit_transform(X)
        return to_dense(X)

    def transform(self, X) -> np.ndarray:
        return self.svd_.transform(X) if self.svd_ is not None else to_dense(X)


def group_means(X, labels: np.ndarray, ids) -> np.ndarray:
    """Mean row of each group ``ids`` (by ``labels``), dense (groups x features), from a sparse
    membership product: a sparse ``X`` is never made dense. An empty group gets zeros."""
    labels = np.asarray(labels)
    ids = np.asarray(list(ids), dtype=labels.dtype if labels.size else np.int64)
    n = X.shape[0]
    if len(ids) == 0:
        return np.zeros((0, X.shape[1]))
    order = np.argsort(ids, kind="stable")
    at = np.clip(np.searchsorted(ids[order], labels), 0, len(ids) - 1)
    found = ids[order][at] == labels
    rows = order[at[found]]
    member = sp.csr_matrix((np.ones(int(found.sum())), (rows, np.flatnonzero(found))), shape=(len(ids), n))
    sizes = np.asarray(member.sum(axis=1)).ravel()
    sums = member @ X
    sums = sums.toarray() if sp.issparse(sums) else np.asarray(sums, dtype=np.float64)
    return sums / np.maximum(sizes, 1)[:, None]


def row_norms(X) -> np.ndarray:
    """Euclidean length of each row, dense or sparse (float64)."""
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        return np.sqrt(np.bincount(rows, weights=np.asarray(X.data, dtype=np.float64) ** 2, minlength=X.shape[0]))
    return np.linalg.norm(np.asarray(X, dtype=np.float64), axis=1)


def unit_rows(X) -> np.ndarray | sp.csr_matrix:
    """Rows scaled to unit length (float64); all-zero rows stay zero."""
    norms = row_norms(X)
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float64, copy=True)
        X.data *= np.repeat(inv, np.diff(X.indptr))
        return X
    return np.asarray(X, dtype=np.float64) * inv[:, None]


def usable_cores() -> int:
    """The cores this process may run on."""
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class RowSplitProduct:
    """``W -> A @ W`` on row blocks of ``A`` in threads, for a product made many times (scipy
    and numpy release the GIL in it). Every row is computed as in one call, so the result is
    the same to the bit on any number of cores. Use as a context manager (it owns a thread pool).

    Parameters
    ----------
    A : sparse matrix or ndarray
    workers : int, optional
        Threads; default: the usable cores (one block per thousand rows at most).
    """

    def __init__(self, A, workers: int | None = None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        workers = max(1, min(workers or usable_cores(), A.shape[0] // 1000 or 1))
        bounds = np.linspace(0, A.shape[0], workers + 1).astype(int)
        self.blocks = [A[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        self.pool = ThreadPoolExecutor(workers) if workers > 1 else None

    def __call__(self, W) -> np.ndarray:
        if self.pool is None:
            return np.asarray(self.blocks[0] @ W)
        return np.vstack([np.asarray(p) for p in self.pool.map(lambda block: block @ W, self.blocks)])

    def __enter__(self) -> RowSplitProduct:
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def seeded_sample(n: int, size: int, random_state: int = 0, always=None) -> np.ndarray:
    """Sorted row indices: all ``n`` rows when ``n <= size``, else a seeded sample of ``size``
    of them, plus the rows in ``always`` (e.g. one row of every group, so none vanishes)."""
    if n <= size:
        return np.arange(n)
    rows = np.random.default_rng(random_state).choice(n, size, replace=False)
    if always is not None:
        rows = np.union1d(rows, np.asarray(always, dtype=np.int64))
    return np.sort(rows)


def softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``Z`` (shifted by each row's maximum, so large scores do not overflow)."""
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)
