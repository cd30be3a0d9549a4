"""Extractive summaries of documents and topics by sentence centrality."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from toolkit.centrality import SCORERS, CentralityScorer, cosine_matrix
from toolkit.cleaning import normalise
from toolkit.corpus import Corpus
from toolkit.errors import ConfigError
from toolkit.topics import Topic

UNITS = ("document", "topic")
REPRESENTATIONS = ("tfidf", "minilm")


@dataclass
class Candidate:
    text: str
    document: str
    position: int
    also_in: list[str] = field(default_factory=list)


@dataclass
class Summary:
    """The sentences chosen for one unit (a document or a topic).

    ``sentences`` holds dicts with ``text``, ``score``, ``document``, ``position``
    (index in its document's sentences) and ``rank`` (1 = most central); ``note`` says
    why a summary is empty.
    """

    unit: str
    id: str
    name: str
    sentences: list[dict]
    candidates: int
    note: str = ""

    @property
    def text(self) -> str:
        return " ".join(s["text"] for s in self.sentences)


class SentenceTfidf:
    """TF-IDF sentence vectors with idf learned over the corpus' documents.

    The LexRank paper's idf-modified cosine: idf from documents, term counts from
    sentences.
    """

    def __init__(self, corpus: Corpus) -> None:
        self.vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=False)
        texts = [d.text for d in corpus if d.text.strip()]
        try:
            self.vectorizer.fit(texts or [""])
            self.ok = True
        except ValueError:  # no word in the whole corpus
            self.ok = False

    def __call__(self, sentences: list[str]) -> sp.csr_matrix:
        if not self.ok:
            return sp.csr_matrix((len(sentences), 1))
        return self.vectorizer.transform(sentences)


def budget_size(n: int, sentences: int | None, ratio: float | None) -> int:
    """How many sentences a count or ratio budget allows out of ``n``."""
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
        Centrality scorer name (``lexrank``).
    sentences : int or None
        Budget: this many sentences. Exactly one of ``sentences``, ``ratio``, ``words``
        (giving ``ratio`` or ``words`` in an experiment file unsets the default ``sentences``).
    ratio : float or None
        Budget: this share of the unit's sentences (rounded, at least one).
    words : int or None
        Budget: at most this many words in all.
    units : list of str
        ``document`` and/or ``topic``.
    representation : {"tfidf", "minilm"}
        Sentence vectors: TF-IDF with corpus idf, or MiniLM embeddings.
    max_similarity : float
        A sentence this similar (cosine) to one already chosen is skipped.
    order : {"original", "score"}
        Output order of chosen sentences.
    params : dict
        The scorer's own parameters (LexRank's ``threshold``, ``damping`` ...).
    """

    def __init__(self, method: str = "lexrank", sentences: int | None = 3,
                 ratio: float | None = None, words: int | None = None,
                 units: list[str] | tuple[str, ...] = UNITS, representation: str = "tfidf",
                 max_similarity: float = 0.85, order: str = "original",
                 **params) -> None:
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
        self.scorer: CentralityScorer = SCORERS.get(method, "summarize.method")(**params)
        self.sentences, self.ratio, self.words = sentences, ratio, words
        self.units = units
        self.representation = representation
        self.max_similarity = max_similarity
        self.order = order

    def summarize(self, candidates: list[Candidate], vectors, unit: str, unit_id: str,
                  name: str = "") -> Summary:
        """Score ``candidates`` (rows of ``vectors``) and choose within the budget."""
        n = len(candidates)
        if n == 0:
            return Summary(unit, unit_id, name, [], 0, note="no sentences to summarise")
        scores = self.scorer.score(vectors)
        sims = cosine_matrix(vectors)
        ranking = np.argsort(-scores, kind="stable")
        limit = budget_size(n, self.sentences, self.ratio)
        chosen: list[int] = []
        used_words = 0
        for i in ranking:
            if len(chosen) >= limit:
                break
            if chosen and sims[i, chosen].max() >= self.max_similarity:
                continue
            if self.words is not None:
                length = len(candidates[i].text.split())
                if used_words + length > self.words:
                    continue
                used_words += length
            chosen.append(int(i))
        rank = {int(i): r for r, i in enumerate(ranking, start=1)}
        if self.order == "original":
            chosen.sort()
        picked = [
            {"text": candidates[i].text, "score": round(float(scores[i]), 8),
             "document": candidates[i].document, "position": candidates[i].position,
             "rank": rank[i], **({"also_in": candidates[i].also_in} if candidates[i].also_in else {})}
            for i in chosen
        ]
        note = "" if picked else f"no sentence fits the budget of {self.words} words"
        return Summary(unit, unit_id, name, picked, n, note)

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
            for doc in corpus:
                cands = [Candidate(s, doc.id, i) for i, s in enumerate(doc.sentences)]
                out.append(self.summarize(cands, encode([c.text for c in cands]) if cands else None,
                                          "document", doc.id, doc.title))
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
