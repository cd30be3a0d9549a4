"""Dimensionality reduction before clustering, chosen by name (``reduce.method``)."""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import PCA, TruncatedSVD

from toolkit.registry import Registry

log = logging.getLogger(__name__)
REDUCERS: Registry[Reducer] = Registry("reduce.method")


class Reducer:
    """Base class: ``fit_transform(X)`` returns the reduced matrix."""

    def fit_transform(self, X: np.ndarray | sp.spmatrix) -> np.ndarray | sp.spmatrix:
        raise NotImplementedError


@REDUCERS.register("none")
class NoReduction(Reducer):
    """Keep the embeddings as they are."""

    def fit_transform(self, X: np.ndarray | sp.spmatrix) -> np.ndarray | sp.spmatrix:
        return X


@REDUCERS.register("pca")
class PCAReducer(Reducer):
    """Principal components (truncated SVD for sparse input).

    Parameters
    ----------
    n_components : int
        Output dimensions; capped at what the data allows (fewer documents than
        dimensions), with a log message.
    random_state : int
        Seed of the randomised solver; set from the experiment's seed.
    """

    def __init__(self, n_components: int = 50, random_state: int = 0) -> None:
        self.n_components = n_components
        self.random_state = random_state

    def fit_transform(self, X: np.ndarray | sp.spmatrix) -> np.ndarray:
        limit = min(X.shape) - (1 if sp.issparse(X) else 0)
        k = max(1, min(self.n_components, limit))
        if k < self.n_components:
            log.info("reduce.n_components: %d capped to %d by the data's shape %s",
                     self.n_components, k, X.shape)
        if sp.issparse(X):
            return TruncatedSVD(k, random_state=self.random_state).fit_transform(X).astype(np.float32)
        return PCA(k, random_state=self.random_state).fit_transform(X).astype(np.float32)


@REDUCERS.register("umap")
class UMAPReducer(Reducer):
    """UMAP (umap-learn), seeded, so single-threaded and reproducible.

    Parameters
    ----------
    n_components : int
        Output dimensions.
    n_neighbors : int
        Size of the local neighbourhood (capped below the number of documents).
    min_dist : float
        How tightly points may pack (0 suits clustering).
    metric : str
        Input distance; cosine suits sentence embeddings.
    random_state : int
        Set from the experiment's seed.
    """

    def __init__(self, n_components: int = 5, n_neighbors: int = 15, min_dist: float = 0.0,
                 metric: str = "cosine", random_state: int = 0) -> None:
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.metric = metric
        self.random_state = random_state

    def fit_transform(self, X: np.ndarray | sp.spmatrix) -> np.ndarray:
        import warnings

        from umap import UMAP

        n = X.shape[0]
        if n <= self.n_components + 1:
            log.info("reduce: %d documents are too few for UMAP to %d dimensions; kept as they are",
                     n, self.n_components)
            return X
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*n_jobs value.*")
            model = UMAP(n_components=self.n_components, n_neighbors=max(2, min(self.n_neighbors, n - 1)),
                         min_dist=self.min_dist, metric=self.metric, random_state=self.random_state,
                         init="spectral" if n > self.n_components + 2 else "random")
            return model.fit_transform(X).astype(np.float32)
