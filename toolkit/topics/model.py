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

from toolkit.arrays import softmax
from toolkit.clustering.base import (
    check_cluster_count,
    clusters_needed,
    cosine_centroids,
    distinct_texts,
    label_mapping,
    nearest_centroid,
    relabel,
)
from toolkit.clustering.refine import NoRefinement
from toolkit.errors import DataError, ToolkitError, cut
from toolkit.text.corpus import Corpus, Document
from toolkit.text.sentences import as_corpus
from toolkit.timing import StageProgress, Timings, timed
from toolkit.topics.describe import topic_table

log = logging.getLogger("toolkit")
# Temperature of the centroid-similarity softmax (methods without probabilities of their own):
# cosines to the centres of a clustered space differ by hundredths, and at 0.05 a lead of 0.05
# makes one topic e times as likely as another.
SOFT_TEMPERATURE = 0.05
# A document whose most likely topic has less than this probability is flagged uncertain.
UNCERTAIN_BELOW = 0.5


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

    def _reduce_topics(self, labels: np.ndarray, X, documents: list[Document]) -> np.ndarray:
        """Merge topics along the topic tree down to the describer's ``reduce_to`` (if set and
        fewer than there are); the merge goes into the label map, so ``transform`` follows it."""
        n = getattr(self.describer, "reduce_to", None)
        ids = sorted(set(labels.tolist()) - {-1})
        if not n or len(ids) <= n:
            return labels
        from toolkit.topics.hierarchy import cut_tree, topic_linkage, topic_vectors

        vectors = topic_vectors(X, labels, ids, self.describer.merge_by, [d.full_text for d in documents],
                                self.describer.stop_word_list())
        group = cut_tree(topic_linkage(vectors), ids, n)
        merged = np.array([group[int(c)] if c >= 0 else -1 for c in labels], dtype=np.int64)
        mapping = label_mapping(merged)
        self._final_map = {raw: mapping[group[c]] for raw, c in self._final_map.items()}
        log.info("topics: %d clusters merged into %d topics (topics.reduce_to, by %s)", len(ids), n,
                 self.describer.merge_by)
        return relabel(merged, mapping)

    def topic_tree(self, by: str | None = None):
        """The tree of the fitted topics: ``(linkage, merges)``, a SciPy linkage matrix over the
        topics in id order (outliers left out) and the merges as a DataFrame
        (:func:`toolkit.topics.hierarchy.merges_table`). ``by``: ``centroid`` or ``ctfidf``
        (default: the describer's ``merge_by``)."""
        from toolkit.topics.hierarchy import merges_table, topic_linkage, topic_vectors

        self._check_fitted()
        ids = self._topic_ids()
        by = by or getattr(self.describer, "merge_by", "centroid")
        Z = topic_linkage(topic_vectors(self.embeddings_, self.labels_, ids, by,
                                        [d.full_text for d in self.documents_], self.describer.stop_word_list()))
        return Z, merges_table(Z, ids, {t.id: t.name for t in self.topics_})

    def _check_inputs(self, corpus: Corpus) -> None:
        """Before any work: the adapter can adapt this embedder, and the corpus has enough
        distinct documents for the clusters asked for."""
        self.adapter.check(self.embedder)
        n_clusters = getattr(self.clusterer, "n_clusters", None)
        check_cluster_count(n_clusters, len(corpus), corpus.name or "the corpus",
                            distinct_texts(corpus, clusters_needed(n_clusters)))

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
        self._check_inputs(corpus)
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
        self.labels_ = self._reduce_topics(self.labels_, X, list(corpus))
        self.probabilities_ = self._soft(self.reduced_)
        with timed(timings, "topics"):
            self.topics_ = self.describer.fit(corpus, self.labels_, X, embedder.embed_texts).topics_
        self.embedder_ = embedder
        self.embeddings_ = X
        self.documents_ = list(corpus)
        self.timings_ = dict(timings)
        self.auto_k_ = getattr(self.clusterer, "auto_k_", None)
        return self

    def fit_transform(self, documents, embeddings=None, progress: bool = False):
        """:meth:`fit`, then the training documents' ``(topics, probabilities)`` as :meth:`transform` gives them."""
        self.fit(documents, embeddings, progress)
        return self.labels_.copy(), self.probabilities_.copy()

    # -- new documents -----------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "labels_"):
            raise RuntimeError("TopicModel: call fit() (or TopicModel.load) first")

    def _topic_ids(self) -> list[int]:
        return [t.id for t in self.topics_ if t.id >= 0]

    def _scores(self, X) -> np.ndarray:
        ids = self._topic_ids()
        centroids = cosine_centroids(self.embeddings_, self.labels_, ids)
        return np.asarray(normalize(X) @ centroids.T, dtype=np.float64)

    def _predict_clusters(self, Z) -> np.ndarray:
        """Clusters of reduced rows: the clusterer's own ``predict`` where it has one, else the
        most cosine-similar centre of the fitted clusters."""
        if hasattr(self.clusterer, "predict"):
            return relabel(self.clusterer.predict(Z), self._cluster_map)
        fitted = relabel(np.asarray(self.clusterer.labels_), self._cluster_map)
        ids = sorted(set(fitted.tolist()) - {-1})
        found = nearest_centroid(Z, cosine_centroids(self.reduced_, fitted, ids))
        return np.array([ids[i] if i >= 0 else -1 for i in found], dtype=np.int64)

    def _soft(self, Z) -> np.ndarray:
        """Topic probabilities of reduced rows ``Z`` (columns: topics in id order).

        The rule, by what the fitted parts offer: the refine step's trained head (``scan``:
        its softmax); else the clusterer's own posteriors when no refine step changed its
        labels (GMM, LDA, NMF mixtures); else a softmax over the cosine similarity of the row
        to each topic's centroid in the clustered space, at temperature ``SOFT_TEMPERATURE``.
        Merged topics (``reduce_to``) add up their parts' probabilities.
        """
        ids = sorted(set(self.labels_.tolist()) - {-1})
        raw, classes = None, None
        head = getattr(self.refiner, "predict_proba", None)
        if callable(head):
            raw = head(Z)
            classes = getattr(self.refiner, "classes_", None)
        elif hasattr(self.clusterer, "predict_proba") and isinstance(self.refiner, NoRefinement):
            raw = np.asarray(self.clusterer.predict_proba(Z))
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

    def similarities(self, documents) -> np.ndarray:
        """Cosine similarity of each new document to each topic's centroid (embedding space,
        columns in topic id order)."""
        self._check_fitted()
        return self._scores(self.embedder_.transform(as_corpus(documents, self.splitter)))

    def transform(self, documents) -> tuple[np.ndarray, np.ndarray]:
        """Topics of new documents.

        Each document is embedded (with the tuned encoder after adaptation), reduced by the
        fitted reducer, assigned by the clusterer's ``predict`` (or the nearest cluster centre
        for methods without one) and by the refine step's rule, if any.

        Returns
        -------
        topics : ndarray of int
            A topic id per document.
        probabilities : ndarray, shape (n_documents, n_topics)
            Each document's probability of each topic (rows sum to 1; columns in topic id
            order, outliers excluded): the rule of :meth:`_soft`. ``similarities`` gives
            the cosines to the topic centroids instead.
        """
        self._check_fitted()
        corpus = as_corpus(documents, self.splitter)
        X = self.embedder_.transform(corpus)
        Z = self.reducer.transform(X)
        clusters = self._predict_clusters(Z)
        refined = relabel(np.asarray(self.refiner.predict(Z, clusters)), self._final_map)
        return refined, self._soft(Z)

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
        from toolkit.topics.store import write_model_files

        self._check_fitted()
        write_model_files(self, path)

    @classmethod
    def load(cls, path) -> TopicModel:
        """A model written by :meth:`save`, restored from its fitted state without fitting
        anything again (``refit_agreement_`` is None), so :meth:`transform` gives exactly what
        it gave before saving; a model whose state is not plain data (UMAP) is fitted again.
        The folder is read as untrusted data: only the toolkit's own component classes and
        scikit-learn estimators are built from it, and no code from it ever runs
        (:mod:`toolkit.topics.store`)."""
        from toolkit.topics.state import StateReader
        from toolkit.topics.store import fitted_embedder, read_model_files

        stored = read_model_files(path)
        model = cls(**stored.components)
        embedder = fitted_embedder(stored, model.embedder)
        if stored.fitted_state is not None:
            try:
                model._restore_state(stored, embedder, StateReader(stored.state_arrays, stored.where))
                return model
            except (TypeError, ValueError, KeyError, IndexError, AttributeError) as err:  # a tampered state
                raise DataError(f"{stored.where}: the fitted state cannot be used ({type(err).__name__}: "
                                f"{cut(str(err), 140)})") from None
        log.info("TopicModel.load: %s holds no fitted state of its components; fitting them again", stored.folder)
        try:
            model._restore(stored.documents, stored.embeddings, stored.labels, stored.topics, embedder)
        except (ToolkitError, ValueError) as err:  # stored parameters that pass construction but not fit
            raise DataError(f"{stored.where}: the stored components cannot be fitted again "
                            f"({cut(str(err), 160)})") from None
        return model

    def _restore_state(self, stored, embedder, reader) -> None:
        """Fitted state from a model folder (:meth:`load`): each part's stored attributes set
        as they were after ``fit``, nothing fitted again."""
        from toolkit.topics.store import FITTED_PARTS

        for part in FITTED_PARTS:
            reader.restore(getattr(self, part), stored.fitted_state[part])
        reader.restore(self, stored.fitted_state["model"])
        n = len(stored.labels)
        if np.shape(self.reduced_)[0] != n or not all(isinstance(m, dict) for m in (self._cluster_map,
                                                                                    self._final_map)):
            raise ValueError("the reduced embeddings or label maps do not fit the stored documents")
        self.labels_ = stored.labels
        self.topics_ = stored.topics
        self.documents_ = stored.documents
        self.embeddings_ = stored.embeddings
        self.embedder_ = embedder
        self.probabilities_ = self._soft(self.reduced_)
        self.timings_ = {}
        self.auto_k_ = getattr(self.clusterer, "auto_k_", None)
        self.refit_agreement_ = None  # nothing was fitted again

    def _restore(self, documents: list[Document], X, labels: np.ndarray, topics: list, embedder) -> None:
        """Fitted state from stored data (used by :mod:`toolkit.topics.store`): refits the
        reducer, clusterer and refine step on the stored embeddings, with their stored seeds."""
        refit = self._reduce_topics(self._refine(self._cluster(X), documents), X, documents)
        agree = float(np.mean(refit == labels)) if len(labels) else 1.0
        if agree < 1.0:
            log.warning("TopicModel.load: refitting gave the stored labels on %.1f%% of the documents; "
                        "the stored labels are kept", 100 * agree)
        self.refit_agreement_ = agree
        self.labels_ = np.asarray(labels)
        self.topics_ = topics
        self.probabilities_ = self._soft(self.reduced_)
        self.documents_ = documents
        self.embeddings_ = X
        self.embedder_ = embedder
        self.timings_ = {}
        self.auto_k_ = getattr(self.clusterer, "auto_k_", None)


__all__ = ["TopicModel"]
