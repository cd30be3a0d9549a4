"""The vectorised term counter against scikit-learn's CountVectorizer."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from toolkit.text import LOADERS, SPLITTERS, count_terms, token_key

AWKWARD = [
    "a_b c_ d9 9 x I",  # underscores and digits are word characters; one-letter tokens go
    "Ünïcødé wörds ÉCOLE école don’t CAFÉ café",  # non-ASCII lower-casing, curly apostrophe
    "\t\x0b\x0c tabs\x1fseparators",
    "",
    "日本語のテキスト 中文",
    "x—y naïve—test",
    "nul\x00byte inside",
    "The and of",  # only stop words
]


def _same_counts(texts: list[str]) -> None:
    vectorizer = CountVectorizer(stop_words="english")
    expected = vectorizer.fit_transform(texts).astype(float)
    counts, vocabulary = count_terms(texts)
    assert counts.shape == expected.shape
    columns = vocabulary.get_indexer(np.array([token_key(w) for w in vectorizer.get_feature_names_out()],
                                              dtype=np.uint64))
    assert (columns >= 0).all()
    assert abs(counts[:, columns] - expected).sum() == 0


@pytest.mark.parametrize("name", ["bbc_dev", "skynews"])
def test_counts_equal_countvectorizer_on_news(name):
    corpus = SPLITTERS.get("blingfire")().transform(LOADERS.get("builtin")(name=name).load())
    _same_counts([s for d in corpus for s in d.sentences] + AWKWARD)


def test_awkward_text_alone():
    _same_counts(AWKWARD)


def test_a_fixed_vocabulary_ignores_new_words():
    _, vocabulary = count_terms(["the cat sat", "dogs and cats"])
    assert len(vocabulary) == 4  # cat, sat, dogs, cats
    again, _ = count_terms(["Cat cat dogs unknown"], vocabulary)
    assert again.shape == (1, 4) and again.sum() == 3.0
    assert again[0, vocabulary.get_loc(token_key("cat"))] == 2.0
    assert again[0, vocabulary.get_loc(token_key("dogs"))] == 1.0


def test_nothing_to_count():
    counts, vocabulary = count_terms(["", "!!", "..."])
    assert counts.shape == (3, 0) and len(vocabulary) == 0
    assert count_terms([])[0].shape == (0, 0)
