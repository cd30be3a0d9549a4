"""Scale benchmark: wall time and peak memory per stage on synthetic corpora of real sentences.

Run with ``python -m benchmarks.scale --sizes 10000 100000`` (``--model minilm`` for the
embedding path). Each corpus is made from the real sentences in ``../shared/data`` (AG News
items, BBC articles split by blingfire, HuffPost headlines and descriptions): a document takes a
source category at random, weighted by its sentences, then 4-12 sentences of that category,
seeded; its label is the category. Each size runs in a fresh process with the cheapest
settings (TF-IDF, mini-batch k-means with 20 clusters, no candidate names), so its peak
resident memory is its own; a thread samples the process's resident memory every 20 ms and
each sample is charged to the stage running then (stages run one after another, in the
pipeline's order).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from toolkit.palette import distinct_colours
from toolkit.plots import finish, paper_figure, paper_style

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
# MiniLM embeds each document whole (cut at 256 word pieces): the setting for large corpora,
# one forward pass per document (see the README's Scale section).
POOLING = "text"
STAGE_ORDER = ("load", "sentences", "duplicates", "embed", "reduce", "cluster", "refine", "topics", "summarize",
               "evaluate", "write")


def source_sentences(shared: Path = SHARED) -> dict[str, list[str]]:
    """Real sentences by source category (``ag:World``, ``bbc:sport``, ``huffpost:POLITICS`` ...)."""
    import csv

    from toolkit.text import SPLITTERS

    split = SPLITTERS.get("blingfire")().split
    pools: dict[str, list[str]] = {}
    names = {"1": "World", "2": "Sports", "3": "Business", "4": "Sci/Tech"}
    with open(shared / "ag_news_test.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            pools.setdefault(f"ag:{names[row['label']]}", []).extend(split(row["description"]))
    for path in sorted((shared / "bbc_dev" / "articles").glob("*/*.txt")):
        body = path.read_text(encoding="utf-8").split("\n", 1)[-1]
        pools.setdefault(f"bbc:{path.parent.name}", []).extend(split(body))
    with open(shared / "huffpost_2018_2019.jsonl", encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            text = f"{item['headline']}. {item['short_description']}".strip()
            pools.setdefault(f"huffpost:{item['category']}", []).extend(split(text))
    return {k: [s for s in v if len(s.split()) >= 3] for k, v in pools.items() if v}


def synthetic_corpus(n: int, seed: int = 0, shared: Path = SHARED) -> list[dict]:
    """``n`` documents of 4-12 real sentences, each from one source category (its label)."""
    pools = source_sentences(shared)
    labels = sorted(pools)
    weights = np.array([len(pools[k]) for k in labels], dtype=float)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(labels), size=n, p=weights / weights.sum())
    lengths = rng.integers(4, 13, size=n)
    docs = []
    for i, (k, m) in enumerate(zip(picks, lengths)):
        pool = pools[labels[k]]
        chosen = rng.choice(len(pool), size=min(int(m), len(pool)), replace=False)
        docs.append({"id": f"d{i}", "text": " ".join(pool[j] for j in chosen), "label": labels[k]})
    return docs


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:  # the task ended meanwhile
            pass
    return found


def _rss_mb() -> float:
    """Resident memory of this process and all its descendants (the toolkit's worker
    processes, the figure-drawing child), in MB."""
    import os

    pages, todo = 0, [os.getpid()]
    while todo:
        pid = todo.pop()
        try:
            pages += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except OSError:
            continue
        todo += _children(pid)
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _child(n: int, model: str, workdir: Path, seed: int) -> None:
    """One run in this process, with an empty embedding cache of its own; prints one JSON line."""
    import os

    cache = workdir / f"cache-{n}"
    if model == "static":
        # The static model is made once per machine (about two minutes), like the ONNX export: the
        # run is timed with it made, from an embedding cache that is empty all the same.
        from toolkit.embedding import static_model

        made = static_model(256)
        shutil.copytree(made, cache / "models" / made.name)
    os.environ["TOOLKIT_CACHE_DIR"] = str(cache)
    docs = synthetic_corpus(n, seed)
    path = workdir / f"scale-{n}.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    del docs
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.perf_counter(), _rss_mb()))
            time.sleep(0.02)

    from toolkit import execute
    from toolkit.experiments.runfolder import write_run

    config = {"name": f"scale-{n}", "seed": seed,
              "dataset": {"loader": "jsonl", "path": str(path), "text": "text", "label": "label"},
              "embedding": {"model": model, **({"pooling": POOLING} if model == "minilm" else {})},
              "cluster": {"method": "minibatch_kmeans", "n_clusters": 20},
              "topics": {"names": None}}
    thread = threading.Thread(target=sample, daemon=True)
    baseline = _rss_mb()
    thread.start()
    start = time.perf_counter()
    result = execute(config, progress=False)
    written = time.perf_counter()
    write_run(result, workdir / "runs")
    wall = time.perf_counter() - start
    stop.set()
    thread.join()
    timings = dict(result.timings, write=wall - (written - start))
    # Stage boundaries from the durations, in the pipeline's order.
    bounds, t = {}, start
    for stage in STAGE_ORDER:
        if stage in timings:
            bounds[stage] = (t, t + timings[stage])
            t += timings[stage]
    peaks = {stage: max((rss for when, rss in samples if a <= when <= b), default=float("nan"))
             for stage, (a, b) in bounds.items()}
    print(json.dumps({"documents": n, "model": model, "wall_s": wall, "seconds": timings,
                      "peak_rss_mb": max(r for _, r in samples), "baseline_rss_mb": baseline,
                      "stage_peak_rss_mb": peaks,
                      "sentences": result.metrics["corpus"]["sentences"]}))


def run_size(n: int, model: str, workdir: Path, seed: int) -> dict:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.scale", "--child", str(n), model, str(workdir),
                           str(seed)], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"documents": n, "model": model,
                "error": proc.stderr.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def growth(rows: list[dict], stage: str) -> list[tuple[int, int, float]]:
    """Growth exponents of ``stage`` between consecutive sizes: log(t2/t1) / log(n2/n1)."""
    pts = sorted((r["documents"], _seconds(r, stage)) for r in rows if "error" not in r)
    pts = [(n, t) for n, t in pts if t and t > 0]
    return [(a, b, float(np.log(tb / ta) / np.log(b / a))) for (a, ta), (b, tb) in zip(pts, pts[1:])]


def fitted_growth(rows: list[dict], stage: str) -> float | None:
    """The least-squares slope of log time against log documents over every size: one exponent
    that a single noisy step (a stage of a second at the smallest size) cannot swing."""
    pts = [(r["documents"], _seconds(r, stage)) for r in rows if "error" not in r]
    pts = [(n, t) for n, t in pts if t and t > 0]
    if len(pts) < 3:
        return None
    return float(np.polyfit(np.log([n for n, _ in pts]), np.log([t for _, t in pts]), 1)[0])


def _seconds(row: dict, stage: str) -> float | None:
    return row["wall_s"] if stage == "total" else row["seconds"].get(stage)


def _gb(mb: float | None) -> str:
    """Megabytes as GB, or a dash for a stage too short for a memory sample."""
    return "–" if mb is None or mb != mb else f"{mb / 1024:.1f}"


def markdown(rows: list[dict], model: str) -> str:
    rows = sorted((r for r in rows if r["model"] == model), key=lambda r: r["documents"])
    ok = [r for r in rows if "error" not in r]
    stages = [s for s in STAGE_ORDER if any(s in r["seconds"] for r in ok)]
    lines = [f"# Scale benchmark: {model} (synthetic corpora of real news sentences, 4-12 per document)", "",
             "Seconds per stage; *pipeline* is the run in memory (`toolkit.execute`), *with its folder* adds "
             "writing the run folder (`write`: tables, figures, report.html, the saved model).", "",
             "| documents | sentences | pipeline | with its folder | peak resident memory | " + " | ".join(stages)
             + " |",
             "| --- | --- | --- | --- | --- | " + " | ".join("---" for _ in stages) + " |"]
    for r in rows:
        if "error" in r:
            failed = " ".join(r["error"]) or "killed (out of memory?)"
            lines.append(f"| {r['documents']:,} | | failed: {failed} | | | " + " | ".join("" for _ in stages) + " |")
            continue
        pipeline = r["wall_s"] - r["seconds"].get("write", 0)
        lines.append(f"| {r['documents']:,} | {r['sentences']:,} | {pipeline:.0f} s | {r['wall_s']:.0f} s | "
                     f"{r['peak_rss_mb'] / 1024:.1f} GB | "
                     + " | ".join(f"{r['seconds'].get(s, 0):.1f}" for s in stages) + " |")
    lines += ["", "Peak resident memory by stage (GB):", "",
              "| documents | " + " | ".join(stages) + " |", "| --- | " + " | ".join("---" for _ in stages) + " |"]
    for r in ok:
        lines.append(f"| {r['documents']:,} | " + " | ".join(
            _gb(r["stage_peak_rss_mb"].get(s)) for s in stages) + " |")
    if len(ok) > 1:
        fitted = len(ok) > 2
        lines += ["", "Growth exponent of each stage's time between sizes (1 = linear; n log n is about 1.1 "
                  "at these sizes)" + ("; *all sizes*: the least-squares slope of log time on log documents"
                                       if fitted else "") + ":", "",
                  "| stage | " + " | ".join(f"{a:,} -> {b:,}" for a, b, _ in growth(ok, "total"))
                  + (" | all sizes" if fitted else "") + " |",
                  "| --- | " + " | ".join("---" for _ in growth(ok, "total")) + (" | ---" if fitted else "") + " |"]
        for stage in ["total"] + stages:
            steps = {(a, b): e for a, b, e in growth(ok, stage)}
            slope = fitted_growth(ok, stage) if fitted else None
            lines.append(f"| {stage} | " + " | ".join(
                f"{steps[(a, b)]:.2f}" if (a, b) in steps else "" for a, b, _ in growth(ok, "total"))
                + (f" | {slope:.2f}" if slope is not None else " | " if fitted else "") + " |")
    return "\n".join(lines) + "\n"


@paper_style
def plot(rows: list[dict], model: str, path: Path) -> None:
    """Log-log time against documents, one line per stage taking a second or more, and the total."""
    ok = sorted((r for r in rows if r["model"] == model and "error" not in r), key=lambda r: r["documents"])
    if len(ok) < 2:
        return
    stages = [s for s in STAGE_ORDER if any(r["seconds"].get(s, 0) >= 1 for r in ok)]
    fig, ax = paper_figure(4.4)
    sizes = [r["documents"] for r in ok]
    ax.plot(sizes, [r["wall_s"] for r in ok], color="black", linewidth=2, marker="o", label="total")
    # Twelve stages outrun matplotlib's ten-colour cycle (load and write were both blue).
    for stage, colour in zip(stages, distinct_colours(len(stages))):
        ax.plot(sizes, [max(r["seconds"].get(stage, 0), 0.05) for r in ok], marker=".", color=colour, label=stage)
    ref = np.array([sizes[0], sizes[-1]], dtype=float)
    ax.plot(ref, ok[0]["wall_s"] * ref / ref[0], color="grey", linestyle=":", label="linear (total)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("documents")
    ax.set_ylabel("seconds")
    ax.set_title(f"Time per stage ({model})")
    # below the axes: inside, the names sat on the lines
    ax.legend(ncol=3, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16), handlelength=1.5,
              columnspacing=1.0)
    finish(fig, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--model", default="tfidf", choices=["tfidf", "minilm", "static"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="results/benchmarks")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(int(args.child[0]), args.child[1], Path(args.child[2]), int(args.child[3]))
        return 0
    import tempfile

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = out / f"scale_{args.model}.json"
    # Sizes measured by earlier invocations are kept (a 1M run can be made on its own).
    rows = json.loads(store.read_text()) if store.is_file() else []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            row = run_size(n, args.model, Path(tmp), args.seed)
            rows = [r for r in rows if r["documents"] != n] + [row]
            print(json.dumps(row), flush=True)
            store.write_text(json.dumps(sorted(rows, key=lambda r: r["documents"]), indent=2) + "\n")
    text = markdown(rows, args.model)
    (out / f"scale_{args.model}.md").write_text(text)
    plot(rows, args.model, out / f"scale_{args.model}.png")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
