"""Embedding on a Dask cluster: the same vectors and labels as in-process, and sweep workers
that do not share the client's disk read the client's vectors instead of embedding again."""

from __future__ import annotations

import numpy as np
import pytest

distributed = pytest.importorskip("dask.distributed")

AG = {"name": "ag-dask", "seed": 3, "dataset": {"loader": "builtin", "name": "ag_news", "sample": 240},
      "embedding": {"model": "minilm", "pooling": "sentences", "cache": False},
      "cluster": {"method": "kmeans", "n_clusters": 4}, "refine": {"method": "none"},
      "summarize": {"units": ["topic"], "sentences": 2, "representation": "minilm"},
      "evaluate": {"bootstrap": 0, "topic_quality": False}}


def _encoded(client) -> list[int]:
    """Texts each worker process has run through a model."""

    def count() -> int:
        from toolkit.embedding.embedders import ENCODED

        return ENCODED["texts"]

    return sorted(client.run(count).values())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two single-threaded worker processes, each with a cache folder of its own (no shared disk)."""
    own = tmp_path_factory.mktemp("worker-cache")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  env={"TOOLKIT_CACHE_DIR": str(own)}) as local:
        yield local


def test_a_run_embedded_on_dask_workers_matches_the_in_process_run(cluster):
    from toolkit import execute

    local = execute(AG, progress=False)
    from toolkit.embedding.embedders import ENCODED

    with distributed.Client(cluster) as client:
        before, here = _encoded(client), ENCODED["texts"]
        spread = execute(AG, progress=False, client=client)
        after = _encoded(client)
    assert ENCODED["texts"] == here  # nothing was encoded in this process
    # The workers, not this process, encoded every sentence (the documents are their sentences' mean).
    assert sum(after) - sum(before) >= spread.metrics["corpus"]["sentences"]
    gap = float(np.abs(np.asarray(local.embeddings) - np.asarray(spread.embeddings)).max())
    print(f"dask vs in-process: largest difference between document vectors {gap:.2e}")
    assert gap < 1e-5
    assert np.array_equal(local.labels, spread.labels)
    assert [s.sentences for s in local.summaries] == [s.sentences for s in spread.summaries]


def test_sweep_workers_without_the_clients_disk_get_its_vectors(cluster, tmp_path):
    from toolkit.experiments.sweep import run_sweep

    config = dict(AG, name="ag-dask-sweep", embedding={"model": "minilm", "pooling": "text"},
                  sweep={"seed": [0, 1]})
    with distributed.Client(cluster) as client:
        before = _encoded(client)
        serial = run_sweep(config, tmp_path / "serial", quiet=True)
        spread = run_sweep(config, tmp_path / "dask", jobs=2, executor="dask", scheduler=cluster.scheduler_address,
                           quiet=True)
        after = _encoded(client)
    assert after == before  # the workers embedded nothing: the vectors came with the tasks
    assert [r.status for r in spread] == ["done", "done"]
    for a, b in zip(serial, spread):
        assert a.run_id == b.run_id
        assert (a.folder / "assignments.csv").read_bytes() == (b.folder / "assignments.csv").read_bytes()


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    from toolkit.cli import main
    from toolkit.embedding import distributed

    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", "2s")  # the same error, sooner than the default 20 s
    code = main(["run", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "--scheduler: cannot reach a Dask scheduler at tcp://127.0.0.1:9" in err
    assert len(err.strip().splitlines()) == 1
