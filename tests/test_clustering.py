"""Reduction, clustering methods, auto-k and topic quality on real data (BBC dev, MiniLM)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics import normalized_mutual_info_score as nmi

from toolkit import ConfigError, DataError
from toolkit.clustering import CLUSTERERS, REDUCERS, assign_outliers
from toolkit.embedding import MiniLMEmbedder
from toolkit.evaluation import npmi_coherence, topic_diversity
from toolkit.experiments import config as cfg
from toolkit.text import LOADERS, SPLITTERS


@pytest.fixture(scope="module")
def bbc():
    corpus = SPLITTERS.get("blingfire")().transform(LOADERS.get("builtin")(name="bbc_dev").load())
    return corpus, MiniLMEmbedder().fit_transform(corpus), np.array(corpus.labels)


@pytest.fixture(scope="module")
def bbc_umap(bbc):
    return REDUCERS.get("umap")(n_components=5, random_state=0).fit_transform(bbc[1])


@pytest.mark.parametrize("method, params", [
    ("kmeans", {}), ("minibatch_kmeans", {}), ("agglomerative", {}),
    ("agglomerative", {"linkage": "average", "metric": "cosine"}), ("spectral", {}), ("gmm", {}),
])
def test_k_methods_find_the_five_bbc_sections(bbc, method, params):
    _, X, gold = bbc
    labels = CLUSTERERS.get(method)(n_clusters=5, **params).fit_predict(X)
    assert sorted(set(labels.tolist())) == [0, 1, 2, 3, 4]
    assert nmi(gold, labels) > 0.6


def test_minibatch_kmeans_above_max_train_learns_on_a_seeded_sample_and_assigns_everyone(bbc):
    _, X, gold = bbc
    sampled = CLUSTERERS.get("minibatch_kmeans")(n_clusters=5, max_train=60, random_state=3)
    labels = sampled.fit_predict(X)
    keep = np.sort(np.random.default_rng(3).choice(len(X), 60, replace=False))
    alone = MiniBatchKMeans(5, batch_size=1024, n_init=3, random_state=3).fit(X[keep])
    # the same partition as the sample's centres give every document (canonical numbering aside)
    assert adjusted_rand_score(alone.predict(X), labels) == 1.0
    assert nmi(gold, labels) > 0.6
    whole = CLUSTERERS.get("minibatch_kmeans")(n_clusters=5, max_train=100, random_state=3).fit_predict(X)
    everyone = MiniBatchKMeans(5, batch_size=1024, n_init=3, random_state=3).fit(X)
    assert adjusted_rand_score(everyone.labels_, whole) == 1.0  # at or below max_train: every document


def test_hdbscan_finds_clusters_and_can_assign_its_outliers(bbc, bbc_umap):
    _, X, gold = bbc
    kept = CLUSTERERS.get("hdbscan")(min_cluster_size=5).fit_predict(bbc_umap)
    assert len(set(kept.tolist()) - {-1}) >= 3
    assigned = CLUSTERERS.get("hdbscan")(min_cluster_size=5, outliers="nearest").fit_predict(bbc_umap)
    assert (assigned >= 0).all()
    np.testing.assert_array_equal(assigned[kept >= 0], kept[kept >= 0])
    assert nmi(gold, assigned) > 0.5


def test_assign_outliers_goes_to_the_nearest_centroid():
    X = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9], [0.8, 0.3]])
    np.testing.assert_array_equal(assign_outliers(X, np.array([0, 0, 1, 1, -1])), [0, 0, 1, 1, 0])


@pytest.mark.parametrize("method, params", [
    ("kmeans", {"n_clusters": 5}), ("gmm", {"n_clusters": 5}), ("spectral", {"n_clusters": 5}),
    ("minibatch_kmeans", {"n_clusters": 5}), ("bertopic_like", {"min_cluster_size": 5}),
])
def test_same_seed_same_labels(bbc, method, params):
    _, X, _ = bbc
    a = CLUSTERERS.get(method)(random_state=7, **params).fit_predict(X)
    b = CLUSTERERS.get(method)(random_state=7, **params).fit_predict(X)
    np.testing.assert_array_equal(a, b)


def test_umap_is_seeded(bbc):
    X = bbc[1]
    a = REDUCERS.get("umap")(random_state=3).fit_transform(X)
    b = REDUCERS.get("umap")(random_state=3).fit_transform(X)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (100, 5)


def test_auto_k_lands_within_one_of_the_bbc_sections_and_keeps_its_curve(bbc):
    _, X, _ = bbc
    clusterer = CLUSTERERS.get("kmeans")(n_clusters="auto", k_range=[2, 10], k_criterion="silhouette")
    labels = clusterer.fit_predict(X)
    chosen = clusterer.auto_k_["chosen"]
    assert abs(chosen - 5) <= 1
    assert len(set(labels.tolist())) == chosen
    assert sorted(map(int, clusterer.auto_k_["curve"])) == list(range(2, 11))


def test_auto_k_by_communities_finds_the_five_bbc_sections_whatever_the_seed(bbc):
    _, X, gold = bbc
    found = [CLUSTERERS.get("kmeans")(random_state=seed).fit(X) for seed in (0, 1, 2)]
    record = found[0].auto_k_
    assert record["criterion"] == "communities" and record["chosen"] == 5 and record["counts"] == [5] * 5
    assert record["modularity"] > 0.3  # a clear structure: no warning
    assert all(np.array_equal(f.labels_, found[0].labels_) for f in found)  # Ward's start: no seed in it
    assert nmi(gold, found[0].labels_) > 0.75


def test_structureless_data_is_said_to_have_no_clear_topics(caplog):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 32))
    with caplog.at_level("WARNING", logger="toolkit"):
        CLUSTERERS.get("kmeans")().fit(X)
    assert "no clear topic structure" in caplog.text


@pytest.mark.parametrize("config, message", [
    ({"cluster": {"method": "dbscan"}}, "cluster.method: unknown value 'dbscan'; choose one of: agglomerative, "
                                        "bertopic_like, gmm, hdbscan, kmeans, lda, minibatch_kmeans, nmf, spectral"),
    ({"cluster": {"method": "agglomerative", "metric": "cosine"}}, "must be 'euclidean' with linkage 'ward'"),
    ({"cluster": {"method": "hdbscan", "outliers": "drop"}},
     "cluster.outliers: must be one of 'keep', 'nearest', got 'drop'"),
    ({"cluster": {"n_clusters": "many"}}, "cluster.n_clusters: must be an integer >= 1 or one of 'auto'"),
    ({"cluster": {"method": "kmeans", "k_criterion": "elbow"}},
     "cluster.k_criterion: must be one of 'communities', 'silhouette'"),
    ({"reduce": {"method": "tsne"}}, "reduce.method: unknown value 'tsne'; choose one of: center, none, pca, umap"),
    ({"reduce": {"method": "umap", "perplexity": 5}}, "reduce.perplexity: unknown setting for method 'umap'"),
])
def test_bad_cluster_settings_fail_before_any_work(config, message):
    from toolkit.experiments import build

    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        resolved = cfg.resolve(config)
        for section in ("reduce", "cluster"):
            build(section, resolved[section], 0)


def test_more_clusters_than_documents_is_refused():
    from toolkit.clustering import check_cluster_count

    with pytest.raises(DataError, match="8 clusters requested but bbc has only 5 documents"):
        check_cluster_count(8, 5, "bbc")
    with pytest.raises(ValueError, match=r"n_clusters: must be at most the number of samples \(n_samples=5\)"):
        CLUSTERERS.get("kmeans")(n_clusters=8).fit(np.eye(5))


def test_npmi_on_a_hand_checked_corpus():
    # Four one-window texts: "apple banana" co-occur in 2 of 4 windows, each alone in 2 of 4.
    texts = ["apple banana", "apple banana", "cherry date", "cherry date"]
    out = npmi_coherence([["apple", "banana"], ["apple", "cherry"]], texts, window=10)
    # P(a) = P(b) = P(a,b) = 1/2: PMI = log 2, NPMI = log 2 / log 2 = 1; apple and cherry never meet: -1.
    assert out["per_topic"] == [pytest.approx(1.0), -1.0]
    assert out["npmi"] == pytest.approx(0.0)


def test_topic_diversity():
    assert topic_diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert topic_diversity([["a", "b"], ["a", "c"]]) == 0.75


def test_keyword_diversification_keeps_the_top_term_and_changes_the_rest(bbc):
    from toolkit.topics import TopicDescriber

    corpus, X, gold = bbc
    labels = np.array([sorted(set(gold)).index(g) for g in gold])
    embed = MiniLMEmbedder().embed_texts
    plain = TopicDescriber(keywords=8).fit_transform(corpus, labels, X, embed)
    diverse = TopicDescriber(keywords=8, diversity=0.6).fit_transform(corpus, labels, X, embed)
    for p, d in zip(plain, diverse):
        assert p.keywords[0][0] == d.keywords[0][0] and len(d.keywords) == 8
    assert any([k for k, _ in p.keywords] != [k for k, _ in d.keywords] for p, d in zip(plain, diverse))


def test_the_default_clusterer_gives_the_same_topics_on_one_thread(bbc):
    from threadpoolctl import threadpool_limits

    _, X, _ = bbc
    default = CLUSTERERS.get("kmeans")().fit(X)
    with threadpool_limits(1):
        single = CLUSTERERS.get("kmeans")().fit(X)
    assert single.auto_k_ == default.auto_k_
    assert np.array_equal(single.labels_, default.labels_)
