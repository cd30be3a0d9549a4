"""The real MiniLM model and its on-disk cache."""

from __future__ import annotations

import sqlite3

import numpy as np

from toolkit.embedding import EmbeddingCache, MiniLMEmbedder


def test_minilm_embeds_and_ranks_by_meaning():
    emb = MiniLMEmbedder()
    v = emb.embed_texts(["Troops were sent to the front line.", "Soldiers deployed to the war zone.",
                         "The central bank raised interest rates."])
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_cache_is_reused_and_corrupt_entries_are_recomputed(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(tmp_path))
    texts = ["Ireland will hold a general election.", "Trump wins the US election."]
    first = MiniLMEmbedder()
    a = first.embed_texts(texts)
    assert first.embedding_cache.misses == 2 and first.embedding_cache.hits == 0
    second = MiniLMEmbedder()
    b = second.embed_texts(texts)
    assert second.embedding_cache.hits == 2 and second.embedding_cache.misses == 0
    np.testing.assert_array_equal(a, b)
    # Flip bytes of one stored vector: it must be detected, dropped and recomputed.
    path = second.embedding_cache.path
    with sqlite3.connect(path) as con:
        key, data = con.execute("SELECT key, data FROM vectors LIMIT 1").fetchone()
        con.execute("UPDATE vectors SET data = ? WHERE key = ?", (bytes(len(data)), key))
    third = MiniLMEmbedder()
    c = third.embed_texts(texts)
    assert third.embedding_cache.hits == 1 and third.embedding_cache.misses == 1
    np.testing.assert_allclose(a, c, atol=1e-6)


def test_cache_keys_by_model_identity(tmp_path):
    cache = EmbeddingCache("model-a", tmp_path)
    cache.put({"k": np.arange(4, dtype=np.float32)})
    assert "k" in cache.get(["k"])
    assert EmbeddingCache("model-b", tmp_path).get(["k"]) == {}
