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


def _summarize(args) -> int:
    import json

    from toolkit.config import resolve_section
    from toolkit.corpus import Corpus, Document
    from toolkit.loaders import read_text
    from toolkit.runner import build
    from toolkit.sentences import SPLITTERS
    from toolkit.summarize import SentenceTfidf

    given = {"method": args.method, "representation": args.representation, "mmr": args.mmr,
             "order": args.order, "units": ["document"]}
    given.update({k: v for k, v in (("sentences", args.sentences), ("ratio", args.ratio),
                                    ("words", args.words)) if v is not None})
    for item in args.param:
        from toolkit.config import parse_override

        parts, value = parse_override(item, "--param")
        given[".".join(parts)] = value
    summarizer = build("summarize", resolve_section("summarize", given), args.seed)
    splitter = SPLITTERS.get(args.splitter, "--splitter")()
    docs = []
    for n, name in enumerate(args.files):
        text = read_text(name, args.encoding)
        title, body = text.strip().partition("\n")[::2] if args.first_line_title else ("", text)
        docs.append(Document(id=str(n), title=title.strip(), text=body.strip(), source=name))
    corpus = splitter.transform(Corpus(docs))
    if args.representation == "minilm":
        from toolkit.embeddings import MiniLMEmbedder

        encode = MiniLMEmbedder().embed_texts
    else:
        encode = SentenceTfidf.for_corpus(corpus)
    for doc in corpus:
        summary = summarizer.summarize_document(doc, encode)
        if args.json:
            print(json.dumps({"file": doc.source, "title": doc.title, "candidates": summary.candidates,
                              "sentences": summary.sentences, "note": summary.note}, ensure_ascii=False))
            continue
        print(f"== {doc.source}: {len(summary.sentences)} of {summary.candidates} sentences")
        if not summary.sentences:
            print(f"(empty summary: {summary.note})")
        for s in summary.sentences:
            print(f"[{s['score']:.4f}] {s['text']}")
        print()
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
    p = sub.add_parser("summarize", help="summarise text files extractively (one summary per file)")
    p.add_argument("files", nargs="+", help="plain-text files")
    p.add_argument("--method", default="lexrank",
                   help="lexrank, textrank, centroid, degree, lead or random (default lexrank)")
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
    p.add_argument("--quiet", action="store_true", help="no progress bars or log messages")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if getattr(args, "quiet", False) else logging.INFO,
                        format="%(levelname)s: %(message)s", stream=sys.stderr)
    for noisy in ("sentence_transformers", "transformers", "httpx", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return {"run": _run, "summarize": _summarize}[args.command](args)
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
