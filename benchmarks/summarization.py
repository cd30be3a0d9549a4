"""Summarisation benchmark: ROUGE and speed against sumy, and a 50,000-sentence topic.

Run with ``python -m benchmarks.summarization`` (needs the ``bench`` extra for sumy).

Protocol (the same for every system): the 100 BBC dev articles, title line excluded,
body split into sentences by blingfire; each system picks k = max(1, round-half-up(0.4 n))
of an article's n sentences, from the same sentences; ROUGE-1/2/L/Lsum F1 from Google's
rouge-score (stemming on) against the reference extracts, mean with a seeded bootstrap
95% interval; a paired bootstrap over articles compares our best with sumy's best.
sumy gets our sentences through a small tokenizer adapter (its own tokenizer needs NLTK
data that cannot be downloaded here). The classic word-statistics methods (LSA, Luhn,
SumBasic, KL-Sum, Edmundson) are compared with sumy's one by one: :mod:`benchmarks.sumy_peers`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.sumy_peers import (
    classic_comparison,
    classic_markdown,
    classic_picks,
    classic_speed,
    sumy_pick,
    sumy_systems,
)
from toolkit.evaluation import ROUGE_TYPES, bootstrap_ci, paired_bootstrap, rouge_per_pair, split_reference
from toolkit.experiments import config as cfg
from toolkit.summarization import SentenceTfidf, budget_size, make_summarizer
from toolkit.text import LOADERS, SPLITTERS

RATIO = 0.4
OURS = [  # (label, summarizer settings, representation)
    ("lexrank", {"method": "lexrank"}, "tfidf"),
    ("lexrank + mmr", {"method": "lexrank", "mmr": 0.7}, "tfidf"),
    ("lexrank", {"method": "lexrank"}, "minilm"),
    ("lexrank + mmr", {"method": "lexrank", "mmr": 0.7}, "minilm"),
    ("lexrank thresholded 0.1", {"method": "lexrank", "threshold": 0.1}, "tfidf"),
    ("consensus", {"method": "consensus"}, "tfidf"),
    ("textrank overlap", {"method": "textrank"}, "tfidf"),
    ("textrank overlap + mmr", {"method": "textrank", "mmr": 0.7}, "tfidf"),
    ("textrank cosine", {"method": "textrank", "similarity": "cosine"}, "tfidf"),
    ("textrank cosine", {"method": "textrank", "similarity": "cosine"}, "minilm"),
    ("centroid", {"method": "centroid"}, "tfidf"),
    ("centroid", {"method": "centroid"}, "minilm"),
    ("centroid + mmr", {"method": "centroid", "mmr": 0.7}, "minilm"),
    ("degree", {"method": "degree"}, "tfidf"),
    ("degree", {"method": "degree"}, "minilm"),
    ("lead-k", {"method": "lead"}, "tfidf"),
    ("random", {"method": "random"}, "tfidf"),
]
# The rows above pick by score alone (context: none), as sumy does; these show what reading on
# its own costs in ROUGE: a sentence that leans on an unpicked one before it is repaired (that one
# picked too, within the budget) or skipped.
CONTEXT = [  # (label, summarizer settings, representation)
    ("consensus, context repair (the default)", {"method": "consensus", "context": "repair"}, "tfidf"),
    ("consensus, context skip", {"method": "consensus", "context": "skip"}, "tfidf"),
    ("textrank overlap, context repair", {"method": "textrank", "context": "repair"}, "tfidf"),
    ("textrank overlap, context skip", {"method": "textrank", "context": "skip"}, "tfidf"),
    ("lexrank, context repair", {"method": "lexrank", "context": "repair"}, "tfidf"),
    ("centroid, context repair", {"method": "centroid", "context": "repair"}, "minilm"),
]
def load_bbc(path: str | None):
    loader = LOADERS.get("labelled_folders")(path=path) if path else LOADERS.get("builtin")(name="bbc_dev")
    corpus = loader.load()
    return SPLITTERS.get("blingfire")().transform(corpus)


def dangling_share(docs, positions: list[list[int]]) -> float:
    """Share of picked sentences that lean on an unpicked sentence before them, each article
    read whole as the summarisers read it (:meth:`toolkit.summarization.context.Context.dangling`)."""
    from toolkit.summarization.context import Context
    from toolkit.summarization.units import Candidate

    found = sum(len(Context([Candidate(s, d.id, i) for i, s in enumerate(d.sentences)], "none", aligned=True)
                    .dangling(sorted(picked))) for d, picked in zip(docs, positions))
    return found / max(sum(len(p) for p in positions), 1)


def rouge_table(picks: list[list[str]], refs: list[str]) -> np.ndarray:
    return rouge_per_pair([("\n".join(p), ref) for p, ref in zip(picks, refs)])


def run_rouge(corpus, seed: int, sumy: bool) -> tuple[list[dict], dict]:
    split = SPLITTERS.get("blingfire")().split
    docs = list(corpus)
    refs = [split_reference(d.summary, split) for d in docs]
    ks = [budget_size(len(d.sentences), None, RATIO) for d in docs]
    tfidf = SentenceTfidf.for_corpus(corpus)
    encoders = {"tfidf": tfidf}
    from toolkit.embedding import MiniLMEmbedder

    minilm = MiniLMEmbedder()
    encoders["minilm"] = minilm.embed_texts
    minilm.embed_texts([s for d in docs for s in d.sentences])  # fill the cache once
    rows, per_doc, placed = [], {}, {}
    for label, settings, rep in [(a, {"context": "none", **b}, c) for a, b, c in OURS] + CONTEXT:
        summarizer = cfg.build("summarize", cfg.resolve_section(
            "summarize", {"ratio": RATIO, "units": ["document"], "representation": rep, **settings}), seed)
        picks, positions = [], []
        for doc in docs:
            s = summarizer.summarize_document(doc, encoders[rep])
            picks.append([x["text"] for x in s.sentences])
            positions.append([x["position"] for x in s.sentences])
        assert all(len(p) <= k for p, k in zip(picks, ks)), label
        name = f"ours: {label} ({rep})"
        per_doc[name], placed[name] = rouge_table(picks, refs), positions
    classic = []
    if sumy:
        for name, summarizer in sumy_systems().items():
            picks = [sumy_pick(summarizer, d.sentences, k) for d, k in zip(docs, ks)]
            per_doc[name] = rouge_table(picks, refs)
            placed[name] = [[d.sentences.index(p) for p in picked] for d, picked in zip(docs, picks)]

        def by_index(picks: list[list[int]]) -> np.ndarray:
            return rouge_table([[d.sentences[i] for i in p] for d, p in zip(docs, picks)], refs)

        picked = classic_picks(corpus, RATIO, seed)
        for method, p in picked.items():
            per_doc[f"ours: {method} (words)"], placed[f"ours: {method} (words)"] = by_index(p["ours"]), p["ours"]
            per_doc[f"sumy {method}"], placed[f"sumy {method}"] = by_index(p["sumy"]), p["sumy"]
        classic = classic_comparison(picked, by_index, seed)
    for name, table in per_doc.items():
        row = {"system": name, "dangling": dangling_share(docs, placed[name])}
        for j, t in enumerate(ROUGE_TYPES):
            row[t] = float(table[:, j].mean())
            row[f"{t}_ci95"] = bootstrap_ci(table[:, j], 2000, seed)
        rows.append(row)
    return rows, per_doc, classic


def run_three_sentences(corpus, seed: int) -> list[dict]:
    """The default summariser at 3 sentences per article under each context mode: the share of
    picked sentences left dangling, of summaries with one, and ROUGE against the references."""
    from toolkit.summarization.context import context_scores

    split = SPLITTERS.get("blingfire")().split
    docs = list(corpus)
    refs = [split_reference(d.summary, split) for d in docs]
    rows = []
    for mode in ("none", "skip", "repair"):
        summarizer = cfg.build("summarize", cfg.resolve_section(
            "summarize", {"sentences": 3, "units": ["document"], "context": mode}), seed)
        summaries = summarizer.summarize_corpus(corpus, [], SentenceTfidf.for_corpus(corpus))
        table = rouge_table([[x["text"] for x in s.sentences] for s in summaries], refs)
        rows.append({"context": mode, **context_scores(summaries),
                     **{t: float(table[:, j].mean()) for j, t in enumerate(ROUGE_TYPES[:2])}})
    return rows


def _long_documents(corpus, per_doc: int):
    """Documents of ``per_doc`` BBC articles of one category run together (same sentences for both)."""
    from collections import defaultdict

    from toolkit.text import Corpus, Document

    by_label = defaultdict(list)
    for doc in corpus:
        by_label[doc.label].append(doc)
    out = []
    for label, docs in sorted(by_label.items()):
        for start in range(0, len(docs) - per_doc + 1, per_doc):
            group = docs[start:start + per_doc]
            out.append(Document(f"{label}-{start}", "", "", sentences=[s for d in group for s in d.sentences]))
    return Corpus(out)


def run_speed(corpus, sumy: bool, lengths=(1, 3, 6, 12), repeats: int = 5) -> list[dict]:
    """Seconds per document, best of ``repeats`` passes, ours and sumy's passes taking
    turns so that a slow spell of the machine hits both: ours summarises the documents as
    a corpus (TF-IDF fitted, sentences encoded and scored, all included); sumy is called
    document by document, as it works. ``lengths``: articles run together per document."""
    rows = []
    lexrank = sumy_systems()["sumy LexRank"] if sumy else None
    for per_doc in lengths:
        docs = corpus if per_doc == 1 else _long_documents(corpus, per_doc)

        def ours(docs=docs):
            encode = SentenceTfidf.for_corpus(docs)
            make_summarizer(method="lexrank", sentences=None, ratio=RATIO,
                            units=["document"]).summarize_corpus(docs, [], encode)

        def theirs(docs=docs):
            for d in docs:
                sumy_pick(lexrank, d.sentences, budget_size(len(d.sentences), None, RATIO))

        best = {"ours": np.inf, "sumy": np.inf}
        for _ in range(repeats if per_doc < 6 else 2):
            for name, fn in (("ours", ours), ("sumy", theirs)):
                if name == "sumy" and not sumy:
                    continue
                start = time.perf_counter()
                fn()
                best[name] = min(best[name], time.perf_counter() - start)
        row = {"articles per document": per_doc, "documents": len(docs),
               "sentences per document": float(np.mean([len(d.sentences) for d in docs])),
               "ours LexRank s/doc": best["ours"] / len(docs)}
        if sumy:
            row["sumy LexRank s/doc"] = best["sumy"] / len(docs)
            row["speed-up"] = row["sumy LexRank s/doc"] / row["ours LexRank s/doc"]
        rows.append(row)
    return rows


def large_topic_sentences(n: int) -> list[str]:
    """``n`` distinct real sentences: AG News and BBC sentences, then runs of 2 and 3 adjacent ones."""
    split = SPLITTERS.get("blingfire")().split
    base: list[str] = []
    for name in ("ag_news", "bbc_dev"):
        for doc in LOADERS.get("builtin")(name=name).load():
            base += ([doc.title] if doc.title else []) + split(doc.text)
    base = list(dict.fromkeys(s for s in base if len(s.split()) >= 3))
    pairs = [f"{a} {b}" for a, b in zip(base, base[1:])]
    triples = [f"{a} {b} {c}" for a, b, c in zip(base, base[1:], base[2:])]
    from toolkit.text import normalize_text

    # Distinct after the topic unit's own de-duplication (case, quotes, punctuation folded).
    out = list({normalize_text(t): t for t in reversed(base + pairs + triples)}.values())[::-1]
    if len(out) < n:
        raise SystemExit(f"only {len(out)} distinct sentences available")
    return out[:n]


def _large_child(n: int, representation: str) -> None:
    """Runs in a fresh process so that its peak resident memory (ru_maxrss, what
    ``/usr/bin/time -v`` reports) is this work's own. tracemalloc is not used: tracing
    every allocation doubles the time it measures."""
    import resource

    from toolkit.summarization import topic_candidates
    from toolkit.text import Document

    sentences = large_topic_sentences(n)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if representation == "minilm":
        from toolkit.embedding import MiniLMEmbedder

        encode = MiniLMEmbedder().embed_texts
        encode(sentences)  # embedding time is not summarisation time: fill the cache first
    start = time.perf_counter()
    doc = Document("topic", "", "", sentences=sentences)
    if representation == "tfidf":
        encode = SentenceTfidf([sentences])
    cands = topic_candidates([doc])
    summarizer = make_summarizer(method="lexrank", sentences=10, units=["topic"])
    summary = summarizer.summarize(cands, encode([c.text for c in cands]), "topic", "0")
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"sentences": len(cands), "representation": representation, "seconds": seconds,
                      "peak_rss_mb": rss, "rss_before_mb": rss_before, "chosen": len(summary.sentences)}))


def run_large(n: int, representations: list[str]) -> list[dict]:
    out = []
    for rep in representations:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.summarization", "--large-child",
                               str(n), rep], capture_output=True, text=True, check=True)
        out.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return out


def reference_dangling(docs) -> float:
    """The dangling share of the reference extracts (their sentences found in the article)."""
    positions = [[p for p, s in enumerate(d.sentences) if s.strip() and s.strip() in (d.summary or "")] for d in docs]
    return dangling_share(docs, positions)


def markdown(rows, speed, large, comparison, classic: list[str], reference: float, three: list[dict]) -> str:
    lines = ["# Summarisation benchmark: BBC dev (100 articles), k = round(0.4 n) sentences", "",
             "| system | ROUGE-1 | ROUGE-2 | ROUGE-L | ROUGE-Lsum | dangling |",
             "| --- | --- | --- | --- | --- | ---: |"]
    for r in sorted(rows, key=lambda r: -r["rouge2"]):
        cells = [f"{r[t]:.3f} [{r[t + '_ci95'][0]:.3f}, {r[t + '_ci95'][1]:.3f}]" for t in ROUGE_TYPES]
        lines.append(f"| {r['system']} | " + " | ".join(cells) + f" | {100 * r['dangling']:.1f}% |")
    lines += ["", "Brackets: 95% bootstrap interval over articles. Dangling: share of the picked sentences that "
              "lean on a sentence before them that was not picked (a pronoun, a connective such as "
              "\"however\", a definite description such as \"the company\"; "
              "`toolkit.summarization.context`). Our rows pick by score alone (`context: none`, as sumy does) "
              "unless they name a context mode; the reference extracts themselves dangle by the same measure "
              f"in {100 * reference:.1f}% of their sentences.", ""]
    if three:
        lines += ["## The default summariser at 3 sentences per article, by context mode", "",
                  "| context | dangling sentences | summaries with one | ROUGE-1 | ROUGE-2 "
                  "| sentences picked as context |",
                  "| --- | ---: | ---: | --- | --- | ---: |"]
        lines += [f"| {r['context']} | {r['dangling']} of {r['picked']} ({100 * r['dangling_share']:.1f}%) | "
                  f"{100 * r['summaries_affected']:.0f}% | {r['rouge1']:.3f} | {r['rouge2']:.3f} | {r['repaired']} |"
                  for r in three]
        lines.append("")
    if comparison:
        lines += ["## Paired comparison (bootstrap over articles)", ""]
        for key, c in comparison.items():
            lines.append(f"- {key}: difference {c['mean_difference']:+.4f}, 95% CI "
                         f"[{c['ci95'][0]:+.4f}, {c['ci95'][1]:+.4f}], share of resamples not better "
                         f"{c['p_not_better']:.4f}")
        lines.append("")
    lines += classic
    lines += ["## Speed per document (same sentences; ours: TF-IDF fit + encode + LexRank + selection)", "",
              "| articles per document | documents | sentences per document | ours s/doc | sumy LexRank s/doc "
              "| speed-up |", "| --- | --- | --- | --- | --- | --- |"]
    for r in speed:
        lines.append(f"| {r['articles per document']} | {r['documents']} | {r['sentences per document']:.1f} | "
                     f"{r['ours LexRank s/doc']:.5f} | {r.get('sumy LexRank s/doc', float('nan')):.5f} | "
                     f"{r.get('speed-up', float('nan')):.1f}x |")
    if large:
        lines += ["", "## One large topic", ""]
        for r in large:
            lines.append(f"- {r['sentences']:,} sentences ({r['representation']} vectors): {r['seconds']:.1f} s "
                         f"(vectorising, de-duplicating, graph, LexRank, selection), peak resident memory "
                         f"{r['peak_rss_mb']:.0f} MB (of which {r['rss_before_mb']:.0f} MB before the work: "
                         f"Python, libraries{', model' if r['representation'] == 'minilm' else ''})")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a labelled_folders corpus with summaries (default: built-in bbc_dev)")
    parser.add_argument("--out", default="results/benchmarks", help="where the tables go")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-sumy", action="store_true", help="skip the sumy systems")
    parser.add_argument("--large", type=int, default=50_000, help="sentences in the large topic (0: skip)")
    parser.add_argument("--large-minilm", action="store_true", help="also time the large topic on MiniLM vectors")
    parser.add_argument("--large-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--speed-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.speed_child:
        corpus = load_bbc(args.data)
        speed = run_speed(corpus, not args.no_sumy)
        print(json.dumps({"lexrank": speed, "classic": [] if args.no_sumy else classic_speed(corpus, RATIO, 0)}))
        return 0
    if args.large_child:
        _large_child(int(args.large_child[0]), args.large_child[1])
        return 0
    corpus = load_bbc(args.data)
    rows, per_doc, classic = run_rouge(corpus, args.seed, not args.no_sumy)
    comparison = {}
    ours = [r for r in rows if r["system"].startswith("ours") and "lead" not in r["system"]
            and "random" not in r["system"]]
    best_ours = max(ours, key=lambda r: r["rouge2"])["system"]
    default = next(r["system"] for r in rows if "(the default)" in r["system"])
    # The default's two centralities against the one it was before (TextRank alone), both repaired.
    single = "ours: textrank overlap, context repair (tfidf)"
    for j, t in enumerate(ROUGE_TYPES[:2]):
        comparison[f"{t}: {default} - {single}"] = paired_bootstrap(
            per_doc[default][:, j], per_doc[single][:, j], seed=args.seed)
    if not args.no_sumy:
        best_sumy = max((r for r in rows if r["system"].startswith("sumy")), key=lambda r: r["rouge2"])["system"]
        for ours_name in (best_ours, default):
            for j, t in enumerate(ROUGE_TYPES[:2]):
                comparison[f"{t}: {ours_name} - {best_sumy}"] = paired_bootstrap(
                    per_doc[ours_name][:, j], per_doc[best_sumy][:, j], seed=args.seed)
    # A fresh process: the MiniLM runs above loaded torch, whose threads slow small numpy work.
    cmd = [sys.executable, "-m", "benchmarks.summarization", "--speed-child"] + \
        (["--data", args.data] if args.data else []) + (["--no-sumy"] if args.no_sumy else [])
    timed = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
    speed = timed["lexrank"]
    large = run_large(args.large, ["tfidf"] + (["minilm"] if args.large_minilm else [])) if args.large else []
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    reference = reference_dangling(list(corpus))
    three = run_three_sentences(corpus, args.seed)
    text = markdown(rows, speed, large, comparison, classic_markdown(classic, timed["classic"]) if classic else [],
                    reference, three)
    (out / "summarization.md").write_text(text)
    (out / "summarization.json").write_text(json.dumps(
        {"rouge": rows, "reference_dangling": reference, "three_sentences": three, "paired": comparison,
         "speed": speed, "large": large,
         "classic": classic, "classic_speed": timed["classic"]}, indent=2) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
