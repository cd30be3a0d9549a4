"""Extractive summaries of documents and topics by sentence centrality.

A :class:`Summarizer` scores a unit's sentences with a centrality scorer chosen by
name (:mod:`toolkit.centrality`), then picks sentences in score order (or by MMR)
within a length budget, skipping any sentence too similar to one already chosen.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from toolkit.centrality import SCORERS, TIE, CentralityScorer, SentenceSet, block_cosine, unit_rows
from toolkit.cleaning import normalise
from toolkit.corpus import Corpus, Document
from toolkit.errors import ConfigError
from toolkit.terms import count_terms
from toolkit.topics import Topic

DENSE_LIMIT = 3000  # units up to this many sentences share one dense cosine matrix
UNITS = ("document", "topic")
REPRESENTATIONS = ("tfidf", "minilm")


@dataclass
class Candidate:
    """A sentence that may enter a summary."""

    text: str
    document: str
    position: int
    also_in: list[str] = field(default_factory=list)


class _DocumentCandidates:
    """A document's sentences as candidates, made only for the sentences looked at."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def __len__(self) -> int:
        return len(self.doc.sentences)

    def __getitem__(self, i: int) -> Candidate:
        return Candidate(self.doc.sentences[i], self.doc.id, int(i))


@dataclass
class Summary:
    """The sentences chosen for one unit (a document or a topic).

    ``sentences`` holds dicts with ``text``, ``score``, ``index`` (among the unit's
    candidates), ``document``, ``position`` (index in its document's sentences) and
    ``rank`` (1 = most central); ``note`` says
    why a summary is empty; ``scores`` holds every candidate sentence's score, in the
    unit's order (a document's sentences; a topic's distinct sentences, document by
    document), for plots of what was and was not chosen.
    """

    unit: str
    id: str
    name: str
    sentences: list[dict]
    candidates: int
    note: str = ""
    scores: list[float] = field(default_factory=list)

    @classmethod
    def empty(cls, unit: str, unit_id: str, name: str) -> Summary:
        """The summary of a unit without sentences, saying so."""
        return cls(unit, unit_id, name, [], 0, note="no sentences to summarise")

    @property
    def text(self) -> str:
        return " ".join(s["text"] for s in self.sentences)


class SentenceTfidf:
    """TF-IDF sentence vectors with idf over the corpus' documents (the LexRank paper's
    idf-modified cosine: idf from documents, term counts from sentences).

    Sentences are tokenised once (:func:`toolkit.terms.count_terms`: scikit-learn's
    default tokens, English stop words removed); a term's document frequency is counted
    from the sentence rows of each document, so the corpus is not tokenised a second
    time. idf is scikit-learn's smooth idf, ln((1 + n) / (1 + df)) + 1.

    Parameters
    ----------
    documents : list of list of str
        Each document's sentences.
    """

    def __init__(self, documents: list[list[str]]) -> None:
        self.sentences = [s for doc in documents for s in doc]
        counts, self.vocabulary = count_terms(self.sentences)
        sizes = np.array([len(d) for d in documents], dtype=np.int64)
        # documents x terms: how many of a document's sentences hold the term
        owner = sp.csr_matrix((np.ones(len(self.sentences)), np.repeat(np.arange(len(documents)), sizes),
                               np.arange(len(self.sentences) + 1)), shape=(len(self.sentences), len(documents)))
        df = np.bincount(sp.csr_matrix(owner.T @ counts).indices, minlength=counts.shape[1])
        self.idf = np.log((1.0 + len(documents)) / (1.0 + df)) + 1.0
        self.rows = self._weigh(counts)

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        counts = sp.csr_matrix(counts, dtype=np.float64)
        counts.data *= self.idf[counts.indices]
        return counts if counts.shape[1] else sp.csr_matrix((counts.shape[0], 1))

    @classmethod
    def for_corpus(cls, corpus: Corpus) -> SentenceTfidf:
        return cls([d.sentences for d in corpus])

    def __call__(self, sentences: list[str]) -> sp.csr_matrix:
        if sentences is self.sentences or sentences == self.sentences:
            return self.rows
        return self._weigh(count_terms(sentences, self.vocabulary)[0])


def compact(vectors):
    """A small unit's sparse rows as a dense array over only the columns it uses."""
    if not sp.issparse(vectors):
        return np.asarray(vectors, dtype=np.float64)
    X = sp.csr_matrix(vectors)
    cols, pos = np.unique(X.indices, return_inverse=True)
    dense = np.zeros((X.shape[0], max(len(cols), 1)))
    dense[np.repeat(np.arange(X.shape[0]), np.diff(X.indptr)), pos] = X.data
    return dense


def ranking_key(scores: np.ndarray) -> np.ndarray:
    """Scores rounded to 12 decimals for ranking: sentences whose scores differ only by
    floating-point noise (identical sentences) rank in document order, whichever way
    the scores were computed."""
    return np.round(np.asarray(scores, dtype=np.float64), 12)


def budget_size(n: int, sentences: int | None, ratio: float | None) -> int:
    """How many sentences a count or ratio budget allows out of ``n`` (ratio rounds half up)."""
    if sentences is not None:
        return min(n, sentences)
    if ratio is not None:
        return min(n, max(1, math.floor(ratio * n + 0.5)))
    return n


class Summarizer:
    """Pick the most central sentences of each unit.

    Parameters
    ----------
    method : str
        Centrality scorer: ``lexrank``, ``textrank``, ``centroid``, ``degree``, ``lead``, ``random``.
    sentences : int or None
        Budget: this many sentences. Exactly one of ``sentences``, ``ratio``, ``words``
        (giving ``ratio`` or ``words`` in an experiment file unsets the default ``sentences``).
    ratio : float or None
        Budget: this share of the unit's sentences (rounded half up, at least one).
    words : int or None
        Budget: at most this many words in all (sentences that would overflow are skipped).
    units : list of str
        ``document`` and/or ``topic``.
    representation : {"tfidf", "minilm"}
        Sentence vectors: TF-IDF with idf over the corpus' documents, or MiniLM embeddings.
    mmr : float or None
        Maximal marginal relevance: None picks by score alone; a lambda in [0, 1]
        picks ``argmax lambda * score - (1 - lambda) * max similarity to the chosen``
        (scores scaled to [0, 1]).
    max_similarity : float
        A sentence whose cosine to one already chosen reaches this is never picked.
    order : {"original", "score"}
        Output order of the chosen sentences.
    random_state : int
        Seed for the ``random`` baseline; set from the experiment's seed.
    params : dict
        The scorer's own parameters (LexRank's ``threshold``, ``damping`` ...).
    """

    def __init__(self, method: str = "lexrank", sentences: int | None = 3,
                 ratio: float | None = None, words: int | None = None,
                 units: list[str] | tuple[str, ...] = UNITS, representation: str = "tfidf",
                 mmr: float | None = None, max_similarity: float = 0.85, order: str = "original",
                 random_state: int = 0, **params) -> None:
        budgets = {k: v for k, v in (("sentences", sentences), ("ratio", ratio), ("words", words))
                   if v is not None}
        if len(budgets) > 1:
            raise ConfigError(f"summarize: give one budget, not {' and '.join(budgets)}")
        if not budgets:
            raise ConfigError("summarize: give a budget: sentences, ratio or words")
        for key, value in budgets.items():
            if value <= 0 or (key == "ratio" and value > 1):
                allowed = "a ratio in (0, 1]" if key == "ratio" else "a positive number"
                raise ConfigError(f"summarize.{key}: must be {allowed}, got {value}")
        units = list(units)
        for unit in units:
            if unit not in UNITS:
                raise ConfigError(f"summarize.units: unknown unit {unit!r}; choose from: {', '.join(UNITS)}")
        if representation not in REPRESENTATIONS:
            raise ConfigError(f"summarize.representation: unknown value {representation!r}; "
                              f"choose one of: {', '.join(REPRESENTATIONS)}")
        if order not in ("original", "score"):
            raise ConfigError(f"summarize.order: unknown value {order!r}; choose one of: original, score")
        if mmr is not None and not 0 <= mmr <= 1:
            raise ConfigError(f"summarize.mmr: must be a lambda in [0, 1], got {mmr}")
        scorer_cls = SCORERS.get(method, "summarize.method")
        if "random_state" in inspect.signature(scorer_cls.__init__).parameters:
            params["random_state"] = random_state
        try:
            self.scorer: CentralityScorer = scorer_cls(**params)
        except TypeError as err:
            raise ConfigError(f"summarize: {err}") from None
        self.method = method
        self.sentences, self.ratio, self.words = sentences, ratio, words
        self.units = units
        self.representation = representation
        self.mmr = mmr
        self.max_similarity = max_similarity
        self.order = order

    def _select(self, scores: np.ndarray, Xn, lengths: np.ndarray, S: np.ndarray | None) -> list[int]:
        """Indices picked in score (or MMR) order within the budget and the similarity cap.

        ``S`` is the dense cosine matrix when the unit is small; otherwise a chosen
        sentence's similarities are computed from the unit-length rows ``Xn``.
        """
        n = len(scores)
        limit = budget_size(n, self.sentences, self.ratio)
        span = scores.max() - scores.min()
        relevance = (scores - scores.min()) / span if span > 0 else np.ones(n)
        closest = np.zeros(n)  # max similarity to any chosen sentence
        open_ = np.ones(n, dtype=bool)
        chosen: list[int] = []
        used_words = 0
        order = np.argsort(-ranking_key(scores), kind="stable")
        while len(chosen) < limit and open_.any():
            if self.mmr is None:
                i = int(order[open_[order]][0])
            else:
                gain = np.where(open_, ranking_key(self.mmr * relevance - (1 - self.mmr) * closest), -np.inf)
                i = int(np.argmax(gain))
            open_[i] = False
            if self.words is not None and used_words + lengths[i] > self.words:
                continue
            chosen.append(i)
            used_words += int(lengths[i])
            if S is not None:
                sims = S[i]
            elif sp.issparse(Xn):
                sims = np.asarray((Xn @ Xn[i].T).todense()).ravel()
            else:
                sims = Xn @ Xn[i]
            closest = np.maximum(closest, sims)
            open_ &= closest < self.max_similarity - TIE
        return chosen

    def summarize(self, candidates: list[Candidate], vectors, unit: str, unit_id: str,
                  name: str = "") -> Summary:
        """Score ``candidates`` (rows of ``vectors``) and choose within the budget."""
        n = len(candidates)
        if n == 0:
            return Summary.empty(unit, unit_id, name)
        S = None
        if n <= DENSE_LIMIT:
            vectors = compact(vectors)
            Xn = unit_rows(vectors)
            S = Xn @ Xn.T
        else:
            Xn = unit_rows(vectors)
        batch = SentenceSet([c.text for c in candidates], vectors, np.array([c.position for c in candidates]), S)
        scores = np.asarray(self.scorer.score(batch), dtype=np.float64)
        lengths = np.array([len(c.text.split()) for c in candidates])
        chosen = self._select(scores, Xn, lengths, S)
        ranking = np.argsort(-ranking_key(scores), kind="stable")
        rank = np.empty(n, dtype=int)
        rank[ranking] = np.arange(1, n + 1)
        return self._summary(candidates, scores, rank, chosen, unit, unit_id, name)

    def _summary(self, candidates: list[Candidate], scores: np.ndarray, rank: np.ndarray, chosen: list[int],
                 unit: str, unit_id: str, name: str) -> Summary:
        if self.order == "original":
            chosen = sorted(chosen)
        picked = [
            {"text": candidates[i].text, "score": round(float(scores[i]), 8), "index": int(i),
             "document": candidates[i].document, "position": candidates[i].position,
             "rank": int(rank[i]), **({"also_in": candidates[i].also_in} if candidates[i].also_in else {})}
            for i in chosen
        ]
        note = "" if picked else f"no sentence fits the budget of {self.words} words"
        limit = budget_size(len(candidates), self.sentences, self.ratio)
        if picked and self.words is None and len(picked) < limit:
            note = (f"{len(picked)} of {limit} sentences: the others reach max_similarity "
                    f"{self.max_similarity} with a chosen one")
        return Summary(unit, unit_id, name, picked, len(candidates), note,
                       np.round(np.asarray(scores, dtype=np.float64), 8).tolist())

    def summarize_documents(self, documents: list[Document], vectors) -> list[Summary]:
        """Every document's summary, the documents scored together where the scorer can.

        ``vectors`` holds the rows of all the documents' sentences, in order. Scorers
        with a block form (LexRank, TextRank on cosines, degree) score every document
        in one block-diagonal computation (:meth:`CentralityScorer.score_blocks`), and
        documents whose picks need no similarity check are selected all at once: the
        same summaries as one call per document, without a Python loop per sentence
        pair or per document. Others fall back to :meth:`summarize_document`.
        """
        sizes = np.array([len(d.sentences) for d in documents], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)])
        if sp.issparse(vectors):
            vectors = sp.csr_matrix(vectors)
        S = None
        scores = None
        if len(documents) and sizes.max() <= DENSE_LIMIT:
            S = block_cosine(unit_rows(vectors), sizes)
            scores = self.scorer.score_blocks(S, sizes)
        if scores is None:
            return [self.summarize_document(doc, None, vectors[a:b] if b > a else None)
                    for doc, a, b in zip(documents, starts[:-1], starts[1:])]
        owner = np.repeat(np.arange(len(documents)), sizes)
        position = np.arange(len(owner)) - starts[owner]
        order = np.lexsort((position, -ranking_key(scores), owner))
        rank = np.empty(len(owner), dtype=np.int64)
        rank[order] = position + 1  # order keeps each document's rows together, in rank order
        limits = np.array([budget_size(int(n), self.sentences, self.ratio) for n in sizes], dtype=np.int64)
        # Documents where a pick could collide with the similarity cap, or whose budget
        # is in words or by MMR, go through the sentence-by-sentence selection.
        careful = np.full(len(documents), self.mmr is not None or self.words is not None)
        if not careful.all():
            coo = S.tocoo()
            close = (coo.data >= self.max_similarity - TIE) & (coo.row != coo.col)
            careful[owner[coo.row[close]]] = True
        top = rank <= limits[owner]
        out = []
        for d, doc in enumerate(documents):
            a, b = starts[d], starts[d + 1]
            if a == b:
                out.append(Summary.empty("document", doc.id, doc.title))
                continue
            if careful[d]:
                lengths = np.array([len(s.split()) for s in doc.sentences])
                chosen = self._select(scores[a:b], None, lengths, S[a:b, a:b].toarray())
            else:
                chosen = list(np.flatnonzero(top[a:b])[np.argsort(rank[a:b][top[a:b]])])
            out.append(self._summary(_DocumentCandidates(doc), scores[a:b], rank[a:b], chosen, "document",
                                     doc.id, doc.title))
        return out

    def summarize_document(self, doc: Document, encode, vectors=None) -> Summary:
        """One document's summary; ``vectors`` (its sentences' rows) are encoded when not given."""
        cands = [Candidate(s, doc.id, i) for i, s in enumerate(doc.sentences)]
        if vectors is None and cands:
            vectors = encode([c.text for c in cands])
        return self.summarize(cands, vectors, "document", doc.id, doc.title)

    def transform(self, corpus: Corpus, topics: list[Topic], encode) -> list[Summary]:
        """Summaries of every document and/or topic.

        Parameters
        ----------
        corpus : Corpus
            With sentences split.
        topics : list of Topic
        encode : callable
            Maps a list of sentences to vectors (TF-IDF or embeddings).
        """
        out: list[Summary] = []
        by_id = {d.id: d for d in corpus}
        if "document" in self.units:
            # One encoding call for the whole corpus.
            out += self.summarize_documents(list(corpus), encode([s for doc in corpus for s in doc.sentences]))
        if "topic" in self.units:
            for topic in topics:
                cands = topic_candidates([by_id[i] for i in topic.documents])
                out.append(self.summarize(cands, encode([c.text for c in cands]) if cands else None,
                                          "topic", str(topic.id), topic.name))
        return out


def topic_candidates(documents) -> list[Candidate]:
    """All sentences of a topic's documents, each distinct sentence once.

    Sentences equal after folding case, quotes and punctuation (a passage a page
    carries twice) are kept at their first occurrence, with the other documents
    recorded in ``also_in``, so a duplicate cannot enter a summary twice.
    """
    first: dict[str, Candidate] = {}
    for doc in documents:
        for i, sentence in enumerate(doc.sentences):
            key = normalise(sentence)
            if key in first:
                if doc.id != first[key].document and doc.id not in first[key].also_in:
                    first[key].also_in.append(doc.id)
                continue
            first[key] = Candidate(sentence, doc.id, i)
    return list(first.values())
