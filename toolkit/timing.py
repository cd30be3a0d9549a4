"""Stage timings and the progress shown while stages run.

``with timed(timings, "embed"): ...`` records seconds per stage. When ``timings`` is a
:class:`Timings` carrying a :class:`StageProgress`, the same call moves a progress bar over
the run's stages, so every stage, long or short, is visible on a terminal.
"""

from __future__ import annotations

import shutil
import sys
import time
from contextlib import contextmanager

from toolkit.errors import stop_if_asked


def on_terminal() -> bool:
    """Whether standard error is a terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel, which has no terminal but draws tqdm.auto's bars."""
    ipython = sys.modules.get("IPython")
    try:
        shell = ipython.get_ipython() if ipython is not None else None
    except Exception:  # an IPython too old or half imported: no notebook to draw in
        return False
    return type(shell).__name__ == "ZMQInteractiveShell"


def shows_progress() -> bool:
    """Whether progress bars can be drawn: on a terminal, or in a notebook (as widgets).
    Anywhere else (a log file, a pipe, CI) they would only add noise."""
    return on_terminal() or in_notebook()


class StageProgress:
    """A progress bar over a run's stages, naming the stage running (drawn on a terminal only).

    Parameters
    ----------
    total : int
        Stages expected.
    enabled : bool
        Draw it (callers pass ``progress and shows_progress()``).
    """

    def __init__(self, total: int, enabled: bool) -> None:
        from tqdm.auto import tqdm

        self.enabled = enabled
        # The width is given: a terminal that reports none (0 columns) would get an empty bar.
        width = shutil.get_terminal_size((80, 24)).columns or 80
        self._bar = tqdm(total=total, unit="stage", leave=False, disable=not enabled, file=sys.stderr,
                         ncols=min(width, 120),
                         bar_format="{desc:<12} {n_fmt}/{total_fmt} stages |{bar:20}| {elapsed}{postfix}")

    def __bool__(self) -> bool:
        return self.enabled

    def start(self, stage: str) -> None:
        self._bar.set_description_str(stage, refresh=True)

    def note(self, text: str) -> None:
        """Counts shown after the bar (the corpus' size, once it is known)."""
        self._bar.set_postfix_str(text, refresh=True)

    def finish(self) -> None:
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


class Timings(dict):
    """Seconds per stage (a dict), optionally moving a :class:`StageProgress` as stages run."""

    def __init__(self, progress: StageProgress | None = None) -> None:
        super().__init__()
        self.progress = progress


@contextmanager
def timed(timings: dict, stage: str):
    """Add the seconds the block took to ``timings[stage]`` (rounded to 0.1 ms)."""
    stop_if_asked()
    progress = getattr(timings, "progress", None)
    if progress is not None:
        progress.start(stage)
    start = time.perf_counter()
    yield
    timings[stage] = round(time.perf_counter() - start, 4)
    if progress is not None:
        progress.finish()
