"""Pure-Python work on a large corpus split over worker processes.

Splitting sentences and reading words are Python loops over texts, under the interpreter's
lock, so threads cannot share them. :func:`map_chunks` hands chunks of texts to joblib's
``loky`` worker processes (fresh interpreters; an unguarded ``__main__`` script is not
re-run in them) and joins the results in order: the same output as one loop, on every usable
core. The workers are kept for a pass that follows within :data:`IDLE_SECONDS` and then
exit, so they hold no memory through the long stages that need none of them. Below
:data:`PARALLEL_FROM` items the loop runs in this process, where starting workers would cost
more than it saves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from toolkit.arrays import usable_cores

PARALLEL_FROM = 20_000  # items from which map_chunks uses worker processes
CHUNKS_PER_WORKER = 4  # several chunks per worker even out chunks of unequal cost
MAX_CHUNK = 25_000  # items per chunk at most: what is in flight between processes stays small
# Idle workers keep what their last chunks allocated (hundreds of MB each on a million
# documents): they leave soon after a pass, not after loky's default five minutes.
IDLE_SECONDS = 10

R = TypeVar("R")


def workers_for(n_items: int) -> int:
    """How many processes :func:`map_chunks` uses for ``n_items`` items (1: this one, also
    inside a daemonic process such as a Dask worker, which may not start processes)."""
    import multiprocessing

    if n_items < PARALLEL_FROM or multiprocessing.current_process().daemon:
        return 1
    return usable_cores()


def map_chunks(function: Callable[[Sequence], R], items: Sequence, n_jobs: int | None = None) -> list[R]:
    """``function`` applied to consecutive chunks of ``items``, the results in chunk order.

    Parameters
    ----------
    function : callable
        Takes a chunk (a slice of ``items``) and returns a result; it must be picklable
        (a module-level function, or a bound method of a picklable object).
    items : sequence
    n_jobs : int, optional
        Processes to use (default: :func:`workers_for`); 1 runs ``function(items)`` here.

    Returns
    -------
    list
        One result per chunk, in order (a single one when run in this process).
    """
    n_jobs = workers_for(len(items)) if n_jobs is None else n_jobs
    if n_jobs <= 1 or len(items) < 2:
        return [function(items)]
    from joblib import Parallel, delayed

    size = min(-(-len(items) // (n_jobs * CHUNKS_PER_WORKER)), MAX_CHUNK)
    return Parallel(n_jobs=n_jobs, backend="loky", idle_worker_timeout=IDLE_SECONDS)(
        delayed(function)(items[start:start + size]) for start in range(0, len(items), size))


__all__ = ["IDLE_SECONDS", "PARALLEL_FROM", "map_chunks", "workers_for"]
