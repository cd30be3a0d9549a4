"""The ``toolkit`` command."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from importlib import resources
from pathlib import Path

from toolkit.errors import STOP, DataError, ToolkitError, plural
from toolkit.escape import for_terminal, json_for_terminal


def _say(*parts, file=None) -> None:
    """``print`` for text that may hold data (titles, names, paths): control characters are shown
    as escapes, never sent to the terminal as they are."""
    print(*(for_terminal(p) for p in parts), file=file)


class _SafeFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return for_terminal(super().format(record), newlines=False)


def _terminate(signum, frame):  # SIGTERM cleans up like Ctrl-C: no half-written run folder
    STOP.set()
    raise KeyboardInterrupt


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, like every other input error
        sys.stderr.write(f"toolkit: error: {for_terminal(message, newlines=False)}\n")
        raise SystemExit(2)


def default_experiment() -> Path:
    """The default study: the repository's ``experiments/skynews.yaml``, or the packaged copy."""
    packaged = Path(str(resources.files("toolkit") / "data" / "experiments" / "skynews.yaml"))
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "experiments" / "skynews.yaml"


def _run(args) -> int:
    if args.allow_local_code:
        from toolkit.trust import allow_local_code

        with allow_local_code():
            return _run_experiment(args)
    return _run_experiment(args)


def _run_experiment(args) -> int:
    from toolkit.experiments import format_result, run
    from toolkit.experiments.config import SWEEP, apply_overrides, load_file

    path = Path(args.experiment) if args.experiment else default_experiment()
    config = apply_overrides(load_file(path), args.set)
    if config.get(SWEEP) or args.jobs > 1:
        return _sweep(config, args)
    if args.executor == "dask":
        return _run_on_dask(config, args)
    if args.executor != "local" or args.scheduler:
        from toolkit.experiments.sweep import check_executor

        check_executor(args.executor, args.scheduler)
    result = run(config, args.out, progress=not args.quiet)
    _say(format_result(result))
    return 0


def _run_on_dask(config: dict, args) -> int:
    """One run whose embedding is spread over a Dask cluster (the rest runs here)."""
    import os

    from toolkit.embedding.distributed import dask_client
    from toolkit.experiments import format_result, run

    client, cluster = dask_client(args.scheduler, os.cpu_count() or 1)
    try:
        workers = len(client.scheduler_info().get("workers", {}))
        _say(f"embedding on {workers} Dask worker{'s' if workers != 1 else ''} at {client.scheduler.address}",
              file=sys.stderr)
        result = run(config, args.out, progress=not args.quiet, client=client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    _say(format_result(result))
    return 0


def _sweep(config: dict, args) -> int:
    from toolkit.experiments.config import flatten
    from toolkit.experiments.sweep import run_sweep

    start = time.perf_counter()
    runs = run_sweep(config, args.out, args.jobs, args.executor, args.scheduler, args.quiet)
    swept = list((config.get("sweep") or {}).keys())
    _say(f"{config.get('name', 'experiment')}: {plural(len(runs), 'run')} "
          f"({sum(r.status == 'reused' for r in runs)} reused) in {time.perf_counter() - start:.1f} s")
    for r in runs:
        settings = flatten(r.config)
        shown = ", ".join(f"{k}={settings[k]}" if k in settings else
                          ", ".join(f"{f}={v}" for f, v in settings.items() if f.startswith(f"{k}."))[:60]
                          for k in swept)
        clus = r.metrics.get("clustering", {})
        score = f"NMI {clus['nmi']:.3f}, ARI {clus['ari']:.3f}" if "nmi" in clus else \
            f"{clus.get('n_clusters', '?')} clusters"
        _say(f"  {r.run_id}  {r.status:6s}  {shown}  {score}")
    _say(f"compare them: toolkit compare {Path(args.out) / runs[0].config['name']}")
    return 0


def _compare(args) -> int:
    from toolkit.experiments import compare
    from toolkit.experiments.compare_report import comparison_name

    runs = compare.find_runs(args.paths)
    differing, groups = compare.group_runs(runs)
    metrics = compare.resolve_metrics(runs, args.metric) if args.metric else compare.default_metrics(runs)
    rows = compare.summarize_groups(groups, metrics)
    pairs = [tuple(p) for p in args.paired] if args.paired else None
    for a, b in pairs or []:
        if not (1 <= a <= len(groups) and 1 <= b <= len(groups)) or a == b:
            raise ToolkitError(f"--paired {a} {b}: name two different groups, numbered 1 to {len(groups)}")
    tests = compare.pairwise_tests(groups, metrics[0], pairs) if len(groups) > 1 else []
    constants = compare.constant_metrics(runs, [m for m in compare.metric_names(runs) if m not in metrics])
    text = compare.to_markdown(rows, metrics, differing, tests, constants, compare.method_settings(runs))
    out = Path(args.out) if args.out else Path("results") / "comparisons" / comparison_name(runs, metrics, pairs)
    _say(text)
    written = compare.write_outputs(out, text, compare.to_csv(rows, metrics), rows, metrics[0])
    _say("written: " + ", ".join(str(p) for p in written))
    return 0


def _stability(args) -> int:
    from toolkit.experiments.config import apply_overrides, load_file
    from toolkit.experiments.stability_run import format_stability, k_curve, stability, write_stability

    path = Path(args.experiment) if args.experiment else default_experiment()
    config = apply_overrides(load_file(path), args.set)
    ks = _k_values(args.k) if args.k else None  # a bad list fails before any work
    result, resolved, run_id = stability(config, args.seeds, args.resample, progress=not args.quiet)
    curve = k_curve(config, ks, args.seeds, args.resample) if ks else None
    _say(format_stability(result, write_stability(result, resolved, run_id, args.out, curve)))
    return 0


def _k_values(text: str) -> list[int]:
    """``5,10,20`` or ``2-12`` (or both: ``2-6,10``) as a sorted list of numbers of topics."""
    found: set[int] = set()
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            found.update(range(int(low), int(high or low) + 1))
    except ValueError:
        raise DataError(f"--k: expected numbers of topics such as 5,10,20 or 2-12, got {text!r}") from None
    if not found or min(found) < 1:
        raise DataError(f"--k: numbers of topics are at least 1, got {text!r}")
    return sorted(found)


def _cache(args) -> int:
    from toolkit.embedding.cache import cache_dir, cache_files, clear_cache

    root = cache_dir() / "embeddings"
    if args.action == "clear":
        _say(f"removed {clear_cache()} embedding cache file(s) from {root}")
        return 0
    _say(f"embedding cache: {root}")
    files = cache_files()
    for model_id, n, size in files:
        _say(f"  {model_id}: {n} vectors, {size / 2**20:.1f} MB")
    if not files:
        _say("  (empty)")
    return 0


def _read_input(name: str, encoding: str) -> str:
    """A file's text, or standard input for ``-``."""
    from toolkit.errors import DataError
    from toolkit.text.files import decode, read_text

    if name != "-":
        return read_text(name, encoding)
    data = sys.stdin.buffer.read()
    if not data.strip():
        raise DataError("standard input: no text to summarise")
    return decode(data, "standard input", encoding)


def _summarize(args) -> int:
    import json

    from toolkit.errors import ConfigError
    from toolkit.experiments.config import build, parse_override, resolve_section
    from toolkit.text import SPLITTERS, Corpus, Document, title_and_body

    given = {"method": args.method, "representation": args.representation, "mmr": args.mmr,
             "order": args.order, "units": ["document"]}
    given.update({k: v for k, v in (("sentences", args.sentences), ("ratio", args.ratio),
                                    ("words", args.words)) if v is not None})
    for item in args.param:
        parts, value = parse_override(item, "--param")
        given[".".join(parts)] = value
    summarizer = build("summarize", resolve_section("summarize", given), args.seed)
    if args.files.count("-") > 1:
        raise ConfigError("summarize: standard input (-) can be read once")
    splitter = SPLITTERS.get(args.splitter, "--splitter")()
    docs = []
    for n, name in enumerate(args.files):
        title, body = title_and_body(_read_input(name, args.encoding), args.first_line_title)
        docs.append(Document(id=str(n), title=title, text=body, source="stdin" if name == "-" else name))
    corpus = splitter.transform(Corpus(docs))
    for doc, summary in zip(corpus, summarizer.fit_transform(corpus)):
        if args.json:
            record = {"file": doc.source, "title": doc.title, "candidates": summary.candidates,
                      "sentences": summary.sentences, "note": summary.note}
            print(json_for_terminal(json.dumps(record, ensure_ascii=False)))
            continue
        _say(f"== {doc.source}: {len(summary.sentences)} of {plural(summary.candidates, 'candidate sentence')}")
        if not summary.sentences:
            _say(f"(empty summary: {summary.note})")
        for s in summary.sentences:
            _say(f"[{s['score']:.4f}] {s['text']}")
        _say()
    return 0


def _update(args) -> int:
    from toolkit.experiments.config import build, parse_override, resolve_section
    from toolkit.experiments.updates import split_batches, stream_update, write_update
    from toolkit.topics.model import TopicModel

    model_dir = Path(args.model)
    model = TopicModel.load(model_dir)
    corpora = []
    for name in args.data:
        loader = {".jsonl": "jsonl", ".csv": "csv"}.get(Path(name).suffix.lower())
        if loader is None:
            raise DataError(f"{name}: update reads .jsonl or .csv files")
        given = {"loader": loader, "path": name}
        for item in args.field:
            parts, value = parse_override(item, "--field")
            given[".".join(parts)] = value
        corpora.append(build("dataset", resolve_section("dataset", given), 0).load())
    result = stream_update(model, split_batches(corpora, args.by), args.decay, args.min_topic_size,
                           progress=not args.quiet)
    out = Path(args.out) if args.out else model_dir.parent / f"{model_dir.name}-updated"
    write_update(result, model_dir, out)
    born = result.model.stream_.born
    batches = plural(len(result.batches), "batch", "batches")
    _say(f"{sum(b['documents'] for b in result.batches):,} documents in {batches}; {plural(len(born), 'new topic')}")
    for t in result.model.topics_:
        if t.id in born:
            _say(f"  new topic {t.id}: {t.name} ({t.size:,} documents, first seen "
                 f"{result.model.stream_.seen[t.id][0]})")
    _say(f"update folder: {out}")
    return 0


def _version() -> str:
    from toolkit import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="toolkit", description="Topic clustering and extractive summarisation of news.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("--version", action="version", version=f"toolkit {_version()}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", action="store_true", help="no progress bars or log messages")
    common.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("run", parents=[common], help="run an experiment file (default: the built-in news page study)")
    p.add_argument("experiment", nargs="?", help="experiment YAML file")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting by its dotted key, value parsed as YAML (repeatable)")
    p.add_argument("--out", default="results", help="results folder (default: results)")
    p.add_argument("--jobs", type=int, default=1, help="runs of a sweep at once (default 1: in this process)")
    p.add_argument("--executor", default="local",
                   help="local (default) or dask: a sweep's runs on Dask workers, or one run's embedding "
                        "spread over them")
    p.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler")
    p.add_argument("--allow-local-code", action="store_true",
                   help="let cluster.method / reduce.method name a module that is not an installed package "
                        "(a .py file in this folder): importing it runs its code, so only for files you trust")
    p = sub.add_parser("compare", parents=[common], help="a table of runs' differing settings and metrics")
    p.add_argument("paths", nargs="+", help="run folders or folders holding them")
    p.add_argument("--metric", action="append",
                   help="metric to show, full (clustering.nmi) or its last part (nmi); repeatable; the first is "
                        "plotted and tested (default: the measured quality metrics the runs have)")
    p.add_argument("--paired", nargs=2, type=int, action="append", metavar=("A", "B"),
                   help="paired permutation test between groups A and B (numbers from the table; repeatable; "
                        "default: every pair of groups that share seeds, Holm-adjusted)")
    p.add_argument("--out", default=None,
                   help="where compare.md/.csv/.png go (default: results/comparisons/<experiments>-<hash of "
                        "what was compared>)")
    p = sub.add_parser("stability", parents=[common],
                       help="refit an experiment over seeds and report how much its topics move")
    p.add_argument("experiment", nargs="?", help="experiment YAML file (default: the built-in news page study)")
    p.add_argument("--seeds", type=int, default=5, help="runs, at the experiment's seed and the next ones (default 5)")
    p.add_argument("--resample", type=float, default=None,
                   help="fit each refit on this share of the documents (default: all of them, seeds only)")
    p.add_argument("--k", default=None, metavar="K,K,...",
                   help="also the agreement at each of these numbers of topics (5,10,20 or 2-12): the k-stability "
                        "curve")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting by its dotted key, value parsed as YAML (repeatable)")
    p.add_argument("--out", default="results", help="results folder (default: results)")
    p = sub.add_parser("cache", parents=[common], help="the embedding cache: info or clear")
    p.add_argument("action", choices=["info", "clear"])
    p = sub.add_parser("summarize", parents=[common], help="summarise text files extractively (one summary per file)")
    p.add_argument("files", nargs="+", help="plain-text files; - reads standard input")
    p.add_argument("--method", default="textrank",
                   help="textrank, lexrank, centroid, degree, lead or random (default textrank, word overlap)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--sentences", type=int, help="budget: this many sentences (default 3)")
    budget.add_argument("--ratio", type=float, help="budget: this share of the sentences")
    budget.add_argument("--words", type=int, help="budget: at most this many words")
    p.add_argument("--representation", default="tfidf", help="tfidf (default) or minilm")
    p.add_argument("--mmr", type=float, default=None, help="MMR lambda in [0, 1] (default: off)")
    p.add_argument("--order", default="original", help="original (default) or score")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a scorer parameter, e.g. threshold=0.1 or damping=0.9 (repeatable)")
    p.add_argument("--splitter", default="blingfire", help="sentence splitter (default blingfire)")
    p.add_argument("--first-line-title", action="store_true", help="a file's first line is its title")
    p.add_argument("--encoding", default="utf-8", help="the files' encoding (default utf-8)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random baseline")
    p.add_argument("--json", action="store_true", help="one JSON line per file")
    p = sub.add_parser("update", parents=[common],
                       help="feed a saved topic model new documents in batches; write the updated model and what "
                            "changed")
    p.add_argument("model", help="a saved model folder (a run folder's model/, or TopicModel.save's)")
    p.add_argument("data", nargs="+", help=".jsonl or .csv files of new documents")
    p.add_argument("--field", action="append", default=[], metavar="KEY=VALUE",
                   help="the loader's field names, e.g. text=body, title=headline, date=published (repeatable)")
    p.add_argument("--by", default="file",
                   help="batches: file (each file one batch, the default) or day, week, month, quarter, year of "
                        "the documents' dates")
    p.add_argument("--decay", type=float, default=1.0,
                   help="old centroids and keyword counts fade by this factor per batch (default 1: no fading)")
    p.add_argument("--min-topic-size", type=int, default=None,
                   help="novel documents a new topic needs (default: 0.5%% of the training documents, at least 10)")
    p.add_argument("--out", default=None, help="the update folder (default: MODEL-updated beside the model)")
    args = parser.parse_args(argv)
    # Libraries log at WARNING and above only (rouge-score's absl "Using default tokenizer." and
    # the like are noise here); the toolkit's own messages at INFO unless --quiet.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(_SafeFormatter("%(levelname)s: %(message)s"))
    logging.getLogger("toolkit").setLevel(logging.WARNING if getattr(args, "quiet", False) else logging.INFO)
    STOP.clear()
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return {"run": _run, "summarize": _summarize, "compare": _compare, "cache": _cache,
                "stability": _stability, "update": _update}[args.command](args)
    except ToolkitError as err:
        if args.debug:
            raise
        sys.stderr.write(f"toolkit: error: {for_terminal(err, newlines=False)}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("toolkit: interrupted; no partial run folder was kept\n")
        return 130
    except Exception as err:  # a bug of ours, not bad input: still one line, the traceback on request
        if args.debug:
            raise
        where = err.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        at = f" at {Path(where.tb_frame.f_code.co_filename).name}:{where.tb_lineno}" if where else ""
        sys.stderr.write(f"toolkit: internal error: {type(err).__name__}: {for_terminal(err, newlines=False)}{at} "
                         f"(please report it; --debug shows the traceback)\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
