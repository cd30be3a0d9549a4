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


def _same_storage(a, b) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and all(
        np.array_equal(getattr(a, part), getattr(b, part)) for part in ("indptr", "indices", "data"))


@pytest.mark.parametrize("parallel_from", [10**9, 50])
@pytest.mark.parametrize("settings", [dict(stop_words="english"), dict(stop_words=None, min_df=2, max_df=0.5),
                                      dict(stop_words=["said", "the"], min_df=0.01, max_df=40, max_features=150)])
def test_word_counts_equal_countvectorizer_in_process_and_in_workers(settings, parallel_from, monkeypatch):
    import toolkit.workers
    from toolkit.text.terms import KEYWORD_PATTERN, word_counts

    monkeypatch.setattr(toolkit.workers, "PARALLEL_FROM", parallel_from)
    texts = [d.full_text for d in LOADERS.get("builtin")(name="huffpost", sample=300).load()] + AWKWARD
    vectorizer = CountVectorizer(token_pattern=KEYWORD_PATTERN, **settings)
    expected = vectorizer.fit_transform(texts)
    counts, terms = word_counts(texts, KEYWORD_PATTERN, settings.get("stop_words"), settings.get("min_df", 1),
                                settings.get("max_df", 1.0), settings.get("max_features"))
    assert list(terms) == list(vectorizer.get_feature_names_out()) and len(terms) > 100
    assert _same_storage(counts, expected)  # to the order of each row's entries


def test_word_counts_raise_what_countvectorizer_raises():
    from toolkit.text.terms import word_counts

    with pytest.raises(ValueError, match="empty vocabulary"):
        word_counts(["The and of", ""], stop_words="english")
    with pytest.raises(ValueError, match="no terms remain"):
        word_counts(["alpha beta", "gamma delta"], min_df=2)


def test_tfidf_fitted_in_workers_is_scikit_learns_to_the_bit(monkeypatch):
    from sklearn.feature_extraction.text import TfidfVectorizer

    import toolkit.workers
    from toolkit.embedding.embedders import fit_transform_counted

    texts = [d.full_text for d in LOADERS.get("builtin")(name="ag_news", sample=400).load()] + AWKWARD
    new = [d.full_text for d in LOADERS.get("builtin")(name="huffpost", sample=50).load()]
    monkeypatch.setattr(toolkit.workers, "PARALLEL_FROM", 50)
    for settings in (dict(stop_words="english", sublinear_tf=True), dict(min_df=2, max_features=300)):
        reference, counted = TfidfVectorizer(**settings), TfidfVectorizer(**settings)
        assert _same_storage(fit_transform_counted(counted, texts), reference.fit_transform(texts))
        assert _same_storage(counted.transform(new), reference.transform(new))
        assert list(counted.get_feature_names_out()) == list(reference.get_feature_names_out())


def test_sentences_split_in_workers_equal_those_split_in_process(monkeypatch):
    import toolkit.workers

    corpus = LOADERS.get("builtin")(name="bbc_dev").load()
    expected = [d.sentences for d in SPLITTERS.get("blingfire")().transform(corpus)]
    monkeypatch.setattr(toolkit.workers, "PARALLEL_FROM", 10)
    for doc in corpus:
        doc.sentences = []
    assert [d.sentences for d in SPLITTERS.get("blingfire")().transform(corpus)] == expected
    assert sum(map(len, expected)) > 1000


def test_keyword_vocabulary_folds_possessives_and_inflections_not_other_words():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from toolkit.topics.vocabulary import NEWS_STOP_WORDS, KeywordVocabulary, default_vocabulary

    vocabulary = default_vocabulary(sorted(ENGLISH_STOP_WORDS), news=True, lemmatize=True)
    assert vocabulary.fold("trump's") == vocabulary.fold("trump’s") == "trump"
    assert vocabulary.fold("elections") == "election" and vocabulary.fold("countries") == "country"
    # a lemma that is not an inflection of the word is refused, and hyphenated words keep their form
    assert vocabulary.fold("best") == "best" and vocabulary.fold("told") == "told"
    assert vocabulary.fold("year-olds") == "year-olds" and vocabulary.fold("news") == "news"
    texts = ["Trump's elections, AP says", "Trump won two elections, Reuters reports", "The countries' 2019 budget",
             "Reuters's report: three countries"]
    counts, terms = vocabulary.counts(texts)
    assert list(terms) == \
        ["budget", "countries", "elections", "report", "trump", "won"]
    column = {t: i for i, t in enumerate(terms)}
    assert counts[:, column["trump"]].toarray().ravel().tolist() == [1, 1, 0, 0]
    assert counts[:, column["report"]].toarray().ravel().tolist() == [0, 1, 0, 1]  # "reports" and "report"
    assert {"said", "says", "told", "ap", "reuters", "afp", "new", "year-old"} <= NEWS_STOP_WORDS
    assert not set(terms) & NEWS_STOP_WORDS
    plain = KeywordVocabulary(frozenset(ENGLISH_STOP_WORDS), lemmatize=False, possessives=False)
    assert {"trump's", "reuters", "says", "ap"} <= set(plain.counts(texts)[1])
