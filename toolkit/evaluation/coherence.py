"""Topic quality: NPMI coherence of keywords on the corpus itself, and topic diversity."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from toolkit.text.terms import KEYWORD_PATTERN

_TOKEN = re.compile(KEYWORD_PATTERN)


def window_counts(texts: list[str], index: dict[str, int], window: int,
                  fold: Callable[[str], str] | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """In how many sliding windows of ``window`` tokens each indexed word occurs, and each
    pair of them together (a text shorter than the window is one window). With ``fold``, a
    token counts as the word ``fold(token)`` (the keywords' vocabulary: ``trump's`` as ``trump``).

    All windows of all texts are rows of one sparse boolean matrix (windows x words): a
    word at token ``p`` of a text with ``m`` windows is in its windows ``max(0, p - window + 1)``
    to ``min(p, m - 1)``, so the counts come from one sparse product, not a loop over windows.

    Returns
    -------
    single : ndarray (words,), joint : ndarray (words, words), n_windows : int
    """
    k = len(index)
    positions, ids, lengths = [], [], np.zeros(len(texts), dtype=np.int64)
    folded: dict[str, str] = {}
    for t, text in enumerate(texts):
        tokens = _TOKEN.findall(text.lower())
        lengths[t] = len(tokens)
        for p, token in enumerate(tokens):
            if fold is not None:
                key = folded.get(token)
                if key is None:
                    key = folded[token] = fold(token)
                token = key
            i = index.get(token)
            if i is not None:
                positions.append((t, p))
                ids.append(i)
    n_win = np.maximum(1, lengths - window + 1)
    n_windows = int(n_win.sum())
    if not ids:
        return np.zeros(k), np.zeros((k, k)), n_windows
    hits = np.array(positions, dtype=np.int64).reshape(-1, 2)
    text, pos = hits[:, 0], hits[:, 1]
    first = np.concatenate([[0], np.cumsum(n_win)[:-1]])[text]  # the text's first window overall
    lo = np.maximum(0, pos - window + 1)
    span = np.minimum(pos, n_win[text] - 1) - lo + 1
    rows = np.repeat(first + lo - np.cumsum(span) + span, span) + np.arange(span.sum())
    cols = np.repeat(np.array(ids, dtype=np.int64), span)
    present = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_windows, k))
    present.data[:] = 1.0  # a word twice in a window counts once
    single = np.asarray(present.sum(axis=0)).ravel()
    joint = (present.T @ present).toarray()
    return single, joint, n_windows


def npmi_coherence(keyword_lists: list[list[str]], texts: list[str], window: int = 10,
                   top_n: int = 10, fold: Callable[[str], str] | None = None) -> dict:
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
    fold : callable or None
        Maps a token (and a keyword) to the word it counts as: the vocabulary the keywords came
        from (:meth:`toolkit.topics.vocabulary.KeywordVocabulary.fold`), so that ``countries``
        is counted wherever ``country`` is. None: tokens as they are.

    Returns
    -------
    dict
        ``{"npmi": mean over topics, "per_topic": [...], "window": window, "top_n": top_n}``.
    """
    # Phrases (``white house``) never match a single token: the single-word keywords are scored.
    keyword_lists = [[w for w in kws if " " not in w] for kws in keyword_lists]
    if fold is not None:
        keyword_lists = [[fold(w) for w in kws] for kws in keyword_lists]
    words = sorted({w for kws in keyword_lists for w in kws[:top_n]})
    index = {w: i for i, w in enumerate(words)}
    single, joint, n_windows = window_counts(texts, index, window, fold)
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
