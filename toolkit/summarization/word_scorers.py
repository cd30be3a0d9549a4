"""The classic word-statistics summarisers' scorers: LSA, Luhn, SumBasic and KL-Sum.

Each reads the unit's sentences as bags of stemmed content words (lower-cased words of two or
more letters, English stop words left out, Porter stems), counted once for the unit in one
sparse matrix, and returns one score per sentence, higher meaning chosen earlier. The greedy
methods (SumBasic, KL-Sum) score by the order of their picks, so the shared selection (budget,
MMR, redundancy cap) reproduces their summaries.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from toolkit.summarization.scorers import CentralityScorer, SentenceSet

_WORD = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem.porter import PorterStemmer  # needs no data download

    return PorterStemmer()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stem(word)


def term_matrix(texts: list[str]) -> sp.csr_matrix:
    """Sentences x stemmed content words, counts (float64)."""
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for i, text in enumerate(texts):
        for word in _WORD.findall(text.lower()):
            if word in ENGLISH_STOP_WORDS:
                continue
            j = vocabulary.setdefault(_stem(word), len(vocabulary))
            rows.append(i)
            cols.append(j)
    data = np.ones(len(rows))
    return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), max(len(vocabulary), 1)))


def _by_pick_order(picks: list[int], n: int) -> np.ndarray:
    """Scores that rank ``picks`` first, in order, and every other sentence after them."""
    scores = np.zeros(n)
    scores[picks] = np.arange(len(picks), 0, -1, dtype=np.float64) + 1.0
    return scores / max(scores.max(), 1.0)


class LSAScorer(CentralityScorer):
    """LSA (Steinberger & Ježek, 2004): the length of each sentence's vector in the space of the
    term x sentence matrix's top singular directions, each weighted by its singular value.

    Parameters
    ----------
    dimensions : int or None
        Singular directions kept (None: those whose singular value is at least half the largest,
        at least 3), as Steinberger & Ježek keep the topics that carry the unit.
    """

    def __init__(self, dimensions: int | None = None) -> None:
        self.dimensions = dimensions

    def score(self, sentences: SentenceSet) -> np.ndarray:
        A = term_matrix(sentences.texts)
        A.data[:] = 1.0  # binary term occurrence, as in the paper
        if A.nnz == 0:
            return np.zeros(len(sentences))
        _, sigma, vt = np.linalg.svd(A.T.toarray(), full_matrices=False)
        if self.dimensions is not None:
            k = min(self.dimensions, len(sigma))
        else:
            k = min(len(sigma), max(3, int(np.sum(sigma >= sigma[0] / 2))))
        return np.sqrt(((sigma[:k, None] * vt[:k]) ** 2).sum(axis=0))


class LuhnScorer(CentralityScorer):
    """Luhn (1958): a sentence's best cluster of significant words, scored as
    (significant words in it)² / (its length in words), clusters being runs of significant words
    with at most ``max_gap`` other words between them.

    Parameters
    ----------
    significance : float
        A word is significant when it occurs at least this share of the unit's most frequent
        word's count (and at least twice).
    max_gap : int
        Insignificant words allowed inside a cluster (Luhn: 4).
    """

    def __init__(self, significance: float = 0.5, max_gap: int = 4) -> None:
        self.significance = significance
        self.max_gap = max_gap

    def score(self, sentences: SentenceSet) -> np.ndarray:
        words = [[_stem(w) for w in _WORD.findall(t.lower()) if w not in ENGLISH_STOP_WORDS]
                 for t in sentences.texts]
        counts: dict[str, int] = {}
        for sentence in words:
            for w in sentence:
                counts[w] = counts.get(w, 0) + 1
        if not counts:
            return np.zeros(len(sentences))
        top = max(counts.values())
        significant = {w for w, c in counts.items() if c >= max(2, self.significance * top)}
        scores = np.zeros(len(sentences))
        for i, sentence in enumerate(words):
            at = [j for j, w in enumerate(sentence) if w in significant]
            start = 0
            for end in range(1, len(at) + 1):  # split the significant positions at gaps > max_gap
                if end == len(at) or at[end] - at[end - 1] - 1 > self.max_gap:
                    span = at[end - 1] - at[start] + 1
                    scores[i] = max(scores[i], (end - start) ** 2 / span)
                    start = end
        return scores


class SumBasicScorer(CentralityScorer):
    """SumBasic (Nenkova & Vanderwende, 2005): pick the sentence whose words are most probable
    in the unit (mean word probability), then square the probabilities of the words it used so
    that the next pick favours other content; scores follow the order of the picks.

    Parameters
    ----------
    picks : int
        Picks ranked (the rest follow by their first-round weight); more than any budget needs.
    """

    def __init__(self, picks: int = 50) -> None:
        self.picks = picks

    def score(self, sentences: SentenceSet) -> np.ndarray:
        A = term_matrix(sentences.texts)
        n = len(sentences)
        if A.nnz == 0:
            return np.zeros(n)
        p = np.asarray(A.sum(axis=0)).ravel()
        p /= p.sum()
        lengths = np.maximum(np.asarray(A.sum(axis=1)).ravel(), 1.0)
        first = np.asarray(A @ p).ravel() / lengths
        open_ = np.ones(n, dtype=bool)
        picks: list[int] = []
        for _ in range(min(self.picks, n)):
            weight = np.where(open_, np.asarray(A @ p).ravel() / lengths, -np.inf)
            i = int(np.argmax(weight))
            picks.append(i)
            open_[i] = False
            used = A[i].indices
            p[used] = p[used] ** 2
        scores = _by_pick_order(picks, n)
        rest = np.flatnonzero(open_)
        if rest.size:  # after the ranked picks, by first-round weight, below every pick
            scores[rest] = 0.5 * first[rest] / max(first.max(), 1e-12) * scores[picks].min()
        return scores


class KLSumScorer(CentralityScorer):
    """KL-Sum (Haghighi & Vanderwende, 2009): greedily add the sentence that brings the summary's
    word distribution closest to the unit's (smallest KL(unit || summary), the summary smoothed
    so that unseen words cost a finite amount); scores follow the order of the picks.

    Parameters
    ----------
    picks : int
        Picks ranked; the rest follow by their KL divergence alone.
    smoothing : float
        Added to every word count of the summary before normalising.
    """

    def __init__(self, picks: int = 50, smoothing: float = 0.01) -> None:
        self.picks = picks
        self.smoothing = smoothing

    def score(self, sentences: SentenceSet) -> np.ndarray:
        A = term_matrix(sentences.texts)
        n = len(sentences)
        if A.nnz == 0:
            return np.zeros(n)
        unit = np.asarray(A.sum(axis=0)).ravel()
        target = unit / unit.sum()
        support = target > 0
        dense = A.toarray()

        def divergence(counts: np.ndarray) -> np.ndarray:  # rows: candidate summaries' counts
            q = counts + self.smoothing
            q = q / q.sum(axis=1, keepdims=True)
            return (target[support] * np.log(target[support] / q[:, support])).sum(axis=1)

        alone = divergence(dense)
        summary = np.zeros(A.shape[1])
        open_ = np.ones(n, dtype=bool)
        picks: list[int] = []
        for _ in range(min(self.picks, n)):
            cost = np.where(open_, divergence(summary[None, :] + dense), np.inf)
            i = int(np.argmin(cost))
            picks.append(i)
            open_[i] = False
            summary += dense[i]
        scores = _by_pick_order(picks, n)
        rest = np.flatnonzero(open_)
        if rest.size:
            closeness = 1.0 / (1.0 + alone[rest])
            scores[rest] = 0.5 * closeness / closeness.max() * scores[picks].min()
        return scores
