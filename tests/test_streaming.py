"""A fitted model fed a stream (partial_fit, toolkit update): old topics keep their ids and
documents, a story the training data never had becomes a new topic, the same stream gives the
same bytes, and the state survives saving."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from toolkit import TopicModel
from toolkit.errors import DataError
from toolkit.text import LOADERS
from toolkit.topics import stream_state as st

SPORTS_WORDS = {"game", "team", "coach", "season", "cup", "win", "football", "league", "sox", "players", "match",
                "victory", "championship", "olympic", "sports"}


@pytest.fixture(scope="module")
def ag_split():
    """AG News without its Sports items to fit on (1,000), and a stream of 6 batches of 200
    items of all four sections, Sports among them."""
    docs = LOADERS.get("builtin")(name="ag_news").load().documents
    order = np.random.default_rng(0).permutation(len(docs))
    train = [docs[i] for i in order[:2000] if docs[i].label != "Sports"][:1000]
    stream = [docs[i] for i in order[2000:3200]]
    return train, [stream[b * 200:(b + 1) * 200] for b in range(6)]


@pytest.fixture(scope="module")
def streamed(ag_split):
    train, batches = ag_split
    model = TopicModel().fit(train)
    fitted = {t.id: t.name for t in model.topics_}
    before = model.labels_.copy()
    for batch in batches:
        model.partial_fit(batch)
    return model, fitted, before


def test_a_story_the_training_data_lacked_becomes_a_new_topic(ag_split, streamed):
    train, batches = ag_split
    model, fitted, before = streamed
    born = model.stream_.born
    assert born and set(fitted) <= {t.id for t in model.topics_}  # every original id is still there
    assert min(born) == max(fitted) + 1  # new ids come after the old, none reused
    info = model.topic_info.set_index("topic_id")
    stream = [d for batch in batches for d in batch]
    gold = np.array([d.label for d in stream])
    topics, probabilities = model.transform(stream)
    assert probabilities.shape == (len(stream), len(model.topics_)) and np.allclose(probabilities.sum(axis=1), 1)
    first = min(born)
    members = gold[topics == first]
    assert info.loc[first, "first_seen"] in ("batch 1", "batch 2")  # born in the story's first batches
    assert np.mean(members == "Sports") > 0.85
    sports_topics = np.isin(topics, list(born))
    assert np.sum(gold[sports_topics] == "Sports") / np.sum(gold == "Sports") > 0.6  # most of the story's items
    keywords = {k for k, _ in next(t for t in model.topics_ if t.id == first).keywords[:8]}
    assert keywords & SPORTS_WORDS, keywords
    again, _ = model.transform(train)
    assert np.mean(again == before) >= 0.95  # the training items keep their topics
    assert np.array_equal(model.labels_, before)
    assert set(info.loc[list(fitted), "first_seen"]) == {"batch 0"}
    assert len(model.stream_.pending) <= st.MAX_PENDING


def test_one_batch_or_many_and_the_same_stream_twice(ag_split, streamed):
    train, batches = ag_split
    model, _, _ = streamed
    stream = [d for batch in batches for d in batch]
    once = TopicModel().fit(train).partial_fit(stream)
    many, _ = model.transform(stream)
    single, _ = once.transform(stream)
    assert adjusted_rand_score(many, single) > 0.6  # comparable models
    again = TopicModel().fit(train)
    for batch in batches:
        again.partial_fit(batch)
    assert again.topic_info.equals(model.topic_info)
    assert again.stream_.events == model.stream_.events


def test_a_saved_stream_loads_and_goes_on_the_same(ag_split, streamed, tmp_path):
    _, batches = ag_split
    model, _, _ = streamed
    model.save(tmp_path / "a")
    model.save(tmp_path / "b")
    for name in ("stream.json", "stream.npz", "model.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    loaded = TopicModel.load(tmp_path / "a")
    assert loaded.topic_info.equals(model.topic_info)
    assert np.array_equal(loaded.transform(batches[0])[0], model.transform(batches[0])[0])
    copy = TopicModel.load(tmp_path / "b")
    loaded.partial_fit(batches[1][:50])
    copy.partial_fit(batches[1][:50])
    assert loaded.topic_info.equals(copy.topic_info)
    tampered = json.loads((tmp_path / "b" / "stream.json").read_text())
    tampered["ids"] = tampered["ids"][:-1]
    (tmp_path / "b" / "stream.json").write_text(json.dumps(tampered))
    with pytest.raises(DataError, match="stream"):
        TopicModel.load(tmp_path / "b")


def test_bad_batches_get_one_clear_line(ag_split):
    train, _ = ag_split
    with pytest.raises(RuntimeError, match="fit"):
        TopicModel().partial_fit(["A new story."])
    model = TopicModel().fit(train[:300])
    for batch, message in (([], "no documents"), (["", "  "], "no documents"), ([3, 4], "not int"),
                           ([{"text": "x"}], "not dict")):
        with pytest.raises(DataError, match=message):
            model.partial_fit(batch)
    with pytest.raises(DataError, match="decay"):
        model.partial_fit(["A new story."], decay=0)
    assert getattr(model, "stream_", None) is None or model.stream_.batches == 0


def test_groups_of_novel_documents_need_size_and_cohesion():
    rng = np.random.default_rng(0)
    story = rng.normal(size=64) * 2
    tight = story + rng.normal(size=(15, 64))  # one story, 15 documents
    noise = rng.normal(size=(40, 64))  # unrelated documents: nearly orthogonal in 64 dimensions
    groups = st.groups_of_novel(np.vstack([noise, tight]), cohesion=0.5, min_size=10)
    assert len(groups) == 1 and set(groups[0]) == set(range(40, 55))
    assert st.groups_of_novel(np.vstack([noise, tight]), cohesion=0.5, min_size=20) == []
    assert st.mean_pairwise_cosine(np.eye(3)) == 0.0


def test_update_command_writes_the_updated_model_and_what_changed(ag_split, tmp_path, capsys):
    from toolkit.cli import main

    train, batches = ag_split
    model = TopicModel().fit(train[:400])
    model.save(tmp_path / "model")
    days = ["2004-08-02", "2004-09-06", "2004-10-04"]
    with open(tmp_path / "new.jsonl", "w", encoding="utf-8") as fh:
        for day, batch in zip(days, batches):
            for d in batch:
                fh.write(json.dumps({"headline": d.title, "body": d.text, "published": day}) + "\n")
    args = ["update", str(tmp_path / "model"), str(tmp_path / "new.jsonl"), "--field", "text=body", "--field",
            "title=headline", "--field", "date=published", "--by", "month", "--out", str(tmp_path / "up"), "--quiet"]
    assert main(args) == 0
    out = tmp_path / "up"
    assert {"model", "update.md", "topics.csv", "batches.csv", "new_topics.csv", "timeline.png"} <= \
        {p.name for p in out.iterdir()}
    assert "| 2004-08 | 200 |" in (out / "update.md").read_text()
    updated = TopicModel.load(out / "model")
    assert updated.stream_.batches == 3
    assert "3 batches" in capsys.readouterr().out
    assert main(args) == 0  # an update folder is replaced
    (tmp_path / "mine").mkdir()
    assert main([*args[:-3], "--out", str(tmp_path / "mine"), "--quiet"]) == 2
    undated = [*args[:7], "--by", "month", "--out", str(tmp_path / "u2"), "--quiet"]
    assert main(undated) == 2
    assert "have no date" in capsys.readouterr().err
    assert not (tmp_path / "u2").exists()
    wrong_field = [*args[:4], "text=story", *args[5:-3], "--out", str(tmp_path / "u3"), "--quiet"]
    assert main(wrong_field) == 2  # named by the flag it came from, with the fields the file has
    assert "no field 'story' for --field text (fields: headline, body, published)" in capsys.readouterr().err


def test_an_experiment_stream_section_writes_the_stream_into_the_run_folder(ag_split, tmp_path):
    """The experiment key: fit before stream.until, feed a copy of the model the rest by month
    (TF-IDF vectors here, which exercises the sparse path); nothing changes for runs without it."""
    from toolkit.experiments import config as cfg
    from toolkit.experiments import run

    train, batches = ag_split
    path = tmp_path / "dated.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for day, docs in zip(["2004-07-15", "2004-08-02", "2004-09-06", "2004-10-04"], [train[:600], *batches[:3]]):
            for d in docs:
                fh.write(json.dumps({"title": d.title, "text": d.text, "date": day}) + "\n")
    config = {"name": "streamed", "dataset": {"loader": "jsonl", "path": str(path), "title": "title", "date": "date"},
              "embedding": {"model": "tfidf"}, "cluster": {"n_clusters": 6}, "summarize": {"units": []},
              "stream": {"until": "2004-08-01", "min_topic_size": 12}}
    assert "stream" not in cfg.resolve({k: v for k, v in config.items() if k != "stream"})
    result = run(config, tmp_path / "results", progress=False)
    folder = result.folder
    assert len(result.labels) == 600 and result.metrics["stream"]["batches"] == 3
    assert result.metrics["stream"]["documents"] == 600
    assert {"update.md", "model", "batches.csv", "timeline.png"} <= {p.name for p in (folder / "stream").iterdir()}
    assert not (folder / "model" / "stream.json").exists() and (folder / "stream" / "model" / "stream.json").exists()
    assert "## Stream" in (folder / "report.md").read_text()
    assert '<table id="stream-topics">' in (folder / "report.html").read_text() or \
        "No new topic was born" in (folder / "report.html").read_text()
    assert TopicModel.load(folder / "stream" / "model").stream_.batches == 3
    with pytest.raises(DataError, match="both parts"):
        run({**config, "stream": {"until": "2005-01-01"}}, tmp_path / "results", progress=False)
