"""The default study end to end: grouping, names, summaries, run folder, determinism."""

from __future__ import annotations

import csv
import json

import yaml

from toolkit.experiments import config as cfg
from toolkit.experiments import format_result, write_run
from toolkit.text import normalize_text


def _topic(result, name):
    (topic,) = [t for t in result.topics if t.name == name]
    return topic


def test_default_study_groups_the_page_into_its_three_topics(skynews_result):
    r = skynews_result
    titles = {d.id: d.title for d in r.corpus}
    assert len(r.corpus) == 4 and len(r.topics) == 3
    war = _topic(r, "war")
    elections = _topic(r, "elections")
    us = _topic(r, "US politics")
    assert [titles[i] for i in war.documents] == [r.corpus[0].title]
    assert "North Korea" in titles[war.documents[0]]
    assert sorted(titles[i] for i in elections.documents) == sorted(
        [r.corpus[1].title, r.corpus[3].title])
    assert all(titles[i].startswith("Ireland") for i in elections.documents)
    assert [titles[i] for i in us.documents] == ["Should we be worried about a Donald Trump presidency?"]


def test_keywords_describe_the_topics(skynews_result):
    words = {t.name: [k for k, _ in t.keywords] for t in skynews_result.topics}
    assert {"korean", "troops"} <= set(words["war"])
    assert {"election", "ireland"} <= set(words["elections"])
    assert "trump" in words["US politics"]


def test_duplicated_analysis_is_reported_and_never_summarised_twice(skynews_result):
    r = skynews_result
    (dup,) = r.corpus.duplicates
    assert set(dup["documents"]) == {r.corpus[1].id, r.corpus[3].id}
    assert dup["shared"] >= 5
    assert dup["text"].startswith("So the worst kept secret in Irish politics")
    for summary in r.summaries:
        keys = [normalize_text(s["text"]) for s in summary.sentences]
        assert len(keys) == len(set(keys))
    topic_summary = next(s for s in r.summaries if s.unit == "topic" and s.name == "elections")
    assert len(topic_summary.sentences) == 3


def test_document_and_topic_summaries_are_clean(skynews_result):
    r = skynews_result
    assert sum(s.unit == "document" for s in r.summaries) == 4
    assert sum(s.unit == "topic" for s in r.summaries) == 3
    removed = {x["line"] for x in r.corpus.removed}
    for summary in r.summaries:
        for s in summary.sentences:
            assert s["text"] not in removed
            assert "Image:" not in s["text"] and "Follow Sky News" not in s["text"]


def test_terminal_output_names_topics_with_titles_and_summaries(skynews_result):
    text = format_result(skynews_result)
    for name in ("== war", "== elections", "== US politics"):
        assert name in text
    assert "- Should we be worried about a Donald Trump presidency?" in text
    assert text.count("summary: ") == 3
    assert "near-duplicate passage" in text


def test_run_folder_holds_every_contracted_file(skynews_result, tmp_path):
    folder = write_run(skynews_result, tmp_path)
    assert folder.parent.name == "skynews-topics" and folder.name == skynews_result.run_id
    names = {p.name for p in folder.iterdir()}
    assert {"config.yaml", "metrics.json", "assignments.csv", "topics.json", "summaries.jsonl",
            "environment.json", "report.md", "duplicates.json", "cleaning.jsonl", "topic_map.png",
            "report.html"} <= names
    assert all(p.with_suffix(".pdf").exists() for p in folder.glob("*.png")), "every figure also as PDF"
    resolved = yaml.safe_load((folder / "config.yaml").read_text())
    assert cfg.resolve(resolved) == resolved == skynews_result.config
    metrics = json.loads((folder / "metrics.json").read_text())
    assert "nmi" not in metrics["clustering"]  # no gold labels on the page
    assert set(metrics["timings"]) >= {"load", "embed", "cluster", "summarize"}
    rows = list(csv.DictReader(open(folder / "assignments.csv", encoding="utf-8")))
    assert [r["id"] for r in rows] == [d.id for d in skynews_result.corpus]
    assert {r["topic"] for r in rows} == {"war", "elections", "US politics"}
    topics = json.loads((folder / "topics.json").read_text())
    assert sum(t["size"] for t in topics) == 4
    lines = (folder / "summaries.jsonl").read_text().splitlines()
    assert len(lines) == 7 and all(json.loads(x)["sentences"] for x in lines)
    env = json.loads((folder / "environment.json").read_text())
    assert env["seed"] == 13 and env["packages"]["sentence-transformers"] and env["packages"]["onnxruntime"]
    # What embedded the page: MiniLM through ONNX Runtime with int8 weights (the default on a CPU).
    assert env["embedding"]["model"] == "all-MiniLM-L6-v2" and len(env["embedding"]["weights_sha256_16"]) == 16
    assert (env["embedding"]["backend"], env["embedding"]["precision"], env["embedding"]["device"]) == \
        ("onnx", "int8", "cpu")
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_same_seed_gives_identical_files(default_config, skynews_result, tmp_path):
    from toolkit import execute

    again = execute(default_config, progress=False)
    a = write_run(skynews_result, tmp_path / "a")
    b = write_run(again, tmp_path / "b")
    assert a.name == b.name
    for name in ("assignments.csv", "topics.json", "summaries.jsonl", "config.yaml", "duplicates.json",
                 "topic_map.pdf", "report.html"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    strip = lambda p: {k: v for k, v in json.loads(p.read_text()).items() if k != "timings"}  # noqa: E731
    assert strip(a / "metrics.json") == strip(b / "metrics.json")


def test_tfidf_study_on_bbc_runs_with_gold_labels_and_rouge(tmp_path):
    from toolkit import run

    result = run({"name": "bbc-tfidf", "dataset": {"loader": "builtin", "name": "bbc_dev"},
                  "embedding": {"model": "tfidf"}, "cluster": {"n_clusters": 5},
                  "summarize": {"ratio": 0.4, "units": ["document"]}}, tmp_path, progress=False)
    clus = result.metrics["clustering"]
    assert {"nmi", "ami", "ari", "v_measure", "purity"} <= set(clus)
    assert clus["nmi"] > 0.3  # five well-separated BBC sections
    rouge = result.metrics["summaries"]["document"]
    assert rouge["n"] == 100 and rouge["rouge1_ci95"][0] <= rouge["rouge1"] <= rouge["rouge1_ci95"][1]
    assert (result.folder / "metrics.json").exists()
