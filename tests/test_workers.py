"""Worker processes: the results of one loop, and no idle workers left holding memory."""

from __future__ import annotations

import os
import time

import psutil

from toolkit import workers


def _pids(chunk) -> list[tuple[int, int]]:
    return [(item, os.getpid()) for item in chunk]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_chunks_come_back_in_order_and_idle_workers_exit(monkeypatch):
    monkeypatch.setattr(workers, "IDLE_SECONDS", 1)
    out = workers.map_chunks(_pids, list(range(40)), n_jobs=2)
    assert [item for chunk in out for item, _ in chunk] == list(range(40))
    pids = {pid for chunk in out for _, pid in chunk} - {os.getpid()}
    assert pids, "the chunks ran in worker processes"
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in pids), "idle workers exit after IDLE_SECONDS"
