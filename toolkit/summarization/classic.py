"""The classic word-statistics summarisers as estimators: ``lsa``, ``luhn``, ``sumbasic``, ``klsum``,
``edmundson``.

They read words, not vectors: ``representation`` is accepted (for a shared experiment file) and
only used by ``mmr`` and ``max_similarity``. Scorers: :mod:`toolkit.summarization.word_scorers`.
"""

from __future__ import annotations

from toolkit.errors import ParameterError
from toolkit.params import Int, ListOf, NoneValue, Number, Text
from toolkit.summarization.methods import SUMMARIZERS
from toolkit.summarization.summarizers import SHARED_CONSTRAINTS, UNITS, Summarizer
from toolkit.summarization.word_scorers import EdmundsonScorer, KLSumScorer, LSAScorer, LuhnScorer, SumBasicScorer


@SUMMARIZERS.register("lsa")
class LSASummarizer(Summarizer):
    """LSA (Steinberger & Ježek, 2004); see :class:`~toolkit.summarization.word_scorers.LSAScorer`.

    Parameters
    ----------
    sentences, ratio, words, document, topic, units, representation, mmr, max_similarity, order, context
        See :class:`~toolkit.summarization.summarizers.Summarizer`.
    dimensions : int or None
        Singular directions kept (None: those at least half the largest singular value, at least 3).
    """

    method = "lsa"
    _parameter_constraints = {**SHARED_CONSTRAINTS, "dimensions": [Int(1), NoneValue()]}

    def __init__(self, sentences: int | None = None, *, ratio: float | None = None, words: int | None = None,
                 units: tuple[str, ...] = UNITS, representation: str = "tfidf", mmr: float | None = None,
                 max_similarity: float = 0.85, order: str = "original", max_candidates: int = 5000,
                 context: str = "repair",
                 document: dict | None = None, topic: dict | None = None, dimensions: int | None = None) -> None:
        self._set_shared(sentences, ratio, words, units, representation, mmr, max_similarity, order, document, topic,
                         max_candidates, context)
        self.dimensions = dimensions

    def _make_scorer(self) -> LSAScorer:
        return LSAScorer(self.dimensions)


@SUMMARIZERS.register("luhn")
class LuhnSummarizer(Summarizer):
    """Luhn (1958); see :class:`~toolkit.summarization.word_scorers.LuhnScorer`.

    Parameters
    ----------
    sentences, ratio, words, document, topic, units, representation, mmr, max_similarity, order, context
        See :class:`~toolkit.summarization.summarizers.Summarizer`.
    significance : float
        Share of the most frequent word's count that makes a (repeated) word significant; 0: every
        word the unit repeats.
    max_gap : int
        Insignificant words allowed inside a cluster of significant ones.
    """

    method = "luhn"
    _parameter_constraints = {**SHARED_CONSTRAINTS, "significance": [Number(0, 1)], "max_gap": [Int(0)]}

    def __init__(self, sentences: int | None = None, *, ratio: float | None = None, words: int | None = None,
                 units: tuple[str, ...] = UNITS, representation: str = "tfidf", mmr: float | None = None,
                 max_similarity: float = 0.85, order: str = "original", max_candidates: int = 5000,
                 context: str = "repair",
                 document: dict | None = None, topic: dict | None = None, significance: float = 0.0,
                 max_gap: int = 4) -> None:
        self._set_shared(sentences, ratio, words, units, representation, mmr, max_similarity, order, document, topic,
                         max_candidates, context)
        self.significance = significance
        self.max_gap = max_gap

    def _make_scorer(self) -> LuhnScorer:
        return LuhnScorer(self.significance, max_gap=self.max_gap)


@SUMMARIZERS.register("sumbasic")
class SumBasicSummarizer(Summarizer):
    """SumBasic (Nenkova & Vanderwende, 2005); see :class:`~toolkit.summarization.word_scorers.SumBasicScorer`.

    Parameters
    ----------
    sentences, ratio, words, document, topic, units, representation, mmr, max_similarity, order, context
        See :class:`~toolkit.summarization.summarizers.Summarizer`.
    picks : int
        Greedy picks ranked.
    """

    method = "sumbasic"
    _parameter_constraints = {**SHARED_CONSTRAINTS, "picks": [Int(1)]}

    def __init__(self, sentences: int | None = None, *, ratio: float | None = None, words: int | None = None,
                 units: tuple[str, ...] = UNITS, representation: str = "tfidf", mmr: float | None = None,
                 max_similarity: float = 0.85, order: str = "original", max_candidates: int = 5000,
                 context: str = "repair",
                 document: dict | None = None, topic: dict | None = None, picks: int = 50) -> None:
        self._set_shared(sentences, ratio, words, units, representation, mmr, max_similarity, order, document, topic,
                         max_candidates, context)
        self.picks = picks

    def _make_scorer(self) -> SumBasicScorer:
        return SumBasicScorer(self.picks)


@SUMMARIZERS.register("klsum")
class KLSumSummarizer(Summarizer):
    """KL-Sum (Haghighi & Vanderwende, 2009); see :class:`~toolkit.summarization.word_scorers.KLSumScorer`.

    Parameters
    ----------
    sentences, ratio, words, document, topic, units, representation, mmr, max_similarity, order, context
        See :class:`~toolkit.summarization.summarizers.Summarizer`.
    picks : int
        Greedy picks ranked.
    smoothing : float
        Added to each word count of the summary before normalising.
    """

    method = "klsum"
    _parameter_constraints = {**SHARED_CONSTRAINTS, "picks": [Int(1)],
                              "smoothing": [Number(0, None, closed="neither")]}

    def __init__(self, sentences: int | None = None, *, ratio: float | None = None, words: int | None = None,
                 units: tuple[str, ...] = UNITS, representation: str = "tfidf", mmr: float | None = None,
                 max_similarity: float = 0.85, order: str = "original", max_candidates: int = 5000,
                 context: str = "repair", document: dict | None = None, topic: dict | None = None, picks: int = 50,
                 smoothing: float = 0.01) -> None:
        self._set_shared(sentences, ratio, words, units, representation, mmr, max_similarity, order, document, topic,
                         max_candidates, context)
        self.picks = picks
        self.smoothing = smoothing

    def _make_scorer(self) -> KLSumScorer:
        return KLSumScorer(self.picks, smoothing=self.smoothing)


@SUMMARIZERS.register("edmundson")
class EdmundsonSummarizer(Summarizer):
    """Edmundson (1969); see :class:`~toolkit.summarization.word_scorers.EdmundsonScorer`.

    Parameters
    ----------
    sentences, ratio, words, document, topic, units, representation, mmr, max_similarity, order, context
        See :class:`~toolkit.summarization.summarizers.Summarizer`.
    bonus_words, stigma_words : list of str
        Cue words (compared as stems); at least one list must be given while ``cue_weight`` > 0.
    cue_weight, title_weight, location_weight : float
        Weights of cue, title and location evidence (each >= 0).
    """

    method = "edmundson"
    _parameter_constraints = {**SHARED_CONSTRAINTS, "bonus_words": [ListOf(Text())],
                              "stigma_words": [ListOf(Text())], "cue_weight": [Number(0, None)],
                              "title_weight": [Number(0, None)], "location_weight": [Number(0, None)]}

    def __init__(self, sentences: int | None = None, *, ratio: float | None = None, words: int | None = None,
                 units: tuple[str, ...] = UNITS, representation: str = "tfidf", mmr: float | None = None,
                 max_similarity: float = 0.85, order: str = "original", max_candidates: int = 5000,
                 context: str = "repair",
                 document: dict | None = None, topic: dict | None = None, bonus_words: tuple[str, ...] = (),
                 stigma_words: tuple[str, ...] = (), cue_weight: float = 1.0, title_weight: float = 1.0,
                 location_weight: float = 1.0) -> None:
        self._set_shared(sentences, ratio, words, units, representation, mmr, max_similarity, order, document, topic,
                         max_candidates, context)
        self.bonus_words = bonus_words
        self.stigma_words = stigma_words
        self.cue_weight = cue_weight
        self.title_weight = title_weight
        self.location_weight = location_weight

    def _check_params(self) -> None:
        super()._check_params()
        if self.cue_weight > 0 and not self.bonus_words and not self.stigma_words:
            raise ParameterError("bonus_words", "edmundson's cue method needs bonus_words or stigma_words "
                                 "(or cue_weight: 0)", list(self.bonus_words), type(self).__name__)

    def _make_scorer(self) -> EdmundsonScorer:
        return EdmundsonScorer(self.bonus_words, stigma_words=self.stigma_words, cue_weight=self.cue_weight,
                               title_weight=self.title_weight,
                               location_weight=self.location_weight)


__all__ = ["EdmundsonSummarizer", "KLSumSummarizer", "LSASummarizer", "LuhnSummarizer", "SumBasicSummarizer"]
