"""The classic word-statistics summarisers (LSA, Luhn, SumBasic, KL-Sum, Edmundson): hand-checked
cases, the paper's definitions, agreement with sumy on the same sentences, ROUGE on BBC."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit import ConfigError
from toolkit.evaluation import rouge_per_pair, split_reference
from toolkit.summarization import SentenceTfidf, make_summarizer
from toolkit.summarization.scorers import SentenceSet
from toolkit.summarization.word_scorers import (
    EdmundsonScorer,
    KLSumScorer,
    LSAScorer,
    LuhnScorer,
    term_matrix,
)
from toolkit.text import LOADERS, SPLITTERS


@pytest.fixture(scope="module")
def bbc():
    corpus = LOADERS.get("builtin")(name="bbc_dev").load()
    return SPLITTERS.get("blingfire")().transform(corpus)


def _score(scorer, texts, heading="", positions=None):
    positions = np.arange(len(texts)) if positions is None else np.asarray(positions)
    return scorer.score(SentenceSet(list(texts), None, positions, heading=heading,
                                    last=positions == positions.max()))


def test_luhn_scores_the_best_cluster_by_hand():
    # Significant (repeated) stems: market, share, bank. Sentence 0's content words: market share
    # fell sharply bank -> significant at 0, 1, 4: one cluster, 3 significant over a span of 5
    # words = 9 / 5. Sentence 1: "market" alone is no cluster. Sentence 2: bank share market
    # (rate occurs once) -> 3 over 3 = 3.
    texts = ["The market share fell sharply at the bank.",
             "A market opened on Tuesday morning near the coast after long delays elsewhere.",
             "Bank shares and market rates."]
    scores = _score(LuhnScorer(), texts)
    assert scores[0] == pytest.approx(9 / 5)
    assert scores[1] == 0.0
    assert scores[2] == pytest.approx(3.0)
    # A gap of more than max_gap content words splits the cluster.
    assert _score(LuhnScorer(max_gap=1), texts)[0] == pytest.approx(4 / 2)


def _kl(target, counts, smoothing):
    q = counts + smoothing
    q = q / q.sum()
    support = target > 0
    return float((target[support] * np.log(target[support] / q[support])).sum())


def test_klsum_picks_what_the_papers_divergence_picks(bbc):
    """Each greedy step adds the sentence with the smallest KL(unit || smoothed summary),
    computed here the slow, dense way."""
    for doc in bbc.documents[:6]:
        texts = doc.sentences
        A = term_matrix(texts).toarray()
        target = A.sum(axis=0) / A.sum()
        summary, picks, open_ = np.zeros(A.shape[1]), [], list(range(len(texts)))
        for _ in range(5):
            costs = [round(_kl(target, summary + A[i], 0.01), 12) for i in open_]
            best = open_[int(np.argmin(costs))]
            picks.append(best)
            open_.remove(best)
            summary += A[best]
        scores = _score(KLSumScorer(), texts)
        assert list(np.argsort(-scores, kind="stable")[:5]) == picks, doc.id


def test_lsa_ranks_the_sentences_of_the_main_theme_first():
    texts = ["Shares in the bank fell as markets slid.", "The bank said markets and shares would recover.",
             "Markets fell and bank shares slid again.", "A cat sat on a warm mat in the garden."]
    scores = _score(LSAScorer(dimensions=1), texts)
    assert int(np.argmin(scores)) == 3 and scores[3] == pytest.approx(0.0, abs=1e-9)
    assert scores[:3].min() > 0.5


def test_edmundson_adds_cue_title_and_location_evidence():
    texts = ["Officials met on Monday.", "The talks were perhaps useless.", "Ministers said the budget would pass.",
             "The budget vote is on Friday.", "Nothing else happened."]
    cue = _score(EdmundsonScorer(["said"], stigma_words=["perhaps"], cue_weight=1, title_weight=0, location_weight=0),
                 texts)
    assert list(cue) == [0, -1, 1, 0, 0]
    title = _score(EdmundsonScorer((), stigma_words=(), cue_weight=0, title_weight=1, location_weight=0), texts,
                   heading="Budget vote delayed")
    assert list(title) == [0, 0, 1, 2, 0]
    location = _score(EdmundsonScorer((), stigma_words=(), cue_weight=0, title_weight=0, location_weight=1), texts)
    assert list(location) == [1, 0, 0, 0, 1]
    both = _score(EdmundsonScorer(["said"], stigma_words=["perhaps"]), texts, heading="Budget vote delayed")
    assert list(both) == list(cue + title + location)


@pytest.mark.parametrize("params, message", [
    ({"method": "edmundson"}, "summarize.bonus_words: edmundson's cue method needs bonus_words or stigma_words"),
    ({"method": "edmundson", "bonus_words": "said"}, "summarize.bonus_words: must be a list"),
    ({"method": "lsa", "damping": 0.5}, "damping"),
    ({"method": "klsum", "smoothing": 0}, "summarize.smoothing: must be a number"),
])
def test_bad_classic_settings_are_refused(params, message):
    from toolkit.experiments.config import build, resolve_section

    with pytest.raises(ConfigError, match=message):
        build("summarize", resolve_section("summarize", params), 0).fit(["One sentence. Two sentences."])


def test_edmundson_without_cue_words_runs_on_title_and_location(bbc):
    doc = bbc.documents[0]
    s = make_summarizer(method="edmundson", cue_weight=0, sentences=2, context="none").fit_transform([doc])[0]
    title = {w.lower() for w in doc.title.split()}
    assert len(s.sentences) == 2
    assert all(title & {w.strip(".,'").lower() for w in x["text"].split()} for x in s.sentences), doc.title


def _sumy_picks(class_name, docs, ks, titles):
    from benchmarks.sumy_peers import sumy_pick, sumy_summarizer

    summarizer = sumy_summarizer(class_name)
    return [{d.sentences.index(p) for p in sumy_pick(summarizer, d.sentences, k, t)}
            for d, k, t in zip(docs, ks, titles)]


@pytest.mark.parametrize("method, sumy_name, settings, floor", [
    ("sumbasic", "SumBasicSummarizer", {}, 0.65),
    ("edmundson", "EdmundsonSummarizer", "cue", 0.85),
    ("luhn", "LuhnSummarizer", {}, 0.6),
    ("lsa", "LsaSummarizer", {}, 0.55),
])
def test_picks_agree_with_sumy_on_the_same_sentences(bbc, method, sumy_name, settings, floor):
    """Mean share of sumy's picks we pick too, 40 BBC articles at 40%: the same algorithm
    (SumBasic, Edmundson) or a documented variant of it (Luhn, LSA) chooses mostly alike."""
    pytest.importorskip("sumy")
    from benchmarks.sumy_peers import BONUS_WORDS, STIGMA_WORDS

    if settings == "cue":
        settings = {"bonus_words": BONUS_WORDS, "stigma_words": STIGMA_WORDS}
    docs = bbc.documents[:40]
    # context: none, as sumy picks by score alone
    summarizer = make_summarizer(method=method, sentences=None, ratio=0.4, units=["document"], context="none",
                                 **settings)
    summaries = summarizer.summarize_corpus(docs, [], SentenceTfidf.for_corpus(docs))
    ours = [{s["index"] for s in summary.sentences} for summary in summaries]
    ks = [len(o) for o in ours]
    theirs = _sumy_picks(sumy_name, docs, ks, [d.title if method == "edmundson" else "" for d in docs])
    overlap = np.mean([len(a & b) / len(b) for a, b in zip(ours, theirs)])
    assert overlap >= floor, overlap


def test_klsum_beats_sumys_klsum_on_bbc_references(bbc):
    """The paper's divergence (over every word of the article) against sumy's (over the summary's
    words only): higher ROUGE-2 on 40 BBC articles with their reference extracts."""
    pytest.importorskip("sumy")
    split = SPLITTERS.get("blingfire")().split
    docs = bbc.documents[:40]
    refs = [split_reference(d.summary, split) for d in docs]
    summarizer = make_summarizer(method="klsum", sentences=None, ratio=0.4, units=["document"])
    summaries = summarizer.summarize_corpus(docs, [], SentenceTfidf.for_corpus(docs))
    ours = [sorted(s["index"] for s in summary.sentences) for summary in summaries]
    theirs = _sumy_picks("KLSummarizer", docs, [len(o) for o in ours], [""] * len(docs))

    def rouge2(picks):
        pairs = [("\n".join(d.sentences[i] for i in sorted(p)), r) for d, p, r in zip(docs, picks, refs)]
        return rouge_per_pair(pairs)[:, 1]

    assert rouge2(ours).mean() > rouge2(theirs).mean() + 0.05


@pytest.mark.parametrize("method", ["lsa", "luhn", "sumbasic", "klsum"])
def test_a_large_topic_is_summarised_within_budget(bbc, method):
    """Every BBC sentence as one topic (about 1,700 distinct sentences; LSA's truncated SVD path)."""
    from toolkit.summarization import topic_candidates

    cands = topic_candidates(bbc.documents)
    assert len(cands) > 1500
    summarizer = make_summarizer(method=method, sentences=5, units=["topic"])
    summary = summarizer.summarize(cands, SentenceTfidf.for_corpus(bbc)([c.text for c in cands]), "topic", "0")
    assert len(summary.sentences) == 5 and len(summary.scores) == len(cands)
    again = summarizer.summarize(cands, SentenceTfidf.for_corpus(bbc)([c.text for c in cands]), "topic", "0")
    assert summary.sentences == again.sentences
