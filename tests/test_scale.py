"""What keeps large corpora linear: sparse-safe centroids, projections instead of dense copies,
SCAN on a seeded sample, capped topic candidates, boilerplate left out of duplicates, NPMI on a
sample, one-pass word sets, and embedding written to the cache chunk by chunk."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer


@pytest.fixture(scope="module")
def ag_texts():
    import csv

    with open(REPO / "toolkit" / "data" / "ag_news_test.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))[:1200]
    return [f"{r['title']}. {r['description']}" for r in rows], np.array([int(r["label"]) for r in rows])


def test_centroids_and_assignment_of_sparse_rows_match_the_dense_ones(ag_texts):
    from toolkit.clustering.base import cosine_centroids, nearest_centroid

    X = TfidfVectorizer().fit_transform(ag_texts[0][:300])
    labels = np.arange(300) % 4
    sparse = cosine_centroids(X, labels, [0, 1, 2, 3])
    dense = cosine_centroids(X.toarray(), labels, [0, 1, 2, 3])
    assert np.allclose(sparse, dense, atol=1e-12)
    assert np.array_equal(nearest_centroid(X, sparse), nearest_centroid(X.toarray(), dense))


def test_dense_only_methods_get_a_projection_of_a_large_sparse_matrix(ag_texts):
    from toolkit.arrays import PROJECTION_COMPONENTS, DenseView

    X = TfidfVectorizer().fit_transform(ag_texts[0])
    small = DenseView(max_cells=X.shape[0] * X.shape[1])
    assert np.array_equal(small.fit_transform(X), X.toarray()) and small.svd_ is None
    view = DenseView(random_state=0, max_cells=1000)
    Z = view.fit_transform(X)
    assert Z.shape == (X.shape[0], PROJECTION_COMPONENTS)
    assert np.allclose(view.transform(X[:5]), Z[:5])
    assert np.allclose(DenseView(random_state=0, max_cells=1000).fit_transform(X), Z)  # seeded


def test_scan_trains_on_a_seeded_sample_and_labels_every_document(ag_texts):
    from sklearn.cluster import KMeans

    from toolkit.clustering.consistency import NeighborConsistency

    texts, gold = ag_texts
    X = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    labels = KMeans(4, n_init=3, random_state=0).fit_predict(X)
    sampled = NeighborConsistency(max_train=600, random_state=0).fit(X, labels, texts=texts)
    again = NeighborConsistency(max_train=600, random_state=0).fit(X, labels, texts=texts)
    assert np.array_equal(sampled.labels_, again.labels_)
    assert sampled.n_edges_ == 600 * 20  # neighbours found among the sample only
    full = NeighborConsistency().fit(X, labels, texts=texts)
    from sklearn.metrics import normalized_mutual_info_score as nmi

    # A head trained on half the documents labels them all about as well as one trained on all.
    assert nmi(gold, sampled.labels_) > nmi(gold, full.labels_) - 0.05
    assert nmi(gold, sampled.labels_) > nmi(gold, labels)


def test_large_topics_are_scored_by_their_sentences_degree_in_the_full_graph(ag_texts):
    from toolkit.summarization import CentroidSummarizer, SentenceSet, TextRankSummarizer, sentence_encoder
    from toolkit.summarization.summarizers import central_rows
    from toolkit.text.corpus import Corpus, Document
    from toolkit.topics.describe import Topic

    texts = ag_texts[0][:400]
    docs = [Document(id=f"d{i}", title="", text=t, sentences=[t]) for i, t in enumerate(texts)]
    topic = Topic(id=0, name="all", keywords=[], size=len(docs), documents=[d.id for d in docs], exemplars=[])
    encode = sentence_encoder("tfidf", Corpus(docs))
    capped_model = TextRankSummarizer(sentences=3, max_candidates=100)
    capped = capped_model.summarize_topics([topic], docs, encode)[0]
    assert capped.candidates == 100
    assert "scored the 100 of 400 sentences of highest degree in the topic's full graph" in capped.note
    # the picks and their scores are those of every sentence's degree in the whole topic's graph
    vectors = encode(texts)
    degrees = capped_model.scorer.graph(SentenceSet.from_texts(texts, vectors)).sum(axis=1)
    kept = [texts.index(s["text"]) for s in capped.sentences]
    np.testing.assert_allclose([s["score"] for s in capped.sentences], degrees[kept], atol=1e-7)
    assert sorted(kept) == sorted(np.argsort(-degrees, kind="stable")[:3].tolist())
    whole = TextRankSummarizer(sentences=3, max_candidates=400).summarize_topics([topic], docs, encode)[0]
    assert whole.candidates == 400 and "scored the" not in whole.note
    # a method without a graph scores the sentences nearest the topic's mean
    centroid = CentroidSummarizer(sentences=3, max_candidates=100).summarize_topics([topic], docs, encode)[0]
    assert "closest to the topic's mean" in centroid.note
    assert {s["text"] for s in centroid.sentences} <= {texts[i] for i in central_rows(vectors, 100)}


def test_the_topic_map_of_a_large_corpus_draws_a_seeded_sample_and_counts_every_document(ag_texts, monkeypatch):
    from toolkit import plots

    texts, gold = ag_texts
    labels = gold.copy()
    labels[0] = 9  # a one-document topic: it must still be drawn
    names = {int(k): f"topic {k}" for k in set(labels.tolist())}
    X = TfidfVectorizer().fit_transform(texts)
    monkeypatch.setattr(plots, "PLOT_POINTS", 300)
    fig = plots.topic_map(X, labels, names)
    drawn = {c.get_gid(): len(c.get_offsets()) for c in fig.axes[0].collections
             if (c.get_gid() or "").startswith("topic-")}
    assert set(drawn) == {f"topic-{k}" for k in names} and drawn["topic-9"] == 1
    assert 300 <= sum(drawn.values()) <= 300 + len(names)
    assert fig.axes[0].get_title() == f"1,200 documents ({sum(drawn.values()):,} drawn), {len(names)} topics"
    # the names carry each topic's size in the whole corpus, not in the sample
    shown = {t.get_text() for t in fig.axes[0].texts}
    assert {f"topic {k} ({int(np.sum(labels == k)):,})" for k in names} <= shown
    again = plots.topic_map(X, labels, names)
    assert np.array_equal(fig.axes[0].collections[0].get_offsets(), again.axes[0].collections[0].get_offsets())


def test_a_product_split_over_threads_equals_the_whole_product_to_the_bit(ag_texts):
    import scipy.sparse as sp

    from toolkit.arrays import RowSplitProduct

    X = sp.vstack([TfidfVectorizer().fit_transform(ag_texts[0])] * 3, format="csr").astype(np.float32)
    W = np.random.default_rng(0).normal(size=(X.shape[1], 7)).astype(np.float32)
    whole = X @ W
    for A, expected in ((X, whole), (X.toarray(), X.toarray() @ W)):
        for workers in (1, 2, 3):
            with RowSplitProduct(A, workers) as product:
                assert len(product.blocks) == workers  # 3,600 rows: up to three blocks of 1,000 or more
                assert np.array_equal(product(W), expected)


def test_a_sentence_in_many_documents_is_boilerplate_not_a_duplicate():
    from toolkit.text.corpus import Corpus, Document
    from toolkit.text.duplicates import find_duplicate_passages

    credit = ["Reporting by the wire service desk today.", "Editing by the night shift team here."]
    docs = [Document(id=f"d{i}", title="", text="", sentences=[f"Story number {i} begins with its own words."]
                     + credit) for i in range(6)]
    assert len(find_duplicate_passages(Corpus(docs), max_documents=6)) == 15  # every pair shares the credit
    assert find_duplicate_passages(Corpus(docs), max_documents=5) == []


def test_npmi_is_counted_on_a_seeded_sample_of_a_large_corpus():
    from toolkit import execute

    config = {"name": "npmi-sample", "seed": 0, "dataset": {"loader": "builtin", "name": "ag_news", "sample": 300},
              "embedding": {"model": "tfidf"}, "cluster": {"n_clusters": 4}, "refine": {"method": "none"},
              "summarize": {"units": []}, "evaluate": {"coherence_sample": 120, "bootstrap": 0}}
    sampled = execute(config, progress=False).metrics["topics"]
    assert sampled["npmi_documents"] == 120
    full = execute(dict(config, evaluate={"bootstrap": 0}), progress=False).metrics["topics"]
    assert full["npmi_documents"] == 300 and sampled["npmi"] != full["npmi"]


def test_window_counts_equal_counting_window_by_window(ag_texts):
    import itertools
    import re

    from toolkit.evaluation.coherence import window_counts
    from toolkit.text.terms import KEYWORD_PATTERN

    texts = ag_texts[0][:150] + ["", "oil", "oil oil oil price oil", "Price of oil. " * 12]
    words = ["oil", "price", "prices", "game", "said", "new", "iraq", "company"]
    index = {w: i for i, w in enumerate(words)}
    for window in (2, 5, 10, 40):
        single, joint, n_windows = np.zeros(len(words)), np.zeros((len(words), len(words))), 0
        for text in texts:  # the definition: every window's set of words, one at a time
            tokens = re.findall(KEYWORD_PATTERN, text.lower())
            for start in range(max(1, len(tokens) - window + 1)):
                present = {index[t] for t in tokens[start:start + window] if t in index}
                n_windows += 1
                for i in present:
                    single[i] += 1
                for i, j in itertools.product(present, present):
                    joint[i, j] += 1
        got = window_counts(texts, index, window)
        assert got[2] == n_windows and np.array_equal(got[0], single) and np.array_equal(got[1], joint)
        assert single[index["oil"]] > 0 and joint[index["oil"], index["price"]] > 0


def test_word_sets_equal_scikit_learns_tokens():
    from toolkit.text.terms import word_sets

    texts = ["The Ministry's report — 2024 — said: café prices rose!", "", "a I x", "Über STRASSE straße 42 42"]
    words, lengths = word_sets(texts, stop_words=True)
    cv = CountVectorizer(binary=True, stop_words="english").fit(texts)
    expected = cv.transform(texts).toarray()
    assert sorted(map(tuple, words.toarray().T.tolist())) == sorted(map(tuple, expected.T.tolist()))
    every = CountVectorizer().fit(texts)
    assert np.array_equal(lengths, np.asarray(every.transform(texts).sum(axis=1)).ravel())


def test_cuda_without_a_gpu_is_a_one_line_error():
    import torch

    from toolkit.embedding.embedders import resolve_device
    from toolkit.errors import ConfigError

    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="embedding.device: 'cuda' was asked for but torch sees no GPU"):
            resolve_device("cuda")


def test_each_chunk_reaches_the_cache_before_the_next_is_encoded(monkeypatch, tmp_path, ag_texts):
    from toolkit.embedding import MiniLMEmbedder
    from toolkit.embedding import embedders as module

    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(module, "CHUNK", 4)
    texts = ag_texts[0][:10]
    embedder = MiniLMEmbedder()
    calls = []

    def flaky(batch):
        calls.append(len(batch))
        if len(calls) == 3:
            raise KeyboardInterrupt  # the user stops the run during the third chunk
        return embedder.encode(batch)

    embedder.encoder = flaky
    with pytest.raises(KeyboardInterrupt):
        embedder.embed_texts(texts)
    assert calls == [4, 4, 2]
    fresh = MiniLMEmbedder()
    vectors = fresh.embed_texts(texts)
    assert fresh.cache_stats()[:2] == (8, 2)  # the two finished chunks were kept
    assert np.allclose(vectors, MiniLMEmbedder(cache=False).embed_texts(texts), atol=1e-6)
