"""The Python API: experiment(), DataFrame tables, load_run round trips, the run folder's plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import toolkit
from toolkit import DataError
from toolkit.experiments import write_run

REPO_EXPERIMENTS = __import__("pathlib").Path(__file__).resolve().parent.parent / "experiments"


@pytest.fixture(scope="module")
def bbc_run(tmp_path_factory):
    """The BBC dev experiment (gold labels, references) written to a folder."""
    out = tmp_path_factory.mktemp("runs")
    return toolkit.experiment(REPO_EXPERIMENTS / "bbc_dev.yaml", ["summarize.units=[document, topic]"],
                              out=out, progress=False)


def test_tables_have_the_documented_columns(bbc_run):
    assert list(bbc_run.documents.columns) == ["id", "title", "cluster", "topic", "label", "date", "top1", "p1", "top2",
                                              "p2", "top3", "p3", "uncertain"]
    assert list(bbc_run.topic_table.columns) == [
        "topic_id", "name", "named", "size", "keywords", "exemplars", "candidate", "name_score", "name_margin",
        "name_lead"]
    assert list(bbc_run.summary_table.columns) == ["unit", "unit_id", "unit_name", "rank", "score", "document",
                                                   "position", "text"]
    assert list(bbc_run.metric_table.columns) == ["metric", "value"]
    docs = bbc_run.documents
    assert len(docs) == 100 and set(docs["label"]) == {"business", "entertainment", "politics", "sport", "tech"}
    assert bbc_run.topic_table["size"].sum() == 100
    assert set(bbc_run.summary_table["unit"]) == {"document", "topic"}
    metrics = dict(zip(bbc_run.metric_table["metric"], bbc_run.metric_table["value"]))
    assert 0.5 < metrics["clustering.nmi"] <= 1 and "summaries.document.rouge1" in metrics
    table = bbc_run.contingency
    assert table.values.sum() == 100 and list(table.columns) == sorted(set(docs["label"]))
    # Each topic's row of the contingency table counts its documents' gold labels.
    for name, row in table.iterrows():
        assert row.to_dict() == docs[docs["topic"] == name]["label"].value_counts().reindex(
            table.columns, fill_value=0).to_dict()


def test_load_run_round_trips_the_folder(bbc_run):
    loaded = toolkit.load_run(bbc_run.folder)
    assert loaded.run_id == bbc_run.run_id and loaded.config == bbc_run.config
    assert np.array_equal(loaded.labels, bbc_run.labels)
    assert loaded.topics == bbc_run.topics
    assert loaded.summaries == bbc_run.summaries
    for table in ("documents", "topic_table", "summary_table", "metric_table", "contingency"):
        pd.testing.assert_frame_equal(getattr(loaded, table), getattr(bbc_run, table), check_dtype=False)
    # The corpus and embeddings are rebuilt on first use, and match the run's.
    assert loaded.model_in_memory is None
    assert [d.sentences for d in loaded.corpus] == [d.sentences for d in bbc_run.corpus]
    assert np.allclose(loaded.embeddings, bbc_run.embeddings, atol=1e-6)
    assert toolkit.format_result(loaded) == toolkit.format_result(bbc_run)


def test_run_folder_has_the_plots_linked_from_the_report(bbc_run):
    names = {p.name for p in bbc_run.folder.iterdir()}
    topics = [s for s in bbc_run.summaries if s.unit == "topic"]
    expected = {"topic_map.png", "contingency.png"} | {f"centrality_topic_{s.id}.png" for s in topics}
    assert expected <= names
    report = (bbc_run.folder / "report.md").read_text()
    for name in expected:
        assert f"]({name})" in report
        assert (bbc_run.folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_summary_keeps_all_candidate_scores(bbc_run):
    for s in bbc_run.summaries:
        assert len(s.scores) == s.candidates
        for chosen in s.sentences:
            assert s.scores[chosen["index"]] == chosen["score"]


def test_experiment_takes_a_dict_and_overrides(default_config):
    result = toolkit.experiment(default_config, ["summarize.sentences=1"], progress=False)
    assert result.folder is None
    assert all(len(s.sentences) == 1 for s in result.summaries)
    assert set(result.documents["topic"]) == {"war", "elections", "US politics"}


def test_load_run_refuses_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(DataError, match="not a run folder"):
        toolkit.load_run(tmp_path)
    (tmp_path / "config.yaml").write_text("name: x\n")
    with pytest.raises(DataError, match="missing metrics.json"):
        toolkit.load_run(tmp_path)


def test_a_loaded_run_needs_no_data_and_its_model_assigns_new_articles_in_a_fresh_process(skynews_result, tmp_path):
    import json
    import subprocess
    import sys

    folder = write_run(skynews_result, tmp_path)
    assert (folder / "model" / "model.json").is_file()
    texts = ["Ireland's parties launch their campaigns as voters prepare to elect a new parliament.",
             "North Korean soldiers are reported to be fighting alongside Russian troops in Ukraine."]
    expected, _ = skynews_result.model.transform(texts)
    code = ("import json, sys, toolkit\n"
            "r = toolkit.load_run(sys.argv[1])\n"
            "topics, _ = r.model.transform(json.load(sys.stdin))\n"
            "names = {t.id: t.name for t in r.topics}\n"
            "print(json.dumps([names[int(t)] for t in topics]))\n")
    out = subprocess.run([sys.executable, "-c", code, str(folder)], input=json.dumps(texts), capture_output=True,
                         text=True, timeout=300, check=True, cwd=tmp_path)
    names = {t.id: t.name for t in skynews_result.topics}
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [names[int(t)] for t in expected] == \
        ["elections", "war"]
    loaded = toolkit.load_run(folder)
    assert [d.text for d in loaded.corpus] == [d.text for d in skynews_result.corpus]
    assert loaded.corpus.fingerprint == skynews_result.corpus.fingerprint


def test_document_rouge_averages_to_the_reported_metric(bbc_run):
    per_doc = bbc_run.document_rouge()
    assert list(per_doc.columns) == ["id", "rouge1", "rouge2", "rougeL", "rougeLsum"] and len(per_doc) == 100
    reported = bbc_run.metrics["summaries"]["document"]
    for t in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
        assert per_doc[t].mean() == pytest.approx(reported[t], abs=1e-6)
