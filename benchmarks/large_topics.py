"""Large topics: the sentences a topic summary picks when only the ``max_candidates`` sentences
closest to the topic's mean are scored, against scoring every sentence (the exact graph).

Run with ``python -m benchmarks.large_topics``. The topic is every distinct sentence of the
development data (``benchmarks.scale.source_sentences``: AG News, BBC and HuffPost, about
20,000 sentences; the data holds no more distinct text), spread over synthetic documents of
4-12 sentences. For each method, the exact summary scores all of them (``max_candidates``
above the topic's size); each cap then scores the pre-selected ones, and a seeded random
sample of the same size is shown beside it for reference. Reported: the share of the exact
picks each cap finds, the exact rank of each cap's picks, and the seconds taken.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from benchmarks import write_results

CAPS = (1000, 2000, 5000, 10000)


def topic(seed: int):
    """Documents covering every distinct sentence once at least, and one topic holding them all."""
    from benchmarks.scale import source_sentences
    from toolkit.text.corpus import Document
    from toolkit.topics.describe import Topic

    pools = source_sentences()
    sentences = sorted({s for k in sorted(pools) for s in pools[k]})
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


def measure(method: str, docs, the_topic, seed: int) -> dict:
    from toolkit.experiments.config import build
    from toolkit.summarization import sentence_encoder
    from toolkit.text.corpus import Corpus

    def summarise(cap: int):
        summarizer = build("summarize", {"method": method, "units": ["topic"], "max_candidates": cap}, seed)
        encode = sentence_encoder(summarizer.representation, Corpus(docs), None)
        start = time.perf_counter()
        out = summarizer.summarize_topics([the_topic], docs, encode)[0]
        return out, time.perf_counter() - start

    exact, exact_s = summarise(10**9)
    full_rank = {s["text"]: s["rank"] for s in exact.sentences}
    scores = dict(zip([c for c in _candidate_texts(docs)], exact.scores))
    ranking = sorted(scores, key=lambda t: -scores[t])
    rank_of = {t: i + 1 for i, t in enumerate(ranking)}
    rows = [{"cap": "all", "seconds": exact_s, "found": 1.0, "ranks": [full_rank[t] for t in picks(exact)]}]
    truth = set(picks(exact))
    for cap in CAPS:
        if cap >= exact.candidates:
            continue
        summary, seconds = summarise(cap)
        got = picks(summary)
        rows.append({"cap": cap, "seconds": seconds, "found": len(truth & set(got)) / len(truth),
                     "ranks": [rank_of[t] for t in got]})
        sample = _random_sample_found(method, docs, the_topic, cap, seed, truth)
        rows[-1]["random_sample_found"] = sample
    return {"method": method, "sentences": exact.candidates, "rows": rows}


def _candidate_texts(docs) -> list[str]:
    from toolkit.summarization.units import topic_candidates

    return [c.text for c in topic_candidates(docs)]


def _random_sample_found(method: str, docs, the_topic, cap: int, seed: int, truth: set) -> float:
    """Share of the exact picks a seeded random sample of ``cap`` sentences finds."""
    from toolkit.experiments.config import build
    from toolkit.summarization import sentence_encoder
    from toolkit.summarization.units import topic_candidates
    from toolkit.text.corpus import Corpus

    cands = topic_candidates(docs)
    keep = np.sort(np.random.default_rng(seed).choice(len(cands), cap, replace=False))
    summarizer = build("summarize", {"method": method, "units": ["topic"], "max_candidates": 10**9}, seed)
    encode = sentence_encoder(summarizer.representation, Corpus(docs), None)
    chosen = [cands[i] for i in keep]
    summary = summarizer.summarize(chosen, encode([c.text for c in chosen]), "topic", "0")
    return len(truth & set(picks(summary))) / len(truth)


def markdown(results: list[dict]) -> str:
    lines = ["# Large topics: pre-selected candidates against the exact graph", "",
             f"One topic of {results[0]['sentences']:,} distinct sentences (every distinct sentence of the "
             "development data), 5 picked. *found*: share of the exact summary's picks the capped summary "
             "also picks; *ranks*: the exact ranks of the capped summary's picks; *random*: what a seeded "
             "random sample of the same size finds.", "",
             "| method | candidates scored | found | ranks of its picks in the exact scoring | random sample found "
             "| seconds |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        for row in r["rows"]:
            cap = "all (exact)" if row["cap"] == "all" else f"{row['cap']:,}"
            random = f"{row['random_sample_found']:.0%}" if "random_sample_found" in row else ""
            lines.append(f"| {r['method']} | {cap} | {row['found']:.0%} | {', '.join(map(str, row['ranks']))} | "
                         f"{random} | {row['seconds']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=["textrank", "lexrank"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="results/benchmarks")
    args = parser.parse_args(argv)
    docs, the_topic = topic(args.seed)
    results = []
    for method in args.methods:
        results.append(measure(method, docs, the_topic, args.seed))
        print(json.dumps(results[-1]), flush=True)
    write_results(args.out, "large_topics", markdown(results), results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
