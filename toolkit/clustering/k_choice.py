"""The number of topics, found from the data: communities of the documents' neighbour graph.

Each document is joined to its ``neighbors`` most cosine-similar documents; the graph's
communities (Louvain modularity, networkx) are groups of documents more linked to each other
than to the rest, and their number is the number of topics. Communities smaller than a
``min_share`` of the documents are not counted (a handful of near-duplicates is not a topic).
Louvain depends on the order it visits nodes, so it runs ``runs`` times with fixed seeds and the
median count is taken: the count is a property of the corpus, not of the experiment's seed.
A large corpus is counted on an evenly spaced sample of ``max_documents``.

Whether there is any structure to count is judged against a structureless null (``WEAK_EXCESS``).

Measured on the development corpora (MiniLM, centred; benchmarks/topic_count.py): BBC dev
(5 labels) 5, HuffPost 2018-2019 (29 unbalanced categories) 18, its 2018 and 2019 halves 15
each, AG News (4 broad labels) 20.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)

# Modularity is high even without topics when the points are few or of few dimensions, so it is
# judged against a null: the same number of points drawn from one Gaussian with the sample's
# mean and covariance, whose graph has communities but no topics. An excess below this means
# no clear topic structure, and the log says so. Measured: BBC dev +0.28, AG News +0.32, HuffPost
# +0.24; Gaussian data of 8 to 384 dimensions -0.02 to +0.01.
WEAK_EXCESS = 0.1


def neighbor_graph(X, neighbors: int) -> sp.csr_matrix:
    """Symmetric graph joining each row to its ``neighbors`` most cosine-similar rows, weighted by
    the (non-negative) similarity."""
    from sklearn.neighbors import NearestNeighbors

    n = X.shape[0]
    k = min(neighbors, n - 1)
    distances, index = NearestNeighbors(n_neighbors=k + 1, metric="cosine").fit(X).kneighbors(X)
    weights = np.clip(1.0 - distances[:, 1:], 0.0, None).ravel()
    graph = sp.csr_matrix((weights, (np.repeat(np.arange(n), k), index[:, 1:].ravel())), shape=(n, n))
    return graph.maximum(graph.T).tocsr()


def community_count(X, neighbors: int = 15, runs: int = 5, max_documents: int = 5000,
                    min_share: float = 0.002) -> dict:
    """How many topics the rows of ``X`` form (see the module's description).

    Returns
    -------
    dict
        ``{"criterion": "communities", "chosen": k, "counts": [...] (one per run),
        "modularity": mean over runs, "documents": rows counted, "curve": {k: share of runs}}``.
    """
    import networkx as nx

    n = X.shape[0]
    rows = np.arange(n) if n <= max_documents else np.linspace(0, n - 1, max_documents).round().astype(np.int64)
    if len(rows) < 3:
        return {"criterion": "communities", "chosen": 1, "counts": [1], "modularity": 0.0, "null_modularity": None,
                "documents": int(len(rows)), "curve": {"1": 1.0}}
    graph = nx.from_scipy_sparse_array(neighbor_graph(X[rows], neighbors))
    smallest = max(3, int(np.ceil(min_share * len(rows))))
    counts, modularity = [], []
    for seed in range(runs):
        communities = nx.community.louvain_communities(graph, weight="weight", seed=seed)
        counts.append(max(1, sum(len(c) >= smallest for c in communities)))
        modularity.append(nx.community.modularity(graph, communities, weight="weight"))
    chosen = int(np.median(counts))
    values, times = np.unique(counts, return_counts=True)
    null = None if sp.issparse(X) else round(null_modularity(np.asarray(X[rows], dtype=np.float64), neighbors), 6)
    return {"criterion": "communities", "chosen": chosen, "counts": counts,
            "modularity": round(float(np.mean(modularity)), 6), "null_modularity": null, "documents": int(len(rows)),
            "curve": {str(int(v)): round(float(t) / runs, 6) for v, t in zip(values, times)}}


def null_modularity(sample: np.ndarray, neighbors: int) -> float:
    """Modularity of the communities of a structureless sample of the same size, mean and covariance
    (one Gaussian, seed 0): what the graph alone gives without topics."""
    import networkx as nx

    n = len(sample)
    mean = sample.mean(axis=0)
    _, spread, axes = np.linalg.svd(sample - mean, full_matrices=False)
    fake = np.random.default_rng(0).normal(size=(n, len(spread))) * (spread / np.sqrt(max(n - 1, 1))) @ axes + mean
    graph = nx.from_scipy_sparse_array(neighbor_graph(fake, neighbors))
    communities = nx.community.louvain_communities(graph, weight="weight", seed=0)
    return float(nx.community.modularity(graph, communities, weight="weight"))


def is_weak(record: dict) -> bool:
    """Whether the communities are no denser than a structureless sample's (see ``WEAK_EXCESS``)."""
    null = record.get("null_modularity")
    return null is not None and record["modularity"] - null < WEAK_EXCESS


def describe_choice(record: dict) -> str:
    """One line for the log: the k chosen, how the runs agreed, and whether the structure is clear."""
    counts = record["counts"]
    null = record.get("null_modularity")
    against = f" against {null:.2f} for structureless data of the same shape" if null is not None else ""
    sure = (f"{len(counts)} runs of modularity communities gave {', '.join(map(str, counts))}; "
            f"modularity {record['modularity']:.2f}{against}")
    if is_weak(record):
        return (f"{record['chosen']} ({sure}: the documents show no clear topic structure; treat the count as a "
                "rough guide and set cluster.n_clusters if you know better)")
    return f"{record['chosen']} ({sure})"
