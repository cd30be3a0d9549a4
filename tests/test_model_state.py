"""A saved model restores its fitted state: loading fits nothing again (where the state is plain
data), and transform gives exactly what it gave before saving, for every reducer, clusterer and
refine step."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from toolkit import TopicModel
from toolkit.clustering import CLUSTERERS, REDUCERS, REFINERS
from toolkit.embedding import CountEmbedder, MiniLMEmbedder, TfidfEmbedder
from toolkit.text import LOADERS


@pytest.fixture(scope="module")
def split():
    """300 AG News items to fit, 40 held back, and the MiniLM vectors of the 300 (embedded once)."""
    docs = LOADERS.get("builtin")(name="ag_news", sample=340, sample_seed=1).load().documents
    train, held = docs[:300], docs[300:]
    from toolkit.text import Corpus
    from toolkit.text.sentences import BlingfireSplitter

    corpus = BlingfireSplitter().transform(Corpus(list(train)))
    return train, held, MiniLMEmbedder().fit_transform(corpus)


def _part(registry, name, params=None, **more):
    params = {**(params or {}), **more}
    cls = registry.get(name)
    if "random_state" in cls().get_params():
        params.setdefault("random_state", 0)
    return cls(**params)


CASES = {
    "kmeans": dict(clusterer=("kmeans", {"n_clusters": 4})),
    "minibatch_kmeans": dict(clusterer=("minibatch_kmeans", {"n_clusters": 4})),
    "agglomerative": dict(clusterer=("agglomerative", {"n_clusters": 4})),
    "spectral": dict(clusterer=("spectral", {"n_clusters": 4})),
    "gmm": dict(clusterer=("gmm", {"n_clusters": 4}), refiner=("none", {})),
    # 300 items are few for density clusters: at its default size of 10, HDBSCAN may call all of them outliers
    "hdbscan": dict(clusterer=("hdbscan", {"min_cluster_size": 15})),
    "bertopic_like": dict(clusterer=("bertopic_like", {})),
    "auto k": dict(clusterer=("kmeans", {"n_clusters": "auto", "k_range": [2, 5]})),
    "pca": dict(reducer=("pca", {"n_components": 10}), clusterer=("kmeans", {"n_clusters": 4})),
    "no reduction": dict(reducer=("none", {}), clusterer=("kmeans", {"n_clusters": 4})),
    "knn vote": dict(clusterer=("kmeans", {"n_clusters": 4}), refiner=("knn_vote", {})),
    "no refinement": dict(clusterer=("kmeans", {"n_clusters": 4}), refiner=("none", {})),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_loaded_model_transforms_exactly_as_before_without_refitting(split, tmp_path, case):
    train, held, vectors = split
    spec = CASES[case]
    parts = {"reducer": _part(REDUCERS, *spec.get("reducer", ("center", {}))),
             "clusterer": _part(CLUSTERERS, *spec["clusterer"]),
             "refiner": _part(REFINERS, *spec.get("refiner", ("scan", {})))}
    model = TopicModel(**parts).fit(train, embeddings=vectors)
    model.save(tmp_path / "m")
    assert json.loads((tmp_path / "m" / "model.json").read_text())["fitted_state"] is not None
    loaded = TopicModel.load(tmp_path / "m")
    assert loaded.refit_agreement_ is None  # restored, not fitted again
    before, after = model.transform(held), loaded.transform(held)
    assert np.array_equal(before[0], after[0]) and np.array_equal(before[1], after[1])
    assert np.array_equal(loaded.probabilities_, model.probabilities_)
    assert loaded.auto_k_ == model.auto_k_


@pytest.mark.parametrize("embedder, method", [(TfidfEmbedder(), "nmf"), (CountEmbedder(), "lda")])
def test_topic_models_on_term_weights_restore_too(split, tmp_path, embedder, method):
    train, held, _ = split
    model = TopicModel(embedder=embedder, reducer=_part(REDUCERS, "none"),
                       clusterer=_part(CLUSTERERS, method, n_clusters=4), refiner=_part(REFINERS, "none")).fit(train)
    model.save(tmp_path / "m")
    loaded = TopicModel.load(tmp_path / "m")
    assert loaded.refit_agreement_ is None
    before, after = model.transform(held), loaded.transform(held)
    assert np.array_equal(before[0], after[0]) and np.array_equal(before[1], after[1])


def test_a_state_that_is_not_plain_data_is_fitted_again_and_says_so(split, tmp_path, caplog):
    """UMAP keeps numba-compiled search structures: its model is fitted again on load, with
    its stored seed, and a log line says so."""
    train, held, vectors = split
    model = TopicModel(reducer=_part(REDUCERS, "umap", n_components=5),
                       clusterer=_part(CLUSTERERS, "kmeans", n_clusters=4)).fit(train, embeddings=vectors)
    with caplog.at_level(logging.INFO, logger="toolkit"):
        model.save(tmp_path / "m")
        loaded = TopicModel.load(tmp_path / "m")
    assert json.loads((tmp_path / "m" / "model.json").read_text())["fitted_state"] is None
    assert "is not plain data" in caplog.text and "fitting them again" in caplog.text
    assert loaded.refit_agreement_ is not None and np.array_equal(loaded.labels_, model.labels_)


def test_a_tampered_state_is_one_clear_error(split, tmp_path):
    from toolkit import DataError

    train, _, vectors = split
    TopicModel(clusterer=_part(CLUSTERERS, "kmeans", n_clusters=4)).fit(train, embeddings=vectors).save(tmp_path / "m")
    meta_path = tmp_path / "m" / "model.json"
    original = json.loads(meta_path.read_text())
    tampered = {
        "a method replaced": lambda m: m["fitted_state"]["clusterer"].__setitem__("predict", 1),
        "a class outside scikit-learn": lambda m: m["fitted_state"]["clusterer"].__setitem__(
            "_model", {"__estimator__": "os.system", "params": {}, "state": {}}),
        "an array that is not there": lambda m: m["fitted_state"]["model"].__setitem__("reduced_",
                                                                                     {"__array__": "state_999"}),
        "an unknown kind": lambda m: m["fitted_state"]["refiner"].__setitem__("coef_", {"__pickle__": "x"}),
        "a model attribute of its own": lambda m: m["fitted_state"]["model"].__setitem__("transform", 1),
        "reduced rows of the wrong count": lambda m: m["fitted_state"]["model"].__setitem__("reduced_", [1, 2]),
    }
    for name, edit in tampered.items():
        meta = json.loads(json.dumps(original))
        edit(meta)
        meta_path.write_text(json.dumps(meta))
        with pytest.raises(DataError) as caught:
            TopicModel.load(tmp_path / "m")
        assert "model.json" in str(caught.value) and "\n" not in str(caught.value), name
