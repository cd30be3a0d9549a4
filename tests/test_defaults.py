"""Defaults that do not mislead: names only where they fit, the sample's own seed, per-unit
summary budgets, steerable keywords, plain wording, progress on a terminal, lazy imports."""

from __future__ import annotations

import csv
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import numpy as np
import pytest

from toolkit import ConfigError, TopicDescriber, execute, run
from toolkit.cli import main
from toolkit.experiments import config as cfg
from toolkit.experiments.report import format_result
from toolkit.text.files import data_path

NEWS_NAMES = ["war", "elections", "US politics"]
EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"


def _finance_football_floods(path: Path) -> list[str]:
    """18 AG News items on three subjects none of NEWS_NAMES describes; each row's subject."""
    rows = list(csv.DictReader(open(data_path("ag_news_test.csv"), encoding="utf-8")))
    pick = {
        "finance": [r for r in rows if r["label"] == "3"
                    and re.search(r"\b(stocks?|shares|bank|interest rates?)\b", r["title"], re.I)][:6],
        "football": [r for r in rows if r["label"] == "2" and re.search(
            r"premiership|premier league|striker|midfielder", r["title"] + r["description"], re.I)][:6],
        "floods": [r for r in rows if r["label"] == "1" and re.search(r"\bflood(s|ing)?\b", r["title"], re.I)
                   and not re.search(r"poll|vote", r["title"], re.I)][:6],
    }
    subject = []
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["body"])
        for name, items in pick.items():
            assert len(items) == 6
            for r in items:
                writer.writerow([r["description"].replace("\\", " ")])
                subject.append(name)
    return subject


def test_wrong_candidate_names_are_refused_and_said_so(tmp_path, capsys):
    subject = _finance_football_floods(tmp_path / "fff.csv")
    code = main(["run", "--out", str(tmp_path / "res"), "--set",
                 f"dataset={{loader: csv, path: {tmp_path / 'fff.csv'}, text: body}}"])
    out = capsys.readouterr().out
    assert code == 0
    folder = next((tmp_path / "res" / "skynews-topics").iterdir())
    topics = json.loads((folder / "topics.json").read_text())
    rows = list(csv.DictReader(open(folder / "assignments.csv", encoding="utf-8")))
    assert len(rows) == 18  # in file order
    by_subject: dict[str, list[int]] = {}
    for name, row in zip(subject, rows):
        by_subject.setdefault(name, []).append(int(row["cluster"]))
    for name in ("finance", "football", "floods"):
        topic_id = max(set(by_subject[name]), key=by_subject[name].count)
        topic = next(t for t in topics if t["id"] == topic_id)
        assert topic["named"] is False and topic["candidate"] in NEWS_NAMES
        assert topic["name"] not in NEWS_NAMES
        assert f"“{topic['candidate']}”, scored" in out and f"(unnamed) {topic['name']}" in out
        assert f"### {topic['name']}" in (folder / "report.md").read_text()
        assert f"unnamed: the best candidate name, “{topic['candidate']}”" in (folder / "report.html").read_text()
    assert "below topics.min_name_score 0.14" in out or "needs at least topics.min_name_lead -0.1" in out
    assert "   - \n" not in out  # untitled documents show their first words, not an empty bullet


def test_fitting_names_are_kept_and_the_tests_can_be_switched_off():
    result = execute(cfg.load_file(EXPERIMENTS / "skynews.yaml"), progress=False)
    assert sorted(t.name for t in result.topics) == sorted(NEWS_NAMES)
    assert all(t.named and t.name_score >= 0.14 and t.name_margin > 0 and t.name_lead >= -0.1 for t in result.topics)
    model = result.model
    loose = TopicDescriber(names=["gardening", "cooking", "knitting"], min_name_score=-1, min_name_margin=None,
                           min_name_lead=None)
    topics = loose.fit(result.corpus, model.labels_, model.embeddings_, model.embedder_.embed_texts).topics_
    assert all(t.named for t in topics) and {t.name for t in topics} == {"gardening", "cooking", "knitting"}
    strict = TopicDescriber(names=["gardening", "cooking", "knitting"])
    topics = strict.fit(result.corpus, model.labels_, model.embeddings_, model.embedder_.embed_texts).topics_
    assert not any(t.named for t in topics) and all(t.candidate for t in topics)


def test_the_sample_has_its_own_seed_so_a_deterministic_method_does_not_vary():
    base = {"dataset": {"loader": "builtin", "name": "ag_news", "sample": 120}, "embedding": {"model": "tfidf"},
            "cluster": {"method": "agglomerative", "n_clusters": 4}, "summarize": {"units": []}}
    a = execute(dict(base, seed=0), progress=False)
    b = execute(dict(base, seed=1), progress=False)
    assert [d.id for d in a.corpus] == [d.id for d in b.corpus]
    assert np.array_equal(a.labels, b.labels)
    assert a.metrics["clustering"]["ari"] == b.metrics["clustering"]["ari"]
    other = execute(dict(base, dataset=dict(base["dataset"], sample_seed=7)), progress=False)
    assert [d.id for d in other.corpus] != [d.id for d in a.corpus]
    with pytest.raises(ConfigError, match="dataset.random_state: unknown setting"):
        cfg.resolve(dict(base, dataset=dict(base["dataset"], random_state=3)))


def test_each_unit_has_its_own_budget():
    resolved = cfg.resolve({})["summarize"]
    assert resolved["document"] == {"sentences": 3} and resolved["topic"] == {"sentences": 5}
    shared = cfg.resolve({"summarize": {"sentences": 2}})["summarize"]
    assert shared["document"] == shared["topic"] == {"sentences": 2}
    own = cfg.resolve({"summarize": {"ratio": 0.4, "topic": {"words": 60}}})["summarize"]
    assert own["document"] == {"ratio": 0.4} and own["topic"] == {"words": 60}
    assert cfg.resolve({"summarize": own})["summarize"] == own
    for bad in ({"ratio": 2}, {"lines": 3}, {"sentences": 2, "words": 9}, 3):
        with pytest.raises(ConfigError, match="summarize.topic: must be a mapping with one of sentences"):
            cfg.resolve({"summarize": {"topic": bad}})


def test_bbc_topic_summaries_are_short_and_the_terminal_counts_candidates(tmp_path):
    config = cfg.load_file(EXPERIMENTS / "bbc_dev.yaml")
    result = run(dict(config, embedding={"model": "tfidf"}), tmp_path, progress=False)
    topic_summaries = [s for s in result.summaries if s.unit == "topic"]
    documents = [s for s in result.summaries if s.unit == "document"]
    assert all(len(s.sentences) == 5 for s in topic_summaries)
    assert any(len(s.sentences) > 5 for s in documents)  # 40% of a long article
    text = format_result(result)
    for s in topic_summaries:
        assert f"(5 of {s.candidates:,} candidate sentences)" in text
    report = (result.folder / "report.md").read_text()
    assert len(report) < 20_000 and max(len(line) for line in report.splitlines()) < 2_000
    assert all(k != "said" for t in result.topics for k, _ in t.keywords)  # max_df 0.5 in the file


def test_keyword_vocabulary_can_be_steered(tmp_path):
    base = execute({"dataset": {"loader": "builtin", "name": "bbc_dev"}, "embedding": {"model": "tfidf"},
                    "cluster": {"n_clusters": 5}, "summarize": {"units": []}}, progress=False)
    model = base.model

    def keywords(**params) -> list[set[str]]:
        topics = TopicDescriber(**params).fit(base.corpus, model.labels_, model.embeddings_,
                                              model.embedder_.embed_texts).topics_
        return [{k for k, _ in t.keywords} for t in topics]

    # document frequencies as the keywords count them: each word with all its folded forms
    counts, terms = TopicDescriber().vocabulary().counts([d.full_text for d in base.corpus])
    df = dict(zip(terms, np.bincount(counts.indices, minlength=len(terms))))

    def document_frequency(word: str) -> int:
        return int(df[word])

    assert not any("said" in ks for ks in keywords())  # a news stop word
    assert any("said" in ks for ks in keywords(news_stop_words=False))
    assert not any("said" in ks for ks in keywords(news_stop_words=False, extra_stop_words=["said"]))
    assert any(ks & {"the", "of", "and", "to"} for ks in keywords(stop_words="none"))
    words = tmp_path / "stop.txt"
    words.write_text("# a word list\nsaid mr\n\nyear\n", encoding="utf-8")
    assert not any(ks & {"said", "mr", "year"} for ks in keywords(stop_words=str(words), news_stop_words=False))
    assert all(document_frequency(w) <= 50 for ks in keywords(max_df=0.5) for w in ks)
    assert all(document_frequency(w) >= 5 for ks in keywords(min_df=5) for w in ks)
    with pytest.raises(ConfigError, match="topics.stop_word: unknown setting"):
        cfg.resolve({"topics": {"stop_word": "none"}})


def test_a_missing_stop_word_file_is_exit_2_naming_it(tmp_path, capsys):
    code = main(["run", "--out", str(tmp_path), "--set", f"topics.stop_words={tmp_path / 'nowhere.txt'}"])
    err = capsys.readouterr().err
    assert code == 2 and "nowhere.txt: no such file" in err and len(err.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


def _in_a_terminal(args: list[str], cwd: Path, env: dict) -> str:
    """Run ``args`` with standard output and error on a pseudo-terminal; everything it drew."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a real terminal's size
    proc = subprocess.Popen(args, stdin=follower, stdout=follower, stderr=follower, cwd=cwd, env=env,
                            close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process is done
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=600)
    os.close(leader)
    assert proc.returncode == 0, b"".join(chunks).decode(errors="replace")[-2000:]
    return b"".join(chunks).decode(errors="replace")


def test_progress_is_drawn_on_a_terminal_and_libraries_stay_quiet(tmp_path):
    env = dict(os.environ, TOOLKIT_CACHE_DIR=str(tmp_path / "cache"))
    args = [sys.executable, "-m", "toolkit.cli", "run", "--out", str(tmp_path / "res"),
            "--set", "dataset={loader: builtin, name: bbc_dev, sample: 40}", "--set", "cluster.n_clusters=4",
            "--set", "summarize.units=[document]"]
    drawn = _in_a_terminal(args, tmp_path, env)
    for stage in ("embed", "refine", "summarize", "evaluate"):
        assert re.search(rf"{stage}\s+\d+/10 stages \|", drawn), stage
    assert re.search(r"embed: .*\d+/\d+ \[.*text/s\]", drawn)  # the embedding's own bar, counting texts
    assert "Using default tokenizer" not in drawn
    quiet = subprocess.run(args + ["--quiet"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert quiet.returncode == 0 and "stages" not in quiet.stderr


def test_import_and_help_load_no_heavy_library():
    code = ("import sys, toolkit, toolkit.cli\n"
            "heavy = [m for m in ('torch', 'sentence_transformers', 'sklearn', 'matplotlib', 'umap', 'pandas')"
            " if m in sys.modules]\n"
            "print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
    helped = subprocess.run([sys.executable, "-X", "importtime", "-m", "toolkit.cli", "--help"],
                            capture_output=True, text=True)
    assert helped.returncode == 0 and "usage: toolkit" in helped.stdout
    assert not re.search(r"\| +(torch|sklearn|matplotlib|sentence_transformers)$", helped.stderr, re.M)
    assert toolkit_version_matches()


def toolkit_version_matches() -> bool:
    import toolkit

    return toolkit.__version__ in subprocess.run([sys.executable, "-m", "toolkit.cli", "--version"],
                                                 capture_output=True, text=True).stdout


def test_plurals_in_the_terminal_summary():
    result = execute(cfg.load_file(EXPERIMENTS / "skynews.yaml"), progress=False)
    text = format_result(result)
    assert "(1 document)" in text and "(1 documents)" not in text and "(2 documents)" in text
    assert re.search(r"^skynews-topics: 4 documents, 3 topics$", text, re.M)


def test_many_near_duplicates_are_summarised_not_listed(tmp_path):
    rows = list(csv.DictReader(open(data_path("ag_news_test.csv"), encoding="utf-8")))[:8]
    shared = ("The agency said the figures would be revised next month after a review of the data. "
              "Officials declined to say how large the revision would be or which regions it covered. "
              "Analysts had expected the numbers to be published earlier in the week.")
    with open(tmp_path / "wire.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["body"])
        for r in rows:  # every item carries the same wire paragraph: each pair shares a passage
            writer.writerow([r["description"].replace("\\", " ") + " " + shared])
    result = run({"dataset": {"loader": "csv", "path": str(tmp_path / "wire.csv"), "text": "body"},
                  "embedding": {"model": "tfidf"}, "cluster": {"n_clusters": 2}, "summarize": {"units": []}},
                 tmp_path / "res", progress=False)
    found = len(result.duplicates)
    assert found == 28  # 8 items, every pair
    text = format_result(result)
    assert text.count("near-duplicate passage:") == 5
    assert f"... and {found - 5} more near-duplicate passages (all {found} in duplicates.json)" in text
    assert len(json.loads((result.folder / "duplicates.json").read_text())) == found
