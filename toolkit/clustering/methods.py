"""Clustering algorithms, chosen by name (``cluster.method``), as scikit-learn estimators.

Each wraps scikit-learn's implementation (or umap-learn's and scikit-learn's, for
``bertopic_like``) with the toolkit's conventions: canonical labels, ``n_clusters:
auto`` and a documented rule for assigning new documents (:class:`~toolkit.clustering.base.Clusterer`).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans, MiniBatchKMeans, SpectralClustering
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import normalize

from toolkit.arrays import DenseView
from toolkit.clustering.base import K_PARAMETERS, Clusterer, assign_outliers
from toolkit.errors import ParameterError
from toolkit.params import SEED, Int, NoneValue, Options
from toolkit.registry import Registry

CLUSTERERS: Registry[Clusterer] = Registry("cluster.method")

WARD_SAMPLE = 5000  # rows Ward's clustering starts k-means from; more would cost O(n^2) memory


def ward_centres(X, k: int) -> np.ndarray:
    """The centres of Ward's k clusters of ``X`` (of an evenly spaced sample of ``WARD_SAMPLE`` rows
    when there are more): a start for k-means that depends on the data alone."""
    n = X.shape[0]
    rows = np.arange(n) if n <= WARD_SAMPLE else np.linspace(0, n - 1, WARD_SAMPLE).round().astype(np.int64)
    sample = np.asarray(X[rows], dtype=np.float64)
    groups = AgglomerativeClustering(k).fit_predict(sample)
    return np.vstack([sample[groups == c].mean(axis=0) for c in range(k)])


@CLUSTERERS.register("kmeans")
class KMeansClusterer(Clusterer):
    """k-means (scikit-learn), started from Ward clusters of the data or from seeded k-means++.

    New documents go to the nearest centre (k-means' own rule), so ``predict`` on the
    training rows gives ``labels_`` exactly.

    Parameters
    ----------
    n_clusters : int or "auto"
        Number of clusters, or found from the data (``auto``, by ``k_criterion``).
    k_range : (int, int)
        Smallest and largest k tried by ``auto`` with a score criterion.
    k_criterion : {"communities", "silhouette", "calinski_harabasz", "davies_bouldin"}
        How ``auto`` finds k: ``communities`` counts the modularity communities of the documents'
        neighbour graph (:mod:`toolkit.clustering.k_choice`); the others pick the k of ``k_range``
        with the best score (Davies-Bouldin: the lowest).
    init : {"ward", "k-means++"}
        ``ward``: k-means starts from the centres of Ward's agglomerative clusters of the data (of
        an evenly spaced sample of ``WARD_SAMPLE`` rows on a larger corpus), so the result does not
        depend on the seed; sparse input (TF-IDF) starts from k-means++. ``k-means++``: the best of
        ``n_init`` seeded k-means++ starts.
    n_init : int
        Number of k-means++ starts.
    random_state : int
        Seed of the k-means++ starts (a run sets it from the experiment's seed).
    """

    accept_sparse = True
    _parameter_constraints = {**K_PARAMETERS, "init": [Options("ward", "k-means++")], "n_init": [Int(1)],
                              "random_state": SEED}

    def __init__(self, n_clusters: int | str = "auto", *, k_range: tuple[int, int] = (2, 12),
                 k_criterion: str = "communities", init: str = "ward", n_init: int = 10,
                 random_state: int = 0) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.k_criterion = k_criterion
        self.init = init
        self.n_init = n_init
        self.random_state = random_state

    def _fit_k(self, X, k: int):
        if self.init == "ward" and not sp.issparse(X) and k > 1:
            model = KMeans(k, init=ward_centres(X, k), n_init=1).fit(X)
        else:
            model = KMeans(k, n_init=self.n_init, random_state=self.random_state).fit(X)
        return model.labels_, model


@CLUSTERERS.register("minibatch_kmeans")
class MiniBatchKMeansClusterer(Clusterer):
    """Mini-batch k-means (scikit-learn): k-means on batches, for large corpora.
    New documents go to the nearest centre.

    Parameters
    ----------
    n_clusters, k_range, k_criterion, random_state
        As for :class:`KMeansClusterer`.
    batch_size : int
        Documents per batch.
    n_init : int
        Number of starts.
    max_train : int
        Above this many documents, the centres are learned on a seeded sample of this many and
        every document then goes to its nearest centre: one linear pass. scikit-learn's
        mini-batch steps grow with the corpus until they converge (225 steps at 100,000
        synthetic news documents, 1,742 at 1,000,000); learned on a 100,000 sample, the
        clusters of 1,000,000 agreed as well with the documents' labels (NMI 0.832 and 0.865
        against 0.849 and 0.860 with every document, seeds 0 and 1) in a tenth of the time.
    """

    accept_sparse = True
    _parameter_constraints = {**K_PARAMETERS, "batch_size": [Int(1)], "n_init": [Int(1)], "max_train": [Int(1)],
                              "random_state": SEED}

    def __init__(self, n_clusters: int | str = 3, *, k_range: tuple[int, int] = (2, 12),
                 k_criterion: str = "communities", batch_size: int = 1024, n_init: int = 3,
                 max_train: int = 100_000, random_state: int = 0) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.k_criterion = k_criterion
        self.batch_size = batch_size
        self.n_init = n_init
        self.max_train = max_train
        self.random_state = random_state

    def _fit_k(self, X, k: int):
        model = MiniBatchKMeans(k, batch_size=self.batch_size, n_init=self.n_init, random_state=self.random_state)
        n = X.shape[0]
        if n <= self.max_train:
            model.fit(X)
            return model.labels_, model
        keep = np.sort(np.random.default_rng(self.random_state).choice(n, self.max_train, replace=False))
        model.fit(X[keep])
        return model.predict(X), model


@CLUSTERERS.register("agglomerative")
class AgglomerativeClusterer(Clusterer):
    """Hierarchical agglomerative clustering (scikit-learn); deterministic.
    New documents go to the most cosine-similar cluster centre.

    Parameters
    ----------
    n_clusters, k_range, k_criterion
        As for :class:`KMeansClusterer`.
    linkage : {"ward", "average", "complete", "single"}
        Merge criterion.
    metric : {"euclidean", "cosine"}
        Distance; ward needs euclidean.
    random_state : int
        Seeds only the silhouette sample of ``n_clusters: auto``.
    """

    accept_sparse = True
    _parameter_constraints = {**K_PARAMETERS, "linkage": [Options("ward", "average", "complete", "single")],
                              "metric": [Options("euclidean", "cosine")], "random_state": SEED}

    def __init__(self, n_clusters: int | str = 3, *, k_range: tuple[int, int] = (2, 12),
                 k_criterion: str = "communities", linkage: str = "ward", metric: str = "euclidean",
                 random_state: int = 0) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.k_criterion = k_criterion
        self.linkage = linkage
        self.metric = metric
        self.random_state = random_state

    def _check_params(self) -> None:
        super()._check_params()
        if self.linkage == "ward" and self.metric != "euclidean":
            raise ParameterError("metric", "must be 'euclidean' with linkage 'ward' (use linkage average or "
                                 "complete with cosine)", self.metric, type(self).__name__)

    def _fit_k(self, X, k: int):
        dense = DenseView(self.random_state).fit_transform(X)
        return AgglomerativeClustering(k, linkage=self.linkage, metric=self.metric).fit_predict(dense), None


@CLUSTERERS.register("spectral")
class SpectralClusterer(Clusterer):
    """Spectral clustering on a k-nearest-neighbour affinity graph of the unit-length rows
    (scikit-learn). New documents go to the most cosine-similar cluster centre.

    Parameters
    ----------
    n_clusters, k_range, k_criterion, random_state
        As for :class:`KMeansClusterer`.
    n_neighbors : int
        Neighbours in the affinity graph.
    """

    accept_sparse = True
    _parameter_constraints = {**K_PARAMETERS, "n_neighbors": [Int(1)], "random_state": SEED}

    def __init__(self, n_clusters: int | str = 3, *, k_range: tuple[int, int] = (2, 12),
                 k_criterion: str = "communities", n_neighbors: int = 15, random_state: int = 0) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.k_criterion = k_criterion
        self.n_neighbors = n_neighbors
        self.random_state = random_state

    def _fit_k(self, X, k: int):
        X = normalize(DenseView(self.random_state).fit_transform(X))  # cosine geometry for the neighbour graph
        if X.shape[0] < 2:
            return np.zeros(X.shape[0], dtype=int), None
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*Graph is not fully connected.*")
            labels = SpectralClustering(k, affinity="nearest_neighbors",
                                        n_neighbors=min(self.n_neighbors, X.shape[0] - 1),
                                        assign_labels="cluster_qr", random_state=self.random_state).fit_predict(X)
        return labels, None


@CLUSTERERS.register("gmm")
class GaussianMixtureClusterer(Clusterer):
    """Gaussian mixture (scikit-learn), best of ``n_init`` seeded EM runs. New documents
    go to the component of highest posterior.

    Parameters
    ----------
    n_clusters, k_range, k_criterion, random_state
        As for :class:`KMeansClusterer`.
    covariance_type : {"full", "tied", "diag", "spherical"}
        Shape of each component; ``diag`` suits embeddings of many dimensions.
    n_init : int
        Number of EM starts.
    """

    accept_sparse = True
    _parameter_constraints = {**K_PARAMETERS, "covariance_type": [Options("full", "tied", "diag", "spherical")],
                              "n_init": [Int(1)], "random_state": SEED}

    def __init__(self, n_clusters: int | str = 3, *, k_range: tuple[int, int] = (2, 12),
                 k_criterion: str = "communities", covariance_type: str = "diag", n_init: int = 3,
                 random_state: int = 0) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.k_criterion = k_criterion
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.random_state = random_state

    def _fit_k(self, X, k: int):
        self._view = DenseView(self.random_state)
        dense = self._view.fit_transform(X)
        model = GaussianMixture(k, covariance_type=self.covariance_type, n_init=self.n_init,
                                random_state=self.random_state, reg_covar=1e-4).fit(dense)
        return model.predict(dense), model

    def _prepare(self, X):
        return self._view.transform(X)

    def predict_proba(self, X) -> np.ndarray:
        """Posterior of each component (columns in canonical label order)."""
        rows = self._prepare(self._new_rows(X))  # checks fitting first, so an unfitted model says so
        return self._model.predict_proba(rows)[:, sorted(self._mapping, key=self._mapping.get)]


OUTLIERS = [Options("keep", "nearest")]


@CLUSTERERS.register("hdbscan")
class HDBSCANClusterer(Clusterer):
    """HDBSCAN (scikit-learn's): density-based, finds the number of clusters, marks outliers.

    New documents go to the most cosine-similar centre of the clusters found (never to
    the outliers): scikit-learn's HDBSCAN has no prediction of its own.

    Parameters
    ----------
    min_cluster_size : int
        Smallest cluster (capped at the number of documents).
    min_samples : int or None
        Neighbourhood size of the density estimate (None: ``min_cluster_size``).
    outliers : {"keep", "nearest"}
        ``keep`` leaves outliers as -1; ``nearest`` sends each to its nearest cluster's centroid.
    """

    accept_sparse = True
    _parameter_constraints = {"min_cluster_size": [Int(2)], "min_samples": [Int(1), NoneValue()],
                              "outliers": OUTLIERS}

    def __init__(self, min_cluster_size: int = 10, *, min_samples: int | None = None, outliers: str = "keep") -> None:
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.outliers = outliers

    def _fit_labels(self, X):
        n = X.shape[0]
        if n < 2:
            return np.full(n, -1 if self.outliers == "keep" else 0), None
        size = max(2, min(self.min_cluster_size, n))
        samples = None if self.min_samples is None else min(self.min_samples, n)
        labels = HDBSCAN(min_cluster_size=size, min_samples=samples, copy=True).fit_predict(
            DenseView().fit_transform(X))
        if self.outliers == "nearest":
            labels = assign_outliers(X, labels)
        return labels, None


@CLUSTERERS.register("bertopic_like")
class BERTopicLike(Clusterer):
    """BERTopic's default recipe from our own parts: UMAP (5-d, cosine, 15 neighbours,
    min_dist 0) then HDBSCAN (min_cluster_size 10, euclidean), outliers kept; the
    topics stage then describes clusters by class-based TF-IDF as BERTopic does.
    Use it with ``reduce.method: none`` (it reduces by itself). New documents go to the
    most cosine-similar cluster centre in the input space.

    Parameters
    ----------
    n_components, n_neighbors : int
        UMAP's settings.
    min_cluster_size : int
        HDBSCAN's.
    outliers : {"keep", "nearest"}
        As for ``hdbscan``.
    random_state : int
        Seed of UMAP.
    """

    accept_sparse = True
    _parameter_constraints = {"n_components": [Int(1)], "n_neighbors": [Int(2)], "min_cluster_size": [Int(2)],
                              "outliers": OUTLIERS, "random_state": SEED}

    def __init__(self, n_components: int = 5, *, n_neighbors: int = 15, min_cluster_size: int = 10,
                 outliers: str = "keep", random_state: int = 0) -> None:
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_cluster_size = min_cluster_size
        self.outliers = outliers
        self.random_state = random_state

    def _fit_labels(self, X):
        from toolkit.clustering.reduce import UMAPReducer

        reduced = UMAPReducer(self.n_components, n_neighbors=self.n_neighbors, min_dist=0.0, metric="cosine",
                              random_state=self.random_state).fit_transform(X)
        labels = HDBSCANClusterer(self.min_cluster_size, min_samples=None, outliers="keep")._fit_labels(reduced)[0]
        # Outliers go to the nearest centroid in the embedding space, not UMAP's.
        return (assign_outliers(X, labels) if self.outliers == "nearest" else labels), None


__all__ = ["CLUSTERERS", "AgglomerativeClusterer", "BERTopicLike", "GaussianMixtureClusterer", "HDBSCANClusterer",
           "KMeansClusterer", "MiniBatchKMeansClusterer", "SpectralClusterer"]
