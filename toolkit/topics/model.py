"""``TopicModel``: the object a researcher keeps — fit once, assign topics to new documents.

Built from the toolkit's components (or any scikit-learn reducer and clusterer), in the
spirit of BERTopic's model: documents are split into sentences, embedded, reduced,
clustered, optionally adapted and refined, and each cluster is described as a topic.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.base import BaseEstimator, clone
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
from toolkit.errors import DataError
from toolkit.params import Int, NoneValue, Options, check_parameter
from toolkit.text.corpus import Corpus, Document
from toolkit.text.sentences import as_corpus
from toolkit.timing import StageProgress, Timings, timed
from toolkit.topics.describe import topic_table
from toolkit.topics.persist import SavedModel

log = logging.getLogger("toolkit")
# Temperature of the centroid-similarity softmax (methods without probabilities of their own):
# cosines to the centres of a clustered space differ by hundredths, and at 0.05 a lead of 0.05
# makes one topic e times as likely as another.
SOFT_TEMPERATURE = 0.05
# A document whose most likely topic has less than this probability is flagged uncertain.
UNCERTAIN_BELOW = 0.5


PARTS = ("embedder", "reducer", "clusterer", "refiner", "adapter", "describer", "splitter")


def default_part(part: str):
    """A new instance of a part's default component."""
    from toolkit.clustering import CenterReducer, KMeansClusterer, NeighborConsistency
    from toolkit.embedding import MiniLMEmbedder, NoAdaptation
    from toolkit.text.sentences import BlingfireSplitter
    from toolkit.topics.describe import TopicDescriber

    return {"embedder": MiniLMEmbedder, "reducer": CenterReducer, "clusterer": KMeansClusterer,
            "refiner": NeighborConsistency, "adapter": NoAdaptation, "describer": TopicDescriber,
            "splitter": BlingfireSplitter}[part]()


class TopicModel(SavedModel, BaseEstimator):
    """Topics of a corpus, and a rule to assign new documents to them.

    A scikit-learn estimator: ``__init__`` stores its arguments as given (``None`` stays
    ``None``); ``fit`` uses a clone of each given part, or the part's default, and keeps the
    fitted ones as ``embedder_``, ``reducer_``, ``clusterer_``, ``refiner_``, ``adapter_``,
    ``describer_`` and ``splitter_``, so ``clone(model)`` and ``get_params`` work.

    Parameters
    ----------
    embedder : Embedder, optional
        Documents -> vectors (default: MiniLM, each text whole when it fits the model's window,
        else the mean of its sentence vectors).
    reducer : transformer, optional
        Any scikit-learn-compatible reducer (default: centring on the corpus mean).
    clusterer : clusterer, optional
        Any scikit-learn-compatible clusterer (default: k-means started from Ward's clusters, so
        it does not move with the seed, with the number of topics found from the data:
        :mod:`toolkit.clustering.k_choice`).
    refiner : Refiner, optional
        Relabels documents after clustering (default: SCAN neighbour consistency over
        semantic and lexical neighbours).
    adapter : Adapter, optional
        Fine-tunes the encoder on the clustering (default: none).
    describer : TopicDescriber, optional
        Keywords, exemplars and names.
    splitter : SentenceSplitter, optional
        Splits plain-string documents into sentences (default: blingfire).
    reduce_to : int or None
        Merge the topics along the topic tree down to this many (None: keep every cluster).
    merge_by : {"centroid", "ctfidf"}
        What the topic tree joins topics by: their embedding centroids or c-TF-IDF rows.

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

    _parameter_constraints = {"reduce_to": [Int(1), NoneValue()], "merge_by": [Options("centroid", "ctfidf")]}

    def __init__(self, embedder=None, *, reducer=None, clusterer=None, refiner=None, adapter=None, describer=None,
                 splitter=None, reduce_to: int | None = None, merge_by: str = "centroid") -> None:
        self.embedder = embedder
        self.reducer = reducer
        self.clusterer = clusterer
        self.refiner = refiner
        self.adapter = adapter
        self.describer = describer
        self.splitter = splitter
        self.reduce_to = reduce_to
        self.merge_by = merge_by

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        def name(part: str) -> str:
            given = getattr(self, f"{part}_", None) or getattr(self, part)
            return type(given).__name__ if given is not None else type(default_part(part)).__name__

        fitted = f", topics={len(self.topics_)}, documents={len(self.labels_)}" if hasattr(self, "labels_") else ""
        return (f"TopicModel(embedder={name('embedder')}, reducer={name('reducer')}, "
                f"clusterer={name('clusterer')}{fitted})")

    def _parts(self) -> dict:
        """Each part to fit: a clone of the one given, or the default (the parameters never change)."""
        return {part: clone(getattr(self, part)) if getattr(self, part) is not None else default_part(part)
                for part in PARTS}

    def _use_parts(self, parts: dict) -> None:
        for part, component in parts.items():
            setattr(self, f"{part}_", component)
    # -- fitting -----------------------------------------------------------------------

    def _cluster(self, X, timings: dict | None = None) -> np.ndarray:
        """Reduce and cluster ``X``; sets ``reduced_`` and returns canonical labels."""
        timings = {} if timings is None else timings
        with timed(timings, "reduce"):
            self.reduced_ = self.reducer_.fit_transform(X)
        with timed(timings, "cluster"):
            self.clusterer_.fit(self.reduced_)
            raw = np.asarray(self.clusterer_.labels_)
            self._cluster_map = label_mapping(raw)
        return relabel(raw, self._cluster_map)

    def _refine(self, labels: np.ndarray, documents: list[Document]) -> np.ndarray:
        """Run the refine step on the clustered space (with the documents' texts, for a refine
        step that reads them); canonical final labels."""
        if getattr(self.refiner_, "reads_texts", False):  # a declared capability
            self.refiner_.fit(self.reduced_, labels, texts=[d.full_text for d in documents])
        else:
            self.refiner_.fit(self.reduced_, labels)
        refined = np.asarray(self.refiner_.labels_)
        self._final_map = label_mapping(refined)
        return relabel(refined, self._final_map)

    def _reduce_topics(self, labels: np.ndarray, X, documents: list[Document]) -> np.ndarray:
        """Merge topics along the topic tree down to ``reduce_to`` (if set and
        fewer than there are); the merge goes into the label map, so ``transform`` follows it."""
        n = self.reduce_to
        ids = sorted(set(labels.tolist()) - {-1})
        if not n or len(ids) <= n:
            return labels
        from toolkit.topics.hierarchy import cut_tree, topic_linkage, topic_vectors

        vectors = topic_vectors(X, labels, ids, self.merge_by, [d.full_text for d in documents],
                                self.describer_.vocabulary())
        group = cut_tree(topic_linkage(vectors), ids, n)
        merged = np.array([group[int(c)] if c >= 0 else -1 for c in labels], dtype=np.int64)
        mapping = label_mapping(merged)
        self._final_map = {raw: mapping[group[c]] for raw, c in self._final_map.items()}
        log.info("topics: %d clusters merged into %d topics (topics.reduce_to, by %s)", len(ids), n, self.merge_by)
        return relabel(merged, mapping)

    def topic_tree(self, by: str | None = None):
        """The tree of the fitted topics: ``(linkage, merges)``, a SciPy linkage matrix over the
        topics in id order (outliers left out) and the merges as a DataFrame
        (:func:`toolkit.topics.hierarchy.merges_table`). ``by``: ``centroid`` or ``ctfidf``
        (default: ``merge_by``)."""
        from toolkit.topics.hierarchy import merges_table, topic_linkage, topic_vectors

        self._check_fitted()
        ids = self._topic_ids()
        by = by or self.merge_by
        Z = topic_linkage(topic_vectors(self.embeddings_, self.labels_, ids, by,
                                        [d.full_text for d in self.documents_], self.describer_.vocabulary()))
        return Z, merges_table(Z, ids, {t.id: t.name for t in self.topics_})

    def _check_inputs(self, corpus: Corpus) -> None:
        """Before any work: the adapter can adapt this embedder, and the corpus has enough
        distinct documents for the clusters asked for."""
        self.adapter_.check(self.embedder_)
        n_clusters = getattr(self.clusterer_, "n_clusters", None)
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
        for name, rules in self._parameter_constraints.items():
            check_parameter(type(self).__name__, name, getattr(self, name), rules)
        self._use_parts(self._parts())
        corpus = as_corpus(documents, self.splitter_)
        if len(corpus) == 0:
            raise DataError("TopicModel.fit: no documents")
        self._check_inputs(corpus)
        timings = Timings(progress if isinstance(progress, StageProgress) else None)
        embedder = self.embedder_
        embedder.progress = bool(progress)
        with timed(timings, "embed"):
            if embeddings is None:
                X = embedder.fit_transform(corpus)
                stats = embedder.cache_stats()
                if stats is not None:
                    log.info("embedding cache: %d texts found, %d embedded (%s)", *stats)
            else:
                if embeddings.shape[0] != len(corpus):
                    raise DataError(f"TopicModel.fit: {embeddings.shape[0]} embeddings for {len(corpus)} documents")
                embedder.fit(corpus)
                X = embeddings
        labels = self._cluster(X, timings)
        if self.adapter_.active:
            with timed(timings, "adapt"):
                embedder, X, labels = self.adapter_.fit_transform(embedder, corpus, X, labels, self._cluster)
        with timed(timings, "refine"):
            self.labels_ = self._refine(labels, list(corpus))
        self.labels_ = self._reduce_topics(self.labels_, X, list(corpus))
        self.probabilities_ = self._soft(self.reduced_)
        with timed(timings, "topics"):
            self.topics_ = self.describer_.fit(corpus, self.labels_, X, embedder.embed_texts).topics_
        self.embedder_ = embedder
        self.embeddings_ = X
        self.documents_ = list(corpus)
        self.timings_ = dict(timings)
        self.auto_k_ = getattr(self.clusterer_, "auto_k_", None)
        self.stability_ = None  # a check of an earlier fit does not describe this one
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
        if hasattr(self.clusterer_, "predict"):
            return relabel(self.clusterer_.predict(Z), self._cluster_map)
        fitted = relabel(np.asarray(self.clusterer_.labels_), self._cluster_map)
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

    def similarities(self, documents) -> np.ndarray:
        """Cosine similarity of each new document to each topic's centroid (embedding space,
        columns in topic id order)."""
        self._check_fitted()
        return self._scores(self.embedder_.transform(as_corpus(documents, self.splitter_)))

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
        corpus = as_corpus(documents, self.splitter_)
        X = self.embedder_.transform(corpus)
        Z = self.reducer_.transform(X)
        clusters = self._predict_clusters(Z)
        refined = relabel(np.asarray(self.refiner_.predict(Z, clusters)), self._final_map)
        return refined, self._soft(Z)

    # -- descriptions ------------------------------------------------------------------

    @property
    def topic_info(self):
        """A DataFrame, one row per topic: topic_id, name, named, size, keywords (comma-separated),
        exemplars (ids), candidate, name_score, name_margin, name_lead; after :meth:`stability`, also
        each topic's ``stability`` (mean Jaccard overlap with its match in the other runs)."""
        self._check_fitted()
        table = topic_table(self.topics_)
        checked = getattr(self, "stability_", None)
        if checked is not None:
            found = {t["topic_id"]: t["stability"] for t in checked.topics}
            table["stability"] = [found.get(int(c)) for c in table["topic_id"]]
        return table

    def stability(self, seeds=(1, 2, 3), *, resample: float | None = None, random_state: int = 0):
        """Refit this configuration once per seed (reusing the embeddings) and measure how much the
        topics move: pairwise ARI/NMI between the runs and, per topic, how often it reappears.

        Returns a :class:`~toolkit.topics.stability.StabilityResult` (``table()`` per topic,
        ``agreement`` for the whole partition); ``resample`` fits each refit on that share of the
        documents instead of all of them.
        """
        from toolkit.topics.stability import refit

        self._check_fitted()
        self.stability_ = refit(self, list(seeds), resample, random_state)
        return self.stability_

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


__all__ = ["TopicModel"]
