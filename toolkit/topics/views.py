"""Interactive views of a fitted topic model, as plotly figures (BERTopic's ``visualize_*`` names):
keyword bar charts, the topic-similarity heatmap, the documents map, the topic tree and topics
over time. They need no network: ``fig.show()`` renders in Jupyter, and ``fig.write_html(path,
include_plotlyjs=True)`` writes one self-contained file. The static matplotlib figures of a run
folder stay the ones for papers.

Every figure colours a topic by its id (:func:`toolkit.palette.topic_colour`), so a topic looks
the same in each, and in the run folder's figures and ``report.html``.
Names and texts come from data, and plotly reads a few HTML tags (and entities) in any text it
draws, so every name, keyword and title is escaped here before plotly sees it.
"""

from __future__ import annotations

import html

import numpy as np

from toolkit.palette import topic_colour


def _safe(text: object, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return html.escape(text if len(text) <= limit else text[: limit - 1] + "…")


def barchart(topics: list, n_words: int = 5, title: str = "Topic keywords", width: int = 250,
             height: int = 250, columns: int = 4):
    """One horizontal bar chart of keyword weights (c-TF-IDF) per topic."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    topics = [t for t in topics if t.keywords]
    rows = max(1, -(-len(topics) // columns))
    fig = make_subplots(rows=rows, cols=min(columns, max(1, len(topics))), horizontal_spacing=0.12,
                        vertical_spacing=0.4 / rows, subplot_titles=[f"{t.id}: {_safe(t.name, 24)}" for t in topics])
    fig.update_annotations(font_size=12)  # subplot titles: a long name must not run into its neighbour's
    for k, topic in enumerate(topics):
        words = topic.keywords[:n_words][::-1]
        fig.add_trace(go.Bar(x=[w for _, w in words], y=[_safe(w, 30) for w, _ in words], orientation="h",
                             marker_color=topic_colour(topic.id), name=str(topic.id), showlegend=False),
                      row=k // columns + 1, col=k % columns + 1)
    fig.update_layout(title=title, template="plotly_white", width=width * min(columns, max(1, len(topics))),
                      height=height * rows, margin={"l": 10, "r": 10, "t": 80, "b": 10})
    return fig


def heatmap(ids: list[int], names: dict[int, str], similarity: np.ndarray, title: str = "Topic similarity",
            width: int = 800, height: int = 800):
    """The cosine similarity between topics, one row and column per topic (id: name)."""
    import plotly.graph_objects as go

    labels = [f"{c}: {_safe(names.get(c, c), 30)}" for c in ids]
    fig = go.Figure(go.Heatmap(z=np.round(similarity, 3), x=labels, y=labels, colorscale="Blues",
                               zmin=float(np.min(similarity)), zmax=1.0,
                               hovertemplate="%{y}<br>%{x}<br>cosine %{z}<extra></extra>"))
    fig.update_layout(title=title, template="plotly_white", width=width, height=height,
                      yaxis={"autorange": "reversed"}, xaxis={"tickangle": -45})
    return fig


def documents_map(coords: np.ndarray, labels: np.ndarray, names: dict[int, str], hover: list[str],
                  title: str = "Documents and topics", width: int = 1200, height: int = 750):
    """Each document as a point at its 2-D position, coloured by topic, its title on hover."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for c in sorted(set(np.asarray(labels).tolist()), key=lambda c: (c < 0, c)):
        rows = np.flatnonzero(labels == c)
        fig.add_trace(go.Scattergl(x=coords[rows, 0], y=coords[rows, 1], mode="markers",
                                   name=f"{c}: {_safe(names.get(c, c), 40)}" if c >= 0 else "outliers",
                                   marker={"color": topic_colour(c), "size": 5, "opacity": 0.7},
                                   text=[_safe(hover[i]) for i in rows], hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(title=title, template="plotly_white", width=width, height=height,
                      xaxis={"visible": False}, yaxis={"visible": False})
    return fig


def hierarchy(Z: np.ndarray, ids: list[int], names: dict[int, str], title: str = "Topic tree",
              width: int = 1000, height: int | None = None):
    """The topic tree as a dendrogram drawn left to right, one leaf per topic."""
    import plotly.graph_objects as go
    from scipy.cluster.hierarchy import dendrogram

    height = height or max(300, 28 * len(ids) + 120)
    fig = go.Figure()
    if len(Z) == 0:
        fig.update_layout(title=f"{title}: one topic, no tree", width=width, height=300)
        return fig
    tree = dendrogram(Z, no_plot=True, labels=[str(c) for c in ids])
    for xs, ys in zip(tree["icoord"], tree["dcoord"]):
        fig.add_trace(go.Scatter(x=ys, y=xs, mode="lines", line={"color": "#555", "width": 1.2},
                                 hoverinfo="skip", showlegend=False))
    leaves = [int(c) for c in tree["ivl"]]
    positions = [5 + 10 * i for i in range(len(leaves))]
    fig.add_trace(go.Scatter(x=[0] * len(leaves), y=positions, mode="markers", showlegend=False,
                             marker={"color": [topic_colour(c) for c in leaves], "size": 9},
                             text=[f"{c}: {_safe(names.get(c, c))}" for c in leaves],
                             hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(title=title, template="plotly_white", width=width, height=height,
                      xaxis={"title": "cosine distance (average linkage)", "autorange": "reversed"},
                      yaxis={"tickvals": positions, "ticktext": [f"{c}: {_safe(names.get(c, c), 30)}" for c in leaves],
                             "side": "right"})
    return fig


def over_time(table, top_n_topics: int | None = 10, topics: list[int] | None = None, normalize: bool = False,
              title: str = "Topics over time", width: int = 1250, height: int = 450):
    """Each topic's documents per time bin (``share`` of the bin's documents with ``normalize``),
    from :func:`toolkit.topics.over_time.topics_over_time`; its keywords in that bin on hover."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if table is None or len(table) == 0:
        fig.update_layout(title=f"{title}: no dated documents", width=width, height=height)
        return fig
    table = table[table["topic_id"] >= 0]
    if topics is not None:
        chosen = list(topics)
    else:
        sizes = table.groupby("topic_id")["count"].sum().sort_values(ascending=False, kind="stable")
        chosen = sorted(sizes.index[: top_n_topics or len(sizes)].tolist())
    value = "share" if normalize else "count"
    for c in chosen:
        part = table[table["topic_id"] == c]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(x=part["bin"], y=part[value], mode="lines+markers",
                                 name=f"{c}: {_safe(part['topic'].iloc[0], 40)}",
                                 line={"color": topic_colour(int(c))},
                                 text=[_safe(k) for k in part["keywords"]],
                                 hovertemplate="%{x}: %{y}<br>%{text}<extra></extra>"))
    fig.update_layout(title=title, template="plotly_white", width=width, height=height,
                      yaxis={"title": "share of the bin's documents" if normalize else "documents"})
    return fig


class TopicViews:
    """BERTopic's ``visualize_*`` methods and ``topics_over_time`` on a fitted model."""

    def _names(self) -> dict[int, str]:
        return {t.id: t.name for t in self.topics_}

    def _shown(self, topics, top_n_topics):
        chosen = [t for t in self.topics_ if t.id >= 0]
        if topics is not None:
            wanted = set(topics)
            chosen = [t for t in chosen if t.id in wanted]
        elif top_n_topics is not None:
            chosen = sorted(chosen, key=lambda t: (-t.size, t.id))[:top_n_topics]
        return sorted(chosen, key=lambda t: t.id)

    def visualize_barchart(self, topics: list[int] | None = None, top_n_topics: int = 8, n_words: int = 5,
                           custom_labels: bool = False, title: str = "Topic keywords", width: int = 250,
                           height: int = 250, autoscale: bool = False):
        """Keyword weights of the ``top_n_topics`` largest topics (or of ``topics``), a bar chart each."""
        self._check_fitted()
        return barchart(self._shown(topics, top_n_topics), n_words, title, width, height)

    def visualize_heatmap(self, topics: list[int] | None = None, top_n_topics: int | None = None,
                          n_clusters: int | None = None, use_ctfidf: bool = False, custom_labels: bool = False,
                          title: str = "Topic similarity", width: int = 800, height: int = 800):
        """Cosine similarity between topic centroids (c-TF-IDF rows with ``use_ctfidf``)."""
        self._check_fitted()
        ids = [t.id for t in self._shown(topics, top_n_topics)]
        vectors = self._topic_vectors(ids, "ctfidf" if use_ctfidf else "centroid")
        return heatmap(ids, self._names(), vectors @ vectors.T, title, width, height)

    def visualize_documents(self, docs=None, topics: list[int] | None = None, embeddings=None,
                            reduced_embeddings=None, sample: float | None = None, hide_annotations: bool = False,
                            hide_document_hover: bool = False, custom_labels: bool = False,
                            title: str = "Documents and topics", width: int = 1200, height: int = 750):
        """The training documents on two PCA axes of their embeddings (or ``reduced_embeddings``,
        two columns), coloured by topic; ``sample`` keeps that share of them (seeded)."""
        from toolkit.plots import project_2d

        self._check_fitted()
        coords = np.asarray(reduced_embeddings)[:, :2] if reduced_embeddings is not None \
            else project_2d(self.embeddings_, 0)
        rows = np.arange(len(self.labels_))
        if topics is not None:
            rows = rows[np.isin(self.labels_, list(topics))]
        if sample is not None and 0 < sample < 1:
            keep = np.random.default_rng(0).random(len(rows)) < sample
            rows = rows[keep]
        hover = [] if hide_document_hover else [d.title or d.full_text for d in self.documents_]
        hover = [hover[i] for i in rows] if hover else [""] * len(rows)
        return documents_map(coords[rows], self.labels_[rows], self._names(), hover, title, width, height)

    def visualize_hierarchy(self, orientation: str = "left", topics: list[int] | None = None,
                            top_n_topics: int | None = None, use_ctfidf: bool = False, custom_labels: bool = False,
                            title: str = "Topic tree", width: int = 1000, height: int | None = None):
        """The topic tree (:meth:`topic_tree`) as an interactive dendrogram."""
        self._check_fitted()
        from toolkit.topics.hierarchy import topic_linkage

        ids = [t.id for t in self._shown(topics, top_n_topics)]
        vectors = self._topic_vectors(ids, "ctfidf" if use_ctfidf else "centroid")
        return hierarchy(topic_linkage(vectors), ids, self._names(), title, width, height)

    def topics_over_time(self, docs=None, timestamps=None, topics=None, nr_bins: int | None = None,
                         bin: str = "auto", keywords: int = 5):
        """Each topic's count, share and keywords per time bin (``bin``: ``auto``, ``day``,
        ``week``, ``month``, ``quarter`` or ``year``), from the training documents' dates or
        ``timestamps`` (ISO dates, one per document). See
        :func:`toolkit.topics.over_time.topics_over_time`."""
        from toolkit.errors import DataError
        from toolkit.topics.over_time import BINS, topics_over_time

        self._check_fitted()
        if bin != "auto" and bin not in BINS:
            raise DataError(f"topics_over_time: bin must be auto or one of {', '.join(BINS)}, got {bin!r}")
        dates = [d.date for d in self.documents_] if timestamps is None else [str(t) for t in timestamps]
        if len(dates) != len(self.documents_):
            raise DataError(f"topics_over_time: {len(dates)} timestamps for {len(self.documents_)} documents")
        labels = self.labels_ if topics is None else np.asarray(topics)
        return topics_over_time(dates, labels, [d.full_text for d in self.documents_], self._names(), bin,
                                keywords, self.describer_.vocabulary())

    def visualize_topics_over_time(self, topics_over_time=None, top_n_topics: int | None = 10,
                                   topics: list[int] | None = None, normalize_frequency: bool = False,
                                   custom_labels: bool = False, title: str = "Topics over time",
                                   width: int = 1250, height: int = 450):
        """Topics over time as lines, one per topic (the table of :meth:`topics_over_time`;
        computed from the training documents' dates when not given)."""
        self._check_fitted()
        table = self.topics_over_time() if topics_over_time is None else topics_over_time
        return over_time(table, top_n_topics, topics, normalize_frequency, title, width, height)


__all__ = ["TopicViews", "barchart", "documents_map", "heatmap", "hierarchy", "over_time"]
