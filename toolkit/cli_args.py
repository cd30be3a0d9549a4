"""The ``toolkit`` command's arguments: one parser, its subcommands and their help."""

from __future__ import annotations

import argparse
import sys

from toolkit.escape import for_terminal


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, like every other input error
        sys.stderr.write(f"toolkit: error: {for_terminal(message, newlines=False)}\n")
        raise SystemExit(2)



def _choices(wanted: bool) -> dict[str, str]:
    """The registries' names for ``--help`` (importing the registries takes about a second, so
    only when help was asked for)."""
    if not wanted:
        return {}
    from toolkit.experiments.updates import BATCHES
    from toolkit.summarization.methods import SUMMARIZERS
    from toolkit.summarization.representation import REPRESENTATIONS
    from toolkit.text.sentences import SPLITTERS

    return {"methods": ", ".join(SUMMARIZERS.names()), "representations": ", ".join(REPRESENTATIONS),
            "splitters": ", ".join(SPLITTERS.names()), "batches": ", ".join(BATCHES)}


def _help_wanted(argv: list[str] | None) -> bool:
    """``--help`` of a subcommand whose choices come from the registries."""
    given = sys.argv[1:] if argv is None else argv
    return any(a in ("-h", "--help") for a in given) and any(a in ("summarize", "update") for a in given)


def _version() -> str:
    from toolkit import __version__

    return __version__


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser of ``toolkit`` and its subcommands (``argv`` decides whether help lists the registries)."""
    choices = _choices(_help_wanted(argv))
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
    p.add_argument("--method", default="consensus",
                   help=f"one of: {choices.get('methods', '...')} (default consensus)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--sentences", type=int, help="budget: this many sentences (default 3)")
    budget.add_argument("--ratio", type=float, help="budget: this share of the sentences")
    budget.add_argument("--words", type=int, help="budget: at most this many words")
    p.add_argument("--representation", default="tfidf",
                   help=f"sentence vectors, one of: {choices.get('representations', '...')} (default tfidf)")
    p.add_argument("--mmr", type=float, default=None, help="MMR lambda in [0, 1] (default: off)")
    p.add_argument("--order", default="original", help="original (default) or score")
    p.add_argument("--context", default="repair",
                   help="a sentence that leans on an unpicked one before it (\"He\", \"However\"): repair "
                        "(default: pick that one too, within the budget), skip, or none")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a method's parameter, e.g. damping=0.9 or bonus_words=[rise,record] (repeatable; an "
                        "unknown key lists the method's keys)")
    p.add_argument("--splitter", default="blingfire",
                   help=f"sentence splitter, one of: {choices.get('splitters', '...')} (default blingfire)")
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
                   help=f"batches, one of: {choices.get('batches', '...')} (file: each file one batch, the "
                        "default; the others: periods of the documents' dates)")
    p.add_argument("--decay", type=float, default=1.0,
                   help="old centroids and keyword counts fade by this factor per batch (default 1: no fading)")
    p.add_argument("--min-topic-size", type=int, default=None,
                   help="novel documents a new topic needs (default: 0.5%% of the training documents, at least 10)")
    p.add_argument("--out", default=None, help="the update folder (default: MODEL-updated beside the model)")
    return parser
