"""Large topics: the sentences a topic summary picks above ``max_candidates`` distinct
sentences, against the full graph (every pair of sentences).

Run with ``python -m benchmarks.large_topics``: the topic is every distinct sentence of the
development data (``benchmarks.scale.source_sentences``: AG News, BBC and HuffPost, about
20,000 sentences; the data holds no more distinct text). ``--runs 50000``: 50,000 distinct
units, real sentences and runs of two or three adjacent ones. Either is spread over synthetic
documents of 4-12 units. For each method:

- the reference scores every sentence on the full graph, built a block of rows at a time into
  one n x n array (float64, 3.3 GB for 20,000 sentences; float32 above 25,000, 10 GB for
  50,000, checked against float64 on the smaller topic);
- the toolkit with no cap scores every sentence on its ``neighbors``-nearest graph (the
  graph it uses above ``dense_limit`` sentences);
- each cap is the toolkit's default for a large topic: the sentences of highest degree in
  the full graph (estimated from a seeded sample of rows), scored by their exact degree;
- for 5,000 sentences, what that replaced (the sentences closest to the topic's mean, scored
  on their own graph) and a seeded random sample scored the same way.

Reported: the share of the reference's picks each finds, the reference rank of each one's
picks, and the seconds taken (the sentence vectors given, as a run gives them).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from benchmarks import write_results

CAPS = (1000, 2000, 5000, 10000)


def distinct_sentences() -> list[str]:
    """Every distinct sentence of the development data (``benchmarks.scale.source_sentences``)."""
    from benchmarks.scale import source_sentences

    pools = source_sentences()
    return sorted({s for k in sorted(pools) for s in pools[k]})


def sentences_and_runs(n: int) -> list[str]:
    """``n`` distinct units: real sentences, then runs of two and three adjacent ones, as in the
    50,000-sentence topic of ``benchmarks.summarization``. A run shares its words with the
    sentences it joins, so this topic has more near-copies than real text would."""
    from benchmarks.summarization import large_topic_sentences

    return large_topic_sentences(n)


def topic(seed: int, sentences: list[str]):
    """Documents of 4-12 of the ``sentences`` (each once), and one topic holding them all."""
    from toolkit.text.corpus import Document
    from toolkit.topics.describe import Topic

    rng = np.random.default_rng(seed)
    order = rng.permutation(len(sentences))
    docs, at = [], 0
    while at < len(order):
        size = int(rng.integers(4, 13))
        chosen = [sentences[i] for i in order[at:at + size]]
        at += size
        docs.append(Document(id=f"d{len(docs)}", title="", text=" ".join(chosen), sentences=chosen))
    return docs, Topic(id=0, name="everything", keywords=[], size=len(docs), documents=[d.id for d in docs],
                       exemplars=[])


def picks(summary) -> list[str]:
    return [s["text"] for s in summary.sentences]


FLOAT64_CELLS = 25_000**2  # above this, the full graph's weights are stored in float32 (5 GB in float64)


def full_graph_scores(summarizer, cands, vectors, block: int = 1024, dtype=None) -> np.ndarray:
    """Every candidate's score on the full graph of ``summarizer``'s method: every pair of
    sentences, built a block of rows at a time into one n x n array, then iterated as the
    toolkit iterates any graph above ``SOLVE_LIMIT`` sentences.

    The weights are float64 up to ``FLOAT64_CELLS`` cells and float32 above (50,000
    sentences: 10 GB instead of 20); each block of rows is then multiplied in float32 and the
    blocks summed in float64."""
    from sklearn.base import clone

    from toolkit.summarization import SentenceSet, power_iteration, self_loop_weights

    n = len(cands)
    scorer = clone(summarizer).set_params(dense_limit=n).scorer
    sentences = SentenceSet([c.text for c in cands], vectors, np.array([c.position for c in cands]))
    rows, loops = scorer.similarity_rows(sentences), self_loop_weights(vectors)
    dtype = dtype or (np.float64 if n * n <= FLOAT64_CELLS else np.float32)
    W = np.empty((n, n), dtype=dtype)
    starts = range(0, n, block)
    for start in starts:
        stop = min(n, start + block)
        W[start:stop] = scorer.edge_rows(rows(start, stop), start, loops)
    out = W.sum(axis=1, dtype=np.float64)
    inv = np.divide(1.0, out, out=np.zeros(n), where=out > 0)

    def walk(p: np.ndarray) -> np.ndarray:
        v = (inv * p).astype(dtype)
        total = np.zeros(n)
        for start in starts:
            total += W[start:start + block].T @ v[start:start + block]
        return total

    return power_iteration(walk, out == 0, scorer.damping, scorer.max_iter, scorer.tol)


def measure(method: str, docs, the_topic, seed: int) -> dict:
    from toolkit.experiments.config import build
    from toolkit.summarization import sentence_encoder
    from toolkit.summarization.summarizers import central_rows
    from toolkit.summarization.units import score_ranks, topic_candidates
    from toolkit.text.corpus import Corpus

    def summarizer(cap: int, **graph):
        return build("summarize", {"method": method, "units": ["topic"], "max_candidates": cap, **graph}, seed)

    exact_summarizer = summarizer(10**9)
    encode = sentence_encoder(exact_summarizer.representation, Corpus(docs), None)
    cands = topic_candidates(docs)
    vectors = encode([c.text for c in cands])
    # every document sentence's row, encoded once: as a run gives them to its topics
    rows_of_documents = encode([s for d in docs for s in d.sentences])

    def timed(model) -> tuple:
        start = time.perf_counter()
        out = model.summarize_topics([the_topic], docs, encode, vectors=rows_of_documents)[0]
        return out, time.perf_counter() - start

    dtype = np.float64 if len(cands) ** 2 <= FLOAT64_CELLS else np.float32
    start = time.perf_counter()
    full_scores = full_graph_scores(exact_summarizer, cands, vectors, dtype=dtype)
    full = exact_summarizer.summary_of_scores(cands, vectors, full_scores, "topic", "0")
    full_s = time.perf_counter() - start
    float32_check = None
    if dtype == np.float64:
        # what float32 weights change, where both fit: the check behind a float32 reference
        single = full_graph_scores(exact_summarizer, cands, vectors, dtype=np.float32)
        top = np.argsort(-full_scores)[:20]
        single_summary = exact_summarizer.summary_of_scores(cands, vectors, single, "topic", "0")
        float32_check = {
            "same_picks": picks(full) == picks(single_summary),
            "same_top_20": bool((np.argsort(-single)[:20] == top).all()),
            "max_relative_difference": float(np.max(np.abs(single - full_scores) / full_scores))}
    truth = set(picks(full))
    rank_of = {t: int(r) for t, r in zip([c.text for c in cands], score_ranks(full_scores))}

    def row(how: str, cap, summary, seconds: float) -> dict:
        return {"how": how, "cap": cap, "seconds": seconds, "found": len(truth & set(picks(summary))) / len(truth),
                "ranks": [rank_of[t] for t in picks(summary)]}

    rows = [row("every sentence, full graph (reference)", "all", full, full_s)]
    neighbors = exact_summarizer.get_params()["neighbors"]
    exact, exact_s = timed(exact_summarizer)
    rows.append(row(f"every sentence, each one's {neighbors} nearest", "all", exact, exact_s))
    for cap in CAPS:
        if cap < len(cands):
            summary, seconds = timed(summarizer(cap))
            rows.append(row("highest degree, scored by degree in the full graph (default)", cap, summary, seconds))
    # what the default replaced, and chance: a subset scored on its own graph
    cap = 5000
    own_graph = summarizer(10**9, dense_limit=cap)
    for how, keep in (("closest to the mean, own graph", central_rows(vectors, cap)),
                      ("seeded random sample, own graph",
                       np.sort(np.random.default_rng(seed).choice(len(cands), cap, replace=False)))):
        start = time.perf_counter()
        summary = own_graph.summarize([cands[i] for i in keep], vectors[keep], "topic", "0")
        rows.append(row(how, cap, summary, time.perf_counter() - start))
    return {"method": method, "sentences": exact.candidates, "full_dtype": np.dtype(dtype).name,
            "float32_check": float32_check, "rows": rows}


def markdown(results: list[dict], runs: bool = False) -> str:
    lines = ["# Large topics: which sentences a capped summary picks, against the full graph", "",
             f"One topic of {results[0]['sentences']:,} distinct " + (
                 "units (real AG News and BBC sentences, then runs of two and three adjacent ones)"
                 if runs else "sentences (every distinct sentence of the development data)") + ", 5 picked. "
             "The reference scores every sentence on the full graph (every pair; weights in "
             f"{results[0]['full_dtype']}). *found*: share of the reference's picks also picked; *ranks*: "
             "the reference ranks of the picks.", "",
             "| method | sentences scored | how | found | ranks of its picks in the full graph | seconds |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        for row in r["rows"]:
            cap = "all" if row["cap"] == "all" else f"{row['cap']:,}"
            lines.append(f"| {r['method']} | {cap} | {row['how']} | {row['found']:.0%} | "
                         f"{', '.join(map(str, row['ranks']))} | {row['seconds']:.1f} |")
    checks = [f"{r['method']}: the same picks {r['float32_check']['same_picks']}, the same top 20 "
              f"{r['float32_check']['same_top_20']}, scores within a relative "
              f"{r['float32_check']['max_relative_difference']:.1e}" for r in results if r["float32_check"]]
    if checks:
        lines += ["", "The full graph with float32 weights against float64: " + "; ".join(checks) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=["textrank", "lexrank"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, metavar="N",
                        help="a topic of N distinct units, real sentences and runs of 2-3 of them "
                             "(written as large_topics_runs), instead of every distinct sentence")
    parser.add_argument("--out", default="results/benchmarks")
    args = parser.parse_args(argv)
    units = sentences_and_runs(args.runs) if args.runs else distinct_sentences()
    docs, the_topic = topic(args.seed, units)
    results = []
    for method in args.methods:
        results.append(measure(method, docs, the_topic, args.seed))
        print(json.dumps(results[-1]), flush=True)
    stem = "large_topics_runs" if args.runs else "large_topics"
    write_results(args.out, stem, markdown(results, runs=bool(args.runs)), results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
