"""LexRank against hand-computed cases and pathological inputs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from toolkit.centrality import LexRank, stationary_distribution


def test_undamped_walk_on_a_path_graph_matches_the_hand_computation():
    # Sentences 0-1 and 1-2 share a term, 0-2 share none: cos = 1/sqrt(2), 1/sqrt(2), 0.
    # With self-similarity 1, the weighted degrees are 1+a, 1+2a, 1+a (a = 1/sqrt(2)), and
    # the stationary distribution of a walk on an undirected weighted graph is degree / total:
    # (1 - 1/sqrt(2), sqrt(2) - 1, 1 - 1/sqrt(2)).
    X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    scores = LexRank(damping=1.0, tol=1e-12, max_iter=1000).score(X)
    r2 = np.sqrt(2)
    np.testing.assert_allclose(scores, [1 - 1 / r2, r2 - 1, 1 - 1 / r2], atol=1e-9)


def test_damped_scores_solve_the_pagerank_equations():
    X = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]])
    d = 0.85
    scores = LexRank(damping=d, tol=1e-14, max_iter=1000).score(X)
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = Xn @ Xn.T
    P = S / S.sum(axis=1, keepdims=True)
    n = len(X)
    expected = np.linalg.solve(np.eye(n) - d * P.T, np.full(n, (1 - d) / n))
    np.testing.assert_allclose(scores, expected / expected.sum(), atol=1e-10)


def test_thresholded_lexrank_counts_edges():
    # Unit vectors at 0, 40 and 80 degrees: cos 0.77 between neighbours, 0.17 between the ends.
    angles = np.radians([0, 40, 80])
    X = np.column_stack([np.cos(angles), np.sin(angles)])
    scores = LexRank(threshold=0.5, damping=1.0, tol=1e-12, max_iter=1000).score(X)
    # Edges 0-1 and 1-2 plus self-loops: degrees 2, 3, 2 -> 2/7, 3/7, 2/7.
    np.testing.assert_allclose(scores, [2 / 7, 3 / 7, 2 / 7], atol=1e-9)


@pytest.mark.parametrize("X", [
    np.array([[0.3, 0.7]]),                                   # one sentence
    np.ones((5, 3)),                                          # identical sentences
    np.zeros((4, 6)),                                         # no words at all
    np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]),  # negative cosines
    np.array([[1.0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0]]),  # disconnected graph
    sp.csr_matrix((3, 5)),                                    # empty sparse
])
@pytest.mark.parametrize("threshold", [None, 0.1])
def test_pathological_inputs_terminate_with_finite_scores(X, threshold):
    scores = LexRank(threshold=threshold).score(X)
    assert scores.shape == (X.shape[0],)
    assert np.all(np.isfinite(scores)) and np.all(scores >= 0)
    assert scores.sum() == pytest.approx(1.0)


def test_identical_sentences_score_equally():
    np.testing.assert_allclose(LexRank().score(np.ones((5, 3))), 0.2)


def test_stationary_distribution_of_empty_graph():
    assert stationary_distribution(np.zeros((0, 0))).shape == (0,)
