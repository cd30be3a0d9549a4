"""Every CLI entry point against a table of user mistakes: exit 2, one line naming the
culprit, no traceback, no run folder, and nothing hangs."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from toolkit.cli import main

TEXT = "Rescue teams searched buildings after the earthquake. The bank raised interest rates again."


def _files(tmp: Path) -> dict[str, str]:
    """The files the cases name, made once per test."""
    fifo = tmp / "pipe"
    os.mkfifo(fifo)
    (tmp / "dup.yaml").write_text("name: a\nseed: 1\nname: b\n")
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    (tmp / "bomb.yaml").write_text(bomb + "name: *i\n")
    (tmp / "broken.yaml").write_text("name: [unclosed\n")
    (tmp / "list.yaml").write_text("- a\n- b\n")
    (tmp / "folder").mkdir()
    (tmp / "notamodel").mkdir()
    (tmp / "notamodel" / "weights.txt").write_text("not a model")
    records = {"object": {"body": "x"}, "list": ["a", "b"], "number": 12.5}
    for name, value in records.items():
        (tmp / f"{name}.jsonl").write_text(json.dumps({"text": TEXT}) + "\n" + json.dumps({"text": value}) + "\n")
    (tmp / "bool_label.jsonl").write_text(json.dumps({"text": TEXT, "label": True}) + "\n")
    (tmp / "deep.jsonl").write_text(json.dumps({"text": TEXT}) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    (tmp / "texts").mkdir()
    (tmp / "texts" / "a.txt").write_text(TEXT)
    evil = tmp / "evil_st"
    evil.mkdir()
    (evil / "modules.json").write_text(json.dumps([{"idx": 0, "name": "0", "path": "", "type": "payload.Module"}]))
    (tmp / "stop.csv").write_text('text\n"The and of it is."\n"It was to the of and."\n"Is it the one?"\n')
    (tmp / "article.txt").write_text(TEXT)
    runs = tmp / "runs"
    for name, metrics in (("good", '{"clustering": {"nmi": 0.5}}'), ("edited", '{"clustering": {"nmi": "high"}}'),
                          ("broken", '{"clustering": {"nmi": 0.5'), ("second", '{"clustering": {"nmi": 0.6}}')):
        folder = runs / name
        folder.mkdir(parents=True)
        (folder / "config.yaml").write_text(f"name: x\nseed: 0\ncluster: {{method: {name}}}\n")
        (folder / "metrics.json").write_text(metrics)
    return {"tmp": str(tmp), "fifo": str(fifo), "runs": str(runs)}


def _cases() -> dict[str, tuple[list[str], str]]:
    """name -> (argv with {placeholders}, text the one line must hold)."""
    run = ["run", "--quiet", "--out", "{tmp}/results"]

    def dataset(spec: str) -> list[str]:
        return [*run, "--set", "dataset={" + spec + "}"]

    return {
        # the experiment file
        "missing experiment file": ([*run[:2], "{tmp}/nope.yaml", *run[2:]], "nope.yaml: no such file"),
        "experiment file is a folder": ([*run[:2], "{tmp}/folder", *run[2:]], "folder: is a folder"),
        "experiment file is a named pipe": ([*run[:2], "{fifo}", *run[2:]], "pipe: is a named pipe"),
        "duplicate key": ([*run[:2], "{tmp}/dup.yaml", *run[2:]],
                          "dup.yaml:3: not valid YAML (key 'name' is given twice"),
        "alias bomb": ([*run[:2], "{tmp}/bomb.yaml", *run[2:]],
                       "more than 100,000 values once its aliases are expanded"),
        "broken YAML": ([*run[:2], "{tmp}/broken.yaml", *run[2:]], "broken.yaml:2: not valid YAML"),
        "a list at the top": ([*run[:2], "{tmp}/list.yaml", *run[2:]], "list.yaml: expected a mapping"),
        "unknown top-level key": ([*run, "--set", "clustr.method=kmeans"], "clustr: unknown key"),
        # --set and parameter rules
        "--set without =": ([*run, "--set", "seed"], "--set 'seed': expected KEY=VALUE"),
        "--set bad YAML": ([*run, "--set", "topics.names=[a, b"], "value is not valid YAML"),
        "negative seed": ([*run, "--set", "seed=-5"], "seed: must be an integer from 0 to 4294967295, got -5"),
        "fractional seed": ([*run, "--set", "seed=1.5"], "seed: must be an integer from 0 to 4294967295, got 1.5"),
        "seed true": ([*run, "--set", "seed=true"], "seed: must be an integer from 0 to 4294967295, got True"),
        "n_clusters true": ([*run, "--set", "cluster.n_clusters=true"], "cluster.n_clusters: must be an integer >= 1"),
        "n_clusters 0": ([*run, "--set", "cluster.n_clusters=0"], "cluster.n_clusters: must be an integer >= 1"),
        "n_clusters NaN": ([*run, "--set", "cluster.n_clusters=.nan"], "cluster.n_clusters: must be an integer >= 1"),
        "k_range reversed": ([*run, "--set", "cluster.k_range=[9, 3]"], "cluster.k_range: must be [low, high]"),
        "UMAP one neighbour": ([*run, "--set", "reduce={method: umap, n_neighbors: 1}"],
                               "reduce.n_neighbors: must be an integer >= 2, got 1"),
        "zero vote passes": ([*run, "--set", "refine={method: knn_vote, passes: 0}"],
                             "refine.passes: must be an integer >= 1, got 0"),
        "negative learning rate": ([*run, "--set", "adapt={method: self_training, learning_rate: -1}"],
                                   "adapt.learning_rate: must be a number in (0, inf), got -1"),
        "damping 2": ([*run, "--set", "summarize.damping=2"], "summarize.damping: must be a number in [0, 1], got 2"),
        "MMR infinite": ([*run, "--set", "summarize.mmr=.inf"], "summarize.mmr: must be a number in [0, 1] or null"),
        "zero keywords": ([*run, "--set", "topics.keywords=0"], "topics.keywords: must be an integer >= 1, got 0"),
        "a name twice": ([*run, "--set", "topics.names=[a, a]"], "topics.names: must be a list of distinct items"),
        "negative bootstrap": ([*run, "--set", "evaluate.bootstrap=-1"], "evaluate.bootstrap: must be an integer >= 0"),
        "zero batch size": ([*run, "--set", "embedding.batch_size=0"], "embedding.batch_size: must be an integer >= 1"),
        "model folder that is not a model": ([*run, "--set", "embedding.model={tmp}/notamodel"],
                                             "embedding.path: must be a folder holding a sentence-transformers model"),
        "results name with a slash": ([*run, "--set", "name=a/b"], "name: 'a/b' cannot name a results folder"),
        "results name with a lone surrogate": ([*run, "--set", 'name="news\\udc80"'],
                                               "name: 'news\\udc80' is not valid text (a lone surrogate)"),
        "results name of 300 characters": ([*run, "--set", "name=" + "n" * 300],
                                           "is 300 characters long; at most 100"),
        "results name with an escape sequence": ([*run, "--set", "name=\"a\\e[2Jb\""],
                                                 "name: 'a\\x1b[2Jb' holds a control character"),
        "a sentence-transformers folder that names code": ([*run, "--set", "embedding.model={tmp}/evil_st"],
                                                            "names code outside sentence-transformers"),
        "sweep over an unknown key": ([*run, "--set", "sweep={clustr.method: [kmeans]}"],
                                      "sweep.clustr.method: 'clustr' is not a key of the experiment file"),
        # estimators by import path
        "no such module": ([*run, "--set", "cluster={method: sklearn.clusterr.Birch}"],
                           "cannot import 'sklearn.clusterr'"),
        "not a class": ([*run, "--set", "reduce={method: os.path.join}"],
                        "reduce.method: 'os.path.join' is not a class"),
        "Birch's own rule": ([*run, "--set", "cluster={method: sklearn.cluster.Birch, threshold: -1}"],
                             "cluster: Birch: The 'threshold' parameter of Birch must be"),
        # data
        "data file is a named pipe": (dataset("loader: csv, path: '{fifo}'"), "pipe: is a named pipe"),
        "data file is a device": (dataset("loader: csv, path: /dev/null"), "null: is a character device"),
        "missing data file": (dataset("loader: csv, path: '{tmp}/nope.csv'"), "nope.csv: no such file"),
        "text is an object": (dataset("loader: jsonl, path: '{tmp}/object.jsonl'"),
                              "object.jsonl:2: field 'text' (dataset.text) must be a string, got an object"),
        "text is a list": (dataset("loader: jsonl, path: '{tmp}/list.jsonl'"),
                           "list.jsonl:2: field 'text' (dataset.text) must be a string, got a list"),
        "text is a number": (dataset("loader: jsonl, path: '{tmp}/number.jsonl'"),
                             "number.jsonl:2: field 'text' (dataset.text) must be a string, got a float"),
        "missing JSON field": (dataset("loader: jsonl, path: '{tmp}/bool_label.jsonl', text: body"),
                               "bool_label.jsonl:1: no field 'body' for dataset.text (fields: text, label)"),
        "label is a boolean": (dataset("loader: jsonl, path: '{tmp}/bool_label.jsonl', label: label"),
                               "field 'label' (dataset.label) must be a string or a whole number, got a boolean"),
        "JSON nested 100,000 deep": (dataset("loader: jsonl, path: '{tmp}/deep.jsonl'"),
                                     "deep.jsonl:2: JSON nested too deeply to read"),
        "absolute glob pattern": (dataset("loader: text_folder, path: '{tmp}/texts', pattern: '{tmp}/texts/*.txt'"),
                                  "dataset.pattern: "),
        "two-character CSV delimiter": (dataset("loader: csv, path: '{tmp}/stop.csv', delimiter: '||'"),
                                        "dataset.delimiter: must be a single character, got '||'"),
        "sample 0": ([*run, "--set", "dataset.sample=0"], "dataset.sample: must be an integer >= 1 or null, got 0"),
        "max_chars true": ([*run, "--set", "dataset.max_chars=true"], "dataset.max_chars: must be an integer >= 1"),
        "unknown built-in data set": ([*run, "--set", "dataset.name=reuters"], "dataset.name: must be one of"),
        "stop words only under TF-IDF": ([*dataset("loader: csv, path: '{tmp}/stop.csv'"), "--set",
                                          "embedding={model: tfidf}", "--set", "cluster.n_clusters=2"],
                                         "stop: no word is left for TF-IDF"),
        # toolkit summarize
        "summarize a missing file": (["summarize", "{tmp}/nope.txt"], "nope.txt: no such file"),
        "summarize a named pipe": (["summarize", "{fifo}"], "pipe: is a named pipe"),
        "summarize zero sentences": (["summarize", "{tmp}/article.txt", "--sentences", "0"],
                                     "--sentences: must be an integer >= 1 or null, got 0"),
        "summarize damping 2": (["summarize", "{tmp}/article.txt", "--param", "damping=2"],
                                "--param damping: must be a number in [0, 1], got 2"),
        "summarize unknown method": (["summarize", "{tmp}/article.txt", "--method", "lsaa"],
                                     "--method: unknown value 'lsaa'"),
        "summarize unknown parameter": (["summarize", "{tmp}/article.txt", "--param", "bogus=1"],
                                        "--param bogus: unknown setting for method 'consensus'"),
        "summarize empty standard input": (["summarize", "-"], "standard input: no text to summarise"),
        "summarize unknown encoding": (["summarize", "{tmp}/article.txt", "--encoding", "klingon"],
                                       "article.txt: unknown encoding 'klingon'"),
        # toolkit compare and cache
        "compare a missing folder": (["compare", "{tmp}/nowhere"], "nowhere: no such file or folder"),
        "compare a folder without runs": (["compare", "{tmp}/folder"], "no run folders"),
        "compare an unreadable metrics.json": (["compare", "{runs}", "--out", "{tmp}/cmp"],
                                               "broken: its config.yaml or metrics.json cannot be read"),
        "compare a hand-edited metric": (["compare", "{runs}/good", "{runs}/edited", "--out", "{tmp}/cmp"],
                                         "edited/metrics.json: clustering.nmi is 'high', not a finite number"),
        "compare an unknown metric": (["compare", "{runs}/good", "{runs}/second", "--metric", "clustering.nmy",
                                       "--out", "{tmp}/cmp"], "--metric 'clustering.nmy': no run has this metric"),
        "compare groups out of range": (["compare", "{runs}/good", "{runs}/second", "--paired", "1", "9",
                                         "--out", "{tmp}/cmp"], "--paired 1 9: name two different groups"),
        "cache, unknown action": (["cache", "wipe"], "invalid choice: 'wipe'"),
    }


CASES = _cases()


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def test_the_table_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", list(CASES))
def test_a_user_mistake_is_one_line_and_exit_2(name, tmp_path, capsys, monkeypatch):
    places = _files(tmp_path)
    argv, culprit = CASES[name]
    for key, value in places.items():  # plain replacement: the YAML values hold braces of their own
        argv = [a.replace("{" + key + "}", value) for a in argv]
        culprit = culprit.replace("{" + key + "}", value)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(120)  # nothing may wait for input that never comes
    try:
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse's own errors
            code = exit_.code
    except _Timeout:
        pytest.fail(f"{name}: still running after 120 s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err and "internal error" not in err, err
    assert lines[0].startswith("toolkit: error: ") and culprit in lines[0], lines[0]
    assert len(lines[0]) < 400
    results = tmp_path / "results"
    assert not results.exists() or not any(p for p in results.rglob("*") if p.is_file())
    assert not (tmp_path / "cmp").exists() or not any((tmp_path / "cmp").iterdir())
