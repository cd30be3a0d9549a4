"""The words topic keywords are made of: one keyword per word, whatever its inflection.

A keyword vocabulary counts each document's words (scikit-learn's ``CountVectorizer``
semantics, :func:`toolkit.text.terms.word_counts`) and then *folds* the forms of one word
into one column: a possessive goes to its base (``trump's`` → ``trump``) and, with
``lemmatize``, a plural or inflected form to its lemma (``elections`` → ``election``) by
`simplemma <https://github.com/adbar/simplemma>`_'s English lookup tables, which ship with
the package. A fold is only accepted when the lemma is an inflection of the word (they
share all but the last two letters of the shorter), so ``best`` never becomes ``good``
nor ``told`` ``tell``. Hyphenated words keep their form. Each folded column is shown as
the form the corpus uses most (``countries``, not ``country``, when the plural is the
usual one), so a reader sees real words.

Stop words are left out before and after folding: ``says`` is dropped as a word, and
``reuters's`` because its fold is.

With ``ngram_range=(1, 2)`` (or more) keywords may also be phrases of adjacent words
(``white house``, ``north korea``), counted as scikit-learn's ``CountVectorizer`` counts them
(stop words removed first) and folded word by word.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from toolkit.text.terms import KEYWORD_PATTERN, word_counts

# News stop words, on top of scikit-learn's English list: words every news topic uses, so
# none describes one. Reporting verbs; wire-service and agency credits; the furniture of news
# pages (photo credits, links); the week's days; words of time and novelty that lead
# c-TF-IDF lists on every corpus (``new``, ``year-old``, ``day``).
NEWS_STOP_WORDS = frozenset("""
said says say saying told tell tells telling according added adds asked asks stated noted reportedly
ap reuters afp upi dpa ians pti xinhua tass ani
photo photos video videos image images getty pic pics credit caption click read com www http https
monday tuesday wednesday thursday friday saturday sunday
new year years year-old day days week weeks month months today yesterday tomorrow time times
just like best really ve ll mr mrs ms
""".split())

_POSSESSIVE = re.compile(r"['’]s?$")


def _shared_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


@functools.lru_cache(maxsize=2**18)
def _lemma(word: str) -> str:
    """``word``'s lemma when it is an inflection of it (shares all but two letters), else ``word``."""
    import simplemma

    if "-" in word or len(word) < 4:
        return word
    lemma = simplemma.lemmatize(word, lang="en").lower()
    if lemma == word or not lemma:
        return word
    return lemma if _shared_prefix(word, lemma) >= max(3, min(len(word), len(lemma)) - 2) else word


@dataclass(frozen=True)
class KeywordVocabulary:
    """Folded word counts for keywords (see the module's description).

    Parameters
    ----------
    stop_words : frozenset of str
        Lower-case words never used as keywords (checked before and after folding).
    lemmatize : bool
        Fold plurals and inflections to their lemma.
    possessives : bool
        Fold possessives to their base word (False only to measure what folding changes).
    ngram_range : (int, int)
        The shortest and longest phrases counted, in words; ``(1, 1)``: single words.
    """

    stop_words: frozenset[str] = frozenset()
    lemmatize: bool = True
    possessives: bool = True
    ngram_range: tuple[int, int] = (1, 1)

    def fold(self, word: str) -> str:
        """The column ``word`` (lower case; a phrase word by word) counts in: possessive
        dropped, lemmatised."""
        if " " in word:
            return " ".join(self.fold(w) for w in word.split(" "))
        base = _POSSESSIVE.sub("", word) if self.possessives and ("'" in word or "’" in word) else word
        return _lemma(base) if self.lemmatize and base else base

    def counts(self, texts: list[str], min_df: int | float = 1,
               max_df: int | float = 1.0) -> tuple[sp.csr_matrix, np.ndarray]:
        """Each text's folded word counts, and each column's shown form.

        ``min_df``/``max_df`` are document counts or shares, as in scikit-learn, applied to the
        folded words.

        Returns
        -------
        counts : csr_matrix of int64, shape (len(texts), words)
        terms : ndarray of str (dtype object)

        Raises
        ------
        ValueError
            No word is left (all stop words, or pruned by ``min_df``/``max_df``).
        """
        if tuple(self.ngram_range) == (1, 1):
            counts, surface = word_counts(texts, KEYWORD_PATTERN, sorted(self.stop_words) or None)
        else:
            counts, surface = _phrase_counts(texts, sorted(self.stop_words) or None, tuple(self.ngram_range))
        keys = np.array([self.fold(w) for w in surface], dtype=object)
        groups, inverse = np.unique(keys, return_inverse=True)
        merge = sp.csr_matrix((np.ones(len(surface), dtype=np.int64), (np.arange(len(surface)), inverse)),
                              shape=(len(surface), len(groups)))
        folded = sp.csr_matrix(counts @ merge)
        kept = np.array([bool(g) and not any(w in self.stop_words for w in g.split(" ")) for g in groups],
                        dtype=bool)
        kept &= _document_frequency_mask(folded, min_df, max_df)
        if not kept.any():
            raise ValueError("no keyword left after stop words and min_df/max_df")
        shown = _shown_forms(np.asarray(counts.sum(axis=0)).ravel(), surface, inverse, groups)
        columns = np.flatnonzero(kept)
        return folded[:, columns], shown[columns]

    def token_keys(self, tokens: list[str]) -> list[str]:
        """The column each token (lower case, as :data:`KEYWORD_PATTERN` reads them) counts in."""
        return [self.fold(t) for t in tokens]


def _phrase_counts(texts: list[str], stop_words: list[str] | None,
                   ngram_range: tuple[int, int]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Counts of words and phrases of ``ngram_range`` words, by scikit-learn's ``CountVectorizer``."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(token_pattern=KEYWORD_PATTERN, stop_words=stop_words, ngram_range=ngram_range,
                                 dtype=np.int64)
    counts = vectorizer.fit_transform(texts)
    return sp.csr_matrix(counts), vectorizer.get_feature_names_out().astype(object)


def _document_frequency_mask(counts: sp.csr_matrix, min_df: int | float, max_df: int | float) -> np.ndarray:
    import numbers

    n = counts.shape[0]
    high = max_df if isinstance(max_df, numbers.Integral) else max_df * n
    low = min_df if isinstance(min_df, numbers.Integral) else min_df * n
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    return (frequency >= low) & (frequency <= high)


def _shown_forms(totals: np.ndarray, surface: np.ndarray, group: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Per group, its most counted surface form that is not a possessive (ties: first in sort
    order); a group of possessives only shows its fold."""
    plain = np.array([not _POSSESSIVE.search(w) for w in surface], dtype=bool)
    shown = keys.copy()
    order = np.lexsort((np.arange(len(surface)), -totals))  # most counted first
    order = order[plain[order]]
    first = np.unique(group[order], return_index=True)[1]  # each group's first plain form in that order
    shown[group[order[first]]] = surface[order[first]]
    return shown


def default_vocabulary(stop_words: list[str] | None, news: bool, lemmatize: bool,
                       ngram_range: tuple[int, int] = (1, 1)) -> KeywordVocabulary:
    """The vocabulary of a describer's settings: its stop words, plus :data:`NEWS_STOP_WORDS` when ``news``."""
    words = {w.lower() for w in stop_words or ()}
    return KeywordVocabulary(frozenset(words | NEWS_STOP_WORDS if news else words), lemmatize,
                             ngram_range=tuple(ngram_range))
