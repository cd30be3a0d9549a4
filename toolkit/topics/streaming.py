"""Feeding a fitted :class:`~toolkit.topics.model.TopicModel` a stream of batches
(``partial_fit``, BERTopic's name), a mixin it inherits; the state it keeps is
:class:`~toolkit.topics.stream_state.StreamState`.

Each batch is embedded and assigned by the model's own rule (``transform``), or to a topic born
earlier in the stream when that fits it clearly better (:meth:`TopicStreaming._born_override`). A
document is novel when its cosine to its topic's centroid is below the novelty threshold
(calibrated on the training documents); a novel document waits in a bounded pool and changes no
topic's centroid or keywords; when the pool holds a group as tight as a typical training topic
and at least ``min_topic_size`` strong, the group becomes a new topic with the next free id. Existing ids are
never renumbered or reused, and the training documents keep their topics. Centroids and c-TF-IDF
counts take each batch in (``decay`` below 1 fades the old), and the keywords of every topic that
received documents are ranked again.
"""

from __future__ import annotations

import copy
import datetime
import logging

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from toolkit.arrays import to_dense
from toolkit.errors import DataError, ParameterError
from toolkit.params import Component, DateValue, Int, NoneValue, Number, Options, Text
from toolkit.text.corpus import Corpus, Document
from toolkit.text.sentences import as_corpus
from toolkit.topics import stream_state as st

log = logging.getLogger("toolkit")


class StreamSettings(Component):
    """An experiment's ``stream`` section: fit on the documents dated before ``until``, then feed
    the later ones to a copy of the fitted model in calendar batches (``toolkit update``'s work,
    written into the run folder's ``stream/``).

    Parameters
    ----------
    until : str or datetime.date
        An ISO date (``2019-01-01``; YAML reads it unquoted as a date): documents before it are
        fitted, the others streamed.
    by : {"day", "week", "month", "quarter", "year"}
        The batches.
    decay : float in (0, 1]
        See :meth:`TopicStreaming.partial_fit`.
    min_topic_size : int or None
        See :meth:`TopicStreaming.partial_fit`.
    """

    _parameter_constraints = {"until": [Text(), DateValue()],
                              "by": [Options("day", "week", "month", "quarter", "year")],
                              "decay": [Number(0, 1, closed="right")], "min_topic_size": [Int(2), NoneValue()]}

    def __init__(self, until: str | datetime.date, *, by: str = "month", decay: float = 1.0,
                 min_topic_size: int | None = None) -> None:
        self.until = until
        self.by = by
        self.decay = decay
        self.min_topic_size = min_topic_size

    def _start(self) -> str:
        return self.until.isoformat() if isinstance(self.until, datetime.date) else self.until

    def _check_params(self) -> None:
        try:
            datetime.date.fromisoformat(self._start())
        except ValueError:
            raise ParameterError("until", "must be an ISO date such as 2019-01-01", self.until,
                                 type(self).__name__) from None

    def split(self, documents: list) -> tuple[list, list]:
        """The documents to fit (dated before ``until``) and to stream (the others)."""
        self.validate_params()
        undated = sum(1 for d in documents if not d.date)
        if undated:
            raise DataError(f"stream.until: {undated} of {len(documents)} documents have no date "
                            "(give dataset.date)")
        start = self._start()
        before = [d for d in documents if d.date < start]
        after = [d for d in documents if d.date >= start]
        if not before or not after:
            raise DataError(f"stream.until {start}: {len(before)} documents before it and {len(after)} "
                            "from it on; both parts need documents")
        return before, after


class TopicStreaming:
    """``partial_fit`` and what a stream adds to ``transform`` and ``topic_info``."""

    def _stream_state(self) -> st.StreamState:
        """The model's stream state, started from the training documents on first use."""
        state = getattr(self, "stream_", None)
        if state is not None:
            return state
        ids = self._topic_ids()
        U = normalize(self.embeddings_)  # sparse (TF-IDF) rows stay sparse
        novelty, cohesion, min_size = st.calibrate(U, self.labels_, ids)
        counts, terms = self.describer_.vocabulary().counts([d.full_text for d in self.documents_])
        state = st.StreamState(ids=list(ids), sums=np.zeros((len(ids), U.shape[1])), sizes=np.zeros(len(ids)),
                               terms=[], counts=sp.csr_matrix((len(ids), 0)), novelty=novelty, cohesion=cohesion,
                               min_topic_size=min_size)
        st.add_vectors(state, U, self.labels_, 1.0)
        st.add_terms(state, counts, list(terms), self.labels_, 1.0)
        state.seen = self._training_seen()
        self.stream_ = state
        return state

    def _born_override(self, X, topics: np.ndarray) -> np.ndarray:
        """``topics`` with a row moved to the nearest topic born in the stream when it is not
        novel to that topic and either is novel to its own topic and nearer the born one, or is
        nearer the born one by :data:`~toolkit.topics.stream_state.MOVE_MARGIN`."""
        state = getattr(self, "stream_", None)
        if state is None or not state.born or len(topics) == 0:
            return topics
        U = normalize(np.asarray(to_dense(X), dtype=np.float64))
        sims = U @ state.centroids().T
        born = [state.row(c) for c in state.born]
        own = st.own_similarity(state, U, topics)
        best = np.argmax(sims[:, born], axis=1)
        best_sim = sims[np.arange(len(topics)), np.array(born)[best]]
        novel = own < state.novelty
        moved = (best_sim >= state.novelty) & ((novel & (best_sim > own)) | (best_sim > own + st.MOVE_MARGIN))
        out = topics.copy()
        out[moved] = np.array(list(state.born))[best[moved]]
        return out

    def _with_born_columns(self, topics: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        """Probabilities with a column per born topic: a row moved to one has probability 1 there."""
        state = getattr(self, "stream_", None)
        if state is None or not state.born:
            return probabilities
        born = list(state.born)
        out = np.hstack([probabilities, np.zeros((len(topics), len(born)))])
        for j, c in enumerate(born):
            rows = topics == c
            out[rows] = 0.0
            out[rows, probabilities.shape[1] + j] = 1.0
        return out

    def partial_fit(self, documents, decay: float = 1.0, min_topic_size: int | None = None):
        """Update the fitted model with a batch of new documents (see the module's description).

        Parameters
        ----------
        documents : list of str, list of Document or Corpus
            The batch (dated documents stamp ``first_seen``/``last_seen`` with their dates).
        decay : float in (0, 1]
            Old centroid sums and term counts are multiplied by this before the batch is added
            (1: no fading).
        min_topic_size : int, optional
            Novel documents a new topic needs (default: 0.5% of the training documents, at
            least 10); kept for later batches.

        Returns
        -------
        self
            With ``stream_`` updated and ``batch_topics_`` the batch's topics.
        """
        self._check_fitted()
        if not 0 < decay <= 1:
            raise DataError(f"partial_fit: decay must be in (0, 1], got {decay!r}")
        wrong = next((d for d in ([] if isinstance(documents, str | Corpus | Document) else documents)
                      if not isinstance(d, str | Document)), None)
        if wrong is not None:
            raise DataError(f"partial_fit: a batch holds texts (str) or Documents, not {type(wrong).__name__}")
        corpus = as_corpus(documents, self.splitter_)
        if not any(d.full_text.strip() for d in corpus):
            raise DataError("partial_fit: the batch holds no documents with text")
        state = self._stream_state()
        if min_topic_size is not None:
            if int(min_topic_size) < 2:
                raise DataError(f"partial_fit: min_topic_size must be at least 2, got {min_topic_size!r}")
            state.min_topic_size = int(min_topic_size)
        state.batches += 1
        X = self.embedder_.transform(corpus)
        topics, _ = self._assign_embedded(X)
        U = normalize(np.asarray(to_dense(X), dtype=np.float64))
        topics, counted = self._adopt_novel(state, corpus, U, topics)
        st.add_vectors(state, U[counted], topics[counted], decay)
        self._add_texts(state, [d for d, keep in zip(corpus, counted) if keep], topics[counted], decay)
        for c in np.unique(topics[counted & (topics >= 0)]):
            st.widen(state.seen, int(c), [st.stamp(d.date, state.batches) for d, k in zip(corpus, topics) if k == c])
            if int(c) in state.born:
                extra = [d.id for d, k in zip(corpus, topics) if k == c]
                state.born[int(c)] = (state.born[int(c)] + extra)[: st.BORN_SAMPLE]
        self._restate_topics(state, sorted(set(topics.tolist()) - {-1}))
        self.batch_topics_ = topics
        return self

    def _add_texts(self, state: st.StreamState, documents: list, topics: np.ndarray, decay: float) -> None:
        """Decay the term counts and add the documents' terms to their topics' rows."""
        try:
            counts, terms = self.describer_.vocabulary().counts([d.full_text for d in documents])
        except ValueError:  # no document, or no word that is not a stop word: only the decay
            counts, terms = sp.csr_matrix((len(documents), 0)), []
        st.add_terms(state, counts, list(terms), topics, decay)

    def _adopt_novel(self, state: st.StreamState, corpus, U: np.ndarray,
                     topics: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pool the batch's novel documents; make topics of the groups that qualify (their
        members from earlier batches counted into them here). Returns the batch's topics (members
        of a new topic moved to it) and which of its documents count now: all but those left
        waiting in the pool, which change no topic's centroid or keywords."""
        novel = st.own_similarity(state, U, topics) < state.novelty
        for i in np.flatnonzero(novel):
            d = corpus[int(i)]
            state.pending.append({"id": d.id, "title": d.title, "text": d.text, "date": d.date,
                                  "batch": state.batches, "vector": U[i], "row": int(i)})
        state.pending = state.pending[-st.MAX_PENDING:]
        counted = ~novel
        vectors = np.array([p["vector"] for p in state.pending]) if state.pending else np.zeros((0, U.shape[1]))
        out = topics.copy()
        taken: set[int] = set()
        for rows in st.groups_of_novel(vectors, state.cohesion, state.min_topic_size):
            topic = max(state.ids) + 1
            st.add_topic(state, topic)
            members = [state.pending[int(r)] for r in rows]
            earlier = [p for p in members if p["batch"] < state.batches]  # this batch's count with it
            if earlier:
                state.sums[state.row(topic)] = np.sum([p["vector"] for p in earlier], axis=0)
                state.sizes[state.row(topic)] = len(earlier)
                self._add_texts(state, [Document(id=p["id"], title=p["title"] or "", text=p["text"])
                                        for p in earlier], np.full(len(earlier), topic), 1.0)
            state.born[topic] = [p["id"] for p in members][: st.BORN_SAMPLE]
            st.widen(state.seen, topic, [st.stamp(p["date"], p["batch"]) for p in members])
            for p in members:
                if p["batch"] == state.batches:
                    out[p["row"]] = topic
                    counted[p["row"]] = True
            state.events.append({"batch": state.batches, "event": "born", "topic": topic, "size": len(members),
                                 "first_seen": state.seen[topic][0]})
            log.info("stream: a new topic %d from %d novel documents", topic, len(members))
            taken |= {int(r) for r in rows}
        state.pending = [p for j, p in enumerate(state.pending) if j not in taken]
        return out, counted

    def _restate_topics(self, state: st.StreamState, touched: list[int]) -> None:
        """Sizes and keywords (c-TF-IDF of the stream's counts) of the topics ``touched``; a topic
        born in the stream gets its Topic."""
        from toolkit.topics.ctfidf import ctfidf_rows
        from toolkit.topics.describe import Topic, without_covered_words

        weights = ctfidf_rows(state.counts)
        terms = np.array(state.terms, dtype=object)
        by_id = {t.id: t for t in self.topics_}
        n = self.describer_.keywords
        for c in touched:
            row = weights[state.row(c)]
            order = [j for j in np.argsort(-row, kind="stable")[: 3 * n] if row[j] > 0]
            if tuple(self.describer_.ngram_range)[1] > 1:
                order = without_covered_words(order, terms, row)
            keywords = [(str(terms[j]), round(float(row[j]), 6)) for j in order[:n]]
            topic = by_id.get(c)
            if topic is not None and c not in state.born and c not in state.original:
                state.original[c] = copy.deepcopy(topic)
            if topic is None:
                topic = Topic(id=c, name="", keywords=[], size=0, documents=list(state.born.get(c, [])))
                self.topics_.append(topic)
                by_id[c] = topic
            topic.keywords = keywords
            if not topic.named:
                topic.name = " / ".join(k for k, _ in keywords[:3]) or f"topic {c}"
            topic.size = int(round(state.sizes[state.row(c)]))
            if c in state.born:
                topic.documents = list(state.born[c])
                topic.exemplars = topic.documents[: self.describer_.exemplars]
        self.topics_.sort(key=lambda t: (t.id < 0, t.id))

    def _fitted_topics(self) -> list:
        """The topics as fitting described them (what ``model.json`` keeps): the stream's
        changes undone, the topics born in it left out."""
        state = getattr(self, "stream_", None)
        if state is None:
            return list(self.topics_)
        return [state.original.get(t.id, t) for t in self.topics_ if t.id not in state.born]

    def _stream_topics(self) -> list:
        """The topics the stream changed or made, as it left them."""
        state = self.stream_
        return [t for t in self.topics_ if t.id in state.born or t.id in state.original]

    def _restore_stream(self, stored) -> None:
        """Take a saved stream state and its topics (:func:`~toolkit.topics.stream_store.read_stream`)."""
        if stored is None:
            self.stream_ = None
            return
        state, topics = stored
        fitted = {t.id: t for t in self.topics_}
        if not {t.id for t in topics} <= set(state.ids) or not set(fitted) - {-1} <= set(state.ids):
            raise DataError("the stream state's topics disagree with the model's")
        for topic in topics:
            if topic.id in fitted:
                state.original[topic.id] = fitted[topic.id]
            fitted[topic.id] = topic
        self.topics_ = sorted(fitted.values(), key=lambda t: (t.id < 0, t.id))
        self.stream_ = state


__all__ = ["StreamSettings", "TopicStreaming"]
