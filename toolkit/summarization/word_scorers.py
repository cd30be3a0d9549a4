"""The classic word-statistics scorers: LSA, Luhn, SumBasic, KL-Sum and Edmundson.

Each reads a unit's sentences as stemmed content words (lower-cased words of two or more
letters, English stop words left out, Porter stems) and returns one score per sentence, higher
meaning chosen earlier. Words are counted once for a whole corpus in one sparse sentences x
words matrix (:func:`term_matrix`) and each unit is scored on its rows, so summarising many
documents costs one pass of tokenising and stemming. The greedy methods (SumBasic, KL-Sum)
score by the order of their picks, so the shared selection (budget, MMR, redundancy cap)
reproduces their summaries.

How they differ from sumy's implementations, on purpose, is said in each class.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from toolkit.summarization.scorers import CentralityScorer, SentenceSet
from toolkit.summarization.units import ranking_key

_WORD = re.compile(r"[^\W\d_]{2,}")
DENSE_SVD_LIMIT = 1500  # units with more sentences get a truncated, seeded SVD


@lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem.porter import PorterStemmer  # needs no data download

    return PorterStemmer()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stem(word)


def content_stems(text: str) -> list[str]:
    """The stemmed content words of ``text``, in order."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]


def term_matrix(texts: list[str]) -> sp.csr_matrix:
    """Sentences x stemmed content words, counts (float64), columns in order of first use."""
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for i, text in enumerate(texts):
        for stem in content_stems(text):
            rows.append(i)
            cols.append(vocabulary.setdefault(stem, len(vocabulary)))
    A = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), max(len(vocabulary), 1)))
    A.sum_duplicates()
    return A


def used_columns(A: sp.csr_matrix) -> sp.csr_matrix:
    """``A`` without the columns none of its rows use (a unit's rows cut from a corpus matrix)."""
    cols, inverse = np.unique(A.indices, return_inverse=True)
    return sp.csr_matrix((A.data, inverse.reshape(-1), A.indptr), shape=(A.shape[0], max(len(cols), 1)))


def _by_pick_order(picks: list[int], fallback: np.ndarray) -> np.ndarray:
    """Scores that rank ``picks`` first, in order, then every other sentence by ``fallback``
    (higher first), below every pick."""
    n = len(fallback)
    scores = np.zeros(n)
    scores[picks] = np.arange(len(picks), 0, -1, dtype=np.float64) + 1.0
    rest = np.ones(n, dtype=bool)
    rest[picks] = False
    if rest.any():
        low, high = fallback[rest].min(), fallback[rest].max()
        scores[rest] = 0.5 * ((fallback[rest] - low) / (high - low) if high > low else 1.0)
    return scores / scores.max()


class WordScorer(CentralityScorer):
    """Base of the scorers that read words: ``score_unit(A, sentences)`` scores one unit from its
    rows of the term matrix ``A`` (columns it does not use removed)."""

    def score_unit(self, A: sp.csr_matrix, sentences: SentenceSet) -> np.ndarray:
        raise NotImplementedError

    def score(self, sentences: SentenceSet) -> np.ndarray:
        if len(sentences) == 0:
            return np.zeros(0)
        return self._checked(self.score_unit(term_matrix(sentences.texts), sentences))

    def score_blocks(self, similarity: sp.csr_matrix, sizes: np.ndarray,
                     texts: list[str] | None = None) -> np.ndarray | None:
        """Every document's scores from one term matrix of all their sentences."""
        if texts is None:
            return None
        A = term_matrix(texts)
        starts = np.concatenate([[0], np.cumsum(sizes)])
        out = np.zeros(len(texts))
        for a, b in zip(starts[:-1], starts[1:]):
            if b > a:
                unit = SentenceSet.from_texts(texts[a:b], None)
                out[a:b] = self._checked(self.score_unit(used_columns(A[a:b]), unit))
        return out

    @staticmethod
    def _checked(scores: np.ndarray) -> np.ndarray:
        return np.nan_to_num(np.asarray(scores, dtype=np.float64))


class LSAScorer(WordScorer):
    """LSA (Steinberger & Ježek, 2004): the length of each sentence's vector in the space of the
    term x sentence matrix's top singular directions, each weighted by its singular value.

    Differs from sumy's ``LsaSummarizer`` by design: sumy keeps every singular direction
    (``REDUCTION_RATIO = 1``), which makes a sentence's score the plain length of its column, and
    its max-tf smoothing writes 0.4 into every empty cell, so long sentences win whatever they
    say. Here cells are binary (word present or not, as in the paper) and only the directions
    that carry the unit are kept.

    Parameters
    ----------
    dimensions : int or None
        Singular directions kept (None: those whose singular value is at least half the largest,
        at least 3).
    """

    def __init__(self, dimensions: int | None = None) -> None:
        self.dimensions = dimensions

    def score_unit(self, A: sp.csr_matrix, sentences: SentenceSet) -> np.ndarray:
        A = A.copy()
        A.data[:] = 1.0
        if A.nnz == 0:
            return np.zeros(A.shape[0])
        if min(A.shape) <= DENSE_SVD_LIMIT:
            _, sigma, vt = np.linalg.svd(A.T.toarray(), full_matrices=False)
        else:  # a large topic: only the leading directions can be kept anyway
            from sklearn.utils.extmath import randomized_svd

            _, sigma, vt = randomized_svd(A.T, min(self.dimensions or 50, min(A.shape) - 1), random_state=0)
        if self.dimensions is not None:
            k = min(self.dimensions, len(sigma))
        else:
            k = min(len(sigma), max(3, int(np.sum(sigma >= sigma[0] / 2))))
        return np.sqrt(((sigma[:k, None] * vt[:k]) ** 2).sum(axis=0))


class LuhnScorer(WordScorer):
    """Luhn (1958): a sentence's best cluster of significant words, scored as
    (significant words in it)² / (its length in words); clusters are runs of significant words
    with at most ``max_gap`` other content words between them, and a lone significant word is no
    cluster.

    Differs from sumy's ``LuhnSummarizer`` in what is counted: sumy's gaps count stop words too
    and end a cluster at its fourth insignificant word; here stop words are left out before
    clusters are found, so a gap is measured in content words.

    Parameters
    ----------
    significance : float
        A word is significant when it occurs at least twice in the unit and at least this share
        of the unit's most frequent word's count (0: every repeated word, as sumy does).
    max_gap : int
        Insignificant content words allowed inside a cluster (Luhn: 4).
    """

    def __init__(self, significance: float = 0.0, *, max_gap: int = 4) -> None:
        self.significance = significance
        self.max_gap = max_gap

    def score_unit(self, A: sp.csr_matrix, sentences: SentenceSet) -> np.ndarray:
        words = [content_stems(t) for t in sentences.texts]
        counts: dict[str, int] = {}
        for sentence in words:
            for w in sentence:
                counts[w] = counts.get(w, 0) + 1
        if not counts:
            return np.zeros(len(words))
        floor = max(2.0, self.significance * max(counts.values()))
        significant = {w for w, c in counts.items() if c >= floor}
        scores = np.zeros(len(words))
        for i, sentence in enumerate(words):
            at = [j for j, w in enumerate(sentence) if w in significant]
            start = 0
            for end in range(1, len(at) + 1):  # split the significant positions at gaps > max_gap
                if end == len(at) or at[end] - at[end - 1] - 1 > self.max_gap:
                    if end - start > 1:
                        scores[i] = max(scores[i], (end - start) ** 2 / (at[end - 1] - at[start] + 1))
                    start = end
        return scores


class SumBasicScorer(WordScorer):
    """SumBasic (Nenkova & Vanderwende, 2005): pick the sentence whose words are most probable
    in the unit (mean word probability), then square the probabilities of the words it used so
    that the next pick favours other content; scores follow the order of the picks.

    The same algorithm as sumy's ``SumBasicSummarizer``; picks differ only where the two
    tokenisers, stop-word lists and stemmers (Porter here, Snowball in sumy) see different words.

    Parameters
    ----------
    picks : int
        Picks ranked (the rest follow by their first-round weight); more than any budget needs.
    """

    def __init__(self, picks: int = 50) -> None:
        self.picks = picks

    def score_unit(self, A: sp.csr_matrix, sentences: SentenceSet) -> np.ndarray:
        n = A.shape[0]
        if A.nnz == 0:
            return np.zeros(n)
        p = np.asarray(A.sum(axis=0)).ravel()
        p /= p.sum()
        lengths = np.maximum(np.asarray(A.sum(axis=1)).ravel(), 1.0)
        first = np.asarray(A @ p).ravel() / lengths
        open_ = np.ones(n, dtype=bool)
        picks: list[int] = []
        for _ in range(min(self.picks, n)):
            weight = np.where(open_, ranking_key(np.asarray(A @ p).ravel() / lengths), -np.inf)
            i = int(np.argmax(weight))  # ties (frequent once probabilities are squared): the earliest
            picks.append(i)
            open_[i] = False
            used = A.indices[A.indptr[i]:A.indptr[i + 1]]
            p[used] = p[used] ** 2
        return _by_pick_order(picks, first)


class KLSumScorer(WordScorer):
    """KL-Sum (Haghighi & Vanderwende, 2009): greedily add the sentence that brings the summary's
    word distribution closest to the unit's, by the smallest KL(unit || summary), the summary's
    counts smoothed so that a word it lacks costs a finite amount; scores follow the order of
    the picks. Each step is sparse: O(non-zeros of the unit's term matrix).

    Differs from sumy's ``KLSummarizer`` by design: sumy sums the divergence only over the words
    the summary already has (so a summary is never charged for what it leaves out, and short
    sentences of frequent words win), does not stem, and counts the chosen sentences' stop words
    in the summary's distribution. Here it is the divergence the paper defines, over every word
    of the unit.

    Parameters
    ----------
    picks : int
        Picks ranked; the rest follow by their divergence alone.
    smoothing : float
        Added to every word count of the summary before normalising.
    """

    def __init__(self, picks: int = 50, *, smoothing: float = 0.01) -> None:
        self.picks = picks
        self.smoothing = smoothing

    def score_unit(self, A: sp.csr_matrix, sentences: SentenceSet) -> np.ndarray:
        n, vocabulary = A.shape
        if A.nnz == 0:
            return np.zeros(n)
        unit = np.asarray(A.sum(axis=0)).ravel()
        target = unit / unit.sum()
        lengths = np.asarray(A.sum(axis=1)).ravel()
        rows = np.repeat(np.arange(n), np.diff(A.indptr))
        cols, counts = A.indices, A.data
        alpha = self.smoothing

        def gain(summary: np.ndarray, total: float) -> np.ndarray:
            """For each sentence, -KL(unit || summary + sentence) up to a constant: the
            cross-entropy change on the sentence's own words, less the normaliser's growth."""
            change = target[cols] * (np.log(summary[cols] + counts + alpha) - np.log(summary[cols] + alpha))
            return np.bincount(rows, weights=change, minlength=n) - np.log(total + lengths + alpha * vocabulary)

        alone = gain(np.zeros(vocabulary), 0.0)
        summary = np.zeros(vocabulary)
        total = 0.0
        open_ = np.ones(n, dtype=bool)
        picks: list[int] = []
        for _ in range(min(self.picks, n)):
            i = int(np.argmax(np.where(open_, ranking_key(gain(summary, total)), -np.inf)))
            picks.append(i)
            open_[i] = False
            a, b = A.indptr[i], A.indptr[i + 1]
            summary[A.indices[a:b]] += A.data[a:b]
            total += lengths[i]
        return _by_pick_order(picks, alone)


class EdmundsonScorer(WordScorer):
    """Edmundson (1969): a weighted sum of cue (bonus words minus stigma words in the sentence),
    title (words of the unit's heading in the sentence) and location (a document's first and
    last sentence) evidence, words compared as Porter stems.

    As in sumy's ``EdmundsonSummarizer`` (whose key method is off by default and left out here:
    Luhn covers word frequency), with two differences by design: title words are content words
    (sumy counts every non-null word, and its null words are the caller's to give), and location
    knows documents, not paragraphs, so a topic unit rewards each of its documents' leads.

    Parameters
    ----------
    bonus_words, stigma_words : sequence of str
        Cue words: each occurrence adds (bonus) or subtracts (stigma) ``cue_weight``.
    cue_weight, title_weight, location_weight : float
        Weights of the three kinds of evidence.
    """

    def __init__(self, bonus_words=(), *, stigma_words=(), cue_weight: float = 1.0, title_weight: float = 1.0,
                 location_weight: float = 1.0) -> None:
        self.bonus_words = bonus_words
        self.stigma_words = stigma_words
        self.cue_weight = cue_weight
        self.title_weight = title_weight
        self.location_weight = location_weight

    def score_blocks(self, similarity, sizes, texts=None) -> None:
        return None  # needs each document's heading: scored unit by unit

    def score_unit(self, A: sp.csr_matrix, sentences: SentenceSet) -> np.ndarray:
        bonus = {_stem(w.lower()) for w in self.bonus_words}
        stigma = {_stem(w.lower()) for w in self.stigma_words}
        heading = set(content_stems(sentences.heading))
        every = [[_stem(w) for w in _WORD.findall(t.lower())] for t in sentences.texts]  # cue words may be stop words
        cue = np.array([sum(w in bonus for w in s) - sum(w in stigma for w in s) for s in every], dtype=np.float64)
        words = [content_stems(t) for t in sentences.texts]
        title = np.array([sum(w in heading for w in s) for s in words], dtype=np.float64)
        positions = np.asarray(sentences.positions)
        location = (positions == 0).astype(np.float64)
        if sentences.last is not None:
            location += np.asarray(sentences.last, dtype=np.float64) * (positions > 0)
        return self.cue_weight * cue + self.title_weight * title + self.location_weight * location
