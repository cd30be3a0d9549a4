"""Encoder adaptation (self-training) on small real data."""

from __future__ import annotations

import numpy as np
import pytest

import toolkit
from toolkit.adapt import SelfTraining, confident
from toolkit.embeddings import MiniLMEmbedder
from toolkit.errors import ConfigError


def test_confident_keeps_each_clusters_clearest_share():
    rng = np.random.default_rng(0)
    a = rng.normal([5, 0], 1.0, size=(40, 2))
    b = rng.normal([0, 5], 1.0, size=(40, 2))
    X = np.vstack([a, b])
    labels = np.array([0] * 40 + [1] * 40)
    labels[0] = -1  # an outlier is never kept
    labels[1] = 1  # a document nearer the other centroid is never kept
    keep = confident(X, labels, 0.5)
    assert not keep[0] and not keep[1]
    assert keep[labels == 0].sum() == 19 and keep[labels == 1].sum() == 20
    # Within a cluster, every kept document is more clearly its cluster's than every dropped one.
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    centres = [unit[labels == c].mean(axis=0) for c in (0, 1)]
    centres = [c / np.linalg.norm(c) for c in centres]
    for c in (0, 1):
        margin = unit @ centres[c] - unit @ centres[1 - c]
        members = labels == c
        assert margin[keep & members].min() >= margin[~keep & members & (margin > 0)].max()


def test_self_training_adapts_the_encoder_reproducibly(default_config):
    base = MiniLMEmbedder().embed_texts(["Troops crossed the border at dawn."])
    config = {**default_config, "adapt": {"method": "self_training", "epochs": 1}}
    a = toolkit.experiment(config, progress=False)
    b = toolkit.experiment(config, progress=False)
    assert "adapt" in a.timings and a.config["adapt"]["keep"] == 0.5
    assert np.array_equal(a.labels, b.labels)
    assert np.allclose(a.embeddings, b.embeddings, atol=1e-5)
    plain = toolkit.experiment(default_config, progress=False)
    assert not np.allclose(a.embeddings, plain.embeddings, atol=1e-3), "the encoder was tuned"
    # The shared model is untouched: the base embedding of a text is what it was.
    assert np.allclose(MiniLMEmbedder().embed_texts(["Troops crossed the border at dawn."]), base, atol=1e-6)
    assert len(a.topics) == 3 and sorted(set(a.labels)) == [0, 1, 2]


def test_self_training_needs_a_sentence_transformer(default_config, tmp_path, capsys):
    from toolkit.cli import main

    code = main(["run", "--quiet", "--out", str(tmp_path), "--set", "embedding.model=tfidf",
                 "--set", "adapt.method=self_training"])
    err = capsys.readouterr().err
    assert code == 2 and "adapt.method: self_training fine-tunes a sentence-transformers model" in err
    with pytest.raises(ConfigError, match=r"adapt.keep: must be a share in \(0, 1\]"):
        SelfTraining(keep=0)
