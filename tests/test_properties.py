"""Property-based tests: any Unicode text gives a valid result or the documented error."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from toolkit import DataError, Document
from toolkit.summarization import LexRank, SentenceSet, SentenceTfidf, make_summarizer, stationary_distribution
from toolkit.text import (
    LOADERS,
    SPLITTERS,
    clean_markup,
    count_terms,
    has_words,
    normalize_text,
    page_articles,
    token_key,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text with the characters scraped news throws up: letters of many scripts, digits,
# punctuation, symbols, spaces and line breaks of every kind, marks and controls.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=400)
WORDY = st.lists(st.sampled_from(["The", "minister", "said", "budget", "rates", "café", "naïve", "—", "!",
                                  "?", ".", "1990", "https://x.io/a", "\n", "Über", "日本", " ", "’s"]),
                 max_size=60).map(" ".join)


@SETTINGS
@given(TEXT)
def test_splitters_return_sentences_with_words(text):
    for name in ("blingfire", "nupunkt", "syntok"):
        sentences = SPLITTERS.get(name)().split(text)
        assert all(isinstance(s, str) and s.strip() == s and has_words(s) for s in sentences), name


@SETTINGS
@given(st.one_of(TEXT, WORDY))
def test_cleaners_never_raise(text):
    assert isinstance(clean_markup(text), str)
    assert isinstance(normalize_text(text), str)
    try:
        articles = page_articles(text, "page.txt", min_paragraphs=1)
    except DataError as err:
        assert str(err).startswith("page.txt: no article found")
        return
    lines = {" ".join(line.split()) for line in text.splitlines()}
    for article in articles:
        # Every kept paragraph is a line of the page (up to its spacing).
        assert article.paragraphs and all(" ".join(p.split()) in lines for p in article.paragraphs)


@SETTINGS
@given(st.lists(st.one_of(TEXT, WORDY), min_size=1, max_size=6))
def test_jsonl_loader_reads_any_text_or_says_why(texts):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "docs.jsonl"
        path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
        try:
            corpus = LOADERS.get("jsonl")(path=str(path)).load()
        except DataError as err:
            assert str(path) in str(err) or "docs" in str(err)
            return
        assert len(corpus) == len(texts)
        assert all(isinstance(d.text, str) and isinstance(d.id, str) for d in corpus)


@SETTINGS
@given(st.lists(st.one_of(TEXT, WORDY), max_size=8))
def test_term_counts_equal_countvectorizer(texts):
    try:
        expected = CountVectorizer(stop_words="english")
        matrix = expected.fit_transform(texts)
        words = expected.get_feature_names_out()
    except ValueError:  # scikit-learn: "empty vocabulary"
        matrix, words = sp.csr_matrix((len(texts), 0)), []
    counts, vocabulary = count_terms(texts)
    assert counts.shape == matrix.shape
    if len(words):
        columns = vocabulary.get_indexer(np.array([token_key(w) for w in words], dtype=np.uint64))
        assert (columns >= 0).all()
        assert abs(counts[:, columns] - matrix).sum() == 0


@SETTINGS
@given(st.lists(st.one_of(WORDY, TEXT), min_size=0, max_size=12),
       st.sampled_from(["lexrank", "textrank", "degree", "centroid", "lead", "random"]),
       st.sampled_from([{"sentences": 2}, {"ratio": 0.5}, {"words": 12}]),
       st.sampled_from([None, 0.5]))
def test_summaries_obey_the_budget_on_any_sentences(sentences, method, budget, mmr):
    budget = {"sentences": None, **budget}
    summarizer = make_summarizer(method=method, mmr=mmr, units=["document"], **budget)
    doc = Document("d", "", "", sentences=sentences)
    encode = SentenceTfidf([sentences])
    together = summarizer.summarize_documents([doc], encode(sentences))
    for summary in (summarizer.summarize_document(doc, encode), *together):
        chosen = summary.sentences
        assert summary.candidates == len(sentences) and len(summary.scores) == len(sentences)
        assert all(np.isfinite(summary.scores))
        if not sentences:
            assert summary.note == "no sentences to summarise"
        if budget.get("sentences"):
            assert len(chosen) == min(len(sentences), 2) or summary.note
        if budget.get("words"):
            assert sum(len(c["text"].split()) for c in chosen) <= 12
        assert len({c["index"] for c in chosen}) == len(chosen)


@SETTINGS
@given(st.integers(1, 30), st.integers(1, 8), st.integers(0, 2**31 - 1), st.floats(0.0, 1.0),
       st.booleans())
def test_lexrank_scores_are_finite_and_sum_to_one(n, dim, seed, damping, signed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dim)) if signed else rng.random((n, dim))
    X[rng.random(n) < 0.2] = 0.0  # sentences without words
    if n > 2:
        X[1] = X[0]  # identical sentences
    scores = LexRank(damping=damping).score(SentenceSet.from_texts(["s"] * n, X))
    assert scores.shape == (n,) and np.isfinite(scores).all() and (scores >= 0).all()
    assert scores.sum() == pytest.approx(1.0)
    W = np.abs(rng.normal(size=(n, n))) * (rng.random((n, n)) < 0.3)
    p = stationary_distribution(sp.csr_matrix(W), damping)
    assert np.isfinite(p).all() and p.sum() == pytest.approx(1.0)


@SETTINGS
@given(st.lists(st.one_of(WORDY, TEXT), min_size=1, max_size=5))
def test_the_summarize_command_never_escapes_with_an_exception(texts):
    from toolkit.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, text in enumerate(texts):
            path = Path(tmp) / f"{i}.txt"
            path.write_text(text, encoding="utf-8")
            files.append(str(path))
        try:
            code = main(["summarize", "--quiet", "--json", *files])
        except SystemExit as stop:  # argparse
            code = stop.code
        assert code in (0, 2)
