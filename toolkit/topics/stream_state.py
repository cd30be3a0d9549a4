"""What a topic model learns from a stream of batches, as plain data, and the pure steps that
update it (:meth:`~toolkit.topics.model.TopicModel.partial_fit` drives them).

The model keeps its training documents; a stream adds **no documents** to it, only:

- per topic, the running sum of its documents' unit vectors (its centroid follows the news)
  and its document count;
- per topic, its term counts (c-TF-IDF rows, so keywords follow the language); with ``decay``
  below 1, every batch first multiplies the old counts and sums by ``decay``;
- a bounded pool of *novel* documents (too far from every topic's centroid), from which a
  group that is large and tight enough becomes a new topic;
- for a topic born in the stream, a bounded sample of its documents (exemplars);
- when each topic was first and last seen, and a log of what happened (topics born).

So memory grows with the vocabulary and the number of topics, not with the stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

# A document is novel when its cosine to its topic's centroid is below this quantile of the
# training documents' cosines to their own topic's centroid.
NOVELTY_QUANTILE = 0.05
# A new topic needs this many novel documents (BERTopic's default min_topic_size) or this share
# of the training corpus, whichever is more.
MIN_NEW_TOPIC = 10
NEW_TOPIC_SHARE = 0.005
# A document that fits its own topic moves to a topic born in the stream only when the born
# topic's centroid is nearer by this cosine: an id that stays matters more than a slightly better
# fit (on AG News fitted without Sports and fed 4,800 items, 95% of the training items then keep
# their topic, against 92% with no margin, and the born topics still take 92% of Sports).
MOVE_MARGIN = 0.1
# Novel documents waiting to form a topic (the newest are kept).
MAX_PENDING = 2000
# Documents kept per topic born in the stream (exemplars, summaries).
BORN_SAMPLE = 200


@dataclass
class StreamState:
    """The stream's side of a fitted topic model (see the module's description).

    Attributes
    ----------
    ids : list of int
        Topic ids, in the order of the rows of ``sums`` and ``counts``.
    sums : ndarray (topics, dims)
        Each topic's (decayed) sum of unit document vectors.
    sizes : ndarray (topics,)
        Each topic's document count (training and stream).
    terms : list of str
        The columns of ``counts``.
    counts : csr_matrix (topics, terms)
        Each topic's (decayed) term counts.
    novelty : float
        The cosine below which a document is novel.
    cohesion : float
        The mean pairwise cosine a group of novel documents needs to become a topic.
    min_topic_size : int
        The documents a group of novel documents needs to become a topic.
    seen : dict
        Topic id -> ``[first, last]``: dates (ISO) or ``"batch N"`` for undated documents.
    pending : list of dict
        Novel documents: ``{"id", "title", "text", "date", "batch", "vector"}``.
    born : dict
        Topic id -> ids of a sample of the documents it was born from or took later.
    batches : int
        Batches fed so far.
    events : list of dict
        What the stream did, in order (``{"batch", "event": "born", "topic", "size", ...}``).
    original : dict
        Topic id -> the Topic as fitting described it, for each topic the stream changed (a
        saved model keeps those in ``model.json``).
    """

    ids: list[int]
    sums: np.ndarray
    sizes: np.ndarray
    terms: list[str]
    counts: sp.csr_matrix
    novelty: float
    cohesion: float
    min_topic_size: int
    seen: dict = field(default_factory=dict)
    pending: list = field(default_factory=list)
    born: dict = field(default_factory=dict)
    batches: int = 0
    events: list = field(default_factory=list)
    original: dict = field(default_factory=dict)

    def centroids(self) -> np.ndarray:
        """Unit centroid of each topic (rows in ``ids`` order)."""
        return normalize(self.sums)

    def row(self, topic: int) -> int:
        return self.ids.index(topic)


def mean_pairwise_cosine(unit_rows: np.ndarray) -> float:
    """Mean cosine over the distinct pairs of unit rows, from their sum (no n x n matrix)."""
    n = len(unit_rows)
    if n < 2:
        return 1.0
    total = unit_rows.sum(axis=0)
    return float((total @ total - n) / (n * (n - 1)))


def calibrate(X, labels: np.ndarray, ids: list[int]) -> tuple[float, float, int]:
    """From the training documents: the novelty cosine (:data:`NOVELTY_QUANTILE` of documents'
    cosines to their own centroid), the cohesion a new topic needs (the median over topics of
    their mean pairwise cosine) and its least size (:data:`NEW_TOPIC_SHARE` of the training
    documents, at least :data:`MIN_NEW_TOPIC`)."""
    U = normalize(X)  # sparse (TF-IDF) rows stay sparse
    own, cohesions = [], []
    for c in ids:
        rows = U[labels == c]
        if rows.shape[0] == 0:
            continue
        total = np.asarray(rows.sum(axis=0), dtype=np.float64).ravel()
        own.append(np.asarray(rows @ (total / np.linalg.norm(total))).ravel())
        n = rows.shape[0]
        cohesions.append(1.0 if n < 2 else float((total @ total - n) / (n * (n - 1))))
    novelty = float(np.quantile(np.concatenate(own), NOVELTY_QUANTILE))
    return novelty, float(np.median(cohesions)), max(MIN_NEW_TOPIC, round(NEW_TOPIC_SHARE * U.shape[0]))


def add_terms(state: StreamState, batch_counts: sp.csr_matrix, batch_terms, labels: np.ndarray,
              decay: float) -> None:
    """Decay the topics' term counts, then add a batch's (documents x its terms) counts to the
    rows of their topics (outliers, -1, count toward none); new terms become new columns."""
    index = {t: j for j, t in enumerate(state.terms)}
    for term in batch_terms:
        if term not in index:
            index[term] = len(state.terms)
            state.terms.append(str(term))
    columns = np.array([index[t] for t in batch_terms], dtype=np.int64)
    mapped = sp.csr_matrix((np.ones(len(columns)), (np.arange(len(columns)), columns)),
                           shape=(len(columns), len(state.terms)))
    rows = [state.row(int(c)) if c >= 0 else -1 for c in labels]
    keep = [i for i, r in enumerate(rows) if r >= 0]
    membership = sp.csr_matrix((np.ones(len(keep)), ([rows[i] for i in keep], keep)),
                               shape=(len(state.ids), len(labels)))
    old = sp.csr_matrix(state.counts, shape=state.counts.shape)
    old.resize((len(state.ids), len(state.terms)))
    state.counts = sp.csr_matrix(old * decay + membership @ batch_counts @ mapped)


def add_topic(state: StreamState, topic: int) -> None:
    """A new, empty row for ``topic``."""
    state.ids.append(topic)
    state.sums = np.vstack([state.sums, np.zeros((1, state.sums.shape[1]))])
    state.sizes = np.append(state.sizes, 0.0)
    counts = sp.csr_matrix(state.counts)
    counts.resize((len(state.ids), len(state.terms)))
    state.counts = counts


def add_vectors(state: StreamState, U, labels: np.ndarray, decay: float) -> None:
    """Decay the topics' sums, then add unit rows ``U`` (dense or sparse) to their topics' sums
    and count them."""
    state.sums *= decay
    for c in np.unique(labels[labels >= 0]):
        r = state.row(int(c))
        state.sums[r] += np.asarray(U[labels == c].sum(axis=0)).ravel()
        state.sizes[r] += int(np.sum(labels == c))


def groups_of_novel(vectors: np.ndarray, cohesion: float, min_size: int) -> list[np.ndarray]:
    """Groups (row indices) of novel documents tight enough (mean pairwise cosine at least
    ``cohesion``) and large enough (``min_size``) to become topics, largest first: average-linkage
    clusters of the pool cut where the mean cosine between merged groups falls below ``cohesion``."""
    if len(vectors) < min_size:
        return []
    from scipy.cluster.hierarchy import fcluster, linkage

    U = normalize(vectors)
    Z = linkage(U, method="average", metric="cosine")
    found = fcluster(Z, t=1.0 - cohesion, criterion="distance")
    groups = []
    for g in np.unique(found):
        rows = np.flatnonzero(found == g)
        if len(rows) >= min_size and mean_pairwise_cosine(U[rows]) >= cohesion:
            groups.append(rows)
    return sorted(groups, key=lambda rows: (-len(rows), int(rows[0])))


def stamp(date: str | None, batch: int) -> str:
    """When a document was seen: its date, or ``batch N`` for an undated one."""
    return date or f"batch {batch}"


def own_similarity(state: StreamState, U: np.ndarray, topics: np.ndarray) -> np.ndarray:
    """Each unit row's cosine to its topic's centroid (-1 for a topic the state does not hold,
    the outliers)."""
    rows = np.array([state.ids.index(int(c)) if c in state.ids else -1 for c in topics], dtype=np.int64)
    sims = np.einsum("ij,ij->i", U, state.centroids()[np.maximum(rows, 0)]) if len(rows) else np.zeros(0)
    return np.where(rows >= 0, sims, -1.0)


def widen(seen: dict, topic: int, when: list[str]) -> None:
    """Stretch a topic's ``[first, last]`` to cover ``when`` (ISO dates sort as text; batch
    stamps ``batch N`` by their number)."""
    def key(stamp: str):
        return (1, int(stamp.split()[1])) if stamp.startswith("batch ") else (0, stamp)

    values = [w for w in when if w] + [w for w in seen.get(topic, []) if w]
    if values:
        seen[topic] = [min(values, key=key), max(values, key=key)]


__all__ = ["BORN_SAMPLE", "MAX_PENDING", "MIN_NEW_TOPIC", "MOVE_MARGIN", "NEW_TOPIC_SHARE", "NOVELTY_QUANTILE",
           "StreamState", "add_terms", "add_topic", "add_vectors", "calibrate", "groups_of_novel",
           "mean_pairwise_cosine", "own_similarity", "stamp", "widen"]
