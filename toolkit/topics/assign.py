"""How a fitted :class:`~toolkit.topics.model.TopicModel` assigns documents to topics (a mixin it
inherits): topic probabilities, ``transform``, and the seed-word and zero-shot rules of
:mod:`toolkit.topics.guided` applied to new documents as they were in ``fit``."""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import normalize

from toolkit.arrays import softmax
from toolkit.clustering.base import cosine_centroids, nearest_centroid, relabel
from toolkit.clustering.refine import NoRefinement
from toolkit.text.sentences import as_corpus

# Temperature of the centroid-similarity softmax (methods without probabilities of their own):
# cosines to the centres of a clustered space differ by hundredths, and at 0.05 a lead of 0.05
# makes one topic e times as likely as another.
SOFT_TEMPERATURE = 0.05


class TopicAssignment:
    """Topic probabilities and the assignment of new documents."""

    def _check_fitted(self) -> None:
        if not hasattr(self, "labels_"):
            raise RuntimeError("TopicModel: call fit() (or TopicModel.load) first")

    def _topic_ids(self) -> list[int]:
        return [t.id for t in self.topics_ if t.id >= 0]

    # -- seed words and zero-shot names ------------------------------------------------

    def _guide_vectors(self, kind: str) -> np.ndarray:
        """The unit vectors of the seed lists (``seeds``), the zero-shot names (``names``) or the
        news sections (``sections``), embedded once per model and kept in memory."""
        from toolkit.topics.describe import NEWS_SECTIONS
        from toolkit.topics.guided import embed_unit

        cache = self.__dict__.setdefault("_guides", {})
        if kind not in cache:
            texts = {"seeds": [" ".join(words) for words in self.seed_topics or []],
                     "names": list(self.zeroshot_topics or []), "sections": list(NEWS_SECTIONS)}[kind]
            cache[kind] = embed_unit(self.embedder_.embed_texts, texts)
        return cache[kind]

    def _seed_rows(self, X) -> np.ndarray:
        """Each row's seed list, or -1 (all -1 without ``seed_topics``)."""
        from toolkit.topics.guided import seed_assignment

        if not self.seed_topics:
            return np.full(X.shape[0], -1, dtype=np.int64)
        return seed_assignment(X, self._guide_vectors("seeds"))

    def _guide(self, X):
        """``X`` with each row moved toward its seed list (unchanged without ``seed_topics``)."""
        from toolkit.topics.guided import nudge

        if not self.seed_topics:
            return X
        return nudge(X, self._guide_vectors("seeds"), self._seed_rows(X))

    def _zeroshot_rows(self, X) -> np.ndarray:
        """Each row's zero-shot name (index), or -1 (all -1 without ``zeroshot_topics``)."""
        from toolkit.topics.guided import zeroshot_assignment

        if not self.zeroshot_topics:
            return np.full(X.shape[0], -1, dtype=np.int64)
        return zeroshot_assignment(X, self._guide_vectors("names"), self._guide_vectors("sections"),
                                   self.zeroshot_min_similarity, self.zeroshot_min_lead)

    def _zeroshot_topics(self, rows: np.ndarray) -> np.ndarray:
        """Zero-shot name indices -> the topic ids that hold them now (merges followed)."""
        ids = getattr(self, "_zeroshot_map", {}) or {}
        return np.array([ids.get(int(j), -1) if j >= 0 else -1 for j in rows], dtype=np.int64)

    # -- probabilities -------------------------------------------------------------------

    def _scores(self, X) -> np.ndarray:
        ids = self._topic_ids()
        centroids = cosine_centroids(self.embeddings_, self.labels_, ids)
        return np.asarray(normalize(X) @ centroids.T, dtype=np.float64)

    def _clustered_reduced(self) -> np.ndarray:
        """The reduced rows the clusterer was fitted on (the training documents no zero-shot
        name took)."""
        if not self.zeroshot_topics:
            return self.reduced_
        return self.reduced_[self._zeroshot_rows(self.embeddings_) < 0]

    def _predict_clusters(self, Z) -> np.ndarray:
        """Clusters of reduced rows: the clusterer's own ``predict`` where it has one, else the
        most cosine-similar centre of the fitted clusters."""
        if hasattr(self.clusterer_, "predict"):
            return relabel(self.clusterer_.predict(Z), self._cluster_map)
        fitted = relabel(np.asarray(self.clusterer_.labels_), self._cluster_map)
        ids = sorted(set(fitted.tolist()) - {-1})
        found = nearest_centroid(Z, cosine_centroids(self._clustered_reduced(), fitted, ids))
        return np.array([ids[i] if i >= 0 else -1 for i in found], dtype=np.int64)

    def _soft(self, Z, zeroshot: np.ndarray | None = None) -> np.ndarray:
        """Topic probabilities of reduced rows ``Z`` (columns: topics in id order).

        The rule, by what the fitted parts offer: the refine step's trained head (``scan``:
        its softmax); else the clusterer's own posteriors when no refine step changed its
        labels (GMM, LDA, NMF mixtures); else a softmax over the cosine similarity of the row
        to each topic's centroid in the clustered space, at temperature ``SOFT_TEMPERATURE``.
        Merged topics add up their parts' probabilities. A row a zero-shot name took
        (``zeroshot``: its topic id, else -1) has probability 1 for that topic.
        """
        ids = sorted(set(self.labels_.tolist()) - {-1})
        out = self._cluster_probabilities(Z, ids)
        if zeroshot is not None and np.any(zeroshot >= 0):
            column = {c: i for i, c in enumerate(ids)}
            for row in np.flatnonzero(zeroshot >= 0):
                out[row] = 0.0
                out[row, column[int(zeroshot[row])]] = 1.0
        return out

    def _cluster_probabilities(self, Z, ids: list[int]) -> np.ndarray:
        raw, classes = None, None
        head = getattr(self.refiner_, "predict_proba", None)
        if callable(head):
            raw = head(Z)
            classes = getattr(self.refiner_, "classes_", None)
        elif hasattr(self.clusterer_, "predict_proba") and isinstance(self.refiner_, NoRefinement):
            raw = np.asarray(self.clusterer_.predict_proba(Z))
            classes = np.arange(raw.shape[1])
        if raw is not None and classes is not None:
            column = {c: i for i, c in enumerate(ids)}
            out = np.zeros((raw.shape[0], len(ids)))
            for j, c in enumerate(classes):
                final = self._final_map.get(int(c))
                if final is not None and final in column:
                    out[:, column[final]] += raw[:, j]
            totals = out.sum(axis=1, keepdims=True)
            if np.all(totals > 0):
                return out / totals
        centroids = cosine_centroids(self.reduced_, self.labels_, ids)
        return softmax(np.asarray(normalize(Z) @ centroids.T) / SOFT_TEMPERATURE)

    def _training_probabilities(self) -> np.ndarray:
        """The probabilities of the training documents (``probabilities_``)."""
        return self._soft(self.reduced_, self._zeroshot_topics(self._zeroshot_rows(self.embeddings_)))

    # -- new documents -----------------------------------------------------------------

    def similarities(self, documents) -> np.ndarray:
        """Cosine similarity of each new document to each topic's centroid (embedding space,
        columns in topic id order)."""
        self._check_fitted()
        return self._scores(self.embedder_.transform(as_corpus(documents, self.splitter_)))

    def transform(self, documents) -> tuple[np.ndarray, np.ndarray]:
        """Topics of new documents.

        Each document is embedded (with the tuned encoder after adaptation); one a zero-shot
        name fits joins that name's topic; the others are moved toward their seed list (with
        ``seed_topics``), reduced by the fitted reducer, assigned by the clusterer's ``predict``
        (or the nearest cluster centre for methods without one) and by the refine step's rule.

        Returns
        -------
        topics : ndarray of int
            A topic id per document.
        probabilities : ndarray, shape (n_documents, n_topics)
            Each document's probability of each topic (rows sum to 1; columns in topic id
            order, outliers excluded, topics born in a stream last): the rule of :meth:`_soft`.
            ``similarities`` gives the cosines to the topic centroids instead.
        """
        self._check_fitted()
        return self._assign_embedded(self.embedder_.transform(as_corpus(documents, self.splitter_)))

    def _assign_embedded(self, X) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`transform` of embedded rows ``X``; after :meth:`partial_fit`, a row that fits a
        topic born in the stream better goes there (with probability 1)."""
        zeroshot = self._zeroshot_topics(self._zeroshot_rows(X))
        Z = self.reducer_.transform(self._guide(X))
        clusters = self._predict_clusters(Z)
        refined = relabel(np.asarray(self.refiner_.predict(Z, clusters)), self._final_map)
        topics = self._born_override(X, np.where(zeroshot >= 0, zeroshot, refined))
        return topics, self._with_born_columns(topics, self._soft(Z, zeroshot))


__all__ = ["SOFT_TEMPERATURE", "TopicAssignment"]
