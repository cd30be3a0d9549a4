"""A static embedding model distilled from MiniLM: a vector per word piece, averaged.

model2vec's ``distill`` runs the shipped all-MiniLM-L6-v2 once over its own vocabulary
(offline, about half a minute on two cores) and keeps one vector per word piece, reduced
by PCA. Encoding a text is then a look-up and a mean: hundreds of times faster than the
transformer, at some cost in quality (measured in ``results/benchmarks/embed_speed.md``).
The distilled model is kept under the toolkit's cache folder, named for MiniLM's weight hash
and the dimensions, and made again only when that folder is missing.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np
from sklearn.preprocessing import normalize

from toolkit.embedding.cache import cache_dir
from toolkit.embedding.embedders import _MODELS, EMBEDDERS, Embedder, _weights_hash, minilm_path
from toolkit.params import Boolean, Int
from toolkit.text.corpus import Corpus

log = logging.getLogger("toolkit")


def distilled_model(dimensions: int, root: Path | None = None) -> Path:
    """The folder of MiniLM distilled to ``dimensions`` dimensions, made on first use."""
    source = Path(minilm_path())
    home = (root or cache_dir()) / "models" / f"static-all-MiniLM-L6-v2-{_weights_hash(source)}-{dimensions}"
    if (home / "model.safetensors").is_file():
        return home
    from model2vec.distill import distill

    log.info("embedding: distilling a static model from all-MiniLM-L6-v2 (once; about half a minute)")
    home.parent.mkdir(parents=True, exist_ok=True)
    model = distill(model_name=str(source), pca_dims=dimensions)
    with tempfile.TemporaryDirectory(dir=home.parent) as tmp:
        model.save_pretrained(tmp)
        try:
            os.replace(tmp, home)
        except OSError:  # another process finished first: its folder is the same model
            if not (home / "model.safetensors").is_file():
                raise
    return home


@EMBEDDERS.register("static")
class StaticEmbedder(Embedder):
    """MiniLM distilled into a static model (model2vec), for corpora where the transformer
    takes too long: hundreds of times faster, somewhat less accurate.

    Parameters
    ----------
    dimensions : int
        Dimensions kept by PCA when distilling (at most MiniLM's 384).
    include_title : bool
        Whether the title is embedded with the document.

    Notes
    -----
    A document is embedded whole, however long: the model has no window.
    """

    _parameter_constraints = {"dimensions": [Int(2, 384)], "include_title": [Boolean()]}

    def __init__(self, dimensions: int = 256, *, include_title: bool = True) -> None:
        self.dimensions = dimensions
        self.include_title = include_title

    @property
    def model_id(self) -> str:
        return f"static-all-MiniLM-L6-v2-{_weights_hash(Path(minilm_path()))}-{self.dimensions}"

    def identity(self) -> dict:
        return {"model": "static (model2vec)",
                "distilled_from": f"all-MiniLM-L6-v2-{_weights_hash(Path(minilm_path()))}",
                "dimensions": self.dimensions}

    def load_model(self):
        """The distilled model (made on first use, loaded once per process)."""
        key = self.model_id
        if key not in _MODELS:
            from model2vec import StaticModel

            self._validate_params()
            _MODELS[key] = StaticModel.from_pretrained(str(distilled_model(self.dimensions)))
        return _MODELS[key]

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vectors = self.load_model().encode(list(texts), max_length=None, show_progress_bar=False)
        return normalize(np.asarray(vectors, dtype=np.float32)).astype(np.float32)

    def transform(self, corpus: Corpus) -> np.ndarray:
        return self.embed_texts([" ".join([doc.title, doc.text]) if self.include_title and doc.title else doc.text
                                 for doc in corpus])
