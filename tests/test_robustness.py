"""Bad input of every kind: one line naming the culprit, exit code 2, nothing half-written.

(The simplest cases, an empty file, a missing file, undecodable bytes, an unknown key or
method, n_clusters above the corpus size, are in test_cli.py; a sweep key outside the
schema in test_reproducibility.py.)
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from toolkit.cli import main

NEWS = [
    "Rescue teams searched collapsed buildings after the earthquake struck the coastal city overnight.",
    "The central bank raised interest rates again to slow inflation, surprising some investors.",
    "The striker scored twice in the second half as the home side won the cup final.",
    "Engineers unveiled a battery that charges in minutes and lasts for thousands of cycles.",
]


def _jsonl(path: Path, records: list) -> str:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records),
                    encoding="utf-8")
    return str(path)


def _articles(n: int = 4) -> list[dict]:
    return [{"id": f"a{i}", "text": NEWS[i % 4] + " " + NEWS[(i + 1) % 4]} for i in range(n)]


def _cases(tmp: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (extra arguments, the culprit the one-line message must name)."""
    binary = tmp / "page.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    huge = "The minister said the budget would be published next week. " * 90_000  # 5.3 MB
    csv_file = tmp / "items.csv"
    csv_file.write_text("title,body\nA,First text here.\nB,Second text here.\n", encoding="utf-8")
    unwritable = tmp / "a-file"
    unwritable.write_text("not a folder")

    def dataset(path: str, **extra) -> list[str]:
        fields = ", ".join(f"{k}: {v}" for k, v in extra.items())
        return ["--set", f"dataset={{loader: jsonl, path: '{path}'{', ' + fields if fields else ''}}}"]

    return {
        "binary file": (["--set", f"dataset={{loader: scraped_page, path: '{binary}'}}"],
                        "page.png: looks like a binary file"),
        "one document": (dataset(_jsonl(tmp / "one.jsonl", _articles(1)), id="id"),
                         "3 clusters requested but one has only 1 document"),
        "identical documents": (dataset(_jsonl(tmp / "same.jsonl", [{"id": f"d{i}", "text": NEWS[0]}
                                                                    for i in range(6)]), id="id"),
                                "same: its 6 documents have only 1 distinct text; 3 are needed"),
        "no sentences": (dataset(_jsonl(tmp / "empty.jsonl", [{"text": "!!! ... ???"},
                                                              {"text": "https://example.com/a/b?c=1"},
                                                              {"text": "12 345 6.789 -- 2024"}])),
                         "empty: no document has any sentence"),
        "5 MB document": (dataset(_jsonl(tmp / "huge.jsonl", _articles(3) + [{"id": "big", "text": huge}]),
                                  id="id"),
                          "huge.jsonl:4: document 'big' has 5,310,000 characters, more than dataset.max_chars"),
        "CSV without the named column": (["--set", f"dataset={{loader: csv, path: '{csv_file}', text: description}}"],
                                         "items.csv: no column 'description' for dataset.text"),
        "JSONL broken line": (dataset(_jsonl(tmp / "broken.jsonl", [*_articles(2), '{"id": "x", "text": "cut',
                                                                    *_articles(1)]), id="id"),
                              "broken.jsonl:3: not valid JSON"),
        "duplicate ids": (dataset(_jsonl(tmp / "dups.jsonl", _articles(3) + [{"id": "a1", "text": NEWS[2]}]),
                                  id="id"),
                          "duplicate document id 'a1'"),
        "parameter of another method": (["--set", "cluster.linkage=ward"],
                                         "cluster.linkage: unknown setting for method 'kmeans'"),
        "ward with cosine": (["--set", "cluster={method: agglomerative, linkage: ward, metric: cosine}"],
                             "cluster.metric: must be 'euclidean' with linkage 'ward'"),
        "zero sentences": (["--set", "summarize.sentences=0"],
                           "summarize.sentences: must be an integer >= 1 or null, got 0"),
        "negative words": (["--set", "summarize={words: -5}"],
                           "summarize.words: must be an integer >= 1 or null, got -5"),
        "zero ratio": (["--set", "summarize={ratio: 0}"], "summarize.ratio: must be a number in (0, 1] or null, got 0"),
        "output folder not writable": (["--out", str(unwritable / "results")], "cannot write results there"),
    }


CASES = ["binary file", "one document", "identical documents", "no sentences", "5 MB document",
         "CSV without the named column", "JSONL broken line", "duplicate ids", "parameter of another method",
         "ward with cosine", "zero sentences", "negative words", "zero ratio", "output folder not writable"]


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gives_one_line_exit_2_and_no_folder(case, tmp_path, capsys):
    args, culprit = _cases(tmp_path)[case]
    out_dir = tmp_path / "results"
    if "--out" not in args:
        args = ["--out", str(out_dir), *args]
    code, out, err = _run(["run", "--quiet", *args], capsys)
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("toolkit: error: ") and culprit in lines[0], lines[0]
    assert not out_dir.exists() or not any(out_dir.rglob("*"))


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(Exception, match="must be an integer >= 1 or null"):
        main(["run", "--quiet", "--debug", "--out", str(tmp_path), "--set", "summarize.sentences=0"])


def test_a_write_that_fails_midway_leaves_nothing(tmp_path, capsys, monkeypatch):
    """The disk fills after three files of the run folder: no folder, one line, exit 2."""
    real = Path.write_text
    calls = []

    def failing(self, *args, **kwargs):
        calls.append(self.name)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing)
    out_dir = tmp_path / "results"
    code, _, err = _run(["run", "--quiet", "--out", str(out_dir)], capsys)
    assert code == 2 and len(calls) == 4
    assert "writing the run folder failed (No space left on device); nothing was kept" in err
    assert len(err.strip().splitlines()) == 1
    assert not out_dir.exists() or not any(out_dir.rglob("*"))


def test_an_interrupt_while_writing_keeps_the_finished_run(tmp_path, capsys, monkeypatch):
    """A first run completes; Ctrl-C while a second one writes leaves the first intact and no partial folder."""
    out_dir = tmp_path / "results"
    assert _run(["run", "--quiet", "--out", str(out_dir)], capsys)[0] == 0
    (first,) = (out_dir / "skynews-topics").iterdir()
    before = {p.name: p.read_bytes() for p in first.rglob("*") if p.is_file()}
    import toolkit.experiments.runfolder as runfolder

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runfolder, "topic_map", interrupted)
    code, _, err = _run(["run", "--quiet", "--out", str(out_dir), "--set", "seed=14"], capsys)
    assert code == 130 and "no partial run folder was kept" in err
    assert [p.name for p in (out_dir / "skynews-topics").iterdir()] == [first.name]
    assert {p.name: p.read_bytes() for p in first.rglob("*") if p.is_file()} == before


def test_sigint_during_a_run_leaves_no_folder(tmp_path):
    out_dir = tmp_path / "results"
    proc = subprocess.Popen([sys.executable, "-m", "toolkit.cli", "run", "--out", str(out_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ), text=True)
    for line in proc.stderr:  # the corpus is loaded: the run is under way, embedding comes next
        if "documents," in line:
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted; no partial run folder was kept" in err
    assert not out_dir.exists() or not any(out_dir.rglob("*"))


def test_the_embedding_cache_survives_a_kill_during_a_write(tmp_path):
    """A process killed while writing vectors leaves a cache that opens, holds only whole
    entries, and takes new ones."""
    writer = (
        "import sys, numpy as np\n"
        "from toolkit.embedding import EmbeddingCache\n"
        "cache = EmbeddingCache('model', sys.argv[1])\n"
        "print('ready', flush=True)\n"
        "for n in range(100000):\n"
        "    cache.put({f'{n}-{i}': np.full(384, n, np.float32) for i in range(200)})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", writer, str(tmp_path)], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(2.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    from toolkit.embedding import EmbeddingCache

    cache = EmbeddingCache("model", tmp_path)
    with sqlite3.connect(cache.path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        keys = [k for (k,) in con.execute("SELECT key FROM vectors")]
    assert len(keys) >= 200 and len(keys) % 200 == 0, "only whole batches were committed"
    found = cache.get(keys)
    assert len(found) == len(keys)
    assert all(np.all(v == float(k.split("-")[0])) for k, v in found.items())
    cache.put({"new": np.ones(384, np.float32)})
    assert "new" in cache.get(["new"])


def test_an_unreadable_cache_file_is_set_aside(tmp_path, caplog):
    from toolkit.embedding import EmbeddingCache

    cache = EmbeddingCache("model", tmp_path)
    cache.path.parent.mkdir(parents=True)
    cache.path.write_bytes(b"this is not a database" * 100)
    assert cache.get(["x"]) == {}
    cache.put({"x": np.ones(3, np.float32)})
    assert list(cache.get(["x"])) == ["x"]
    assert "unreadable" in caplog.text and list(cache.path.parent.glob("*.corrupt-*"))


def test_an_internal_error_is_one_line_exit_1(tmp_path, capsys, monkeypatch):
    from toolkit.text.duplicates import DuplicateFinder

    def broken(*args, **kwargs):
        raise ValueError("something we did not foresee")

    monkeypatch.setattr(DuplicateFinder, "find", broken)
    code, _, err = _run(["run", "--quiet", "--out", str(tmp_path)], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "internal error: ValueError: something we did not foresee" in err and "--debug" in err


def test_a_plain_run_removes_what_a_killed_run_left(tmp_path, capsys):
    """A run killed with kill -9 leaves its marked temporary folder; the next run (not only a
    sweep) removes the folders of processes that no longer exist, and keeps its own."""
    from toolkit.experiments.temporaries import make_temporary

    out_dir = tmp_path / "results"
    parent = out_dir / "skynews-topics"
    parent.mkdir(parents=True)
    made = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from "
                           "toolkit.experiments.temporaries import make_temporary; "
                           "print(make_temporary(Path(sys.argv[1]), '0123456789ab'))", str(parent)],
                          capture_output=True, text=True, check=True)
    left = Path(made.stdout.strip())
    (left / "metrics.json").write_text("{")
    alive = make_temporary(parent, "ba9876543210")
    assert main(["run", "--quiet", "--out", str(out_dir)]) == 0
    capsys.readouterr()
    assert not left.exists() and alive.exists()
    assert [p.name for p in parent.iterdir() if not p.name.startswith(".")] != []


def test_metrics_are_written_finite_with_the_reason(tmp_path):
    from toolkit.experiments.runfolder import _json, finite_metrics

    metrics = {"topics": {"npmi": float("-inf"), "npmi_per_topic": {"war": float("nan"), "sport": 0.25}},
               "clustering": {"nmi": 0.5}}
    text = _json(finite_metrics(metrics))

    def refuse(constant):
        raise ValueError(constant)

    written = json.loads(text, parse_constant=refuse)  # strict JSON: no NaN or Infinity in the file
    assert written["topics"] == {"npmi": None, "npmi_per_topic": {"war": None, "sport": 0.25}}
    assert written["non_finite"] == {"topics.npmi": "was -inf", "topics.npmi_per_topic.war": "was nan"}
    with pytest.raises(ValueError):
        _json(metrics)


def test_an_unusable_cache_location_warns_once_and_the_run_goes_on(tmp_path, capsys, monkeypatch, caplog):
    in_the_way = tmp_path / "cache-is-a-file"
    in_the_way.write_text("not a folder")
    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(in_the_way))
    assert main(["run", "--out", str(tmp_path / "results")]) == 0
    warnings = [r.getMessage() for r in caplog.records if "cannot be used" in r.getMessage()]
    assert len(warnings) == 1 and "embedding without a cache" in warnings[0] and "TOOLKIT_CACHE_DIR" in warnings[0]
    assert any((tmp_path / "results" / "skynews-topics").iterdir())


def test_a_corrupt_row_inside_an_intact_cache_is_dropped_and_recomputed(tmp_path, caplog):
    from toolkit.embedding import EmbeddingCache

    cache = EmbeddingCache("model", root=tmp_path)
    cache.put({"good": np.ones(3, np.float32), "bad": np.ones(3, np.float32)})
    with sqlite3.connect(cache.path) as con:  # a hand edit: text where bytes belong, no checksum
        con.execute("UPDATE vectors SET data = 'oops', checksum = NULL, dim = 'x' WHERE key = 'bad'")
    assert list(cache.get(["good", "bad"])) == ["good"]
    assert "dropped 1 corrupt entries" in caplog.text
    with sqlite3.connect(cache.path) as con:
        assert con.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] == 1


def test_a_stop_whose_interrupt_was_lost_still_stops_at_the_next_boundary(tmp_path):
    """Python drops an exception raised by a signal handler inside a finaliser; the SIGTERM
    handler also sets a flag that every stage and every sweep run checks before it starts."""
    from toolkit import errors, execute
    from toolkit.experiments.sweep import run_sweep

    config = {"name": "stop", "dataset": {"loader": "builtin", "name": "bbc_dev"}, "embedding": {"model": "tfidf"},
              "cluster": {"n_clusters": 5}}
    errors.STOP.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            execute(config, progress=False)
        with pytest.raises(KeyboardInterrupt):
            run_sweep(dict(config, sweep={"seed": [0, 1]}), tmp_path, quiet=True)
        assert not list(tmp_path.rglob("metrics.json"))
    finally:
        errors.STOP.clear()
    assert execute(config, progress=False).labels is not None
