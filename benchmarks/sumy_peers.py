"""sumy, the peer of the summarisation benchmark: its summarisers fed our sentences, and the
side-by-side comparison of the classic word-statistics methods (LSA, Luhn, SumBasic, KL-Sum,
Edmundson): agreement of the picks, ROUGE with paired bootstrap intervals, and time per article.

sumy gets our sentences through a small tokenizer adapter (its own tokenizer needs NLTK data
that cannot be downloaded here), so both sides choose among exactly the same sentences.
"""

from __future__ import annotations

import re
import time

import numpy as np

from toolkit.evaluation import ROUGE_TYPES, paired_bootstrap
from toolkit.experiments import config as cfg
from toolkit.summarization import SentenceTfidf, budget_size

_WORD = re.compile(r"\w+(?:['’]\w+)*")
# Edmundson's cue words: generic evidence words of reporting, fixed before looking at any
# result and given to both sides alike (no corpus here comes with its own cue dictionary).
BONUS_WORDS = ["said", "announced", "according", "important", "significant", "major", "first", "new"]
STIGMA_WORDS = ["perhaps", "hardly", "maybe", "believe", "think", "guess"]
# (our method, our settings, sumy class name): the same method on both sides
CLASSIC = [
    ("lsa", {}, "LsaSummarizer"),
    ("luhn", {}, "LuhnSummarizer"),
    ("sumbasic", {}, "SumBasicSummarizer"),
    ("klsum", {}, "KLSummarizer"),
    ("edmundson", {"bonus_words": BONUS_WORDS, "stigma_words": STIGMA_WORDS}, "EdmundsonSummarizer"),
]


class SumyTokenizer:
    """Feeds sumy our sentences: one sentence per call, words by a regex."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return [paragraph]

    def to_words(self, sentence: str) -> list[str]:
        return _WORD.findall(sentence)


def sumy_summarizer(class_name: str):
    """One of sumy's summarisers, English stemmer and stop words, as its README sets them up."""
    import sumy.summarizers.edmundson as edmundson
    import sumy.summarizers.kl as kl
    import sumy.summarizers.lex_rank as lex_rank
    import sumy.summarizers.lsa as lsa
    import sumy.summarizers.luhn as luhn
    import sumy.summarizers.sum_basic as sum_basic
    import sumy.summarizers.text_rank as text_rank
    from sumy.nlp.stemmers import Stemmer
    from sumy.utils import get_stop_words

    modules = (edmundson, kl, lex_rank, lsa, luhn, sum_basic, text_rank)
    cls = next(getattr(m, class_name) for m in modules if hasattr(m, class_name))
    summarizer = cls(Stemmer("english"))
    stop_words = get_stop_words("english")
    if class_name == "EdmundsonSummarizer":
        summarizer.bonus_words, summarizer.stigma_words = BONUS_WORDS, STIGMA_WORDS
        summarizer.null_words = stop_words
    else:
        summarizer.stop_words = stop_words
    return summarizer


def sumy_systems() -> dict:
    """sumy's graph summarisers (the classic ones: :func:`classic_picks`)."""
    return {f"sumy {name}": sumy_summarizer(f"{name}Summarizer") for name in ("LexRank", "TextRank")}


def sumy_pick(summarizer, sentences: list[str], k: int, title: str = "") -> list[str]:
    """sumy's ``k`` sentences out of ``sentences`` (``title`` as the heading, for Edmundson)."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    tok = SumyTokenizer()
    heading = [Sentence(title, tok, is_heading=True)] if title else []
    doc = ObjectDocumentModel([Paragraph(heading + [Sentence(s, tok) for s in sentences])])
    return [str(s) for s in summarizer(doc, k)]


def our_classic(method: str, settings: dict, seed: int):
    return cfg.build("summarize", cfg.resolve_section(
        "summarize", {"method": method, "units": ["document"], "representation": "tfidf", **settings}), seed)


def classic_picks(docs, ratio: float, seed: int) -> dict:
    """Each classic method's picks (sentence indices per article), ours and sumy's."""
    ks = [budget_size(len(d.sentences), None, ratio) for d in docs]
    encode = SentenceTfidf.for_corpus(docs)
    out = {}
    for method, settings, sumy_name in CLASSIC:
        # context: none, as sumy picks by score alone
        summaries = our_classic(method, {"ratio": ratio, "context": "none", **settings}, seed).summarize_corpus(
            docs, [], encode)
        ours = [sorted(s["index"] for s in summary.sentences) for summary in summaries]
        theirs_summarizer = sumy_summarizer(sumy_name)
        theirs = []
        for d, k in zip(docs, ks):
            picked = sumy_pick(theirs_summarizer, d.sentences, k, d.title if method == "edmundson" else "")
            theirs.append(sorted(d.sentences.index(p) for p in picked))
        out[method] = {"ours": ours, "sumy": theirs, "sumy_name": sumy_name}
    return out


def agreement(ours: list[list[int]], theirs: list[list[int]]) -> dict:
    """Share of articles whose pick sets are identical, and the mean share of sumy's picks we made too."""
    same = [set(a) == set(b) for a, b in zip(ours, theirs)]
    overlap = [len(set(a) & set(b)) / max(len(b), 1) for a, b in zip(ours, theirs)]
    return {"identical_sets": float(np.mean(same)), "mean_overlap": float(np.mean(overlap))}


def classic_comparison(picks: dict, per_doc_rouge, seed: int) -> list[dict]:
    """One row per method: agreement and paired ROUGE-1/2 bootstrap, ours minus sumy."""
    rows = []
    for method, p in picks.items():
        row = {"method": method, "sumy": p["sumy_name"], **agreement(p["ours"], p["sumy"])}
        ours, theirs = per_doc_rouge(p["ours"]), per_doc_rouge(p["sumy"])
        for j, t in enumerate(ROUGE_TYPES[:2]):
            row[f"{t}_ours"], row[f"{t}_sumy"] = float(ours[:, j].mean()), float(theirs[:, j].mean())
            row[f"{t}_paired"] = paired_bootstrap(ours[:, j], theirs[:, j], seed=seed)
        rows.append(row)
    return rows


def classic_speed(docs, ratio: float, seed: int, repeats: int = 3) -> list[dict]:
    """Seconds per article, best of ``repeats``, ours and sumy's taking turns: ours summarises the
    articles as one corpus (words counted and stemmed once, TF-IDF for the redundancy cap
    included); sumy is called article by article, as it works."""
    ks = [budget_size(len(d.sentences), None, ratio) for d in docs]
    rows = []
    for method, settings, sumy_name in CLASSIC:
        summarizer = our_classic(method, {"ratio": ratio, **settings}, seed)
        theirs_summarizer = sumy_summarizer(sumy_name)
        edmundson = method == "edmundson"

        def ours(summarizer=summarizer):
            summarizer.summarize_corpus(docs, [], SentenceTfidf.for_corpus(docs))

        def theirs(s=theirs_summarizer, edmundson=edmundson):
            for d, k in zip(docs, ks):
                sumy_pick(s, d.sentences, k, d.title if edmundson else "")

        best = {"ours": np.inf, "sumy": np.inf}
        for _ in range(repeats):
            for name, fn in (("ours", ours), ("sumy", theirs)):
                start = time.perf_counter()
                fn()
                best[name] = min(best[name], time.perf_counter() - start)
        rows.append({"method": method, "ours_s_per_article": best["ours"] / len(docs),
                     "sumy_s_per_article": best["sumy"] / len(docs), "speed_up": best["sumy"] / best["ours"]})
    return rows


def classic_markdown(rows: list[dict], speed: list[dict]) -> list[str]:
    lines = ["## The classic methods side by side with sumy (same sentences, same budget)", "",
             "| method | identical pick sets | mean overlap | ROUGE-1 ours / sumy | ROUGE-2 ours / sumy "
             "| ROUGE-2 ours - sumy [95% CI] | ours s/article | sumy s/article | speed-up |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    timing = {r["method"]: r for r in speed}
    for r in rows:
        p, t = r["rouge2_paired"], timing.get(r["method"], {})
        lines.append(
            f"| {r['method']} | {r['identical_sets']:.0%} | {r['mean_overlap']:.2f} | "
            f"{r['rouge1_ours']:.3f} / {r['rouge1_sumy']:.3f} | {r['rouge2_ours']:.3f} / {r['rouge2_sumy']:.3f} | "
            f"{p['mean_difference']:+.3f} [{p['ci95'][0]:+.3f}, {p['ci95'][1]:+.3f}] | "
            f"{t.get('ours_s_per_article', float('nan')):.5f} | {t.get('sumy_s_per_article', float('nan')):.5f} | "
            f"{t.get('speed_up', float('nan')):.1f}x |")
    lines += ["", "Identical pick sets: share of articles where both chose exactly the same sentences; mean overlap: "
              "share of sumy's picks we chose too. The interval is a paired bootstrap over articles. Where the "
              "methods differ by design (LSA's dimensions and weighting, KL-Sum's divergence, Luhn's gaps) the "
              "docstrings of toolkit.summarization.word_scorers say why.", ""]
    return lines
