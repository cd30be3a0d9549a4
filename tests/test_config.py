"""Experiment-file schema: defaults, types, overrides, run ids."""

from __future__ import annotations

import pytest

from toolkit import config as cfg
from toolkit.errors import ConfigError


def test_defaults_are_filled_and_stable():
    a = cfg.resolve({})
    assert a["dataset"] == {"loader": "builtin", "name": "skynews", "sample": None, "max_chars": 1_000_000}
    assert a["cluster"]["method"] == "kmeans" and a["summarize"]["sentences"] == 3
    assert cfg.resolve(a) == a
    assert cfg.run_id(a, "x") == cfg.run_id(cfg.resolve({}), "x") != cfg.run_id(a, "y")


def test_a_ratio_budget_unsets_the_default_sentence_count():
    r = cfg.resolve({"summarize": {"ratio": 0.4}})["summarize"]
    assert r["ratio"] == 0.4 and r["sentences"] is None


def test_overrides_parse_yaml_values():
    c = cfg.apply_overrides({}, ["cluster.n_clusters=4", "topics.names=[a, b]", "seed=7"])
    assert c == {"cluster": {"n_clusters": 4}, "topics": {"names": ["a", "b"]}, "seed": 7}


@pytest.mark.parametrize("config, message", [
    ({"seed": "seven"}, "seed: expected int, got 'seven'"),
    ({"cluster": {"n_clusters": "4"}}, "cluster.n_clusters: expected int or 'auto', got '4'"),
    ({"cluster": {"method": "agglomerative", "n_init": 3}}, "cluster.n_init: unknown setting"),
    ({"summarize": {"sentences": 2, "ratio": 0.3}}, "summarize: give one of sentences, ratio, words"),
    ({"dataset": {"loader": "csv"}}, "dataset.path: required setting is missing"),
    ({"embedding": {"model": "bert"}}, "embedding.model: unknown value 'bert'; choose one of: minilm"),
    ({"cluster": "kmeans"}, "cluster: expected a mapping"),
    ({"name": "a/b"}, "cannot name a results folder"),
])
def test_errors_name_the_dotted_key(config, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        cfg.resolve(config)
