"""Clustering benchmark: every method x 5 seeds on AG News, the BBC dev articles and the
HuffPost 2018-2019 items, side by side with BERTopic on the same cached MiniLM embeddings.

Run with ``python -m benchmarks.clustering`` (needs the ``bench`` extra for BERTopic).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn import metrics

from toolkit.embedding import EMBEDDERS, MiniLMEmbedder
from toolkit.experiments import config as cfg
from toolkit.experiments import prepare_corpus

TRUE_K = {"ag_news": 4, "bbc_dev": 5, "huffpost": 29}
BEST = Path(__file__).resolve().parents[1] / "experiments" / "best_clustering.yaml"
KNN_VOTE = {"method": "knn_vote"}
SCAN = {"method": "scan"}
DEFAULT_LABEL = "default: pooling auto, centred, k-means + SCAN (semantic + lexical neighbours)"
# (label, embedding, reduce settings, cluster settings[, refine settings]); "{k}" is the true
# number of labels. Embeddings: "minilm" (mean of sentences), "minilm_auto" (whole text when it
# fits the model's window, else mean of sentences: the default), "minilm_text" (whole text,
# truncated to the model's window), "tfidf".
METHODS = [
    (DEFAULT_LABEL, "minilm_auto", {"method": "center"}, {"method": "kmeans", "n_clusters": "{k}"}, SCAN),
    ("pooling auto, centred, k-means + SCAN (semantic neighbours only)", "minilm_auto", {"method": "center"},
     {"method": "kmeans", "n_clusters": "{k}"}, {"method": "scan", "lexical_neighbors": 0}),
    ("pooling auto, centred, k-means + kNN vote", "minilm_auto", {"method": "center"},
     {"method": "kmeans", "n_clusters": "{k}"}, KNN_VOTE),
    ("pooling auto, centred, k-means", "minilm_auto", {"method": "center"}, {"method": "kmeans", "n_clusters": "{k}"}),
    ("TF-IDF + k-means", "tfidf", {"method": "none"}, {"method": "kmeans", "n_clusters": "{k}"}),
    ("LSA-100 of TF-IDF + k-means", "tfidf", {"method": "pca", "n_components": 100},
     {"method": "kmeans", "n_clusters": "{k}"}),
    ("MiniLM whole text (truncated) + k-means", "minilm_text", {"method": "none"},
     {"method": "kmeans", "n_clusters": "{k}"}),
    ("k-means", "minilm", {"method": "none"}, {"method": "kmeans", "n_clusters": "{k}"}),
    ("mini-batch k-means", "minilm", {"method": "none"}, {"method": "minibatch_kmeans", "n_clusters": "{k}"}),
    ("agglomerative ward", "minilm", {"method": "none"}, {"method": "agglomerative", "n_clusters": "{k}"}),
    ("agglomerative average cosine", "minilm", {"method": "none"},
     {"method": "agglomerative", "n_clusters": "{k}", "linkage": "average", "metric": "cosine"}),
    ("spectral", "minilm", {"method": "none"}, {"method": "spectral", "n_clusters": "{k}"}),
    ("GMM (diag)", "minilm", {"method": "none"}, {"method": "gmm", "n_clusters": "{k}"}),
    ("HDBSCAN on UMAP-5", "minilm", {"method": "umap"}, {"method": "hdbscan"}),
    ("HDBSCAN on UMAP-5, outliers to nearest", "minilm", {"method": "umap"},
     {"method": "hdbscan", "outliers": "nearest"}),
    ("bertopic_like (UMAP -> HDBSCAN)", "minilm", {"method": "none"}, {"method": "bertopic_like"}),
    ("UMAP-5 + k-means", "minilm", {"method": "umap"}, {"method": "kmeans", "n_clusters": "{k}"}),
    ("UMAP-5 + agglomerative ward", "minilm", {"method": "umap"}, {"method": "agglomerative", "n_clusters": "{k}"}),
    ("UMAP-5 + GMM (full)", "minilm", {"method": "umap"},
     {"method": "gmm", "n_clusters": "{k}", "covariance_type": "full"}),
    ("k-means, k auto (silhouette)", "minilm", {"method": "none"}, {"method": "kmeans", "n_clusters": "auto"}),
    ("UMAP-5 + k-means, k auto (silhouette)", "minilm", {"method": "umap"},
     {"method": "kmeans", "n_clusters": "auto"}),
    ("k-means + kNN vote", "minilm", {"method": "none"}, {"method": "kmeans", "n_clusters": "{k}"}, KNN_VOTE),
    ("k-means, pooling auto", "minilm_auto", {"method": "none"}, {"method": "kmeans", "n_clusters": "{k}"}),
    ("k-means + kNN vote, pooling auto", "minilm_auto", {"method": "none"},
     {"method": "kmeans", "n_clusters": "{k}"}, KNN_VOTE),
]


def embeddings_for(name: str):
    """The corpus, its gold labels, and its TF-IDF and (cached) MiniLM document embeddings."""
    corpus, _, _ = prepare_corpus(cfg.resolve({"dataset": {"loader": "builtin", "name": name}}))
    out = {"tfidf": EMBEDDERS.get("tfidf")().fit_transform(corpus)}
    for rep, pooling in (("minilm", "sentences"), ("minilm_auto", "auto"), ("minilm_text", "text")):
        minilm = MiniLMEmbedder(pooling=pooling)
        start = time.perf_counter()
        out[rep] = minilm.fit_transform(corpus)
        seconds = time.perf_counter() - start
        cache = minilm.embedding_cache
        print(f"{name}: {len(corpus)} documents embedded ({pooling}) in {seconds:.1f} s "
              f"(cache: {cache.hits} found, {cache.misses} computed)", flush=True)
    return corpus, np.array(corpus.labels), out


def _build(section: str, settings: dict, k: int, seed: int):
    """The component, its seed set by the toolkit's one seeding rule (``config.build``)."""
    return cfg.build(section, {key: (k if value == "{k}" else value) for key, value in settings.items()}, seed)


def _seeded(section: str, settings: dict) -> bool:
    return "random_state" in _build(section, settings, 2, 0).get_params() and settings["method"] != "agglomerative"


def run_ours(name, corpus, gold, X_by_rep, seeds, only: list[str] | None = None) -> list[dict]:
    rows = []
    reduced: dict[tuple, tuple[np.ndarray, float]] = {}
    k = TRUE_K[name]
    for label, rep, reduce_settings, cluster_settings, *refine in METHODS:
        if only and label not in only:
            continue
        seeded = _seeded("reduce", reduce_settings) or _seeded("cluster", cluster_settings)
        for seed in seeds:
            if not seeded and seed != seeds[0]:  # deterministic: the first seed's run stands for all
                rows.append(dict(rows[-1], seed=seed))
                continue
            X = X_by_rep[rep]
            key = (rep, json.dumps(reduce_settings, sort_keys=True), seed)
            if key not in reduced:
                start = time.perf_counter()
                reduced[key] = (_build("reduce", reduce_settings, k, seed).fit_transform(X),
                                time.perf_counter() - start)
            Z, reduce_seconds = reduced[key]
            clusterer = _build("cluster", cluster_settings, k, seed)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                labels = clusterer.fit_predict(Z)
                if refine:
                    refiner = _build("refine", refine[0], k, seed)
                    texts = {"texts": [d.full_text for d in corpus]} if refine[0]["method"] == "scan" else {}
                    labels = refiner.fit(Z, labels, **texts).labels_
            seconds = time.perf_counter() - start + reduce_seconds
            rows.append(score_row(name, f"ours: {label}", seed, gold, labels, seconds,
                                  getattr(clusterer, "auto_k_", None)))
            print(f"  {label:45s} seed {seed}: NMI {rows[-1]['nmi']:.3f} ARI {rows[-1]['ari']:.3f} "
                  f"topics {rows[-1]['topics']} ({seconds:.1f} s)", flush=True)
    return rows


def run_bertopic(name, corpus, gold, X, seeds) -> list[dict]:
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    model = MiniLMEmbedder().load_model()
    docs = [f"{d.title}\n{d.text}" for d in corpus]
    rows = []
    for label, nr_topics in (("BERTopic defaults", None), (f"BERTopic nr_topics={TRUE_K[name]}", TRUE_K[name])):
        for seed in seeds:
            # BERTopic's default UMAP and HDBSCAN, with UMAP seeded so that runs differ by seed only.
            umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                              low_memory=False, random_state=seed)
            hdbscan_model = HDBSCAN(min_cluster_size=10, metric="euclidean", cluster_selection_method="eom",
                                    prediction_data=True)
            topic_model = BERTopic(embedding_model=model, umap_model=umap_model, hdbscan_model=hdbscan_model,
                                   nr_topics=nr_topics)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                topics, _ = topic_model.fit_transform(docs, embeddings=X)
            seconds = time.perf_counter() - start
            rows.append(score_row(name, label, seed, gold, np.array(topics), seconds, None))
            print(f"  {label:45s} seed {seed}: NMI {rows[-1]['nmi']:.3f} ARI {rows[-1]['ari']:.3f} "
                  f"topics {rows[-1]['topics']} outliers {rows[-1]['outlier_share']:.2f} ({seconds:.1f} s)",
                  flush=True)
    return rows


BEST_LABEL = "ours, best: experiments/best_clustering.yaml"


def best_config(name: str, seed: int) -> dict:
    """``experiments/best_clustering.yaml`` on a built-in data set: its true number of labels,
    the given seed, clustering only (no summaries)."""
    config = cfg.load_file(BEST)
    config.update(seed=seed, dataset={"loader": "builtin", "name": name},
                  topics={"keywords": 10}, summarize={"units": []})
    config["cluster"] = dict(config["cluster"], n_clusters=TRUE_K[name])
    return config


def run_end_to_end(name, gold, seeds, label: str, make_config) -> list[dict]:
    """``make_config(name, seed)`` run end to end by the toolkit's runner (``toolkit run``; embeddings
    from the cache), one run per seed, with each run's stage timings printed."""
    from toolkit.experiments import execute

    rows = []
    for seed in seeds:
        start = time.perf_counter()
        result = execute(make_config(name, seed), progress=False)
        seconds = time.perf_counter() - start
        rows.append(score_row(name, label, seed, gold, result.labels, seconds, None, result.metrics.get("topics")))
        stages = ", ".join(f"{k} {v:.1f}" for k, v in result.metrics.get("timings", {}).items())
        print(f"  {label:45s} seed {seed}: NMI {rows[-1]['nmi']:.3f} ARI {rows[-1]['ari']:.3f} "
              f"({seconds:.1f} s: {stages})", flush=True)
    return rows


DEFAULT_RUN_LABEL = "ours, default end to end: toolkit run naming only the data and k"


def _end_to_end(**sections):
    """A config maker for ``run_end_to_end``: the data, its true k where ``"{k}"`` stands, the seed,
    these sections, clustering only."""
    def make(name: str, seed: int) -> dict:
        filled = json.loads(json.dumps(sections).replace('"{k}"', str(TRUE_K[name])))
        return {"seed": seed, "dataset": {"loader": "builtin", "name": name}, "summarize": {"units": []},
                "evaluate": {"bootstrap": 0}, **filled}
    return make


# Whole runs beside the default: the classic topic models, and HDBSCAN's many topics merged
# down to the true count along the topic tree (topics.reduce_to, as BERTopic's nr_topics).
END_TO_END = {
    "ours, end to end: LDA on term counts": _end_to_end(
        embedding={"model": "counts"}, reduce={"method": "none"}, cluster={"method": "lda", "n_clusters": "{k}"},
        refine={"method": "none"}),
    "ours, end to end: NMF on TF-IDF": _end_to_end(
        embedding={"model": "tfidf"}, reduce={"method": "none"}, cluster={"method": "nmf", "n_clusters": "{k}"},
        refine={"method": "none"}),
    "ours, end to end: bertopic_like (UMAP -> HDBSCAN), reduce_to k": _end_to_end(
        reduce={"method": "none"}, cluster={"method": "bertopic_like"}, refine={"method": "none"},
        topics={"reduce_to": "{k}"}),
    "ours, end to end: HDBSCAN on UMAP-5, outliers to nearest, reduce_to k": _end_to_end(
        reduce={"method": "umap"}, cluster={"method": "hdbscan", "outliers": "nearest"}, refine={"method": "none"},
        topics={"reduce_to": "{k}"}),
}


def default_config(name: str, seed: int) -> dict:
    """What ``toolkit run`` does with an experiment file that names only the data and k."""
    return {"seed": seed, "dataset": {"loader": "builtin", "name": name}, "cluster": {"n_clusters": TRUE_K[name]}}


def measure_cost(name: str) -> dict:
    """One embedding pass without the cache, then the default run with an empty cache (so it
    embeds too), in the same process with the model already loaded: the run's cost as a
    multiple of the embedding pass."""
    import os
    import tempfile

    from toolkit.experiments import execute

    corpus, _, _ = prepare_corpus(cfg.resolve({"dataset": {"loader": "builtin", "name": name}}))
    embedder = MiniLMEmbedder(cache=False)
    embedder.load_model()
    start = time.perf_counter()
    embedder.fit_transform(corpus)
    embed_seconds = time.perf_counter() - start
    previous = os.environ.get("TOOLKIT_CACHE_DIR")
    with tempfile.TemporaryDirectory() as empty:
        os.environ["TOOLKIT_CACHE_DIR"] = empty
        try:
            start = time.perf_counter()
            result = execute(default_config(name, 0), progress=False)
            run_seconds = time.perf_counter() - start
        finally:
            if previous is None:
                os.environ.pop("TOOLKIT_CACHE_DIR")
            else:
                os.environ["TOOLKIT_CACHE_DIR"] = previous
    cost = {"dataset": name, "documents": len(corpus), "embedding_pass_seconds": embed_seconds,
            "default_run_seconds": run_seconds, "ratio": run_seconds / embed_seconds,
            "stages": result.metrics.get("timings", {})}
    print(f"{name}: one embedding pass {embed_seconds:.1f} s; default run from an empty cache {run_seconds:.1f} s "
          f"({cost['ratio']:.2f}x)", flush=True)
    return cost


def score_row(dataset, system, seed, gold, labels, seconds, auto_k, topics: dict | None = None) -> dict:
    quality = {"npmi": topics["npmi"], "diversity": topics["diversity"]} if topics else {}
    return {"dataset": dataset, "system": system, "seed": seed, **quality,
            "nmi": metrics.normalized_mutual_info_score(gold, labels),
            "ari": metrics.adjusted_rand_score(gold, labels),
            "topics": int(len(set(labels.tolist()) - {-1})),
            "outlier_share": float(np.mean(labels < 0)), "seconds": seconds,
            **({"chosen_k": auto_k["chosen"]} if auto_k else {})}


def summarize_groups(rows: list[dict]) -> list[dict]:
    out = []
    keys = list(dict.fromkeys((r["dataset"], r["system"]) for r in rows))
    for dataset, system in keys:
        group = [r for r in rows if r["dataset"] == dataset and r["system"] == system]
        entry = {"dataset": dataset, "system": system, "runs": len(group)}
        for m in ("nmi", "ari", "topics", "outlier_share", "seconds"):
            values = np.array([r[m] for r in group], dtype=float)
            entry[m] = float(values.mean())
            entry[f"{m}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        for m in ("npmi", "diversity"):  # keyword quality: measured on the end-to-end runs only
            values = np.array([r[m] for r in group if r.get(m) is not None], dtype=float)
            if len(values):
                entry[m] = float(values.mean())
        if "chosen_k" in group[0]:
            entry["chosen_k"] = [r["chosen_k"] for r in group]
        out.append(entry)
    return out


def margins(rows: list[dict], system: str, others: list[str]) -> list[dict]:
    """``system`` minus each of ``others`` in NMI, paired by data set and seed: mean and 95%
    t-interval over the seeds."""
    from scipy import stats

    out = []
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        ours = {r["seed"]: r["nmi"] for r in rows if r["dataset"] == dataset and r["system"] == system}
        for other in others:
            theirs = {r["seed"]: r["nmi"] for r in rows if r["dataset"] == dataset and r["system"] == other}
            seeds = sorted(set(ours) & set(theirs))
            if len(seeds) < 2:
                continue
            diff = np.array([ours[s] - theirs[s] for s in seeds])
            half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
            out.append({"dataset": dataset, "versus": other, "seeds": len(seeds), "difference": float(diff.mean()),
                        "ci95": [float(diff.mean() - half), float(diff.mean() + half)]})
    return out


def _quality(entry: dict, key: str) -> str:
    return f"{entry[key]:.3f}" if key in entry else ""


def markdown(summary: list[dict], seeds, costs: list[dict], rows: list[dict] | None = None) -> str:
    lines = [f"# Clustering benchmark: mean ± std over seeds {list(seeds)}", ""]
    if costs:
        lines += ["## Cost of the default run", "",
                  "| data | documents | one embedding pass (s) | default run from an empty cache (s) | ratio | "
                  "stages (s) |", "| --- | --- | --- | --- | --- | --- |"]
        for c in costs:
            stages = ", ".join(f"{k} {v:.1f}" for k, v in c["stages"].items())
            lines.append(f"| {c['dataset']} | {c['documents']} | {c['embedding_pass_seconds']:.1f} | "
                         f"{c['default_run_seconds']:.1f} | {c['ratio']:.2f}x | {stages} |")
        lines.append("")
    for dataset in dict.fromkeys(s["dataset"] for s in summary):
        lines += [f"## {dataset} ({TRUE_K[dataset]} gold labels)", "",
                  "| system | NMI | ARI | topics | outlier share | NPMI | diversity | seconds |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for s in sorted((s for s in summary if s["dataset"] == dataset), key=lambda s: -s["nmi"]):
            extra = f" (k chosen: {s['chosen_k']})" if "chosen_k" in s else ""
            lines.append(f"| {s['system']}{extra} | {s['nmi']:.3f} ± {s['nmi_std']:.3f} | "
                         f"{s['ari']:.3f} ± {s['ari_std']:.3f} | {s['topics']:.1f} ± {s['topics_std']:.1f} | "
                         f"{s['outlier_share']:.2f} | {_quality(s, 'npmi')} | {_quality(s, 'diversity')} | "
                         f"{s['seconds']:.1f} |")
        lines.append("")
    baselines = ["ours: k-means", "ours: MiniLM whole text (truncated) + k-means", "ours: LSA-100 of TF-IDF + k-means",
                 "ours: TF-IDF + k-means", "BERTopic defaults"]
    found = margins(rows or [], f"ours: {DEFAULT_LABEL}", baselines)
    if found:
        lines += ["## The default's margin over the baselines (NMI, paired by seed, 95% t-interval)", "",
                  "| data | versus | seeds | difference | 95% interval |", "| --- | --- | --- | --- | --- |"]
        for m in found:
            lines.append(f"| {m['dataset']} | {m['versus']} | {m['seeds']} | {m['difference']:+.3f} | "
                         f"[{m['ci95'][0]:+.3f}, {m['ci95'][1]:+.3f}] |")
        lines.append("")
    lines += ["Seconds: clustering (and its reduction and refinement) on precomputed MiniLM embeddings; "
              "BERTopic's include its c-TF-IDF topic representation (BERTopic is given the whole-text "
              "embeddings it would compute itself); the end-to-end rows are whole runs (embeddings from the "
              "cache; the best configuration also fine-tunes and embeds the corpus again).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["ag_news", "bbc_dev", "huffpost"], choices=sorted(TRUE_K))
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1")
    parser.add_argument("--no-bertopic", action="store_true")
    parser.add_argument("--no-ours", action="store_true", help="skip the methods on frozen embeddings")
    parser.add_argument("--methods", nargs="+", metavar="LABEL",
                        help="run only these of our methods on frozen embeddings (labels as in the table)")
    parser.add_argument("--no-best", action="store_true",
                        help="skip experiments/best_clustering.yaml (it fine-tunes the encoder: about 10 minutes "
                             "a seed on AG News)")
    parser.add_argument("--no-default-run", action="store_true", help="skip the end-to-end default runs")
    parser.add_argument("--end-to-end", nargs="*", default=None, metavar="LABEL",
                        help="run only these whole-run systems (LDA, NMF, reduce_to; labels as in the table); "
                             "the flag alone skips them all")
    parser.add_argument("--cost", nargs="*", default=None, metavar="DATASET",
                        help="measure the default run's cost against one uncached embedding pass "
                             "(default data set: ag_news)")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other systems' runs from the existing clustering.json")
    parser.add_argument("--render", action="store_true",
                        help="only rewrite clustering.md from the existing clustering.json")
    parser.add_argument("--out", default="results/benchmarks")
    args = parser.parse_args(argv)
    seeds = list(range(args.seeds))
    if args.render:
        stored = json.loads((Path(args.out) / "clustering.json").read_text())
        text = markdown(stored["summary"], seeds, stored.get("costs", []), stored["runs"])
        (Path(args.out) / "clustering.md").write_text(text)
        print(text)
        return 0
    rows = []
    for name in args.datasets:
        corpus, gold, X_by_rep = embeddings_for(name)
        if not args.no_ours:
            rows += run_ours(name, corpus, gold, X_by_rep, seeds, args.methods)
        if not args.no_bertopic:
            rows += run_bertopic(name, corpus, gold, X_by_rep["minilm_text"], seeds)
        if not args.no_default_run:
            rows += run_end_to_end(name, gold, seeds, DEFAULT_RUN_LABEL, default_config)
        for label, make in END_TO_END.items():
            if args.end_to_end is None or label in args.end_to_end:
                rows += run_end_to_end(name, gold, seeds, label, make)
        if not args.no_best:
            rows += run_end_to_end(name, gold, seeds, BEST_LABEL, best_config)
    costs = [measure_cost(name) for name in (args.cost or ["ag_news"])] if args.cost is not None else []
    out = Path(args.out)
    if args.merge and (out / "clustering.json").is_file():
        fresh = {(r["dataset"], r["system"]) for r in rows}
        old = json.loads((out / "clustering.json").read_text())["runs"]
        rows = [r for r in old if (r["dataset"], r["system"]) not in fresh] + rows
        if not costs:
            costs = json.loads((out / "clustering.json").read_text()).get("costs", [])
    summary = summarize_groups(rows)
    out.mkdir(parents=True, exist_ok=True)
    text = markdown(summary, seeds, costs, rows)
    (out / "clustering.md").write_text(text)
    (out / "clustering.json").write_text(json.dumps({"summary": summary, "runs": rows, "costs": costs}, indent=2)
                                         + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
