"""Stage timings: ``with timed(timings, "embed"): ...`` records seconds per stage."""

from __future__ import annotations

import time
from contextlib import contextmanager


@contextmanager
def timed(timings: dict, stage: str):
    """Add the seconds the block took to ``timings[stage]`` (rounded to 0.1 ms)."""
    start = time.perf_counter()
    yield
    timings[stage] = round(time.perf_counter() - start, 4)
