"""Run folders as files: their names, and reading them (the read side; nothing here writes).

``results/<name>/<run id>/`` holds ``config.yaml``, ``metrics.json``, ``assignments.csv``,
``topics.json``, ``summaries.jsonl``, the cleaning log, near-duplicates, the environment, plots,
reports and the fitted model (``model/``). This module finds run folders, checks them and
reads their files into plain values (dicts, lists, :class:`~toolkit.topics.describe.Topic`,
:class:`~toolkit.summarization.units.Summary`); it knows no result class. Writing is
:mod:`toolkit.experiments.runfolder`'s.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml

from toolkit.errors import DataError, cut
from toolkit.experiments.yamlfile import parse_yaml
from toolkit.summarization.units import Summary
from toolkit.text.files import shown_path
from toolkit.topics.describe import Topic

REQUIRED = ("config.yaml", "metrics.json", "assignments.csv", "topics.json", "summaries.jsonl")
MODEL_FOLDER = "model"


def check_run_folder(folder: Path) -> None:
    """A DataError unless ``folder`` is a run folder (it has every required file)."""
    missing = [n for n in REQUIRED if not (folder / n).is_file()]
    if not folder.is_dir() or missing:
        raise DataError(f"{folder}: not a run folder (missing {', '.join(missing) or 'the folder'})")


def read_tables(folder: Path) -> tuple[list[dict], list[Topic], list[Summary]]:
    """A run folder's assignments (one dict per document, numbers as numbers), topics and summaries."""
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
    return assignments, topics, summaries


def read_clusters(folder: Path) -> dict[str, int]:
    """A run folder's cluster of each document id (``assignments.csv``)."""
    try:
        with open(folder / "assignments.csv", encoding="utf-8", newline="") as fh:
            return {row["id"]: int(row["cluster"]) for row in csv.DictReader(fh)}
    except (OSError, ValueError, KeyError) as err:
        raise DataError(f"{folder}/assignments.csv: cannot be read ({cut(str(err), 120)})") from None


def model_folder(folder: Path | None) -> Path:
    """The ``model/`` folder of a run folder; a DataError when it has none."""
    if folder is None or not (Path(folder) / MODEL_FOLDER / "model.json").is_file():
        raise DataError(f"{folder}: the run folder holds no model/ (written by an older toolkit?); run it again")
    return Path(folder) / MODEL_FOLDER


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


def read_cleaning(folder: Path) -> tuple[list[dict], list[dict], str]:
    """A run folder's cleaning log, as the lines removed and the documents repaired (the
    records with ``changes``), and the fingerprint of the data it read."""
    folder = Path(folder)
    log = _read_json_text(folder / "cleaning.jsonl", lines=True) if (folder / "cleaning.jsonl").is_file() else []
    env = _read_json_text(folder / "environment.json") if (folder / "environment.json").is_file() else {}
    removed = [r for r in log if not (isinstance(r, dict) and "changes" in r)]
    repaired = [r for r in log if isinstance(r, dict) and "changes" in r]
    return removed, repaired, env.get("data_sha256", "") if isinstance(env, dict) else ""


def read_config_and_metrics(folder: Path) -> tuple[dict, dict]:
    """A run folder's resolved config and metrics; a DataError naming the folder otherwise."""
    try:
        config = parse_yaml((folder / "config.yaml").read_text(encoding="utf-8"))
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


__all__ = ["MODEL_FOLDER", "REQUIRED", "check_run_folder", "find_run_folders", "is_complete", "model_folder",
           "read_cleaning", "read_clusters", "read_config_and_metrics", "read_duplicates", "read_tables", "run_folder"]
