"""Sentence similarity graphs and their stationary distributions, vectorised with numpy/scipy.

Graphs are dense for small units and, above a scorer's ``dense_limit`` sentences, a sparse
graph of each sentence's most similar sentences found by an exact blocked search, so memory
stays bounded (O(n x neighbors), plus one block of O(block x n) at a time). Many documents
are scored at once as one block-diagonal matrix.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from toolkit.arrays import row_norms, unit_rows  # noqa: F401 (re-exported: the summarisers import them from here)

# Similarities compared with a threshold are taken as equal to it within TIE: a cosine of
# exactly 0.1 must give the same edge however the floating-point sum was ordered.
TIE = 1e-12
BLOCK_CELLS = 20_000_000  # similarities held at once by the blocked search (80 MB in float32)


def cosine_matrix(X: np.ndarray | sp.spmatrix) -> np.ndarray:
    """Dense cosine similarities of the rows of ``X``; all-zero rows give zeros."""
    Xn = unit_rows(X)
    S = Xn @ Xn.T
    return S.toarray() if sp.issparse(S) else np.asarray(S)



def block_rows(n: int) -> int:
    """Rows per block of a blocked search over ``n`` columns."""
    return int(max(16, min(4096, BLOCK_CELLS // max(n, 1))))


def knn_graph(similarity_rows: Callable[[int, int], np.ndarray], n: int, neighbors: int,
              block: int | None = None) -> sp.csr_matrix:
    """Sparse graph of each row's ``neighbors`` most similar rows (exact, blocked).

    Parameters
    ----------
    similarity_rows : callable
        ``similarity_rows(start, stop)`` returns the dense similarities of rows
        ``start:stop`` to all ``n`` rows.
    n, neighbors, block : int

    Returns
    -------
    csr_matrix
        Symmetric (an edge kept by either end is kept), non-negative, no self-loops.
    """
    import torch  # a dependency already (sentence-transformers); its top-k beats numpy's argpartition

    k = min(neighbors, n - 1)
    block = block or block_rows(n)
    rows, cols, vals = [], [], []
    for start in range(0, n, block):
        stop = min(n, start + block)
        S = similarity_rows(start, stop)
        S[np.arange(stop - start), np.arange(start, stop)] = -np.inf
        if k <= 0:
            continue
        top = torch.topk(torch.from_numpy(S), k, dim=1, sorted=False)
        v, idx = top.values.numpy(), top.indices.numpy()
        keep = v > 0
        rows.append(np.repeat(np.arange(start, stop), k)[keep.ravel()])
        cols.append(idx[keep])
        vals.append(v[keep].astype(np.float64))
    if not rows:
        return sp.csr_matrix((n, n))
    W = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    return W.maximum(W.T).tocsr()


SOLVE_LIMIT = 1000  # dense graphs up to this size are solved exactly instead of iterated
# Above this damping the exact system is numerically singular (its right-hand side, 1 - d,
# vanishes): the walk is iterated instead.
SOLVE_DAMPING = 1.0 - 1e-9


def _usable_weights(W):
    """``W`` as float64 with negative, zero and non-finite weights dropped (no edge)."""
    if sp.issparse(W):
        W = sp.csr_matrix(W, dtype=np.float64, copy=True)
        W.data = np.where(np.isfinite(W.data) & (W.data > 0), W.data, 0.0)
        W.eliminate_zeros()
        return W
    W = np.asarray(W, dtype=np.float64)
    return np.where(np.isfinite(W) & (W > 0), W, 0.0)


def stationary_distribution(W: np.ndarray | sp.spmatrix, damping: float = 0.85,
                            max_iter: int = 100, tol: float = 1e-8) -> np.ndarray:
    """PageRank-style power iteration on a non-negative weight matrix.

    Rows of ``W`` are normalised to transition probabilities; a row with no weight
    (an isolated sentence) jumps uniformly. Each step follows an edge with
    probability ``damping`` and jumps to a uniformly random node otherwise, so the
    chain is ergodic and the iteration converges even on disconnected graphs.

    Parameters
    ----------
    W : (n, n) array or sparse matrix, non-negative
    damping : float in [0, 1]
    max_iter : int
        Upper bound on iterations; the result is used as is if ``tol`` is not reached.
    tol : float
        Stop when the L1 change between iterations falls below it.

    Returns
    -------
    ndarray, shape (n,)
        Scores, non-negative, summing to 1.

    Notes
    -----
    A dense graph of at most SOLVE_LIMIT nodes with ``damping < SOLVE_DAMPING`` is solved
    exactly, ``(I - d M) p = (1 - d) / n``, with M the transition matrix whose
    dangling columns are uniform; the iteration's answer is the same to ``tol``.
    """
    n = W.shape[0]
    if n == 0:
        return np.zeros(0)
    W = _usable_weights(W)
    out_weight = np.asarray(W.sum(axis=1)).ravel()
    dangling = out_weight == 0
    inv = np.divide(1.0, out_weight, out=np.zeros(n), where=~dangling)
    if sp.issparse(W):
        P_T = (sp.diags(inv) @ W).T.tocsr()
        return power_iteration(lambda p: P_T @ p, dangling, damping, max_iter, tol)
    if n <= SOLVE_LIMIT and damping < SOLVE_DAMPING:
        M = (W * inv[:, None]).T.copy()
        M[:, dangling] = 1.0 / n
        p = np.linalg.solve(np.eye(n) - damping * M, np.full(n, (1.0 - damping) / n))
        p = np.clip(p, 0.0, None)
        return p / p.sum()
    # P^T p without forming P: a large dense graph is held once, not three times
    return power_iteration(lambda p: W.T @ (inv * p), dangling, damping, max_iter, tol)


def power_iteration(walk: Callable[[np.ndarray], np.ndarray], dangling: np.ndarray, damping: float = 0.85,
                    max_iter: int = 100, tol: float = 1e-8) -> np.ndarray:
    """The damped random walk's stationary distribution, by power iteration.

    Parameters
    ----------
    walk : callable
        ``walk(p)`` is ``P^T p`` for the row-stochastic transition matrix ``P`` of the
        non-dangling rows (a dangling row's mass is not moved by it).
    dangling : ndarray of bool, shape (n,)
        Rows without weight; their mass jumps uniformly.
    damping, max_iter, tol
        As in :func:`stationary_distribution`.

    Returns
    -------
    ndarray, shape (n,)
    """
    n = len(dangling)
    p = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        spread = p[dangling].sum() / n
        nxt = damping * (walk(p) + spread) + (1.0 - damping) / n
        nxt /= nxt.sum()
        done = np.abs(nxt - p).sum() < tol
        p = nxt
        if done:
            break
    return p


def unit_columns(X: sp.csr_matrix, sizes: np.ndarray) -> sp.csr_matrix:
    """``X`` (rows of consecutive units of ``sizes`` rows) with each unit's terms moved to
    columns of their own, numbered densely: ``X' X'^T`` then holds each unit's block and
    nothing else. Columns are the distinct (unit, term) pairs, at most the non-zeros, so the
    product's memory grows with the data, not with units x vocabulary."""
    X = sp.csr_matrix(X)
    owner = np.repeat(np.arange(len(sizes)), sizes)
    keys = np.repeat(owner, np.diff(X.indptr)).astype(np.int64) * max(X.shape[1], 1) + X.indices
    distinct, cols = np.unique(keys, return_inverse=True)
    return sp.csr_matrix((X.data, cols.ravel(), X.indptr), shape=(X.shape[0], max(len(distinct), 1)))


def block_cosine(Xn, sizes: np.ndarray) -> sp.csr_matrix:
    """Block-diagonal cosine matrix of many units at once.

    ``Xn`` holds the unit-length rows of consecutive units of ``sizes`` rows each;
    similarities between rows of different units are never computed. For sparse rows,
    each unit's terms are moved to columns of their own, so one sparse product yields
    every unit's block and nothing else.
    """
    n = int(np.sum(sizes))
    if sp.issparse(Xn):
        shifted = unit_columns(Xn, sizes)
        return (shifted @ shifted.T).tocsr()
    Xn = np.asarray(Xn, dtype=np.float64)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    return sp.block_diag([Xn[a:b] @ Xn[a:b].T for a, b in zip(starts[:-1], starts[1:])],
                         format="csr") if n else sp.csr_matrix((0, 0))


def stationary_blocks(W: sp.csr_matrix, sizes: np.ndarray, damping: float = 0.85) -> np.ndarray:
    """:func:`stationary_distribution` of every diagonal block of ``W`` at once.

    Each block is its own chain (its own uniform jump and dangling rows), solved
    exactly, ``(I - d M) p = (1 - d) / n_unit``, blocks of one size together as a batch of
    dense systems, then normalised per block: the answer each block would get on its own.
    Memory is the blocks' own cells (no sparse factorisation, whose work arrays grew to
    gigabytes for a million sentences).
    """
    n = W.shape[0]
    if n == 0:
        return np.zeros(0)
    W = _usable_weights(W)
    owner = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    out_weight = np.asarray(W.sum(axis=1)).ravel()
    dangling = np.flatnonzero(out_weight == 0)
    if len(dangling):
        # A dangling sentence jumps uniformly within its own unit.
        unit = owner[dangling]
        jump = sp.csr_matrix((np.ones(int(sizes[unit].sum())),
                              np.concatenate([np.arange(starts[u], starts[u + 1]) for u in unit]),
                              np.concatenate([[0], np.cumsum(sizes[unit])])), shape=(len(dangling), n))
        W = (W + _rows_at(jump, dangling, n)).tocsr()
        out_weight[dangling] = sizes[unit]
    P = sp.csr_matrix(W, copy=True)
    P.data /= np.repeat(out_weight, np.diff(P.indptr))
    p = _solve_blocks(P.tocoo(), sizes, starts, owner, damping)
    p = np.clip(p, 0.0, None)
    totals = np.add.reduceat(p, starts[:-1][sizes > 0])
    p /= np.repeat(totals, sizes[sizes > 0])
    return p


BATCH_CELLS = 10_000_000  # dense cells of the blocks solved at once (80 MB)


def _solve_blocks(P: sp.coo_matrix, sizes: np.ndarray, starts: np.ndarray, owner: np.ndarray,
                  damping: float) -> np.ndarray:
    """Each unit's ``(I - d P_u^T) p_u = (1 - d) / n_u``, units of one size solved together as a
    batch of dense systems (LAPACK): memory is the blocks' own cells, a batch at a time."""
    n = len(owner)
    p = np.zeros(n)
    unit_of = owner[P.row]
    # each non-zero's unit, and its place inside that unit's block
    local_row, local_col = P.row - starts[unit_of], P.col - starts[unit_of]
    order = np.argsort(unit_of, kind="stable")
    bounds = np.searchsorted(unit_of[order], np.arange(len(sizes) + 1))
    for size in np.unique(sizes[sizes > 0]):
        units = np.flatnonzero(sizes == size)
        per_batch = max(1, BATCH_CELLS // int(size * size))
        for first in range(0, len(units), per_batch):
            batch = units[first:first + per_batch]
            blocks = np.zeros((len(batch), size, size))
            counts = bounds[batch + 1] - bounds[batch]
            before = np.concatenate([[0], np.cumsum(counts)[:-1]])
            picks = order[np.repeat(bounds[batch] - before, counts) + np.arange(int(counts.sum()))]
            slot = np.repeat(np.arange(len(batch)), counts)
            blocks[slot, local_col[picks], local_row[picks]] = P.data[picks]  # P_u transposed
            A = np.eye(size)[None] - damping * blocks
            rhs = np.full((len(batch), size, 1), (1.0 - damping) / size)
            rows = starts[batch][:, None] + np.arange(size)[None, :]
            p[rows.ravel()] = np.linalg.solve(A, rhs).ravel()
    return p


def _rows_at(rows: sp.csr_matrix, at: np.ndarray, n: int) -> sp.csr_matrix:
    """An (n, cols) matrix holding ``rows`` at the (sorted) row indices ``at``, zeros elsewhere."""
    counts = np.zeros(n, dtype=np.int64)
    counts[at] = np.diff(rows.indptr)
    return sp.csr_matrix((rows.data, rows.indices, np.concatenate([[0], np.cumsum(counts)])), shape=(n, rows.shape[1]))
