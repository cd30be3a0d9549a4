"""Refinement of a clustering's labels, chosen by name (``refine.method``).

Centroid methods cut the embedding space with straight boundaries, and documents near a
boundary land on whichever side their own vector happens to fall. Their neighbours are
better evidence: a news item whose nearest neighbours are mostly about sport is about
sport. ``knn_vote`` relabels each document by a vote of its nearest neighbours.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from sklearn.neighbors import NearestNeighbors

from toolkit.errors import ConfigError
from toolkit.registry import Registry

log = logging.getLogger(__name__)
REFINERS: Registry[Refiner] = Registry("refine.method")


class Refiner:
    """Base class: ``fit_predict(X, labels)`` returns refined labels (``-1`` kept as outliers)."""

    def fit_predict(self, X: np.ndarray | sp.spmatrix, labels: np.ndarray) -> np.ndarray:
        return labels


@REFINERS.register("none")
class NoRefinement(Refiner):
    """The clustering's labels as they are (the default)."""


def neighbour_votes(neighbours: np.ndarray, labels: np.ndarray, n_labels: int) -> np.ndarray:
    """Per row, how many of its ``neighbours`` (indices, one row per document) hold each
    label; outlier neighbours (``-1``) do not vote.

    Returns
    -------
    ndarray of shape (n_documents, n_labels)
    """
    held = labels[neighbours]
    rows = np.repeat(np.arange(len(neighbours)), neighbours.shape[1])
    ok = held.ravel() >= 0
    votes = np.zeros((len(neighbours), n_labels))
    np.add.at(votes, (rows[ok], held.ravel()[ok]), 1.0)
    return votes


@REFINERS.register("knn_vote")
class KNNVote(Refiner):
    """Each document takes the label most of its nearest neighbours hold (cosine
    distance); a tie keeps the document's own label. Outliers (``-1``) stay outliers and do
    not vote. One pass by default: on AG News further passes let large clusters creep into
    small ones (NMI 0.632 after one pass, 0.623 after ten, k-means from three seeds).

    Parameters
    ----------
    n_neighbors : int
        Neighbours that vote (capped below the number of documents).
    passes : int
        Voting passes, each on the previous pass's labels (stops early when none changes).
    """

    def __init__(self, n_neighbors: int = 15, passes: int = 1) -> None:
        if n_neighbors < 1:
            raise ConfigError(f"refine.n_neighbors: must be at least 1, got {n_neighbors}")
        if passes < 1:
            raise ConfigError(f"refine.passes: must be at least 1, got {passes}")
        self.n_neighbors = n_neighbors
        self.passes = passes

    def fit_predict(self, X: np.ndarray | sp.spmatrix, labels: np.ndarray) -> np.ndarray:
        labels = np.asarray(labels)
        n = X.shape[0]
        k = min(self.n_neighbors, n - 1)
        clustered = labels >= 0
        if k < 1 or clustered.sum() == 0:
            return labels
        # one more neighbour than asked, then the document itself is dropped (duplicates can
        # come first, so drop it by index, not by position)
        found = NearestNeighbors(n_neighbors=k + 1, metric="cosine").fit(X).kneighbors(X, return_distance=False)
        keep = found != np.arange(n)[:, None]
        keep[keep.all(axis=1), -1] = False
        neighbours = found[keep].reshape(n, k)
        n_labels = int(labels.max()) + 1
        current = labels.copy()
        own = np.flatnonzero(clustered)
        passes = 0
        while passes < self.passes:
            passes += 1
            votes = neighbour_votes(neighbours, current, n_labels)
            votes[own, current[own]] += 0.5  # a tie keeps the own label
            new = np.where(clustered, votes.argmax(axis=1), -1)
            changed = int((new != current).sum())
            current = new
            if not changed:
                break
        moved = int((current != labels).sum())
        lost = len(set(labels[clustered].tolist()) - set(current[clustered].tolist()))
        absorbed = f"; {lost} cluster{'s' if lost != 1 else ''} absorbed by neighbours" if lost else ""
        log.info("refine: knn_vote moved %d of %d documents in %d pass%s%s", moved, n, passes,
                 "es" if passes > 1 else "", absorbed)
        return current
