"""Class-based TF-IDF (as in BERTopic): the weight of each word in each topic."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.preprocessing import normalize

from toolkit.topics.vocabulary import KeywordVocabulary


def class_tfidf(texts: list[str], labels: np.ndarray, classes: list[int],
                vocabulary: KeywordVocabulary | None = None,
                min_df: int | float = 1, max_df: int | float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Class-based TF-IDF (as in BERTopic): ``tf(t, c) * log(1 + A / f(t))``.

    Terms are counted per document, so ``min_df``/``max_df`` mean what they mean in
    scikit-learn (documents, not classes); each class's counts are its documents' summed.

    Parameters
    ----------
    texts : list of str
        Each document's text.
    labels : ndarray of int
        Each document's class.
    classes : list of int
        The classes, in the order of the returned rows.
    vocabulary : KeywordVocabulary or None
        The words counted (stop words, folding); None: scikit-learn's English stop words
        left out, possessives and inflections folded.
    min_df, max_df : int or float
        Terms in fewer / more documents (a count, or a share of them) are left out.

    Returns
    -------
    weights : ndarray, shape (n_classes, n_terms)
    terms : ndarray of str
    """
    if vocabulary is None:
        vocabulary = KeywordVocabulary(frozenset(ENGLISH_STOP_WORDS))
    try:
        doc_counts, terms = vocabulary.counts(texts, min_df, max_df)
    except ValueError:  # no word left (all stop words, or pruned by min_df/max_df): no keywords
        return np.zeros((len(classes), 0)), np.array([], dtype=str)
    return ctfidf_weights(doc_counts, labels, classes), terms


def ctfidf_weights(doc_counts: sp.csr_matrix, labels: np.ndarray, classes: list[int]) -> np.ndarray:
    """:func:`class_tfidf` from each document's term counts; documents of a label not in
    ``classes`` (outliers left out) count toward no class."""
    row = {c: i for i, c in enumerate(classes)}
    members = [(row[int(c)], i) for i, c in enumerate(labels) if int(c) in row]
    rows, cols = (np.array(x, dtype=np.int64) for x in zip(*members)) if members else ([], [])
    membership = sp.csr_matrix((np.ones(len(members)), (rows, cols)), shape=(len(classes), len(labels)))
    return ctfidf_rows(membership @ doc_counts)


def ctfidf_rows(class_counts) -> np.ndarray:
    """Class-based TF-IDF of each class's term counts (rows: classes; as :func:`class_tfidf`)."""
    counts = sp.csr_matrix(class_counts, dtype=np.float64)
    if counts.shape[1] == 0:
        return np.zeros(counts.shape)
    tf = normalize(counts, norm="l1")
    words_per_class = np.asarray(counts.sum(axis=1)).ravel()
    avg_words = words_per_class.mean()
    term_freq = np.maximum(np.asarray(counts.sum(axis=0)).ravel(), 1)
    idf = np.log1p(avg_words / term_freq)
    return tf.multiply(idf).toarray()


__all__ = ["class_tfidf", "ctfidf_rows", "ctfidf_weights"]
