"""The ``toolkit`` command."""

from __future__ import annotations

import argparse
import logging
import sys
from importlib import resources
from pathlib import Path

from toolkit.errors import ToolkitError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, like every other input error
        sys.stderr.write(f"toolkit: error: {message}\n")
        raise SystemExit(2)


def default_experiment() -> Path:
    """The default study: the repository's ``experiments/skynews.yaml``, or the packaged copy."""
    packaged = Path(str(resources.files("toolkit") / "data" / "experiments" / "skynews.yaml"))
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "experiments" / "skynews.yaml"


def _run(args) -> int:
    from toolkit.config import apply_overrides, load_file
    from toolkit.runner import format_result, run

    path = Path(args.experiment) if args.experiment else default_experiment()
    config = apply_overrides(load_file(path), args.set)
    result = run(config, args.out, progress=not args.quiet)
    print(format_result(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="toolkit", description="Topic clustering and extractive summarisation of news.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("run", help="run an experiment file (default: the built-in news page study)")
    p.add_argument("experiment", nargs="?", help="experiment YAML file")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting by its dotted key, value parsed as YAML (repeatable)")
    p.add_argument("--out", default="results", help="results folder (default: results)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or log messages")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if getattr(args, "quiet", False) else logging.INFO,
                        format="%(levelname)s: %(message)s", stream=sys.stderr)
    for noisy in ("sentence_transformers", "transformers", "httpx", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return _run(args)
    except ToolkitError as err:
        if args.debug:
            raise
        sys.stderr.write(f"toolkit: error: {err}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("toolkit: interrupted; no partial run folder was kept\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
