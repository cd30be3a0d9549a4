"""A static embedding model made from MiniLM: a vector per word piece, averaged.

Encoding a text is a tokenisation, a look-up and a mean: a hundred times faster than the
transformer. The vectors are made once, offline, and kept under the toolkit's cache folder:

1. distilled: MiniLM reads each of its 30,522 word pieces alone (about 10 s on two cores);
2. fitted to MiniLM (``fit_to: news``, the default): the news text shipped with the toolkit (AG
   News, HuffPost, BBC and Sky News items, their titles and sentences; no labels) is embedded by
   MiniLM, and the piece vectors are fitted so that their means come close to MiniLM's vectors
   of the same texts (:func:`toolkit.embedding.static_fit.fit_token_vectors`; about two and a
   half minutes in all on two cores);
3. projected on the leading ``dimensions`` principal axes of MiniLM's vectors of those texts.

The folder is named for MiniLM's weight hash and this recipe, and made again only when it is
missing. Measured speed and quality, with the evaluation corpus left out of the fit, are in
``results/benchmarks/embed_speed.md``.

model2vec's ``distill`` (0.8, with transformers 5) made vectors that clustered HuffPost at NMI
0.07 against 0.19 for the same recipe written here, so the toolkit distils itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
from sklearn.preprocessing import normalize

from toolkit.embedding.cache import cache_dir
from toolkit.embedding.embedders import (
    _MODELS,
    EMBEDDERS,
    Embedder,
    MiniLMEmbedder,
    _weights_hash,
    minilm_path,
    whole_texts_tokenizer,
)
from toolkit.embedding.static_fit import fit_token_vectors, match_scale, mean_matrix, principal_axes, token_vectors
from toolkit.params import Boolean, Int, Options
from toolkit.text.corpus import Corpus
from toolkit.timing import shows_progress

log = logging.getLogger("toolkit")
RECIPE = 2  # bump when the way the vectors are made changes: old folders are then not read
FIT_CORPORA = ("ag_news", "huffpost", "bbc_dev", "skynews")
ALPHA = 0.03
ITERATIONS = 60  # conjugate-gradient steps of the fit
BATCH = 20_000  # texts tokenised at a time: bounds memory on a million documents


def word_pieces():
    """MiniLM's tokenizer without padding or truncation: a mean over padding drags every text
    towards one vector, and a static model has no window to respect."""
    return whole_texts_tokenizer(Path(minilm_path()))


def piece_ids(tokenizer, texts: list[str]) -> list[list[int]]:
    """Each text's word-piece ids, without ``[CLS]``/``[SEP]``."""
    return [e.ids for e in tokenizer.encode_batch(list(texts), add_special_tokens=False)]


def texts_for_fit(documents, split) -> list[str]:
    """Training texts from documents: every title, every short item whole (its text, and its
    title with its text) and the sentences of longer documents (over three sentences); each once,
    in order. ``split`` maps a text to its sentences."""
    texts: dict[str, None] = {}
    for doc in documents:
        sentences = split(doc.text)
        parts = [doc.title] if doc.title else []
        parts += [doc.text, f"{doc.title} {doc.text}" if doc.title else ""] if len(sentences) <= 3 else sentences
        texts.update((t.strip(), None) for t in parts if t and t.strip())
    return list(texts)


def fit_texts(corpora: tuple[str, ...] = FIT_CORPORA) -> list[str]:
    """The texts the static model is fitted on (:func:`texts_for_fit`) from the data sets
    shipped with the toolkit."""
    from toolkit.text.loaders import BuiltinLoader
    from toolkit.text.sentences import SPLITTERS

    splitter = SPLITTERS.get("blingfire")()
    return texts_for_fit([doc for name in corpora for doc in BuiltinLoader(name).load()], splitter.split)


def encode(tokenizer, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
    """Unit-length means of the texts' word-piece vectors (zero for a text without pieces)."""
    out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
    for start in range(0, len(texts), BATCH):
        chunk = list(texts[start:start + BATCH])
        out[start:start + len(chunk)] = mean_matrix(piece_ids(tokenizer, chunk), vectors.shape[0]) @ vectors
    return normalize(out, copy=False)


def _recipe(dimensions: int, fit: str) -> dict:
    return {"recipe": RECIPE, "distilled_from": f"all-MiniLM-L6-v2-{_weights_hash(Path(minilm_path()))}",
            "fit": fit, "fit_corpora": list(FIT_CORPORA) if fit == "news" else [],
            "alpha": ALPHA if fit == "news" else None,
            "iterations": ITERATIONS if fit == "news" else None, "dimensions": dimensions}


def model_name(dimensions: int, fit: str) -> str:
    """The folder name of the static model made by this recipe."""
    recipe = _recipe(dimensions, fit)
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]
    return f"static-{recipe['distilled_from']}-{fit}-{dimensions}-{digest}"


def make_vectors(dimensions: int, fit: str, texts: list[str] | None = None) -> np.ndarray:
    """The static model's vectors, made from MiniLM (no file written): distilled, fitted to
    MiniLM's vectors of ``texts`` (the shipped news text by default) unless ``fit`` is
    ``none``, and projected on ``dimensions`` principal axes."""
    from tqdm.auto import tqdm
    from transformers import AutoModel


    tokenizer = word_pieces()
    model = AutoModel.from_pretrained(minilm_path()).eval()
    size = tokenizer.get_vocab_size()
    with tqdm(total=size, unit="piece", desc="distilling MiniLM", leave=False, disable=not shows_progress()) as bar:
        distilled = token_vectors(model, size, tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]"),
                                  progress=bar.update)
    texts = fit_texts() if texts is None else texts
    targets = MiniLMEmbedder(cache=False, pooling="text").embed_texts(texts)
    A = mean_matrix(piece_ids(tokenizer, texts), size)
    vectors = match_scale(A, distilled)
    if fit == "news":
        log.info("embedding: fitting the static model to MiniLM's vectors of %s texts", f"{len(texts):,}")
        with tqdm(total=ITERATIONS, unit="step", desc="fitting to MiniLM", leave=False,
                  disable=not shows_progress()) as bar:
            vectors = fit_token_vectors(A, targets, vectors, ALPHA, iterations=ITERATIONS, progress=bar.update)
    return vectors @ principal_axes(targets, dimensions)


def static_model(dimensions: int, fit: str = "news", root: Path | None = None) -> Path:
    """The folder of the static model (``vectors.npy`` and ``recipe.json``), made on first use."""
    home = (root or cache_dir()) / "models" / model_name(dimensions, fit)
    if (home / "vectors.npy").is_file():
        return home
    log.info("embedding: making the static model from all-MiniLM-L6-v2 "
             "(once; about two and a half minutes on two cores)")
    vectors = make_vectors(dimensions, fit)
    home.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home.parent) as tmp:
        np.save(Path(tmp) / "vectors.npy", vectors)
        (Path(tmp) / "recipe.json").write_text(json.dumps(_recipe(dimensions, fit), indent=2, sort_keys=True))
        try:
            os.replace(tmp, home)
        except OSError:  # another process finished first: its folder is the same model
            if not (home / "vectors.npy").is_file():
                raise
    return home


@EMBEDDERS.register("static")
class StaticEmbedder(Embedder):
    """A static model made from MiniLM: a vector per word piece, a text's vector their mean.
    About a hundred times faster than the transformer, somewhat less accurate.

    Parameters
    ----------
    dimensions : int
        Dimensions kept (at most MiniLM's 384), on the leading principal axes of MiniLM's vectors.
    fit_to : {"news", "none"}
        ``news`` (default): the distilled vectors fitted to MiniLM's vectors of the news text
        shipped with the toolkit; ``none``: distilled only.
    include_title : bool
        Whether the title is embedded with the document.

    Notes
    -----
    A document is embedded whole, however long: the model has no window.
    """

    _parameter_constraints = {"dimensions": [Int(2, 384)], "fit_to": [Options("news", "none")],
                              "include_title": [Boolean()]}

    def __init__(self, dimensions: int = 256, *, fit_to: str = "news", include_title: bool = True) -> None:
        self.dimensions = dimensions
        self.fit_to = fit_to
        self.include_title = include_title

    @property
    def model_id(self) -> str:
        return model_name(self.dimensions, self.fit_to)

    def identity(self) -> dict:
        return {"model": "static", **_recipe(self.dimensions, self.fit_to)}

    def load_model(self):
        """(tokenizer, vectors), made on first use and loaded once per process."""
        key = self.model_id
        if key not in _MODELS:
            self._validate_params()
            vectors = np.load(static_model(self.dimensions, self.fit_to) / "vectors.npy")
            _MODELS[key] = (word_pieces(), vectors)
        return _MODELS[key]

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return encode(*self.load_model(), texts)

    def texts(self, documents) -> list[str]:
        """The text each document is embedded as (its title first, unless ``include_title`` is off)."""
        return [" ".join([doc.title, doc.text]) if self.include_title and doc.title else doc.text
                for doc in documents]

    def transform(self, corpus: Corpus) -> np.ndarray:
        return self.embed_texts(self.texts(corpus))

