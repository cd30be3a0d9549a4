"""The classic topic models as clusterers: LDA and NMF (scikit-learn), each document's hard
topic the argmax of its topic mixture.

Both read term counts or weights, not embeddings: ``cluster.method: lda`` wants
``embedding: {model: counts}`` (LDA's generative story is about word counts) and
``nmf`` wants ``embedding: {model: tfidf}`` (NMF on TF-IDF is the usual recipe); the
experiment file is checked for non-negative input before any work.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF, LatentDirichletAllocation

from toolkit.clustering.base import K_PARAMETERS, Clusterer, relabel
from toolkit.clustering.methods import CLUSTERERS
from toolkit.params import SEED, Int, NoneValue, Number


class _MixtureClusterer(Clusterer):
    """A topic model whose documents' mixtures give hard labels (argmax) and soft ones."""

    accept_sparse = True
    nonnegative_input = True  # the experiment file is checked for an embedding that gives it

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    def _check_nonnegative(self, X) -> None:
        low = X.data.min() if sp.issparse(X) and X.nnz else (np.min(X) if not sp.issparse(X) and X.size else 0)
        if low < 0:  # scikit-learn's wording first, so its estimator checks recognise the refusal
            raise ValueError(f"Negative values in data passed to {type(self).__name__} (a value of {low:.3g}): "
                             "it models term counts or TF-IDF weights; use embedding: {model: counts} or "
                             "{model: tfidf}, and reduce: {method: none}")

    def _mixture(self, model, X) -> np.ndarray:
        raise NotImplementedError

    def _fit_k(self, X, k: int):
        self._check_nonnegative(X)
        model = self._make(k).fit(X)
        self.n_iter_ = int(model.n_iter_)
        return self._mixture(model, X).argmax(axis=1), model

    def predict(self, X) -> np.ndarray:
        """Each new row's most likely topic (the argmax of its mixture)."""
        rows = self._new_rows(X)
        return relabel(self._mixture(self._model, rows).argmax(axis=1), self._mapping)

    def predict_proba(self, X) -> np.ndarray:
        """Each row's topic mixture, rows summing to 1 (columns in canonical label order)."""
        rows = self._new_rows(X)
        mixture = self._mixture(self._model, rows)
        return mixture[:, sorted(self._mapping, key=self._mapping.get)]


@CLUSTERERS.register("lda")
class LDAClusterer(_MixtureClusterer):
    """Latent Dirichlet allocation (scikit-learn, batch variational Bayes) on term counts.

    Parameters
    ----------
    n_clusters, k_range, k_criterion
        As for :class:`~toolkit.clustering.methods.KMeansClusterer` (here: topics).
    max_iter : int
        Passes over the corpus.
    doc_topic_prior, topic_word_prior : float or None
        Dirichlet priors (None: 1 / n_clusters, scikit-learn's default).
    random_state : int
        Seed of the initialisation (a run sets it from the experiment's seed).
    """

    _parameter_constraints = {**K_PARAMETERS, "max_iter": [Int(1)],
                              "doc_topic_prior": [Number(0, None, closed="neither"), NoneValue()],
                              "topic_word_prior": [Number(0, None, closed="neither"), NoneValue()],
                              "random_state": SEED}

    def __init__(self, n_clusters: int | str = 3, *, k_range: tuple[int, int] = (2, 12),
                 k_criterion: str = "communities", max_iter: int = 20, doc_topic_prior: float | None = None,
                 topic_word_prior: float | None = None, random_state: int = 0) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.k_criterion = k_criterion
        self.max_iter = max_iter
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.random_state = random_state

    def _make(self, k: int):
        return LatentDirichletAllocation(k, doc_topic_prior=self.doc_topic_prior,
                                         topic_word_prior=self.topic_word_prior, learning_method="batch",
                                         max_iter=self.max_iter, random_state=self.random_state)

    def _mixture(self, model, X) -> np.ndarray:
        return model.transform(X)  # already normalised: each row sums to 1


@CLUSTERERS.register("nmf")
class NMFClusterer(_MixtureClusterer):
    """Non-negative matrix factorisation (scikit-learn) of TF-IDF: documents ≈ W · H, a
    document's topic mixture its row of W scaled to sum 1.

    Parameters
    ----------
    n_clusters, k_range, k_criterion
        As for :class:`~toolkit.clustering.methods.KMeansClusterer` (here: topics).
    max_iter : int
        Iterations of the solver.
    random_state : int
        Seed of the initialisation (NNDSVDa, scikit-learn's choice when there are at least as
        many documents and terms as topics; random otherwise).
    """

    _parameter_constraints = {**K_PARAMETERS, "max_iter": [Int(1)], "random_state": SEED}

    def __init__(self, n_clusters: int | str = 3, *, k_range: tuple[int, int] = (2, 12),
                 k_criterion: str = "communities", max_iter: int = 400, random_state: int = 0) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.k_criterion = k_criterion
        self.max_iter = max_iter
        self.random_state = random_state

    def _make(self, k: int):
        return NMF(k, init=None, max_iter=self.max_iter, random_state=self.random_state)

    def _mixture(self, model, X) -> np.ndarray:
        W = model.transform(X)
        totals = W.sum(axis=1, keepdims=True)
        # a document with no weight on any topic (no known word) gets an even mixture
        return np.divide(W, totals, out=np.full_like(W, 1.0 / W.shape[1]), where=totals > 0)


__all__ = ["LDAClusterer", "NMFClusterer"]
