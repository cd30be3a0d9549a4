"""Encoder adaptation (self-training) on small real data."""

from __future__ import annotations

import numpy as np
import pytest

import toolkit
from toolkit import ConfigError
from toolkit.embedding import MiniLMEmbedder, SelfTraining, confident


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
    centers = [unit[labels == c].mean(axis=0) for c in (0, 1)]
    centers = [c / np.linalg.norm(c) for c in centers]
    for c in (0, 1):
        margin = unit @ centers[c] - unit @ centers[1 - c]
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
    from toolkit.experiments.config import resolve_section

    with pytest.raises(ConfigError, match=r"adapt.keep: must be a number in \(0, 1\], got 0"):
        resolve_section("adapt", {"method": "self_training", "keep": 0})


def test_text_passes_bound_the_texts_per_forward_pass():
    from toolkit.embedding import sample_units, text_passes

    groups = text_passes([3, 4, 2, 9, 1, 1], 7)
    assert [g.tolist() for g in groups] == [[0, 1], [2], [3], [4, 5]]
    assert sum(len(g) for g in text_passes([1] * 50, 8)) == 50
    units = sample_units([["a", "b", "c", "d", "e"], ["x"]], 3, seed=0)
    assert len(units[0]) == 3 and units[1] == ["x"]
    assert units[0] == sorted(units[0], key="abcde".index), "document order kept"


def test_split_passes_train_the_same_encoder_as_one_pass():
    """Gradient accumulation over passes equals one big pass (dropout off to compare)."""
    import copy

    import torch

    base = MiniLMEmbedder().load_model()
    units = [["Troops crossed the border.", "Shelling went on overnight."], ["Voters queued early."],
             ["The senate passed the bill.", "The president may veto it.", "Lawmakers argued."]]
    targets = np.array([0, 1, 1])
    initial = np.eye(2, 384, dtype=np.float32)
    trained = []
    for max_texts in (100, 3):  # passes of 2 documents and 1: a wrong weighting would show
        model = copy.deepcopy(base)
        model.max_seq_length = 32
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
        SelfTraining(batch_size=3, max_texts=max_texts, random_state=0)._train(model, units, targets, 2, initial, 0)
        trained.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    before = torch.cat([p.detach().flatten() for p in base.parameters()])
    assert not torch.allclose(trained[0], before), "one step changed the encoder"
    # equal but for float noise in gradients near zero, which Adam's first step magnifies
    differ = ((trained[0] - trained[1]).abs() > 1e-6).float().mean()
    assert differ < 1e-4, float(differ)
