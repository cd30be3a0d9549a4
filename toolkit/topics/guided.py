"""Steering a topic model: seed words and zero-shot topic names (pure functions on vectors).

**Seed topics** (as BERTopic's ``seed_topic_list``): each list of seed words is embedded as one
text; a document whose nearest seed list is near enough is moved a quarter of the way toward
it before clustering, so documents on a seeded theme gather in one cluster; the topic holding
most of a list's documents has its seed words' keyword weights raised, so its keywords keep
them. New documents are moved the same way before they are assigned.

**Zero-shot topics** (as BERTopic's ``zeroshot_topic_list``): a document joins the named topic
whose name's embedding is nearest to it when (a) that cosine similarity reaches
``min_similarity`` and (b) the name beats every top-level news section (IPTC Media Topics,
:data:`~toolkit.topics.describe.NEWS_SECTIONS`) other than the one nearest the name by at least
``min_lead``. The sections stand for "something else": a document about floods is nearer
"disaster, accident and emergency incident" than "sports", so it is left for clustering.

The default lead, 0.05, trades recall for precision (``benchmarks/topic_editing.py``, MiniLM):
on AG News ``sports`` gathers 949 items, 95% of them from the Sports section (lead 0: 1,421,
92%), and ``business`` 606, 67% Business (lead 0: 1,211, 63%); on HuffPost 2018-2019 the
documents a name gathers below that lead were mostly off the subject when read.
"""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import normalize

from toolkit.arrays import to_dense
from toolkit.params import ListOf, NoneValue, Number, Text

# How far a document moves toward its seed list (BERTopic averages with weights 3:1).
SEED_PULL = 0.25
# A document moves only if its similarity to the seed list reaches this.
SEED_MIN_SIMILARITY = 0.15
# Keyword weights of a seeded topic's seed words are multiplied by this.
SEED_BOOST = 2.0
# Zero-shot defaults (TopicModel.zeroshot_min_similarity / zeroshot_min_lead): a name must reach
# this cosine with the document and beat every unrelated news section.
ZEROSHOT_MIN_SIMILARITY = 0.1
ZEROSHOT_MIN_LEAD = 0.05
# The rules for the model's guiding parameters (checked in fit and when a saved model is read).
GUIDE_CONSTRAINTS = {"seed_topics": [ListOf(ListOf(Text(), min_length=1, unique=True), min_length=1), NoneValue()],
                     "zeroshot_topics": [ListOf(Text(), min_length=1, unique=True), NoneValue()],
                     "zeroshot_min_similarity": [Number(-1, 1)], "zeroshot_min_lead": [Number(-2, 2)]}


def embed_unit(embed_texts, texts: list[str]) -> np.ndarray:
    """Unit-length embeddings of ``texts``."""
    return normalize(np.asarray(to_dense(embed_texts(list(texts))), dtype=np.float64))


def seed_assignment(X, seeds: np.ndarray, min_similarity: float = SEED_MIN_SIMILARITY) -> np.ndarray:
    """Each row's nearest seed list (index), or -1 when it is below ``min_similarity``."""
    sims = np.asarray(normalize(X) @ seeds.T)
    best = np.argmax(sims, axis=1)
    return np.where(sims[np.arange(len(best)), best] >= min_similarity, best, -1)


def nudge(X, seeds: np.ndarray, assigned: np.ndarray, pull: float = SEED_PULL) -> np.ndarray:
    """Rows moved ``pull`` of the way toward their seed vector (unassigned rows unchanged),
    back to unit length."""
    X = np.array(to_dense(X), dtype=np.float64)
    rows = np.flatnonzero(assigned >= 0)
    X[rows] = (1 - pull) * normalize(X[rows]) + pull * seeds[assigned[rows]]
    return normalize(X)


def seeded_topics(labels: np.ndarray, assigned: np.ndarray, n_seeds: int) -> dict[int, int]:
    """Seed list -> the topic holding most of its documents (lists with none are left out)."""
    found = {}
    for j in range(n_seeds):
        topics = labels[(assigned == j) & (labels >= 0)]
        if len(topics):
            values, counts = np.unique(topics, return_counts=True)
            found[j] = int(values[np.argmax(counts)])
    return found


def zeroshot_assignment(X, names: np.ndarray, sections: np.ndarray, min_similarity: float,
                        min_lead: float) -> np.ndarray:
    """Each row's zero-shot topic (index into ``names``), or -1 (see the module's description)."""
    X = normalize(X)
    sims = np.asarray(X @ names.T)
    section_sims = np.asarray(X @ sections.T)
    own = np.argmax(names @ sections.T, axis=1)  # each name's nearest section is not its rival
    best = np.argmax(sims, axis=1)
    rows = np.arange(len(best))
    rival = np.full(len(best), -np.inf)
    for j in range(len(names)):
        mask = best == j
        rival[mask] = np.delete(section_sims[mask], own[j], axis=1).max(axis=1)
    score = sims[rows, best]
    return np.where((score >= min_similarity) & (score - rival >= min_lead), best, -1)


__all__ = ["GUIDE_CONSTRAINTS", "SEED_BOOST", "SEED_MIN_SIMILARITY", "SEED_PULL", "ZEROSHOT_MIN_LEAD",
           "ZEROSHOT_MIN_SIMILARITY", "embed_unit", "nudge", "seed_assignment", "seeded_topics", "zeroshot_assignment"]
