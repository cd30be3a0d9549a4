"""Centrality scorers against hand-computed cases and pathological inputs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from toolkit.summarization import (
    CentroidScorer,
    DegreeCentrality,
    LeadScorer,
    LexRank,
    RandomScorer,
    SentenceSet,
    TextRank,
    make_summarizer,
    stationary_distribution,
)


def sset(X, texts=None):
    return SentenceSet.from_texts(texts or ["x"] * X.shape[0], X)


def test_undamped_walk_on_a_path_graph_matches_the_hand_computation():
    # Sentences 0-1 and 1-2 share a term, 0-2 share none: cos = 1/sqrt(2), 1/sqrt(2), 0.
    # With self-similarity 1, the weighted degrees are 1+a, 1+2a, 1+a (a = 1/sqrt(2)), and
    # the stationary distribution of a walk on an undirected weighted graph is degree / total:
    # (1 - 1/sqrt(2), sqrt(2) - 1, 1 - 1/sqrt(2)).
    X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    scores = LexRank(damping=1.0, tol=1e-12, max_iter=1000).score(sset(X))
    r2 = np.sqrt(2)
    np.testing.assert_allclose(scores, [1 - 1 / r2, r2 - 1, 1 - 1 / r2], atol=1e-9)


def test_damped_scores_solve_the_pagerank_equations():
    X = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]])
    d = 0.85
    scores = LexRank(damping=d, tol=1e-14, max_iter=1000).score(sset(X))
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = Xn @ Xn.T
    P = S / S.sum(axis=1, keepdims=True)
    n = len(X)
    expected = np.linalg.solve(np.eye(n) - d * P.T, np.full(n, (1 - d) / n))
    np.testing.assert_allclose(scores, expected / expected.sum(), atol=1e-10)


def _fan(angles_deg):
    a = np.radians(angles_deg)
    return np.column_stack([np.cos(a), np.sin(a)])


def test_thresholded_lexrank_counts_edges():
    # Unit vectors at 0, 40 and 80 degrees: cos 0.77 between neighbours, 0.17 between the ends.
    scores = LexRank(threshold=0.5, damping=1.0, tol=1e-12, max_iter=1000).score(sset(_fan([0, 40, 80])))
    # Edges 0-1 and 1-2 plus self-loops: degrees 2, 3, 2 -> 2/7, 3/7, 2/7.
    np.testing.assert_allclose(scores, [2 / 7, 3 / 7, 2 / 7], atol=1e-9)


def test_textrank_overlap_similarity_matches_the_paper():
    texts = ["red apples grow well", "red apples taste sweet", "blue cars drive fast today"]
    rows = TextRank(stop_words=False).similarity_rows(sset(np.eye(3), texts))(0, 3)
    # two common words / (log 4 + log 4); nothing in common with the third sentence
    assert rows[0, 1] == pytest.approx(2 / (2 * np.log(4)))
    assert rows[0, 2] == 0 and rows[1, 2] == 0
    scores = TextRank(stop_words=False).score(sset(np.eye(3), texts))
    assert scores[0] == pytest.approx(scores[1]) and scores[2] < scores[0]


def test_degree_centrality_counts_neighbours_above_the_threshold():
    scores = DegreeCentrality(threshold=0.5).score(sset(_fan([0, 40, 80])))
    np.testing.assert_array_equal(scores, [1, 2, 1])


def test_centroid_prefers_the_sentence_nearest_the_mean():
    scores = CentroidScorer().score(sset(_fan([0, 40, 80])))
    assert np.argmax(scores) == 1 and scores[1] == pytest.approx(1.0)


def test_lead_and_random_baselines():
    s = SentenceSet(["a", "b", "c"], np.eye(3), np.array([2, 0, 1]))
    assert list(np.argsort(-LeadScorer().score(s))) == [1, 2, 0]
    np.testing.assert_array_equal(RandomScorer(5).score(s), RandomScorer(5).score(s))
    assert not np.array_equal(RandomScorer(5).score(s), RandomScorer(6).score(s))


@pytest.mark.parametrize("method", ["lexrank", "textrank", "degree"])
def test_sparse_knn_graph_equals_dense_when_it_keeps_every_neighbour(method):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 8))
    texts = [" ".join(rng.choice(list("abcdefghij"), size=6)) + " w" for _ in range(60)]
    dense = make_summarizer(method, dense_limit=1000).scorer.score(sset(X, texts))
    sparse = make_summarizer(method, dense_limit=10, neighbors=59).scorer.score(sset(X, texts))
    np.testing.assert_allclose(dense, sparse, atol=1e-9)


def test_large_unit_uses_a_bounded_sparse_graph():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5000, 16)).astype(np.float32)
    scorer = LexRank(dense_limit=1000, neighbors=10)
    W = scorer.graph(sset(X))
    assert sp.issparse(W) and W.nnz <= 5000 * 2 * 10 + 5000
    scores = scorer.score(sset(X))
    assert np.all(np.isfinite(scores)) and scores.sum() == pytest.approx(1.0)


PATHOLOGICAL = [
    np.array([[0.3, 0.7]]),                                   # one sentence
    np.ones((5, 3)),                                          # identical sentences
    np.zeros((4, 6)),                                         # no words at all
    np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]),  # negative cosines
    np.array([[1.0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0]]),  # disconnected graph
    sp.csr_matrix((3, 5)),                                    # empty sparse
]


def test_consensus_ranks_by_both_walks():
    """The consensus score is the geometric mean of TextRank's and LexRank's: a sentence both
    rank first is first, and one central by shared words only falls behind."""
    texts = ["rates rose at the bank", "the bank raised rates again", "rates and the bank", "storms closed schools"]
    X = np.array([[1.0, 0.2, 0.0], [0.9, 0.3, 0.1], [0.0, 0.0, 1.0], [0.1, 1.0, 0.0]])
    consensus = make_summarizer("consensus").scorer.score(sset(X, texts))
    words, cosine = TextRank().score(sset(X, texts)), LexRank().score(sset(X, texts))
    assert consensus == pytest.approx(np.sqrt(words * cosine))
    assert np.argmax(words) == 2 and np.argmax(cosine) != 2 and np.argmax(consensus) != 2
    assert np.argmax(consensus) == np.argmax(words * cosine)


@pytest.mark.parametrize("X", PATHOLOGICAL)
@pytest.mark.parametrize("method, params", [("lexrank", {}), ("lexrank", {"threshold": 0.1}),
                                            ("textrank", {"similarity": "cosine"}), ("textrank", {}), ("consensus", {}),
                                            ("degree", {}), ("centroid", {}), ("lead", {})])
def test_pathological_inputs_terminate_with_finite_scores(X, method, params):
    scores = make_summarizer(method, **params).scorer.score(sset(X, ["same words here"] * X.shape[0]))
    assert scores.shape == (X.shape[0],)
    assert np.all(np.isfinite(scores)) and np.all(scores >= 0)
    if method in ("lexrank", "textrank"):
        assert scores.sum() == pytest.approx(1.0)


def test_identical_sentences_score_equally():
    np.testing.assert_allclose(LexRank().score(sset(np.ones((5, 3)))), 0.2)


def test_stationary_distribution_of_empty_graph():
    assert stationary_distribution(np.zeros((0, 0))).shape == (0,)


def test_block_solution_equals_each_block_alone():
    from toolkit.summarization import stationary_blocks

    rng = np.random.default_rng(3)
    blocks = [rng.random((n, n)) * (rng.random((n, n)) > 0.5) for n in (1, 4, 7, 3)]
    blocks[2][5] = 0.0  # a dangling row
    blocks[3][:] = 0.0  # a block with no edges at all
    blocks = [np.maximum(B, B.T) for B in blocks]
    sizes = np.array([len(B) for B in blocks])
    together = stationary_blocks(sp.block_diag(blocks, format="csr"), sizes, 0.85)
    alone = np.concatenate([stationary_distribution(B, 0.85) for B in blocks])
    assert np.allclose(together, alone, atol=1e-12)
    assert np.allclose(np.add.reduceat(together, [0, 1, 5, 12]), 1.0)


@pytest.mark.parametrize("method, params", [("lexrank", {}), ("lexrank", {"threshold": 0.1}), ("textrank", {}),
                                            ("textrank", {"similarity": "cosine"}), ("degree", {})])
def test_a_graph_built_a_block_of_rows_at_a_time_is_the_whole_graph(method, params):
    from toolkit.summarization import self_loop_weights

    rng = np.random.default_rng(4)
    X = sp.random(23, 15, density=0.25, random_state=5, format="lil")
    X[7] = 0.0  # a sentence with no words
    X = X.tocsr()
    texts = [" ".join(rng.choice(list("abcdefghij"), size=5)) for _ in range(23)]
    scorer = make_summarizer(method, dense_limit=1000, **params).scorer
    sentences = sset(X, texts)
    whole = scorer.graph(sentences)
    rows, loops = scorer.similarity_rows(sentences), self_loop_weights(X)
    blocked = np.vstack([scorer.edge_rows(rows(a, min(a + 4, 23)), a, loops) for a in range(0, 23, 4)])
    assert np.array_equal(blocked, whole)
    assert (np.diag(whole) == (loops if scorer.self_loops else 0)).all()


def test_power_iteration_on_a_walk_function_is_the_stationary_distribution():
    from toolkit.summarization import power_iteration

    rng = np.random.default_rng(6)
    W = rng.random((40, 40)) * (rng.random((40, 40)) > 0.7)
    W[3] = 0.0  # a dangling row
    out = W.sum(axis=1)
    inv = np.divide(1.0, out, out=np.zeros(40), where=out > 0)
    walked = power_iteration(lambda p: W.T @ (inv * p), out == 0, 0.85, max_iter=1000, tol=1e-14)
    np.testing.assert_allclose(walked, stationary_distribution(W, 0.85), atol=1e-12)


@pytest.mark.parametrize("method, params", [("lexrank", {}), ("lexrank", {"threshold": 0.1}), ("textrank", {})])
def test_row_and_column_sums_of_chosen_rows_are_those_of_the_whole_graph(method, params):
    rng = np.random.default_rng(8)
    X = sp.random(40, 12, density=0.3, random_state=9, format="csr")
    texts = [" ".join(rng.choice(list("abcdefghij"), size=5)) for _ in range(40)]
    scorer = make_summarizer(method, **params).scorer
    sentences = sset(X, texts)
    W = scorer.graph(sentences)
    rows = np.array([3, 17, 18, 30, 39])
    row_sums, column_sums = scorer.row_and_column_sums(sentences, rows, block=2)
    np.testing.assert_allclose(row_sums, W[rows].sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(column_sums, W[rows].sum(axis=0), atol=1e-12)
    keep, degrees = scorer.preselect(sentences, 10, sample=40)  # every row sampled: the exact top 10
    assert np.array_equal(keep, np.sort(np.argsort(-W.sum(axis=1), kind="stable")[:10]))
    np.testing.assert_allclose(degrees, W.sum(axis=1)[keep], atol=1e-12)


def test_a_damping_next_to_one_is_iterated_not_solved():
    """At damping 1 - 1e-16 the exact system is singular (hypothesis found it): the walk is
    iterated and still gives a distribution."""
    X = np.array([[0.1, -0.5], [0.1, -0.5], [1.0, 0.3]])
    for damping in (0.9999999999999999, 1.0):
        scores = LexRank(damping=damping).score(sset(X))
        assert np.isfinite(scores).all() and scores.sum() == pytest.approx(1.0)
