"""Experiment-file schema: defaults, types, overrides, run ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit import ConfigError
from toolkit.experiments import config as cfg

REPO = Path(__file__).resolve().parent.parent


def test_defaults_are_filled_and_stable():
    a = cfg.resolve({})
    assert a["dataset"] == {"loader": "builtin", "name": "skynews", "sample": None, "sample_seed": 0,
                            "max_chars": 1_000_000, "markup": True}
    assert a["cluster"]["method"] == "kmeans" and a["summarize"]["document"] == {"sentences": 3}
    assert cfg.resolve(a) == a
    assert cfg.run_id(a, "x") == cfg.run_id(cfg.resolve({}), "x") != cfg.run_id(a, "y")


def test_a_ratio_budget_unsets_the_default_sentence_count():
    r = cfg.resolve({"summarize": {"ratio": 0.4}})["summarize"]
    assert r["ratio"] == 0.4 and r["sentences"] is None and r["document"] == {"ratio": 0.4}


def test_overrides_parse_yaml_values():
    c = cfg.apply_overrides({}, ["cluster.n_clusters=4", "topics.names=[a, b]", "seed=7"])
    assert c == {"cluster": {"n_clusters": 4}, "topics": {"names": ["a", "b"]}, "seed": 7}


@pytest.mark.parametrize("config, message", [
    ({"seed": "seven"}, "seed: must be an integer from 0 to 4294967295, got 'seven'"),
    ({"seed": -5}, "seed: must be an integer from 0 to 4294967295, got -5"),
    ({"seed": True}, "seed: must be an integer from 0 to 4294967295, got True"),
    ({"cluster": {"n_clusters": "4"}}, "cluster.n_clusters: must be an integer >= 1 or one of 'auto', got '4'"),
    ({"cluster": {"n_clusters": True}}, "cluster.n_clusters: must be an integer >= 1 or one of 'auto', got True"),
    ({"cluster": {"n_clusters": 2.0}}, "cluster.n_clusters: must be an integer >= 1 or one of 'auto', got 2.0"),
    ({"cluster": {"method": "agglomerative", "metric": "cosine"}},
     "cluster.metric: must be 'euclidean' with linkage 'ward'"),
    ({"refine": {"method": "knn_vote", "n_neighbors": 0}}, "refine.n_neighbors: must be an integer >= 1, got 0"),
    ({"adapt": {"method": "self_training", "keep": 0}}, "adapt.keep: must be a number in (0, 1], got 0"),
    ({"reduce": {"method": "umap", "min_dist": float("nan")}},
     "reduce.min_dist: must be a number in [0, inf), got nan"),
    ({"topics": {"names": ["a", "a"]}}, "topics.names: must be a list of distinct items"),
    ({"name": 5}, "name: must be a non-empty string, got 5"),
    ({"cluster": {"n_clusters": "k" * 5000}}, "cluster.n_clusters: must be an integer >= 1 or one of 'auto', got 'kkk"),
    ({"cluster": {"method": "agglomerative", "n_init": 3}}, "cluster.n_init: unknown setting"),
    ({"summarize": {"sentences": 2, "ratio": 0.3}}, "summarize: give one of sentences, ratio, words"),
    ({"dataset": {"loader": "csv"}}, "dataset.path: required setting is missing"),
    ({"embedding": {"model": "bert"}}, "embedding.model: unknown value 'bert'; choose one of: counts, minilm"),
    ({"cluster": "kmeans"}, "cluster: expected a mapping"),
    ({"name": "a/b"}, "cannot name a results folder"),
])
def test_errors_name_the_dotted_key(config, message):
    import re

    with pytest.raises(ConfigError, match=re.escape(message)) as err:
        cfg.resolve(config)
    assert len(str(err.value)) < 300  # values are shown cut short, never in full


def test_every_component_declares_a_rule_for_every_parameter():
    for name, spec in cfg.SECTIONS.items():
        classes = [spec.component] if spec.registry is None else [spec.registry.get(n) for n in spec.registry.names()]
        for cls in classes:
            missing = set(cfg.parameters(cls)) - set(getattr(cls, "_parameter_constraints", {}))
            assert not missing, f"{name}: {cls.__name__} has no rule for {sorted(missing)}"


def test_the_default_pipeline_is_the_benchmarked_one():
    """An experiment file that names only the data and k runs the pipeline the README's
    clustering and summarisation benchmarks measure as the default."""
    resolved = cfg.resolve({"dataset": {"loader": "builtin", "name": "bbc_dev"}, "cluster": {"n_clusters": 5}})
    assert resolved["embedding"]["model"] == "minilm" and resolved["embedding"]["pooling"] == "auto"
    assert resolved["reduce"]["method"] == "center" and resolved["cluster"]["method"] == "kmeans"
    assert resolved["refine"] == {"method": "scan", "n_neighbors": 10, "lexical_neighbors": 10, "entropy_weight": 3.0,
                                  "temperature": 0.1, "max_iter": 300, "learning_rate": 0.01, "max_train": 10_000}
    assert resolved["adapt"]["method"] == "none"
    assert resolved["summarize"]["method"] == "consensus" and resolved["summarize"]["context"] == "repair"


def test_guided_topics_are_experiment_keys_recorded_only_when_used():
    plain = cfg.resolve({})
    assert not set(cfg.GUIDES) & set(plain["topics"])  # a run without them keeps its run id
    given = cfg.resolve({"topics": {"zeroshot_topics": ["sports", "food and cooking"],
                                    "seed_topics": [["gun", "nra"]]}})
    topics = given["topics"]
    assert topics["zeroshot_topics"] == ["sports", "food and cooking"] and topics["seed_topics"] == [["gun", "nra"]]
    assert topics["zeroshot_min_similarity"] == 0.1 and topics["zeroshot_min_lead"] == 0.05
    assert cfg.resolve(given) == given and cfg.run_id(given, "x") != cfg.run_id(plain, "x")
    from toolkit.experiments.pipeline import topic_model

    model = topic_model(given)
    assert model.zeroshot_topics == ["sports", "food and cooking"] and model.seed_topics == [["gun", "nra"]]
    with pytest.raises(ConfigError, match="topics.zeroshot_topics"):
        cfg.resolve({"topics": {"zeroshot_topics": "sports"}})


def test_keyword_phrases_are_an_experiment_key_recorded_only_when_used():
    plain = cfg.resolve({})
    assert "ngram_range" not in plain["topics"]  # single words: the run id it had before
    assert cfg.resolve({"topics": {"ngram_range": [1, 1]}}) == plain
    given = cfg.resolve({"topics": {"ngram_range": [1, 2]}})
    assert given["topics"]["ngram_range"] == [1, 2] and cfg.run_id(given, "x") != cfg.run_id(plain, "x")
    from toolkit.experiments.pipeline import topic_model

    assert topic_model(given).describer.ngram_range == [1, 2]
    for bad in ([2, 1], [0, 2], [1, 2, 3], "1,2"):
        with pytest.raises(ConfigError, match="topics.ngram_range"):
            cfg.resolve({"topics": {"ngram_range": bad}})


def test_paths_in_an_experiment_file_are_read_against_its_folder(tmp_path, monkeypatch):
    """A study's data beside its file runs from any folder; --set paths stay relative to the
    current folder; a shipped file run from the repository records the same short path."""
    from toolkit.experiments.config import apply_overrides, load_file

    study = tmp_path / "study"
    study.mkdir()
    (study / "news.jsonl").write_text('{"text": "One story."}\n')
    (study / "stop.txt").write_text("the\n")
    (study / "s.yaml").write_text("dataset: {loader: jsonl, path: news.jsonl}\nembedding: {model: ./my-model}\n"
                                  "topics: {stop_words: stop.txt}\n"
                                  "sweep: {dataset.path: [news.jsonl, /abs/other.jsonl]}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_file(study / "s.yaml")
    assert config["dataset"]["path"] == "../study/news.jsonl"
    assert config["embedding"]["model"] == "../study/my-model"
    assert config["topics"]["stop_words"] == "../study/stop.txt"
    assert config["sweep"]["dataset.path"] == ["../study/news.jsonl", "/abs/other.jsonl"]
    overridden = apply_overrides(config, ["dataset.path=mine.jsonl"])
    assert overridden["dataset"]["path"] == "mine.jsonl"
    monkeypatch.chdir(REPO)
    shipped = load_file(REPO / "experiments" / "ag_news.yaml")
    assert shipped["dataset"]["path"] == "toolkit/data/ag_news_test.csv"
    assert load_file(REPO / "experiments" / "skynews.yaml")["embedding"]["model"] == "minilm"
