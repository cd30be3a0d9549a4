"""Neighbour-consistency refinement (``refine.method: scan``), with a lexical view beside the semantic one.

A centroid clustering draws straight boundaries through the embedding space; documents near
a boundary fall on either side by chance. SCAN (Van Gansbeke et al., *SCAN: Learning to
Classify Images without Labels*, ECCV 2020) learns instead a soft classifier whose outputs
agree between each document and its nearest neighbours, while an entropy term keeps every
cluster in use. Here the classifier is a linear softmax head on the clustered vectors,
started from the clustering's own centroids (so it begins where k-means ended) and trained
full-batch with Adam: a few seconds for 10,000 documents, deterministic, no fine-tuning of
the encoder.

The neighbours come from two views of each document: its embedding (meaning) and its TF-IDF
vector (the words it shares with others: names, places, jargon). Each view contributes the
same number of neighbours, so neither is weighted by a constant chosen on one corpus. Measured
on the development corpora (k-means from 5 seeds, NMI): the lexical neighbours lift BBC dev from
0.858 to 0.900, AG News from 0.648 to 0.653 and HuffPost from 0.306 to 0.314.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted, validate_data

from toolkit.arrays import RowSplitProduct, group_means, softmax
from toolkit.clustering.refine import REFINERS, Refiner, cosine_neighbors, without_self
from toolkit.params import SEED, Int, Number

log = logging.getLogger("toolkit")


def nearest_neighbors(X, n_neighbors: int) -> np.ndarray:
    """Indices of each row's ``n_neighbors`` most cosine-similar other rows (shape n x k)."""
    n = X.shape[0]
    k = min(n_neighbors, n - 1)
    if k < 1:
        return np.zeros((n, 0), dtype=np.int64)
    return without_self(cosine_neighbors(NearestNeighbors(n_neighbors=k + 1, metric="cosine").fit(X), X))


def lexical_vectors(texts: list[str]) -> sp.csr_matrix | None:
    """Sublinear TF-IDF rows of ``texts`` (English stop words and words in one text only
    dropped), or None when no word is left."""
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=min(2, len(texts)))
    try:
        return vectorizer.fit_transform(texts)
    except ValueError:  # no vocabulary: the graph keeps its semantic neighbours only
        return None


def train_consistency_head(X: np.ndarray | sp.csr_matrix, edges: tuple[np.ndarray, np.ndarray], W: np.ndarray,
                           entropy_weight: float, max_iter: int, learning_rate: float
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Adam on the SCAN loss for a linear softmax head ``P = softmax(X W + b)``.

    Loss: ``-mean over edges (i, j) of log <P_i, P_j>`` plus
    ``entropy_weight * sum_c m_c log m_c / log k``, where ``m`` is the mean of ``P`` over the
    documents (minimising it spreads documents over the clusters). Dividing by ``log k``, the
    largest entropy ``k`` clusters can have, gives the weight the same meaning for any number
    of clusters. Gradients are written out, so the result depends on nothing but the inputs.

    Returns
    -------
    W : ndarray (features x clusters), b : ndarray (clusters,)
    """
    n, k = X.shape[0], W.shape[1]
    rows, cols = edges
    n_edges = max(len(rows), 1)
    edge_gradient = _edge_gradient(rows, cols, n)
    if sp.issparse(X):
        # Sparse products in float32 (the weights and Adam stay float64): on a vocabulary-wide
        # TF-IDF matrix they run several times faster than in float64, and the transpose is
        # stored once as CSR for the gradient. Both run on row blocks in threads.
        X32 = sp.csr_matrix(X, dtype=np.float32)
        with RowSplitProduct(X32) as ahead, RowSplitProduct(X32.T.tocsr()) as back:
            return _adam(lambda Wc: np.asarray(ahead(Wc.astype(np.float32)), dtype=np.float64),
                         lambda dZ: np.asarray(back(dZ.astype(np.float32)), dtype=np.float64),
                         W, n, k, edge_gradient, n_edges, entropy_weight, max_iter, learning_rate)
    return _adam(lambda Wc: np.asarray(X @ Wc), lambda dZ: np.asarray(X.T @ dZ),
                 W, n, k, edge_gradient, n_edges, entropy_weight, max_iter, learning_rate)


def _adam(forward, backward, W: np.ndarray, n: int, k: int, edge_gradient, n_edges: int, entropy_weight: float,
          max_iter: int, learning_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """The Adam loop of :func:`train_consistency_head`, given its two products."""
    b = np.zeros(k)
    params = [W.copy(), b]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, max_iter + 1):
        P = softmax(forward(params[0]) + params[1])
        dP = -edge_gradient(P) / n_edges
        mean = P.mean(axis=0)
        dP += entropy_weight * (np.log(np.maximum(mean, 1e-12)) + 1.0) / (n * np.log(k))
        dZ = P * (dP - np.einsum("ij,ij->i", dP, P)[:, None])
        grads = [backward(dZ), dZ.sum(axis=0)]
        for p, g, m, v in zip(params, grads, moments, squares):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p -= learning_rate * (m / (1 - beta1 ** step)) / (np.sqrt(v / (1 - beta2 ** step)) + eps)
    return params[0], params[1]


def _edge_gradient(rows: np.ndarray, cols: np.ndarray, n: int):
    """``P -> sum over edges (i, j) of (P_j at row i and P_i at row j) / <P_i, P_j>``: the
    gradient of the edges' summed log-agreement, a function prepared once for the graph.

    When every row lists the same number of neighbours, consecutively (the graph
    :meth:`NeighborConsistency._graph` builds), the neighbours' rows are gathered once per
    step into an (n, m, k) array; otherwise two incidence matrices spread each edge's weight.
    """
    per_row = len(rows) // n if n else 0
    if n and per_row * n == len(rows) and np.array_equal(rows, np.repeat(np.arange(n), per_row)):
        neighbors = cols.reshape(n, per_row)
        indptr = np.arange(0, n * per_row + 1, per_row)

        def gradient(P: np.ndarray) -> np.ndarray:
            near = P[neighbors]  # (n, m, k)
            weight = 1.0 / np.maximum(np.einsum("nk,nmk->nm", P, near), 1e-12)
            spread = sp.csr_matrix((weight.ravel(), cols, indptr), shape=(n, n))
            return np.einsum("nm,nmk->nk", weight, near) + spread.T @ P

        return gradient
    ones, at = np.ones(len(rows)), np.arange(len(rows))
    from_row = sp.csr_matrix((ones, (rows, at)), shape=(n, len(rows)))
    from_col = sp.csr_matrix((ones, (cols, at)), shape=(n, len(rows)))

    def gradient(P: np.ndarray) -> np.ndarray:
        Pr, Pc = P[rows], P[cols]
        weight = 1.0 / np.maximum(np.einsum("ij,ij->i", Pr, Pc), 1e-12)
        return from_row @ (Pc * weight[:, None]) + from_col @ (Pr * weight[:, None])

    return gradient


@REFINERS.register("scan")
class NeighborConsistency(Refiner):
    """Relabel documents with a classifier trained to agree with their neighbours (SCAN).

    Starting from the clustering's labels, a linear softmax head on the clustered vectors
    (weights: the clusters' unit centroids over ``temperature``) is trained so that each
    document's topic distribution matches those of its ``n_neighbors`` nearest documents by
    embedding and its ``lexical_neighbors`` nearest by TF-IDF, with an entropy term
    (``entropy_weight``) against emptying clusters. Each document then takes the head's most
    likely topic. Outliers (``-1``) stay outliers.

    ``predict`` applies the trained head to new rows (no neighbours or texts needed).

    Parameters
    ----------
    n_neighbors : int
        Semantic neighbours per document (nearest by cosine in the clustered space). Both
        views are capped at one less than the average cluster size; with fewer than two
        documents per cluster the labels are kept as they are.
    lexical_neighbors : int
        Lexical neighbours per document (nearest by cosine of sublinear TF-IDF over the
        documents' texts); 0 uses the semantic view only. Needs the texts: ``fit(X, y, texts)``.
    entropy_weight : float
        Weight of the term that keeps clusters in use. 0 lets clusters empty; large values
        force equal sizes (wrong for unbalanced corpora).
    temperature : float
        Softness of the starting head (centroid similarities divided by it).
    max_iter : int
        Full-batch Adam steps.
    learning_rate : float
        Adam's step size.
    max_train : int
        Most documents the head is trained on: a larger corpus trains it on a seeded sample of
        this many clustered documents (their neighbours found among the sample), then every
        document takes the trained head's topic. The training cost is then bounded whatever the
        corpus size, and assigning the rest is one linear pass.
    random_state : int
        Seed of that sample.

    Attributes
    ----------
    labels_ : ndarray
    coef_ : ndarray of shape (n_features, n_clusters)
    intercept_ : ndarray of shape (n_clusters,)
    n_edges_ : int
        Neighbour pairs in the training graph.
    """

    _parameter_constraints = {"n_neighbors": [Int(1)], "lexical_neighbors": [Int(0)],
                              "entropy_weight": [Number(0, None)],
                              "temperature": [Number(0, None, closed="neither")], "max_iter": [Int(1)],
                              "learning_rate": [Number(0, None, closed="neither")], "max_train": [Int(2)],
                              "random_state": SEED}

    def __init__(self, n_neighbors: int = 10, *, lexical_neighbors: int = 10, entropy_weight: float = 3.0,
                 temperature: float = 0.1, max_iter: int = 300, learning_rate: float = 0.01,
                 max_train: int = 10_000, random_state: int = 0) -> None:
        self.n_neighbors = n_neighbors
        self.lexical_neighbors = lexical_neighbors
        self.entropy_weight = entropy_weight
        self.temperature = temperature
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_train = max_train
        self.random_state = random_state

    def _graph(self, X: np.ndarray, texts: list[str] | None, cap: int) -> tuple[np.ndarray, np.ndarray]:
        views = [nearest_neighbors(X, min(self.n_neighbors, cap))]
        if self.lexical_neighbors and texts is not None:
            if len(texts) != X.shape[0]:
                raise ValueError(f"{type(self).__name__}: {len(texts)} texts for {X.shape[0]} rows")
            lexical = lexical_vectors(texts)
            if lexical is not None:
                views.append(nearest_neighbors(lexical, min(self.lexical_neighbors, cap)))
        neighbors = np.hstack(views)
        rows = np.repeat(np.arange(X.shape[0]), neighbors.shape[1])
        return rows, neighbors.ravel()

    reads_texts = True  # fit takes the documents' texts (their lexical neighbours)

    def fit(self, X, y, texts: list[str] | None = None):
        """Train the head on ``X`` (one row per document) from the labels ``y``.

        Parameters
        ----------
        X : array of shape (n_documents, n_features)
        y : array of int
            The clustering's labels (``-1``: outlier).
        texts : list of str, optional
            The documents' texts, for the lexical neighbours.
        """
        # sparse input (TF-IDF) stays sparse: the head is then vocabulary x clusters
        X = normalize(validate_data(self, X, accept_sparse="csr", dtype=np.float64))
        labels = np.asarray(y)
        clustered = labels >= 0
        ids = sorted(set(labels[clustered].tolist()))
        self.classes_ = np.array(ids, dtype=np.int64)
        keep = np.flatnonzero(clustered)
        # A document's neighbours should fit inside a cluster of average size; with fewer
        # documents per cluster than that, agreement with neighbours means merging clusters.
        cap = len(keep) // max(len(ids), 1) - 1
        if len(ids) < 2 or cap < 1:
            if len(ids) >= 2:
                log.info("refine: scan left the labels as they are (%d documents in %d clusters are too few "
                         "for neighbour consistency)", len(keep), len(ids))
            self.coef_, self.intercept_, self.n_edges_ = None, None, 0
            self.labels_ = labels
            return self
        centroids = normalize(group_means(X, labels, ids))
        train = keep
        if len(keep) > self.max_train:
            rng = np.random.default_rng(self.random_state)
            train = np.sort(rng.choice(keep, self.max_train, replace=False))
            cap = len(train) // len(ids) - 1
            log.info("refine: scan trains on a seeded sample of %s of %s documents (refine.max_train)",
                     f"{len(train):,}", f"{len(keep):,}")
        rows, cols = self._graph(X[train], None if texts is None else [texts[i] for i in train], cap)
        self.n_edges_ = len(rows)
        start = centroids.T / self.temperature
        Xt, used = X[train], slice(None)
        if sp.issparse(Xt):
            # Terms the training rows never use get no gradient, so Adam leaves their weights
            # where they started: training on the used columns only gives the same head.
            used = np.unique(Xt.indices)
            Xt = Xt[:, used]
        coef, self.intercept_ = train_consistency_head(
            Xt, (rows, cols), start[used], self.entropy_weight, self.max_iter, self.learning_rate)
        start[used] = coef
        self.coef_ = start
        refined = labels.copy()
        refined[keep] = self._assign(X[keep])
        moved = int((refined != labels).sum())
        emptied = len(set(ids) - set(refined[keep].tolist()))
        note = f"; {emptied} cluster{'s' if emptied != 1 else ''} emptied" if emptied else ""
        log.info("refine: scan moved %s of %s documents (%s neighbour pairs)%s", f"{moved:,}", f"{len(labels):,}",
                 f"{len(rows):,}", note)
        self.labels_ = refined
        return self

    def predict(self, X, labels: np.ndarray) -> np.ndarray:
        """The head's topic for each new row; rows the clustering left as outliers stay ``-1``."""
        check_is_fitted(self, "labels_")
        labels = np.asarray(labels)
        if self.coef_ is None:
            return labels
        return np.where(labels >= 0, self._assign(self._unit_rows(X)), -1)

    def predict_proba(self, X) -> np.ndarray | None:
        """The trained head's probability of each cluster (columns: ``classes_``) for each row;
        None when the labels were kept without training (too few documents per cluster)."""
        check_is_fitted(self, "labels_")
        if self.coef_ is None:
            return None
        return softmax(self._logits(self._unit_rows(X)))

    def _unit_rows(self, X):
        """New rows checked against the fitted head, scaled to unit length."""
        return normalize(validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False))

    def _logits(self, X) -> np.ndarray:
        return np.asarray(X @ self.coef_) + self.intercept_

    def _assign(self, X) -> np.ndarray:
        """The trained head's most likely cluster for each unit-length row."""
        return self.classes_[np.argmax(self._logits(X), axis=1)]


__all__ = ["NeighborConsistency", "lexical_vectors", "nearest_neighbors", "train_consistency_head"]
