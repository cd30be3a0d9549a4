"""How much topics move between runs: agreement of whole partitions and of each topic.

Given the labels of several runs of one configuration (other seeds, or bootstrap resamples of
the documents), these functions say how alike the partitions are (pairwise ARI and NMI, with a
bootstrap interval over runs) and, for each topic of a reference run, how often it reappears:
its best match in every other run (Hungarian assignment on the Jaccard overlap of the topics'
documents, as Greene et al. 2014 match topics across runs) and the Jaccard overlap of the
matched topics' keywords. A topic that reappears with most of its documents in every run is
solid; one that does not is an artefact of one seed.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

INTERVAL_RESAMPLES = 1000


def _pairs(n: int) -> list[tuple[int, int]]:
    return list(itertools.combinations(range(n), 2))


def pairwise_agreement(runs: list[np.ndarray], random_state: int = 0) -> dict:
    """ARI and NMI between every two runs' labels of the same documents.

    Parameters
    ----------
    runs : list of ndarray of int
        Each run's label per document (-1, outliers, counts as one more cluster).
    random_state : int
        Seed of the bootstrap over runs that gives the 95% interval of each mean.

    Returns
    -------
    dict
        ``{"ari": {"mean", "low", "high", "min", "max"}, "nmi": {...}, "pairs": [[i, j, ari, nmi], ...]}``;
        ``low``/``high`` are the 2.5th and 97.5th percentiles of the mean over runs resampled with
        replacement (pairs of one run with itself left out), None with fewer than three runs.
    """
    if len(runs) < 2:
        raise ValueError("agreement needs at least two runs")
    n = len(runs)
    ari = np.full((n, n), np.nan)
    nmi = np.full((n, n), np.nan)
    for i, j in _pairs(n):
        ari[i, j] = ari[j, i] = adjusted_rand_score(runs[i], runs[j])
        nmi[i, j] = nmi[j, i] = normalized_mutual_info_score(runs[i], runs[j])
    out = {"ari": _summary(ari, random_state), "nmi": _summary(nmi, random_state),
           "pairs": [[i, j, round(float(ari[i, j]), 6), round(float(nmi[i, j]), 6)] for i, j in _pairs(n)]}
    return out


def _summary(matrix: np.ndarray, random_state: int) -> dict:
    n = len(matrix)
    values = np.array([matrix[i, j] for i, j in _pairs(n)])
    low = high = None
    if n >= 3:
        rng = np.random.default_rng(random_state)
        means = []
        for _ in range(INTERVAL_RESAMPLES):
            pick = rng.integers(0, n, n)
            sub = matrix[np.ix_(pick, pick)]
            mean = np.nanmean(sub) if np.isfinite(sub).any() else np.nan  # a resample of one run only: no pair
            if np.isfinite(mean):
                means.append(mean)
        low, high = (round(float(v), 6) for v in np.percentile(means, [2.5, 97.5]))
    return {"mean": round(float(values.mean()), 6), "low": low, "high": high,
            "min": round(float(values.min()), 6), "max": round(float(values.max()), 6)}


def jaccard_matrix(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, list[int], list[int]]:
    """Jaccard overlap of the documents of every topic of ``a`` with every topic of ``b`` (same
    documents, two labellings; outliers left out).

    Returns
    -------
    overlap : ndarray (topics of a, topics of b)
    ids_a, ids_b : list of int
    """
    ids_a = sorted(set(np.asarray(a).tolist()) - {-1})
    ids_b = sorted(set(np.asarray(b).tolist()) - {-1})
    A = _membership(a, ids_a)
    B = _membership(b, ids_b)
    both = (A.T @ B).toarray()
    size_a = np.asarray(A.sum(axis=0)).ravel()[:, None]
    size_b = np.asarray(B.sum(axis=0)).ravel()[None, :]
    return both / np.maximum(size_a + size_b - both, 1), ids_a, ids_b


def _membership(labels: np.ndarray, ids: list[int]) -> sp.csr_matrix:
    labels = np.asarray(labels)
    column = {c: i for i, c in enumerate(ids)}
    rows = np.flatnonzero(labels >= 0)
    cols = np.array([column[int(c)] for c in labels[rows]], dtype=np.int64)
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(labels), len(ids)))


def match_topics(reference: np.ndarray, other: np.ndarray) -> dict[int, tuple[int | None, float]]:
    """Each reference topic's match in ``other`` (one-to-one, Hungarian on document Jaccard)
    and their Jaccard overlap; a topic left without a partner (more topics than the other run
    has) gets ``(None, 0.0)``."""
    overlap, ids_ref, ids_other = jaccard_matrix(reference, other)
    out: dict[int, tuple[int | None, float]] = {c: (None, 0.0) for c in ids_ref}
    if overlap.size:
        rows, cols = linear_sum_assignment(-overlap)
        for r, c in zip(rows, cols):
            out[ids_ref[r]] = (ids_other[c], float(overlap[r, c]))
    return out


def topic_stability(reference: np.ndarray, runs: list[np.ndarray],
                    reference_keywords: dict[int, list[str]] | None = None,
                    run_keywords: list[dict[int, list[str]]] | None = None) -> list[dict]:
    """How each topic of the reference run reappears in the other runs.

    Parameters
    ----------
    reference : ndarray of int
        The reference run's labels.
    runs : list of ndarray of int
        The other runs' labels of the same documents.
    reference_keywords, run_keywords : optional
        Topic id -> keywords, of the reference and of each run: adds the keywords' Jaccard overlap
        of the matched topics.

    Returns
    -------
    list of dict
        Per reference topic (id order): ``topic_id``, ``size``, ``stability`` (mean document Jaccard
        with its match over the runs), ``min_jaccard``, ``keyword_jaccard`` (mean, or None) and
        ``matches`` (the matched topic id in each run, None where it had none).
    """
    ids = sorted(set(np.asarray(reference).tolist()) - {-1})
    found = {c: {"docs": [], "words": [], "matches": []} for c in ids}
    for r, labels in enumerate(runs):
        matched = match_topics(reference, labels)
        for c in ids:
            partner, jaccard = matched[c]
            found[c]["docs"].append(jaccard)
            found[c]["matches"].append(partner)
            if reference_keywords is not None and run_keywords is not None:
                mine = set(reference_keywords.get(c, []))
                theirs = set(run_keywords[r].get(partner, [])) if partner is not None else set()
                found[c]["words"].append(len(mine & theirs) / max(len(mine | theirs), 1))
    sizes = np.bincount(np.asarray(reference)[np.asarray(reference) >= 0])
    return [{"topic_id": c, "size": int(sizes[c]) if c < len(sizes) else 0,
             "stability": round(float(np.mean(found[c]["docs"])), 6) if runs else None,
             "min_jaccard": round(float(np.min(found[c]["docs"])), 6) if runs else None,
             "keyword_jaccard": round(float(np.mean(found[c]["words"])), 6) if found[c]["words"] else None,
             "matches": found[c]["matches"]} for c in ids]
