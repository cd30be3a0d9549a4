"""What summaries are made of: candidate sentences, budgets, and the summary record."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np
import scipy.sparse as sp

from toolkit.arrays import unit_rows
from toolkit.params import Constraint, Int, Number
from toolkit.text.cleaning import normalize_text
from toolkit.text.corpus import Document


@dataclass
class Candidate:
    """A sentence that may enter a summary."""

    text: str
    document: str
    position: int
    also_in: list[str] = field(default_factory=list)


class DocumentCandidates:
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
    document), for plots of what was and was not chosen; ``starts`` holds, for a topic, the
    index in ``scores`` where each of its documents' sentences begin; ``dangling`` holds the
    indices (into ``sentences``) of the picked sentences that lean on a sentence before them
    that was not picked (:func:`toolkit.summarization.context.dangling`).
    """

    unit: str
    id: str
    name: str
    sentences: list[dict]
    candidates: int
    note: str = ""
    scores: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    dangling: list[int] = field(default_factory=list)

    @classmethod
    def empty(cls, unit: str, unit_id: str, name: str) -> Summary:
        """The summary of a unit without sentences, saying so."""
        return cls(unit, unit_id, name, [], 0, note="no sentences to summarise")

    @property
    def text(self) -> str:
        return " ".join(s["text"] for s in self.sentences)

    def to_dict(self) -> dict:
        """The fields as a dict, as ``dataclasses.asdict`` gives them but without deep copies
        (its recursion was most of the time spent writing a million summaries)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def compact(vectors):
    """A small unit's sparse rows as a dense array over only the columns it uses."""
    if not sp.issparse(vectors):
        return np.asarray(vectors, dtype=np.float64)
    X = sp.csr_matrix(vectors)
    cols, pos = np.unique(X.indices, return_inverse=True)
    dense = np.zeros((X.shape[0], max(len(cols), 1)))
    dense[np.repeat(np.arange(X.shape[0]), np.diff(X.indptr)), pos] = X.data
    return dense


def last_of_document(candidates: list[Candidate]) -> np.ndarray:
    """Whether each candidate is the last of its document's candidates (by position)."""
    last: dict[str, int] = {}
    for c in candidates:
        last[c.document] = max(last.get(c.document, -1), c.position)
    return np.array([c.position == last[c.document] for c in candidates], dtype=bool)


def ranking_key(scores: np.ndarray) -> np.ndarray:
    """Scores rounded to 12 decimals for ranking: sentences whose scores differ only by
    floating-point noise (identical sentences) rank in document order, whichever way
    the scores were computed."""
    return np.round(np.asarray(scores, dtype=np.float64), 12)


def score_ranks(scores: np.ndarray) -> np.ndarray:
    """Each score's rank, 1 = highest, ties (by :func:`ranking_key`) in order."""
    rank = np.empty(len(scores), dtype=int)
    rank[np.argsort(-ranking_key(scores), kind="stable")] = np.arange(1, len(scores) + 1)
    return rank


def budget_size(n: int, sentences: int | None, ratio: float | None) -> int:
    """How many sentences a count or ratio budget allows out of ``n`` (ratio rounds half up)."""
    if sentences is not None:
        return min(n, sentences)
    if ratio is not None:
        return min(n, max(1, math.floor(ratio * n + 0.5)))
    return n


def topic_candidates(documents) -> list[Candidate]:
    """All sentences of a topic's documents, each distinct sentence once.

    Sentences equal after folding case, quotes and punctuation (a passage a page
    carries twice) are kept at their first occurrence, with the other documents
    recorded in ``also_in``, so a duplicate cannot enter a summary twice.
    """
    first: dict[str, Candidate] = {}
    for doc in documents:
        for i, sentence in enumerate(doc.sentences):
            key = normalize_text(sentence)
            seen = first.get(key)
            if seen is None:
                first[key] = Candidate(sentence, doc.id, i)
            # documents come one after another, so a document already recorded is the last
            # one: a sentence that a thousand documents share costs no search of its list
            elif doc.id != seen.document and (not seen.also_in or seen.also_in[-1] != doc.id):
                seen.also_in.append(doc.id)
    return list(first.values())


def central_rows(vectors, k: int) -> np.ndarray:
    """Indices (ascending) of the ``k`` rows most cosine-similar to the rows' mean direction; ties
    go to the earlier row. Linear in the rows' size."""
    Xn = unit_rows(vectors)
    mean = np.asarray(Xn.mean(axis=0)).ravel()
    sims = np.asarray(Xn @ mean).ravel()
    return np.sort(np.argsort(-np.round(sims, 12), kind="stable")[:k])


def picked_record(c: Candidate, i: int, score: float, rank: int, context: bool = False) -> dict:
    """A chosen sentence as the summary records it (``context``: picked only so that the next
    one reads on its own)."""
    return {"text": c.text, "score": round(float(score), 8), "index": int(i), "document": c.document,
            "position": c.position, "rank": int(rank), **({"also_in": c.also_in} if c.also_in else {}),
            **({"context": True} if context else {})}


@dataclass
class SentenceSet:
    """The sentences of one unit to score.

    Attributes
    ----------
    texts : list of str
    vectors : array or sparse matrix, shape (n, d)
        One representation per sentence (TF-IDF or embeddings).
    positions : ndarray of int
        Each sentence's index within its own document (0 = lead).
    similarity : ndarray or None
        The dense cosine matrix, when the caller has it.
    heading : str
        The unit's title (a document's title, a topic's name), for scorers that read it.
    last : ndarray of bool or None
        Whether each sentence is the last of its document's sentences in the unit, when known.
    """

    texts: list[str]
    vectors: np.ndarray | sp.spmatrix
    positions: np.ndarray
    similarity: np.ndarray | None = None
    heading: str = ""
    last: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.texts)

    @classmethod
    def from_texts(cls, texts: list[str], vectors) -> SentenceSet:
        return cls(list(texts), vectors, np.arange(len(texts)))


BUDGET_RULES = {"sentences": [Int(1)], "ratio": [Number(0, 1, closed="right")], "words": [Int(1)]}


class UnitBudget(Constraint):
    """One unit's own budget: a mapping with exactly one of ``sentences``, ``ratio``, ``words``."""

    def accepts(self, value) -> bool:
        return (isinstance(value, dict) and len(value) == 1 and next(iter(value)) in BUDGET_RULES
                and any(rule.accepts(next(iter(value.values()))) for rule in BUDGET_RULES[next(iter(value))]))

    def describe(self) -> str:
        return "a mapping with one of sentences (an integer >= 1), ratio (in (0, 1]) or words (an integer >= 1)"
