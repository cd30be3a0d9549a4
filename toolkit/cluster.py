"""Clustering algorithms, chosen by name (``cluster.method``).

Every clusterer returns integer labels renumbered in order of first appearance,
so that the same partition always prints the same way; ``-1`` marks outliers.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import AgglomerativeClustering, KMeans

from toolkit.errors import DataError
from toolkit.registry import Registry

CLUSTERERS: Registry[Clusterer] = Registry("cluster.method")


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0, 1, ... by first appearance; keep -1 (outliers)."""
    out = np.full(len(labels), -1, dtype=int)
    mapping: dict[int, int] = {}
    for i, lab in enumerate(labels):
        if lab < 0:
            continue
        out[i] = mapping.setdefault(int(lab), len(mapping))
    return out


class Clusterer:
    """Base class: ``fit_predict(X)`` returns canonical labels."""

    n_clusters: int | None = None

    def _check(self, X) -> None:
        if self.n_clusters is not None and self.n_clusters > X.shape[0]:
            raise DataError(
                f"cluster.n_clusters: {self.n_clusters} clusters requested but the corpus has "
                f"only {X.shape[0]} documents"
            )

    def _fit_predict(self, X) -> np.ndarray:
        raise NotImplementedError

    def fit_predict(self, X: np.ndarray | sp.spmatrix) -> np.ndarray:
        self._check(X)
        return canonical_labels(np.asarray(self._fit_predict(X)))


@CLUSTERERS.register("kmeans")
class KMeansClusterer(Clusterer):
    """k-means (scikit-learn), best of ``n_init`` seeded starts.

    Parameters
    ----------
    n_clusters : int
        Number of clusters.
    n_init : int
        Number of k-means++ starts.
    random_state : int
        Set from the experiment's seed.
    """

    def __init__(self, n_clusters: int = 3, n_init: int = 10, random_state: int = 0) -> None:
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.random_state = random_state

    def _fit_predict(self, X) -> np.ndarray:
        return KMeans(self.n_clusters, n_init=self.n_init,
                      random_state=self.random_state).fit_predict(X)


@CLUSTERERS.register("agglomerative")
class AgglomerativeClusterer(Clusterer):
    """Hierarchical agglomerative clustering (scikit-learn).

    Parameters
    ----------
    n_clusters : int
        Number of clusters.
    linkage : {"ward", "average", "complete", "single"}
        Merge criterion.
    metric : {"euclidean", "cosine"}
        Distance; ward needs euclidean.
    """

    def __init__(self, n_clusters: int = 3, linkage: str = "ward", metric: str = "euclidean") -> None:
        from toolkit.errors import ConfigError

        if linkage not in ("ward", "average", "complete", "single"):
            raise ConfigError(f"cluster.linkage: unknown value {linkage!r}; "
                              "choose one of: average, complete, single, ward")
        if metric not in ("euclidean", "cosine"):
            raise ConfigError(f"cluster.metric: unknown value {metric!r}; choose one of: cosine, euclidean")
        if linkage == "ward" and metric != "euclidean":
            raise ConfigError("cluster.metric: linkage 'ward' needs metric 'euclidean'; "
                              "use linkage average or complete with cosine")
        self.n_clusters = n_clusters
        self.linkage = linkage
        self.metric = metric

    def _fit_predict(self, X) -> np.ndarray:
        X = X.toarray() if sp.issparse(X) else X
        return AgglomerativeClustering(self.n_clusters, linkage=self.linkage,
                                       metric=self.metric).fit_predict(X)
