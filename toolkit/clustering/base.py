"""What every clusterer shares: scikit-learn's estimator contract, k chosen
automatically, canonical labels, and assignment of new points.

Labels are renumbered in order of first appearance, so that the same partition always
prints the same way; ``-1`` marks outliers. ``n_clusters`` may be ``"auto"``: k is chosen
from ``k_range`` by ``k_criterion`` and the curve it was chosen from is kept in
``auto_k_``.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn import metrics
from sklearn.base import ClusterMixin
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted, validate_data

from toolkit.arrays import group_means
from toolkit.errors import DataError, ParameterError
from toolkit.params import Component, Int, ListOf, Options
from toolkit.text.cleaning import normalize_text

log = logging.getLogger("toolkit")
K_CRITERIA = ("communities", "silhouette", "calinski_harabasz", "davies_bouldin")
K_PARAMETERS = {
    "n_clusters": [Int(1), Options("auto")],
    "k_range": [ListOf(Int(2), length=2)],
    "k_criterion": [Options(*K_CRITERIA)],
}


def label_mapping(labels: np.ndarray) -> dict[int, int]:
    """Raw label -> canonical label (0, 1, ... by first appearance); -1 stays -1."""
    labels = np.asarray(labels)
    values, first = np.unique(labels[labels >= 0], return_index=True)
    return {int(v): i for i, v in enumerate(values[np.argsort(first, kind="stable")])}


def relabel(labels: np.ndarray, mapping: dict[int, int]) -> np.ndarray:
    """``labels`` through ``mapping`` (labels it does not hold, and -1, become -1)."""
    labels = np.asarray(labels, dtype=np.int64)
    out = np.full(len(labels), -1, dtype=np.int64)
    if mapping:
        keys = np.array(sorted(mapping), dtype=np.int64)
        values = np.array([mapping[k] for k in keys], dtype=np.int64)
        at = np.clip(np.searchsorted(keys, labels), 0, len(keys) - 1)
        known = (labels >= 0) & (keys[at] == labels)
        out[known] = values[at[known]]
    return out


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0, 1, ... by first appearance; keep -1 (outliers)."""
    return relabel(labels, label_mapping(labels))


def k_score(X, labels: np.ndarray, criterion: str, random_state: int, sample: int = 3000) -> float:
    """Higher is better: silhouette (cosine), Calinski-Harabasz, or minus Davies-Bouldin."""
    if len(set(labels.tolist())) < 2:
        return -np.inf
    if criterion == "silhouette":
        return float(metrics.silhouette_score(X, labels, metric="cosine", random_state=random_state,
                                              sample_size=min(sample, X.shape[0])))
    from toolkit.evaluation.separation import calinski_harabasz, davies_bouldin

    if criterion == "calinski_harabasz":
        return calinski_harabasz(X, labels)
    return -davies_bouldin(X, labels)


def cosine_centroids(X, labels: np.ndarray, clusters: list[int]) -> np.ndarray:
    """Unit-length mean direction of each cluster's unit-length rows (shape: clusters x features);
    sparse rows stay sparse (only the clusters x features means are dense)."""
    if not clusters:
        return np.zeros((0, X.shape[1]))
    return normalize(group_means(normalize(X), labels, clusters))


def nearest_centroid(X, centroids: np.ndarray) -> np.ndarray:
    """Index of the most cosine-similar centroid for each row (-1 when there is none)."""
    if len(centroids) == 0:
        return np.full(X.shape[0], -1, dtype=np.int64)
    return np.argmax(np.asarray(normalize(X) @ centroids.T), axis=1).astype(np.int64)


def assign_outliers(X, labels: np.ndarray) -> np.ndarray:
    """Send each outlier (-1) to the cluster with the most similar centroid (cosine)."""
    labels = labels.copy()
    out = labels < 0
    clusters = sorted(set(labels[~out].tolist()))
    if not out.any() or not clusters:
        return labels
    labels[out] = np.array(clusters)[nearest_centroid(X[out], cosine_centroids(X, labels, clusters))]
    return labels


def clusters_needed(n_clusters) -> int:
    """The fewest distinct documents that can form ``n_clusters`` (an int, "auto" or None) clusters."""
    return n_clusters if isinstance(n_clusters, int) and not isinstance(n_clusters, bool) else (
        3 if n_clusters == "auto" else 2)


def distinct_texts(corpus, enough: int) -> int:
    """How many documents differ in their normalised text, counted up to ``enough``: the
    count matters only when it is smaller, and a large corpus reaches it within a few documents."""
    seen: set[str] = set()
    for doc in corpus:
        seen.add(normalize_text(doc.full_text))
        if len(seen) >= enough:
            break
    return len(seen)


def check_cluster_count(n_clusters, n_documents: int, corpus: str = "the corpus",
                        distinct: int | None = None) -> None:
    """A DataError, before any work, when a corpus is too small for the requested clusters.

    ``distinct``: how many documents differ in their text; identical documents embed to
    one point, which no method can split.
    """
    if isinstance(n_clusters, int) and not isinstance(n_clusters, bool) and n_clusters > n_documents:
        raise DataError(f"cluster.n_clusters: {n_clusters} clusters requested but {corpus} has only "
                        f"{n_documents} document{'s' if n_documents != 1 else ''}")
    if n_clusters == "auto" and n_documents < 3:
        raise DataError(f"cluster.n_clusters: 'auto' needs at least 3 documents; {corpus} has {n_documents}")
    if distinct is not None:
        needed = clusters_needed(n_clusters)
        if distinct < needed:
            raise DataError(f"{corpus}: its {n_documents} documents have only {distinct} distinct "
                            f"text{'s' if distinct != 1 else ''}; {needed} are needed to form clusters")


class Clusterer(ClusterMixin, Component):
    """Base class of the toolkit's clusterers (scikit-learn estimators).

    ``fit(X)`` sets ``labels_`` (canonical), ``n_clusters_``, ``cluster_centers_`` (each
    cluster's unit-length mean direction, in the input space) and ``n_features_in_``.
    ``predict(X)`` assigns new rows: by the fitted model where the algorithm has a rule
    of its own (k-means, GMM), otherwise to the most cosine-similar cluster centre.

    Subclasses implement :meth:`_fit_k` (one k: raw labels and the fitted model, or None)
    or, without a number of clusters, :meth:`_fit_labels`.
    """

    accept_sparse = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self.accept_sparse
        return tags

    def _check_params(self) -> None:
        k_range = getattr(self, "k_range", None)
        if k_range is not None and k_range[0] > k_range[1]:
            raise ParameterError("k_range", "must be [low, high] with low <= high", list(k_range),
                                 type(self).__name__)

    def _fit_k(self, X, k: int):
        raise NotImplementedError

    def _fit_labels(self, X):
        """Raw labels and the fitted model; by default, k-based (fixed or automatic)."""
        k = self.n_clusters
        n = X.shape[0]
        if k != "auto":
            if k > n:
                raise ParameterError("n_clusters", f"must be at most the number of samples (n_samples={n})", k,
                                     type(self).__name__)
            return self._fit_k(X, int(k))
        if self.k_criterion == "communities":
            return self._fit_communities(X)
        low, high = self.k_range[0], min(self.k_range[1], n - 1)
        if high < low:
            raise ParameterError("n_clusters", f"'auto' needs more samples than k_range's low end "
                                 f"(n_samples={n})", k, type(self).__name__)
        curve, fits = {}, {}
        for kk in range(low, high + 1):
            fits[kk] = self._fit_k(X, kk)
            curve[kk] = k_score(X, np.asarray(fits[kk][0]), self.k_criterion, self._seed())
        best = max(curve, key=lambda kk: (curve[kk], -kk))
        self.auto_k_ = {"criterion": self.k_criterion, "curve": {str(kk): round(v, 6) for kk, v in curve.items()},
                        "chosen": best}
        log.info("cluster: n_clusters auto -> %d (by %s over %d..%d)", best, self.k_criterion, low, high)
        return fits[best]

    def _fit_communities(self, X):
        """k from the communities of the rows' neighbour graph (:mod:`toolkit.clustering.k_choice`)."""
        from toolkit.clustering.k_choice import community_count, describe_choice, is_weak

        record = community_count(X)
        self.auto_k_ = record
        say = log.warning if is_weak(record) else log.info
        say("cluster: n_clusters auto -> %s", describe_choice(record))
        return self._fit_k(X, min(record["chosen"], X.shape[0]))

    def _seed(self) -> int:
        return getattr(self, "random_state", 0) or 0

    def fit(self, X, y=None):
        """Cluster the rows of ``X`` (dense, or sparse where the method allows it)."""
        X = validate_data(self, X, accept_sparse=("csr", "csc") if self.accept_sparse else False,
                          dtype=(np.float64, np.float32), ensure_min_samples=1)
        self.auto_k_ = None
        raw, model = self._fit_labels(X)
        raw = np.asarray(raw)
        self._mapping = label_mapping(raw)
        self._model = model
        self.labels_ = relabel(raw, self._mapping)
        clusters = sorted(set(self.labels_.tolist()) - {-1})
        self.n_clusters_ = len(clusters)
        self.cluster_centers_ = cosine_centroids(X, self.labels_, clusters)
        return self

    def _new_rows(self, X):
        """New rows checked against the fitted model (fitted first, same features)."""
        check_is_fitted(self, "labels_")
        return validate_data(self, X, accept_sparse=("csr", "csc") if self.accept_sparse else False,
                             dtype=(np.float64, np.float32), reset=False)

    def predict(self, X) -> np.ndarray:
        """The cluster of each new row (see the class docstring for the rule)."""
        X = self._new_rows(X)
        if self._model is not None and hasattr(self._model, "predict"):
            return relabel(self._model.predict(self._prepare(X)), self._mapping)
        return nearest_centroid(X, self.cluster_centers_)

    def _prepare(self, X):
        """The input as the fitted model saw it."""
        return X


__all__ = ["Clusterer", "K_CRITERIA", "K_PARAMETERS", "assign_outliers", "canonical_labels",
           "check_cluster_count", "clusters_needed", "cosine_centroids", "k_score", "label_mapping", "nearest_centroid",
           "relabel"]
