"""Run an experiment end to end, in memory: load, split, find duplicates, fit a
:class:`~toolkit.topics.model.TopicModel`, summarise and evaluate.

Writing the run folder is :mod:`toolkit.experiments.runfolder`'s work; the result
object is :class:`~toolkit.experiments.result.RunResult`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from toolkit.errors import DataError
from toolkit.experiments import config as cfg
from toolkit.experiments.config import build
from toolkit.experiments.result import Derived, RunResult, assignment_rows, over_time_table
from toolkit.summarization import sentence_encoder
from toolkit.timing import StageProgress, Timings, shows_progress, timed
from toolkit.topics.model import UNCERTAIN_BELOW, TopicModel

log = logging.getLogger("toolkit")
# The stages a run times and shows (``adapt`` comes on top when it is on).
STAGES = ("load", "sentences", "duplicates", "embed", "reduce", "cluster", "refine", "topics", "summarize", "evaluate")
MAX_WARNINGS = 5  # repeated warnings shown one by one; the rest are counted (and kept in the run folder)
MODEL_SECTIONS = {"embedder": "embedding", "reducer": "reduce", "clusterer": "cluster", "refiner": "refine",
                  "adapter": "adapt", "describer": "topics", "splitter": "sentences"}


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
    with timed(timings, "load"):
        corpus = build("dataset", resolved["dataset"], seed).load()
    with timed(timings, "sentences"):
        splitter = build("sentences", resolved["sentences"], seed)
        splitter.transform(corpus)
        empty = [d for d in corpus if not d.sentences]
        for doc in empty[:MAX_WARNINGS]:
            log.warning("%s: no sentences (skipped)", doc.source)
        if len(empty) > MAX_WARNINGS:
            log.warning("... and %d more documents without sentences (skipped; all listed in cleaning.jsonl)",
                        len(empty) - MAX_WARNINGS)
        for doc in empty:
            corpus.removed.append({"document": doc.id, "line": doc.text[:200], "reason": "no sentences"})
        corpus.documents = [d for d in corpus if d.sentences]
        if not corpus.documents:
            raise DataError(f"{corpus.name}: no document has any sentence")
    return corpus, splitter, len(empty)


def topic_model(resolved: dict, client=None) -> TopicModel:
    """An unfitted TopicModel with the components a resolved experiment names (``client``: a
    Dask client whose workers embed, for a neural embedder)."""
    parts = {part: build(section, resolved[section], resolved["seed"]) for part, section in MODEL_SECTIONS.items()}
    if client is not None:
        parts["embedder"] = _distribute(parts["embedder"], client)
    guides = {key: resolved["topics"][key] for key in cfg.GUIDES if key in resolved["topics"]}
    return TopicModel(**parts, reduce_to=resolved["topics"]["reduce_to"], merge_by=resolved["topics"]["merge_by"],
                      **guides)


def execute(config: dict, progress: bool = True, client=None) -> RunResult:
    """Run the pipeline in memory (no files written).

    Parameters
    ----------
    config : dict
        An experiment, raw or resolved.
    progress : bool
        Progress bars on long stages (shown only on a terminal).
    client : distributed.Client, optional
        Embed on this Dask cluster's workers (:mod:`toolkit.embedding.distributed`); the rest
        of the run stays in this process. The vectors equal the in-process ones to rounding.
    """
    resolved = cfg.resolve(config)
    stages = StageProgress(len(STAGES) + (resolved["adapt"]["method"] != "none"), progress and shows_progress())
    try:
        return _execute(resolved, Timings(stages), stages, client)
    finally:
        stages.close()


def _distribute(embedder, client):
    """A neural embedder whose encoder is a Dask cluster's (a TF-IDF embedder has no model to spread)."""
    from toolkit.embedding import SentenceTransformerEmbedder
    from toolkit.embedding.distributed import DaskEncoder

    if isinstance(embedder, SentenceTransformerEmbedder):
        return embedder.set_params(encoder=DaskEncoder(client, embedder))
    log.info("embed: %s runs in this process (--executor dask spreads neural embedding only)",
             type(embedder).__name__)
    return embedder


def _execute(resolved: dict, timings: Timings, stages: StageProgress, client=None) -> RunResult:
    seed = resolved["seed"]
    corpus, splitter, skipped = prepare_corpus(resolved, timings)
    streamed, stream = [], None
    if resolved.get("stream"):
        stream = build("stream", resolved["stream"], seed)
        corpus.documents, streamed = stream.split(corpus.documents)
        log.info("stream: %s documents fitted, %s fed after %s", f"{len(corpus):,}", f"{len(streamed):,}",
                 stream.until)
    n_sentences = sum(len(d.sentences) for d in corpus)
    log.info("%s: %s documents, %s sentences", corpus.name, f"{len(corpus):,}", f"{n_sentences:,}")
    stages.note(f"{len(corpus):,} documents, {n_sentences:,} sentences")
    with timed(timings, "duplicates"):
        corpus.duplicates = build("duplicates", resolved["duplicates"], seed).find(corpus)
    model = topic_model(resolved, client)
    model.fit(corpus, progress=stages)
    timings.update(model.timings_)
    with timed(timings, "summarize"):
        summarizer = build("summarize", resolved["summarize"], seed)
        summaries = []
        if summarizer.units:
            encode = sentence_encoder(summarizer.representation, corpus, model.embedder_)
            summaries = summarizer.summarize_corpus(corpus, model.topics_, encode)
    with timed(timings, "evaluate"):
        evaluator = build("evaluate", resolved["evaluate"], seed)
        metrics = evaluator.evaluate(corpus, model.labels_, model.reduced_, summaries, splitter.split, model.topics_,
                                     model.describer_.vocabulary().fold)
    if model.auto_k_:
        metrics["auto_k"] = model.auto_k_
    if model.probabilities_.shape[1]:
        best = model.probabilities_.max(axis=1)
        metrics["assignment"] = {"mean_top_probability": round(float(best.mean()), 6),
                                 "uncertain_share": round(float(np.mean(best < UNCERTAIN_BELOW)), 6)}
    metrics["corpus"] = {
        "documents": len(corpus), "sentences": sum(len(d.sentences) for d in corpus),
        "skipped_documents": skipped, "removed_lines": len(corpus.removed),
        "repaired_documents": len(corpus.repaired),
        "duplicate_passages": len(corpus.duplicates),
    }
    derived = derive(resolved, corpus, model, splitter)
    if streamed:
        from toolkit.experiments.updates import stream_copy, stream_metrics

        with timed(timings, "stream"):
            derived.stream = stream_copy(model, streamed, stream)
        metrics["stream"] = stream_metrics(derived.stream)
    metrics["timings"] = dict(timings)
    assignments = assignment_rows(corpus, model.labels_, model.topics_, model.probabilities_, UNCERTAIN_BELOW)
    return RunResult(resolved, cfg.run_id(resolved, corpus.fingerprint), None, corpus, model.embeddings_,
                     model.labels_, model.topics_, summaries, metrics, dict(timings), assignments, model=model,
                     derived=derived)


def derive(resolved: dict, corpus, model: TopicModel, splitter) -> Derived:
    """The tables a run's folder, report and page show, computed once from the fitted model:
    the documents' 2-D positions, the topic tree (three topics or more) and topics over time
    (dated corpora)."""
    from toolkit.plots import project_2d

    vocabulary = model.describer_.vocabulary()
    tree = model.topic_tree() if sum(t.id >= 0 for t in model.topics_) >= 3 else None
    over_time = None
    if any(d.date for d in corpus):
        settings = resolved.get("over_time", {})
        over_time = over_time_table(corpus, model.labels_, model.topics_, settings, settings.get("bin", "auto"),
                                    vocabulary)
    # One projection, made in this process, for the map and the page alike
    coords = project_2d(model.embeddings_, resolved["seed"])
    return Derived(coords=coords, topic_tree=tree, over_time=over_time, vocabulary=vocabulary, split=splitter.split)


def run(config: dict, out_dir: str | Path = "results", progress: bool = True, client=None) -> RunResult:
    """Run an experiment and write its folder under ``out_dir/<name>/<run id>`` (``client``:
    as for :func:`execute`)."""
    from toolkit.experiments.runfolder import write_run

    result = execute(config, progress=progress, client=client)
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

    Returns
    -------
    RunResult
        Tables, metrics, and ``.model``, the fitted :class:`~toolkit.topics.model.TopicModel`.
    """
    config = cfg.load_file(source) if isinstance(source, str | Path) else source
    if overrides:
        config = cfg.apply_overrides(config, overrides)
    return execute(config, progress=progress) if out is None else run(config, out, progress=progress)


__all__ = ["derive", "execute", "experiment", "prepare_corpus", "run", "topic_model"]
