"""The summarisers, one class per centrality method, chosen by name (``summarize.method``).

Each is a scikit-learn estimator: the shared parameters (budget, units, representation,
MMR, redundancy cap, order; see :class:`~toolkit.summarization.summarizers.Summarizer`)
first, then its own algorithm's. ``LexRankSummarizer(ratio=0.3)`` summarises with that
one budget; with no budget given, 3 sentences.
"""

from __future__ import annotations

from toolkit.params import SEED, Int, NoneValue
from toolkit.registry import Registry
from toolkit.summarization.consensus import Consensus
from toolkit.summarization.scorers import (
    CentroidScorer,
    DegreeCentrality,
    LeadScorer,
    LexRank,
    RandomScorer,
    TextRank,
)
from toolkit.summarization.summarizers import GRAPH_CONSTRAINTS, SHARED_CONSTRAINTS, UNITS, Summarizer

SUMMARIZERS: Registry[Summarizer] = Registry("summarize.method")


def _only(*names: str) -> dict:
    return {**SHARED_CONSTRAINTS, **{n: GRAPH_CONSTRAINTS[n] for n in names}}


@SUMMARIZERS.register("consensus")
class ConsensusSummarizer(Summarizer):
    """Consensus of TextRank and LexRank: the geometric mean of the two walks' scores, so a
    sentence ranks high only when it is central both by the content words it shares and by
    the cosine of its vectors (:mod:`toolkit.summarization.consensus`). The default method.

    Parameters
    ----------
    sentences, ratio, words, document, topic, units, representation, mmr, max_similarity, order, context
        See :class:`~toolkit.summarization.summarizers.Summarizer`.
    stop_words : bool
        TextRank's overlap leaves out English stop words.
    damping, max_iter, tol, neighbors, dense_limit
        Both walks', as for :class:`LexRankSummarizer`.
    """

    method = "consensus"
    _parameter_constraints = _only("stop_words", "damping", "max_iter", "tol", "neighbors", "dense_limit")

    def __init__(self, sentences: int | None = None, *, ratio: float | None = None, words: int | None = None,
                 units: tuple[str, ...] = UNITS, representation: str = "tfidf", mmr: float | None = None,
                 max_similarity: float = 0.85, order: str = "original", max_candidates: int = 5000,
                 context: str = "repair",
                 document: dict | None = None, topic: dict | None = None, stop_words: bool = True,
                 damping: float = 0.85, max_iter: int = 100, tol: float = 1e-8, neighbors: int = 20,
                 dense_limit: int = 3000) -> None:
        self._set_shared(sentences, ratio, words, units, representation, mmr, max_similarity, order, document, topic,
                         max_candidates, context)
        self.stop_words = stop_words
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol
        self.neighbors = neighbors
        self.dense_limit = dense_limit

    def _make_scorer(self) -> Consensus:
        return Consensus(stop_words=self.stop_words, damping=self.damping, max_iter=self.max_iter, tol=self.tol,
                         neighbors=self.neighbors, dense_limit=self.dense_limit)


@SUMMARIZERS.register("lexrank")
class LexRankSummarizer(Summarizer):
    """LexRank (Erkan & Radev, 2004): the stationary distribution of a random walk on the
    sentences' cosine graph.

    Parameters
    ----------
    sentences, ratio, words, document, topic, units, representation, mmr, max_similarity, order, context
        See :class:`~toolkit.summarization.summarizers.Summarizer`.
    threshold : float or None
        None: continuous LexRank (edges weighted by cosine). A number: thresholded
        LexRank (the paper uses 0.1).
    damping : float
        Probability of following an edge rather than jumping (PageRank's d).
    max_iter, tol : int, float
        Power-iteration bounds (small graphs are solved exactly).
    neighbors : int
        Above ``dense_limit`` sentences, each keeps only its ``neighbors`` most similar.
    dense_limit : int
        Largest unit scored with a dense similarity matrix.
    """

    method = "lexrank"
    _parameter_constraints = _only("threshold", "damping", "max_iter", "tol", "neighbors", "dense_limit")

    def __init__(self, sentences: int | None = None, *, ratio: float | None = None, words: int | None = None,
                 units: tuple[str, ...] = UNITS, representation: str = "tfidf", mmr: float | None = None,
                 max_similarity: float = 0.85, order: str = "original", max_candidates: int = 5000,
                 context: str = "repair",
                 document: dict | None = None, topic: dict | None = None, threshold: float | None = None,
                 damping: float = 0.85, max_iter: int = 100, tol: float = 1e-8, neighbors: int = 20,
                 dense_limit: int = 3000) -> None:
        self._set_shared(sentences, ratio, words, units, representation, mmr, max_similarity, order, document, topic,
                         max_candidates, context)
        self.threshold = threshold
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol
        self.neighbors = neighbors
        self.dense_limit = dense_limit

    def _make_scorer(self) -> LexRank:
        return LexRank(self.threshold, damping=self.damping, max_iter=self.max_iter, tol=self.tol,
                       neighbors=self.neighbors, dense_limit=self.dense_limit)


@SUMMARIZERS.register("textrank")
class TextRankSummarizer(Summarizer):
    """TextRank (Mihalcea & Tarau, 2004): PageRank on a sentence graph without self-loops.

    Parameters
    ----------
    sentences, ratio, words, document, topic, units, representation, mmr, max_similarity, order, context
        See :class:`~toolkit.summarization.summarizers.Summarizer`.
    similarity : {"overlap", "cosine"}
        ``overlap``: the paper's |common words| / (log|S_i| + log|S_j|); ``cosine``: cosine
        of the sentence vectors.
    stop_words : bool
        Drop English stop words before counting overlap.
    damping, max_iter, tol, neighbors, dense_limit
        As for :class:`LexRankSummarizer`.
    """

    method = "textrank"
    _parameter_constraints = _only("similarity", "stop_words", "damping", "max_iter", "tol", "neighbors",
                                   "dense_limit")

    def __init__(self, sentences: int | None = None, *, ratio: float | None = None, words: int | None = None,
                 units: tuple[str, ...] = UNITS, representation: str = "tfidf", mmr: float | None = None,
                 max_similarity: float = 0.85, order: str = "original", max_candidates: int = 5000,
                 context: str = "repair",
                 document: dict | None = None, topic: dict | None = None, similarity: str = "overlap",
                 stop_words: bool = True, damping: float = 0.85, max_iter: int = 100, tol: float = 1e-8,
                 neighbors: int = 20, dense_limit: int = 3000) -> None:
        self._set_shared(sentences, ratio, words, units, representation, mmr, max_similarity, order, document, topic,
                         max_candidates, context)
        self.similarity = similarity
        self.stop_words = stop_words
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol
        self.neighbors = neighbors
        self.dense_limit = dense_limit

    def _make_scorer(self) -> TextRank:
        return TextRank(self.similarity, stop_words=self.stop_words, damping=self.damping, max_iter=self.max_iter,
                        tol=self.tol, neighbors=self.neighbors,
                        dense_limit=self.dense_limit)


@SUMMARIZERS.register("degree")
class DegreeSummarizer(Summarizer):
    """Degree centrality: how many sentences each one is similar to (LexRank's simplest form).

    Parameters
    ----------
    sentences, ratio, words, document, topic, units, representation, mmr, max_similarity, order, context
        See :class:`~toolkit.summarization.summarizers.Summarizer`.
    threshold : float or None
        An edge where the cosine reaches it (None: degree weighted by cosine).
    neighbors, dense_limit
        As for :class:`LexRankSummarizer`.
    """

    method = "degree"
    _parameter_constraints = _only("threshold", "neighbors", "dense_limit")

    def __init__(self, sentences: int | None = None, *, ratio: float | None = None, words: int | None = None,
                 units: tuple[str, ...] = UNITS, representation: str = "tfidf", mmr: float | None = None,
                 max_similarity: float = 0.85, order: str = "original", max_candidates: int = 5000,
                 context: str = "repair",
                 document: dict | None = None, topic: dict | None = None, threshold: float | None = 0.1,
                 neighbors: int = 20, dense_limit: int = 3000) -> None:
        self._set_shared(sentences, ratio, words, units, representation, mmr, max_similarity, order, document, topic,
                         max_candidates, context)
        self.threshold = threshold
        self.neighbors = neighbors
        self.dense_limit = dense_limit

    def _make_scorer(self) -> DegreeCentrality:
        return DegreeCentrality(self.threshold, neighbors=self.neighbors, dense_limit=self.dense_limit)


@SUMMARIZERS.register("centroid")
class CentroidSummarizer(Summarizer):
    """Centroid-based (Radev et al., 2004): cosine of each sentence to the unit's centroid.

    Parameters
    ----------
    sentences, ratio, words, document, topic, units, representation, mmr, max_similarity, order, context
        See :class:`~toolkit.summarization.summarizers.Summarizer`.
    top_terms : int or None
        Keep only the centroid's largest terms (None: all).
    """

    method = "centroid"
    _parameter_constraints = {**SHARED_CONSTRAINTS, "top_terms": [Int(1), NoneValue()]}

    def __init__(self, sentences: int | None = None, *, ratio: float | None = None, words: int | None = None,
                 units: tuple[str, ...] = UNITS, representation: str = "tfidf", mmr: float | None = None,
                 max_similarity: float = 0.85, order: str = "original", max_candidates: int = 5000,
                 context: str = "repair",
                 document: dict | None = None, topic: dict | None = None, top_terms: int | None = None) -> None:
        self._set_shared(sentences, ratio, words, units, representation, mmr, max_similarity, order, document, topic,
                         max_candidates, context)
        self.top_terms = top_terms

    def _make_scorer(self) -> CentroidScorer:
        return CentroidScorer(self.top_terms)


@SUMMARIZERS.register("lead")
class LeadSummarizer(Summarizer):
    """Baseline: the first sentences of each document.

    Parameters
    ----------
    sentences, ratio, words, document, topic, units, representation, mmr, max_similarity, order, context
        See :class:`~toolkit.summarization.summarizers.Summarizer`.
    """

    method = "lead"

    def __init__(self, sentences: int | None = None, *, ratio: float | None = None, words: int | None = None,
                 units: tuple[str, ...] = UNITS, representation: str = "tfidf", mmr: float | None = None,
                 max_similarity: float = 0.85, order: str = "original", max_candidates: int = 5000,
                 context: str = "repair", document: dict | None = None, topic: dict | None = None) -> None:
        self._set_shared(sentences, ratio, words, units, representation, mmr, max_similarity, order, document, topic,
                         max_candidates, context)

    def _make_scorer(self) -> LeadScorer:
        return LeadScorer()


@SUMMARIZERS.register("random")
class RandomSummarizer(Summarizer):
    """Baseline: seeded random scores.

    Parameters
    ----------
    sentences, ratio, words, document, topic, units, representation, mmr, max_similarity, order, context
        See :class:`~toolkit.summarization.summarizers.Summarizer`.
    random_state : int
        Seed (a run sets it from the experiment's seed).
    """

    method = "random"
    _parameter_constraints = {**SHARED_CONSTRAINTS, "random_state": SEED}

    def __init__(self, sentences: int | None = None, *, ratio: float | None = None, words: int | None = None,
                 units: tuple[str, ...] = UNITS, representation: str = "tfidf", mmr: float | None = None,
                 max_similarity: float = 0.85, order: str = "original", max_candidates: int = 5000,
                 context: str = "repair",
                 document: dict | None = None, topic: dict | None = None, random_state: int = 0) -> None:
        self._set_shared(sentences, ratio, words, units, representation, mmr, max_similarity, order, document, topic,
                         max_candidates, context)
        self.random_state = random_state

    def _make_scorer(self) -> RandomScorer:
        return RandomScorer(self.random_state)


def make_summarizer(method: str = "consensus", **params) -> Summarizer:
    """The summariser registered as ``method`` with ``params`` (``make_summarizer("consensus", ratio=0.4)``)."""
    return SUMMARIZERS.get(method, "method")(**params)


__all__ = ["SUMMARIZERS", "CentroidSummarizer", "ConsensusSummarizer", "DegreeSummarizer", "LeadSummarizer",
           "LexRankSummarizer", "RandomSummarizer", "TextRankSummarizer", "make_summarizer"]
