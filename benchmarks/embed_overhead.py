"""The toolkit's embedding overhead over a bare ``SentenceTransformer.encode`` of the same texts.

Run with ``python -m benchmarks.embed_overhead --texts 4000``. The texts are real sentences
(``benchmarks.scale.source_sentences``, seeded sample). Three ways, in alternation, each
``--repeats`` times, medians reported:

- ``bare``: ``model.encode(texts, batch_size=64, normalize_embeddings=True)``, the model loaded once;
- ``toolkit (no cache)``: ``MiniLMEmbedder(cache=False).embed_texts(texts)``: chunking, float32 rows;
- ``toolkit (cache, cold)``: the same with the cache on and empty: keys, look-up, bulk writes.

Each way embeds the texts afresh (a new cache folder for each cold run), so only the
toolkit's own work differs. Writes ``embed_overhead.md`` and ``.json`` under ``--out``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np

from benchmarks import write_results


def measure(n_texts: int, repeats: int, seed: int) -> dict:
    from benchmarks.scale import source_sentences
    from toolkit.embedding import MiniLMEmbedder

    pools = source_sentences()
    everything = [s for k in sorted(pools) for s in pools[k]]
    rng = np.random.default_rng(seed)
    texts = [everything[i] for i in rng.choice(len(everything), n_texts, replace=False)]
    model = MiniLMEmbedder(cache=False, backend="torch").load_model()

    def bare() -> np.ndarray:
        return model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)

    def toolkit_plain() -> np.ndarray:
        return MiniLMEmbedder(cache=False, backend="torch").embed_texts(texts)

    def toolkit_cached() -> np.ndarray:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["TOOLKIT_CACHE_DIR"] = tmp
            return MiniLMEmbedder(cache=True, backend="torch").embed_texts(texts)

    ways = {"bare encode": bare, "toolkit (no cache)": toolkit_plain, "toolkit (cache, cold)": toolkit_cached}
    bare()  # warm-up: first-call allocations
    seconds: dict[str, list[float]] = {name: [] for name in ways}
    outputs = {}
    for _ in range(repeats):
        for name, fn in ways.items():
            start = time.perf_counter()
            outputs[name] = fn()
            seconds[name].append(time.perf_counter() - start)
    base = statistics.median(seconds["bare encode"])
    rows = []
    for name in ways:
        med = statistics.median(seconds[name])
        gap = float(np.abs(np.asarray(outputs[name], dtype=np.float32) - outputs["bare encode"]).max())
        rows.append({"way": name, "median_s": med, "texts_per_s": n_texts / med, "ratio": med / base,
                     "max_abs_difference": gap, "runs_s": seconds[name]})
    return {"texts": n_texts, "repeats": repeats, "rows": rows}


def markdown(result: dict) -> str:
    lines = [f"# Embedding overhead ({result['texts']:,} real sentences, MiniLM on this CPU, median of "
             f"{result['repeats']} runs)", "",
             "| way | median | texts/s | time / bare encode | largest difference from bare |",
             "| --- | --- | --- | --- | --- |"]
    for r in result["rows"]:
        lines.append(f"| {r['way']} | {r['median_s']:.2f} s | {r['texts_per_s']:.0f} | {r['ratio']:.3f} | "
                     f"{r['max_abs_difference']:.1e} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="results/benchmarks")
    args = parser.parse_args(argv)
    result = measure(args.texts, args.repeats, args.seed)
    write_results(args.out, "embed_overhead", markdown(result), result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
