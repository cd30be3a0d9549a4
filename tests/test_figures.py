"""Figures for a paper: a column's width with text of 8 pt or more, topic names that cover no
other name and none of their own points, and vector graphics beside every PNG."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.plots import COLUMN_WIDTH, centrality_plot, contingency_heatmap, topic_map
from toolkit.text import LOADERS


def _name_boxes(fig):
    ax = fig.axes[0]
    fig.canvas.draw()  # a text's box follows it only when drawn
    renderer = fig.canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_gid() == "topic-name"]
    return ax, texts, [t.get_bbox_patch().get_window_extent(renderer) for t in texts]


def _check_names(fig, xy_by_name: dict[str, np.ndarray]):
    """No two name boxes overlap; no name box covers a point of its own topic."""
    ax, texts, boxes = _name_boxes(fig)
    assert len(texts) == len(xy_by_name)
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())
    for text, box in zip(texts, boxes):
        name = text.get_text().rsplit(" (", 1)[0]
        points = ax.transData.transform(xy_by_name[name])
        inside = (points[:, 0] >= box.x0) & (points[:, 0] <= box.x1) & (points[:, 1] >= box.y0) & \
            (points[:, 1] <= box.y1)
        assert not inside.any(), f"{name} covers {int(inside.sum())} of its own points"


def _by_name(fig, labels, names):
    """Each topic's points in data coordinates, read back from the scatter the map drew."""
    ax = fig.axes[0]
    out = {}
    for collection in ax.collections:
        gid = collection.get_gid() or ""
        if gid.startswith("topic-") and int(gid[6:]) >= 0:
            out[names[int(gid[6:])]] = collection.get_offsets().data
    return out


def _gold_map(corpus, X):
    labels_text = sorted({d.label for d in corpus})
    labels = np.array([labels_text.index(d.label) for d in corpus])
    names = dict(enumerate(labels_text))
    return topic_map(X, labels, names, titles=[d.title for d in corpus]), labels, names


def test_topic_names_cover_nothing_on_the_news_page(skynews_result):
    fig = topic_map(skynews_result)
    names = {t.id: t.name for t in skynews_result.topics}
    _check_names(fig, _by_name(fig, skynews_result.labels, names))


def test_topic_names_cover_nothing_on_the_bbc_map():
    from toolkit.embedding import MiniLMEmbedder

    corpus = LOADERS.get("builtin")(name="bbc_dev").load()
    fig, labels, names = _gold_map(corpus, MiniLMEmbedder().embed_texts([d.text for d in corpus]))
    _check_names(fig, _by_name(fig, labels, names))


def test_topic_names_cover_nothing_on_the_ag_news_map():
    """All 7,600 AG News items (TF-IDF vectors: the placement only sees the points), four topics
    whose centres nearly coincide: the case where "Business" used to cover "Sci/Tech"."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    corpus = LOADERS.get("builtin")(name="ag_news").load()
    X = TfidfVectorizer(stop_words="english", min_df=2).fit_transform([d.text for d in corpus])
    fig, labels, names = _gold_map(corpus, X)
    _check_names(fig, _by_name(fig, labels, names))


def _small_fonts(fig) -> list[tuple[str, float]]:
    """Visible texts smaller than 8 pt once the figure is scaled to a column's width."""
    from matplotlib.text import Text

    scale = COLUMN_WIDTH / fig.get_size_inches()[0]
    fig.canvas.draw()
    return [(t.get_text(), t.get_fontsize() * scale) for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and t.get_fontsize() * scale < 8 - 1e-9]


def test_every_figure_reads_at_8_points_in_one_column(skynews_result, tmp_path):
    from toolkit.experiments.compare_report import plot
    from toolkit.plots import auto_k_curve
    from toolkit.topics.hierarchy import plot_tree, topic_linkage, topic_vectors

    topics = skynews_result.topics
    summary = next(s for s in skynews_result.summaries if s.unit == "topic")
    Z = topic_linkage(topic_vectors(skynews_result.embeddings, skynews_result.labels, [t.id for t in topics]))
    stat = {"mean": 0.5, "ci95": [0.4, 0.6], "n": 3, "std": 0.1}
    figures = {
        "topic map": topic_map(skynews_result),
        "centrality": centrality_plot(summary),
        "contingency": contingency_heatmap(np.array([[3, 1], [0, 4]]), ["war", "elections"], ["World", "Politics"]),
        "auto k": auto_k_curve({"curve": {"2": 0.1, "3": 0.3, "4": 0.2}, "chosen": 3, "criterion": "silhouette"}),
        "tree": plot_tree(Z, [t.id for t in topics], {t.id: t.name for t in topics}),
        "compare": plot([{"group": 1, "settings": "cluster.method=kmeans", "m": stat},
                         {"group": 2, "settings": "cluster.method=agglomerative", "m": stat}], "m"),
    }
    for name, fig in figures.items():
        assert fig.get_size_inches()[0] == pytest.approx(COLUMN_WIDTH), name
        assert not _small_fonts(fig), (name, _small_fonts(fig))


def test_centrality_of_a_large_topic_shows_ranks_snippets_and_document_starts():
    from toolkit.summarization import SentenceTfidf, make_summarizer, topic_candidates
    from toolkit.text import SPLITTERS

    corpus = SPLITTERS.get("blingfire")().transform(LOADERS.get("builtin")(name="bbc_dev").load())
    docs = [d for d in corpus if d.label == "sport"]
    cands = topic_candidates(docs)
    summary = make_summarizer(sentences=5, units=["topic"]).summarize(
        cands, SentenceTfidf.for_corpus(corpus)([c.text for c in cands]), "topic", "0", "sport")
    assert len(cands) > 100 and summary.starts[0] == 0
    assert len(summary.starts) == len({c.document for c in cands}) > 10
    fig = centrality_plot(summary)
    top, bottom = fig.axes
    snippets = [t.get_text() for t in top.texts]
    assert [s.split()[0] for s in snippets] == ["#1", "#2", "#3", "#4", "#5"]
    ranked = sorted(summary.sentences, key=lambda s: s["rank"])
    for snippet, sentence in zip(snippets, ranked):
        assert sentence["text"].startswith(snippet.split("  ", 1)[1].rstrip("…").rstrip())
    assert len(bottom.lines) == len(summary.starts) - 1  # a line where each document but the first begins
    assert not _small_fonts(fig)
