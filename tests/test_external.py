"""Bring your own estimator: any scikit-learn clusterer or reducer named by import path."""

from __future__ import annotations

import json

import pytest
import yaml

from toolkit import ConfigError
from toolkit.cli import main
from toolkit.experiments import config as cfg

BIRCH = {"name": "byo", "dataset": {"loader": "builtin", "name": "bbc_dev"},
         "reduce": {"method": "sklearn.decomposition.TruncatedSVD", "n_components": 20},
         "cluster": {"method": "sklearn.cluster.Birch", "n_clusters": 5},
         "summarize": {"units": ["topic"], "sentences": 1}}


def test_parameters_are_checked_against_the_signature_before_any_work():
    resolved = cfg.resolve(BIRCH)
    assert resolved["cluster"]["method"] == "sklearn.cluster.Birch" and resolved["cluster"]["threshold"] == 0.5
    assert "random_state" not in resolved["reduce"]  # set from the seed, as for our own components
    with pytest.raises(ConfigError, match="cluster.threshhold: unknown setting for method 'sklearn.cluster.Birch'; "
                                          "valid keys: branching_factor, compute_labels, n_clusters, threshold"):
        cfg.resolve({**BIRCH, "cluster": {"method": "sklearn.cluster.Birch", "threshhold": 0.4}})
    with pytest.raises(ConfigError, match=r"cluster: Birch: The 'threshold' parameter of Birch must be"):
        cfg.resolve({**BIRCH, "cluster": {"method": "sklearn.cluster.Birch", "threshold": -1}})
    with pytest.raises(ConfigError, match="cluster.method: cannot import 'sklearn.clusterr'"):
        cfg.resolve({**BIRCH, "cluster": {"method": "sklearn.clusterr.Birch"}})
    with pytest.raises(ConfigError, match="reduce.method: sklearn.cluster.DBSCAN has no transform method"):
        cfg.resolve({**BIRCH, "reduce": {"method": "sklearn.cluster.DBSCAN"}})


def test_a_run_with_sklearn_birch_and_truncated_svd(tmp_path, capsys):
    path = tmp_path / "byo.yaml"
    path.write_text(yaml.safe_dump(BIRCH))
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "out")]) == 0
    folder = next((tmp_path / "out" / "byo").iterdir())
    env = json.loads((folder / "environment.json").read_text())
    assert env["components"]["cluster"]["class"] == "sklearn.cluster.Birch"
    assert env["components"]["cluster"]["package"] == "scikit-learn" and env["components"]["reduce"]["version"]
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["clustering"]["n_clusters"] == 5 and metrics["clustering"]["nmi"] > 0.5
    # the run id covers the package version: the same config with another version is another run
    resolved = cfg.resolve(BIRCH)
    assert folder.name == cfg.run_id(resolved, env["data_sha256"])
    assert cfg.run_id(resolved, env["data_sha256"]) != cfg.run_id({**resolved, "seed": 1}, env["data_sha256"])
    # The embedding's backend and precision are part of the run's identity.
    other = {**resolved, "embedding": {**resolved["embedding"], "backend": "torch"}}
    assert cfg.run_id(resolved, env["data_sha256"]) != cfg.run_id(other, env["data_sha256"])
    # the saved model holds the Birch clusterer as data and loads it back
    from toolkit import load_run

    model = load_run(folder).model
    topics, _ = model.transform(["The chancellor said the economy grew faster than expected this quarter."])
    assert 0 <= topics[0] < 5


def test_a_sweep_beside_our_own_methods_then_compare(tmp_path, capsys):
    study = {"name": "byo-sweep", "dataset": {"loader": "builtin", "name": "bbc_dev"},
             "cluster": {"n_clusters": 5}, "summarize": {"units": []}, "evaluate": {"topic_quality": False},
             "sweep": {"cluster.method": ["kmeans", "agglomerative", "sklearn.cluster.Birch"], "seed": [0, 1]}}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(study))
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "out" / "byo-sweep"), "--out", str(tmp_path / "cmp")]) == 0
    table = capsys.readouterr().out
    for method in ("cluster.method=kmeans", "cluster.method=agglomerative", "cluster.method=sklearn.cluster.Birch"):
        assert method in table
    assert (tmp_path / "cmp" / "compare.csv").read_text().count("sklearn.cluster.Birch") == 1
