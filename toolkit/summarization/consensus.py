"""Consensus centrality: a sentence central both by the words it shares (TextRank) and by the
cosine of its vectors (LexRank).

The two walks disagree on different sentences: TextRank's overlap counts shared content
words, normalised by sentence length, and LexRank weighs them by rarity in the vectors'
representation. Their geometric mean ranks a sentence high only when both do, with no weight
to choose (a weighted sum or a rank average would need one).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from toolkit.summarization.scorers import GraphScorer, LexRank, TextRank
from toolkit.summarization.units import SentenceSet


class Consensus(GraphScorer):
    """The geometric mean of TextRank (word overlap) and LexRank (cosine) scores.

    Its own graph, used to keep the most central sentences of a topic too large to score
    whole (:meth:`GraphScorer.preselect`), is LexRank's cosine graph.

    Parameters
    ----------
    stop_words : bool
        TextRank counts overlap without English stop words.
    damping, max_iter, tol, neighbors, dense_limit
        Both walks', as for :class:`~toolkit.summarization.scorers.LexRank`.
    """

    def __init__(self, *, stop_words: bool = True, damping: float = 0.85, max_iter: int = 100, tol: float = 1e-8,
                 neighbors: int = 20, dense_limit: int = 3000) -> None:
        super().__init__(None, True, neighbors, dense_limit)
        walk = {"damping": damping, "max_iter": max_iter, "tol": tol, "neighbors": neighbors,
                "dense_limit": dense_limit}
        self.textrank = TextRank("overlap", stop_words=stop_words, **walk)
        self.lexrank = LexRank(None, **walk)

    def score(self, sentences: SentenceSet) -> np.ndarray:
        return np.sqrt(self.textrank.score(sentences) * self.lexrank.score(sentences))

    def score_blocks(self, similarity: sp.csr_matrix, sizes: np.ndarray,
                     texts: list[str] | None = None) -> np.ndarray | None:
        words = self.textrank.score_blocks(similarity, sizes, texts)
        if words is None:
            return None
        cosine = self.lexrank.score_blocks(similarity, sizes, texts)
        return None if cosine is None else np.sqrt(words * cosine)


__all__ = ["Consensus"]
