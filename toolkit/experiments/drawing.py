"""A run folder's figures, drawn in a child process while the run folder's other files are written.

Matplotlib draws in Python, under the interpreter's lock, so threads cannot draw two things
at once; a child process can. At 100,000 documents the figures (a dozen centrality plots,
the topic map, the topic tree) take as long as ``report.html``, the model and the tables,
so drawing them beside that work takes most of their time off the run. A small corpus keeps
drawing in-process: starting the child costs about a second.

Each figure is a job ``(function, args, kwargs)`` whose ``path`` keyword is its PNG (a PDF
is saved beside it); the child receives the parent's ``matplotlib.rcParams``, so a figure
looks the same whichever process draws it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from toolkit.arrays import usable_cores
from toolkit.plots import VECTOR_SUFFIX

BACKGROUND_FROM = 20_000  # documents from which a run folder's figures are drawn in a child process

Job = tuple[Callable, tuple, dict]
CHILD = "from toolkit.experiments.drawing import _main; _main()"


def figure_files(jobs: list[Job]) -> list[str]:
    """The names of the files ``jobs`` write (each a PNG and the PDF beside it)."""
    names = []
    for _, _, kwargs in jobs:
        png = Path(kwargs["path"])
        names += [png.name, png.with_suffix(VECTOR_SUFFIX).name]
    return names


def _draw(jobs: list[Job], style: dict | None = None, parent: int | None = None) -> None:
    if style is not None:
        import matplotlib

        matplotlib.rcParams.update(style)
    for function, args, kwargs in jobs:
        if parent is not None and os.getppid() != parent:
            return  # the run that asked is gone: its folder is being (or was) removed
        function(*args, **kwargs)


def _main() -> None:
    """The child: jobs, style and the parent's pid pickled on stdin; None or the exception
    drawing raised pickled on stdout."""
    import pickle

    jobs, style, parent = pickle.load(sys.stdin.buffer)
    answer_to = sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever a figure prints must not mix with the answer
    try:
        _draw(jobs, style, parent)
        answer = None
    except BaseException as err:  # noqa: BLE001 - handed to the parent, which raises it
        answer = err
    try:
        data = pickle.dumps(answer)
    except Exception:  # an exception that cannot be pickled: its text then
        data = pickle.dumps(RuntimeError(f"{type(answer).__name__}: {answer}"))
    answer_to.write(data)
    answer_to.flush()


def _feed(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
    except OSError:  # the child is gone; wait() reports it
        pass
    finally:
        try:
            pipe.close()
        except OSError:
            pass


class FigureDrawing:
    """Draw ``jobs`` in a child process (``background``) or, at :meth:`wait`, in this one.

    Use as a context manager around the other writing; :meth:`wait` returns once every
    figure is on disk and raises what drawing raised. Leaving the block early (an error, an
    interrupt) stops the child before the caller removes the folder it draws into.

    The child is a fresh interpreter (running :data:`CHILD`), not a
    fork (this process may hold threads) nor a multiprocessing spawn (which re-runs an
    unguarded ``__main__`` script).
    """

    def __init__(self, jobs: list[Job], background: bool) -> None:
        self.jobs = jobs
        self.background = background and bool(jobs)
        self._process: subprocess.Popen | None = None
        self._feeder: threading.Thread | None = None

    def __enter__(self) -> FigureDrawing:
        if self.background:
            import pickle

            import matplotlib

            import toolkit

            style = {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}
            env = dict(os.environ)
            # the toolkit the parent runs, wherever it was imported from
            env["PYTHONPATH"] = os.pathsep.join([str(Path(toolkit.__file__).resolve().parents[1]),
                                                 *filter(None, [env.get("PYTHONPATH")])])
            self._process = subprocess.Popen([sys.executable, "-c", CHILD], env=env,
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            data = pickle.dumps((self.jobs, style, os.getpid()))
            # fed from a thread: the child reads only once its imports are done
            self._feeder = threading.Thread(target=_feed, args=(self._process.stdin, data), daemon=True)
            self._feeder.start()
        return self

    def wait(self) -> None:
        """Every figure drawn; what drawing raised is raised here."""
        if self._process is None:
            _draw(self.jobs)
            return
        import pickle

        process, self._process = self._process, None
        self._feeder.join()
        data = process.stdout.read()
        process.stdout.close()
        code = process.wait()
        if not data:  # the child died without a word (killed, out of memory, an import failed)
            raise RuntimeError(f"drawing the figures failed: its process ended with exit code {code}")
        error = pickle.loads(data)
        if error is not None:
            raise error

    def __exit__(self, *exc) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._feeder.join()
            self._process.stdout.close()
            self._process = None


def draw_beside(n_documents: int) -> bool:
    """Whether a run of ``n_documents`` draws its figures in a child process."""
    return n_documents >= BACKGROUND_FROM and usable_cores() > 1


__all__ = ["BACKGROUND_FROM", "FigureDrawing", "draw_beside", "figure_files"]
