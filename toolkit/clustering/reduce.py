"""Dimensionality reduction before clustering, chosen by name (``reduce.method``),
as scikit-learn transformers (``fit``, ``transform``, ``fit_transform``)."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import TransformerMixin
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.utils.validation import check_is_fitted, validate_data

from toolkit.params import SEED, Component, Int, Number, Text
from toolkit.registry import Registry

log = logging.getLogger("toolkit")
REDUCERS: Registry[Reducer] = Registry("reduce.method")


class Reducer(TransformerMixin, Component):
    """Base class of the reducers: ``fit`` learns the projection, ``transform`` applies it."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _check(self, X, reset: bool):
        if not reset:
            check_is_fitted(self, "n_features_in_")
        return validate_data(self, X, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32), reset=reset)

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self


@REDUCERS.register("none")
class NoReduction(Reducer):
    """Keep the embeddings as they are."""

    def fit_transform(self, X, y=None):
        checked = self._check(X, reset=True)
        return X if isinstance(X, np.ndarray) or sp.issparse(X) else checked

    def transform(self, X):
        checked = self._check(X, reset=False)
        return X if isinstance(X, np.ndarray) or sp.issparse(X) else checked


@REDUCERS.register("center")
class CenterReducer(Reducer):
    """Subtract the corpus's mean vector, then scale each row to unit length.

    Sentence embeddings share a large common direction (every news text is "news"), so raw
    cosines crowd together; measured from the corpus's centre, the directions that tell
    topics apart dominate the cosine. Same dimensions as the input. Sparse input (TF-IDF) is
    returned unchanged: centring would make it dense.
    """

    def fit_transform(self, X, y=None):
        X = self._check(X, reset=True)
        if sp.issparse(X):
            self.mean_ = None
            return X
        self.mean_ = X.mean(axis=0)
        return self._center(X)

    def _center(self, X):
        centred = X - self.mean_
        norms = np.linalg.norm(centred, axis=1, keepdims=True)
        return (centred / np.where(norms > 0, norms, 1.0)).astype(X.dtype)

    def transform(self, X):
        X = self._check(X, reset=False)
        return X if self.mean_ is None or sp.issparse(X) else self._center(X)


@REDUCERS.register("pca")
class PCAReducer(Reducer):
    """Principal components (truncated SVD for sparse input).

    Parameters
    ----------
    n_components : int
        Output dimensions; capped at what the data allows (fewer documents than
        dimensions), with a log message.
    random_state : int
        Seed of the randomised solver.
    """

    _parameter_constraints = {"n_components": [Int(1)], "random_state": SEED}

    def __init__(self, n_components: int = 50, *, random_state: int = 0) -> None:
        self.n_components = n_components
        self.random_state = random_state

    def fit_transform(self, X, y=None):
        X = self._check(X, reset=True)
        limit = min(X.shape) - (1 if sp.issparse(X) else 0)
        k = max(1, min(self.n_components, limit))
        if k < self.n_components:
            log.info("reduce.n_components: %d capped to %d by the data's shape %s", self.n_components, k, X.shape)
        self.model_ = (TruncatedSVD(k, random_state=self.random_state) if sp.issparse(X)
                       else PCA(k, random_state=self.random_state))
        return self.model_.fit_transform(X).astype(X.dtype)

    def transform(self, X):
        X = self._check(X, reset=False)
        return self.model_.transform(X).astype(X.dtype)


@REDUCERS.register("umap")
class UMAPReducer(Reducer):
    """UMAP (umap-learn), seeded, so single-threaded and reproducible.

    ``transform`` places new points in the fitted map (umap-learn's own transform), so
    on the training rows it approximates, rather than repeats, ``fit_transform``.

    Parameters
    ----------
    n_components : int
        Output dimensions.
    n_neighbors : int
        Size of the local neighbourhood (capped below the number of documents).
    min_dist : float
        How tightly points may pack (0 suits clustering).
    metric : str
        Input distance (any of umap-learn's); cosine suits sentence embeddings.
    random_state : int
        Seed.
    """

    _parameter_constraints = {"n_components": [Int(1)], "n_neighbors": [Int(2)], "min_dist": [Number(0, None)],
                              "metric": [Text()], "random_state": SEED}

    def __init__(self, n_components: int = 5, *, n_neighbors: int = 15, min_dist: float = 0.0,
                 metric: str = "cosine", random_state: int = 0) -> None:
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.metric = metric
        self.random_state = random_state

    def fit_transform(self, X, y=None):
        X = self._check(X, reset=True)
        n = X.shape[0]
        if n <= self.n_components + 1:
            log.info("reduce: %d documents are too few for UMAP to %d dimensions; kept as they are",
                     n, self.n_components)
            self.model_ = None
            return X
        from umap import UMAP

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*n_jobs value.*")
            self.model_ = UMAP(n_components=self.n_components, n_neighbors=max(2, min(self.n_neighbors, n - 1)),
                               min_dist=self.min_dist, metric=self.metric, random_state=self.random_state,
                               init="spectral" if n > self.n_components + 2 else "random")
            return self.model_.fit_transform(X).astype(X.dtype)

    def transform(self, X):
        X = self._check(X, reset=False)
        if self.model_ is None:
            return X
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*n_jobs value.*")
            return self.model_.transform(X).astype(X.dtype)


__all__ = ["REDUCERS", "CenterReducer", "NoReduction", "PCAReducer", "Reducer", "UMAPReducer"]
