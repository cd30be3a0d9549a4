"""Small array helpers shared by the stages."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def to_dense(X) -> np.ndarray:
    """A dense ndarray of ``X``, whether it is sparse or already dense."""
    return X.toarray() if sp.issparse(X) else np.asarray(X)


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


def softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``Z`` (shifted by each row's maximum, so large scores do not overflow)."""
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)
