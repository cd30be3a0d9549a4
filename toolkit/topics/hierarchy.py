"""The topic tree: topics merged step by step by similarity, and reduction to N topics.

Topics are joined by average linkage on cosine distance between their vectors, either
``centroid`` (the mean embedding of the topic's documents: what the documents mean) or
``ctfidf`` (the topic's class-based TF-IDF row: which words it uses). Average linkage keeps a
merged topic's distance to another the mean of its parts', so one odd topic cannot pull two
unrelated groups together (single linkage would chain them). ``reduce_to: N`` cuts the tree
into N groups, as BERTopic's ``nr_topics`` does to tame HDBSCAN's many small topics.
"""

from __future__ import annotations

import numpy as np

from toolkit.arrays import to_dense, unit_rows
from toolkit.escape import for_figure
from toolkit.plots import finish, paper_figure, paper_style

MERGE_BASES = ("centroid", "ctfidf")


def topic_vectors(X, labels: np.ndarray, ids: list[int], by: str = "centroid", texts: list[str] | None = None,
                  vocabulary=None) -> np.ndarray:
    """One unit-length row per topic of ``ids``: its documents' mean embedding (``centroid``)
    or its class-based TF-IDF row (``ctfidf``, from ``texts``)."""
    labels = np.asarray(labels)
    if by == "ctfidf":
        from toolkit.topics.ctfidf import class_tfidf

        keep = np.isin(labels, ids)
        weights, _ = class_tfidf([t for t, k in zip(texts, keep) if k], labels[keep], ids, vocabulary)
        return unit_rows(weights) if weights.shape[1] else np.eye(len(ids))
    rows = [np.asarray(X[np.flatnonzero(labels == c)].mean(axis=0)).ravel() for c in ids]
    return unit_rows(to_dense(np.vstack(rows)))


def topic_linkage(vectors: np.ndarray) -> np.ndarray:
    """SciPy linkage matrix (average linkage, cosine distance) of the topic rows; (0, 4) for
    fewer than two topics."""
    from scipy.cluster.hierarchy import linkage

    if len(vectors) < 2:
        return np.zeros((0, 4))
    distances = np.clip(1.0 - vectors @ vectors.T, 0.0, 2.0)
    condensed = distances[np.triu_indices(len(vectors), k=1)]
    return linkage(condensed, method="average")


def cut_tree(Z: np.ndarray, ids: list[int], n: int) -> dict[int, int]:
    """Each topic of ``ids`` -> its group when the tree is cut into ``n`` groups (numbered in
    the order their first topic appears in ``ids``)."""
    if len(ids) <= n:
        return {c: i for i, c in enumerate(ids)}
    # replay the merges: the first len(ids) - n of them leave exactly n groups
    parent = list(range(len(ids)))
    members = {i: [i] for i in range(len(ids))}
    for step, (a, b, _, _) in enumerate(Z[: len(ids) - n]):
        new = len(ids) + step
        members[new] = members.pop(int(a)) + members.pop(int(b))
        for leaf in members[new]:
            parent[leaf] = new
    order = sorted(members, key=lambda g: min(members[g]))
    group = {g: k for k, g in enumerate(order)}
    return {c: group[parent[i]] for i, c in enumerate(ids)}


def merges_table(Z: np.ndarray, ids: list[int], names: dict[int, str]):
    """The merges of the tree, in order: step, left, right (a topic's name, or ``(merge k)``),
    distance (cosine, average linkage), topics (how many topics the merged group holds)."""
    import pandas as pd

    label = {i: names.get(c, str(c)) for i, c in enumerate(ids)}
    rows = []
    for step, (a, b, distance, size) in enumerate(Z, start=1):
        rows.append({"step": step, "left": label[int(a)], "right": label[int(b)],
                     "distance": round(float(distance), 6), "topics": int(size)})
        label[len(ids) + step - 1] = f"(merge {step})"
    return pd.DataFrame(rows, columns=["step", "left", "right", "distance", "topics"])


def _leaf(name: str) -> str:
    return name if len(name) <= 24 else name[:23] + "…"


@paper_style
def plot_tree(Z: np.ndarray, ids: list[int], names: dict[int, str], sizes: dict[int, int] | None = None,
              path=None, by: str = "centroid"):
    """The topic tree as a dendrogram, one leaf per topic labelled with its name (and size), at a
    paper column's width. Saved to ``path`` (PNG and PDF), or the figure is returned for a notebook."""
    from scipy.cluster.hierarchy import dendrogram

    fig, ax = paper_figure(0.17 * len(ids) + 1.2)
    if len(Z) == 0:
        ax.text(0.5, 0.5, "one topic: no tree", ha="center", va="center", transform=ax.transAxes)
        return finish(fig, path)
    sizes = sizes or {}
    labels = [f"{c}: " + for_figure(_leaf(str(names.get(c, c)))) + (f" ({sizes[c]:,})" if c in sizes else "")
              for c in ids]
    dendrogram(Z, labels=labels, orientation="left", ax=ax, color_threshold=0, above_threshold_color="tab:blue",
               leaf_font_size=8)
    # Left-aligned: the leaf labels take most of the width, and a centred label would run off the page.
    ax.set_xlabel(f"cosine distance of topic {'centroids' if by == 'centroid' else 'c-TF-IDF rows'}\n"
                  "(average linkage)", loc="left")
    ax.set_title("Topic tree")
    ax.grid(axis="x", alpha=0.3)
    return finish(fig, path)


__all__ = ["MERGE_BASES", "cut_tree", "merges_table", "plot_tree", "topic_linkage", "topic_vectors"]
