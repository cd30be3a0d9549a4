"""A streamed model's stream state on disk: ``stream.json`` and ``stream.npz`` beside the model's
own files, read back as untrusted data (types, shapes and ids checked; no pickle).

``model.json`` keeps each topic as fitting described it; ``stream.json`` holds the topics as the
stream left them (sizes, keywords, and the topics born in the stream), which replace them on load.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from toolkit.errors import DataError
from toolkit.topics.stream_state import StreamState

STREAM_FILES = ("stream.json", "stream.npz")
FORMAT = "toolkit-stream"
VERSION = 1
KEYS = {"format", "version", "ids", "terms", "novelty", "cohesion", "min_topic_size", "seen", "born", "batches",
        "events", "pending", "topics"}
ARRAYS = {"sums", "sizes", "counts_data", "counts_indices", "counts_indptr", "counts_shape", "pending_vectors"}


def write_stream(state: StreamState, topics: list, folder: Path) -> None:
    """Write ``state`` and the stream's ``topics`` (Topic objects) into ``folder``."""
    counts = sp.csr_matrix(state.counts)
    meta = {"format": FORMAT, "version": VERSION, "ids": [int(c) for c in state.ids], "terms": list(state.terms),
            "novelty": state.novelty, "cohesion": state.cohesion, "min_topic_size": state.min_topic_size,
            "seen": {str(k): v for k, v in state.seen.items()},
            "born": {str(k): list(v) for k, v in state.born.items()}, "batches": state.batches,
            "events": state.events,
            "pending": [{k: p[k] for k in ("id", "title", "text", "date", "batch")} for p in state.pending],
            "topics": [asdict(t) for t in topics]}
    (folder / "stream.json").write_text(json.dumps(meta, ensure_ascii=False) + "\n", encoding="utf-8")
    dims = state.sums.shape[1]
    vectors = np.array([p["vector"] for p in state.pending]) if state.pending else np.zeros((0, dims))
    np.savez(folder / "stream.npz", sums=state.sums, sizes=state.sizes, counts_data=counts.data,
             counts_indices=counts.indices, counts_indptr=counts.indptr,
             counts_shape=np.array(counts.shape, dtype=np.int64), pending_vectors=vectors)


def read_stream(folder: Path, dims: int) -> tuple[StreamState, list] | None:
    """The stream state and topics written by :func:`write_stream` (None: the folder has none);
    ``dims``: the model's embedding width."""
    from toolkit.topics.describe import Topic
    from toolkit.topics.stored_data import exact_keys, expect, read_arrays, read_json

    path = Path(folder) / "stream.json"
    if not path.exists():
        return None
    where = str(path)
    meta = expect(read_json(path), dict, where, "the stream state")
    exact_keys(meta, KEYS, set(), where)
    if meta["format"] != FORMAT or meta["version"] != VERSION:
        raise DataError(f"{where}: not a stream state this toolkit writes ({meta['format']!r} {meta['version']!r})")
    ids = expect(meta["ids"], list, where, "ids")
    terms = expect(meta["terms"], list, where, "terms")
    if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in ids) or len(set(ids)) != len(ids):
        raise DataError(f"{where}: ids must be distinct topic ids")
    if not all(isinstance(t, str) for t in terms):
        raise DataError(f"{where}: terms must be strings")
    arrays = read_arrays(Path(folder) / "stream.npz", ARRAYS)
    shape = tuple(int(v) for v in arrays["counts_shape"])
    try:
        counts = sp.csr_matrix((arrays["counts_data"], arrays["counts_indices"], arrays["counts_indptr"]),
                               shape=shape)
    except ValueError as err:
        raise DataError(f"{folder}/stream.npz: the term counts cannot be read ({err})") from None
    sums, sizes, vectors = arrays["sums"], arrays["sizes"], arrays["pending_vectors"]
    pending = expect(meta["pending"], list, where, "pending")
    if (shape != (len(ids), len(terms)) or sums.shape != (len(ids), dims) or sizes.shape != (len(ids),)
            or vectors.shape != (len(pending), dims)):
        raise DataError(f"{folder}/stream.npz: array shapes disagree with {where}")
    for record in pending:
        exact_keys(expect(record, dict, where, "a pending document"), {"id", "title", "text", "date", "batch"},
                   set(), where)
    state = StreamState(ids=list(ids), sums=np.asarray(sums, dtype=np.float64),
                        sizes=np.asarray(sizes, dtype=np.float64), terms=list(terms), counts=counts,
                        novelty=float(expect(meta["novelty"], (int, float), where, "novelty")),
                        cohesion=float(expect(meta["cohesion"], (int, float), where, "cohesion")),
                        min_topic_size=int(expect(meta["min_topic_size"], int, where, "min_topic_size")),
                        seen={int(k): list(v) for k, v in expect(meta["seen"], dict, where, "seen").items()},
                        born={int(k): list(v) for k, v in expect(meta["born"], dict, where, "born").items()},
                        batches=int(expect(meta["batches"], int, where, "batches")),
                        events=list(expect(meta["events"], list, where, "events")),
                        pending=[{**p, "vector": v, "row": -1} for p, v in zip(pending, vectors)])
    if not set(state.born) <= set(ids) or not set(state.seen) <= set(ids) | {-1}:
        raise DataError(f"{where}: born or seen names a topic that is not in ids")
    topics = []
    for i, record in enumerate(expect(meta["topics"], list, where, "topics")):
        try:
            topics.append(Topic.from_dict(expect(record, dict, where, f"topic {i}")))
        except (TypeError, ValueError, KeyError) as err:
            raise DataError(f"{where}: topic {i} cannot be read ({err})") from None
    return state, topics


__all__ = ["STREAM_FILES", "read_stream", "write_stream"]
