"""The saved form of a :class:`~toolkit.topics.model.TopicModel`: data files, no code.

A model folder holds

- ``model.json``: the format version, each component as its class's import path and its
  parameters, the embedding model's name and weight hash, and the topics;
- ``arrays.npz``: the training documents' embeddings and topic labels (read with
  ``allow_pickle=False``);
- ``documents.jsonl``: the training documents (id, title, text, sentences, label, date);
- ``encoder.safetensors``: only when the encoder was fine-tuned (``adapt``), its weights.

This module reads and writes the files only (:func:`write_model_files`,
:func:`read_model_files`); :meth:`TopicModel.load <toolkit.topics.model.TopicModel.load>`
builds the model from what it read. ``model.json`` also holds the reducer's, clusterer's and
refine step's fitted state (:mod:`toolkit.topics.state`; its arrays in ``arrays.npz``), so
loading fits nothing again; a model whose state is not plain data (UMAP) is fitted again on
the stored embeddings with its stored seeds.

A model folder may come from someone else, so reading treats it as untrusted data. A class is
allowed only if its stored name is one of the toolkit's own component classes for that part,
or (for the reducer and clusterer) a scikit-learn estimator, decided from the string before
anything is imported; nothing else is ever imported. Every file read lies inside the folder
and is checked (:mod:`toolkit.topics.stored_data`); no pickle is read.
"""

from __future__ import annotations

import copy
import inspect
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from toolkit.errors import DataError, ToolkitError, cut, shown
from toolkit.topics.describe import names_a_file

log = logging.getLogger("toolkit")
FORMAT = "toolkit.TopicModel"
VERSION = 1
NOT_STORED = {"encoder"}  # where vectors are computed (a Dask cluster's workers) is not part of the model
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
    params = {k: v for k, v in params.items() if k not in NOT_STORED}
    return {"class": f"{cls.__module__}.{cls.__qualname__}", "params": _plain(params)}


def _own_classes(part: str) -> dict[str, type]:
    """The toolkit's classes a saved model may name for ``part``, by qualified name."""
    from toolkit.clustering import CLUSTERERS, REDUCERS, REFINERS
    from toolkit.embedding import ADAPTERS, EMBEDDERS
    from toolkit.text.sentences import SPLITTERS
    from toolkit.topics.describe import TopicDescriber

    registries = {"embedder": EMBEDDERS, "reducer": REDUCERS, "clusterer": CLUSTERERS, "refiner": REFINERS,
                  "adapter": ADAPTERS, "splitter": SPLITTERS}
    classes = registries[part].classes() if part in registries else [TopicDescriber]
    own = {f"{c.__module__}.{c.__qualname__}": c for c in classes}
    # names model folders written before identifiers took one (American) spelling still use
    return own | {old: own[new] for old, new in RENAMED.items() if new in own}


RENAMED = {"toolkit.clustering.consistency.NeighbourConsistency": "toolkit.clustering.consistency.NeighborConsistency"}
SKLEARN_PARTS = {"reducer": "TransformerMixin", "clusterer": "ClusterMixin"}  # where a model may hold one
MODEL_PARAMS = ("reduce_to", "merge_by", "seed_topics", "zeroshot_topics", "zeroshot_min_similarity",
                "zeroshot_min_lead")  # the model's own parameters besides its parts
FITTED_PARTS = ("reducer", "clusterer", "refiner")  # what transform uses, restored from their fitted state
MODEL_STATE = ("reduced_", "_cluster_map", "_final_map", "_zeroshot_map")  # the model's own stored fitted attributes
OPTIONAL_STATE = {"_zeroshot_map"}  # absent from folders written before zero-shot topics
STATE_PREFIX = "state_"  # arrays of the fitted state in arrays.npz


def _sklearn_class(path: str, part: str, where: str) -> type:
    """A scikit-learn estimator of the kind ``part`` holds (a transformer or a clusterer)."""
    import sklearn.base

    from toolkit.topics.state import sklearn_class

    return sklearn_class(path, where, getattr(sklearn.base, SKLEARN_PARTS[part]))


def build_component(spec: dict, where: str, part: str = "clusterer"):
    """The component a spec describes.

    Only the toolkit's own component classes for ``part`` and, for the reducer and clusterer,
    scikit-learn's estimators are allowed, decided from the stored string before any import;
    the class found must then be the one named. Parameters must be plain data.
    """
    from toolkit.topics.stored_data import exact_keys, expect

    expect(spec, dict, where, "the component")
    exact_keys(spec, {"class", "params"}, set(), where)
    path = expect(spec["class"], str, where, "class")
    own = _own_classes(part)
    if path in own:
        cls = own[path]
    elif part in SKLEARN_PARTS and path.split(".")[0] == "sklearn":
        cls = _sklearn_class(path, part, where)
    else:
        raise DataError(f"{where}: {shown(path)} is not one of the toolkit's {part} classes"
                        + (" nor a scikit-learn estimator" if part in SKLEARN_PARTS else "")
                        + "; a saved model names no other class")
    params = expect(spec["params"], dict, where, f"the parameters of {path}")
    try:
        component = cls(**params)
    except (TypeError, ValueError) as err:
        raise DataError(f"{where}: {path} does not take the stored parameters ({cut(str(err), 120)})") from None
    check = getattr(component, "_validate_params", None)  # the rules fit would apply: no state bypasses them
    if callable(check):
        try:
            check()
        except (ToolkitError, ValueError, TypeError) as err:
            raise DataError(f"{where}: {cut(str(err), 160)}") from None
    return component


def _embedding_identity(embedder) -> dict | None:
    from toolkit.embedding.embedders import SentenceTransformerEmbedder

    if isinstance(embedder, SentenceTransformerEmbedder):
        return {"name": embedder.name, "weights_hash": embedder.weights_hash()}
    return None


def _stored_spec(component) -> dict:
    """A component's spec as saved: a stop-word file becomes the words it holds, so the model
    folder needs no file of this machine."""
    spec = component_spec(component)
    if hasattr(component, "stop_word_list") and names_a_file(spec["params"].get("stop_words")):
        spec["params"]["stop_words"] = component.stop_word_list() or []
    return spec


def write_model_files(model, path) -> None:
    """Write ``model`` (fitted) into the folder ``path`` (created if needed)."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    tuned = bool(model.adapter_.active)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "components": {part: _stored_spec(getattr(model, f"{part}_")) for part in PARTS},
        "params": {name: getattr(model, name) for name in MODEL_PARAMS},
        "embedding_model": _embedding_identity(model.embedder_),
        "tuned_encoder": "encoder.safetensors" if tuned else None,
        "topics": [asdict(t) for t in model._fitted_topics()],
        "n_documents": len(model.labels_),
    }
    arrays = {"labels": np.asarray(model.labels_, dtype=np.int64)}
    meta["fitted_state"] = _fitted_state(model, arrays)
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
    _write_stream(model, folder)
    if tuned:
        from safetensors.torch import save_model as save_weights

        save_weights(model.embedder_.load_model(), str(folder / "encoder.safetensors"))


def _write_stream(model, folder: Path) -> None:
    """The stream state beside the model (:mod:`toolkit.topics.stream_store`), or none left over."""
    from toolkit.topics.stream_store import STREAM_FILES, write_stream

    if getattr(model, "stream_", None) is not None:
        write_stream(model.stream_, model._stream_topics(), folder)
    else:
        for name in STREAM_FILES:
            (folder / name).unlink(missing_ok=True)


def _fitted_state(model, arrays: dict) -> dict | None:
    """The reducer's, clusterer's, refine step's and model's fitted state (its arrays added to
    ``arrays``), or None when one of them is not plain data: that model is fitted again on load."""
    from toolkit.topics.state import NotStorable, StateWriter

    writer = StateWriter(STATE_PREFIX)
    try:
        state = {part: writer.state(getattr(model, f"{part}_"), part) for part in FITTED_PARTS}
        state["model"] = {name: writer.encode(getattr(model, name), name, 0) for name in MODEL_STATE}
    except NotStorable as err:
        log.info("TopicModel.save: %s is not plain data, so loading this model fits it again", err)
        return None
    arrays.update(writer.arrays)
    return state


META_KEYS = {"format", "version", "components", "embedding_model", "tuned_encoder", "topics", "n_documents"}


def _read_meta(folder: Path) -> dict:
    """``model.json``, checked section by section."""
    from toolkit.topics.stored_data import exact_keys, expect, inside, read_json

    where = f"{folder}/model.json"
    meta = expect(read_json(inside(folder, "model.json", str(folder))), dict, where, "the file")
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise DataError(f"{where}: not a {FORMAT} file of version {VERSION}")
    exact_keys(meta, META_KEYS, {"fitted_state", "params"}, where)
    components = expect(meta["components"], dict, where, "components")
    exact_keys(components, set(PARTS), set(), f"{where}: components")
    expect(meta["n_documents"], int, where, "n_documents")
    expect(meta["topics"], list, where, "topics")
    if meta["tuned_encoder"] is not None:
        expect(meta["tuned_encoder"], str, where, "tuned_encoder")
    identity = meta["embedding_model"]
    if identity is not None:
        exact_keys(expect(identity, dict, where, "embedding_model"), {"name", "weights_hash"}, set(),
                   f"{where}: embedding_model")
    return meta


def _check_columns(embedder, X, where: str) -> None:
    """A sparse matrix's width must be the vocabulary the embedder fitted (a stored shape could
    claim any number of columns)."""
    vocabulary = getattr(getattr(embedder, "vectorizer_", None), "vocabulary_", None)
    if sp.issparse(X) and vocabulary is not None and X.shape[1] != len(vocabulary):
        raise DataError(f"{where}: the embeddings have {X.shape[1]:,} columns, the documents' vocabulary "
                        f"{len(vocabulary):,}")


def _check_components(parts: dict, folder: Path) -> None:
    """What the stored parameters point at: a stop-word list is stored as its words, never as a
    file of this machine (a local sentence-transformers model's own check is in its rules)."""
    describer = parts["describer"]
    if names_a_file(describer.stop_words):
        raise DataError(f"{folder}/model.json: describer: stop_words names a file ({shown(describer.stop_words)}); "
                        "a saved model stores its stop words as a list")


@dataclass
class StoredModel:
    """What a model folder holds, read and checked: the components (unfitted, built from their
    stored names and parameters), the training documents, their embeddings and labels, the
    topics, where the tuned encoder's weights are (None: not tuned), and the fitted state of
    the reducer, clusterer, refine step and model (None: the model is fitted again), with its
    arrays."""

    folder: Path
    components: dict
    documents: list
    embeddings: object
    labels: np.ndarray
    topics: list
    embedding_model: dict | None
    tuned_encoder: Path | None
    fitted_state: dict | None = None
    state_arrays: dict | None = None
    params: dict | None = None

    @property
    def where(self) -> str:
        return f"{self.folder}/model.json"


def _model_params(meta: dict, where: str) -> dict:
    """The model's own parameters: ``params``, or from a folder written before they moved to the
    model, its describer's (which then lose them)."""
    from toolkit.topics.stored_data import exact_keys, expect

    describer = meta["components"]["describer"]
    old = {name: describer["params"].pop(name) for name in MODEL_PARAMS
           if isinstance(describer, dict) and isinstance(describer.get("params"), dict) and name in describer["params"]}
    params = expect(meta.get("params", old), dict, where, "params")
    exact_keys(params, set(), set(MODEL_PARAMS), f"{where}: params")
    if params.get("reduce_to") is not None and not (isinstance(params["reduce_to"], int)
                                                    and not isinstance(params["reduce_to"], bool)
                                                    and params["reduce_to"] >= 1):
        raise DataError(f"{where}: params.reduce_to must be a whole number >= 1 or null")
    if params.get("merge_by", "centroid") not in ("centroid", "ctfidf"):
        raise DataError(f"{where}: params.merge_by must be centroid or ctfidf")
    from toolkit.params import check_parameter
    from toolkit.topics.guided import GUIDE_CONSTRAINTS

    for name, rules in GUIDE_CONSTRAINTS.items():
        if name in params:
            try:
                check_parameter("params", name, params[name], rules)
            except (ValueError, TypeError) as err:
                raise DataError(f"{where}: {cut(str(err), 160)}") from None
    return params


def read_model_files(path) -> StoredModel:
    """Read and check every file of the model folder ``path`` as untrusted data."""
    from toolkit.topics.stored_data import (
        check_topic_documents,
        exact_keys,
        expect,
        inside,
        read_arrays,
        read_documents,
        read_topics,
        stored_embeddings,
    )

    folder = Path(path)
    if not folder.is_dir() or not (folder / "model.json").exists():
        raise DataError(f"{folder}: not a saved TopicModel (no model.json)")
    meta = _read_meta(folder)
    where = f"{folder}/model.json"
    params = _model_params(meta, where)
    parts = {part: build_component(meta["components"][part], f"{where}: {part}", part) for part in PARTS}
    _check_components(parts, folder)
    npz = inside(folder, "arrays.npz", where)
    arrays = read_arrays(npz, {"labels"}, {"embeddings", "embeddings_data", "embeddings_indices",
                                           "embeddings_indptr", "embeddings_shape"}, prefix=STATE_PREFIX)
    n = meta["n_documents"]
    labels = arrays["labels"]
    if labels.ndim != 1 or labels.dtype.kind not in "iu" or len(labels) != n:
        raise DataError(f"{npz}: labels must be {n:,} integers, got shape {labels.shape} ({labels.dtype})")
    X = stored_embeddings(arrays, n, str(npz))
    documents = read_documents(inside(folder, "documents.jsonl", where))
    if len(documents) != n:
        raise DataError(f"{folder}/documents.jsonl: {len(documents):,} documents, model.json says {n:,}")
    if len({d.id for d in documents}) != n:
        raise DataError(f"{folder}/documents.jsonl: two documents share an id")
    topics = read_topics(meta["topics"], where)
    unknown = sorted(set(labels.tolist()) - {t.id for t in topics})
    if unknown:
        raise DataError(f"{npz}: label {unknown[0]} names no topic of model.json")
    check_topic_documents(topics, documents, labels, where)
    tuned = inside(folder, meta["tuned_encoder"], where) if meta["tuned_encoder"] is not None else None
    state = meta.get("fitted_state")
    if state is not None:
        expect(state, dict, where, "fitted_state")
        exact_keys(state, {*FITTED_PARTS, "model"}, set(), f"{where}: fitted_state")
        exact_keys(expect(state["model"], dict, where, "fitted_state.model"), set(MODEL_STATE) - OPTIONAL_STATE,
                   OPTIONAL_STATE,
                   f"{where}: fitted_state.model")
    return StoredModel(folder, parts, documents, X, labels.astype(np.int64), topics, meta["embedding_model"], tuned,
                       state, {k: v for k, v in arrays.items() if k.startswith(STATE_PREFIX)}, params)


def fitted_embedder(stored: StoredModel, embedder):
    """``embedder`` (the stored one) checked against the model's embedding model, fitted on the
    stored documents, with the tuned encoder's weights where the model has them."""
    from toolkit.text.corpus import Corpus

    identity = stored.embedding_model
    if identity is not None and _embedding_identity(embedder) != identity:
        raise DataError(f"{stored.folder}: the embedding model here differs from the one the model was fitted with "
                        f"({shown(identity['name'])}, weights {shown(identity['weights_hash'])})")
    embedder.fit(Corpus(list(stored.documents), name="documents"))
    _check_columns(embedder, stored.embeddings, f"{stored.folder}/arrays.npz")
    if stored.tuned_encoder is None:
        return embedder
    if not hasattr(embedder, "load_model"):
        raise DataError(f"{stored.where}: tuned_encoder given for {type(embedder).__name__}, which has no encoder "
                        "to tune")
    from safetensors.torch import load_model as load_weights

    tuned = copy.deepcopy(embedder.load_model())
    try:
        load_weights(tuned, str(stored.tuned_encoder))
    except Exception as err:  # safetensors and torch raise their own kinds for a bad file
        raise DataError(f"{stored.tuned_encoder}: not the tuned encoder's weights ({type(err).__name__}: "
                        f"{cut(str(err), 100)})") from None
    return embedder.with_model(tuned)


__all__ = ["FORMAT", "VERSION", "StoredModel", "build_component", "component_spec", "fitted_embedder",
           "read_model_files", "write_model_files"]
