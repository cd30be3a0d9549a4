"""Embedding paths side by side: speed of the embed stage and the quality of what follows.

Run with ``python -m benchmarks.embed_speed``. For each shipped experiment (HuffPost items,
AG News items, BBC articles) and each path:

- ``sentence-transformers (torch fp32)``: ``SentenceTransformer.encode`` itself on the texts the
  toolkit embeds (batches of 64), the peer every other path is timed against;
- the toolkit's runs with ``embedding.backend`` torch, onnx fp32 and onnx int8 (what the default,
  ``auto``, runs on a CPU), and
  ``embedding.model: static`` (MiniLM distilled and fitted to MiniLM on the shipped news text).

The static model's fit reads the shipped corpora themselves, so its rows above are scored on text
it was fitted to. A second table scores it held out: the model is fitted again without the
documents it is scored on (HuffPost: fitted on the 2018 items and the other corpora, scored on
the 2019 items; AG News and BBC: fitted on the other corpora only) and compared with the default
(ONNX int8) on the same documents, through the experiment's own pipeline.

Each run is the experiment's own pipeline (``toolkit.execute``) with an empty embedding cache of
its own, so its embed stage encodes every text; its seeds after the first read the cache.
Reported: the embed stage's seconds and its speed-up over sentence-transformers (same texts,
same process, same run of this script), the cosine of each text's vector to the torch one,
NMI against the labels (mean and range over ``--seeds``) and, for BBC, ROUGE-1 of the
article summaries against the references. Writes ``embed_speed.md`` and ``.json`` under
``--out``.

One clustering of a corpus is one draw: the default start (Ward's clusters) does not depend on
the seed, so the seeds above agree, and on 100 articles a few documents that change sides move
NMI by 0.05 or more. So each path is also scored on ``--subsamples`` random 85% samples of the
documents (the same samples for every path): the model is fitted on each sample's vectors, and
the table gives the mean NMI, its spread (sd), and the mean paired difference to torch with
its standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import write_results

ROOT = Path(__file__).resolve().parents[1]
CORPORA = {"HuffPost 2018-19 (4,479 items, k = 29)": "huffpost", "AG News (7,600 items, k = 4)": "ag_news",
           "BBC dev (100 articles, k = 5)": "bbc_dev"}
PATHS = {"toolkit, torch fp32": {"model": "minilm", "backend": "torch"},
         "toolkit, ONNX fp32": {"model": "minilm", "backend": "onnx", "precision": "fp32"},
         "toolkit, ONNX int8 (the default on a CPU)": {"model": "minilm", "backend": "onnx", "precision": "int8"},
         "static (fitted, 256 d)": {"model": "static"}}


def _experiment(name: str) -> dict:
    from toolkit.experiments.config import load_file

    return load_file(ROOT / "experiments" / f"{name}.yaml")


def _texts(config: dict) -> list[str]:
    from toolkit.embedding import MiniLMEmbedder
    from toolkit.experiments import config as cfg
    from toolkit.experiments.pipeline import prepare_corpus

    corpus, _, _ = prepare_corpus(cfg.resolve(config))
    return [t for unit in MiniLMEmbedder(cache=False).units(corpus) for t in unit]


def _subsample_nmi(run, samples: list[np.ndarray]) -> list[float]:
    """NMI of the run's own model refitted on each sample of its documents' vectors."""
    from sklearn.metrics import normalized_mutual_info_score

    from toolkit.experiments.pipeline import topic_model

    documents = list(run.corpus)
    gold = np.asarray([d.label for d in documents])
    scores = []
    for rows in samples:
        model = topic_model(run.config).fit([documents[i] for i in rows], embeddings=run.embeddings[rows])
        scores.append(float(normalized_mutual_info_score(gold[rows], model.labels_)))
    return scores


def _rouge(metrics: dict) -> float | None:
    return metrics.get("summaries", {}).get("document", {}).get("rouge1")


def measure(name: str, seeds: list[int], subsamples: int = 5) -> dict:
    from toolkit import execute
    from toolkit.embedding import EMBEDDERS, MiniLMEmbedder

    config = _experiment(name)
    texts = _texts(config)
    model = MiniLMEmbedder(backend="torch", cache=False).load_model()
    model.encode(texts[:64], batch_size=64)  # warm-up: first-call allocations are not the peer's pace
    start = time.perf_counter()
    reference = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    peer_s = time.perf_counter() - start
    rows = [{"path": "sentence-transformers (torch fp32)", "embed_s": peer_s, "speedup": 1.0}]
    for label, embedding in PATHS.items():
        # MiniLM paths start from an empty embedding cache; the static model keeps its folder in the
        # usual cache (it has no embedding cache) so it is made once, not once per corpus.
        with tempfile.TemporaryDirectory() if embedding["model"] == "minilm" else contextlib.nullcontext() as cache:
            if cache:
                os.environ["TOOLKIT_CACHE_DIR"] = cache
            else:
                os.environ.pop("TOOLKIT_CACHE_DIR", None)
            # One-time work outside the timing, as the peer's model is loaded before its clock starts:
            # loading the model, the ONNX export (~5 s, once per machine), making the static model (~2 min, once).
            warm = {k: v for k, v in embedding.items() if k != "model"}
            EMBEDDERS.get(embedding["model"])(**warm, **({"cache": False} if embedding["model"] == "minilm"
                                                         else {})).embed_texts(texts[:1])
            nmi, rouge, embed_s = [], [], None
            for seed in seeds:
                run = execute({**config, "seed": seed, "embedding": {**config.get("embedding", {}), **embedding}},
                              progress=False)
                embed_s = run.timings["embed"] if embed_s is None else embed_s
                nmi.append(run.metrics["clustering"]["nmi"])
                rouge.append(_rouge(run.metrics))
            n = len(run.corpus)
            rng = np.random.default_rng(0)
            samples = [np.sort(rng.choice(n, int(0.85 * n), replace=False)) for _ in range(subsamples)]
            row = {"path": label, "embed_s": embed_s, "speedup": peer_s / embed_s, "nmi": nmi,
                   "rouge1": None if rouge[0] is None else rouge, "subsample_nmi": _subsample_nmi(run, samples)}
            if embedding["model"] == "minilm":
                params = {k: v for k, v in embedding.items() if k != "model"}
                vectors = EMBEDDERS.get("minilm")(cache=True, **params).embed_texts(texts)  # cached: no new work
                cosine = (vectors * reference).sum(axis=1)
                row["cosine"] = {"mean": float(cosine.mean()), "min": float(cosine.min())}
            rows.append(row)
    os.environ.pop("TOOLKIT_CACHE_DIR", None)
    return {"texts": len(texts), "rows": rows, "subsamples": subsamples}


def heldout(name: str, subsamples: int = 5) -> dict:
    """The static model fitted without the documents it is scored on, against the default
    (ONNX int8), both through the experiment's pipeline on the same documents."""
    from sklearn.metrics import normalized_mutual_info_score

    from toolkit.embedding import MiniLMEmbedder, StaticEmbedder
    from toolkit.embedding.static import FIT_CORPORA, encode, make_vectors, texts_for_fit, word_pieces
    from toolkit.experiments import config as cfg
    from toolkit.experiments.pipeline import prepare_corpus, topic_model
    from toolkit.text.corpus import Corpus
    from toolkit.text.loaders import BuiltinLoader
    from toolkit.text.sentences import SPLITTERS

    resolved = cfg.resolve(_experiment(name))
    corpus, _, _ = prepare_corpus(resolved)
    scored = [d for d in corpus if name != "huffpost" or d.date >= "2019"]
    train = [d for other in FIT_CORPORA if other != name for d in BuiltinLoader(other).load()]
    if name == "huffpost":
        train += [d for d in BuiltinLoader(name).load() if d.date < "2019"]
        described = "fitted on HuffPost's 2018 items and " + ", ".join(c for c in FIT_CORPORA if c != name)
    else:
        described = "fitted on " + ", ".join(c for c in FIT_CORPORA if c != name)
    start = time.perf_counter()
    vectors = make_vectors(256, "news", texts_for_fit(train, SPLITTERS.get("blingfire")().split))
    fit_s = time.perf_counter() - start
    paths = {"static, held out": encode(word_pieces(), vectors, StaticEmbedder().texts(scored)),
             "default (ONNX int8)": MiniLMEmbedder().transform(Corpus(scored))}
    gold = np.asarray([d.label for d in scored])
    rng = np.random.default_rng(0)
    samples = [np.sort(rng.choice(len(scored), int(0.85 * len(scored)), replace=False)) for _ in range(subsamples)]
    # The static rows' pipeline names its topics with the shipped static model (names do not move labels).
    configs = {"static, held out": cfg.resolve({**_experiment(name), "embedding": {"model": "static"}}),
               "default (ONNX int8)": resolved}
    rows = []
    for label, X in paths.items():
        whole = topic_model(configs[label]).fit(scored, embeddings=X).labels_
        parts = [normalized_mutual_info_score(gold[rows_], topic_model(configs[label]).fit(
            [scored[i] for i in rows_], embeddings=X[rows_]).labels_) for rows_ in samples]
        rows.append({"path": label, "nmi": [float(normalized_mutual_info_score(gold, whole))],
                     "subsample_nmi": [float(v) for v in parts]})
    return {"documents": len(scored), "described": described, "fit_s": fit_s, "rows": rows}


def _range(values: list[float] | None) -> str:
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def _paired(row: dict, torch_row: dict) -> str:
    """Mean subsample NMI (sd), and the mean paired difference to torch (its standard error)."""
    mine, base = np.asarray(row.get("subsample_nmi") or []), np.asarray(torch_row.get("subsample_nmi") or [])
    if not len(mine):
        return "– | –"
    shown = f"{mine.mean():.3f} ({mine.std(ddof=1):.3f})"
    if row is torch_row or len(base) != len(mine):
        return f"{shown} | –"
    diff = mine - base
    return f"{shown} | {diff.mean():+.3f} ± {diff.std(ddof=1) / np.sqrt(len(diff)):.3f}"


def _seed_words(seeds: list[int]) -> str:
    if len(seeds) == 1:
        return f"for seed {seeds[0]}"
    return f"the mean (range) over seeds {', '.join(map(str, seeds))}"


def markdown(results: dict, seeds: list[int]) -> str:
    lines = ["# Embedding paths (2 CPU cores): embed-stage speed and the quality that follows", "",
             f"Each corpus is run through its shipped experiment with each path; NMI on the whole corpus is "
             f"{_seed_words(seeds)}; the sample columns refit the same experiment on random 85% samples of the "
             "documents (the same samples for every path) and give the mean NMI, its sd, and the mean paired "
             "difference to torch fp32 with its standard error. The speed-up is over `SentenceTransformer.encode` on "
             "the same texts in the same process. Cosine: each text's vector against the torch fp32 one. "
             "Regenerate with `python -m benchmarks.embed_speed`.", ""]
    for corpus, result in results.items():
        lines += [f"## {corpus}: {result['texts']:,} texts embedded", "",
                  f"| path | embed stage | speed-up | cosine to torch (mean / min) | NMI | NMI on "
                  f"{result.get('subsamples', 0)} 85% samples (sd) | paired difference to torch (se) | "
                  "ROUGE-1 F (articles) |",
                  "| --- | ---: | ---: | --- | --- | --- | --- | --- |"]
        torch_row = next(r for r in result["rows"] if r["path"].startswith("toolkit, torch"))
        for row in result["rows"]:
            cosine = row.get("cosine")
            shown = "–" if not cosine else f"{cosine['mean']:.4f} / {cosine['min']:.4f}"
            lines.append(f"| {row['path']} | {row['embed_s']:.1f} s | {row['speedup']:.1f}x | {shown} | "
                         f"{_range(row.get('nmi'))} | {_paired(row, torch_row)} | {_range(row.get('rouge1'))} |")
        lines.append("")
        held = result.get("heldout")
        if held:
            lines += [f"Static model held out ({held['described']}; fitted in {held['fit_s']:.0f} s), "
                      f"{held['documents']:,} documents scored:", "",
                      "| path | NMI | NMI on 85% samples (sd) | paired difference to the default (se) |",
                      "| --- | --- | --- | --- |"]
            base = next(r for r in held["rows"] if r["path"].startswith("default"))
            for row in reversed(held["rows"]):
                lines.append(f"| {row['path']} | {_range(row['nmi'])} | {_paired(row, base)} |")
            lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="+", default=list(CORPORA.values()), choices=list(CORPORA.values()))
    parser.add_argument("--seeds", type=int, nargs="+", default=[13, 14, 15])
    parser.add_argument("--subsamples", type=int, default=5, help="random 85%% samples each path is refitted on")
    parser.add_argument("--out", default="results/benchmarks")
    args = parser.parse_args(argv)
    results = {}
    for label, name in CORPORA.items():
        if name in args.corpora:
            results[label] = measure(name, args.seeds, args.subsamples)
            results[label]["heldout"] = heldout(name, args.subsamples)
            print(label, results[label], flush=True)
    write_results(args.out, "embed_speed", markdown(results, args.seeds), results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
