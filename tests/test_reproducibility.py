"""Reproducibility: identical files from identical configs, sweeps that resume, executors, compare."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from toolkit import ConfigError, run_sweep
from toolkit.cli import main
from toolkit.experiments import compare
from toolkit.experiments.config import expand_sweep

FILES = ("assignments.csv", "topics.json", "summaries.jsonl", "config.yaml", "duplicates.json", "contingency.csv")


def _same_files(a: Path, b: Path) -> None:
    for name in FILES:
        if (a / name).exists() or (b / name).exists():
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    strip = lambda p: {k: v for k, v in json.loads(p.read_text()).items() if k != "timings"}  # noqa: E731
    assert strip(a / "metrics.json") == strip(b / "metrics.json")


def test_ag_news_sample_gives_byte_identical_files(tmp_path):
    from toolkit import run

    config = {"name": "ag-sample", "seed": 5, "dataset": {"loader": "builtin", "name": "ag_news", "sample": 300},
              "reduce": {"method": "umap"}, "cluster": {"method": "kmeans", "n_clusters": 4},
              "topics": {"names": ["World", "Sports", "Business", "Sci/Tech"]},
              "summarize": {"sentences": 2, "mmr": 0.5}}
    a = run(config, tmp_path / "a", progress=False)
    b = run(config, tmp_path / "b", progress=False)
    assert a.run_id == b.run_id
    _same_files(a.folder, b.folder)
    assert a.metrics["clustering"]["nmi"] > 0.3
    env = json.loads((a.folder / "environment.json").read_text())
    assert env["data_sha256"] and env["cpu_count"] and "git_dirty" in env and env["seed"] == 5


SWEEP = {"name": "bbc-sweep", "seed": 0, "dataset": {"loader": "builtin", "name": "bbc_dev"},
         "embedding": {"model": "tfidf"}, "cluster": {"n_clusters": 5},
         "summarize": {"sentences": 1, "units": ["topic"]}, "evaluate": {"bootstrap": 50},
         "sweep": {"cluster.method": ["kmeans", "gmm"], "seed": [0, 1, 2]}}


GRID = dict(SWEEP, sweep={"cluster.method": ["kmeans", "gmm", "agglomerative"], "seed": [0, 1, 2]})


@pytest.fixture(scope="module")
def grid_runs(tmp_path_factory):
    """GRID's nine runs, made once for this module; a test that writes works on a copy."""
    return run_sweep(GRID, tmp_path_factory.mktemp("grid"), quiet=True)


def _copy_of(runs, dest: Path) -> Path:
    shutil.copytree(runs[0].folder.parent, dest / runs[0].folder.parent.name)
    return dest


def test_sweep_expands_and_validates_before_any_work():
    runs = expand_sweep(SWEEP)
    assert [(r["cluster"]["method"], r["seed"]) for r in runs] == [
        ("kmeans", 0), ("kmeans", 1), ("kmeans", 2), ("gmm", 0), ("gmm", 1), ("gmm", 2)]
    with pytest.raises(ConfigError, match="sweep.clusterr.method: 'clusterr' is not a key"):
        expand_sweep(dict(SWEEP, sweep={"clusterr.method": ["kmeans"]}))
    with pytest.raises(ConfigError, match=r"sweep \(cluster.method='dbscan'\): cluster.method: unknown value"):
        expand_sweep(dict(SWEEP, sweep={"cluster.method": ["kmeans", "dbscan"]}))


def test_sweep_reuses_complete_runs_and_compare_groups_seeds(grid_runs, tmp_path):
    assert [r.status for r in grid_runs] == ["done"] * 9
    out = _copy_of(grid_runs, tmp_path)
    again = run_sweep(SWEEP, out, quiet=True)
    assert [r.status for r in again] == ["reused"] * 6
    assert [r.run_id for r in again] == [r.run_id for r in grid_runs[:6]]
    runs = compare.find_runs([out])
    differing, groups = compare.group_runs(runs)
    assert "cluster.method" in differing and "seed" not in differing
    assert [len(g.runs) for g in groups] == [3, 3, 3]
    rows = compare.summarize_groups(groups, ["clustering.nmi"])
    for row in rows:
        stat = row["clustering.nmi"]
        assert stat["n"] == 3 and stat["ci95"][0] <= stat["mean"] <= stat["ci95"][1]
    test = compare.paired_test(groups[0], groups[1], "clustering.nmi")
    assert test["seeds"] == [0, 1, 2] and 0 < test["p_value"] <= 1 and "exact" in test["test"]


def test_compare_defaults_to_measured_metrics_and_reads_honestly(grid_runs, tmp_path, capsys, monkeypatch):
    _copy_of(grid_runs, tmp_path / "res")
    monkeypatch.chdir(tmp_path)
    assert main(["compare", "res"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("| # |"))
    # measured quantities only: k is the same in every run, the sample size and window are settings
    assert "clustering.nmi" in header and "clustering.n_clusters" not in header
    assert "silhouette_sample" not in out and "npmi_window" not in out
    assert "The same in every run (not compared): `clustering.n_clusters` = 5" in out
    # parameters of one method are listed under it, not as settings that differ
    assert "Settings that differ: `cluster.method`\n" in out
    assert "- `cluster.method=gmm`: " in out and "`cluster.covariance_type=" in out
    # agglomerative is deterministic and the sample does not move with the seed: no spread
    agglomerative = next(line for line in out.splitlines()
                         if line.startswith("|") and "cluster.method=agglomerative" in line)
    nmi = agglomerative.split("|")[5].strip()
    mean, interval = nmi.split(" ", 1)
    assert interval == f"[{mean}, {mean}]"
    assert agglomerative.split("|")[4].strip() == "1.000 (1.000-1.000)"  # its topics do not move with the seed
    # every pair tested, Holm-adjusted, and 3 seeds flagged as too few for p < 0.05
    assert out.count("Holm-adjusted p = ") == 3 and "3 pairs were tested" in out
    assert "with 3 paired seeds this test cannot give p below 0.25; run at least 6 seeds" in out
    first = next(Path("results/comparisons").iterdir())
    assert first.name.startswith("bbc-sweep-")
    assert {p.name for p in first.iterdir()} == {"compare.md", "compare.csv", "compare.png", "compare.pdf"}
    # another comparison of the same runs goes to its own folder; the short metric name works
    assert main(["compare", "res", "--metric", "ari", "--paired", "1", "2"]) == 0
    out = capsys.readouterr().out
    assert "on clustering.ari" in out and "Holm" not in out
    assert len(list(Path("results/comparisons").iterdir())) == 2
    assert (first / "compare.md").read_text().count("Holm-adjusted p = ") == 3


def test_compare_csv_and_plot_show_the_interval_of_the_table(grid_runs):
    from toolkit.experiments.compare_report import INTERVAL, plot

    runs = compare.find_runs([grid_runs[0].folder.parent])
    _, groups = compare.group_runs(runs)
    rows = compare.summarize_groups(groups, ["clustering.nmi"])
    fig = plot(rows, "clustering.nmi")
    bars = fig.axes[0].collections[0].get_segments()  # the error bars, one per group, in row order
    for row, segment in zip(rows, bars, strict=True):
        low, high = row["clustering.nmi"]["ci95"]
        assert segment[0][0] == pytest.approx(low) and segment[1][0] == pytest.approx(high)
    assert INTERVAL in fig.axes[0].get_xlabel()
    table = compare.to_markdown(rows, ["clustering.nmi"], ["cluster.method"])
    low, high = rows[0]["clustering.nmi"]["ci95"]
    assert f"[{low:.4f}, {high:.4f}]" in table and INTERVAL in table


def test_holm_adjustment_and_the_smallest_possible_p():
    assert compare.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert compare.smallest_p(2) == 0.5 and compare.smallest_p(6) == pytest.approx(0.03125)


@pytest.mark.parametrize("executor, jobs", [("local", 2), ("dask", 2)])
def test_parallel_executors_give_the_same_runs_as_in_process(grid_runs, tmp_path, executor, jobs):
    config = dict(SWEEP, sweep={"cluster.method": ["kmeans", "gmm"], "seed": [0, 1]})
    serial = run_sweep(config, grid_runs[0].folder.parent.parent, quiet=True)  # made in-process by grid_runs
    assert [r.status for r in serial] == ["reused"] * 4
    parallel = run_sweep(config, tmp_path / executor, jobs=jobs, executor=executor, quiet=True)
    assert [r.status for r in parallel] == ["done"] * 4
    for a, b in zip(serial, parallel):
        assert a.run_id == b.run_id
        _same_files(a.folder, b.folder)


def test_a_killed_sweep_resumes_with_identical_results(grid_runs, tmp_path):
    exp = tmp_path / "exp.yaml"
    config = dict(SWEEP, sweep={"cluster.method": ["kmeans", "gmm"], "seed": [0, 1]})  # four of the grid's runs
    exp.write_text(yaml.safe_dump(config))
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "toolkit.cli", "run", str(exp), "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
    folder = out / "bbc-sweep"
    deadline = time.time() + 120
    while time.time() < deadline:
        done = [p for p in folder.glob("*") if not p.name.startswith(".")] if folder.exists() else []
        if len(done) >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    finished = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    assert 2 <= len(finished) < 4, "the sweep was stopped midway"
    assert not list(folder.glob(".tmp-*")), "no half-written folder is left"
    for name in finished:
        assert (folder / name / "metrics.json").is_file()
    resumed = run_sweep(config, out, quiet=True)
    assert sum(r.status == "reused" for r in resumed) == len(finished)
    uninterrupted = run_sweep(config, grid_runs[0].folder.parent.parent, quiet=True)  # reused from the grid
    assert [r.status for r in uninterrupted] == ["reused"] * 4
    for a, b in zip(resumed, uninterrupted, strict=True):
        assert a.run_id == b.run_id
        _same_files(a.folder, b.folder)


def test_cache_commands(tmp_path, monkeypatch, capsys):
    from toolkit.embedding import MiniLMEmbedder

    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(tmp_path))
    MiniLMEmbedder().embed_texts(["one sentence.", "another one."])
    assert main(["cache", "info"]) == 0
    assert "2 vectors" in capsys.readouterr().out
    assert main(["cache", "clear"]) == 0
    assert main(["cache", "info"]) == 0
    assert "(empty)" in capsys.readouterr().out


def test_bad_sweep_key_exits_2(tmp_path, capsys):
    exp = tmp_path / "exp.yaml"
    exp.write_text(yaml.safe_dump(dict(SWEEP, sweep={"cluster.bogus": [1, 2]})))
    assert main(["run", str(exp), "--out", str(tmp_path / "r"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "cluster.bogus: unknown setting" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()
