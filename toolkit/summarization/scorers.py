"""Sentence centrality scorers, vectorised with numpy/scipy (no per-pair Python loops).

Every scorer takes a :class:`SentenceSet` (the unit's sentences, their vectors and
their positions in their documents) and returns one score per sentence, higher
meaning more central. They are the algorithms inside the summarisers
(:mod:`toolkit.summarization.methods`), which check their parameters.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from toolkit.arrays import to_dense
from toolkit.summarization.graph import (
    SOLVE_DAMPING,
    SOLVE_LIMIT,
    TIE,
    block_rows,
    knn_graph,
    row_norms,
    stationary_blocks,
    stationary_distribution,
    unit_columns,
    unit_rows,
)
from toolkit.summarization.units import SentenceSet
from toolkit.text.terms import word_sets


class CentralityScorer:
    """Base class: ``score(sentences)`` returns one centrality per sentence."""

    def score(self, sentences: SentenceSet) -> np.ndarray:
        raise NotImplementedError

    def score_blocks(self, similarity: sp.csr_matrix, sizes: np.ndarray,
                     texts: list[str] | None = None) -> np.ndarray | None:
        """Scores of many units at once from their block-diagonal cosine matrix
        (:func:`block_cosine`) or, for a scorer that reads words, their sentences' ``texts``,
        equal to scoring each unit alone; None when this scorer cannot (the caller then
        scores unit by unit)."""
        return None


class GraphScorer(CentralityScorer):
    """Shared graph construction of the graph-based scorers.

    Parameters
    ----------
    threshold : float or None
        None: edges weighted by similarity. A number: an edge (weight 1) where the
        similarity is at least ``threshold``.
    self_loops : bool
        Whether a sentence's similarity to itself is an edge.
    neighbors : int
        Above ``dense_limit`` sentences, each sentence keeps only its ``neighbors``
        most similar sentences.
    dense_limit : int
        Largest unit scored with a dense n x n similarity matrix.
    """

    def __init__(self, threshold: float | None, self_loops: bool, neighbors: int, dense_limit: int) -> None:
        self.threshold = threshold
        self.self_loops = self_loops
        self.neighbors = neighbors
        self.dense_limit = dense_limit

    uses_cosine = True

    def similarity_rows(self, sentences: SentenceSet) -> Callable[[int, int], np.ndarray]:
        """Cosine similarities of a block of rows to all rows (negatives clipped to 0).

        Small units get float64; the blocks of a large unit are float32, halving the
        memory traffic of the blocked search.
        """
        Xn = unit_rows(sentences.vectors)
        if len(sentences) > self.dense_limit:
            Xn = Xn.astype(np.float32)
            if not sp.issparse(Xn):
                import torch

                Xt = torch.from_numpy(np.ascontiguousarray(Xn))

                def rows(start: int, stop: int) -> np.ndarray:
                    return torch.clamp_(Xt[start:stop] @ Xt.T, min=0.0).numpy()

                return rows
        XnT = Xn.T.tocsr() if sp.issparse(Xn) else np.ascontiguousarray(Xn.T)
        # Non-negative vectors (TF-IDF) have no negative cosines to clip.
        nonnegative = sp.issparse(Xn) and (Xn.data >= 0).all()

        def rows(start: int, stop: int) -> np.ndarray:
            S = to_dense(Xn[start:stop] @ XnT)
            return S if nonnegative else np.maximum(S, 0.0, out=S)

        return rows

    def block_graph(self, similarity: sp.csr_matrix, sizes: np.ndarray,
                    texts: list[str] | None = None) -> sp.csr_matrix | None:
        """The graphs of many small units as one block-diagonal matrix (see ``graph``)."""
        if not self.uses_cosine or len(sizes) == 0 or sizes.max() > self.dense_limit:
            return None
        if self.threshold is not None and self.threshold <= 0:
            return None  # every pair, even with no similarity stored, would be an edge
        W = sp.csr_matrix(similarity, dtype=np.float64, copy=True)
        loops = W.diagonal() > 0  # a sentence with no words has no similarity, not even to itself
        W.setdiag(0.0)
        W.data = np.clip(W.data, 0.0, None)
        if self.threshold is not None:
            W.data = (W.data >= self.threshold - TIE).astype(np.float64)
        W.eliminate_zeros()
        if self.self_loops:
            W = (W + sp.diags(loops.astype(np.float64))).tocsr()
        return W

    def edge_rows(self, S: np.ndarray, start: int, loops: np.ndarray) -> np.ndarray:
        """Rows ``start:start + len(S)`` of the dense graph from those rows' similarities to
        every sentence (non-negative; changed in place where possible).

        ``loops`` holds every sentence's self-loop weight (:func:`self_loop_weights`), used
        when this scorer has self-loops. Building a large graph a block of rows at a time
        gives the same graph as building it whole.
        """
        at = np.arange(S.shape[0])
        S[at, start + at] = 0.0
        if self.threshold is not None:
            S = (S >= self.threshold - TIE).astype(np.float64)
        if self.self_loops:
            S[at, start + at] += loops[start + at]
        return S

    def graph(self, sentences: SentenceSet) -> np.ndarray | sp.csr_matrix:
        n = len(sentences)
        loops = self_loop_weights(sentences.vectors)
        if n <= self.dense_limit:
            if sentences.similarity is not None and self.uses_cosine:
                S = np.clip(sentences.similarity, 0.0, None)
            else:
                S = self.similarity_rows(sentences)(0, n)
            return self.edge_rows(S, 0, loops)
        W = knn_graph(self.similarity_rows(sentences), n, self.neighbors)
        if self.threshold is not None:
            W.data = (W.data >= self.threshold - TIE).astype(np.float64)
            W.eliminate_zeros()
        return W + sp.diags(loops) if self.self_loops else W

    def row_and_column_sums(self, sentences: SentenceSet, rows: np.ndarray,
                            block: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Sums over the full graph's ``rows`` (indices of sentences), a block at a time.

        Returns each listed sentence's weighted degree (its row's sum over every sentence) and,
        for every sentence, its weight to the listed ones (the rows' column sums; the graph is
        symmetric, so these are its degree counted over the listed sentences only). Time grows
        with ``len(rows) x n``, memory with ``block x n``.
        """
        n = len(sentences)
        order = np.concatenate([rows, np.setdiff1d(np.arange(n), rows)])
        moved = SentenceSet([sentences.texts[i] for i in order], sentences.vectors[order],
                            np.asarray(sentences.positions)[order])
        similarity, loops = self.similarity_rows(moved), self_loop_weights(moved.vectors)
        block = block or block_rows(n)
        row_sums, column_sums = np.zeros(len(rows)), np.zeros(n)
        for start in range(0, len(rows), block):
            stop = min(len(rows), start + block)
            W = self.edge_rows(similarity(start, stop), start, loops)
            row_sums[start:stop] = W.sum(axis=1, dtype=np.float64)
            column_sums += W.sum(axis=0, dtype=np.float64)
        out = np.empty(n)
        out[order] = column_sums
        return row_sums, out

    def preselect(self, sentences: SentenceSet, k: int, sample: int = 1000,
                  random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` sentences of a large unit most central in its full graph, and their
        weighted degrees in it, in time linear in the unit's size.

        Every sentence's degree is estimated from a seeded ``sample`` of rows; the ``k``
        highest are kept and their exact degrees computed. A degree is the walk's stationary
        weight to first order, and it ranks as the full graph's walk does where scoring the
        kept sentences on their own graph does not (``benchmarks.large_topics``).

        Returns
        -------
        keep : ndarray of int
            Indices, ascending.
        degrees : ndarray
            The kept sentences' weighted degrees in the full graph.
        """
        n = len(sentences)
        sample_rows = np.sort(np.random.default_rng(random_state).choice(n, min(n, sample), replace=False))
        _, estimated = self.row_and_column_sums(sentences, sample_rows)
        keep = np.sort(np.argsort(-np.round(estimated, 9), kind="stable")[:k])
        degrees, _ = self.row_and_column_sums(sentences, keep)
        return keep, degrees


def self_loop_weights(vectors) -> np.ndarray:
    """Each sentence's self-loop weight: 1, or 0 for a sentence with no words, which has no
    similarity, not even to itself."""
    return (row_norms(vectors) > 0).astype(np.float64)


class RandomWalkScorer(GraphScorer):
    """Shared scoring of LexRank and TextRank: the stationary distribution of a damped
    random walk on the sentence graph (``damping``, ``max_iter`` and ``tol`` set by the subclass)."""

    damping: float
    max_iter: int
    tol: float

    def score(self, sentences: SentenceSet) -> np.ndarray:
        return stationary_distribution(self.graph(sentences), self.damping, self.max_iter, self.tol)

    def score_blocks(self, similarity: sp.csr_matrix, sizes: np.ndarray,
                     texts: list[str] | None = None) -> np.ndarray | None:
        # Only where each unit alone would be solved exactly, so the answers agree.
        if self.damping >= SOLVE_DAMPING or len(sizes) == 0 or sizes.max() > SOLVE_LIMIT:
            return None
        W = self.block_graph(similarity, sizes, texts)
        return None if W is None else stationary_blocks(W, sizes, self.damping)


class LexRank(RandomWalkScorer):
    """LexRank (Erkan & Radev, 2004): stationary distribution of a walk on the cosine graph.

    Parameters
    ----------
    threshold : float or None
        None: continuous LexRank (edges weighted by cosine). A number: thresholded
        LexRank (the paper uses 0.1).
    damping : float
        Probability of following an edge rather than jumping (PageRank's d; the
        paper's jump probability is 1 - damping).
    max_iter, tol : int, float
        Power-iteration bounds.
    neighbors, dense_limit : int
        See :class:`GraphScorer`.
    """

    def __init__(self, threshold: float | None = None, *, damping: float = 0.85, max_iter: int = 100,
                 tol: float = 1e-8, neighbors: int = 20, dense_limit: int = 3000) -> None:
        super().__init__(threshold, True, neighbors, dense_limit)
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol




class TextRank(RandomWalkScorer):
    """TextRank (Mihalcea & Tarau, 2004): PageRank on a sentence graph without self-loops.

    Parameters
    ----------
    similarity : {"overlap", "cosine"}
        ``overlap``: the paper's |common words| / (log|S_i| + log|S_j|) on lower-cased
        words (stop words removed when ``stop_words``); ``cosine``: cosine of the
        sentence vectors.
    stop_words : bool
        Drop English stop words before counting overlap.
    damping, max_iter, tol, neighbors, dense_limit
        As for :class:`LexRank`.
    """

    def __init__(self, similarity: str = "overlap", *, stop_words: bool = True, damping: float = 0.85,
                 max_iter: int = 100, tol: float = 1e-8, neighbors: int = 20, dense_limit: int = 3000) -> None:
        super().__init__(None, False, neighbors, dense_limit)
        self.similarity = similarity
        self.uses_cosine = similarity == "cosine"
        self.stop_words = stop_words
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol

    def _words(self, texts: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        """Each sentence's distinct words (binary rows) and the log of its length in words."""
        B, lengths = word_sets(texts, self.stop_words)
        return B, np.log(np.maximum(lengths, 1.0))

    def block_graph(self, similarity: sp.csr_matrix, sizes: np.ndarray,
                    texts: list[str] | None = None) -> sp.csr_matrix | None:
        if self.similarity == "cosine":
            return super().block_graph(similarity, sizes)
        if texts is None or len(sizes) == 0 or sizes.max() > self.dense_limit:
            return None
        # The overlap of every pair of sentences of the same unit, in one sparse product:
        # each unit's words get columns of their own (as in block_cosine).
        B, logs = self._words(texts)
        shifted = unit_columns(B, sizes)
        W = (shifted @ shifted.T).tocoo()
        denom = logs[W.row] + logs[W.col]
        keep = (W.row != W.col) & (denom > 0)
        data = W.data[keep] / denom[keep]
        return sp.csr_matrix((data, (W.row[keep], W.col[keep])), shape=W.shape)

    def similarity_rows(self, sentences: SentenceSet) -> Callable[[int, int], np.ndarray]:
        if self.similarity == "cosine":
            return super().similarity_rows(sentences)
        B, logs = self._words(sentences.texts)
        BT = B.T.tocsr()

        def rows(start: int, stop_: int) -> np.ndarray:
            overlap = to_dense(B[start:stop_] @ BT)
            denom = logs[start:stop_, None] + logs[None, :]
            return np.divide(overlap, denom, out=np.zeros_like(overlap), where=denom > 0)

        return rows


class DegreeCentrality(GraphScorer):
    """Degree centrality (Erkan & Radev, 2004): how many sentences are similar to this one.

    Parameters
    ----------
    threshold : float or None
        Count neighbours with cosine >= threshold; None sums the similarities instead.
    neighbors, dense_limit : int
        See :class:`GraphScorer`.
    """

    def __init__(self, threshold: float | None = 0.1, *, neighbors: int = 20, dense_limit: int = 3000) -> None:
        super().__init__(threshold, False, neighbors, dense_limit)

    def score(self, sentences: SentenceSet) -> np.ndarray:
        return np.asarray(self.graph(sentences).sum(axis=1)).ravel().astype(np.float64)

    def score_blocks(self, similarity: sp.csr_matrix, sizes: np.ndarray,
                     texts: list[str] | None = None) -> np.ndarray | None:
        W = self.block_graph(similarity, sizes)
        return None if W is None else np.asarray(W.sum(axis=1)).ravel().astype(np.float64)


class CentroidScorer(CentralityScorer):
    """Centroid-based (Radev et al., 2004): similarity of each sentence to the unit's centroid.

    Parameters
    ----------
    top_terms : int or None
        Keep only the centroid's largest dimensions (MEAD's topic signature of the
        most weighted words); None keeps all.
    """

    def __init__(self, top_terms: int | None = None) -> None:
        self.top_terms = top_terms

    def score(self, sentences: SentenceSet) -> np.ndarray:
        Xn = unit_rows(sentences.vectors)
        centroid = np.asarray(Xn.mean(axis=0)).ravel()
        if self.top_terms is not None and self.top_terms < centroid.size:
            cut = np.partition(centroid, -self.top_terms)[-self.top_terms]
            centroid = np.where(centroid >= cut, centroid, 0.0)
        norm = np.linalg.norm(centroid)
        if norm == 0:
            return np.zeros(len(sentences))
        return np.clip(np.asarray(Xn @ (centroid / norm)).ravel(), 0.0, None)


class LeadScorer(CentralityScorer):
    """Baseline: the earliest sentences of their documents first (lead-k)."""

    def score(self, sentences: SentenceSet) -> np.ndarray:
        return 1.0 / (1.0 + np.asarray(sentences.positions, dtype=np.float64))


class RandomScorer(CentralityScorer):
    """Baseline: seeded random scores.

    Parameters
    ----------
    random_state : int
        Set from the experiment's seed.
    """

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def score(self, sentences: SentenceSet) -> np.ndarray:
        return np.random.default_rng(self.random_state).random(len(sentences))
