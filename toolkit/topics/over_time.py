"""Topics over time: each topic's count, share and keywords per time bin.

As BERTopic's ``topics_over_time``, a topic's keywords in a bin are class-based TF-IDF over
that bin's documents only, so they show what the topic was about then; counts and shares
come from the documents' hard topics. Documents without a date are left out.
"""

from __future__ import annotations

import numpy as np

from toolkit.palette import topic_colour
from toolkit.params import Component, Int, Options
from toolkit.plots import finish, paper_figure, paper_style, short
from toolkit.topics.ctfidf import class_tfidf

# pandas period codes of each bin
BINS = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
# ``auto``: the finest bin that gives at most this many bins over the corpus's span
MAX_AUTO_BINS = 60


class OverTime(Component):
    """Settings of the topics-over-time table and plot (a run does this when its documents have dates).

    Parameters
    ----------
    bin : {"auto", "day", "week", "month", "quarter", "year"}
        Time bin. ``auto``: the finest that gives at most 60 bins over the corpus's span.
    keywords : int
        Keywords per topic per bin.
    top : int
        Topics drawn in the plot, the largest first; the others are drawn as one "other" line.
    """

    _parameter_constraints = {"bin": [Options("auto", *BINS)], "keywords": [Int(1)], "top": [Int(1)]}

    def __init__(self, bin: str = "auto", *, keywords: int = 5, top: int = 8) -> None:
        self.bin = bin
        self.keywords = keywords
        self.top = top


def choose_bin(dates) -> str:
    """The finest bin giving at most ``MAX_AUTO_BINS`` bins over the span of ``dates``."""
    import pandas as pd

    stamps = pd.to_datetime(pd.Series(dates).dropna())
    if stamps.empty:
        return "month"
    for name, code in BINS.items():
        periods = stamps.dt.to_period(code)
        if (periods.max() - periods.min()).n + 1 <= MAX_AUTO_BINS:
            return name
    return "year"


def topics_over_time(dates: list[str | None], labels: np.ndarray, texts: list[str], names: dict[int, str],
                     bin: str = "auto", keywords: int = 5, vocabulary=None):
    """Each topic's count, share of the bin's documents and keywords, per time bin.

    Parameters
    ----------
    dates : list of str or None
        Each document's ISO date (None: left out).
    labels : ndarray of int
        Each document's topic.
    texts : list of str
        Each document's text (for the keywords).
    names : dict
        Topic id -> name.
    bin : str
        ``auto`` or one of ``BINS``.
    keywords : int
        Keywords per topic per bin.
    vocabulary : KeywordVocabulary or None
        The words keywords are made of (the describer's :meth:`~TopicDescriber.vocabulary`).

    Returns
    -------
    DataFrame
        Columns bin (the bin's first day, ``YYYY-MM-DD``), bin_size (documents in the bin),
        topic_id, topic, count, share, keywords; one row per topic present in a bin, in time
        order then topic id. ``attrs["bin"]`` holds the bin used.
    """
    import pandas as pd

    columns = ["bin", "bin_size", "topic_id", "topic", "count", "share", "keywords"]
    frame = pd.DataFrame({"date": dates, "topic_id": np.asarray(labels, dtype=int), "text": texts})
    frame = frame[frame["date"].notna()]
    if frame.empty:
        out = pd.DataFrame(columns=columns)
        out.attrs["bin"] = None
        return out
    chosen = choose_bin(frame["date"]) if bin == "auto" else bin
    frame["bin"] = pd.to_datetime(frame["date"]).dt.to_period(BINS[chosen]).dt.start_time.dt.strftime("%Y-%m-%d")
    rows = []
    for start, part in frame.groupby("bin", sort=True):
        ids = sorted(set(part["topic_id"].tolist()), key=lambda c: (c < 0, c))
        weights, terms = class_tfidf(part["text"].tolist(), part["topic_id"].to_numpy(), ids, vocabulary)
        counts = part["topic_id"].value_counts()
        for row, topic in enumerate(ids):
            order = [j for j in np.argsort(-weights[row], kind="stable")[:keywords] if weights[row, j] > 0] \
                if weights.shape[1] else []
            rows.append({"bin": start, "bin_size": len(part), "topic_id": int(topic),
                         "topic": names.get(int(topic), str(topic)), "count": int(counts[topic]),
                         "share": round(float(counts[topic]) / len(part), 6),
                         "keywords": ", ".join(str(terms[j]) for j in order)})
    out = pd.DataFrame(rows, columns=columns)
    out.attrs["bin"] = chosen
    return out


@paper_style
def plot_over_time(table, top: int = 8, path=None):
    """Each topic's share of the documents per bin, the ``top`` largest topics as labelled
    lines and the rest summed as one grey "other" line. Saved to ``path`` (returned), or the
    figure is returned for a notebook."""
    import pandas as pd

    entries = min(top, table["topic_id"].nunique()) + 1 if not table.empty else 1
    fig, (ax, key) = paper_figure(2.5 + 0.16 * entries, nrows=2,
                                  gridspec_kw={"height_ratios": [2.4, 0.16 * entries + 0.05]})
    key.axis("off")
    if table.empty:
        ax.text(0.5, 0.5, "no dated documents", ha="center", va="center", transform=ax.transAxes)
        return finish(fig, path)
    totals = table.groupby("topic_id")["count"].sum().sort_values(ascending=False, kind="stable")
    shown = [t for t in totals.index if t >= 0][:top]
    shares = table.pivot_table(index="bin", columns="topic_id", values="share", aggfunc="sum", fill_value=0.0)
    shares.index = pd.to_datetime(shares.index)
    names = dict(zip(table["topic_id"], table["topic"]))
    handles = []
    for topic in shown:
        series = shares[topic]
        handles += ax.plot(series.index, series.values, color=topic_colour(int(topic)), linewidth=1.6, marker="o",
                           markersize=2, label=f"{topic}  {short(str(names[topic]), 30)} ({int(totals[topic]):,})")
    rest = [t for t in shares.columns if t not in shown]
    if rest:  # on its own axis: the sum of many topics would flatten the lines of the large ones
        other = ax.twinx()
        handles += other.plot(shares.index, shares[rest].sum(axis=1).values, color="0.55", linewidth=1.2,
                              linestyle="--",
                              label=f"other {len(rest)} topics ({int(totals[rest].sum()):,}), right axis")
        other.set_ylabel("share, other topics", color="0.4")
        other.set_ylim(0, 1)
        other.tick_params(axis="y", colors="0.4")
    ax.set_ylabel("share of documents")
    ax.set_xlabel(f"{table.attrs.get('bin') or 'bin'} (documents per bin: "
                  f"{int(table.groupby('bin')['bin_size'].first().min())}-"
                  f"{int(table.groupby('bin')['bin_size'].first().max())})")
    from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
    from matplotlib.ticker import FixedLocator, MaxNLocator

    if len(shares.index) > 1:
        ax.xaxis.set_major_locator(AutoDateLocator(maxticks=6))
    else:  # one bin: a date locator has no range to choose ticks from
        ax.xaxis.set_major_locator(FixedLocator([date2num(shares.index[0])]))
        ax.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.set_title("Topics over time")
    ax.set_ylim(0, None)
    ax.grid(alpha=0.3)
    key.legend(handles=handles, loc="upper left", frameon=False, borderaxespad=0)
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
    return finish(fig, path)


__all__ = ["BINS", "OverTime", "choose_bin", "plot_over_time", "topics_over_time"]
