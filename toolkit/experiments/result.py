"""The result of a run: tables, metrics and the fitted model, for the terminal, notebooks and tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toolkit.experiments.config import flatten
from toolkit.summarization.units import Summary
from toolkit.text.corpus import Corpus
from toolkit.topics.describe import Topic, topic_table
from toolkit.topics.model import TopicModel
from toolkit.topics.vocabulary import KeywordVocabulary

SOFT_COLUMNS = ["top1", "p1", "top2", "p2", "top3", "p3", "uncertain"]
ASSIGNMENT_COLUMNS = ["id", "title", "cluster", "topic", "label", "date", *SOFT_COLUMNS]


@dataclass
class Derived:
    """Tables computed once from a fitted run (by :func:`toolkit.experiments.pipeline.execute`),
    which the run folder's writers and renderers only serialise.

    Attributes
    ----------
    coords : ndarray (n_documents, 2) or None
        The documents' positions on the topic map and the interactive page.
    topic_tree : (linkage, merges) or None
        The topic tree, with three topics or more.
    over_time : DataFrame or None
        Topics over time at the experiment's bin, for dated corpora.
    vocabulary : KeywordVocabulary or None
        The words keywords are made of (for topics over time at another bin).
    split : callable or None
        The run's sentence splitter (references are split the same way).
    stream : UpdateResult or None
        With an experiment's ``stream`` section: a copy of the model fed the later documents
        (:mod:`toolkit.experiments.updates`), written into the run folder's ``stream/``.
    """

    coords: np.ndarray | None = None
    topic_tree: tuple | None = None
    over_time: object | None = None
    vocabulary: KeywordVocabulary | None = None
    split: Callable[[str], list[str]] | None = None
    stream: object | None = None


@dataclass
class RunLoaders:
    """How a loaded run reads what it does not hold in memory, on first use: the fitted model,
    the corpus (from the model's documents), the near-duplicates, and the settings-derived
    keyword vocabulary and splitter (``derived``)."""

    model: Callable[[], TopicModel]
    corpus: Callable[[list], Corpus]
    duplicates: Callable[[], list[dict]]
    derived: Callable[[], Derived]


def assignment_rows(corpus: Corpus, labels: np.ndarray, topics: list[Topic], probabilities: np.ndarray,
                    uncertain_below: float) -> list[dict]:
    """One record per document: id, title, cluster, topic, label, date and its three most likely topics
    (as ``assignments.csv`` has them)."""
    names = {t.id: t.name for t in topics}
    soft = top_topics(probabilities, [t.id for t in topics if t.id >= 0], uncertain_below)
    return [{"id": d.id, "title": d.title, "cluster": int(k), "topic": names[int(k)], "label": d.label or "",
             "date": d.date or "", **extra} for d, k, extra in zip(corpus, labels, soft)]


def over_time_table(corpus: Corpus, labels: np.ndarray, topics: list[Topic], settings: dict, bin: str,
                    vocabulary: KeywordVocabulary | None):
    """Topics over time of a run at ``bin`` (:func:`toolkit.topics.over_time.topics_over_time`),
    with the experiment's ``over_time`` settings and keyword vocabulary."""
    from toolkit.topics.over_time import topics_over_time

    return topics_over_time([d.date for d in corpus], labels, [d.full_text for d in corpus],
                            {t.id: t.name for t in topics}, bin, settings.get("keywords", 5), vocabulary)


def top_topics(probabilities: np.ndarray, ids: list[int], uncertain_below: float) -> list[dict]:
    """Each row's three most likely topics and their probabilities, and whether the best is
    below ``uncertain_below`` (empty cells where there are fewer topics)."""
    rows = []
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :3]
    for p, best in zip(probabilities, order):
        row = {}
        for rank in range(3):
            has = rank < len(best)
            row[f"top{rank + 1}"] = ids[best[rank]] if has else ""
            row[f"p{rank + 1}"] = round(float(p[best[rank]]), 4) if has else ""
        row["uncertain"] = int(len(best) > 0 and p[best[0]] < uncertain_below)
        rows.append(row)
    return rows


class RunResult:
    """Everything one run produced, for the terminal, notebooks and tests.

    Attributes
    ----------
    config : dict
        The resolved experiment.
    run_id : str
    folder : Path or None
        The run folder, once written (or when loaded by :func:`load_run`).
    corpus : Corpus
        The cleaned documents with their sentences (for a loaded run, read from its model).
    embeddings : array or sparse matrix
        One row per document (for a loaded run, read from its model).
    model : TopicModel
        The fitted model (for a loaded run, read from the folder's ``model/`` on first use),
        so ``result.model.transform(["a new article"])`` assigns topics to new documents.
    labels : ndarray of int
        Each document's cluster (-1: outlier).
    topics : list of Topic
    summaries : list of Summary
    metrics : dict
    timings : dict
        Seconds per stage.

    The tables are pandas DataFrames, built from the same data whether the run was
    just executed or loaded from its folder:

    - ``documents``: id, title, cluster, topic (its name), label (the gold label, if any),
      date (ISO 8601, if the data set has dates), top1/p1 ... top3/p3 (the three most likely
      topics and their probabilities), uncertain (1 when p1 < 0.5)
    - ``topics_over_time()``: bin, bin_size, topic_id, topic, count, share, keywords
    - ``topic_table``: topic_id, name, named (whether a candidate name was given), size,
      keywords (the top terms, comma-separated), exemplars (ids), candidate, name_score
    - ``summary_table``: unit, unit_id, unit_name, rank, score, document, position, text
      (one row per chosen sentence, in output order)
    - ``metric_table``: metric (dotted name), value; numbers only
    - ``contingency``: topics (rows) x gold labels (columns), or None without labels
    - ``document_rouge()``: id, rouge1, rouge2, rougeL, rougeLsum per summarised document
      with a reference
    """

    def __init__(self, config: dict, run_id: str, folder: Path | None, corpus: Corpus | None, embeddings,
                 labels: np.ndarray, topics: list[Topic], summaries: list[Summary], metrics: dict,
                 timings: dict | None = None, assignments: list[dict] | None = None, model=None, *,
                 derived: Derived | None = None, loaders: RunLoaders | None = None) -> None:
        self.config = config
        self.run_id = run_id
        self.folder = folder
        self._corpus = corpus
        self._embeddings = embeddings
        self.labels = np.asarray(labels)
        self.topics = topics
        self.summaries = summaries
        self.metrics = metrics
        self.timings = timings or {}
        self._assignments = assignments
        self._model = model
        self._derived = derived
        self._loaders = loaders
        self._over_time: dict = {}

    def __repr__(self) -> str:
        where = f", folder={str(self.folder)!r}" if self.folder else ""
        return (f"RunResult(name={self.config.get('name')!r}, run_id={self.run_id!r}, "
                f"documents={len(self.labels)}, topics={len(self.topics)}{where})")

    @property
    def model(self) -> TopicModel:
        """The fitted TopicModel (read from a loaded run's ``model/`` folder on first use)."""
        if self._model is None:
            self._model = self._loader().model()
        return self._model

    @property
    def model_in_memory(self) -> TopicModel | None:
        """The model if it is in memory (a run just executed, or a loaded one already read)."""
        return self._model

    @property
    def corpus(self) -> Corpus:
        if self._corpus is None:
            self._corpus = self._loader().corpus(self.model.documents_)
        return self._corpus

    def _loader(self) -> RunLoaders:
        if self._loaders is None:
            raise RuntimeError("RunResult: this result holds neither the model nor a way to read it")
        return self._loaders

    @property
    def derived(self) -> Derived:
        """Tables computed once from the fitted run (:class:`Derived`); a loaded run's settings-derived
        parts on first use."""
        if self._derived is None:
            self._derived = self._loader().derived()
        return self._derived

    @property
    def coords(self) -> np.ndarray | None:
        """The documents' 2-D positions on the map (None for a loaded run)."""
        return self.derived.coords

    @property
    def topic_tree(self) -> tuple | None:
        """The topic tree ``(linkage, merges)`` computed with the run (None: fewer than three
        topics, or a loaded run; ``result.model.topic_tree()`` computes it)."""
        return self.derived.topic_tree

    @property
    def probabilities(self) -> np.ndarray:
        """Each document's probability of each topic (columns in topic id order, outliers
        left out; :meth:`TopicModel._soft <toolkit.topics.model.TopicModel._soft>` gives the rule)."""
        return self.model.probabilities_

    @property
    def embeddings(self):
        if self._embeddings is None:
            self._embeddings = self.model.embeddings_
        return self._embeddings

    @property
    def duplicates(self) -> list[dict]:
        """Near-duplicate passages between documents (``duplicates.json``)."""
        if self._corpus is None and self._loaders is not None:
            return self._loaders.duplicates()
        return self.corpus.duplicates

    def assignments(self) -> list[dict]:
        """One record per document: id, title, cluster, topic, label (as in ``assignments.csv``)."""
        return self._assignments

    @property
    def documents(self):
        import pandas as pd

        frame = pd.DataFrame(self.assignments(), columns=ASSIGNMENT_COLUMNS)
        for column in ("label", "date"):
            frame[column] = frame[column].replace("", None)
        return frame

    def topics_over_time(self, bin: str | None = None):
        """Each topic's count, share and keywords per time bin (a DataFrame; see
        :func:`toolkit.topics.over_time.topics_over_time`), from the documents' dates.

        ``bin`` defaults to the experiment's ``over_time.bin``; the keywords leave out the
        experiment's topic stop words.
        """
        settings = self.config.get("over_time", {})
        default = settings.get("bin", "auto")
        bin = bin or default
        if bin == default and self._derived is not None and self._derived.over_time is not None:
            return self._derived.over_time.copy()  # the table the run computed (its CSV, plot and report)
        if bin not in self._over_time:
            self._over_time[bin] = over_time_table(self.corpus, self.labels, self.topics, settings, bin,
                                                   self.derived.vocabulary)
        return self._over_time[bin].copy()

    @property
    def topic_table(self):
        return topic_table(self.topics)

    @property
    def summary_table(self):
        import pandas as pd

        rows = [{"unit": s.unit, "unit_id": s.id, "unit_name": s.name, "rank": x["rank"], "score": x["score"],
                 "document": x["document"], "position": x["position"], "text": x["text"]}
                for s in self.summaries for x in s.sentences]
        return pd.DataFrame(rows, columns=["unit", "unit_id", "unit_name", "rank", "score", "document",
                                           "position", "text"])

    @property
    def metric_table(self):
        import pandas as pd

        flat = {k: v for k, v in flatten({k: v for k, v in self.metrics.items() if k != "contingency"}).items()
                if isinstance(v, int | float) and not isinstance(v, bool)}
        return pd.DataFrame({"metric": list(flat), "value": list(flat.values())})

    @property
    def contingency(self):
        import pandas as pd

        table = self.metrics.get("contingency")
        if not table:
            return None
        return pd.DataFrame(table["counts"], index=pd.Index(table["rows"], name="topic"),
                            columns=pd.Index(table["columns"], name="label"))

    def document_rouge(self):
        """ROUGE F1 of each document summary against its reference (documents with one):
        a DataFrame with columns id, rouge1, rouge2, rougeL, rougeLsum, for paired comparisons."""
        import pandas as pd

        from toolkit.evaluation.evaluator import ROUGE_TYPES, rouge_per_pair, split_reference

        split = self.derived.split
        stemmer = self.config["evaluate"].get("stemmer", True)
        refs = {d.id: d.summary for d in self.corpus if d.summary}
        chosen = [s for s in self.summaries if s.unit == "document" and s.id in refs]
        pairs = [("\n".join(x["text"] for x in s.sentences), split_reference(refs[s.id], split)) for s in chosen]
        table = rouge_per_pair(pairs, stemmer)
        return pd.DataFrame({"id": [s.id for s in chosen],
                             **{t: table[:, j] for j, t in enumerate(ROUGE_TYPES)}})

    def summary(self, unit: str, unit_id) -> Summary:
        """The summary of one document (by id) or topic (by id or name)."""
        for s in self.summaries:
            if s.unit == unit and (s.id == str(unit_id) or (unit == "topic" and s.name == unit_id)):
                return s
        raise KeyError(f"no {unit} summary {unit_id!r} in this run")


__all__ = ["Derived", "RunLoaders", "RunResult", "assignment_rows", "top_topics"]
