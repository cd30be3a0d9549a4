"""The clusterers, reducers and summarisers are scikit-learn estimators."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score, make_scorer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer
from sklearn.utils.estimator_checks import check_estimator

import toolkit
from toolkit import CLUSTERERS, REDUCERS, ParameterError

UMAP_SPARSE = "umap-learn's numba kernels fail on the check's sparse inputs (64-bit indices); the toolkit " \
              "passes it CSR TF-IDF matrices, which work (tests/test_pipeline.py)"
UMAP_BATCH = "UMAP's transform places each point relative to the batch it is given, by design"
# Every check that may fail, with its reason; any other failing check fails the test.
EXPECTED_FAILURES = {
    "gmm": {
        "check_estimator_sparse_array": "the check reads classifier tags whenever predict_proba exists; "
                                        "GMM's predict_proba gives cluster posteriors, not class probabilities",
        "check_estimator_sparse_matrix": "as check_estimator_sparse_array",
    },
    **{name: {
        "check_estimator_sparse_array": "as for gmm: the check reads classifier tags whenever predict_proba exists; "
                                        "these give topic mixtures",
        "check_estimator_sparse_matrix": "as check_estimator_sparse_array",
        "check_clustering": "the check clusters standardised blobs, negative values included, whatever the "
                            "positive_only tag says; LDA and NMF refuse negative input by design",
    } for name in ("lda", "nmf")},
    "umap": {
        "check_estimator_sparse_tag": UMAP_SPARSE,
        "check_estimator_sparse_array": UMAP_SPARSE,
        "check_methods_sample_order_invariance": UMAP_BATCH,
        "check_methods_subset_invariance": UMAP_BATCH,
    },
    "bertopic_like": {
        "check_estimator_sparse_tag": UMAP_SPARSE,
        "check_estimator_sparse_array": UMAP_SPARSE,
    },
}


SLOW_CHECKS = {"bertopic_like", "umap"}  # UMAP's graph (numba) makes scikit-learn's checks take seconds


@pytest.mark.parametrize("registry, name", [pytest.param(r, n, marks=[pytest.mark.slow] if n in SLOW_CHECKS else [])
                                            for r in (CLUSTERERS, REDUCERS) for n in r.names()])
def test_check_estimator(registry, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(registry.get(name)(), on_fail=None)
    failed = {r["check_name"]: str(r["exception"])[:200] for r in results if r["status"] == "failed"}
    expected = EXPECTED_FAILURES.get(name, {})
    unexpected = {k: v for k, v in failed.items() if k not in expected}
    assert not unexpected, f"{name}: checks failed: {unexpected}"
    assert len(results) > 40


def test_clone_pipeline_and_grid_search_over_a_toolkit_clusterer():
    X, y = make_blobs(n_samples=120, centers=4, n_features=8, random_state=0)
    km = toolkit.KMeansClusterer(n_clusters=3, n_init=2, random_state=5)
    twin = clone(km)
    assert twin is not km and twin.get_params() == km.get_params()
    assert np.array_equal(km.fit(X).labels_, twin.fit(X).labels_)
    assert km.predict(X).tolist() == km.labels_.tolist()  # k-means' own rule: exactly the fitted labels
    pipe = make_pipeline(Normalizer(), toolkit.PCAReducer(n_components=4), toolkit.KMeansClusterer(n_clusters=4))
    labels = pipe.fit_predict(X)
    assert adjusted_rand_score(y, labels) > 0.9
    search = GridSearchCV(toolkit.KMeansClusterer(n_init=2), {"n_clusters": [2, 3, 4, 5]}, cv=3,
                          scoring=make_scorer(adjusted_rand_score)).fit(X, y)
    assert search.best_params_ == {"n_clusters": 4}


def test_parameters_are_checked_in_fit_not_init():
    bad = toolkit.KMeansClusterer(n_clusters=0)  # storing is fine (scikit-learn's rule) ...
    with pytest.raises(ParameterError, match=r"KMeansClusterer.n_clusters: must be an integer >= 1 or one of 'auto'"):
        bad.fit(np.eye(5))  # ... fitting is not
    with pytest.raises(ParameterError, match="must be 'euclidean' with linkage 'ward'"):
        toolkit.AgglomerativeClusterer(metric="cosine").fit(np.eye(5))
    with pytest.raises(ValueError):  # a ParameterError is a ValueError, as scikit-learn expects
        toolkit.KMeansClusterer(n_clusters=True).fit(np.eye(5))


def test_auto_k_and_prediction_of_methods_without_their_own_rule():
    X, _ = make_blobs(n_samples=90, centers=3, n_features=5, random_state=1, cluster_std=0.5)
    km = toolkit.KMeansClusterer(n_clusters="auto", k_range=(2, 6)).fit(X)
    assert km.n_clusters_ == 3 and km.auto_k_["chosen"] == 3
    agg = toolkit.AgglomerativeClusterer(n_clusters=3, linkage="average", metric="cosine").fit(X)
    assert agg.cluster_centers_.shape == (3, 5)
    # on well-separated blobs the nearest-centre rule gives back the fitted labels
    assert np.array_equal(agg.predict(X), agg.labels_)


def test_summarisers_are_estimators_with_one_budget():
    text = ("The council approved the budget on Monday. Critics said the plan cut school funding. "
            "The mayor defended the budget as balanced. Schools will lose teachers under the budget, critics said. "
            "A vote on the transport plan was delayed.")
    s = toolkit.LexRankSummarizer(ratio=0.4)  # one budget given: that budget (no clash with a default count)
    assert clone(s).get_params()["ratio"] == 0.4
    (summary,) = s.fit_transform([text])
    assert len(summary.sentences) == 2 and summary.candidates == 5
    assert toolkit.TextRankSummarizer().fit_transform([text])[0].candidates == 5
    assert len(toolkit.LexRankSummarizer().fit_transform([text])[0].sentences) == 3  # no budget: 3 sentences


def test_every_part_and_the_topic_model_clone():
    """scikit-learn's clone works on every registered component and on TopicModel, whose
    parameters stay exactly as given (None stays None)."""
    import inspect

    from sklearn.base import clone

    from toolkit import TopicModel
    from toolkit.clustering import CLUSTERERS, REDUCERS, REFINERS
    from toolkit.embedding import ADAPTERS, EMBEDDERS
    from toolkit.embedding.embedders import minilm_path
    from toolkit.summarization.methods import SUMMARIZERS
    from toolkit.text.loaders import LOADERS
    from toolkit.text.sentences import SPLITTERS

    for registry in (EMBEDDERS, ADAPTERS, SPLITTERS, LOADERS, CLUSTERERS, REDUCERS, REFINERS, SUMMARIZERS):
        for cls in registry.classes():
            required = inspect.signature(cls.__init__).parameters.get("path")
            part = cls(path=minilm_path()) if required is not None and required.default is required.empty else cls()
            copy = clone(part)
            assert type(copy) is cls and copy.get_params() == part.get_params(), cls.__name__
    model = TopicModel(clusterer=CLUSTERERS.get("kmeans")(n_clusters=4), reduce_to=2)
    copy = clone(model)
    assert copy.embedder is None and copy.reduce_to == 2 and copy.clusterer.n_clusters == 4
    assert copy.clusterer is not model.clusterer
    assert model.get_params()["clusterer__n_clusters"] == 4


def test_a_clustering_that_finds_no_topic_is_one_clear_error():
    """Density clustering may call every document an outlier (here: points spread evenly on a
    sphere); fitting then stops with an error that says so and what to change."""
    from toolkit import DataError, TopicModel

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 20)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    docs = [f"document {i} about one thing or another" for i in range(60)]
    with pytest.raises(DataError, match="HDBSCANClusterer found no topic in 60 documents .*min_cluster_size"):
        TopicModel(clusterer=CLUSTERERS.get("hdbscan")()).fit(docs, embeddings=X)
