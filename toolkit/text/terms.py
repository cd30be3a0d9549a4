"""Term counts of many short texts at once, vectorised.

The tokens are scikit-learn's default (``CountVectorizer``: lower-cased maximal runs of
two or more word characters, English stop words dropped), but found with numpy over the
UTF-8 bytes of all texts joined, and identified by a 64-bit hash of their bytes instead
of a Python string each. Only tokens with non-ASCII bytes (a few in English news) go
through the regex one by one. On news sentences this is several times faster than
``CountVectorizer``, which matters when a corpus of thousands of short documents is
summarised: tokenising was most of the work.

A term is its hash. Two different words share one with probability about
``vocabulary_size ** 2 / 2 ** 65`` (under 1e-9 for a million distinct words); they would
then count as one term.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_WORDS = re.compile(r"\w\w+")
# A keyword: starts with a letter, may hold apostrophes and hyphens (topic keywords and
# their coherence read words this way, not as the summariser's term counts do).
KEYWORD_PATTERN = r"(?u)\b[^\W\d_][\w'-]*\w\b"
# ASCII word characters, plus every non-ASCII byte (its token is re-read by the regex).
_WORD_BYTE = np.array([chr(b).isalnum() or b == 0x5F or b >= 0x80 for b in range(256)], dtype=np.int8)
_BASE = 0x9E3779B97F4A7C15  # odd, so it has an inverse modulo 2 ** 64
_MASK = 2**64 - 1
_powers = np.ones(0, dtype=np.uint64)
_inverse_powers = np.ones(0, dtype=np.uint64)


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE ** i and BASE ** -i modulo 2 ** 64 for i < n (grown on demand, kept)."""
    global _powers, _inverse_powers
    if len(_powers) < n:
        size = max(n, 2 * len(_powers), 1 << 16)
        _powers = np.cumprod(np.full(size, _BASE, dtype=np.uint64))
        _inverse_powers = np.cumprod(np.full(size, pow(_BASE, -1, 2**64), dtype=np.uint64))
    return _powers, _inverse_powers


def token_key(token: str) -> int:
    """The hash :func:`token_rows` gives ``token`` (already lower-cased)."""
    data = token.encode("utf-8", "surrogatepass")
    key, power = 0, _BASE
    for byte in data:
        key = (key + (byte + 1) * power) & _MASK
        power = (power * _BASE) & _MASK
    inverse = pow(_BASE, -1, 2**64)
    return (key * inverse + len(data)) & _MASK


_STOP_KEYS = pd.Index(np.array(sorted(token_key(w) for w in ENGLISH_STOP_WORDS), dtype=np.uint64))


TOKEN_CHUNK = 4_000_000  # characters tokenised at once: the hashing holds ~40 bytes per character


def token_rows(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every token of ``texts`` (stop words included): the text it is in and its hash,
    in reading order. Texts are read in chunks of about ``TOKEN_CHUNK`` characters, so the
    working memory is bounded whatever the corpus' size.

    Returns
    -------
    rows : ndarray of int64
    keys : ndarray of uint64
    """
    n = len(texts)
    if sum(map(len, texts)) > TOKEN_CHUNK:
        found, start, size = [], 0, 0
        for i, text in enumerate(texts):
            size += len(text) + 1
            if size > TOKEN_CHUNK or i == n - 1:
                rows, keys = _token_rows(texts[start:i + 1])
                found.append((rows + start, keys))
                start, size = i + 1, 0
        return np.concatenate([r for r, _ in found]), np.concatenate([k for _, k in found])
    return _token_rows(texts)


def _token_rows(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    n = len(texts)
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(n - 1, 0):  # a NUL in a text: not a word character anyway
        joined = "\x00".join(t.replace("\x00", " ") for t in texts)
    data = joined.encode("utf-8", "surrogatepass").lower()  # bytes.lower: ASCII only; the rest below
    b = np.frombuffer(data, dtype=np.uint8)
    edges = np.diff(_WORD_BYTE[b], prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    rows = np.searchsorted(np.flatnonzero(b == 0), starts, side="right")
    powers, inverse_powers = _power_tables(len(b))
    prefix = np.cumsum((b.astype(np.uint64) + np.uint64(1)) * powers[: len(b)])
    below = np.where(starts > 0, prefix[starts - 1], np.uint64(0))
    keys = (prefix[ends - 1] - below) * inverse_powers[starts] + (ends - starts).astype(np.uint64)
    short = (ends - starts) < 2
    non_ascii = np.flatnonzero(b >= 0x80)
    if len(non_ascii):
        high = np.zeros(len(starts), dtype=bool)
        high[np.searchsorted(starts, non_ascii, side="right") - 1] = True
        rows, keys, short = _reread_non_ascii(data, starts, ends, rows, keys, short, high)
    return rows[~short], keys[~short]


def _reread_non_ascii(data: bytes, starts, ends, rows, keys, short, high):
    """Tokens with non-ASCII bytes, re-read by the regex (Unicode lower-casing and word
    characters), each replaced by the tokens it really holds (zero or more)."""
    parts: dict[int, list[int]] = {}
    for i in np.flatnonzero(high):
        key = int(keys[i])
        if key not in parts:
            text = data[starts[i]:ends[i]].decode("utf-8", "surrogatepass").lower()
            parts[key] = [token_key(t) for t in _WORDS.findall(text)]
    counts = np.ones(len(keys), dtype=np.int64)
    counts[high] = [len(parts[int(k)]) for k in keys[high]]
    new_keys = np.repeat(keys, counts)
    new_short = np.repeat(short, counts)
    offset = np.cumsum(counts) - counts
    for i in np.flatnonzero(high):
        found = parts[int(keys[i])]
        new_keys[offset[i]:offset[i] + len(found)] = found
        new_short[offset[i]:offset[i] + len(found)] = False  # the regex found two or more characters
    return np.repeat(rows, counts), new_keys, new_short


def word_sets(texts: list[str], stop_words: bool = True) -> tuple[sp.csr_matrix, np.ndarray]:
    """Each text's distinct words as a binary row (English stop words left out when
    ``stop_words``) and its length in words, stop words included (one tokenisation).

    Returns
    -------
    words : csr_matrix, shape (len(texts), distinct words), float64 ones
    lengths : ndarray of float64
    """
    rows, keys = token_rows(texts)
    lengths = np.bincount(rows, minlength=len(texts)).astype(np.float64)
    codes, uniques = pd.factorize(keys)
    kept = _STOP_KEYS.get_indexer(uniques) < 0 if stop_words else np.ones(len(uniques), dtype=bool)
    column = np.where(kept, np.cumsum(kept) - 1, -1)
    cols = column[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    rows, cols = rows[cols >= 0], cols[cols >= 0]
    words = sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(texts), max(int(kept.sum()), 1)))
    words.sum_duplicates()
    words.data[:] = 1.0
    return words, lengths


def count_terms(texts: list[str], vocabulary: pd.Index | None = None) -> tuple[sp.csr_matrix, pd.Index]:
    """Term counts of each text.

    Parameters
    ----------
    texts : list of str
    vocabulary : pandas.Index of uint64, optional
        The terms (hashes) to count, one column each; terms outside it are ignored.
        Without it, the vocabulary is every kept term, in order of first appearance.

    Returns
    -------
    counts : csr_matrix, shape (len(texts), len(vocabulary)), float64
    vocabulary : pandas.Index of uint64
    """
    rows, keys = token_rows(texts)
    if vocabulary is None:
        codes, uniques = pd.factorize(keys)
        # Stop words are dropped by vocabulary entry: far fewer lookups than by token.
        kept = _STOP_KEYS.get_indexer(uniques) < 0
        column = np.where(kept, np.cumsum(kept) - 1, -1)
        cols = column[codes]
        vocabulary = pd.Index(uniques[kept], dtype=np.uint64)
    else:
        cols = vocabulary.get_indexer(keys)
    rows, cols = rows[cols >= 0], cols[cols >= 0]
    counts = sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(texts), len(vocabulary)))
    counts.sum_duplicates()
    return counts, vocabulary


def _word_chunk(texts: list[str], pattern: str, stop: frozenset[str], dtype) -> tuple[sp.csr_matrix, np.ndarray]:
    """Counts of one chunk's words over the chunk's own vocabulary (returned beside them, in
    order of first appearance; each row's entries in that order too)."""
    import itertools

    token = re.compile(pattern)
    found = [token.findall(text.lower()) for text in texts]
    lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    codes, uniques = pd.factorize(np.fromiter(itertools.chain.from_iterable(found), dtype=object,
                                              count=int(lengths.sum())))
    kept = np.fromiter((word not in stop for word in uniques), dtype=bool, count=len(uniques))
    column = np.where(kept, np.cumsum(kept) - 1, -1)[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(found)), lengths)[column >= 0]
    counts = sp.csr_matrix((np.ones(len(rows), dtype=dtype), (rows, column[column >= 0])),
                           shape=(len(found), int(kept.sum())))
    counts.sum_duplicates()
    return counts, np.asarray(uniques, dtype=object)[kept]


def word_counts(texts: list[str], pattern: str = KEYWORD_PATTERN, stop_words: str | list[str] | None = None,
                min_df: int | float = 1, max_df: int | float = 1.0,
                max_features: int | None = None, dtype=np.int64) -> tuple[sp.csr_matrix, np.ndarray]:
    """Each text's word counts as ``CountVectorizer(token_pattern=pattern, stop_words=...,
    min_df=..., max_df=..., max_features=..., dtype=...).fit_transform`` gives them: the same matrix,
    to its storage order (each row's entries in the order the words first appear in the
    corpus), the same sorted terms, and its ``ValueError`` when no term is left.

    A large corpus is read in chunks on every usable core (:func:`toolkit.workers.map_chunks`),
    each chunk counted over its own words, and the chunks' words merged after.

    Returns
    -------
    counts : csr_matrix of ``dtype``, shape (len(texts), terms)
    terms : ndarray of str (dtype object, as scikit-learn gives them), sorted
    """
    import functools
    import numbers

    from toolkit.workers import map_chunks

    stop = frozenset(ENGLISH_STOP_WORDS if stop_words == "english" else stop_words or ())
    chunks = map_chunks(functools.partial(_word_chunk, pattern=pattern, stop=stop, dtype=dtype), texts)
    first_seen: dict[str, int] = {}  # the corpus' words in order of first appearance
    for _, words in chunks:
        for word in words:
            first_seen.setdefault(word, len(first_seen))
    if not first_seen:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    parts = []
    for counts, words in chunks:
        ids = np.fromiter((first_seen[w] for w in words), dtype=np.int64, count=len(words))
        parts.append(sp.csr_matrix((counts.data, ids[counts.indices], counts.indptr),
                                   shape=(counts.shape[0], len(first_seen))))
    counts = sp.vstack(parts, format="csr")
    counts.sort_indices()  # by first appearance, as CountVectorizer stores them
    terms = np.array(list(first_seen), dtype=object)
    order = np.argsort(terms)
    position = np.empty(len(order), dtype=counts.indices.dtype)
    position[order] = np.arange(len(order))
    counts.indices = position[counts.indices]  # columns in sorted order, entries where they were
    counts.has_sorted_indices = False
    terms = terms[order]
    n = len(texts)
    high = max_df if isinstance(max_df, numbers.Integral) else max_df * n
    low = min_df if isinstance(min_df, numbers.Integral) else min_df * n
    if high < low:
        raise ValueError("max_df corresponds to < documents than min_df")
    frequency = np.bincount(counts.indices, minlength=len(terms))
    keep = (frequency <= high) & (frequency >= low)
    if max_features is not None and keep.sum() > max_features:
        totals = np.asarray(counts.sum(axis=0)).ravel()
        best = np.zeros(len(terms), dtype=bool)
        best[np.flatnonzero(keep)[(-totals[keep]).argsort()[:max_features]]] = True
        keep = best
    if not keep.any():
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    if not keep.all():
        counts, terms = counts[:, np.flatnonzero(keep)], terms[keep]
    return counts, terms
