"""Extractive summaries of documents and topics by sentence centrality.

A :class:`Summarizer` scores a unit's sentences with its centrality algorithm
(:mod:`toolkit.summarization.scorers`), then picks sentences in score order (or by MMR)
within a length budget, skipping any sentence too similar to one already chosen. Each
method is its own class (:mod:`toolkit.summarization.methods`): a scikit-learn estimator
whose ``fit`` learns the sentence representation from the documents and whose
``transform`` returns one :class:`~toolkit.summarization.units.Summary` per document.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from toolkit.errors import ParameterError
from toolkit.params import Boolean, Component, Int, ListOf, NoneValue, Number, Options
from toolkit.summarization.context import CONTEXT_MODES, Context
from toolkit.summarization.graph import TIE, block_cosine, unit_rows
from toolkit.summarization.representation import REPRESENTATIONS, sentence_encoder
from toolkit.summarization.scorers import CentralityScorer, GraphScorer
from toolkit.summarization.selection import select
from toolkit.summarization.units import (
    Candidate,
    DocumentCandidates,
    SentenceSet,
    Summary,
    UnitBudget,
    budget_size,
    central_rows,
    compact,
    last_of_document,
    picked_record,
    ranking_key,
    score_ranks,
    topic_candidates,
)
from toolkit.text.corpus import Corpus, Document
from toolkit.text.sentences import as_corpus

DENSE_LIMIT = 3000  # units up to this many sentences share one dense cosine matrix
# Documents scored together at most: the block-diagonal matrices and their index arrays grow
# with the batch (gigabytes for a million documents), and documents do not interact.
DOCUMENT_BATCH = 100_000
UNITS = ("document", "topic")
BUDGETS = ("sentences", "ratio", "words")
# Each unit's budget when none is given: a topic's candidates are every sentence of its
# documents, so it gets a few more than one document but never a share of them all.
DEFAULT_BUDGETS = {"document": {"sentences": 3}, "topic": {"sentences": 5}}


def _rows_and_similarities(vectors, n: int) -> tuple:
    """A unit's rows (compacted when small), their unit-length rows, and their dense cosine
    matrix when the unit is small enough to share one (else None)."""
    if n <= DENSE_LIMIT:
        vectors = compact(vectors)
        Xn = unit_rows(vectors)
        return vectors, Xn, Xn @ Xn.T
    return vectors, unit_rows(vectors), None


SHARED_CONSTRAINTS = {
    "sentences": [Int(1), NoneValue()],
    "ratio": [Number(0, 1, closed="right"), NoneValue()],
    "words": [Int(1), NoneValue()],
    "document": [UnitBudget(), NoneValue()],
    "topic": [UnitBudget(), NoneValue()],
    "units": [ListOf(Options(*UNITS), unique=True)],
    "representation": [Options(*REPRESENTATIONS)],
    "mmr": [Number(0, 1), NoneValue()],
    "max_similarity": [Number(0, None)],  # above 1: no cap
    "order": [Options("original", "score")],
    "max_candidates": [Int(2)],
    "context": [Options(*CONTEXT_MODES)],
}
# Parameters of the graph-based scorers
GRAPH_CONSTRAINTS = {"damping": [Number(0, 1)], "max_iter": [Int(1)], "tol": [Number(0, None, closed="neither")],
                     "neighbors": [Int(1)], "dense_limit": [Int(2)], "threshold": [Number(0, 1), NoneValue()],
                     "stop_words": [Boolean()], "similarity": [Options("overlap", "cosine")]}


class Summarizer(Component):
    """Pick the most central sentences of each unit (base of the per-method classes).

    Parameters (every method)
    -------------------------
    sentences : int or None
        Budget: this many sentences.
    ratio : float or None
        Budget: this share of the unit's sentences (rounded half up, at least one).
    words : int or None
        Budget: at most this many words in all (sentences that would overflow are skipped).
        Give at most one of these three; it applies to every unit without its own budget.
    document, topic : dict or None
        A unit's own budget, overriding the shared one: ``{"ratio": 0.4}``,
        ``{"sentences": 5}`` or ``{"words": 100}``. With no budget at all, a document's
        summary has 3 sentences and a topic's 5.
    units : tuple of str
        ``document`` and/or ``topic``: what a run summarises.
    representation : {"tfidf", "minilm"}
        Sentence vectors: TF-IDF with idf over the corpus' documents, or MiniLM embeddings.
    mmr : float or None
        Maximal marginal relevance: None picks by score alone; a lambda in [0, 1]
        picks ``argmax lambda * score - (1 - lambda) * max similarity to the chosen``
        (scores scaled to [0, 1]).
    max_similarity : float
        A sentence whose cosine to one already chosen reaches this is never picked (above 1: no cap).
    order : {"original", "score"}
        Output order of the chosen sentences.
    context : {"repair", "skip", "none"}
        A sentence that leans on the one before it (opens with "He", "However", "The
        company"...; :func:`~toolkit.summarization.context.leans_back`) dangles when that one is
        not in the summary. ``repair`` also picks the sentence it leans on when the budget
        allows (it counts against the budget), and skips it for the next best otherwise;
        ``skip`` always skips it; ``none`` picks by score alone. In a topic, the sentence
        before is the one before it in its own document.
    max_candidates : int
        A topic with more distinct sentences than this is scored on the ``max_candidates`` of
        them closest (cosine) to the topic's mean sentence vector, so a large topic costs the
        same as one of this size: centrality in a sentence graph favours sentences near the
        middle of the topic, and this linear pre-selection keeps them (the picks' overlap with
        scoring every sentence is measured by ``benchmarks/scale.py``).
    """

    method = ""
    _parameter_constraints = SHARED_CONSTRAINTS

    def _set_shared(self, sentences, ratio, words, units, representation, mmr, max_similarity, order, document,
                    topic, max_candidates, context) -> None:
        """Store the parameters every method shares (each method's ``__init__`` lists them, as
        scikit-learn reads parameters from the signature)."""
        self.sentences, self.ratio, self.words, self.units = sentences, ratio, words, units
        self.document, self.topic = document, topic
        self.representation, self.mmr, self.max_similarity, self.order = representation, mmr, max_similarity, order
        self.max_candidates = max_candidates
        self.context = context

    def _check_params(self) -> None:
        given = [k for k in BUDGETS if getattr(self, k) is not None]
        if len(given) > 1:
            raise ParameterError(given[1], f"cannot be given with {given[0]}: give one budget",
                                 getattr(self, given[1]), type(self).__name__)

    def unit_budget(self, unit: str) -> dict:
        """The budget ``unit`` ("document" or "topic") gets: its own, else the shared one, else
        the default (``DEFAULT_BUDGETS``); a one-item mapping such as ``{"ratio": 0.4}``."""
        own = getattr(self, unit, None)
        if own:
            return dict(own)
        shared = {k: getattr(self, k) for k in BUDGETS if getattr(self, k) is not None}
        return shared or dict(DEFAULT_BUDGETS[unit])

    def _budget(self, unit: str) -> tuple[int | None, float | None, int | None]:
        """(sentences, ratio, words) of ``unit``'s budget, two of them None."""
        budget = self.unit_budget(unit)
        return budget.get("sentences"), budget.get("ratio"), budget.get("words")

    def _make_scorer(self) -> CentralityScorer:
        raise NotImplementedError

    @property
    def scorer(self) -> CentralityScorer:
        """The centrality algorithm with this summariser's current parameters (checked first;
        built anew each time, which is cheap, so ``set_params`` takes effect)."""
        self._validate_params()
        return self._make_scorer()

    def fit(self, X, y=None, embedder=None):
        """Learn the sentence representation from documents (the idf of TF-IDF).

        Parameters
        ----------
        X : str, list of str, list of Document or Corpus
            Documents without sentences are split by blingfire (:func:`toolkit.text.sentences.as_corpus`).
        embedder : Embedder, optional
            The sentence-transformers embedder to use with ``representation: minilm``.
        """
        self.encoder_ = sentence_encoder(self.representation, as_corpus(X), embedder)
        return self

    def transform(self, X) -> list[Summary]:
        """One summary per document of ``X`` (as for :meth:`fit`)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "encoder_")
        docs = list(as_corpus(X))
        return self.summarize_documents(docs, self.encoder_([s for d in docs for s in d.sentences]))

    def fit_transform(self, X, y=None, embedder=None) -> list[Summary]:
        corpus = as_corpus(X)  # split once, for both steps
        return self.fit(corpus, embedder=embedder).transform(corpus)

    def _select(self, scores: np.ndarray, Xn, lengths: np.ndarray, S: np.ndarray | None, unit: str,
                context: Context, plain: list[int] | None = None) -> tuple[list[int], set[int]]:
        """:func:`~toolkit.summarization.selection.select` under this summariser's budget for
        ``unit``, MMR, redundancy cap and context mode (``context``: the unit's candidates).

        The context changes a selection only where it would dangle: what the scores pick
        (``plain``, when the caller has it) stands when, read whole, no sentence of it dangles,
        even one picked before the sentence it leans on."""
        sentences, ratio, words = self._budget(unit)
        limit = budget_size(len(scores), sentences, ratio)
        if plain is None:
            plain, _ = select(scores, Xn, S, lengths, limit, words, self.mmr, self.max_similarity)
        if self.context == "none" or not context.dangles(plain):
            return plain, set()
        return select(scores, Xn, S, lengths, limit, words, self.mmr, self.max_similarity, context)

    def summarize(self, candidates: list[Candidate], vectors, unit: str, unit_id: str,
                  name: str = "") -> Summary:
        """Score ``candidates`` (rows of ``vectors``) and choose within the budget."""
        n = len(candidates)
        if n == 0:
            return Summary.empty(unit, unit_id, name)
        vectors, Xn, S = _rows_and_similarities(vectors, n)
        positions = np.array([c.position for c in candidates])
        batch = SentenceSet([c.text for c in candidates], vectors, positions, S, name, last_of_document(candidates))
        scores = np.asarray(self.scorer.score(batch), dtype=np.float64)
        return self._choose(candidates, scores, Xn, S, unit, unit_id, name)

    def summary_of_scores(self, candidates: list[Candidate], vectors, scores: np.ndarray, unit: str,
                          unit_id: str, name: str = "") -> Summary:
        """The summary that ``scores`` (one per candidate, computed elsewhere) give under this
        summariser's budget, MMR, redundancy cap and order: how a benchmark sees what an
        exact reference scoring would have picked."""
        if len(candidates) == 0:
            return Summary.empty(unit, unit_id, name)
        _, Xn, S = _rows_and_similarities(vectors, len(candidates))
        return self._choose(candidates, np.asarray(scores, dtype=np.float64), Xn, S, unit, unit_id, name)

    def _choose(self, candidates: list[Candidate], scores: np.ndarray, Xn, S: np.ndarray | None, unit: str,
                unit_id: str, name: str) -> Summary:
        lengths = np.array([len(c.text.split()) for c in candidates])
        context = Context(candidates, self.context, aligned=unit == "document")
        chosen, added = self._select(scores, Xn, lengths, S, unit, context)
        return self._summary(candidates, scores, score_ranks(scores), chosen, unit, unit_id, name, added, context)

    def _summary(self, candidates: list[Candidate], scores: np.ndarray, rank: np.ndarray, chosen: list[int],
                 unit: str, unit_id: str, name: str, added: set[int], context: Context) -> Summary:
        if self.order == "original":
            chosen = sorted(chosen)
        elif self.mmr is None:  # by score: a repair's sentences, picked late, take their own rank's place
            chosen = sorted(chosen, key=lambda i: rank[i])
        picked = [picked_record(candidates[i], i, scores[i], rank[i], i in added) for i in chosen]
        sentences, ratio, words = self._budget(unit)
        note = "" if picked else f"no sentence fits the budget of {words} words"
        limit = budget_size(len(candidates), sentences, ratio)
        if picked and words is None and len(picked) < limit:
            note = (f"{len(picked)} of {limit} sentences: the others reach max_similarity "
                    f"{self.max_similarity} with a chosen one")
        starts = [] if unit != "topic" else [
            i for i in range(len(candidates)) if i == 0 or candidates[i].document != candidates[i - 1].document]
        return Summary(unit, unit_id, name, picked, len(candidates), note,
                       np.round(np.asarray(scores, dtype=np.float64), 8).tolist(), starts, context.dangling(chosen))

    def summarize_documents(self, documents: list[Document], vectors) -> list[Summary]:
        """Every document's summary, the documents scored together where the scorer can.

        ``vectors`` holds the rows of all the documents' sentences, in order. Scorers
        with a block form (LexRank, TextRank, degree) score every document
        in one block-diagonal computation (:meth:`CentralityScorer.score_blocks`), and
        documents whose picks need no similarity check are selected all at once: the
        same summaries as one call per document, without a Python loop per sentence
        pair or per document. Others fall back to :meth:`summarize_document`. Documents go
        in batches of :data:`DOCUMENT_BATCH`, each the same as scoring it alone.
        """
        if sp.issparse(vectors):
            vectors = sp.csr_matrix(vectors)
        if len(documents) <= DOCUMENT_BATCH:
            return self._summarize_batch(documents, vectors)
        rows = np.concatenate([[0], np.cumsum([len(d.sentences) for d in documents])])
        out: list[Summary] = []
        for first in range(0, len(documents), DOCUMENT_BATCH):
            last = min(first + DOCUMENT_BATCH, len(documents))
            out += self._summarize_batch(documents[first:last], vectors[rows[first]:rows[last]])
        return out

    def _summarize_batch(self, documents: list[Document], vectors) -> list[Summary]:
        sizes = np.array([len(d.sentences) for d in documents], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)])
        S = None
        scores = None
        if len(documents) and sizes.max() <= DENSE_LIMIT:
            S = block_cosine(unit_rows(vectors), sizes)
            scores = self.scorer.score_blocks(S, sizes, [s for d in documents for s in d.sentences])
        if scores is None:
            return [self.summarize_document(doc, None, vectors[a:b] if b > a else None)
                    for doc, a, b in zip(documents, starts[:-1], starts[1:])]
        owner = np.repeat(np.arange(len(documents)), sizes)
        position = np.arange(len(owner)) - starts[owner]
        order = np.lexsort((position, -ranking_key(scores), owner))
        rank = np.empty(len(owner), dtype=np.int64)
        rank[order] = position + 1  # order keeps each document's rows together, in rank order
        sentences, ratio, words = self._budget("document")
        limits = np.array([budget_size(int(n), sentences, ratio) for n in sizes], dtype=np.int64)
        # Documents where a pick could collide with the similarity cap, or whose budget
        # is in words or by MMR, go through the sentence-by-sentence selection.
        careful = np.full(len(documents), self.mmr is not None or words is not None)
        if not careful.all():
            coo = S.tocoo()
            close = (coo.data >= self.max_similarity - TIE) & (coo.row != coo.col)
            careful[owner[coo.row[close]]] = True
        out = []
        for d, doc in enumerate(documents):
            a, b = starts[d], starts[d + 1]
            if a == b:
                out.append(Summary.empty("document", doc.id, doc.title))
                continue
            candidates = DocumentCandidates(doc)
            context = Context(candidates, self.context, aligned=True)
            added: set[int] = set()
            # ``order`` holds the document's rows in rank order: its picks come first
            chosen = None if careful[d] else (order[a:a + limits[d]] - a).tolist()
            if chosen is None or self.context != "none" and context.dangles(chosen):
                lengths = np.array([len(s.split()) for s in doc.sentences])
                chosen, added = self._select(scores[a:b], None, lengths, S[a:b, a:b].toarray(), "document",
                                             context, chosen)
            out.append(self._summary(candidates, scores[a:b], rank[a:b], chosen, "document", doc.id, doc.title,
                                     added, context))
        return out

    def summarize_document(self, doc: Document, encode, vectors=None) -> Summary:
        """One document's summary; ``vectors`` (its sentences' rows) are encoded when not given."""
        cands = [Candidate(s, doc.id, i) for i, s in enumerate(doc.sentences)]
        if vectors is None and cands:
            vectors = encode([c.text for c in cands])
        return self.summarize(cands, vectors, "document", doc.id, doc.title)

    def summarize_topics(self, topics, documents: list[Document], encode, vectors=None) -> list[Summary]:
        """Each topic's summary from the distinct sentences of its documents.

        Parameters
        ----------
        topics : list of Topic
        documents : list of Document
            At least every document the topics hold, with sentences.
        encode : callable
            Maps a list of sentences to vectors (TF-IDF or embeddings).
        vectors : matrix, optional
            The rows of all the ``documents``' sentences, in order (as ``encode`` gives
            them): a topic's sentences are then looked up rather than encoded again.
        """
        index = {d.id: k for k, d in enumerate(documents)}
        first = np.concatenate([[0], np.cumsum([len(d.sentences) for d in documents])])
        out = []
        for topic in topics:
            cands = topic_candidates([documents[index[i]] for i in topic.documents])
            if not cands:
                rows = None
            elif vectors is not None:
                rows = vectors[np.array([first[index[c.document]] + c.position for c in cands])]
            else:
                rows = encode([c.text for c in cands])
            if len(cands) > self.max_candidates:
                out.append(self._summarize_large_topic(cands, rows, topic))
            else:
                out.append(self.summarize(cands, rows, "topic", str(topic.id), topic.name))
        return out

    def _summarize_large_topic(self, cands: list[Candidate], rows, topic) -> Summary:
        """A topic of more than ``max_candidates`` distinct sentences, in time linear in them.

        A graph method keeps the ``max_candidates`` sentences of highest degree in the topic's
        full graph (estimated from a seeded sample of rows) and scores them by their exact
        degree there; scoring them on their own graph instead moved the picks away from the
        full graph's (``benchmarks.large_topics``). Other methods score the ``max_candidates``
        sentences closest to the topic's mean.
        """
        total, scorer = len(cands), self.scorer
        if isinstance(scorer, GraphScorer):
            sentences = SentenceSet([c.text for c in cands], rows, np.array([c.position for c in cands]))
            keep, degrees = scorer.preselect(sentences, self.max_candidates)
            cands, rows = [cands[i] for i in keep], rows[keep]
            summary = self.summary_of_scores(cands, rows, degrees, "topic", str(topic.id), topic.name)
            how = "of highest degree in the topic's full graph, scored by it"
        else:
            keep = central_rows(rows, self.max_candidates)
            cands, rows = [cands[i] for i in keep], rows[keep]
            summary = self.summarize(cands, rows, "topic", str(topic.id), topic.name)
            how = "closest to the topic's mean"
        summary.note = " ".join(filter(None, [summary.note, f"scored the {len(cands):,} of {total:,} sentences "
                                              f"{how} (max_candidates)"]))
        return summary

    def summarize_corpus(self, corpus: Corpus, topics, encode) -> list[Summary]:
        """Summaries of every document and/or topic (``units``), documents first.

        Parameters
        ----------
        corpus : Corpus
            With sentences split.
        topics : list of Topic
        encode : callable
            Maps a list of sentences to vectors (TF-IDF or embeddings).
        """
        out: list[Summary] = []
        documents = list(corpus)
        # One encoding call for the whole corpus; topics take their sentences' rows from it.
        vectors = encode([s for doc in documents for s in doc.sentences])
        if "document" in self.units:
            out += self.summarize_documents(documents, vectors)
        if "topic" in self.units:
            out += self.summarize_topics(topics, documents, encode, vectors)
        return out
