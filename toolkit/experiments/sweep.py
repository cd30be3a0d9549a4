"""Sweeps: run every combination of an experiment's ``sweep:`` grid.

Each combination is a run folder named by its run id. A folder that is already
complete (run folders are written to a temporary folder and renamed, so a folder
that exists is complete) is reused, so a killed sweep resumes where it stopped.
Executors: in-process (``jobs=1``), local processes (``jobs=N``) and Dask
distributed. Before parallel work, the embeddings each distinct corpus needs are
computed once into the on-disk cache, so workers read them instead of embedding again.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from toolkit.errors import ConfigError, stop_if_asked
from toolkit.experiments import config as cfg
from toolkit.experiments.runfiles import is_complete, read_config_and_metrics, run_folder
from toolkit.experiments.temporaries import remove_stale_temporaries

log = logging.getLogger("toolkit")
EXECUTORS = ("local", "dask")


@dataclass
class SweepRun:
    """One combination of a sweep: its resolved config, folder and what happened."""

    config: dict
    run_id: str
    folder: Path
    status: str = "pending"  # pending | reused | done
    seconds: float = 0.0
    metrics: dict = field(default_factory=dict)


def data_fingerprint(dataset: dict, seed: int) -> str:
    """The data's hash, as the run id needs it (the data set is read, nothing else runs)."""
    return cfg.build("dataset", dataset, seed).load().fingerprint


def plan(runs: list[dict], out_dir: Path) -> list[SweepRun]:
    """Run ids and folders for resolved configs; complete folders are marked reused."""
    fingerprints: dict[str, str] = {}
    out = []
    for resolved in runs:
        key = json.dumps(resolved["dataset"], sort_keys=True)
        if key not in fingerprints:
            fingerprints[key] = data_fingerprint(resolved["dataset"], resolved["seed"])
        run_id = cfg.run_id(resolved, fingerprints[key])
        folder = run_folder(out_dir, resolved, run_id)
        item = SweepRun(resolved, run_id, folder)
        if is_complete(folder):
            item.status = "reused"
            item.metrics = read_config_and_metrics(folder)[1]
        out.append(item)
    return out


def embedding_key(config: dict) -> str:
    """What decides the texts a run embeds: its data set, splitter and embedding settings, and
    whether its summaries embed sentences too."""
    sentences = config["summarize"]["representation"] == "minilm" and bool(config["summarize"]["units"])
    return json.dumps([config["dataset"], config["sentences"], config["embedding"], sentences], sort_keys=True)


def warm_embeddings(runs: list[SweepRun], collect: bool = False) -> dict[str, tuple[str, dict]]:
    """Embed what each distinct :func:`embedding_key` needs once, into the on-disk cache: the
    documents, and their sentences when the summaries embed them.

    With ``collect``, also return, per key, the model identity and the vectors its runs read
    (``{text key: vector}``), for workers that do not share this disk.
    """
    from toolkit.embedding import SentenceTransformerEmbedder
    from toolkit.embedding.cache import text_key
    from toolkit.experiments.pipeline import prepare_corpus

    found: dict[str, tuple[str, dict]] = {}
    seen = set()
    for item in runs:
        c = item.config
        key = embedding_key(c)
        if key in seen:
            continue
        seen.add(key)
        embedder = cfg.build("embedding", c["embedding"], c["seed"])
        if not isinstance(embedder, SentenceTransformerEmbedder) or not c["embedding"].get("cache", True):
            continue
        corpus, _, _ = prepare_corpus(c)
        embedder.fit_transform(corpus)
        texts = [t for unit in embedder.units(corpus) for t in unit] if collect else []
        if json.loads(key)[-1]:
            sentences = [s for doc in corpus for s in doc.sentences]
            embedder.embed_texts(sentences)
            texts += sentences
        if collect:
            texts = list(dict.fromkeys(texts))
            vectors = embedder.embed_texts(texts)
            found[key] = (embedder.model_id, {text_key(t): v for t, v in zip(texts, vectors)})
    return found


def seed_cache(model_id: str, vectors: dict) -> None:
    """Write the client's vectors into this machine's cache (on a worker), skipping those it has."""
    from toolkit.embedding.cache import EmbeddingCache

    cache = EmbeddingCache(model_id)
    have = cache.get(list(vectors))
    cache.put({k: v for k, v in vectors.items() if k not in have})


def run_one(resolved: dict, out_dir: str, vectors: tuple[str, dict] | None = None) -> tuple[str, float, dict]:
    """Run one resolved config and write its folder (the unit of work of every executor);
    ``vectors`` (model identity, ``{text key: vector}``) are put in this machine's cache first."""
    from toolkit.experiments.pipeline import run

    if vectors is not None:
        seed_cache(*vectors)
    start = time.perf_counter()
    result = run(resolved, out_dir, progress=False)
    return str(result.folder), time.perf_counter() - start, result.metrics


def check_executor(executor: str, scheduler: str | None) -> None:
    """A one-line error for an unknown executor, or a scheduler without ``dask``."""
    if executor not in EXECUTORS:
        raise ConfigError(f"--executor: unknown value {executor!r}; choose one of: {', '.join(EXECUTORS)}")
    if scheduler and executor != "dask":
        raise ConfigError(f"--scheduler: {scheduler} is a Dask scheduler's address; it needs --executor dask")


def _progress(total: int, quiet: bool):
    from tqdm.auto import tqdm

    from toolkit.timing import shows_progress

    return tqdm(total=total, unit="run", desc="sweep", disable=quiet or not shows_progress())


def run_sweep(config: dict, out_dir: str | Path = "results", jobs: int = 1, executor: str = "local",
              scheduler: str | None = None, quiet: bool = False) -> list[SweepRun]:
    """Run every combination of ``config``'s sweep grid (or its one run).

    Parameters
    ----------
    config : dict
        An experiment, with or without ``sweep:``.
    out_dir : path
        Results folder.
    jobs : int
        Runs at once: 1 runs in this process; more use local processes (or Dask workers).
    executor : {"local", "dask"}
        ``dask`` runs on a Dask distributed cluster: the one at ``scheduler``, else a
        local cluster of ``jobs`` single-threaded workers.
    scheduler : str or None
        Address of an existing Dask scheduler.
    quiet : bool
        No progress bar.

    Returns
    -------
    list of SweepRun
        In grid order, each ``reused`` or ``done``.
    """
    check_executor(executor, scheduler)
    if jobs < 1:
        raise ConfigError(f"--jobs: must be at least 1, got {jobs}")
    runs = plan(cfg.expand_sweep(config), Path(out_dir))
    if runs:
        remove_stale_temporaries(Path(out_dir) / runs[0].config["name"])
    pending = [r for r in runs if r.status == "pending"]
    reused = len(runs) - len(pending)
    if reused:
        log.info("sweep: %d of %d runs already complete, reused", reused, len(runs))
    if not pending:
        return runs
    by_id = {r.run_id: r for r in pending}
    bar = _progress(len(pending), quiet)

    def finished(run_id: str, folder: str, seconds: float, metrics: dict) -> None:
        item = by_id[run_id]
        item.status, item.seconds, item.metrics = "done", seconds, metrics
        bar.update(1)

    try:
        if executor == "local" and jobs == 1:
            for item in pending:
                stop_if_asked()
                finished(item.run_id, *run_one(item.config, str(out_dir)))
        elif executor == "dask":
            _run_dask(pending, str(out_dir), jobs, scheduler, finished)
        else:
            warm_embeddings(pending)
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
                futures = {pool.submit(run_one, item.config, str(out_dir)): item.run_id for item in pending}
                for future in as_completed(futures):
                    finished(futures[future], *future.result())
    finally:
        bar.close()
    return runs


def _run_dask(pending: list[SweepRun], out_dir: str, jobs: int, scheduler: str | None, finished) -> None:
    """The runs on a Dask cluster. The client embeds each corpus once and sends the vectors to
    the workers with the tasks (scattered once per corpus), so a worker without this machine's
    disk reads them instead of embedding again."""
    from dask.distributed import as_completed as dask_completed

    from toolkit.embedding.distributed import dask_client

    client, cluster = dask_client(scheduler, jobs)
    try:
        vectors = {key: client.scatter(found, broadcast=True)
                   for key, found in warm_embeddings(pending, collect=True).items()}
        futures = {client.submit(run_one, item.config, out_dir, vectors.get(embedding_key(item.config)),
                                 pure=False, key=f"run-{item.run_id}"): item.run_id
                   for item in pending}
        ids = {f.key: run_id for f, run_id in futures.items()}
        for future in dask_completed(list(futures)):
            finished(ids[future.key], *future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
