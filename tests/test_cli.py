"""The command line: success, and one-line errors with exit code 2 and no run folder."""

from __future__ import annotations

import pytest

from toolkit.cli import main
from toolkit.text import data_path


def _run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_toolkit_run_with_no_file_runs_the_default_study(tmp_path, capsys):
    code, out, err = _run(["run", "--quiet", "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert "== war" in out and "== elections" in out and "== US politics" in out
    (folder,) = (tmp_path / "skynews-topics").iterdir()
    assert (folder / "report.md").exists()


def test_version_is_printed(capsys):
    import toolkit

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"toolkit {toolkit.__version__}"


def test_set_overrides_by_dotted_key(tmp_path, capsys):
    code, out, err = _run(["run", "--quiet", "--out", str(tmp_path), "--set", "name=two",
                           "--set", "cluster.n_clusters=2", "--set", "topics.names=[conflict, politics]"], capsys)
    assert code == 0, err
    assert "skynews" not in {p.name for p in tmp_path.iterdir()}
    assert "2 topics" in out and "== conflict" in out and "== politics" in out


@pytest.fixture
def bad_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    menu = tmp_path / "menu.txt"
    menu.write_text("Home\nWorld\nContinue Reading\n")
    latin = tmp_path / "latin.txt"
    latin.write_bytes(data_path("skynews_world_page.txt").read_bytes()[:400] + b"caf\xe9 au lait.\n")
    return {"empty": empty, "menu": menu, "latin": latin}


@pytest.mark.parametrize("args, culprit", [
    (["--set", "dataset={{loader: scraped_page, path: '{missing}'}}"], "missing.txt: no such file"),
    (["--set", "dataset={{loader: scraped_page, path: '{empty}'}}"], "empty.txt: file is empty"),
    (["--set", "dataset={{loader: scraped_page, path: '{menu}'}}"], "menu.txt: no article found"),
    (["--set", "dataset={{loader: scraped_page, path: '{latin}'}}"], "latin.txt: not valid utf-8 at byte"),
    (["--set", "dataset.loader=rss"], "dataset.loader: unknown value 'rss'; choose one of: builtin, csv"),
    (["--set", "clusterr.method=kmeans"], "clusterr: unknown key; valid keys: name, seed, dataset"),
    (["--set", "cluster.n_clusters"], "--set 'cluster.n_clusters': expected KEY=VALUE"),
    (["--set", "cluster.n_clusters=9"], "cluster.n_clusters: 9 clusters requested but skynews has only 4 documents"),
    (["--set", "cluster.method=dbscan"], "cluster.method: unknown value 'dbscan'"),
    (["--set", "summarize.sentences=-1"], "summarize.sentences: must be an integer >= 1 or null, got -1"),
    (["{missing_yaml}"], "missing.yaml: no such file"),
])
def test_bad_input_is_one_line_exit_2_and_no_run_folder(args, culprit, bad_files, tmp_path, capsys):
    paths = dict(bad_files, missing=tmp_path / "missing.txt", missing_yaml=tmp_path / "missing.yaml")
    args = [a.format(**paths) for a in args]
    out_dir = tmp_path / "results"
    code, out, err = _run(["run", "--quiet", "--out", str(out_dir), *args], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("toolkit: error: ") and culprit in lines[0], lines[0]
    assert not out_dir.exists() or not any(out_dir.rglob("*"))


def test_a_stale_key_after_switching_component_is_named(tmp_path, capsys):
    code, _, err = _run(["run", "--quiet", "--out", str(tmp_path), "--set", "dataset.loader=csv",
                         "--set", "dataset.path=x.csv"], capsys)
    assert code == 2 and "dataset.name: unknown setting for loader 'csv'" in err


def test_unknown_experiment_key_in_a_file(tmp_path, capsys):
    exp = tmp_path / "exp.yaml"
    exp.write_text("name: x\ncluster: {method: kmeans, n_clusters: 3, k: 3}\n")
    code, _, err = _run(["run", "--quiet", "--out", str(tmp_path / "r"), str(exp)], capsys)
    assert code == 2
    assert ("cluster.k: unknown setting for method 'kmeans'; valid keys: init, k_criterion, k_range, n_clusters, "
            "n_init") in err


def test_argument_errors_are_one_line_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["fly"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_summarize_command_on_real_articles(capsys):
    files = [str(data_path("bbc_dev", "articles", "tech", f"00{i}.txt")) for i in (1, 2)]
    code, out, err = _run(["summarize", *files, "--first-line-title", "--sentences", "2"], capsys)
    assert code == 0, err
    assert out.count("== ") == 2 and "2 of " in out
    code, out, _ = _run(["summarize", files[0], "--method", "textrank", "--words", "40", "--json"], capsys)
    import json

    record = json.loads(out)
    assert sum(len(s["text"].split()) for s in record["sentences"]) <= 40
    code, out, err = _run(["summarize", files[0], "--first-line-title", "--method", "edmundson", "--param",
                           "bonus_words=[said, announced]", "--sentences", "2", "--json"], capsys)
    assert code == 0, err
    assert len(json.loads(out)["sentences"]) == 2


def test_summarize_an_empty_unit_says_so(tmp_path, capsys):
    junk = tmp_path / "junk.txt"
    junk.write_text("... !!! https://example.com/a 123 456\n")
    code, out, _ = _run(["summarize", str(junk)], capsys)
    assert code == 0 and "(empty summary: no sentences to summarise)" in out


@pytest.mark.parametrize("args, culprit", [
    (["--method", "lsb"], "--method: unknown value 'lsb'"),
    (["--method", "edmundson"], "--param bonus_words: edmundson's cue method needs bonus_words or stigma_words"),
    (["--sentences", "0"], "--sentences: must be an integer >= 1 or null, got 0"),
    (["--ratio", "-0.2"], "--ratio: must be a number in (0, 1] or null, got -0.2"),
    (["--mmr", "2"], "--mmr: must be a number in [0, 1] or null, got 2.0"),
    (["--param", "dampning=0.8"], "--param dampning: unknown setting for method 'consensus'"),
    (["--param", "damping"], "--param 'damping': expected KEY=VALUE"),
])
def test_summarize_bad_settings_exit_2(args, culprit, capsys):
    code, _, err = _run(["summarize", str(data_path("bbc_dev", "articles", "tech", "001.txt")), *args], capsys)
    assert code == 2 and culprit in err and len(err.strip().splitlines()) == 1


def test_summarize_into_a_closed_pipe_ends_quietly(tmp_path):
    import subprocess
    import sys

    article = data_path("bbc_dev", "articles", "tech", "001.txt")
    # enough output to fill the pipe after the reader has gone: head reads one line
    files = [str(article)] * 400
    toolkit = f"{sys.executable} -c 'import sys; from toolkit.cli import main; sys.exit(main())'"
    cmd = f"{toolkit} summarize --sentences 20 {' '.join(files)} | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, cwd=tmp_path)
    assert done.stdout.startswith("== ") and len(done.stdout.splitlines()) == 1
    assert done.stderr == "" and done.returncode == 141  # 128 + SIGPIPE, as other commands in a pipe


@pytest.mark.parametrize("command, flag, names", [
    ("summarize", "--method", "SUMMARIZERS"),
    ("summarize", "--splitter", "SPLITTERS"),
    ("update", "--by", "BATCHES"),
])
def test_help_lists_every_registered_choice(command, flag, names, capsys):
    from toolkit.experiments.updates import BATCHES
    from toolkit.summarization.methods import SUMMARIZERS
    from toolkit.text.sentences import SPLITTERS

    choices = {"SUMMARIZERS": SUMMARIZERS.names(), "SPLITTERS": SPLITTERS.names(), "BATCHES": list(BATCHES)}[names]
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    helped = text[text.index(flag + " "):]
    assert len(choices) >= 4 and all(f" {name}," in helped or f" {name} (" in helped for name in choices)
