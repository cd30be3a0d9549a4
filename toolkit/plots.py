"""Figures written into a run folder (matplotlib, no display needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp


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


def finish(fig, path: Path | None):
    """Lay out ``fig``; save it to ``path`` and close it (returning the path), or return
    the figure itself for a notebook to show."""
    fig.tight_layout()
    if path is None:
        return fig
    fig.savefig(path)
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


def topic_map(X, labels: np.ndarray | None = None, names: dict[int, str] | None = None, path: Path | None = None,
              titles: list[str] | None = None, random_state: int = 0):
    """Documents on their first two principal components, coloured by topic, names at the centres.

    Parameters
    ----------
    X : RunResult, TopicModel, or array of document embeddings
        A result or a fitted model brings its own labels, topic names and titles.
    labels, names, titles : optional
        With an array: each row's topic, ``{topic id: name}`` (default: the ids) and titles.
    path : Path, optional
        Saved there (returned); otherwise the figure is returned for a notebook.
    """
    parts = _fitted_parts(X)
    if parts is not None:
        X, labels, names, found_titles = parts
        titles = titles if titles is not None else found_titles
    if labels is None:
        raise TypeError("topic_map: give a RunResult, a TopicModel, or embeddings with their labels")
    labels = np.asarray(labels)
    if names is None:
        names = {int(k): str(k) for k in sorted(set(labels.tolist()))}
    xy = project_2d(X, random_state)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 6), dpi=110)
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    small = len(labels) <= 30
    placed: list[tuple[float, float, int]] = []  # name anchors and their offsets, to keep names apart
    span = np.ptp(xy, axis=0) + 1e-12
    for k, topic in enumerate(sorted(names)):
        members = labels == topic
        colour = "lightgrey" if topic < 0 else cmap(k % cmap.N)
        ax.scatter(xy[members, 0], xy[members, 1], s=60 if small else 8, color=colour,
                   alpha=0.9 if small else 0.5, label=f"{names[topic]} ({members.sum()})",
                   edgecolors="none", zorder=3)
        if topic >= 0 and members.any():
            # Few points carry their titles below them, so the name goes above the topmost one;
            # many points: at the centre.
            cx, cy = xy[members].mean(axis=0)
            if small:
                cy = xy[members, 1].max()
            # A name whose anchor is close to one already placed moves down a line, then another.
            offset = 14
            while any(abs(cx - px) < 0.2 * span[0] and abs(cy - py) < 0.08 * span[1] and offset == po
                      for px, py, po in placed):
                offset -= 22
            placed.append((cx, cy, offset))
            ax.annotate(names[topic], (cx, cy), xytext=(0, offset), textcoords="offset points", fontsize=11,
                        weight="bold", ha="center", va="bottom", zorder=4,
                        bbox={"boxstyle": "round", "fc": "white", "ec": colour, "alpha": 0.85})
    if small and titles:
        for (x, y), title in zip(xy, titles):
            ax.annotate(title[:40] + ("…" if len(title) > 40 else ""), (x, y), fontsize=7,
                        xytext=(4, -10), textcoords="offset points", color="dimgray")
    ax.margins(0.3 if small else 0.05)
    ax.set_xlabel("first principal component of the document embeddings")
    ax.set_ylabel("second principal component")
    ax.set_title("Documents by topic")
    ax.legend(loc="best", fontsize=8, title="topic (documents)")
    return finish(fig, path)


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
    ks = [int(k) for k in auto_k["curve"]]
    values = [auto_k["curve"][str(k)] for k in ks]
    fig, ax = pyplot().subplots(figsize=(6, 4), dpi=110)
    ax.plot(ks, values, marker="o")
    chosen = auto_k["chosen"]
    ax.scatter([chosen], [auto_k["curve"][str(chosen)]], s=150, facecolors="none", edgecolors="red",
               linewidths=2, zorder=3, label=f"chosen k = {chosen}")
    label = {"davies_bouldin": "minus Davies-Bouldin index"}.get(auto_k["criterion"],
                                                                  auto_k["criterion"].replace("_", "-"))
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel(f"{label} (higher is better)")
    ax.set_xticks(ks)
    ax.set_title("Choosing the number of clusters")
    ax.legend()
    return finish(fig, path)


def contingency_heatmap(counts, rows: list[str] | None = None, columns: list[str] | None = None,
                        path: Path | None = None):
    """Topics against gold labels: each cell's count, shaded by the share of its topic.

    ``counts``: a RunResult (its ``contingency``), a DataFrame of topics (index) by labels
    (columns), or an array with ``rows`` and ``columns`` given. Saved to ``path`` (returned),
    or the figure is returned for a notebook."""
    if hasattr(counts, "contingency") and not hasattr(counts, "values"):  # RunResult
        if counts.contingency is None:
            raise ValueError("contingency_heatmap: this run has no gold labels")
        counts = counts.contingency
    if hasattr(counts, "index") and hasattr(counts, "columns"):  # DataFrame
        rows, columns, counts = [str(r) for r in counts.index], [str(c) for c in counts.columns], counts.values
    if rows is None or columns is None:
        raise TypeError("contingency_heatmap: give a DataFrame, a RunResult, or counts with rows and columns")
    counts = np.asarray(counts, dtype=float)
    # Topics ordered by the label they hold most of, so a good clustering shows a diagonal.
    order = np.lexsort((-counts.max(axis=1), counts.argmax(axis=1))) if counts.size else np.arange(len(rows))
    counts, rows = counts[order], [rows[i] for i in order]
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = pyplot().subplots(figsize=(1.1 * len(columns) + 3.5, 0.45 * len(rows) + 2), dpi=110)
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", fontsize=8,
                    color="white" if share[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(columns, rotation=30 if max(map(len, columns), default=0) > 8 else 0, ha="right")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[:30] for r in rows])
    ax.set_xlabel("gold label")
    ax.set_ylabel("topic (cluster)")
    ax.set_title("Topics against gold labels (documents)")
    fig.colorbar(image, ax=ax, label="share of the topic's documents")
    return finish(fig, path)


def centrality_plot(summary, path: Path | None = None, ax=None):
    """Every candidate sentence's centrality score, the chosen ones marked with their rank.

    Parameters
    ----------
    summary : Summary
        With ``scores`` (all candidates) and ``sentences`` (the chosen).
    path : Path, optional
        Save the figure here (PNG); otherwise the axes are returned for a notebook.
    ax : matplotlib Axes, optional
    """
    scores = np.asarray(summary.scores, dtype=float)
    own = ax is None
    if own:
        fig, ax = pyplot().subplots(figsize=(max(6, min(12, 0.25 * len(scores) + 3)), 4), dpi=110)
    x = np.arange(len(scores))
    chosen = {s["index"]: s for s in summary.sentences}
    xlabel = ("sentence position in the document" if summary.unit == "document"
              else "sentence of the topic (its documents in corpus order)")
    colours = np.array(["#b0b0b0"] * len(scores), dtype=object)
    colours[list(chosen)] = "tab:red"
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    if len(scores) <= 200:
        ax.bar(x, scores, color=list(colours), width=0.85)
    else:  # thousands of bars hide the chosen ones: points instead, the chosen drawn large
        ax.scatter(x, scores, s=4, color="#b0b0b0", edgecolors="none")
        picked = np.array(sorted(chosen), dtype=int)
        ax.scatter(picked, scores[picked], s=40, color="tab:red", zorder=3)
    if len(chosen) <= 25:
        for i, s in chosen.items():
            ax.annotate(f"#{s['rank']}", (i, scores[i]), xytext=(0, 2), textcoords="offset points",
                        ha="center", fontsize=7, color="tab:red")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("centrality score")
    ax.margins(y=0.12)
    title = summary.name or summary.id
    title = title if len(title) <= 45 else title[:44] + "…"
    ax.set_title(f"{summary.unit} “{title}”: {len(chosen)} of {len(scores)} sentences chosen", fontsize=10)
    ax.legend(handles=[Patch(color="tab:red", label="chosen (#rank)"), Patch(color="#b0b0b0", label="not chosen")],
              fontsize=8, loc="upper right", framealpha=0.9)
    if own:
        fig.tight_layout()
        if path is not None:
            fig.savefig(path)
            pyplot().close(fig)
            return path
    return ax
