"""A large run folder's figures are drawn in a child process beside the other files: the
same files as drawn in-process, and a failure there is the caller's failure."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="module")
def dated_result():
    from toolkit import execute

    return execute({"name": "drawn", "seed": 0, "dataset": {"loader": "builtin", "name": "huffpost", "sample": 500},
                    "embedding": {"model": "tfidf"}, "cluster": {"method": "kmeans", "n_clusters": 6},
                    "topics": {"names": None}}, progress=False)


def test_figures_drawn_in_a_child_process_are_the_files_drawn_in_process(dated_result, tmp_path, monkeypatch):
    from threadpoolctl import threadpool_limits

    from toolkit.experiments import runfolder

    folders = {}
    for beside in (False, True):
        monkeypatch.setattr(runfolder, "draw_beside", lambda n, beside=beside: beside)
        # BLAS on one thread here, on its default in the child: nothing the child draws may depend on it
        with threadpool_limits(1):
            folders[beside] = runfolder.write_run(dated_result, tmp_path / str(beside))
    files = {p.relative_to(folders[False]) for p in folders[False].rglob("*") if p.is_file()}
    assert files == {p.relative_to(folders[True]) for p in folders[True].rglob("*") if p.is_file()}
    drawn = {f.name for f in files if f.suffix in (".png", ".pdf")}
    # every kind of figure the folder can hold, but the auto-k curve (a fixed k here)
    assert {"contingency.png", "topic_tree.pdf", "topics_over_time.png", "topic_map.pdf",
            "centrality_topic_0.png"} <= drawn
    for name in sorted(files):
        assert (folders[False] / name).read_bytes() == (folders[True] / name).read_bytes(), name
    html = (folders[True] / "report.html").read_text(encoding="utf-8")
    assert all(f'href="{name}"' in html for name in drawn)


def test_a_figure_that_fails_in_the_child_fails_the_caller(tmp_path):
    from toolkit.experiments.drawing import FigureDrawing

    jobs = [(os.remove, (), {"path": tmp_path / "not-there.png"})]
    with pytest.raises(FileNotFoundError, match="not-there.png"):
        with FigureDrawing(jobs, background=True) as drawing:
            drawing.wait()


def slow_figure(path) -> None:
    """A job that writes its file after two seconds."""
    import time

    time.sleep(2)
    open(path, "w").close()


def test_leaving_early_stops_the_child(tmp_path, monkeypatch):
    import time

    from toolkit.experiments.drawing import FigureDrawing

    monkeypatch.setenv("PYTHONPATH", os.path.dirname(__file__))  # the child imports this module's job
    with FigureDrawing([(slow_figure, (), {"path": tmp_path / "late.png"})], background=True) as drawing:
        drawing.wait()
    assert (tmp_path / "late.png").exists()  # the job does write when waited for
    with pytest.raises(KeyboardInterrupt):
        with FigureDrawing([(slow_figure, (), {"path": tmp_path / "never.png"})], background=True):
            raise KeyboardInterrupt
    time.sleep(4)
    assert not (tmp_path / "never.png").exists()
