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


NEWS = ["Troops were sent to the front line.", "Soldiers deployed to the war zone.",
        "The central bank raised interest rates.", "Voters go to the polls in Ireland on Friday.",
        "Trump named his cabinet picks.", "Shares fell sharply on Wall Street after the report."]


def test_onnx_paths_match_torch_and_keep_their_own_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(tmp_path))
    torch_ = MiniLMEmbedder(backend="torch")
    fp32 = MiniLMEmbedder(backend="onnx", precision="fp32")
    int8 = MiniLMEmbedder(backend="onnx")  # precision auto: int8
    assert int8.runtime() == ("onnx", "int8") and torch_.runtime() == ("torch", "fp32")
    assert MiniLMEmbedder(device="cpu").runtime() == ("onnx", "int8")  # the default on a CPU
    reference = torch_.embed_texts(NEWS)
    np.testing.assert_allclose(fp32.embed_texts(NEWS), reference, atol=2e-5)
    quantised = int8.embed_texts(NEWS)
    cosine = (quantised * reference).sum(axis=1)
    assert cosine.min() > 0.97 and cosine.mean() > 0.985
    assert quantised[0] @ quantised[1] > quantised[0] @ quantised[2] + 0.2
    # Three identities, three cache files: vectors of one path never serve another.
    ids = {torch_.model_id, fp32.model_id, int8.model_id}
    assert len(ids) == 3 and int8.model_id.endswith("-onnx-int8")
    assert len({e.embedding_cache.path for e in (torch_, fp32, int8)}) == 3
    # Each text runs alone: its vector is the same whatever it is embedded with.
    alone = MiniLMEmbedder(backend="onnx", cache=False).embed_texts(NEWS[2:3])
    np.testing.assert_array_equal(alone[0], quantised[2])
    # The export is kept under the cache folder, named for the weights (int8 may come from an earlier
    # test's folder: a process loads each export once).
    assert [p.parent.name for p in (tmp_path / "models").glob("*/model-fp32.onnx")] == [torch_.model_id]


def test_backend_settings_that_cannot_run_are_named(tmp_path):
    import shutil

    import pytest

    from toolkit.embedding import SentenceTransformerEmbedder, minilm_path
    from toolkit.errors import ConfigError

    with pytest.raises(ConfigError, match="embedding.precision: int8 runs on backend onnx only"):
        MiniLMEmbedder(backend="torch", precision="int8").runtime()
    with pytest.raises(ConfigError, match="embedding.backend: onnx runs on the CPU"):
        MiniLMEmbedder(backend="onnx", device="cuda").runtime()
    # A folder whose pooling ONNX does not reproduce (max pooling) is refused, not embedded wrongly.
    folder = tmp_path / "max-pooled"
    shutil.copytree(minilm_path(), folder)
    (folder / "1_Pooling" / "config.json").write_text('{"word_embedding_dimension": 384, '
                                                      '"pooling_mode_max_tokens": true}')
    with pytest.raises(ConfigError, match="pools by max_tokens .use backend: torch"):
        SentenceTransformerEmbedder(str(folder), backend="onnx", cache=False).embed_texts(["a text"])
    vectors = SentenceTransformerEmbedder(str(folder), backend="torch", cache=False).embed_texts(["a text"])
    assert vectors.shape == (1, 384)
    # The default (auto) runs such a folder with torch rather than refusing it.
    default = SentenceTransformerEmbedder(str(folder), device="cpu", cache=False)
    assert default.runtime() == ("torch", "fp32")
    np.testing.assert_array_equal(default.embed_texts(["a text"]), vectors)


def test_a_large_encode_mentions_the_static_model(tmp_path, monkeypatch, caplog):
    import logging

    from toolkit.embedding import embedders

    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(embedders, "LARGE", 2)
    with caplog.at_level(logging.INFO, logger="toolkit"):
        MiniLMEmbedder().embed_texts(["One text.", "Two texts."])
    assert not any("static" in r.getMessage() for r in caplog.records)
    with caplog.at_level(logging.INFO, logger="toolkit"):
        MiniLMEmbedder().embed_texts(["Three.", "Four.", "Five."])
    assert any("3 texts to encode with all-MiniLM-L6-v2; embedding: {model: static}" in r.getMessage()
               for r in caplog.records)
