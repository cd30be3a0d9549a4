"""``TopicModel``: the object a researcher keeps — fit once, assign topics to new documents.

Built from the toolkit's components (or any scikit-learn reducer and clusterer), in the
spirit of BERTopic's model: documents are split into sentences, embedded, reduced,
clustered, optionally adapted and refined, and each cluster is described as a topic.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.base import BaseEstimator, clone

from toolkit.clustering.base import check_cluster_count, clusters_needed, distinct_texts, label_mapping, relabel
from toolkit.errors import DataError
from toolkit.params import Int, NoneValue, Options, check_parameter
from toolkit.text.corpus import Corpus, Document
from toolkit.text.sentences import as_corpus
from toolkit.timing import StageProgress, Timings, timed
from toolkit.topics.assign import TopicAssignment
from toolkit.topics.describe import topic_table
from toolkit.topics.editing import TopicEditing
from toolkit.topics.guided import GUIDE_CONSTRAINTS, ZEROSHOT_MIN_LEAD, ZEROSHOT_MIN_SIMILARITY
from toolkit.topics.persist import SavedModel
from toolkit.topics.queries import TopicQueries
from toolkit.topics.streaming import TopicStreaming
from toolkit.topics.views import TopicViews

log = logging.getLogger("toolkit")
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


class TopicModel(SavedModel, TopicAssignment, TopicEditing, TopicQueries, TopicStreaming, TopicViews,
                 BaseEstimator):
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
    seed_topics : list of list of str, optional
        Themes to steer toward, each a list of seed words (as BERTopic's ``seed_topic_list``):
        documents near a list move toward it before clustering, and the topic holding most of
        them keeps its seed words among its keywords (:mod:`toolkit.topics.guided`).
    zeroshot_topics : list of str, optional
        Topic names (as BERTopic's ``zeroshot_topic_list``): a document that fits a name joins
        that name's topic, which keeps the name; the other documents are clustered as usual.
        Zero-shot topics take ids 0, 1, ... in the order given, the clusters the ids after them.
    zeroshot_min_similarity : float
        The least cosine similarity of a document to a name for it to join the name's topic.
    zeroshot_min_lead : float
        How much better the name must fit the document than every top-level news section
        unrelated to the name (:data:`~toolkit.topics.describe.NEWS_SECTIONS`).

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

    _parameter_constraints = {"reduce_to": [Int(1), NoneValue()], "merge_by": [Options("centroid", "ctfidf")],
                              **GUIDE_CONSTRAINTS}

    def __init__(self, embedder=None, *, reducer=None, clusterer=None, refiner=None, adapter=None, describer=None,
                 splitter=None, reduce_to: int | None = None, merge_by: str = "centroid",
                 seed_topics: list[list[str]] | None = None, zeroshot_topics: list[str] | None = None,
                 zeroshot_min_similarity: float = ZEROSHOT_MIN_SIMILARITY,
                 zeroshot_min_lead: float = ZEROSHOT_MIN_LEAD) -> None:
        self.embedder = embedder
        self.reducer = reducer
        self.clusterer = clusterer
        self.refiner = refiner
        self.adapter = adapter
        self.describer = describer
        self.splitter = splitter
        self.reduce_to = reduce_to
        self.merge_by = merge_by
        self.seed_topics = seed_topics
        self.zeroshot_topics = zeroshot_topics
        self.zeroshot_min_similarity = zeroshot_min_similarity
        self.zeroshot_min_lead = zeroshot_min_lead

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

    def _fit_labels(self, X, documents: list[Document], timings: dict | None = None,
                    clustered: np.ndarray | None = None) -> np.ndarray:
        """Final labels of the training documents: zero-shot names take the documents they fit;
        the rest are moved toward their seed lists, reduced, clustered, refined and merged down
        to ``reduce_to``; cluster topics are numbered after the zero-shot ones. ``clustered``:
        labels the adapter already clustered (every document; no seeds or names with an adapter)."""
        timings = {} if timings is None else timings
        zeroshot = self._zeroshot_rows(X)
        rest = np.flatnonzero(zeroshot < 0)
        guided = self._guide(X)
        if len(rest) < len(documents):
            documents = [documents[i] for i in rest]
            n_clusters = getattr(self.clusterer_, "n_clusters", None)
            check_cluster_count(n_clusters, len(documents), "the documents no zero-shot topic took",
                                distinct_texts(Corpus(documents), clusters_needed(n_clusters)))
        if clustered is None:
            clustered = self._cluster(guided[rest] if len(rest) < X.shape[0] else guided, timings)
        labels = clustered
        with timed(timings, "refine"):
            labels = self._refine(labels, documents)
        labels = self._reduce_topics(labels, X[rest] if len(rest) < X.shape[0] else X, documents)
        self._zeroshot_map = {}
        if not self.zeroshot_topics:
            return labels
        z = len(self.zeroshot_topics)
        self._final_map = {raw: c + z for raw, c in self._final_map.items()}
        self._zeroshot_map = {j: j for j in range(z) if np.any(zeroshot == j)}
        missing = [name for j, name in enumerate(self.zeroshot_topics) if j not in self._zeroshot_map]
        if missing:
            log.warning("zero-shot topics %s: no document fits them, so they are left out", ", ".join(missing))
        self.reduced_ = self.reducer_.transform(guided)
        full = zeroshot.astype(np.int64).copy()
        full[rest] = np.where(labels >= 0, labels + z, -1)
        log.info("zero-shot topics took %d of %d documents", len(zeroshot) - len(rest), len(zeroshot))
        return full

    def topic_tree(self, by: str | None = None):
        """The tree of the fitted topics: ``(linkage, merges)``, a SciPy linkage matrix over the
        topics in id order (outliers left out) and the merges as a DataFrame
        (:func:`toolkit.topics.hierarchy.merges_table`). ``by``: ``centroid`` or ``ctfidf``
        (default: ``merge_by``)."""
        from toolkit.topics.hierarchy import merges_table, topic_linkage

        self._check_fitted()
        ids = self._topic_ids()
        Z = topic_linkage(self._topic_vectors(ids, by or self.merge_by))
        return Z, merges_table(Z, ids, {t.id: t.name for t in self.topics_})

    def _topic_vectors(self, ids: list[int], by: str):
        """Unit rows of the fitted topics ``ids``: their centroids (``centroid``) or c-TF-IDF rows
        (``ctfidf``) (:func:`toolkit.topics.hierarchy.topic_vectors`)."""
        from toolkit.topics.hierarchy import topic_vectors

        return topic_vectors(self.embeddings_, self.labels_, ids, by, [d.full_text for d in self.documents_],
                             self.describer_.vocabulary())

    def _check_inputs(self, corpus: Corpus) -> None:
        """Before any work: the adapter can adapt this embedder, and the corpus has enough
        distinct documents for the clusters asked for."""
        self.adapter_.check(self.embedder_)
        if self.adapter_.active and (self.seed_topics or self.zeroshot_topics):
            raise DataError("TopicModel: seed_topics and zeroshot_topics cannot be combined with an adapter "
                            "(the adapter fine-tunes the encoder on clusters of every document)")
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
            A progress bar while embedding (on a terminal or in a notebook); a
            :class:`~toolkit.timing.StageProgress` also shows each stage as it runs.
        """
        for name, rules in self._parameter_constraints.items():
            check_parameter(type(self).__name__, name, getattr(self, name), rules)
        self._use_parts(self._parts())
        self.__dict__.pop("_guides", None)  # seed and name vectors of an earlier fit's settings and encoder
        self.stream_ = None  # what partial_fit learned belongs to an earlier fit
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
        self.embedder_ = embedder
        clustered = None
        if self.adapter_.active:
            first = self._cluster(X, timings)
            with timed(timings, "adapt"):
                embedder, X, clustered = self.adapter_.fit_transform(embedder, corpus, X, first, self._cluster)
            self.embedder_ = embedder
        self.labels_ = self._fit_labels(X, list(corpus), timings, clustered)
        if not np.any(self.labels_ >= 0):
            raise DataError(f"TopicModel.fit: {type(self.clusterer_).__name__} found no topic in {len(corpus)} "
                            "documents (every one is an outlier); ask for smaller clusters (hdbscan: "
                            "min_cluster_size) or use a method that places every document")
        self.embeddings_ = X
        self.documents_ = list(corpus)
        self.probabilities_ = self._training_probabilities()
        with timed(timings, "topics"):
            self.topics_ = self._describe_topics(corpus, self.labels_, X)
        self.timings_ = dict(timings)
        self.auto_k_ = getattr(self.clusterer_, "auto_k_", None)
        self.stability_ = None  # a check of an earlier fit does not describe this one
        return self

    def fit_transform(self, documents, embeddings=None, progress: bool = False):
        """:meth:`fit`, then the training documents' ``(topics, probabilities)`` as :meth:`transform` gives them."""
        self.fit(documents, embeddings, progress)
        return self.labels_.copy(), self.probabilities_.copy()

    # -- descriptions ------------------------------------------------------------------

    @property
    def topic_info(self):
        """A DataFrame, one row per topic: topic_id, name, named, size, keywords (comma-separated),
        exemplars (ids), candidate, name_score, name_margin, name_lead, merged_from (the topics merged
        into it after fitting), first_seen and last_seen (its documents' earliest and latest dates,
        or ``batch N``: 0 for training, N for the N-th :meth:`partial_fit`); after
        :meth:`stability`, also each topic's ``stability`` (mean Jaccard overlap with its match in
        the other runs). :meth:`get_topic_info` gives it under BERTopic's column names."""
        self._check_fitted()
        table = topic_table(self.topics_)
        table["merged_from"] = [list(t.merged_from) for t in self.topics_]
        seen = self.stream_.seen if getattr(self, "stream_", None) is not None else self._training_seen()
        table["first_seen"] = [seen.get(int(c), [None, None])[0] for c in table["topic_id"]]
        table["last_seen"] = [seen.get(int(c), [None, None])[1] for c in table["topic_id"]]
        checked = getattr(self, "stability_", None)
        if checked is not None:
            found = {t["topic_id"]: t["stability"] for t in checked.topics}
            table["stability"] = [found.get(int(c)) for c in table["topic_id"]]
        return table

    def _training_seen(self) -> dict:
        """Topic id -> [earliest, latest] date of its training documents (``batch 0`` undated)."""
        from toolkit.topics.stream_state import stamp, widen

        seen: dict = {}
        for c in sorted(set(self.labels_.tolist())):
            widen(seen, int(c), [stamp(d.date, 0) for d, k in zip(self.documents_, self.labels_) if k == c])
        return seen

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
