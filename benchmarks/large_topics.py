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
    from toolkit.summarization.units import topic_candidates
    from toolkit.text.corpus import Corpus

    def summarizer(cap: int):
        return build("summarize", {"method": method, "units": ["topic"], "max_candidates": cap}, seed)

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

    exact, exact_s = timed(exact_summarizer)
    full_rank = {s["text"]: s["rank"] for s in exact.sentences}
    scores = dict(zip([c.text for c in cands], exact.scores))
    ranking = sorted(scores, key=lambda t: -scores[t])
    rank_of = {t: i + 1 for i, t in enumerate(ranking)}
    rows = [{"cap": "all", "seconds": exact_s, "found": 1.0, "ranks": [full_rank[t] for t in picks(exact)]}]
    truth = set(picks(exact))
    for cap in CAPS:
        if cap >= exact.candidates:
            continue
        summary, seconds = timed(summarizer(cap))
        got = picks(summary)
        # a seeded random sample of the same size, scored the same way, for reference
        keep = np.sort(np.random.default_rng(seed).choice(len(cands), cap, replace=False))
        sample = exact_summarizer.summarize([cands[i] for i in keep], vectors[keep], "topic", "0")
        rows.append({"cap": cap, "seconds": seconds, "found": len(truth & set(got)) / len(truth),
                     "ranks": [rank_of[t] for t in got],
                     "random_sample_found": len(truth & set(picks(sample))) / len(truth)})
    return {"method": method, "sentences": exact.candidates, "rows": rows}


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
