"""Dates, topics over time, the topic tree and reduce_to, soft assignments, LDA and NMF."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from toolkit import ConfigError, DataError, TopicDescriber, execute, run
from toolkit.cli import main
from toolkit.experiments import config as cfg
from toolkit.text.loaders import LOADERS
from toolkit.topics.hierarchy import cut_tree, merges_table, topic_linkage
from toolkit.topics.over_time import choose_bin

HUFFPOST = {"loader": "builtin", "name": "huffpost", "sample": 600}
FAST = {"embedding": {"model": "tfidf"}, "summarize": {"units": []}, "evaluate": {"bootstrap": 0}}


def _csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "when"])
        writer.writerows(rows)


def test_dates_are_read_strictly_from_records_and_file_names(tmp_path, capsys):
    _csv(tmp_path / "ok.csv", [["Stocks rose.", "2019-03-01"], ["Rain fell.", "2019-03-02T14:30:00"], ["No date.", ""]])
    docs = LOADERS.get("csv", "x")(path=str(tmp_path / "ok.csv"), date="when").load()
    assert [d.date for d in docs] == ["2019-03-01", "2019-03-02T14:30:00", None]
    _csv(tmp_path / "dmy.csv", [["Stocks rose.", "01/03/2019"]])
    docs = LOADERS.get("csv", "x")(path=str(tmp_path / "dmy.csv"), date="when", date_format="%d/%m/%Y").load()
    assert docs[0].date == "2019-03-01"
    _csv(tmp_path / "bad.csv", [["Stocks rose.", "2019-03-01"], ["Rain fell.", "March 2nd"]])
    code = main(["run", "--out", str(tmp_path / "res"), "--set",
                 f"dataset={{loader: csv, path: {tmp_path / 'bad.csv'}, date: when}}"])
    err = capsys.readouterr().err
    assert code == 2 and "bad.csv:3: field 'when' (dataset.date) is 'March 2nd', not an ISO 8601 date" in err
    assert not (tmp_path / "res").exists()
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "2019-03-01-budget.txt").write_text("The budget passed.", encoding="utf-8")
    (folder / "20190304_storm.txt").write_text("A storm hit.", encoding="utf-8")
    docs = LOADERS.get("text_folder", "x")(path=str(folder), dates="filename").load()
    assert [d.date for d in docs] == ["2019-03-01", "2019-03-04"]
    (folder / "notes.txt").write_text("Undated.", encoding="utf-8")
    with pytest.raises(DataError, match="notes.txt' does not start with a date"):
        LOADERS.get("text_folder", "x")(path=str(folder), dates="filename").load()
    huffpost = LOADERS.get("builtin", "x")(name="huffpost").load()
    assert all(d.date for d in huffpost) and min(d.date for d in huffpost) == "2018-05-01"


def test_time_bins_follow_the_span():
    assert choose_bin(["2019-03-01", "2019-03-20"]) == "day"
    assert choose_bin(["2019-01-01", "2019-12-31"]) == "week"
    assert choose_bin(["2018-05-01", "2019-12-31"]) == "month"
    assert choose_bin(["2000-01-01", "2012-12-31"]) == "quarter"
    assert choose_bin(["1900-01-01", "2019-12-31"]) == "year"


def test_topics_over_time_counts_shares_and_keywords_per_bin(tmp_path):
    result = run(dict(FAST, dataset=HUFFPOST, cluster={"n_clusters": 8}), tmp_path, progress=False)
    table = result.topics_over_time()
    assert table.attrs["bin"] == "month"
    dated = [d.date[:7] for d in result.corpus]
    for start, part in table.groupby("bin"):
        assert part["count"].sum() == part["bin_size"].iloc[0] == dated.count(start[:7])
        assert part["share"].sum() == pytest.approx(1.0, abs=1e-5)
    assert table["count"].sum() == len(result.corpus)
    # keywords within a bin are that bin's, not the topic's overall keywords
    overall = {t.id: [k for k, _ in t.keywords[:5]] for t in result.topics}
    assert any(row.keywords.split(", ") != overall[row.topic_id] for row in table.itertuples())
    quarters = result.topics_over_time("quarter")
    assert set(quarters["bin"]) <= {"2018-04-01", "2018-07-01", "2018-10-01", "2019-01-01", "2019-04-01",
                                    "2019-07-01", "2019-10-01"}
    folder = result.folder
    assert (folder / "topics_over_time.png").stat().st_size > 0
    written = list(csv.DictReader(open(folder / "topics_over_time.csv", encoding="utf-8")))
    assert len(written) == len(table)
    assert "## Topics over time" in (folder / "report.md").read_text()
    dates = [row["date"] for row in csv.DictReader(open(folder / "assignments.csv", encoding="utf-8"))]
    assert dates == [d.date for d in result.corpus]


def test_reduce_to_merges_along_the_tree_and_describes_the_merged_topics():
    config = dict(FAST, dataset=HUFFPOST, cluster={"method": "kmeans", "n_clusters": 12}, refine={"method": "none"})
    full = execute(config, progress=False)
    reduced = execute(dict(config, topics={"reduce_to": 5}), progress=False)
    assert len(reduced.labels) == len(full.labels) and (reduced.labels >= 0).all()
    assert sorted(set(reduced.labels.tolist())) == [0, 1, 2, 3, 4]
    # each merged topic is a union of whole topics of the unreduced run
    for c in range(5):
        parts = set(full.labels[reduced.labels == c].tolist())
        assert np.isin(full.labels, list(parts)).sum() == (reduced.labels == c).sum()
    # keywords, names and sizes describe the merged topics, as a fresh description would
    model = reduced.model
    again = TopicDescriber().fit(reduced.corpus, reduced.labels, model.embeddings_, model.embedder_.embed_texts)
    assert [t.keywords for t in again.topics_] == [t.keywords for t in reduced.topics]
    assert [t.size for t in reduced.topics] == np.bincount(reduced.labels).tolist()
    # new documents follow the merge: the training texts come back with the merged labels
    topics, probabilities = model.transform([d.full_text for d in reduced.corpus][:50])
    assert np.array_equal(topics, reduced.labels[:50])
    assert probabilities.shape == (50, 5) and np.allclose(probabilities.sum(axis=1), 1)


def test_the_topic_tree_and_its_cut():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(3, 20))
    vectors = np.vstack([base[0], base[0] + 0.05 * rng.normal(size=20), base[1], base[1] + 0.05 * rng.normal(size=20),
                         base[2]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    Z = topic_linkage(vectors)
    assert Z.shape == (4, 4) and np.all(np.diff(Z[:, 2]) >= 0)
    ids = [10, 11, 12, 13, 14]
    assert cut_tree(Z, ids, 3) == {10: 0, 11: 0, 12: 1, 13: 1, 14: 2}
    assert cut_tree(Z, ids, 5) == {10: 0, 11: 1, 12: 2, 13: 3, 14: 4}
    table = merges_table(Z, ids, {i: f"t{i}" for i in ids})
    assert len(table) == 4 and table["topics"].tolist()[-1] == 5
    assert {table["left"][0], table["right"][0]} in ({"t10", "t11"}, {"t12", "t13"})


def test_soft_assignments_are_probabilities_by_a_documented_rule(tmp_path):
    gmm = execute(dict(FAST, dataset=HUFFPOST, reduce={"method": "pca", "n_components": 20},
                       cluster={"method": "gmm", "n_clusters": 6}, refine={"method": "none"}), progress=False)
    model = gmm.model
    posterior = model.clusterer_.predict_proba(model.reduced_)
    assert np.allclose(model.probabilities_, posterior) and np.allclose(posterior.sum(axis=1), 1)
    scan = run(dict(FAST, dataset=HUFFPOST, cluster={"n_clusters": 6}), tmp_path, progress=False)
    p = scan.probabilities
    assert np.allclose(p.sum(axis=1), 1) and np.array_equal(p.argmax(axis=1), scan.labels)
    rows = list(csv.DictReader(open(scan.folder / "assignments.csv", encoding="utf-8")))
    for row, probs in zip(rows, p):
        order = np.argsort(-probs, kind="stable")
        assert [int(row[f"top{k}"]) for k in (1, 2, 3)] == order[:3].tolist()
        assert float(row["p1"]) == pytest.approx(probs[order[0]], abs=1e-4)
        assert row["uncertain"] == str(int(probs[order[0]] < 0.5))
    metrics = json.loads((scan.folder / "metrics.json").read_text())
    assert metrics["assignment"]["uncertain_share"] == pytest.approx(float(np.mean(p.max(axis=1) < 0.5)), abs=1e-6)
    assert "## Topic assignments" in (scan.folder / "report.md").read_text()
    assert (scan.folder / "topic_tree.png").stat().st_size > 0 and (scan.folder / "topic_merges.csv").is_file()
    knn = execute(dict(FAST, dataset=HUFFPOST, cluster={"n_clusters": 6}, refine={"method": "knn_vote"}),
                  progress=False)
    assert np.allclose(knn.probabilities.sum(axis=1), 1)  # the centroid softmax


@pytest.mark.parametrize("method, embedding", [("lda", "counts"), ("nmf", "tfidf")])
def test_lda_and_nmf_are_seeded_clusterers_with_mixtures(method, embedding):
    config = {"dataset": HUFFPOST, "embedding": {"model": embedding}, "reduce": {"method": "none"},
              "cluster": {"method": method, "n_clusters": 6}, "refine": {"method": "none"},
              "summarize": {"units": []}, "evaluate": {"bootstrap": 0}}
    a = execute(dict(config, seed=3), progress=False)
    b = execute(dict(config, seed=3), progress=False)
    assert np.array_equal(a.labels, b.labels) and a.metrics["clustering"] == b.metrics["clustering"]
    assert a.metrics["topics"]["npmi"] is not None and 0 < a.metrics["clustering"]["nmi"] < 1
    mixture = a.model.clusterer_.predict_proba(a.model.reduced_)
    assert np.allclose(mixture.sum(axis=1), 1) and np.array_equal(mixture.argmax(axis=1), a.labels)
    assert np.allclose(a.probabilities, mixture)
    with pytest.raises(ConfigError, match=f"cluster.method: {method} models term counts or weights"):
        cfg.resolve(dict(config, embedding={"model": "minilm"}))
