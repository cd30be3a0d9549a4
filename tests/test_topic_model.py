"""TopicModel: fit once, assign topics to new documents, save and load as data."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import toolkit
from toolkit import DataError, KMeansClusterer, MiniLMEmbedder, TopicDescriber, TopicModel
from toolkit.text import LOADERS

AG_NAMES = ["World", "Sports", "Business", "Sci/Tech"]


@pytest.fixture(scope="module")
def ag_split():
    """2,000 AG News items drawn at random (the refine tests' sample): 1,900 to fit, 100 held back."""
    corpus = LOADERS.get("builtin")(name="ag_news").load()
    keep = np.sort(np.random.default_rng(0).choice(len(corpus.documents), 2000, replace=False))
    docs = [corpus.documents[i] for i in keep]
    return docs[:1900], docs[1900:]


@pytest.fixture(scope="module")
def fitted(ag_split, tmp_path_factory):
    train, _ = ag_split
    model = TopicModel(embedder=MiniLMEmbedder(pooling="auto"),
                       clusterer=KMeansClusterer(n_clusters=4, random_state=0),
                       describer=TopicDescriber(names=AG_NAMES)).fit(train)
    folder = tmp_path_factory.mktemp("model") / "ag-model"
    model.save(folder)
    return model, folder


def test_transform_on_the_training_documents_gives_the_fitted_labels(fitted, ag_split):
    model, _ = fitted
    train, _ = ag_split
    topics, scores = model.transform([d.text if not d.title else d for d in train])
    assert np.array_equal(topics, model.labels_)  # k-means predicts by its own rule: exactly
    assert scores.shape == (1900, 4) and np.all(np.abs(scores) <= 1 + 1e-6)
    info = model.topic_info
    assert list(info.columns) == [
        "topic_id", "name", "named", "size", "keywords", "exemplars", "candidate", "name_score", "name_margin",
        "name_lead", "merged_from", "first_seen", "last_seen"]
    assert info["size"].sum() == 1900 and sorted(info["candidate"]) == sorted(AG_NAMES)
    # "World" is vaguer than the news section "conflict, war and peace" that fits its topic
    # (benchmarks/topic_descriptions.py): it stays a candidate, and the topic keeps its keywords' name
    assert sorted(info[info["named"]]["name"]) == ["Business", "Sci/Tech", "Sports"]
    world = info[info["candidate"] == "World"].iloc[0]
    assert not world["named"] and world["name_lead"] < -0.1
    assert world["name"] == " / ".join(world["keywords"].split(", ")[:3])
    gold = np.array([d.label for d in train])
    names = dict(zip(info["topic_id"], info["candidate"]))
    assert np.mean([names[t] == g for t, g in zip(model.labels_, gold)]) > 0.7


def test_saved_model_round_trips_in_a_fresh_process(fitted, ag_split):
    model, folder = fitted
    _, held = ag_split
    expected, expected_scores = model.transform(held)
    assert sorted(p.name for p in folder.iterdir()) == ["arrays.npz", "documents.jsonl", "model.json"]
    texts = [f"{d.title}\n{d.text}" for d in held]
    code = ("import json, sys, toolkit\n"
            "from toolkit.text import Document\n"
            "m = toolkit.TopicModel.load(sys.argv[1])\n"
            "docs = [Document(id=str(i), title=t.split('\\n', 1)[0], text=t.split('\\n', 1)[1])"
            " for i, t in enumerate(json.load(sys.stdin))]\n"
            "topics, scores = m.transform(docs)\n"
            "print(json.dumps({'topics': topics.tolist(), 'scores': scores.tolist(), 'agree': m.refit_agreement_}))\n")
    out = subprocess.run([sys.executable, "-c", code, str(folder)], input=json.dumps(texts), capture_output=True,
                         text=True, timeout=300, check=True)
    fresh = json.loads(out.stdout.strip().splitlines()[-1])
    assert fresh["topics"] == expected.tolist() and fresh["agree"] is None  # restored, nothing fitted again
    assert np.allclose(fresh["scores"], expected_scores, atol=1e-6)


def test_a_model_file_never_runs_code(fitted, tmp_path):
    _, folder = fitted
    meta = json.loads((folder / "model.json").read_text())
    for bad in ("subprocess.Popen", "os.system", "builtins.eval"):
        meta["components"]["clusterer"] = {"class": bad, "params": {"args": ["touch", str(tmp_path / "pwned")]}}
        copy = tmp_path / bad
        copy.mkdir()
        for f in folder.iterdir():
            (copy / f.name).write_bytes(f.read_bytes())
        (copy / "model.json").write_text(json.dumps(meta))
        with pytest.raises(DataError, match="not one of the toolkit.s clusterer classes nor a scikit-learn estimator"):
            TopicModel.load(copy)
    assert not (tmp_path / "pwned").exists()


def test_fit_on_plain_strings_and_precomputed_embeddings():
    texts = ["Stocks fell sharply as markets priced in higher interest rates.",
             "The central bank raised rates again to fight inflation.",
             "The striker scored twice as the home side won the cup final.",
             "The team's coach praised the defence after the league win."]
    model = TopicModel(clusterer=KMeansClusterer(n_clusters=2, random_state=0)).fit(texts)
    assert model.labels_[0] == model.labels_[1] != model.labels_[2] == model.labels_[3]
    again = TopicModel(clusterer=KMeansClusterer(n_clusters=2, random_state=0)).fit(texts, model.embeddings_)
    assert np.array_equal(again.labels_, model.labels_)
    topics, _ = model.transform(["Bond yields rose after the rate decision."])
    assert topics[0] == model.labels_[0]
    summaries = model.summarize_topics(toolkit.LexRankSummarizer(sentences=1))
    assert [len(s.sentences) for s in summaries] == [1, 1]
