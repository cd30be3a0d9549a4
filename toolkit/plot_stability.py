"""The stability figure: how each topic reappears in the other runs of its configuration."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from toolkit.plots import paper_figure, paper_style, save, short


@paper_style
def stability_heatmap(result, path: Path | None = None):
    """Topics (rows, most stable first) by runs (columns): the Jaccard overlap of each topic's
    documents with its matched topic in that run; the mean is printed beside each row.

    ``result``: a :class:`~toolkit.topics.stability.StabilityResult`. Saved to ``path`` (a PNG
    and a PDF beside it, returned) or returned as a figure for a notebook."""
    rows = sorted(result.topics, key=lambda t: (-t["stability"], t["topic_id"]))
    if not rows:
        raise ValueError("stability_heatmap: no topics to show")
    values = np.array([t["jaccards"] for t in rows])
    n, runs = values.shape
    fig, ax = paper_figure(min(0.19 * n, 11.0) + 1.6, width=max(3.5, 1.6 + 0.32 * runs), layout="constrained")
    image = ax.imshow(values, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    if n <= 40 and runs <= 12:  # the numbers fit in the cells
        for i in range(n):
            for j in range(runs):
                ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=6,
                        color="black" if values[i, j] > 0.6 else "white")
    ax.set_xticks(range(runs))
    ax.set_xticklabels([str(s) for s in result.seeds[1:]], fontsize=7)
    ax.set_xlabel("run (seed" + (f", fitted on {result.resample:.0%} of the documents)" if result.resample else ")"))
    ax.set_yticks(range(n))
    ax.set_yticklabels([f"{short(t['name'], 24)}  {t['stability']:.2f}" for t in rows] if n <= 60 else [],
                       fontsize=7 if n <= 30 else 6)
    ax.set_ylabel(f"topic of seed {result.seeds[0]}, mean overlap" if n <= 60 else f"{n} topics (see the table)")
    # below the runs, so a tall figure of many topics keeps its width for the names
    bar = fig.colorbar(image, ax=ax, location="bottom", shrink=0.8, aspect=25)
    bar.set_label("Jaccard overlap with its match", fontsize=7)
    bar.ax.tick_params(labelsize=6)
    ari = result.agreement.get("ari", {})
    ax.set_title(f"Topics across {runs + 1} runs: ARI {ari.get('mean', float('nan')):.2f}", fontsize=8)
    return save(fig, path)


@paper_style
def k_stability_plot(curve: list[dict], resample: float | None = None, path: Path | None = None):
    """Mean pairwise ARI between runs against the number of topics, the range of the pairs as a band."""
    from matplotlib.ticker import MaxNLocator

    ks = [c["k"] for c in curve]
    fig, ax = paper_figure(2.5)
    ax.fill_between(ks, [c["ari_min"] for c in curve], [c["ari_max"] for c in curve], alpha=0.25,
                    label="lowest to highest pair")
    ax.plot(ks, [c["ari"] for c in curve], marker="o", markersize=3, label="mean")
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_locator(MaxNLocator(12, integer=True))
    ax.set_xlabel("number of topics k")
    ax.set_ylabel("ARI between runs")
    how = f"refits on {resample:.0%} of the documents" if resample else "refits at other seeds"
    ax.set_title(f"How much the topics move at each k\n({how})", fontsize=8)
    ax.legend(fontsize=7)
    fig.tight_layout(pad=0.4)
    return save(fig, path)
