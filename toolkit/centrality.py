"""Sentence-graph centrality, vectorised with numpy/scipy (no per-pair Python loops)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from toolkit.registry import Registry

SCORERS: Registry[CentralityScorer] = Registry("summarize.method")


def cosine_matrix(X: np.ndarray | sp.spmatrix) -> np.ndarray:
    """Dense cosine similarities of the rows of ``X``; all-zero rows give zeros."""
    Xn = normalize(X.astype(np.float64) if sp.issparse(X) else np.asarray(X, dtype=np.float64))
    S = Xn @ Xn.T
    return S.toarray() if sp.issparse(S) else np.asarray(S)


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
    """
    n = W.shape[0]
    if n == 0:
        return np.zeros(0)
    W = sp.csr_matrix(W, dtype=np.float64)
    W.data = np.where(np.isfinite(W.data) & (W.data > 0), W.data, 0.0)
    W.eliminate_zeros()
    out_weight = np.asarray(W.sum(axis=1)).ravel()
    dangling = out_weight == 0
    inv = np.divide(1.0, out_weight, out=np.zeros(n), where=~dangling)
    P_T = (sp.diags(inv) @ W).T.tocsr()
    p = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        spread = p[dangling].sum() / n
        nxt = damping * (P_T @ p + spread) + (1.0 - damping) / n
        nxt /= nxt.sum()
        done = np.abs(nxt - p).sum() < tol
        p = nxt
        if done:
            break
    return p


class CentralityScorer:
    """Base class: ``score(X)`` returns one centrality per sentence row of ``X``."""

    def score(self, X: np.ndarray | sp.spmatrix) -> np.ndarray:
        raise NotImplementedError


@SCORERS.register("lexrank")
class LexRank(CentralityScorer):
    """LexRank (Erkan & Radev, 2004) on cosine similarities of sentence vectors.

    Parameters
    ----------
    threshold : float or None
        None: continuous LexRank (edges weighted by similarity). A number: edges
        where similarity >= threshold, unweighted (the paper uses 0.1).
    damping : float
        Probability of following an edge rather than jumping (PageRank's d;
        the paper's jump probability is 1 - damping).
    max_iter, tol : int, float
        Power-iteration bounds.
    """

    def __init__(self, threshold: float | None = None, damping: float = 0.85,
                 max_iter: int = 100, tol: float = 1e-8) -> None:
        self.threshold = threshold
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol

    def score(self, X: np.ndarray | sp.spmatrix) -> np.ndarray:
        S = np.clip(cosine_matrix(X), 0.0, None)  # a negative cosine is no endorsement
        if self.threshold is not None:
            S = (S >= self.threshold).astype(np.float64)
            # A sentence with no words has no similarities, not a link to itself.
            S[np.diag_indices_from(S)] = np.diag(cosine_matrix(X)) > 0
        return stationary_distribution(S, self.damping, self.max_iter, self.tol)
