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
    summary = make_summarizer(sentences=5, units=["topic"], context="none").summarize(
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


def _outside(fig) -> list[str]:
    """Axes whose drawn parts (tick labels, axis labels, titles) reach past the figure's edge,
    where a saved figure cuts them off."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    return [ax.get_title() or ax.get_xlabel() for ax in fig.axes
            if (box := ax.get_tightbbox(renderer)).x0 < -1 or box.y0 < -1 or box.x1 > width + 1
            or box.y1 > height + 1]


def _thirty_topics():
    from scipy.cluster.hierarchy import linkage

    rng = np.random.default_rng(0)
    ids = list(range(30))
    names = {i: f"a long topic name number {i} / with / words" for i in ids}
    return rng, ids, names, linkage(rng.normal(size=(30, 8)), "average", metric="cosine")


def test_figures_at_thirty_topics_keep_every_label_on_the_page_and_name_topics_by_id():
    from toolkit.experiments.compare_report import plot
    from toolkit.topics.hierarchy import plot_tree

    rng, ids, names, Z = _thirty_topics()
    tree = plot_tree(Z, ids, names, {i: 100 + i for i in ids})
    across = contingency_heatmap(rng.integers(0, 30, size=(20, 29)), [names[i] for i in range(20)],
                                 [f"SECTION NUMBER {j}" for j in range(29)], ids=list(range(20)))
    down = contingency_heatmap(rng.integers(0, 30, size=(8, 4)), [names[i] for i in range(8)],
                               ["World", "Sports", "Business", "Sci/Tech"], ids=list(range(8)))
    single = {"mean": 0.512, "ci95": [0.512, 0.512], "n": 1, "std": None}
    compare = plot([{"group": 1, "settings": "cluster.method=kmeans", "m": single},
                    {"group": 2, "settings": "cluster.method=agglomerative", "m": {**single, "mean": 0.52}}], "m")
    for name, fig in {"tree": tree, "contingency across": across, "contingency down": down,
                      "compare": compare}.items():
        assert not _outside(fig), name
    leaves = [t.get_text() for t in tree.axes[0].get_yticklabels()]
    assert sorted(int(t.split(":")[0]) for t in leaves) == ids  # every leaf starts with its topic's id
    assert sorted(int(t.get_text()) for t in across.axes[0].get_xticklabels()) == list(range(20))
    assert "topic id" in across.axes[0].get_xlabel()
    assert all(t.get_text().split(":")[0].isdigit() for t in down.axes[0].get_yticklabels())


def test_compare_draws_an_interval_only_where_a_group_has_repeats():
    from matplotlib.collections import LineCollection

    from toolkit.experiments.compare_report import plot

    single = {"mean": 0.512, "ci95": [0.512, 0.512], "n": 1, "std": None}
    repeated = {"mean": 0.5, "ci95": [0.49, 0.51], "n": 3, "std": 0.004}
    ones = plot([{"group": 1, "settings": "a", "m": single},
                 {"group": 2, "settings": "b", "m": {**single, "mean": 0.52}}], "m")
    ax = ones.axes[0]
    assert not [c for c in ax.collections if isinstance(c, LineCollection)]  # no error bars at all
    assert "no interval" in ax.get_xlabel() and "t-interval" not in ax.get_xlabel()
    assert sum("(n = 1)" in t.get_text() for t in ax.texts) == 2
    low, high = ax.get_xlim()
    assert 0.008 / (high - low) < 0.5  # a difference of 0.008 between single runs does not fill the axis
    mixed = plot([{"group": 1, "settings": "a", "m": single}, {"group": 2, "settings": "b", "m": repeated}], "m")
    bars = [c for c in mixed.axes[0].collections if isinstance(c, LineCollection)]
    assert len(bars) == 1 and len(bars[0].get_segments()) == 1  # the repeated group's interval only
