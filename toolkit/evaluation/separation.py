"""Calinski-Harabasz and Davies-Bouldin scores computed from cluster sums, so a sparse matrix
(TF-IDF) is never made dense: memory grows with its non-zeros plus n x k, not n x vocabulary.
Same definitions as scikit-learn's ``calinski_harabasz_score`` and ``davies_bouldin_score``
(which take dense input only); equal to them to rounding (tested)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def _parts(X, labels: np.ndarray):
    """Cluster ids, one-hot membership (n x k, sparse), sizes, centroids (k x d, dense) and
    each row's squared norm."""
    ids, codes = np.unique(labels, return_inverse=True)
    n = X.shape[0]
    member = sp.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, len(ids)))
    sizes = np.asarray(member.sum(axis=0)).ravel()
    sums = member.T @ X
    centroids = (np.asarray(sums.todense()) if sp.issparse(sums) else np.asarray(sums)) / sizes[:, None]
    sq = np.asarray(X.multiply(X).sum(axis=1)).ravel() if sp.issparse(X) else np.einsum("ij,ij->i", X, X)
    return codes, sizes, centroids, sq


def calinski_harabasz(X, labels: np.ndarray) -> float:
    """Between-cluster over within-cluster dispersion, each per degree of freedom."""
    X = X if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    codes, sizes, centroids, sq = _parts(X, labels)
    n, k = X.shape[0], len(sizes)
    mean = (sizes[:, None] * centroids).sum(axis=0) / n
    between = float((sizes * ((centroids - mean) ** 2).sum(axis=1)).sum())
    within = float(sq.sum() - (sizes * (centroids ** 2).sum(axis=1)).sum())
    if within <= 0:
        return 1.0
    return between * (n - k) / (within * (k - 1))


def davies_bouldin(X, labels: np.ndarray) -> float:
    """Mean over clusters of the worst (s_i + s_j) / d(c_i, c_j), s the mean distance of a
    cluster's rows to its centroid."""
    X = X if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    codes, sizes, centroids, sq = _parts(X, labels)
    cross = X @ centroids.T  # n x k
    cross = np.asarray(cross)
    own = cross[np.arange(X.shape[0]), codes]
    dist = np.sqrt(np.maximum(sq - 2 * own + (centroids ** 2).sum(axis=1)[codes], 0.0))
    spread = np.bincount(codes, weights=dist, minlength=len(sizes)) / sizes
    gram = centroids @ centroids.T
    norms = np.diag(gram)
    between = np.sqrt(np.maximum(norms[:, None] + norms[None, :] - 2 * gram, 0.0))
    if np.allclose(spread, 0) or np.allclose(between, 0):
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (spread[:, None] + spread[None, :]) / between
    ratio[np.isinf(ratio) | np.isnan(ratio)] = 0.0
    np.fill_diagonal(ratio, 0.0)
    return float(ratio.max(axis=1).mean())


__all__ = ["calinski_harabasz", "davies_bouldin"]
