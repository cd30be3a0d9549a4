"""``TopicModel``: the object a researcher keeps — fit once, assign topics to new documents.

Built from the toolkit's components (or any scikit-learn reducer and clusterer), in the
spirit of BERTopic's model: documents are split into sentences, embedded, reduced,
clustered, optionally adapted and refined, and each cluster is described as a topic.
"""

from __future__ import annotations

import inspect
import logging

import numpy as np
from sklearn.preprocessing import normalize

from toolkit.arrays import to_dense
from toolkit.clustering.base import cosine_centroids, label_mapping, nearest_centroid, relabel
from toolkit.errors import DataError
from toolkit.text.corpus import Corpus, Document
from toolkit.text.sentences import as_corpus
from toolkit.timing import StageProgress, Timings, timed
from toolkit.topics.describe import topic_table

log = logging.getLogger("toolkit")


class TopicModel:
    """Topics of a corpus, and a rule to assign new documents to them.

    Parameters
    ----------
    embedder : Embedder, optional
        Documents -> vectors (default: MiniLM, each text whole when it fits the model's window,
        else the mean of its sentence vectors).
    reducer : transformer, optional
        Any scikit-learn-compatible reducer (default: centring on the corpus mean).
    clusterer : clusterer, optional
        Any scikit-learn-compatible clusterer (default: k-means, k = 3).
    refiner : Refiner, optional
        Relabels documents after clustering (default: SCAN neighbour consistency over
        semantic and lexical neighbours).
    adapter : Adapter, optional
        Fine-tunes the encoder on the clustering (default: none).
    describer : TopicDescriber, optional
        Keywords, exemplars and names.
    splitter : SentenceSplitter, optional
        Splits plain-string documents into sentences (default: blingfire).

    Attributes
    ----------
    labels_ : ndarray of int
        Each training document's topic (-1: outlier).
    topics_ : list of Topic
    documents_ : list of Document
        The training documents, with sentences.
    embeddings_ : array or sparse matrix
        Their vectors (after adaptation, if any); ``reduced_`` is what was clustered.
    embedder_ : Embedder
        The encoder in use (the tuned one after adaptation).
    timings_ : dict
        Seconds per stage of ``fit``.
    """

    def __init__(self, embedder=None, reducer=None, clusterer=None, refiner=None, adapter=None, describer=None,
                 splitter=None) -> None:
        from toolkit.clustering import CenterReducer, KMeansClusterer, NeighbourConsistency
        from toolkit.embedding import MiniLMEmbedder, NoAdaptation
        from toolkit.text.sentences import BlingfireSplitter
        from toolkit.topics.describe import TopicDescriber

        self.embedder = embedder if embedder is not None else MiniLMEmbedder()
        self.reducer = reducer if reducer is not None else CenterReducer()
        self.clusterer = clusterer if clusterer is not None else KMeansClusterer()
        self.refiner = refiner if refiner is not None else NeighbourConsistency()
        self.adapter = adapter if adapter is not None else NoAdaptation()
        self.describer = describer if describer is not None else TopicDescriber()
        self.splitter = splitter if splitter is not None else BlingfireSplitter()

    def __repr__(self) -> str:
        fitted = f", topics={len(self.topics_)}, documents={len(self.labels_)}" if hasattr(self, "labels_") else ""
        return (f"TopicModel(embedder={type(self.embedder).__name__}, reducer={type(self.reducer).__name__}, "
                f"clusterer={type(self.clusterer).__name__}{fitted})")

    # -- fitting -----------------------------------------------------------------------

    def _cluster(self, X, timings: dict | None = None) -> np.ndarray:
        """Reduce and cluster ``X``; sets ``reduced_`` and returns canonical labels."""
        timings = {} if timings is None else timings
        with timed(timings, "reduce"):
            self.reduced_ = self.reducer.fit_transform(X)
        with timed(timings, "cluster"):
            self.clusterer.fit(self.reduced_)
            raw = np.asarray(self.clusterer.labels_)
            self._cluster_map = label_mapping(raw)
        return relabel(raw, self._cluster_map)

    def _refine(self, labels: np.ndarray, documents: list[Document]) -> np.ndarray:
        """Run the refine step on the clustered space (with the documents' texts, for a refine
        step that reads them); canonical final labels."""
        if "texts" in inspect.signature(self.refiner.fit).parameters:
            self.refiner.fit(self.reduced_, labels, texts=[d.full_text for d in documents])
        else:
            self.refiner.fit(self.reduced_, labels)
        refined = np.asarray(self.refiner.labels_)
        self._final_map = label_mapping(refined)
        return relabel(refined, self._final_map)

    def fit(self, documents, embeddings=None, progress: bool = False) -> TopicModel:
        """Fit topics on ``documents`` (strings, Documents or a Corpus).

        Parameters
        ----------
        documents : list of str, list of Document or Corpus
        embeddings : array, optional
            Precomputed document vectors (one row per document) instead of the embedder's;
            the embedder is still used for new documents and topic names.
        progress : bool or StageProgress
            A progress bar while embedding (on a terminal); a
            :class:`~toolkit.timing.StageProgress` also shows each stage as it runs.
        """
        corpus = as_corpus(documents, self.splitter)
        if len(corpus) == 0:
            raise DataError("TopicModel.fit: no documents")
        timings = Timings(progress if isinstance(progress, StageProgress) else None)
        self.embedder.progress = bool(progress)
        with timed(timings, "embed"):
            if embeddings is None:
                X = self.embedder.fit_transform(corpus)
                stats = self.embedder.cache_stats()
                if stats is not None:
                    log.info("embedding cache: %d texts found, %d embedded (%s)", *stats)
            else:
                if embeddings.shape[0] != len(corpus):
                    raise DataError(f"TopicModel.fit: {embeddings.shape[0]} embeddings for {len(corpus)} documents")
                self.embedder.fit(corpus)
                X = embeddings
        embedder = self.embedder
        labels = self._cluster(X, timings)
        if self.adapter.active:
            with timed(timings, "adapt"):
                embedder, X, labels = self.adapter.fit_transform(embedder, corpus, X, labels, self._cluster)
        with timed(timings, "refine"):
            self.labels_ = self._refine(labels, list(corpus))
        with timed(timings, "topics"):
            self.topics_ = self.describer.fit(corpus, self.labels_, X, embedder.embed_texts).topics_
        self.embedder_ = embedder
        self.embeddings_ = X
        self.documents_ = list(corpus)
        self.timings_ = dict(timings)
        self.auto_k_ = getattr(self.clusterer, "auto_k_", None)
        return self

    def fit_transform(self, documents, embeddings=None, progress: bool = False):
        """:meth:`fit`, then the training documents' ``(topics, scores)`` as :meth:`transform` gives them."""
        self.fit(documents, embeddings, progress)
        return self.labels_.copy(), self._scores(self.embeddings_)

    # -- new documents -----------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "labels_"):
            raise RuntimeError("TopicModel: call fit() (or TopicModel.load) first")

    def _topic_ids(self) -> list[int]:
        return [t.id for t in self.topics_ if t.id >= 0]

    def _scores(self, X) -> np.ndarray:
        ids = self._topic_ids()
        centroids = cosine_centroids(self.embeddings_, self.labels_, ids)
        return np.asarray(normalize(to_dense(X)) @ centroids.T, dtype=np.float64)

    def _predict_clusters(self, Z) -> np.ndarray:
        """Clusters of reduced rows: the clusterer's own ``predict`` where it has one, else the
        most cosine-similar centre of the fitted clusters."""
        if hasattr(self.clusterer, "predict"):
            return relabel(self.clusterer.predict(Z), self._cluster_map)
        fitted = relabel(np.asarray(self.clusterer.labels_), self._cluster_map)
        ids = sorted(set(fitted.tolist()) - {-1})
        found = nearest_centroid(Z, cosine_centroids(self.reduced_, fitted, ids))
        return np.array([ids[i] if i >= 0 else -1 for i in found], dtype=np.int64)

    def transform(self, documents) -> tuple[np.ndarray, np.ndarray]:
        """Topics of new documents.

        Each document is embedded (with the tuned encoder after adaptation), reduced by the
        fitted reducer, assigned by the clusterer's ``predict`` (or the nearest cluster centre
        for methods without one) and by the refine step's rule, if any.

        Returns
        -------
        topics : ndarray of int
            A topic id per document.
        scores : ndarray, shape (n_documents, n_topics)
            Cosine similarity of each document to each topic's centroid (columns in topic
            id order, outliers excluded).
        """
        self._check_fitted()
        corpus = as_corpus(documents, self.splitter)
        X = self.embedder_.transform(corpus)
        Z = self.reducer.transform(X)
        clusters = self._predict_clusters(Z)
        refined = np.asarray(self.refiner.predict(Z, clusters))
        return relabel(refined, self._final_map), self._scores(X)

    # -- descriptions ------------------------------------------------------------------

    @property
    def topic_info(self):
        """A DataFrame, one row per topic: topic_id, name, named, size, keywords (comma-separated),
        exemplars (ids), candidate, name_score."""
        self._check_fitted()
        return topic_table(self.topics_)

    def summarize_topics(self, summarizer=None, encode=None):
        """Each topic's extractive summary from its documents' distinct sentences.

        Parameters
        ----------
        summarizer : Summarizer, optional
            Default: TextRank (word overlap), 3 sentences.
        encode : callable, optional
            Sentences -> vectors; default: the summariser's representation fitted on the
            training documents (MiniLM through this model's encoder).
        """
        from toolkit.summarization import TextRankSummarizer, sentence_encoder

        self._check_fitted()
        summarizer = summarizer if summarizer is not None else TextRankSummarizer(sentences=3)
        if encode is None:
            encode = sentence_encoder(summarizer.representation, Corpus(self.documents_), self.embedder_)
        return summarizer.summarize_topics(self.topics_, self.documents_, encode)

    # -- files ---------------------------------------------------------------------------

    def save(self, path) -> None:
        """Write the fitted model to the folder ``path`` as data files only (JSON, ``.npz``,
        safetensors for a tuned encoder); see :mod:`toolkit.topics.store`."""
        from toolkit.topics.store import save_model

        self._check_fitted()
        save_model(self, path)

    @classmethod
    def load(cls, path) -> TopicModel:
        """A model written by :meth:`save`. Loading reads data only and never executes code
        from the folder; the fitted state is rebuilt from the stored embeddings."""
        from toolkit.topics.store import load_model

        return load_model(path)

    def _restore(self, documents: list[Document], X, labels: np.ndarray, topics: list, embedder) -> None:
        """Fitted state from stored data (used by :mod:`toolkit.topics.store`): refits the
        reducer, clusterer and refine step on the stored embeddings, with their stored seeds."""
        refit = self._refine(self._cluster(X), documents)
        agree = float(np.mean(refit == labels)) if len(labels) else 1.0
        if agree < 1.0:
            log.warning("TopicModel.load: refitting gave the stored labels on %.1f%% of the documents; "
                        "the stored labels are kept", 100 * agree)
        self.refit_agreement_ = agree
        self.labels_ = np.asarray(labels)
        self.topics_ = topics
        self.documents_ = documents
        self.embeddings_ = X
        self.embedder_ = embedder
        self.timings_ = {}
        self.auto_k_ = getattr(self.clusterer, "auto_k_", None)


__all__ = ["TopicModel"]
