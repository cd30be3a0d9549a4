"""Choosing a unit's sentences from their scores: score (or MMR) order, a budget in sentences
or words, a redundancy cap, and the context of sentences that lean on the one before them."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from toolkit.summarization.context import Context
from toolkit.summarization.graph import TIE
from toolkit.summarization.units import ranking_key


def similarities(i: int, S: np.ndarray | None, Xn) -> np.ndarray:
    """Cosine of candidate ``i`` to every candidate: a row of ``S`` when the unit has one, else
    computed from the unit-length rows ``Xn``."""
    if S is not None:
        return S[i]
    if sp.issparse(Xn):
        return np.asarray((Xn @ Xn[i].T).todense()).ravel()
    return Xn @ Xn[i]


def select(scores: np.ndarray, Xn, S: np.ndarray | None, lengths: np.ndarray, limit: int, words: int | None,
           mmr: float | None, max_similarity: float, context: Context | None = None) -> tuple[list[int], set[int]]:
    """Indices picked in score (or MMR) order, and those of them picked only as the context of
    the next sentence.

    Parameters
    ----------
    scores : ndarray
        One score per candidate.
    Xn, S : matrix, ndarray or None
        The candidates' unit-length rows, and their dense cosine matrix when the unit is small
        (None otherwise).
    lengths : ndarray of int
        Words per candidate.
    limit : int
        Sentences at most.
    words : int or None
        Words at most (a sentence that would overflow is skipped).
    mmr : float or None
        Maximal marginal relevance's lambda; None picks by score.
    max_similarity : float
        No two picked sentences reach this cosine.
    context : Context or None
        With a context, a sentence that leans on an unpicked one before it is repaired (that
        one picked too, within the limit and the cap) or skipped, as the context's mode says.

    Returns
    -------
    chosen : list of int
        In the order they were picked.
    added : set of int
        Those picked only so that the next one reads on its own.
    """
    n = len(scores)
    span = scores.max() - scores.min()
    relevance = (scores - scores.min()) / span if span > 0 else np.ones(n)
    closest = np.zeros(n)  # max similarity to any chosen sentence
    open_ = np.ones(n, dtype=bool)
    chosen: list[int] = []
    added: set[int] = set()
    used_words = 0
    order = np.argsort(-ranking_key(scores), kind="stable")
    value = ranking_key(scores).astype(np.float64)
    deferred: set[int] = set()
    while len(chosen) < limit and open_.any():
        if mmr is None:
            i = int(order[open_[order]][0]) if not deferred else int(np.argmax(np.where(open_, value, -np.inf)))
        else:
            gain = np.where(open_, ranking_key(mmr * relevance - (1 - mmr) * closest), -np.inf)
            i = int(np.argmax(gain))
        picks = [i] if context is None else context.picks(i, set(chosen))
        if len(picks) > 1 and mmr is None and i not in deferred:
            # A repair takes more than one place, so it waits its turn at the mean score of
            # the sentences it adds: two good sentences are not traded for one.
            deferred.add(i)
            value[i] = ranking_key(np.array([scores[picks].mean()]))[0]
            continue
        open_[i] = False
        if not picks or len(chosen) + len(picks) > limit:
            continue  # it would dangle, and no repair fits the budget: the next best instead
        if words is not None and used_words + int(lengths[picks].sum()) > words:
            continue
        after = closest
        for p in picks:  # a repair's sentences keep the redundancy cap too
            if after[p] >= max_similarity - TIE:
                break
            after = np.maximum(after, similarities(p, S, Xn))
        else:
            closest = after
            added.update(picks[:-1])
            chosen.extend(picks)
            open_[picks] = False
            used_words += int(lengths[picks].sum())
            open_ &= closest < max_similarity - TIE
    return chosen, added


__all__ = ["select", "similarities"]
