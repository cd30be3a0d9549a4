"""Figures written into a run folder (matplotlib, no display needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from toolkit.arrays import seeded_sample
from toolkit.escape import for_figure
from toolkit.palette import topic_colour


def pyplot():
    """``matplotlib.pyplot``, imported on first use (it costs most of a second): with the Agg
    backend outside a notebook, which keeps its inline backend."""
    import matplotlib

    if "ipykernel" not in sys.modules and "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def __getattr__(name: str):
    if name == "plt":  # ``from toolkit.plots import plt``
        return pyplot()
    raise AttributeError(f"module 'toolkit.plots' has no attribute {name!r}")


COLUMN_WIDTH = 3.5  # inches: one column of a two-column paper
PAPER = {  # every figure is drawn at a column's width, so these are the sizes a reader sees
    "font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8,
    "legend.fontsize": 8, "legend.title_fontsize": 8, "figure.dpi": 100, "savefig.dpi": 300,
    "axes.linewidth": 0.6, "lines.linewidth": 1.2, "svg.fonttype": "none",
    # Type 3 fonts, matplotlib's default: 0.2 s a figure. Venues that refuse Type 3 fonts get
    # embedded TrueType with PAPER["pdf.fonttype"] = 42, at 0.9 s a figure.
    "pdf.fonttype": 3,
}
VECTOR_SUFFIX = ".pdf"


def paper_figure(height: float, width: float = COLUMN_WIDTH, **kwargs):
    """A figure and axes at a paper column's width (3.5 in) with the :data:`PAPER` sizes
    (text at 8 pt or more). Figures made inside :func:`paper_style` keep these sizes."""
    return pyplot().subplots(figsize=(width, height), **kwargs)


def paper_style(function):
    """Run a plotting function under the :data:`PAPER` sizes (without changing the caller's)."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with pyplot().rc_context(PAPER):
            return function(*args, **kwargs)

    return wrapper


def finish(fig, path: Path | None):
    """Lay out ``fig``; save it to ``path`` (a PNG at 300 dpi and the same figure as vector
    graphics, ``.pdf``, beside it) and close it, returning the path; or return the figure
    itself for a notebook to show. The PDF carries no creation date, so it is the same bytes
    on every run."""
    fig.tight_layout(pad=0.4)
    return save(fig, path)


def save(fig, path: Path | None):
    """:func:`finish` without the layout step, for a figure already laid out."""
    if path is None:
        return fig
    path = Path(path)
    fig.savefig(path)
    if path.suffix == ".png":
        fig.savefig(path.with_suffix(VECTOR_SUFFIX), metadata={"CreationDate": None, "Producer": None})
    pyplot().close(fig)
    return path


def project_2d(X, random_state: int = 0) -> np.ndarray:
    """Two PCA coordinates per row (truncated SVD for sparse input)."""
    if X.shape[0] < 3:
        dense = X.toarray() if sp.issparse(X) else np.asarray(X)
        out = np.zeros((X.shape[0], 2))
        out[:, : min(2, dense.shape[1])] = dense[:, :2]
        return out
    from sklearn.decomposition import PCA, TruncatedSVD

    if sp.issparse(X):
        return TruncatedSVD(2, random_state=random_state).fit_transform(X)
    return PCA(2, random_state=random_state).fit_transform(np.asarray(X))


def _fitted_parts(source):
    """(embeddings, labels, topic names, titles) of a RunResult or a fitted TopicModel, else None."""
    if hasattr(source, "topics_") and hasattr(source, "embeddings_"):  # TopicModel
        return (source.embeddings_, source.labels_, {t.id: t.name for t in source.topics_},
                [d.title for d in source.documents_])
    if hasattr(source, "topics") and hasattr(source, "embeddings") and hasattr(source, "labels"):  # RunResult
        return (source.embeddings, source.labels, {t.id: t.name for t in source.topics},
                [d.title for d in source.corpus])
    return None


PLOT_POINTS = 20_000  # documents drawn on the map; a larger corpus shows a seeded sample of this many
NAMED_ON_MAP = 8  # topics whose names the map carries; with more, numbers on the map and names below


def short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, made safe for a figure (:func:`toolkit.escape.for_figure`)."""
    text = for_figure(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip().removesuffix("\\") + "…"


@paper_style
def topic_map(X, labels: np.ndarray | None = None, names: dict[int, str] | None = None, path: Path | None = None,
              titles: list[str] | None = None, random_state: int = 0, coords: np.ndarray | None = None):
    """Documents on their first two principal components, coloured by topic, each topic's name
    (and size) placed where it covers no other name and none of the topic's own points, with a
    leader line to the topic's centre when it had to move away.

    Parameters
    ----------
    X : RunResult, TopicModel, or array of document embeddings
        A result or a fitted model brings its own labels, topic names and titles.
    labels, names, titles : optional
        With an array: each row's topic, ``{topic id: name}`` (default: the ids) and titles.
        Titles are written beside the points when there are at most 12 documents.
    path : Path, optional
        Saved there (PNG and PDF, the PNG's path returned); otherwise the figure is returned.
    coords : array (n_documents x 2), optional
        The documents' positions, already projected (:func:`project_2d` of all of them);
        without them the documents drawn are projected here.
    """
    from toolkit.plot_labels import place_labels

    parts = _fitted_parts(X)
    if parts is not None:
        X, labels, names, found_titles = parts
        titles = titles if titles is not None else found_titles
    if labels is None:
        raise TypeError("topic_map: give a RunResult, a TopicModel, or embeddings with their labels")
    labels = np.asarray(labels)
    if names is None:
        names = {int(k): str(k) for k in sorted(set(labels.tolist()))}
    n = len(labels)
    counts = {t: int(np.sum(labels == t)) for t in names}  # of all documents, whatever the map shows
    shown = [t for t in sorted(names, key=lambda t: -counts[t]) if t >= 0 and counts[t]]
    if n > PLOT_POINTS:  # a seeded sample, with a point of every topic, draws the same picture in seconds
        rows = seeded_sample(n, PLOT_POINTS, random_state, np.unique(labels, return_index=True)[1])
        X, labels, titles = X[rows], labels[rows], None
        coords = None if coords is None else np.asarray(coords)[rows]
    xy = project_2d(X, random_state) if coords is None else np.asarray(coords)
    numbered = len(shown) > NAMED_ON_MAP  # many names cannot all sit on a column-wide map: numbers, names below
    if numbered:
        fig, (ax, key) = paper_figure(3.3 + 0.17 * len(shown) + 0.1, nrows=2,
                                      gridspec_kw={"height_ratios": [3.2, 0.17 * len(shown) + 0.1]})
        key.axis("off")
    else:
        fig, ax = paper_figure(3.3)
    size = 28 if n <= 30 else 10 if n <= 1000 else 3
    colors = {}
    for topic in sorted(names):
        members = labels == topic
        colors[topic] = topic_colour(topic)
        ax.scatter(xy[members, 0], xy[members, 1], s=size, color=colors[topic], alpha=0.9 if n <= 1000 else 0.45,
                   edgecolors="none", zorder=3, rasterized=n > 1000, gid=f"topic-{topic}")
    few = n <= 12 and titles
    ax.margins(0.35 if few else 0.12)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("principal component 1 of the document embeddings")
    ax.set_ylabel("principal component 2")
    drawn = f" ({len(labels):,} drawn)" if len(labels) < n else ""
    ax.set_title(f"{n:,} documents{drawn}, {sum(1 for t in names if t >= 0)} topics")
    fig.tight_layout(pad=0.4)
    if few:
        for (x, y), title in zip(xy, titles):
            ax.annotate(short(title, 26), (x, y), xytext=(0, -9), textcoords="offset points", ha="center",
                        color="dimgray", fontsize=8, zorder=4)
    captions = [f"{short(names[t], 24)} ({counts[t]:,})" for t in shown]
    if numbered:
        from matplotlib.patches import Patch

        key.legend(handles=[Patch(color=colors[t]) for t in shown], frameon=False, loc="upper left",
                   labels=[f"{t}  {short(names[t], 40)} ({counts[t]:,})" for t in shown],
                   borderaxespad=0, handlelength=1)
        fig.tight_layout(pad=0.4)
    texts = [ax.text(0, 0, str(t) if numbered else caption, fontsize=8, weight="bold",
                     ha="center", va="center", zorder=5, gid="topic-name",
                     bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": colors[t], "alpha": 0.9})
             for t, caption in zip(shown, captions)]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_screen = ax.transData
    extents = (t.get_bbox_patch().get_window_extent(renderer) for t in texts)  # the box, padding included
    sizes = np.array([[e.width, e.height] for e in extents]).reshape(-1, 2)
    anchors = np.array([to_screen.transform(xy[labels == t].mean(axis=0)) for t in shown]).reshape(-1, 2)
    groups = [to_screen.transform(xy[labels == t]) for t in shown]
    frame = ax.get_window_extent(renderer)
    centers = place_labels(anchors, sizes, groups, np.array([frame.x0, frame.y0, frame.x1, frame.y1]))
    back = to_screen.inverted()
    for text, centre, anchor, topic, (w, h) in zip(texts, centers, anchors, shown, sizes):
        text.set_position(back.transform(centre))
        if abs(centre[0] - anchor[0]) > w / 2 or abs(centre[1] - anchor[1]) > h / 2:
            ax.annotate("", xy=back.transform(anchor), xytext=back.transform(centre), zorder=4,
                        arrowprops={"arrowstyle": "-", "color": colors[topic], "lw": 0.8, "shrinkA": 0,
                                    "shrinkB": 0})
    return save(fig, path)  # laid out already: a new layout would move the names off their places


@paper_style
def auto_k_curve(auto_k, path: Path | None = None):
    """The criterion against k, the chosen k marked; saved to ``path`` or returned as a figure.

    ``auto_k``: the ``auto_k`` record (``metrics["auto_k"]``), a RunResult or a fitted TopicModel
    whose k was chosen automatically."""
    if not isinstance(auto_k, dict):
        record = getattr(auto_k, "auto_k_", None)
        if record is None and hasattr(auto_k, "metrics"):
            record = auto_k.metrics.get("auto_k")
        if record is None:
            raise ValueError("auto_k_curve: this run's number of clusters was not chosen automatically")
        auto_k = record
    if auto_k["criterion"] == "communities":
        return _community_counts(auto_k, path)
    ks = [int(k) for k in auto_k["curve"]]
    values = [auto_k["curve"][str(k)] for k in ks]
    fig, ax = paper_figure(2.5)
    ax.plot(ks, values, marker="o", markersize=3)
    chosen = auto_k["chosen"]
    ax.scatter([chosen], [auto_k["curve"][str(chosen)]], s=70, facecolors="none", edgecolors="red",
               linewidths=1.5, zorder=3, label=f"chosen k = {chosen}")
    label = {"davies_bouldin": "minus Davies-Bouldin index\n(higher is better)",
             "communities": "share of community runs\nfinding k topics"}.get(
        auto_k["criterion"], auto_k["criterion"].replace("_", "-") + "\n(higher is better)")
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel(label)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(10, integer=True))
    ax.set_title("Choosing the number of clusters")
    ax.legend()
    return finish(fig, path)


@paper_style
def _community_counts(auto_k: dict, path: Path | None):
    """Bars: how many of the community runs found each number of topics; the chosen one in red."""
    from matplotlib.ticker import MaxNLocator

    chosen = auto_k["chosen"]
    found = {int(k): v for k, v in auto_k["curve"].items()}
    low, high = min([*found, chosen]) - 2, max([*found, chosen]) + 2
    ks = list(range(max(low, 1), high + 1))
    fig, ax = paper_figure(2.5)
    ax.bar(ks, [found.get(k, 0.0) for k in ks], color=["tab:red" if k == chosen else "tab:blue" for k in ks])
    ax.set_ylim(0, 1.05)
    ax.xaxis.set_major_locator(MaxNLocator(12, integer=True))
    ax.set_xlabel("communities found (topics k)")
    ax.set_ylabel("share of the runs")
    null = auto_k.get("null_modularity")
    against = f" vs {null:.2f} without structure" if null is not None else ""
    ax.set_title(f"k = {chosen}, median of {len(auto_k['counts'])} runs\nmodularity {auto_k['modularity']:.2f}"
                 f"{against}", fontsize=8)
    return finish(fig, path)


@paper_style
def contingency_heatmap(counts, rows: list[str] | None = None, columns: list[str] | None = None,
                        path: Path | None = None, ids: list[int] | None = None):
    """Topics against gold labels: each cell's count, shaded by the share of its topic.

    ``counts``: a RunResult (its ``contingency``), a DataFrame of topics (index) by labels
    (columns), or an array with ``rows`` (topic names) and ``columns`` (labels) given; ``ids``,
    the topics' ids, label them as every table does (``3: name``, or the id alone where names
    do not fit). Saved to ``path`` (returned), or the figure is returned for a notebook."""
    if hasattr(counts, "contingency") and not hasattr(counts, "values"):  # RunResult
        if counts.contingency is None:
            raise ValueError("contingency_heatmap: this run has no gold labels")
        ids = counts.metrics["contingency"].get("ids") if ids is None else ids
        counts = counts.contingency
    if hasattr(counts, "index") and hasattr(counts, "columns"):  # DataFrame
        rows, columns, counts = [str(r) for r in counts.index], [str(c) for c in counts.columns], counts.values
    if rows is None or columns is None:
        raise TypeError("contingency_heatmap: give a DataFrame, a RunResult, or counts with rows and columns")
    rows, columns = [for_figure(r) for r in rows], [for_figure(c) for c in columns]
    numbers = [str(i) for i in ids] if ids is not None and len(ids) == len(rows) else None
    counts = np.asarray(counts, dtype=float)
    # Topics ordered by the label they hold most of, so a good clustering shows a diagonal.
    order = np.lexsort((-counts.max(axis=1), counts.argmax(axis=1))) if counts.size else np.arange(len(rows))
    counts, rows = counts[order], [rows[i] for i in order]
    numbers = [numbers[i] for i in order] if numbers else None
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    topics_across = len(columns) > len(rows)  # the longer list goes down the page, where the figure can grow
    if topics_across:
        counts, share = counts.T, share.T
    fig, ax = paper_figure(min(0.17 * max(len(rows), len(columns)), 9.0) + 1.9)
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    down, across = (columns, rows) if topics_across else (rows, columns)
    if len(across) <= 6 and len(down) <= 20:  # counts fit in the cells; beyond, colours only (the CSV has them)
        for i in range(counts.shape[0]):
            for j in range(counts.shape[1]):
                ax.text(j, i, f"{int(counts[i, j]):,}", ha="center", va="center", fontsize=8,
                        color="white" if share[i, j] > 0.6 else "black")
    topic_ticks, topic_title = _topic_ticks(rows, numbers, 14 if topics_across else 45, 14 if topics_across else 18)
    label_ticks, label_title = _label_ticks(columns, 14 if not topics_across else 45)
    xticks, xlabel, yticks, ylabel = (topic_ticks, topic_title, label_ticks, label_title) if topics_across else \
        (label_ticks, label_title, topic_ticks, topic_title)
    ax.set_xticks(range(len(across)))
    ax.set_xticklabels(xticks, rotation=90 if len(across) > 6 else 45 if len(across) > 3 else 0,
                       ha="center" if len(across) > 6 else "right" if len(across) > 3 else "center")
    ax.set_yticks(range(len(down)))
    ax.set_yticklabels(yticks)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title("Topics against gold labels")
    fig.colorbar(image, ax=ax, label="share of the topic", fraction=0.05, pad=0.03)
    return finish(fig, path)


def _topic_ticks(names: list[str], numbers: list[str] | None, room: int, width: int) -> tuple[list[str], str]:
    """The topics' tick labels: ``id: name`` where there is room, the ids alone where there is
    not (as in the topic table), nothing without ids when the names do not fit."""
    if numbers and len(names) > room:
        return numbers, "topic id (names in the topic table)"
    if len(names) > room:
        return [""] * len(names), f"topic ({len(names)}: names in contingency.csv)"
    if numbers:
        return [short(f"{i}: {n}", width) for i, n in zip(numbers, names)], "topic"
    return [short(n, width) for n in names], "topic (cluster)"


def _label_ticks(labels: list[str], room: int) -> tuple[list[str], str]:
    if len(labels) > room:
        return [""] * len(labels), f"gold label ({len(labels)}: names in contingency.csv)"
    return [short(label, 14 if room <= 14 else 18) for label in labels], "gold label"


SNIPPETS = 8  # chosen sentences listed with their text


@paper_style
def centrality_plot(summary, path: Path | None = None):
    """What a summary chose and why, in two panels at a column's width.

    Top: the chosen sentences in rank order (up to 8), each bar its score, labelled with its
    rank and the start of its text. Bottom: every candidate's score in the unit's order (bars
    up to 60 sentences; a filled profile beyond), the chosen marked in red with their ranks,
    and, for a topic, where each document's sentences begin (up to 80 documents).

    Parameters
    ----------
    summary : Summary
        With ``scores`` (all candidates) and ``sentences`` (the chosen).
    path : Path, optional
        Saved there (PNG and PDF, the PNG's path returned); otherwise the figure is returned.
    """
    scores = np.asarray(summary.scores, dtype=float)
    peak = float(np.abs(scores).max()) if scores.size else 0.0
    scores = scores / peak if peak > 0 else scores  # relative scores: raw ones are often 1e-4 and unreadable
    n = len(scores)
    chosen = sorted(summary.sentences, key=lambda s: s["rank"])
    listed = chosen[:SNIPPETS]
    plt = pyplot()
    fig, (top, bottom) = paper_figure(1.9 + 0.2 * max(len(listed), 1), nrows=2,
                                      gridspec_kw={"height_ratios": [0.2 * max(len(listed), 1) + 0.3, 1.6]})
    title = short(summary.name or summary.id, 30)
    fig.suptitle(f"{summary.unit} “{title}”: {len(chosen):,} of {n:,} chosen", fontsize=9)
    y = np.arange(len(listed))[::-1]
    values = [scores[s["index"]] for s in listed]
    top.barh(y, values, color="#f4a6a6", height=0.8)
    for yi, s in zip(y, listed):
        top.text(0.01, yi, f"#{s['rank']}  {short(s['text'], 38)}", transform=top.get_yaxis_transform(),
                 va="center", ha="left", fontsize=8)
    top.set_yticks([])
    top.set_xlim(min(0.0, min(values, default=0.0)), 1.02)
    top.set_ylim(-0.6, max(len(listed), 1) - 0.4)
    top.set_xlabel("score of the chosen (1 = the highest)", labelpad=1)
    top.spines[["top", "right", "left"]].set_visible(False)
    x = np.arange(n)
    picked = np.array([s["index"] for s in chosen], dtype=int)
    if n <= 60:
        colors = np.full(n, "#b0b0b0", dtype=object)
        colors[picked] = "tab:red"
        bottom.bar(x, scores, color=list(colors), width=0.85)
    else:
        bottom.fill_between(x, scores, step="mid", color="#c8c8c8", linewidth=0, rasterized=n > 2000)
        bottom.scatter(picked, scores[picked], s=12, color="tab:red", zorder=3, edgecolors="none")
    for s in listed[:5]:
        bottom.annotate(f"#{s['rank']}", (s["index"], scores[s["index"]]), xytext=(0, 2), textcoords="offset points",
                        ha="center", fontsize=8, color="tab:red")
    starts = list(getattr(summary, "starts", []) or [])
    if 1 < len(starts) <= 80:
        for start in starts[1:]:
            bottom.axvline(start - 0.5, color="0.35", linewidth=0.4, alpha=0.6, zorder=1)
    if summary.unit == "document":
        xlabel = "sentence position in the document"
    else:
        shown = "; lines: where each starts" if 1 < len(starts) <= 80 else ""
        xlabel = f"topic sentence ({len(starts):,} docs{shown})"
    bottom.set_xlabel(xlabel, labelpad=1)
    bottom.set_ylabel("relative score")
    bottom.set_xlim(-0.6, n - 0.4)
    bottom.margins(y=0.18)
    bottom.spines[["top", "right"]].set_visible(False)
    from matplotlib.ticker import MaxNLocator

    bottom.xaxis.set_major_locator(MaxNLocator(6, integer=True))
    bottom.yaxis.set_major_locator(MaxNLocator(3))
    top.xaxis.set_major_locator(MaxNLocator(5))
    del plt
    return finish(fig, path)
