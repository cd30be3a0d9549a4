"""Sentence centrality, vectorised with numpy/scipy (no per-pair Python loops).

Every scorer takes a :class:`SentenceSet` (the unit's sentences, their vectors and
their positions in their documents) and returns one score per sentence, higher
meaning more central. Graph-based scorers build a similarity graph that is dense for
small units and, above ``dense_limit`` sentences, a sparse graph of each sentence's
``neighbors`` most similar sentences found by an exact blocked search, so memory stays
bounded (O(n x neighbors), plus one block of O(block x n) at a time).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from toolkit.arrays import to_dense
from toolkit.errors import ConfigError
from toolkit.registry import Registry

SCORERS: Registry[CentralityScorer] = Registry("summarize.method")
# Similarities compared with a threshold are taken as equal to it within TIE: a cosine of
# exactly 0.1 must give the same edge however the floating-point sum was ordered.
TIE = 1e-12
BLOCK_CELLS = 20_000_000  # similarities held at once by the blocked search (80 MB in float32)


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
    """

    texts: list[str]
    vectors: np.ndarray | sp.spmatrix
    positions: np.ndarray
    similarity: np.ndarray | None = None  # dense cosine matrix, when the caller has it

    def __len__(self) -> int:
        return len(self.texts)

    @classmethod
    def from_texts(cls, texts: list[str], vectors) -> SentenceSet:
        return cls(list(texts), vectors, np.arange(len(texts)))


def _row_norms(X) -> np.ndarray:
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        return np.sqrt(np.bincount(rows, weights=np.asarray(X.data, dtype=np.float64) ** 2, minlength=X.shape[0]))
    return np.linalg.norm(np.asarray(X, dtype=np.float64), axis=1)


def unit_rows(X) -> np.ndarray | sp.csr_matrix:
    """Rows scaled to unit length (float64); all-zero rows stay zero."""
    norms = _row_norms(X)
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float64, copy=True)
        X.data *= np.repeat(inv, np.diff(X.indptr))
        return X
    return np.asarray(X, dtype=np.float64) * inv[:, None]


def cosine_matrix(X: np.ndarray | sp.spmatrix) -> np.ndarray:
    """Dense cosine similarities of the rows of ``X``; all-zero rows give zeros."""
    Xn = unit_rows(X)
    S = Xn @ Xn.T
    return S.toarray() if sp.issparse(S) else np.asarray(S)



def block_rows(n: int) -> int:
    """Rows per block of a blocked search over ``n`` columns."""
    return int(max(16, min(4096, BLOCK_CELLS // max(n, 1))))


def knn_graph(similarity_rows: Callable[[int, int], np.ndarray], n: int, neighbors: int,
              block: int | None = None) -> sp.csr_matrix:
    """Sparse graph of each row's ``neighbors`` most similar rows (exact, blocked).

    Parameters
    ----------
    similarity_rows : callable
        ``similarity_rows(start, stop)`` returns the dense similarities of rows
        ``start:stop`` to all ``n`` rows.
    n, neighbors, block : int

    Returns
    -------
    csr_matrix
        Symmetric (an edge kept by either end is kept), non-negative, no self-loops.
    """
    import torch  # a dependency already (sentence-transformers); its top-k beats numpy's argpartition

    k = min(neighbors, n - 1)
    block = block or block_rows(n)
    rows, cols, vals = [], [], []
    for start in range(0, n, block):
        stop = min(n, start + block)
        S = similarity_rows(start, stop)
        S[np.arange(stop - start), np.arange(start, stop)] = -np.inf
        if k <= 0:
            continue
        top = torch.topk(torch.from_numpy(S), k, dim=1, sorted=False)
        v, idx = top.values.numpy(), top.indices.numpy()
        keep = v > 0
        rows.append(np.repeat(np.arange(start, stop), k)[keep.ravel()])
        cols.append(idx[keep])
        vals.append(v[keep].astype(np.float64))
    if not rows:
        return sp.csr_matrix((n, n))
    W = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    return W.maximum(W.T).tocsr()


SOLVE_LIMIT = 1000  # dense graphs up to this size are solved exactly instead of iterated


def _usable_weights(W):
    """``W`` as float64 with negative, zero and non-finite weights dropped (no edge)."""
    if sp.issparse(W):
        W = sp.csr_matrix(W, dtype=np.float64, copy=True)
        W.data = np.where(np.isfinite(W.data) & (W.data > 0), W.data, 0.0)
        W.eliminate_zeros()
        return W
    W = np.asarray(W, dtype=np.float64)
    return np.where(np.isfinite(W) & (W > 0), W, 0.0)


def stationary_distribution(W: np.ndarray | sp.spmatrix, damping: float = 0.85,
                            max_iter: int = 100, tol: float = 1e-8) -> np.ndarray:
    """PageRank-style power iteration on a non-negative weight matrix.

    Rows of ``W`` are normalised to transition probabilities; a row with no weight
    (an isolated sentence) jumps uniformly. Each step follows an edge with
    probability ``damping`` and jumps to a uniformly random node otherwise, so the
    chain is ergodic and the iteration converges even on disconnected graphs.

    Parameters
    ----------
    W : (n, n) array or sparse matrix, non-negative
    damping : float in [0, 1]
    max_iter : int
        Upper bound on iterations; the result is used as is if ``tol`` is not reached.
    tol : float
        Stop when the L1 change between iterations falls below it.

    Returns
    -------
    ndarray, shape (n,)
        Scores, non-negative, summing to 1.

    Notes
    -----
    A dense graph of at most SOLVE_LIMIT nodes with ``damping < 1`` is solved
    exactly, ``(I - d M) p = (1 - d) / n``, with M the transition matrix whose
    dangling columns are uniform; the iteration's answer is the same to ``tol``.
    """
    n = W.shape[0]
    if n == 0:
        return np.zeros(0)
    W = _usable_weights(W)
    out_weight = np.asarray(W.sum(axis=1)).ravel()
    dangling = out_weight == 0
    inv = np.divide(1.0, out_weight, out=np.zeros(n), where=~dangling)
    P_T = (sp.diags(inv) @ W).T.tocsr() if sp.issparse(W) else (W * inv[:, None]).T.copy()
    if not sp.issparse(W) and n <= SOLVE_LIMIT and damping < 1:
        M = P_T
        M[:, dangling] = 1.0 / n
        p = np.linalg.solve(np.eye(n) - damping * M, np.full(n, (1.0 - damping) / n))
        p = np.clip(p, 0.0, None)
        return p / p.sum()
    p = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        spread = p[dangling].sum() / n
        nxt = damping * (P_T @ p + spread) + (1.0 - damping) / n
        nxt /= nxt.sum()
        done = np.abs(nxt - p).sum() < tol
        p = nxt
        if done:
            break
    return p


def block_cosine(Xn, sizes: np.ndarray) -> sp.csr_matrix:
    """Block-diagonal cosine matrix of many units at once.

    ``Xn`` holds the unit-length rows of consecutive units of ``sizes`` rows each;
    similarities between rows of different units are never computed. For sparse rows,
    each unit's terms are moved to columns of their own, so one sparse product yields
    every unit's block and nothing else.
    """
    n = int(np.sum(sizes))
    owner = np.repeat(np.arange(len(sizes)), sizes)
    if sp.issparse(Xn):
        Xn = sp.csr_matrix(Xn)
        width = max(Xn.shape[1], 1)
        cols = np.repeat(owner, np.diff(Xn.indptr)) * width + Xn.indices
        shifted = sp.csr_matrix((Xn.data, cols, Xn.indptr), shape=(n, len(sizes) * width))
        return (shifted @ shifted.T).tocsr()
    Xn = np.asarray(Xn, dtype=np.float64)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    return sp.block_diag([Xn[a:b] @ Xn[a:b].T for a, b in zip(starts[:-1], starts[1:])],
                         format="csr") if n else sp.csr_matrix((0, 0))


def stationary_blocks(W: sp.csr_matrix, sizes: np.ndarray, damping: float = 0.85) -> np.ndarray:
    """:func:`stationary_distribution` of every diagonal block of ``W`` at once.

    Each block is its own chain (its own uniform jump and dangling rows), solved
    exactly as one sparse block-diagonal system, ``(I - d M) p = (1 - d) / n_unit``,
    then normalised per block: the answer each block would get on its own.
    """
    n = W.shape[0]
    if n == 0:
        return np.zeros(0)
    from scipy.sparse.linalg import spsolve

    W = _usable_weights(W)
    owner = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    out_weight = np.asarray(W.sum(axis=1)).ravel()
    dangling = np.flatnonzero(out_weight == 0)
    if len(dangling):
        # A dangling sentence jumps uniformly within its own unit.
        unit = owner[dangling]
        jump = sp.csr_matrix((np.ones(int(sizes[unit].sum())),
                              np.concatenate([np.arange(starts[u], starts[u + 1]) for u in unit]),
                              np.concatenate([[0], np.cumsum(sizes[unit])])), shape=(len(dangling), n))
        W = (W + _rows_at(jump, dangling, n)).tocsr()
        out_weight[dangling] = sizes[unit]
    P = sp.csr_matrix(W, copy=True)
    P.data /= np.repeat(out_weight, np.diff(P.indptr))
    # I - d P^T in CSC is I - d P in CSR, read transposed: no conversion needed.
    B = (sp.identity(n, format="csr") - damping * P).tocsr()
    A = sp.csc_matrix((B.data, B.indices, B.indptr), shape=(n, n))
    # Blocks are contiguous, so the natural order has no fill-in outside them.
    p = np.clip(spsolve(A, (1.0 - damping) / sizes[owner], permc_spec="NATURAL"), 0.0, None)
    totals = np.add.reduceat(p, starts[:-1][sizes > 0])
    p /= np.repeat(totals, sizes[sizes > 0])
    return p


def _rows_at(rows: sp.csr_matrix, at: np.ndarray, n: int) -> sp.csr_matrix:
    """An (n, cols) matrix holding ``rows`` at the (sorted) row indices ``at``, zeros elsewhere."""
    counts = np.zeros(n, dtype=np.int64)
    counts[at] = np.diff(rows.indptr)
    return sp.csr_matrix((rows.data, rows.indices, np.concatenate([[0], np.cumsum(counts)])), shape=(n, rows.shape[1]))


class CentralityScorer:
    """Base class: ``score(sentences)`` returns one centrality per sentence."""

    def score(self, sentences: SentenceSet) -> np.ndarray:
        raise NotImplementedError

    def score_blocks(self, similarity: sp.csr_matrix, sizes: np.ndarray) -> np.ndarray | None:
        """Scores of many units at once from their block-diagonal cosine matrix
        (:func:`block_cosine`), equal to scoring each unit alone; None when this scorer
        cannot (the caller then scores unit by unit)."""
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
        if neighbors < 1:
            raise ConfigError(f"summarize.neighbors: must be at least 1, got {neighbors}")
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

    def block_graph(self, similarity: sp.csr_matrix, sizes: np.ndarray) -> sp.csr_matrix | None:
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

    def graph(self, sentences: SentenceSet) -> np.ndarray | sp.csr_matrix:
        n = len(sentences)
        if n <= self.dense_limit:
            if sentences.similarity is not None and self.uses_cosine:
                W = np.clip(sentences.similarity, 0.0, None)
            else:
                W = self.similarity_rows(sentences)(0, n)
            np.fill_diagonal(W, 0.0)
            if self.threshold is not None:
                W = (W >= self.threshold - TIE).astype(np.float64)
        else:
            W = knn_graph(self.similarity_rows(sentences), n, self.neighbors)
            if self.threshold is not None:
                W.data = (W.data >= self.threshold - TIE).astype(np.float64)
                W.eliminate_zeros()
        if self.self_loops:
            # A sentence with no words has no similarity, not even to itself.
            loops = (_row_norms(sentences.vectors) > 0).astype(np.float64)
            W = W + (sp.diags(loops) if sp.issparse(W) else np.diag(loops))
        return W


class RandomWalkScorer(GraphScorer):
    """Shared scoring of LexRank and TextRank: the stationary distribution of a damped
    random walk on the sentence graph (``damping``, ``max_iter`` and ``tol`` set by the subclass)."""

    damping: float
    max_iter: int
    tol: float

    def score(self, sentences: SentenceSet) -> np.ndarray:
        return stationary_distribution(self.graph(sentences), self.damping, self.max_iter, self.tol)

    def score_blocks(self, similarity: sp.csr_matrix, sizes: np.ndarray) -> np.ndarray | None:
        # Only where each unit alone would be solved exactly, so the answers agree.
        if self.damping >= 1 or len(sizes) == 0 or sizes.max() > SOLVE_LIMIT:
            return None
        W = self.block_graph(similarity, sizes)
        return None if W is None else stationary_blocks(W, sizes, self.damping)


@SCORERS.register("lexrank")
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

    def __init__(self, threshold: float | None = None, damping: float = 0.85, max_iter: int = 100,
                 tol: float = 1e-8, neighbors: int = 20, dense_limit: int = 3000) -> None:
        super().__init__(threshold, True, neighbors, dense_limit)
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol


_TOKEN = re.compile(r"(?u)\b\w\w+\b")


@SCORERS.register("textrank")
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

    def __init__(self, similarity: str = "overlap", stop_words: bool = True, damping: float = 0.85,
                 max_iter: int = 100, tol: float = 1e-8, neighbors: int = 20, dense_limit: int = 3000) -> None:
        if similarity not in ("overlap", "cosine"):
            raise ConfigError(f"summarize.similarity: unknown value {similarity!r}; choose one of: cosine, overlap")
        super().__init__(None, False, neighbors, dense_limit)
        self.similarity = similarity
        self.uses_cosine = similarity == "cosine"
        self.stop_words = stop_words
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol

    def similarity_rows(self, sentences: SentenceSet) -> Callable[[int, int], np.ndarray]:
        if self.similarity == "cosine":
            return super().similarity_rows(sentences)
        stop = ENGLISH_STOP_WORDS if self.stop_words else frozenset()
        lengths = np.array([len(_TOKEN.findall(t.lower())) for t in sentences.texts], dtype=np.float64)
        logs = np.log(np.maximum(lengths, 1.0))
        try:
            B = CountVectorizer(binary=True, token_pattern=_TOKEN.pattern,
                                stop_words=list(stop) or None).fit_transform(sentences.texts)
        except ValueError:  # no words at all
            B = sp.csr_matrix((len(sentences), 1))
        B = B.astype(np.float64).tocsr()
        BT = B.T.tocsr()

        def rows(start: int, stop_: int) -> np.ndarray:
            overlap = to_dense(B[start:stop_] @ BT)
            denom = logs[start:stop_, None] + logs[None, :]
            return np.divide(overlap, denom, out=np.zeros_like(overlap), where=denom > 0)

        return rows


@SCORERS.register("degree")
class DegreeCentrality(GraphScorer):
    """Degree centrality (Erkan & Radev, 2004): how many sentences are similar to this one.

    Parameters
    ----------
    threshold : float or None
        Count neighbours with cosine >= threshold; None sums the similarities instead.
    neighbors, dense_limit : int
        See :class:`GraphScorer`.
    """

    def __init__(self, threshold: float | None = 0.1, neighbors: int = 20, dense_limit: int = 3000) -> None:
        super().__init__(threshold, False, neighbors, dense_limit)

    def score(self, sentences: SentenceSet) -> np.ndarray:
        return np.asarray(self.graph(sentences).sum(axis=1)).ravel().astype(np.float64)

    def score_blocks(self, similarity: sp.csr_matrix, sizes: np.ndarray) -> np.ndarray | None:
        W = self.block_graph(similarity, sizes)
        return None if W is None else np.asarray(W.sum(axis=1)).ravel().astype(np.float64)


@SCORERS.register("centroid")
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


@SCORERS.register("lead")
class LeadScorer(CentralityScorer):
    """Baseline: the earliest sentences of their documents first (lead-k)."""

    def score(self, sentences: SentenceSet) -> np.ndarray:
        return 1.0 / (1.0 + np.asarray(sentences.positions, dtype=np.float64))


@SCORERS.register("random")
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
