"""Figures written into a run folder (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.decomposition import PCA, TruncatedSVD  # noqa: E402


def project_2d(X, random_state: int = 0) -> np.ndarray:
    """Two PCA coordinates per row (truncated SVD for sparse input)."""
    if X.shape[0] < 3:
        dense = X.toarray() if sp.issparse(X) else np.asarray(X)
        out = np.zeros((X.shape[0], 2))
        out[:, : min(2, dense.shape[1])] = dense[:, :2]
        return out
    if sp.issparse(X):
        return TruncatedSVD(2, random_state=random_state).fit_transform(X)
    return PCA(2, random_state=random_state).fit_transform(np.asarray(X))


def topic_map(X, labels: np.ndarray, names: dict[int, str], path: Path, titles: list[str] | None = None,
              random_state: int = 0) -> Path:
    """Documents on their first two principal components, coloured by topic, names at the centres."""
    xy = project_2d(X, random_state)
    fig, ax = plt.subplots(figsize=(8, 6), dpi=110)
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    small = len(labels) <= 30
    for k, topic in enumerate(sorted(names)):
        members = labels == topic
        colour = "lightgrey" if topic < 0 else cmap(k % cmap.N)
        ax.scatter(xy[members, 0], xy[members, 1], s=60 if small else 8, color=colour,
                   alpha=0.9 if small else 0.5, label=f"{names[topic]} ({members.sum()})",
                   edgecolors="none", zorder=3)
        if topic >= 0 and members.any():
            cx, cy = xy[members].mean(axis=0)
            ax.annotate(names[topic], (cx, cy), xytext=(0, 14), textcoords="offset points", fontsize=11,
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
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def auto_k_curve(auto_k: dict, path: Path) -> Path:
    """The criterion against k, the chosen k marked."""
    ks = [int(k) for k in auto_k["curve"]]
    values = [auto_k["curve"][str(k)] for k in ks]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
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
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
