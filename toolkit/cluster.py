"""Clustering algorithms, chosen by name (``cluster.method``).

Every clusterer returns integer labels renumbered in order of first appearance,
so that the same partition always prints the same way; ``-1`` marks outliers.
``n_clusters`` may be ``auto``: k is chosen from ``k_range`` by ``k_criterion`` and
the curve it was chosen from is kept in ``auto_k_``.
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import scipy.sparse as sp
from sklearn import metrics
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans, MiniBatchKMeans, SpectralClustering
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import normalize

from toolkit.arrays import to_dense
from toolkit.errors import ConfigError, DataError
from toolkit.registry import Registry

log = logging.getLogger(__name__)
CLUSTERERS: Registry[Clusterer] = Registry("cluster.method")
K_CRITERIA = ("silhouette", "calinski_harabasz", "davies_bouldin")


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0, 1, ... by first appearance; keep -1 (outliers)."""
    out = np.full(len(labels), -1, dtype=int)
    mapping: dict[int, int] = {}
    for i, lab in enumerate(labels):
        if lab < 0:
            continue
        out[i] = mapping.setdefault(int(lab), len(mapping))
    return out



def k_score(X, labels: np.ndarray, criterion: str, random_state: int, sample: int = 3000) -> float:
    """Higher is better: silhouette (cosine), Calinski-Harabasz, or minus Davies-Bouldin."""
    if len(set(labels.tolist())) < 2:
        return -np.inf
    if criterion == "silhouette":
        return float(metrics.silhouette_score(X, labels, metric="cosine", random_state=random_state,
                                              sample_size=min(sample, X.shape[0])))
    if criterion == "calinski_harabasz":
        return float(metrics.calinski_harabasz_score(to_dense(X), labels))
    return -float(metrics.davies_bouldin_score(to_dense(X), labels))


class Clusterer:
    """Base class: ``fit_predict(X)`` returns canonical labels.

    Subclasses with a number of clusters take ``n_clusters`` (an int, or ``"auto"``),
    ``k_range`` and ``k_criterion``; :meth:`_fit_k` clusters for one k.
    """

    n_clusters: int | str | None = None
    k_range: list[int] = [2, 12]
    k_criterion: str = "silhouette"
    random_state: int = 0
    auto_k_: dict | None = None

    def _check_k(self) -> None:
        if self.n_clusters is None:
            return
        if isinstance(self.n_clusters, str):
            if self.n_clusters != "auto":
                raise ConfigError(f"cluster.n_clusters: expected a number or 'auto', got {self.n_clusters!r}")
        elif self.n_clusters < 1:
            raise ConfigError(f"cluster.n_clusters: must be at least 1, got {self.n_clusters}")
        if len(self.k_range) != 2 or not 2 <= self.k_range[0] <= self.k_range[1]:
            raise ConfigError(f"cluster.k_range: expected [low, high] with 2 <= low <= high, got {self.k_range}")
        if self.k_criterion not in K_CRITERIA:
            raise ConfigError(f"cluster.k_criterion: unknown value {self.k_criterion!r}; "
                              f"choose one of: {', '.join(K_CRITERIA)}")

    def check_size(self, n_documents: int, corpus: str = "the corpus", distinct: int | None = None) -> None:
        """A DataError when the corpus is too small for the requested clusters.

        ``distinct``: how many documents differ in their text; identical documents
        embed to one point, which no method can split.
        """
        if isinstance(self.n_clusters, int) and self.n_clusters > n_documents:
            raise DataError(f"cluster.n_clusters: {self.n_clusters} clusters requested but {corpus} has only "
                            f"{n_documents} document{'s' if n_documents != 1 else ''}")
        if self.n_clusters == "auto" and n_documents < 3:
            raise DataError(f"cluster.n_clusters: 'auto' needs at least 3 documents; {corpus} has {n_documents}")
        if distinct is not None:
            needed = self.n_clusters if isinstance(self.n_clusters, int) else 3 if self.n_clusters == "auto" else 2
            if distinct < needed:
                raise DataError(f"{corpus}: its {n_documents} documents have only {distinct} distinct "
                                f"text{'s' if distinct != 1 else ''}; {needed} are needed to form clusters")

    def _fit_k(self, X, k: int) -> np.ndarray:
        raise NotImplementedError

    def _fit_predict(self, X) -> np.ndarray:
        if self.n_clusters != "auto":
            return self._fit_k(X, int(self.n_clusters))
        low, high = self.k_range[0], min(self.k_range[1], X.shape[0] - 1)
        curve, fits = {}, {}
        for k in range(low, max(low, high) + 1):
            fits[k] = self._fit_k(X, k)
            curve[k] = k_score(X, fits[k], self.k_criterion, self.random_state)
        best = max(curve, key=lambda k: (curve[k], -k))
        self.auto_k_ = {"criterion": self.k_criterion, "curve": {str(k): round(v, 6) for k, v in curve.items()},
                        "chosen": best}
        log.info("cluster: n_clusters auto -> %d (by %s over %d..%d)", best, self.k_criterion, low, high)
        return fits[best]

    def fit_predict(self, X: np.ndarray | sp.spmatrix) -> np.ndarray:
        self.check_size(X.shape[0])
        return canonical_labels(np.asarray(self._fit_predict(X)))


def _k_params(self, n_clusters, k_range, k_criterion, random_state) -> None:
    self.n_clusters = n_clusters
    self.k_range = list(k_range)
    self.k_criterion = k_criterion
    self.random_state = random_state
    self._check_k()


@CLUSTERERS.register("kmeans")
class KMeansClusterer(Clusterer):
    """k-means (scikit-learn), best of ``n_init`` seeded k-means++ starts.

    Parameters
    ----------
    n_clusters : int or "auto"
        Number of clusters, or chosen from ``k_range`` by ``k_criterion``.
    k_range : [int, int]
        Smallest and largest k tried by ``auto``.
    k_criterion : {"silhouette", "calinski_harabasz", "davies_bouldin"}
        What ``auto`` maximises (Davies-Bouldin: minimises).
    n_init : int
        Number of starts.
    random_state : int
        Set from the experiment's seed.
    """

    def __init__(self, n_clusters: int | Literal["auto"] = 3, k_range: list[int] = (2, 12),
                 k_criterion: str = "silhouette", n_init: int = 10, random_state: int = 0) -> None:
        _k_params(self, n_clusters, k_range, k_criterion, random_state)
        self.n_init = n_init

    def _fit_k(self, X, k: int) -> np.ndarray:
        return KMeans(k, n_init=self.n_init, random_state=self.random_state).fit_predict(X)


@CLUSTERERS.register("minibatch_kmeans")
class MiniBatchKMeansClusterer(Clusterer):
    """Mini-batch k-means (scikit-learn): k-means on batches, for large corpora.

    Parameters
    ----------
    n_clusters, k_range, k_criterion, random_state
        As for ``kmeans``.
    batch_size : int
        Documents per batch.
    n_init : int
        Number of starts.
    """

    def __init__(self, n_clusters: int | Literal["auto"] = 3, k_range: list[int] = (2, 12),
                 k_criterion: str = "silhouette", batch_size: int = 1024, n_init: int = 3,
                 random_state: int = 0) -> None:
        _k_params(self, n_clusters, k_range, k_criterion, random_state)
        self.batch_size = batch_size
        self.n_init = n_init

    def _fit_k(self, X, k: int) -> np.ndarray:
        return MiniBatchKMeans(k, batch_size=self.batch_size, n_init=self.n_init,
                               random_state=self.random_state).fit_predict(X)


LINKAGES = ("ward", "average", "complete", "single")


@CLUSTERERS.register("agglomerative")
class AgglomerativeClusterer(Clusterer):
    """Hierarchical agglomerative clustering (scikit-learn); deterministic.

    Parameters
    ----------
    n_clusters, k_range, k_criterion
        As for ``kmeans``.
    linkage : {"ward", "average", "complete", "single"}
        Merge criterion.
    metric : {"euclidean", "cosine"}
        Distance; ward needs euclidean.
    """

    def __init__(self, n_clusters: int | Literal["auto"] = 3, k_range: list[int] = (2, 12),
                 k_criterion: str = "silhouette", linkage: str = "ward", metric: str = "euclidean",
                 random_state: int = 0) -> None:
        _k_params(self, n_clusters, k_range, k_criterion, random_state)
        if linkage not in LINKAGES:
            raise ConfigError(f"cluster.linkage: unknown value {linkage!r}; choose one of: {', '.join(LINKAGES)}")
        if metric not in ("euclidean", "cosine"):
            raise ConfigError(f"cluster.metric: unknown value {metric!r}; choose one of: cosine, euclidean")
        if linkage == "ward" and metric != "euclidean":
            raise ConfigError("cluster.metric: linkage 'ward' needs metric 'euclidean'; "
                              "use linkage average or complete with cosine")
        self.linkage = linkage
        self.metric = metric

    def _fit_k(self, X, k: int) -> np.ndarray:
        return AgglomerativeClustering(k, linkage=self.linkage, metric=self.metric).fit_predict(to_dense(X))


@CLUSTERERS.register("spectral")
class SpectralClusterer(Clusterer):
    """Spectral clustering on a k-nearest-neighbour affinity graph (scikit-learn).

    Parameters
    ----------
    n_clusters, k_range, k_criterion, random_state
        As for ``kmeans``.
    n_neighbors : int
        Neighbours in the affinity graph.
    """

    def __init__(self, n_clusters: int | Literal["auto"] = 3, k_range: list[int] = (2, 12),
                 k_criterion: str = "silhouette", n_neighbors: int = 15, random_state: int = 0) -> None:
        _k_params(self, n_clusters, k_range, k_criterion, random_state)
        self.n_neighbors = n_neighbors

    def _fit_k(self, X, k: int) -> np.ndarray:
        import warnings

        X = normalize(to_dense(X))  # cosine geometry for the neighbour graph
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*Graph is not fully connected.*")
            return SpectralClustering(k, affinity="nearest_neighbors",
                                      n_neighbors=min(self.n_neighbors, X.shape[0] - 1),
                                      assign_labels="cluster_qr", random_state=self.random_state).fit_predict(X)


@CLUSTERERS.register("gmm")
class GaussianMixtureClusterer(Clusterer):
    """Gaussian mixture (scikit-learn), best of ``n_init`` seeded EM runs.

    Parameters
    ----------
    n_clusters, k_range, k_criterion, random_state
        As for ``kmeans``.
    covariance_type : {"full", "tied", "diag", "spherical"}
        Shape of each component; ``diag`` suits embeddings of many dimensions.
    n_init : int
        Number of EM starts.
    """

    def __init__(self, n_clusters: int | Literal["auto"] = 3, k_range: list[int] = (2, 12),
                 k_criterion: str = "silhouette", covariance_type: str = "diag", n_init: int = 3,
                 random_state: int = 0) -> None:
        _k_params(self, n_clusters, k_range, k_criterion, random_state)
        if covariance_type not in ("full", "tied", "diag", "spherical"):
            raise ConfigError(f"cluster.covariance_type: unknown value {covariance_type!r}; "
                              "choose one of: diag, full, spherical, tied")
        self.covariance_type = covariance_type
        self.n_init = n_init

    def _fit_k(self, X, k: int) -> np.ndarray:
        return GaussianMixture(k, covariance_type=self.covariance_type, n_init=self.n_init,
                               random_state=self.random_state, reg_covar=1e-4).fit(to_dense(X)).predict(to_dense(X))


def assign_outliers(X, labels: np.ndarray) -> np.ndarray:
    """Send each outlier (-1) to the cluster with the most similar centroid (cosine)."""
    labels = labels.copy()
    out = labels < 0
    clusters = sorted(set(labels[~out].tolist()))
    if not out.any() or not clusters:
        return labels
    Xn = normalize(to_dense(X))
    centroids = normalize(np.vstack([Xn[labels == c].mean(axis=0) for c in clusters]))
    labels[out] = np.array(clusters)[np.argmax(Xn[out] @ centroids.T, axis=1)]
    return labels


@CLUSTERERS.register("hdbscan")
class HDBSCANClusterer(Clusterer):
    """HDBSCAN (scikit-learn's): density-based, finds the number of clusters, marks outliers.

    Parameters
    ----------
    min_cluster_size : int
        Smallest cluster (capped at the number of documents).
    min_samples : int or None
        Neighbourhood size of the density estimate (None: ``min_cluster_size``).
    outliers : {"keep", "nearest"}
        ``keep`` leaves outliers as -1; ``nearest`` sends each to its nearest cluster's centroid.
    """

    def __init__(self, min_cluster_size: int = 10, min_samples: int | None = None, outliers: str = "keep") -> None:
        if outliers not in ("keep", "nearest"):
            raise ConfigError(f"cluster.outliers: unknown value {outliers!r}; choose one of: keep, nearest")
        if min_cluster_size < 2:
            raise ConfigError(f"cluster.min_cluster_size: must be at least 2, got {min_cluster_size}")
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.outliers = outliers

    def _fit_predict(self, X) -> np.ndarray:
        size = max(2, min(self.min_cluster_size, X.shape[0]))
        labels = HDBSCAN(min_cluster_size=size, min_samples=self.min_samples, copy=True).fit_predict(to_dense(X))
        if self.outliers == "nearest":
            labels = assign_outliers(X, labels)
        return labels


@CLUSTERERS.register("bertopic_like")
class BERTopicLike(Clusterer):
    """BERTopic's default recipe from our own parts: UMAP (5-d, cosine, 15 neighbours,
    min_dist 0) then HDBSCAN (min_cluster_size 10, euclidean), outliers kept; the
    topics stage then describes clusters by class-based TF-IDF as BERTopic does.
    Use it with ``reduce.method: none`` (it reduces by itself).

    Parameters
    ----------
    n_components, n_neighbors : int
        UMAP's settings.
    min_cluster_size : int
        HDBSCAN's.
    outliers : {"keep", "nearest"}
        As for ``hdbscan``.
    random_state : int
        Set from the experiment's seed.
    """

    def __init__(self, n_components: int = 5, n_neighbors: int = 15, min_cluster_size: int = 10,
                 outliers: str = "keep", random_state: int = 0) -> None:
        from toolkit.reduce import UMAPReducer

        self.umap = UMAPReducer(n_components, n_neighbors, 0.0, "cosine", random_state)
        self.hdbscan = HDBSCANClusterer(min_cluster_size, None, "keep")
        if outliers not in ("keep", "nearest"):
            raise ConfigError(f"cluster.outliers: unknown value {outliers!r}; choose one of: keep, nearest")
        self.outliers = outliers

    def _fit_predict(self, X) -> np.ndarray:
        labels = self.hdbscan._fit_predict(self.umap.fit_transform(X))
        # Outliers go to the nearest centroid in the embedding space, not UMAP's.
        return assign_outliers(X, labels) if self.outliers == "nearest" else labels
