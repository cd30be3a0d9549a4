"""The ``toolkit`` command."""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from toolkit.cli_args import build_parser
from toolkit.errors import STOP, ConfigError, DataError, ToolkitError, plural
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


@contextmanager
def _named_by_flags(section: str, flags: dict[str, str], other: str | None = None) -> Iterator[None]:
    """Errors about settings that came from command-line flags name the flag (``--method``), not
    the experiment-file key (``summarize.method``) the flags were turned into; ``other`` is the
    repeatable KEY=VALUE flag that carries every remaining key (``--param``)."""
    try:
        yield
    except ToolkitError as err:
        def flag(match: re.Match) -> str:
            key = match.group(1)
            return flags.get(key) or (f"{other} {key}" if other else match.group(0))

        text = re.sub(rf"(?<![\w.]){re.escape(section)}\.(\w+)", flag, str(err))
        if text == str(err):
            raise
        raise (DataError if isinstance(err, DataError) else ConfigError)(text) from None


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
             "order": args.order, "context": args.context, "units": ["document"]}
    given.update({k: v for k, v in (("sentences", args.sentences), ("ratio", args.ratio),
                                    ("words", args.words)) if v is not None})
    for item in args.param:
        parts, value = parse_override(item, "--param")
        given[".".join(parts)] = value
    with _named_by_flags("summarize", {k: f"--{k}" for k in ("method", "representation", "mmr", "order", "context",
                                                             "sentences", "ratio", "words")}, "--param"):
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
                      "sentences": summary.sentences, "dangling": summary.dangling, "note": summary.note}
            print(json_for_terminal(json.dumps(record, ensure_ascii=False)))
            continue
        _say(f"== {doc.source}: {len(summary.sentences)} of {plural(summary.candidates, 'candidate sentence')}")
        if not summary.sentences:
            _say(f"(empty summary: {summary.note})")
        for s in summary.sentences:  # "context": picked so that the next sentence reads on its own
            _say(f"[{s['score']:.4f}{', context' if s.get('context') else ''}] {s['text']}")
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
        with _named_by_flags("dataset", {"path": name, "loader": name}, "--field"):
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


def _silence_stdout() -> None:
    """Point standard output at the null device, so the interpreter's last flush of a closed
    pipe does not print an error on the way out."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (captured in tests)
        pass


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
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
    except BrokenPipeError:  # the reader went away (| head): end quietly, as other tools do
        _silence_stdout()
        return 128 + signal.SIGPIPE
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
