"""Refit a topic model over seeds (and resamples) and measure how much its topics move.

The embeddings are reused: only the seeded stages (reduction, clustering, refinement) run
again, so a stability check costs what a sweep of the same seeds costs once the embeddings
are cached. The measures are :mod:`toolkit.evaluation.stability`'s.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone

from toolkit.evaluation.stability import pairwise_agreement, topic_stability

log = logging.getLogger(__name__)


@dataclass
class StabilityResult:
    """How the topics of one configuration move between runs.

    Attributes
    ----------
    seeds : list of int
        Each run's seed; run 0 is the reference (the model that was checked).
    resample : float or None
        Share of the documents each run after the first was fitted on (None: all of them).
    labels : list of ndarray
        Each run's topic per document (documents a resampled run left out are assigned by its
        model's ``transform``).
    agreement : dict
        Pairwise ARI and NMI between runs (:func:`~toolkit.evaluation.stability.pairwise_agreement`).
    topics : list of dict
        Per reference topic: ``topic_id``, ``name``, ``size``, ``stability`` (mean Jaccard overlap of
        its documents with its matched topic in the other runs), ``min_jaccard``, ``keyword_jaccard``
        and ``matches``.
    n_topics : list of int
        Topics found by each run.
    """

    seeds: list[int]
    resample: float | None
    labels: list[np.ndarray] = field(repr=False)
    agreement: dict
    topics: list[dict]
    n_topics: list[int]

    def table(self):
        """The per-topic table as a DataFrame (most stable first), without the match lists."""
        import pandas as pd

        columns = ["topic_id", "name", "size", "stability", "min_jaccard", "keyword_jaccard"]
        frame = pd.DataFrame([{k: t[k] for k in columns} for t in self.topics], columns=columns)
        return frame.sort_values(["stability", "topic_id"], ascending=[False, True], kind="stable").reset_index(
            drop=True)

    def matrix(self) -> np.ndarray:
        """Reference topics x other runs: the Jaccard overlap of each topic with its match."""
        return np.array([t["jaccards"] for t in self.topics]) if self.topics else np.zeros((0, 0))

    def to_dict(self) -> dict:
        """Plain data for ``stability.json``."""
        return {"seeds": self.seeds, "resample": self.resample, "n_topics": self.n_topics,
                "agreement": self.agreement, "topics": self.topics}


def seeded(model, seed: int):
    """An unfitted copy of a fitted model's configuration with every ``random_state`` set to ``seed``."""
    # the parts the fit used (its defaults filled in), each a clone: the fitted model stays as it is
    parts = {name: clone(getattr(model, f"{name}_")) for name in model.get_params(deep=False)
             if getattr(model, f"{name}_", None) is not None}
    copy = clone(model).set_params(**parts)
    seeds = {key: seed for key in copy.get_params(deep=True) if key.endswith("random_state")}
    return copy.set_params(**seeds)


def refit(model, seeds: list[int], resample: float | None = None, random_state: int = 0,
          progress=None) -> StabilityResult:
    """Refit ``model``'s configuration once per seed and compare the runs with the model.

    Parameters
    ----------
    model : TopicModel
        Fitted; its documents and embeddings are reused.
    seeds : list of int
        One refit per seed (a seed equal to the model's reproduces it exactly).
    resample : float or None
        Fit each refit on this share of the documents, drawn without replacement (seeded by
        ``random_state`` and the run); the others are assigned by the refit's ``transform``.
    random_state : int
        Seed of the resamples and of the agreement's bootstrap interval.
    progress : callable, optional
        Called with (runs done, runs in all) after each refit.
    """
    documents, X = model.documents_, model.embeddings_
    labels = [np.asarray(model.labels_)]
    keywords = [{t.id: [k for k, _ in t.keywords] for t in model.topics_}]
    rng = np.random.default_rng(random_state)
    for done, seed in enumerate(seeds, start=1):
        run = seeded(model, int(seed))
        if resample is None:
            run.fit(documents, embeddings=X)
            found = run.labels_
        else:
            keep = np.sort(rng.choice(len(documents), max(2, int(round(resample * len(documents)))), replace=False))
            run.fit([documents[i] for i in keep], embeddings=X[keep])
            found = run.transform(documents)[0]
        labels.append(np.asarray(found))
        keywords.append({t.id: [k for k, _ in t.keywords] for t in run.topics_})
        log.info("stability: run %d of %d (seed %d): %d topics", done, len(seeds), seed, len(run.topics_) -
                 any(t.id < 0 for t in run.topics_))
        if progress is not None:
            progress(done, len(seeds))
    names = {t.id: t.name for t in model.topics_}
    per_topic = topic_stability(labels[0], labels[1:], keywords[0], keywords[1:]) if len(labels) > 1 else []
    for row in per_topic:
        row["name"] = names.get(row["topic_id"], str(row["topic_id"]))
    for row, jaccards in zip(per_topic, _jaccards(labels)):
        row["jaccards"] = jaccards
    return StabilityResult(seeds=[_seed_of(model), *map(int, seeds)], resample=resample, labels=labels,
                           agreement=pairwise_agreement(labels, random_state) if len(labels) > 1 else {},
                           topics=per_topic, n_topics=[len(set(x.tolist()) - {-1}) for x in labels])


def _jaccards(labels: list[np.ndarray]) -> list[list[float]]:
    from toolkit.evaluation.stability import match_topics

    matched = [match_topics(labels[0], other) for other in labels[1:]]
    ids = sorted(set(labels[0].tolist()) - {-1})
    return [[round(m[c][1], 6) for m in matched] for c in ids]


def _seed_of(model) -> int:
    return int(getattr(model.clusterer_, "random_state", 0) or 0)
