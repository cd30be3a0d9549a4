"""Topic quality: NPMI coherence of keywords on the corpus itself, and topic diversity."""

from __future__ import annotations

import itertools
import re

import numpy as np

from toolkit.text.terms import KEYWORD_PATTERN

_TOKEN = re.compile(KEYWORD_PATTERN)


def npmi_coherence(keyword_lists: list[list[str]], texts: list[str], window: int = 10,
                   top_n: int = 10) -> dict:
    """Mean NPMI over keyword pairs of each topic, counted in sliding windows.

    Co-occurrence is counted in boolean sliding windows of ``window`` tokens over each
    text (a text shorter than the window is one window), as gensim's ``c_npmi`` does.
    NPMI(a, b) = log(P(a, b) / (P(a) P(b))) / -log P(a, b); a pair never seen together
    scores -1.

    Parameters
    ----------
    keyword_lists : list of list of str
        Each topic's keywords, best first.
    texts : list of str
        The corpus the topics came from.
    window : int
        Window size in tokens.
    top_n : int
        Keywords per topic that count.

    Returns
    -------
    dict
        ``{"npmi": mean over topics, "per_topic": [...], "window": window, "top_n": top_n}``.
    """
    words = sorted({w for kws in keyword_lists for w in kws[:top_n]})
    index = {w: i for i, w in enumerate(words)}
    k = len(words)
    single = np.zeros(k)
    joint = np.zeros((k, k))
    n_windows = 0
    for text in texts:
        tokens = _TOKEN.findall(text.lower())
        ids = np.array([index.get(t, -1) for t in tokens], dtype=int)
        n_win = max(1, len(tokens) - window + 1)
        n_windows += n_win
        hits = np.flatnonzero(ids >= 0)
        if not hits.size:
            continue
        present = np.zeros((len(tokens) + 1, k), dtype=np.int32)
        present[hits + 1, ids[hits]] = 1
        csum = np.cumsum(present, axis=0)
        starts = np.arange(n_win)
        stops = np.minimum(starts + window, len(tokens))
        in_window = (csum[stops] - csum[starts]) > 0  # windows x words
        W = in_window.astype(np.float64)
        single += W.sum(axis=0)
        joint += W.T @ W
    eps = 1e-12
    per_topic = []
    for kws in keyword_lists:
        kws = [w for w in kws[:top_n] if w in index]
        scores = []
        for a, b in itertools.combinations(kws, 2):
            i, j = index[a], index[b]
            p_ab = joint[i, j] / n_windows
            if p_ab <= 0:
                scores.append(-1.0)
                continue
            pmi = np.log(p_ab / ((single[i] / n_windows) * (single[j] / n_windows) + eps))
            scores.append(float(pmi / -np.log(p_ab)))
        per_topic.append(round(float(np.mean(scores)), 6) if scores else None)
    valid = [s for s in per_topic if s is not None]
    return {"npmi": round(float(np.mean(valid)), 6) if valid else None, "per_topic": per_topic,
            "window": window, "top_n": top_n}


def topic_diversity(keyword_lists: list[list[str]], top_n: int = 10) -> float:
    """Share of distinct words among all topics' top ``top_n`` keywords (1: no overlap)."""
    words = [w for kws in keyword_lists for w in kws[:top_n]]
    return round(len(set(words)) / len(words), 6) if words else 0.0
