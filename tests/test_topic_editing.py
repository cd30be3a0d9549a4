"""Working with a fitted topic model under BERTopic's method names: merge, reduce, find,
inspect, re-describe, fill in outliers, steer with seed words or zero-shot names, and view."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit import DataError, KMeansClusterer, TopicDescriber, TopicModel
from toolkit.clustering import CLUSTERERS, REFINERS
from toolkit.text import LOADERS

AG_NAMES = ["World", "Sports", "Business", "Sci/Tech"]


@pytest.fixture(scope="module")
def ag_docs():
    """1,200 AG News items drawn at random (seed 1)."""
    corpus = LOADERS.get("builtin")(name="ag_news").load()
    keep = np.sort(np.random.default_rng(1).choice(len(corpus.documents), 1200, replace=False))
    return [corpus.documents[i] for i in keep]


@pytest.fixture(scope="module")
def ag_model(ag_docs):
    return TopicModel(clusterer=KMeansClusterer(n_clusters=10, random_state=0),
                      describer=TopicDescriber(names=AG_NAMES)).fit(ag_docs)


def _merged_into(model) -> dict[int, int]:
    """Old topic id -> the topic holding it now (from ``merged_from``)."""
    into = {}
    for t in model.topics_:
        for part in t.merged_from or [t.id]:
            into[part] = t.id
    return into


def test_merge_topics_keeps_every_document_in_the_merge_of_its_topic(ag_model, tmp_path):
    model = TopicModel.load(_saved(ag_model, tmp_path / "m"))
    before = model.labels_.copy()
    kept = {t.id: t for t in model.topics_ if t.id not in (1, 4, 7)}
    model.merge_topics(None, [[4, 1], [7, 2]])
    after = {t.id: t for t in model.topics_}
    assert sorted(after) == [0, 1, 2, 3, 5, 6, 8, 9]  # untouched ids stay; a merge takes its smallest id
    assert after[1].merged_from == [1, 4] and after[2].merged_from == [2, 7]
    for c in (0, 3, 5, 6, 8, 9):  # untouched topics keep their description
        assert after[c] == kept[c]
    into = {1: 1, 4: 1, 2: 2, 7: 2}
    assert np.array_equal(model.labels_, [into.get(int(c), int(c)) for c in before])
    assert after[1].size == int(np.sum(before == 1) + np.sum(before == 4))
    assert model.probabilities_.shape == (len(before), 8)
    np.testing.assert_allclose(model.probabilities_.sum(axis=1), 1.0)
    topics, _ = model.transform(model.documents_)  # new documents follow the merge
    assert np.array_equal(topics, model.labels_)
    info = model.get_topic_info()
    assert info.loc[info["Topic"] == 1, "merged_from"].iloc[0] == [1, 4]
    # merged again, a topic records every original part
    model.merge_topics([1, 5])
    assert {t.id: t.merged_from for t in model.topics_}[1] == [1, 4, 5]
    # and the model saves and loads as it is
    folder = _saved(model, tmp_path / "merged")
    loaded = TopicModel.load(folder)
    assert np.array_equal(loaded.transform(model.documents_[:50])[0], model.labels_[:50])
    assert loaded.topic_info.equals(model.topic_info)


def _saved(model, folder):
    model.save(folder)
    return folder


def test_reduce_topics_merges_along_the_tree_without_refitting(ag_model, tmp_path):
    model = TopicModel.load(_saved(ag_model, tmp_path / "m"))
    before = model.labels_.copy()
    assert model.reduce_topics(model.documents_, nr_topics=4) is model
    assert len(model._topic_ids()) == 4
    into = _merged_into(model)
    assert all(into[int(o)] == int(n) for o, n in zip(before, model.labels_))
    # four broad sections come back out of ten clusters
    gold = np.array([d.label for d in model.documents_])
    from sklearn.metrics import normalized_mutual_info_score
    assert normalized_mutual_info_score(gold, model.labels_) > 0.5
    model.reduce_topics(6)  # nothing to do: fewer topics than asked
    assert len(model._topic_ids()) == 4
    with pytest.raises(DataError, match="nr_topics"):
        model.reduce_topics(0)


@pytest.mark.parametrize("groups, message", [([[1, 99]], "no topic 99"), ([[1, 2], [2, 3]], "listed twice"),
                                             ([[1]], "at least two"), ([], "list of topic-id lists")])
def test_merge_topics_names_a_bad_group(ag_model, groups, message):
    with pytest.raises(DataError, match=message):
        ag_model.merge_topics(None, groups)


def test_documents_must_be_the_training_documents(ag_model):
    with pytest.raises(DataError, match="1,200|1200"):
        ag_model.reduce_topics(["one", "two"], nr_topics=3)


def test_find_get_and_document_info_answer(ag_model):
    info = ag_model.get_topic_info()
    assert list(info.columns[:5]) == ["Topic", "Count", "Name", "Representation", "Representative_Docs"]
    assert info["Count"].sum() == 1200
    ids, sims = ag_model.find_topics("football match and the league championship", top_n=3)
    assert len(ids) == 3 and sims == sorted(sims, reverse=True)
    gold = np.array([d.label for d in ag_model.documents_])
    assert np.mean(gold[ag_model.labels_ == ids[0]] == "Sports") > 0.8
    words = ag_model.get_topic(ids[0])
    assert words and all(isinstance(w, str) and isinstance(s, float) for w, s in words)
    assert ag_model.get_topic(12345) is False
    assert set(ag_model.get_topics()) == set(info["Topic"])
    docs = ag_model.get_document_info([d.full_text for d in ag_model.documents_])
    assert len(docs) == 1200 and list(docs["Topic"]) == ag_model.labels_.tolist()
    assert docs["Probability"].between(0, 1).all() and docs["Representative_document"].sum() == 30
    first = ag_model.topics_[0]
    assert ag_model.get_representative_docs(first.id)[0] == docs.loc[docs["id"] == first.exemplars[0],
                                                                       "Document"].iloc[0]
    assert ag_model.get_topic_freq()["Count"].is_monotonic_decreasing
    with pytest.raises(DataError, match="search term"):
        ag_model.find_topics("  ")


def test_update_topics_describes_again_without_clustering(ag_model, tmp_path):
    model = TopicModel.load(_saved(ag_model, tmp_path / "m"))
    labels = model.labels_.copy()
    model.update_topics(top_n_words=4, extra_stop_words=["ap", "reuters"])
    assert np.array_equal(model.labels_, labels)
    assert all(len(t.keywords) == 4 for t in model.topics_)
    assert model.describer_.keywords == 4 and ag_model.describer_.keywords == 10
    with pytest.raises(DataError, match="vectorizer_model"):
        model.update_topics(vectorizer_model=object())


def test_update_topics_with_phrases_keeps_a_phrase_not_its_parts(ag_model, tmp_path):
    model = TopicModel.load(_saved(ag_model, tmp_path / "m"))
    labels = model.labels_.copy()
    model.update_topics(n_gram_range=(1, 2))  # BERTopic's name for ngram_range
    assert np.array_equal(model.labels_, labels) and tuple(model.describer_.ngram_range) == (1, 2)
    phrases = [k for t in model.topics_ for k, _ in t.keywords if " " in k]
    assert len(phrases) >= 3, phrases
    for topic in model.topics_:
        words = {k for k, _ in topic.keywords}
        weight = dict(topic.keywords)
        for phrase in (k for k in words if " " in k):
            for part in phrase.split(" "):  # a part is kept only when it weighs over twice the phrase
                assert part not in words or weight[part] > 2 * weight[phrase], (topic.keywords, part)
    model.update_topics(ngram_range=[1, 1])
    assert not [k for t in model.topics_ for k, _ in t.keywords if " " in k]
    with pytest.raises(DataError, match="ngram_range"):
        model.update_topics(ngram_range=(2, 1))


def test_covered_words_leave_the_keywords():
    from toolkit.topics.describe import without_covered_words

    terms = np.array(["hong", "hong kong", "kong", "star", "star wars", "police"], dtype=object)
    weights = np.array([0.30, 0.28, 0.27, 0.50, 0.10, 0.20])
    order = [3, 0, 1, 2, 5, 4]
    assert [terms[j] for j in without_covered_words(order, terms, weights)] == ["star", "hong kong", "police",
                                                                                 "star wars"]


def test_reduce_outliers_gives_outliers_a_topic(ag_docs):
    model = TopicModel(clusterer=CLUSTERERS.get("hdbscan")(min_cluster_size=15),
                       refiner=REFINERS.get("none")()).fit(ag_docs[:600])
    outliers = int(np.sum(model.labels_ == -1))
    assert outliers > 0
    for strategy in ("distributions", "probabilities", "embeddings"):
        new = model.reduce_outliers(strategy=strategy)
        assert new.count(-1) <= outliers // 20  # threshold 0: nearly every outlier finds a topic
        assert [a for a, b in zip(new, model.labels_) if b != -1] == [int(b) for b in model.labels_ if b != -1]
    strict = model.reduce_outliers(strategy="embeddings", threshold=0.99)
    assert strict.count(-1) == outliers
    model.update_topics(topics=new)
    assert np.array_equal(model.labels_, new) and sum(t.size for t in model.topics_) == 600
    assert {t.id for t in model.topics_} == set(new)
    with pytest.raises(DataError, match="strategy"):
        model.reduce_outliers(strategy="nearest")


def test_outliers_are_counted_apart_from_topics():
    from toolkit.errors import topic_count
    from toolkit.topics.describe import Topic

    topics = [Topic(0, "a", [("a", 1.0)], 3, ["1", "2", "3"]), Topic(-1, "outliers", [("b", 1.0)], 1562, [])]
    assert topic_count(topics) == "1 topic and 1,562 outliers"


def test_zeroshot_topics_gather_their_documents_and_keep_their_names(ag_docs, tmp_path):
    model = TopicModel(clusterer=KMeansClusterer(n_clusters=3, random_state=0),
                       zeroshot_topics=["sports", "business"]).fit(ag_docs)
    gold = np.array([d.label for d in ag_docs])
    names = {t.id: t.name for t in model.topics_}
    assert names[0] == "sports" and names[1] == "business" and sorted(names) == [0, 1, 2, 3, 4]
    assert all(t.named for t in model.topics_[:2])
    assert np.mean(gold[model.labels_ == 0] == "Sports") > 0.9 and np.sum(model.labels_ == 0) > 120
    assert np.mean(gold[model.labels_ == 1] == "Business") > 0.5
    probabilities = model.probabilities_[model.labels_ == 0]
    assert np.all(probabilities[:, 0] == 1.0)
    topics, _ = model.transform(ag_docs[:300])  # new documents by the same two rules
    assert np.array_equal(topics, model.labels_[:300])
    loaded = TopicModel.load(_saved(model, tmp_path / "zs"))
    assert np.array_equal(loaded.transform(ag_docs[:100])[0], model.transform(ag_docs[:100])[0])
    assert loaded.zeroshot_topics == ["sports", "business"]


def test_seed_topics_steer_a_topic_that_keeps_its_seed_words(ag_docs):
    seeds = [["oil", "crude", "prices", "barrel"]]
    plain = TopicModel(clusterer=KMeansClusterer(n_clusters=8, random_state=0)).fit(ag_docs)
    model = TopicModel(clusterer=KMeansClusterer(n_clusters=8, random_state=0), seed_topics=seeds).fit(ag_docs)
    kept = [sum(w in {k for k, _ in t.keywords} for w in seeds[0]) for t in model.topics_]
    assert max(kept) >= 2
    before = [sum(w in {k for k, _ in t.keywords} for w in seeds[0]) for t in plain.topics_]
    assert max(kept) >= max(before)
    topics, _ = model.transform(["Crude oil prices rose above 50 dollars a barrel"])
    assert kept[[t.id for t in model.topics_].index(int(topics[0]))] >= 2


@pytest.mark.parametrize("params, message", [({"zeroshot_topics": "sports"}, "zeroshot_topics"),
                                             ({"seed_topics": [["a"], []]}, "seed_topics"),
                                             ({"zeroshot_min_similarity": 2}, "zeroshot_min_similarity")])
def test_guides_are_checked(ag_docs, params, message):
    with pytest.raises(ValueError, match=message):
        TopicModel(clusterer=KMeansClusterer(n_clusters=3), **params).fit(ag_docs[:50])


def test_interactive_views_are_plotly_figures_with_escaped_names(ag_model):
    import plotly.graph_objects as go

    model = ag_model
    bars = model.visualize_barchart(top_n_topics=4)
    assert isinstance(bars, go.Figure) and len(bars.data) == 4
    first = int(bars.data[0].name)
    assert list(bars.data[0].y)[::-1] == [w for w, _ in model.get_topic(first)][:5]
    heat = model.visualize_heatmap()
    z = np.asarray(heat.data[0].z)
    assert z.shape == (10, 10) and np.allclose(np.diag(z), 1.0, atol=1e-3)
    docs = model.visualize_documents(sample=0.5)
    assert sum(len(trace.x) for trace in docs.data) < 1200
    tree = model.visualize_hierarchy()
    assert len(tree.data) == 10  # nine joins and the leaves
    from toolkit.palette import topic_colour
    from toolkit.topics.describe import Topic
    from toolkit.topics.views import barchart

    risky = Topic(3, "<b onmouseover=x>bold</b>", [("<script>", 1.0)], 1, ["1"])
    fig = barchart([risky])
    assert "<b" not in fig.layout.annotations[0].text and "&lt;script&gt;" in fig.data[0].y[0]
    assert topic_colour(3) == fig.data[0].marker.color and topic_colour(-1) != topic_colour(0)


def test_topics_over_time_as_in_bertopic():
    corpus = LOADERS.get("builtin")(name="huffpost", sample=400, sample_seed=2).load()
    model = TopicModel(clusterer=KMeansClusterer(n_clusters=5, random_state=0)).fit(corpus)
    table = model.topics_over_time(bin="quarter")
    assert set(table["topic_id"]) <= set(model._topic_ids()) and table["count"].sum() == 400
    fig = model.visualize_topics_over_time(table, top_n_topics=3)
    assert len(fig.data) == 3
    with pytest.raises(DataError, match="bin"):
        model.topics_over_time(bin="decade")


BERTOPIC_SCRIPT = """
topic_model = BERTopic()
topics, probs = topic_model.fit_transform(docs)
info = topic_model.get_topic_info()
largest = info.sort_values("Count", ascending=False)["Topic"].tolist()
top_words = topic_model.get_topic(largest[0])
similar_topics, similarity = topic_model.find_topics("stock market", top_n=3)
topic_model.reduce_topics(docs, nr_topics=6)
topic_model.merge_topics(docs, [similar_topics[0], [t for t in topic_model.get_topic_info()["Topic"]
                                                    if t != similar_topics[0] and t != -1][0]])
document_info = topic_model.get_document_info(docs)
bars = topic_model.visualize_barchart(top_n_topics=5)
heat = topic_model.visualize_heatmap()
"""


def test_a_script_written_for_bertopic_runs_with_its_constructor_changed(ag_docs):
    docs = [d.full_text for d in ag_docs[:800]]

    def BERTopic():  # noqa: N802 -- the one line a BERTopic script changes
        return TopicModel(clusterer=KMeansClusterer(n_clusters=12, random_state=0))

    space = {"BERTopic": BERTopic, "docs": docs}
    exec(BERTOPIC_SCRIPT, space)  # noqa: S102 -- our own script text
    model = space["topic_model"]
    assert len(space["topics"]) == 800 and space["probs"].shape == (800, 12)
    assert len(model._topic_ids()) == 5  # reduced to six, then two merged
    assert len(space["document_info"]) == 800 and len(space["bars"].data) == 5
    assert np.asarray(space["heat"].data[0].z).shape == (5, 5)


def test_refitting_with_other_zeroshot_names_uses_the_new_names(ag_docs):
    model = TopicModel(clusterer=KMeansClusterer(n_clusters=3, random_state=0), zeroshot_topics=["sports"])
    model.fit(ag_docs[:400])
    model.set_params(zeroshot_topics=["business"]).fit(ag_docs[:400])
    gold = np.array([d.label for d in ag_docs[:400]])
    assert model.topics_[0].name == "business" and np.mean(gold[model.labels_ == 0] == "Business") > 0.5
