"""The static model: its fit (planted vectors), its training texts, and the real model made from MiniLM."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from toolkit.embedding.static_fit import fit_token_vectors, match_scale, mean_matrix, principal_axes


def test_mean_matrix_averages_pieces_and_leaves_empty_texts_empty():
    A = mean_matrix([[1, 1, 3], [], [0]], 5).toarray()
    np.testing.assert_allclose(A, [[0, 2 / 3, 0, 1 / 3, 0], [0] * 5, [1, 0, 0, 0, 0]], rtol=1e-6)


def test_fit_recovers_planted_vectors_and_leaves_unseen_pieces_at_the_prior():
    rng = np.random.default_rng(0)
    vocab, dim = 60, 8
    truth = rng.normal(size=(vocab, dim))
    texts = [rng.integers(0, 50, size=rng.integers(2, 9)) for _ in range(800)]  # pieces 50-59 never occur
    A = mean_matrix(texts, vocab)
    prior = rng.normal(size=(vocab, dim))
    fitted = fit_token_vectors(A, A @ truth, prior, alpha=1e-6, iterations=400)
    np.testing.assert_allclose(fitted[:50], truth[:50], atol=1e-2)
    np.testing.assert_allclose(fitted[50:], prior[50:], rtol=1e-6)
    # A strong pull keeps the vectors near the prior instead.
    held = fit_token_vectors(A, A @ truth, prior, alpha=1e3)
    assert np.abs(held - prior).max() < 0.1 < np.abs(fitted - prior).max()
    with pytest.raises(ValueError, match="alpha"):
        fit_token_vectors(A, A @ truth, prior, alpha=0)


def test_scale_and_axes():
    rng = np.random.default_rng(1)
    A = mean_matrix([rng.integers(0, 20, size=5) for _ in range(100)], 20)
    scaled = match_scale(A, rng.normal(size=(20, 4)) + 5.0)
    assert np.linalg.norm(A @ scaled, axis=1).mean() == pytest.approx(1.0)
    Y = rng.normal(size=(200, 6)) * [5, 3, 1, 0.1, 0.1, 0.1]
    axes = principal_axes(Y, 2)
    assert axes.shape == (6, 2)
    np.testing.assert_allclose(np.abs(axes[:2]), np.eye(2), atol=0.05)


def test_training_texts_are_titles_short_items_whole_and_long_documents_by_sentence():
    from toolkit.embedding.static import texts_for_fit

    docs = [SimpleNamespace(title="Rates rise", text="The bank raised rates. Markets fell."),
            SimpleNamespace(title="", text="One. Two. Three. Four."),
            SimpleNamespace(title="Rates rise", text="The bank raised rates. Markets fell.")]
    split = lambda text: [s.strip() + "." for s in text.split(".") if s.strip()]  # noqa: E731
    assert texts_for_fit(docs, split) == [
        "Rates rise", "The bank raised rates. Markets fell.", "Rates rise The bank raised rates. Markets fell.",
        "One.", "Two.", "Three.", "Four."]


@pytest.mark.slow
def test_static_model_is_made_once_counts_every_piece_and_clusters_close_to_minilm():
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score

    from toolkit.embedding import MiniLMEmbedder, StaticEmbedder, static_model
    from toolkit.embedding.static import piece_ids, word_pieces
    from toolkit.text.loaders import BuiltinLoader

    docs = BuiltinLoader("ag_news", sample=600, sample_seed=3).load().documents
    texts = [f"{d.title} {d.text}" for d in docs]
    gold = [d.label for d in docs]
    static = StaticEmbedder().embed_texts(texts)
    assert static.shape == (600, 256) and static.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(static, axis=1), 1.0, atol=1e-5)

    folder = static_model(256)
    made = (folder / "vectors.npy").stat().st_mtime_ns
    np.testing.assert_array_equal(StaticEmbedder().embed_texts(texts), static)
    assert (static_model(256) / "vectors.npy").stat().st_mtime_ns == made

    # A text's vector is the mean of its own pieces' vectors: no padding counted, no window.
    vectors = np.load(folder / "vectors.npy")
    long_text = " ".join(texts[:40])
    ids = piece_ids(word_pieces(), [texts[0], long_text])
    assert len(ids[1]) > 600
    for text, pieces in zip([texts[0], long_text], ids):
        expected = vectors[pieces].mean(axis=0)
        np.testing.assert_allclose(StaticEmbedder().embed_texts([text])[0], expected / np.linalg.norm(expected),
                                   atol=1e-5)

    def nmi(X):
        return np.mean([normalized_mutual_info_score(gold, KMeans(4, n_init=3, random_state=s).fit_predict(X))
                        for s in range(3)])

    assert nmi(static) > nmi(MiniLMEmbedder().embed_texts(texts)) - 0.05
