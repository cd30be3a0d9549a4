"""Discovery without a topic count: topics found, NMI and seed-to-seed agreement, side by side
with BERTopic's defaults and with k-means given the true k, in one run.

Corpora: BBC dev (100 long articles, 5 labels), AG News (7,600 short items, 4 labels), HuffPost
2018-2019 (4,479 short items, 29 unbalanced categories), and HuffPost's 2018 and 2019 items
apart (each a period the other does not hold). Each system runs at seeds 0, 1 and 2 on the same
cached MiniLM embeddings (the toolkit's default: whole text when it fits the window, else the
mean of its sentences):

* ours, default: ``TopicModel()`` with no number of topics (centring, k-means from Ward's
  clusters, k found by neighbour-graph communities, SCAN refinement);
* ours, true k given: the same with ``n_clusters`` set to the number of labels;
* k-means++ at the true k (the previous default): seeded k-means++ starts, SCAN refinement;
* BERTopic's defaults (UMAP 5-d, HDBSCAN min_cluster_size 10, seeded UMAP), its outliers
  counted as one more cluster for NMI and reported as a share.

Run with ``python -m benchmarks.topic_count`` (BERTopic from the ``bench`` extra; ``--no-bertopic``
skips it). Writes ``results/benchmarks/topic_count.{md,json}``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn import metrics

from toolkit import TopicModel
from toolkit.clustering.methods import KMeansClusterer
from toolkit.embedding import MiniLMEmbedder
from toolkit.experiments import config as cfg
from toolkit.experiments import prepare_corpus
from toolkit.text.corpus import Corpus

OUT = Path(__file__).resolve().parents[1] / "results" / "benchmarks"
SEEDS = (0, 1, 2)


def corpora():
    """(name, corpus, gold labels, MiniLM embeddings) of each corpus and HuffPost's two years."""
    embedder = MiniLMEmbedder(pooling="auto")
    for name in ("bbc_dev", "ag_news", "huffpost"):
        corpus, _, _ = prepare_corpus(cfg.resolve({"dataset": {"loader": "builtin", "name": name}}))
        X = embedder.fit_transform(corpus)
        yield name, corpus, np.array(corpus.labels), X
        if name == "huffpost":
            years = np.array([d.date[:4] for d in corpus])
            for year in ("2018", "2019"):
                keep = np.flatnonzero(years == year)
                part = Corpus([corpus[i] for i in keep], name=f"huffpost {year}")
                yield f"huffpost {year}", part, np.array(part.labels), X[keep]


def ours(k: int | None, init: str, seed: int) -> TopicModel:
    clusterer = KMeansClusterer(k if k else "auto", init=init, random_state=seed)
    return TopicModel(clusterer=clusterer)


def bertopic_labels(corpus, X, seed: int) -> np.ndarray:
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False,
                      random_state=seed)
    hdbscan_model = HDBSCAN(min_cluster_size=10, metric="euclidean", cluster_selection_method="eom",
                            prediction_data=True)
    model = BERTopic(embedding_model=MiniLMEmbedder().load_model(), umap_model=umap_model,
                     hdbscan_model=hdbscan_model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        topics, _ = model.fit_transform([f"{d.title}\n{d.text}" for d in corpus], embeddings=np.asarray(X))
    return np.array(topics)


def measure(name: str, system: str, gold: np.ndarray, runs: list[tuple[np.ndarray, float, dict | None]]) -> dict:
    labels = [r[0] for r in runs]
    aris = [metrics.adjusted_rand_score(a, b) for a, b in itertools.combinations(labels, 2)]
    nmis = [metrics.normalized_mutual_info_score(gold, x) for x in labels]
    topics = [len(set(x.tolist()) - {-1}) for x in labels]
    row = {"corpus": name, "system": system, "labels": len(set(gold.tolist())), "topics": topics,
           "nmi_mean": float(np.mean(nmis)), "nmi_sd": float(np.std(nmis, ddof=1)),
           "seed_ari_mean": float(np.mean(aris)), "seed_ari_min": float(np.min(aris)),
           "outlier_share": float(np.mean([np.mean(x < 0) for x in labels])),
           "seconds": float(np.mean([r[1] for r in runs]))}
    record = runs[0][2]
    if record:
        row["auto_k"] = {k: record[k] for k in ("counts", "modularity", "null_modularity") if k in record}
    print(row, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-bertopic", action="store_true")
    args = parser.parse_args()
    rows = []
    for name, corpus, gold, X in corpora():
        k = len(set(gold.tolist()))
        systems = {"ours, default (no k given)": lambda s: ours(None, "ward", s),
                   "ours, true k given": lambda s, k=k: ours(k, "ward", s),
                   "k-means++ at the true k (previous default)": lambda s, k=k: ours(k, "k-means++", s)}
        for system, make in systems.items():
            runs = []
            for seed in SEEDS:
                start = time.perf_counter()
                model = make(seed).fit(corpus, embeddings=X)
                runs.append((np.asarray(model.labels_), time.perf_counter() - start, model.auto_k_))
            rows.append(measure(name, system, gold, runs))
        if not args.no_bertopic:
            runs = []
            for seed in SEEDS:
                start = time.perf_counter()
                labels = bertopic_labels(corpus, X, seed)
                runs.append((labels, time.perf_counter() - start, None))
            rows.append(measure(name, "BERTopic defaults (outliers as one cluster)", gold, runs))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "topic_count.json").write_text(json.dumps(rows, indent=1))
    (OUT / "topic_count.md").write_text(markdown(rows))
    print(markdown(rows))


def markdown(rows: list[dict]) -> str:
    lines = ["# Topics found without a count, against peers", "",
             "Written by `python -m benchmarks.topic_count`: seeds 0, 1, 2 on the same MiniLM embeddings. "
             "Topics: per seed. NMI: mean ± sd over seeds, against the gold labels (outliers as one cluster). "
             "Seed ARI: mean (lowest) pairwise adjusted Rand index between the seeds' assignments.", "",
             "| corpus | labels | system | topics found | NMI | seed ARI | outliers | seconds per fit |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['corpus']} | {r['labels']} | {r['system']} | {', '.join(map(str, r['topics']))} | "
                     f"{r['nmi_mean']:.3f} ± {r['nmi_sd']:.3f} | {r['seed_ari_mean']:.3f} ({r['seed_ari_min']:.3f}) | "
                     f"{r['outlier_share']:.0%} | {r['seconds']:.1f} |")
    found = [r for r in rows if r.get("auto_k")]
    if found:
        lines += ["", "How the default found its count (community counts of the five fixed-seed runs; the graph's "
                  "modularity against a structureless Gaussian sample of the same shape):", ""]
        for r in found:
            a = r["auto_k"]
            null = "" if a.get("null_modularity") is None else f" against {a['null_modularity']:.2f}"
            lines.append(f"- {r['corpus']}: {', '.join(map(str, a['counts']))}; modularity {a['modularity']:.2f}{null}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
