"""The saved form of a :class:`~toolkit.topics.model.TopicModel`: data files, no code.

A model folder holds

- ``model.json``: the format version, each component as its class's import path and its
  parameters, the embedding model's name and weight hash, and the topics;
- ``arrays.npz``: the training documents' embeddings and topic labels (read with
  ``allow_pickle=False``);
- ``documents.jsonl``: the training documents (id, title, text, sentences, label, date);
- ``encoder.safetensors``: only when the encoder was fine-tuned (``adapt``), its weights.

Loading imports each named class only if it is one of the toolkit's own or a
scikit-learn estimator, constructs it from its stored parameters, and refits the reducer,
clusterer and refine step on the stored embeddings (with their stored seeds): nothing
from the folder is executed, and no pickle is read.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from toolkit.errors import DataError

FORMAT = "toolkit.TopicModel"
VERSION = 1
PARTS = ("embedder", "reducer", "clusterer", "refiner", "adapter", "describer", "splitter")


def _plain(value):
    """A parameter value as JSON (tuples as lists, numpy scalars as numbers)."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise DataError(f"TopicModel.save: parameter value {type(value).__name__} cannot be stored as data")


def component_spec(obj) -> dict:
    """``{"class": import path, "params": {...}}`` of a component."""
    cls = type(obj)
    if hasattr(obj, "get_params"):
        params = obj.get_params(deep=False)
    else:
        names = [n for n in inspect.signature(cls.__init__).parameters if n != "self"]
        params = {n: getattr(obj, n) for n in names if hasattr(obj, n)}
    return {"class": f"{cls.__module__}.{cls.__qualname__}", "params": _plain(params)}


def build_component(spec: dict, where: str):
    """The component a spec describes: only the toolkit's own classes and scikit-learn estimators."""
    from sklearn.base import BaseEstimator

    path = spec.get("class", "")
    module_name, _, name = str(path).rpartition(".")
    if not module_name:
        raise DataError(f"{where}: {path!r} is not a class path")
    try:
        cls = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        raise DataError(f"{where}: class {path} is not available here") from None
    if not inspect.isclass(cls) or not (module_name.split(".")[0] == "toolkit" or issubclass(cls, BaseEstimator)):
        raise DataError(f"{where}: {path} is neither a toolkit component nor a scikit-learn estimator")
    params = spec.get("params") or {}
    if not isinstance(params, dict):
        raise DataError(f"{where}: parameters of {path} are not a mapping")
    try:
        return cls(**params)
    except TypeError as err:
        raise DataError(f"{where}: {path} does not take the stored parameters ({err})") from None


def _embedding_identity(embedder) -> dict | None:
    from toolkit.embedding.embedders import SentenceTransformerEmbedder

    if isinstance(embedder, SentenceTransformerEmbedder):
        return {"name": embedder.name, "weights_hash": embedder.weights_hash()}
    return None


def save_model(model, path) -> None:
    """Write ``model`` (fitted) into the folder ``path`` (created if needed)."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    tuned = bool(model.adapter.active)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "components": {part: component_spec(getattr(model, part)) for part in PARTS},
        "embedding_model": _embedding_identity(model.embedder),
        "tuned_encoder": "encoder.safetensors" if tuned else None,
        "topics": [asdict(t) for t in model.topics_],
        "n_documents": len(model.labels_),
    }
    arrays = {"labels": np.asarray(model.labels_, dtype=np.int64)}
    X = model.embeddings_
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        arrays.update(embeddings_data=X.data, embeddings_indices=X.indices, embeddings_indptr=X.indptr,
                      embeddings_shape=np.array(X.shape, dtype=np.int64))
    else:
        arrays["embeddings"] = np.asarray(X)
    (folder / "model.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    np.savez(folder / "arrays.npz", **arrays)
    with open(folder / "documents.jsonl", "w", encoding="utf-8") as fh:
        for d in model.documents_:
            fh.write(json.dumps({"id": d.id, "title": d.title, "text": d.text, "sentences": d.sentences,
                                 "label": d.label, "summary": d.summary, "source": d.source, "date": d.date},
                                ensure_ascii=False) + "\n")
    if tuned:
        from safetensors.torch import save_model as save_weights

        save_weights(model.embedder_.load_model(), str(folder / "encoder.safetensors"))


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DataError(f"{path}: cannot be read as JSON ({err})") from None


def load_model(path):
    """The :class:`TopicModel` saved in the folder ``path``."""
    from toolkit.text.corpus import Corpus, Document
    from toolkit.topics.describe import Topic
    from toolkit.topics.model import TopicModel

    folder = Path(path)
    if not (folder / "model.json").is_file():
        raise DataError(f"{folder}: not a saved TopicModel (no model.json)")
    meta = _read_json(folder / "model.json")
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise DataError(f"{folder}/model.json: not a {FORMAT} file of version {VERSION}")
    parts = {part: build_component(meta["components"][part], f"{folder}/model.json: {part}") for part in PARTS}
    model = TopicModel(**parts)
    identity = meta.get("embedding_model")
    if identity is not None and _embedding_identity(model.embedder) != identity:
        raise DataError(f"{folder}: the embedding model here differs from the one the model was fitted with "
                        f"({identity['name']}, weights {identity['weights_hash']})")
    with np.load(folder / "arrays.npz", allow_pickle=False) as arrays:
        labels = arrays["labels"]
        if "embeddings" in arrays:
            X = arrays["embeddings"]
        else:
            X = sp.csr_matrix((arrays["embeddings_data"], arrays["embeddings_indices"], arrays["embeddings_indptr"]),
                              shape=tuple(arrays["embeddings_shape"]))
    lines = (folder / "documents.jsonl").read_text(encoding="utf-8").split("\n")
    documents = [Document(**json.loads(line)) for line in lines if line.strip()]
    if len(documents) != len(labels) or X.shape[0] != len(labels):
        raise DataError(f"{folder}: documents, embeddings and labels disagree in number")
    topics = [Topic.from_dict(t) for t in meta["topics"]]
    embedder = model.embedder
    embedder.fit(Corpus(list(documents), name="documents"))
    if meta.get("tuned_encoder"):
        from safetensors.torch import load_model as load_weights

        tuned = copy.deepcopy(embedder.load_model())
        load_weights(tuned, str(folder / meta["tuned_encoder"]))
        embedder = embedder.with_model(tuned)
    model._restore(documents, X, labels, topics, embedder)
    return model


__all__ = ["FORMAT", "VERSION", "build_component", "component_spec", "load_model", "save_model"]
