"""``toolkit update``: feed a saved topic model new documents in batches
(:meth:`~toolkit.topics.model.TopicModel.partial_fit`) and write what changed.

The update folder holds the updated model (``model/``), ``update.md`` (the batches, the new
topics, the topics whose keywords moved), ``topics.csv`` (every topic with ``first_seen`` and
``last_seen``), ``batches.csv``, ``new_topics.csv`` and ``timeline.png`` (documents per batch of the
largest and the new topics). It is written aside and renamed into place when complete.
"""

from __future__ import annotations

import csv
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toolkit.errors import DataError, plural
from toolkit.escape import for_markdown
from toolkit.text.corpus import Corpus

log = logging.getLogger("toolkit")
BATCHES = ("file", "day", "week", "month", "quarter", "year")
UPDATE_MARK = "update.md"  # an update folder: one the toolkit may replace


@dataclass
class UpdateResult:
    """What an update did: per batch its name, size and the topics it gave; the topics before and after."""

    model: object
    batches: list[dict] = field(default_factory=list)
    before: dict = field(default_factory=dict)  # topic id -> keywords before the update


def split_batches(corpora: list[Corpus], by: str) -> list[tuple[str, list]]:
    """Batches of documents: one per file (``file``), or per calendar ``day`` ... ``year`` of
    their dates, in time order."""
    if by not in BATCHES:
        raise DataError(f"--by: one of {', '.join(BATCHES)}, got {by!r}")
    if by == "file":
        return [(c.name or f"file {i + 1}", list(c.documents)) for i, c in enumerate(corpora) if len(c)]
    import pandas as pd

    from toolkit.topics.over_time import BINS

    documents = [d for c in corpora for d in c.documents]
    undated = sum(1 for d in documents if not d.date)
    if undated:
        raise DataError(f"--by {by}: {undated} of {len(documents)} documents have no date (give the loader's "
                        "date field, or --by file)")
    periods = pd.to_datetime(pd.Series([d.date for d in documents])).dt.to_period(BINS[by])
    names = [str(p) for p in periods]
    batches: dict[str, list] = {}
    for i in np.argsort(periods.dt.start_time.to_numpy(), kind="stable"):
        batches.setdefault(names[i], []).append(documents[i])
    return list(batches.items())


def stream_update(model, batches: list[tuple[str, list]], decay: float = 1.0,
                  min_topic_size: int | None = None, progress: bool = False) -> UpdateResult:
    """Feed ``model`` the batches in order (a progress bar on a terminal or in a notebook with ``progress``);
    what each did."""
    from tqdm.auto import tqdm

    from toolkit.timing import shows_progress

    if not batches:
        raise DataError("update: no documents to feed the model")
    result = UpdateResult(model, before={t.id: [k for k, _ in t.keywords[:5]] for t in model.topics_})
    shown = progress and shows_progress()
    for name, documents in tqdm(batches, desc="update", unit="batch", disable=not shown, leave=False):
        model.partial_fit(documents, decay=decay, min_topic_size=min_topic_size)
        topics = model.batch_topics_
        state = model.stream_
        born = [e["topic"] for e in state.events if e["batch"] == state.batches and e["event"] == "born"]
        result.batches.append({"batch": state.batches, "name": name, "documents": len(documents),
                               "new_topics": born, "pending": len(state.pending),
                               "counts": {int(c): int(n) for c, n in zip(*np.unique(topics, return_counts=True))}})
        for topic in born:
            log.info("update: batch %s made topic %d: %s", name, topic,
                     next(t.name for t in model.topics_ if t.id == topic))
    return result


def drifted(result: UpdateResult, top: int = 5) -> list[dict]:
    """Topics whose top keywords are not the same words as before: the words that left and came."""
    out = []
    for t in result.model.topics_:
        old = result.before.get(t.id)
        new = [k for k, _ in t.keywords[:top]]
        if old is not None and set(old) != set(new):
            out.append({"topic_id": t.id, "name": t.name, "left": [w for w in old if w not in new],
                        "came": [w for w in new if w not in old]})
    return out


def update_markdown(result: UpdateResult, source: str) -> str:
    """``update.md``: the batches, the new topics and the drifted keywords (``source``: what was
    updated, for the title)."""
    model = result.model
    info = model.topic_info
    born = model.stream_.born
    lines = [f"# Update of {for_markdown(source)}", "",
             f"{sum(b['documents'] for b in result.batches):,} documents in "
             f"{plural(len(result.batches), 'batch', 'batches')}; {plural(len(born), 'new topic')}; "
             f"{len(model.stream_.pending):,} novel documents wait for a topic "
             f"(a new topic needs {model.stream_.min_topic_size} of them, as tight as a typical topic).", "",
             "## Batches", "", "| batch | documents | new topics | novel documents waiting |",
             "| --- | ---: | --- | ---: |"]
    for b in result.batches:
        lines.append(f"| {for_markdown(b['name'])} | {b['documents']:,} | "
                     f"{', '.join(map(str, b['new_topics'])) or '—'} | {b['pending']:,} |")
    lines += ["", "## New topics", ""]
    if born:
        lines += ["| id | name | documents | first seen | last seen | keywords |",
                  "| ---: | --- | ---: | --- | --- | --- |"]
        for _, row in info[info["topic_id"].isin(list(born))].iterrows():
            lines.append(f"| {row['topic_id']} | {for_markdown(row['name'])} | {row['size']:,} | "
                         f"{for_markdown(str(row['first_seen']))} | {for_markdown(str(row['last_seen']))} | "
                         f"{for_markdown(row['keywords'])} |")
    else:
        lines.append("No group of novel documents was large and tight enough to become a topic.")
    moved = drifted(result)
    lines += ["", "## Keywords that moved", "", "Top five keywords before and after, for the topics that changed.", ""]
    if moved:
        lines += ["| id | name | left | came |", "| ---: | --- | --- | --- |"]
        lines += [f"| {m['topic_id']} | {for_markdown(m['name'])} | {for_markdown(', '.join(m['left']))} | "
                  f"{for_markdown(', '.join(m['came']))} |" for m in moved]
    else:
        lines.append("None.")
    lines += ["", "![documents per batch](timeline.png)", ""]
    return "\n".join(lines)


def timeline(result: UpdateResult, path: Path, top: int = 8) -> None:
    """Documents per batch of the ``top`` largest topics and every new topic (thicker lines)."""
    from toolkit.palette import topic_colour
    from toolkit.plots import finish, paper_figure, paper_style, short

    @paper_style
    def draw():
        model = result.model
        born = set(model.stream_.born)
        sizes = sorted(((t.size, t.id) for t in model.topics_ if t.id >= 0 and t.id not in born), reverse=True)
        shown = [c for _, c in sizes[:top]] + sorted(born)
        names = {t.id: t.name for t in model.topics_}
        x = np.arange(1, len(result.batches) + 1)
        fig, (ax, key) = paper_figure(2.9 + 0.16 * len(shown), nrows=2,
                                      gridspec_kw={"height_ratios": [2.6, 0.16 * len(shown) + 0.05]})
        key.axis("off")
        handles = []
        for c in shown:
            y = [b["counts"].get(c, 0) for b in result.batches]
            handles += ax.plot(x, y, color=topic_colour(c), linewidth=2.4 if c in born else 1.2, marker="o",
                               markersize=2, label=f"{c}  {short(names[c], 34)}" + (" (new)" if c in born else ""))
        ax.set_xlabel("batch")
        ax.set_ylabel("documents")
        ticks = x if len(x) <= 12 else x[:: max(1, len(x) // 12)]
        ax.set_xticks(ticks, [short(result.batches[i - 1]["name"], 12) for i in ticks], rotation=45, ha="right")
        ax.set_title("Documents per batch")
        key.legend(handles=handles, frameon=False, loc="upper left", borderaxespad=0, handlelength=1.5)
        return finish(fig, path)

    draw()


def stream_copy(model, documents: list, settings) -> UpdateResult:
    """A copy of the fitted ``model`` fed ``documents`` in ``settings.by`` batches (an experiment's
    ``stream`` section: :class:`~toolkit.topics.streaming.StreamSettings`); ``model`` is left as fitted."""
    import copy

    streamed = copy.deepcopy(model)
    batches = split_batches([Corpus(list(documents), name="stream")], settings.by)
    return stream_update(streamed, batches, settings.decay, settings.min_topic_size)


def stream_metrics(result: UpdateResult) -> dict:
    """What a run's ``metrics.json`` says of its stream."""
    model = result.model
    return {"batches": len(result.batches), "documents": sum(b["documents"] for b in result.batches),
            "new_topics": [{"topic": e["topic"], "batch": e["batch"], "first_seen": e["first_seen"],
                            "name": next(t.name for t in model.topics_ if t.id == e["topic"])}
                           for e in model.stream_.events if e["event"] == "born"],
            "pending": len(model.stream_.pending)}


def write_update_files(result: UpdateResult, source: str, folder: Path) -> None:
    """The update's files in ``folder`` (an existing, empty folder)."""
    result.model.save(folder / "model")
    info = result.model.topic_info
    info.to_csv(folder / "topics.csv", index=False)
    info[info["topic_id"].isin(list(result.model.stream_.born))].to_csv(folder / "new_topics.csv", index=False)
    with open(folder / "batches.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["batch", "name", "documents", "new_topics", "pending"])
        for b in result.batches:
            writer.writerow([b["batch"], b["name"], b["documents"], " ".join(map(str, b["new_topics"])), b["pending"]])
    timeline(result, folder / "timeline.png")
    (folder / UPDATE_MARK).write_text(update_markdown(result, source), encoding="utf-8")


def write_update(result: UpdateResult, model_dir: Path, out: Path) -> Path:
    """Write the update folder ``out`` (aside, then renamed into place; an earlier update folder
    there is replaced, anything else refused)."""
    from toolkit.experiments.temporaries import make_temporary, publish, remove_stale_temporaries

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not (out / UPDATE_MARK).is_file():
        raise DataError(f"--out {out}: already there and not an update folder; choose another")
    remove_stale_temporaries(out.parent)
    tmp = make_temporary(out.parent, out.name)
    try:
        write_update_files(result, str(model_dir), tmp)
        publish(tmp, out, replaceable=lambda folder: (folder / UPDATE_MARK).is_file())
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


__all__ = ["BATCHES", "UpdateResult", "drifted", "split_batches", "stream_copy", "stream_metrics", "stream_update",
           "update_markdown", "write_update", "write_update_files"]
