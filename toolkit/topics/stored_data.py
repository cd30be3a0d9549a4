"""Reading a model folder's files as untrusted data.

A model folder may come from someone else. Each reader here checks what it reads before the
toolkit uses it: the file lies inside the folder and is a regular file (no link out of it),
JSON has the expected shape and types, and arrays are numbers of the expected dimensions,
finite, with a size their file can hold (a header cannot make the reader allocate gigabytes).
Every problem is one :class:`~toolkit.errors.DataError` naming the file and what is wrong.
"""

from __future__ import annotations

import json
import math
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import scipy.sparse as sp

from toolkit.errors import DataError, cut, shown

MAX_INFLATION = 100  # a compressed array member may stand for at most this many times its bytes
NUMERIC_KINDS = "biuf"  # booleans, integers and floats; object and string arrays are refused
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def inside(folder: Path, name: object, where: str) -> Path:
    """The regular file ``name`` inside ``folder``: a relative path without ``..`` that, with
    every link resolved, stays in the folder, and is not itself a link."""
    if not isinstance(name, str) or not name or "\x00" in name:
        raise DataError(f"{where}: {shown(name)} is not a file name")
    pure = PurePosixPath(name)
    if pure.is_absolute() or Path(name).is_absolute() or ".." in pure.parts or "\\" in name:
        raise DataError(f"{where}: {shown(name)} is outside the model folder")
    root = folder.resolve()
    path = root / pure
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise DataError(f"{where}: {shown(name)} is missing from the model folder") from None
    except OSError as err:
        raise DataError(f"{where}: {shown(name)} cannot be read ({err.strerror or err})") from None
    if stat.S_ISLNK(info.st_mode):
        raise DataError(f"{where}: {shown(name)} is a symbolic link; a model folder holds its files itself")
    if not stat.S_ISREG(info.st_mode):
        raise DataError(f"{where}: {shown(name)} is not a regular file")
    if not path.resolve().is_relative_to(root):
        raise DataError(f"{where}: {shown(name)} is outside the model folder")
    return path


def parse_json(text: str, where: str):
    """A JSON text's value; a DataError naming ``where`` for bad JSON or nesting too deep to read."""
    try:
        return json.loads(text)
    except RecursionError:
        raise DataError(f"{where}: JSON nested too deeply") from None
    except ValueError as err:
        raise DataError(f"{where}: not valid JSON ({cut(str(err), 100)})") from None


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not valid UTF-8 at byte {err.start}") from None
    except OSError as err:
        raise DataError(f"{path}: cannot be read ({err.strerror or err})") from None


def read_json(path: Path):
    """A JSON file's value; a DataError for bad UTF-8, bad JSON or nesting too deep to read."""
    return parse_json(read_text(path), str(path))


def expect(value, kind, where: str, what: str):
    """``value`` if it is an instance of ``kind`` (bool is not an int here); a DataError otherwise."""
    wrong = not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float)))
    if wrong:
        raise DataError(f"{where}: {what} must be {_kind_name(kind)}, got {shown(value)}")
    return value


def _kind_name(kind) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", int: "an integer", bool: "true or false",
             float: "a number", (int, float): "a number"}
    if isinstance(kind, tuple) and kind not in names:
        return " or ".join(_kind_name(k) for k in kind)
    return names.get(kind, getattr(kind, "__name__", str(kind)))


def exact_keys(record: dict, required: set[str], optional: set[str], where: str) -> None:
    """A DataError when ``record`` lacks a required key or has one the format does not know."""
    missing = sorted(required - set(record))
    if missing:
        raise DataError(f"{where}: missing {', '.join(missing)}")
    extra = sorted(set(record) - required - optional)
    if extra:
        raise DataError(f"{where}: unknown key {shown(extra[0])}")


def _array_headers(archive: zipfile.ZipFile, path: Path) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Each member's shape and dtype, read from its ``.npy`` header alone, with its size checked
    against the bytes the member holds."""
    out = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy") or "/" in info.filename:
            raise DataError(f"{path}: unexpected member {shown(info.filename)}")
        if info.file_size > MAX_INFLATION * max(info.compress_size, 1) + 4096:
            raise DataError(f"{path}: member {shown(info.filename)} would inflate to {info.file_size:,} bytes "
                            f"from {info.compress_size:,}")
        try:
            with archive.open(info) as fh:
                reader = _HEADER_READERS.get(np.lib.format.read_magic(fh))
                if reader is None:
                    raise ValueError("unknown .npy format version")
                shape, _, dtype = reader(fh)  # the header alone: nothing is allocated yet
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, SyntaxError) as err:
            raise DataError(f"{path}: member {shown(info.filename)} is not a numpy array "
                            f"({cut(str(err), 100)})") from None
        if dtype.hasobject or dtype.kind not in NUMERIC_KINDS:
            raise DataError(f"{path}: array {info.filename[:-4]} holds {dtype} values, not numbers")
        if any(not isinstance(n, int) or n < 0 for n in shape):
            raise DataError(f"{path}: array {info.filename[:-4]} has an invalid shape {shape}")
        if math.prod(shape) * dtype.itemsize > info.file_size:
            raise DataError(f"{path}: array {info.filename[:-4]} claims shape {shape}, more than its "
                            f"{info.file_size:,} bytes hold")
        out[info.filename[:-4]] = (tuple(shape), dtype)
    return out


def read_arrays(path: Path, required: set[str], optional: set[str] = frozenset(),
                prefix: str | None = None) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file, each checked (numbers only, sizes their bytes hold)
    before it is read; ``required`` and ``optional`` are the member names allowed, and any
    name that starts with ``prefix``."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise DataError(f"{path}: not a numpy .npz archive ({cut(str(err), 100)})") from None
    with archive:
        headers = _array_headers(archive, path)
        extra = {name for name in headers if prefix and name.startswith(prefix)}
        exact_keys(headers, set(required), set(optional) | extra, str(path))
        try:
            with np.load(path, allow_pickle=False) as arrays:
                return {name: arrays[name] for name in headers}
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
            raise DataError(f"{path}: an array cannot be read ({cut(str(err), 100)})") from None


def check_finite(values: np.ndarray, where: str) -> None:
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise DataError(f"{where}: holds NaN or infinite values")


DOCUMENT_FIELDS = {"id": (str,), "title": (str,), "text": (str,), "sentences": (list,), "label": (str, None),
                   "summary": (str, None), "source": (str,), "date": (str, None)}


def read_topics(records: list, where: str) -> list:
    from toolkit.topics.describe import Topic

    topics = []
    fields = {"id": int, "name": str, "keywords": list, "size": int, "documents": list}
    optional = {"exemplars": list, "name_score": (int, float), "name_margin": (int, float),
                "name_lead": (int, float), "candidate": str, "named": bool, "merged_from": list}
    for i, record in enumerate(records):
        at = f"{where}: topic {i}"
        exact_keys(expect(record, dict, at, "a topic"), set(fields), set(optional), at)
        for key, kind in {**fields, **optional}.items():
            if key in record and not (key in optional and record[key] is None):
                expect(record[key], kind, at, key)
        if not record["keywords"]:
            raise DataError(f"{at}: has no keywords")
        for pair in record["keywords"]:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
                    and isinstance(pair[1], int | float) and not isinstance(pair[1], bool)):
                raise DataError(f"{at}: a keyword must be [word, weight], got {shown(pair)}")
        if not all(isinstance(d, str) for d in record["documents"] + record.get("exemplars", [])):
            raise DataError(f"{at}: document ids must be strings")
        topics.append(Topic.from_dict(record))
    if len({t.id for t in topics}) != len(topics):
        raise DataError(f"{where}: two topics share an id")
    for i, t in enumerate(topics):
        if t.id < -1 or t.size != len(t.documents):
            raise DataError(f"{where}: topic {i} has id {t.id} and size {t.size} for {len(t.documents)} documents")
    return topics


def check_topic_documents(topics: list, documents: list, labels: np.ndarray, where: str) -> None:
    """Each topic lists exactly the documents its label marks, and its exemplars are among them."""
    ids = [d.id for d in documents]
    for t in topics:
        members = [ids[i] for i in np.flatnonzero(labels == t.id)]
        if members != t.documents or not set(t.exemplars) <= set(t.documents):
            raise DataError(f"{where}: topic {t.id}'s documents or exemplars disagree with the stored labels")


def read_documents(path: Path) -> list:
    from toolkit.text.corpus import Document

    documents = []
    for number, line in enumerate(read_text(path).split("\n"), 1):
        if not line.strip():
            continue
        at = f"{path}:{number}"
        record = parse_json(line, at)
        if not isinstance(record, dict):
            raise DataError(f"{at}: expected a JSON object, got {shown(record)}")
        exact_keys(record, {"id", "title", "text"}, set(DOCUMENT_FIELDS) - {"id", "title", "text"}, at)
        for key, value in record.items():
            kinds = DOCUMENT_FIELDS[key]
            if not (value is None and None in kinds) and not isinstance(value, tuple(k for k in kinds if k)):
                raise DataError(f"{at}: {key} has the wrong type ({type(value).__name__})")
        if not all(isinstance(s, str) for s in record.get("sentences", [])):
            raise DataError(f"{at}: sentences must be strings")
        documents.append(Document(**record))
    return documents


def stored_embeddings(arrays: dict, n: int, where: str):
    """The stored document vectors (dense, or CSR from its parts), checked against ``n`` rows."""
    if "embeddings" in arrays:
        X = arrays["embeddings"]
        if X.ndim != 2 or X.shape[0] != n or X.shape[1] < 1 or X.dtype.kind != "f":
            raise DataError(f"{where}: embeddings must be {n} rows of floats, got shape {X.shape} ({X.dtype})")
        check_finite(X, f"{where}: embeddings")
        return X
    parts = ("embeddings_data", "embeddings_indices", "embeddings_indptr", "embeddings_shape")
    missing = [p for p in parts if p not in arrays]
    if missing:
        raise DataError(f"{where}: holds neither embeddings nor {', '.join(missing)}")
    data, indices, indptr, shape = (arrays[p] for p in parts)
    if shape.shape != (2,) or shape.dtype.kind not in "iu" or data.ndim != 1 or data.dtype.kind != "f" \
            or indices.ndim != 1 or indices.dtype.kind not in "iu" or indptr.ndim != 1 or indptr.dtype.kind not in "iu":
        raise DataError(f"{where}: the sparse embeddings' parts have the wrong kinds or dimensions")
    rows, columns = (int(v) for v in shape)
    if rows != n or len(indptr) != n + 1 or len(indices) != len(data) or (n and indptr[0] != 0) \
            or (len(indptr) and indptr[-1] != len(data)) or np.any(np.diff(indptr) < 0):
        raise DataError(f"{where}: the sparse embeddings' parts disagree in size")
    if len(indices) and (indices.min() < 0 or indices.max() >= columns):
        raise DataError(f"{where}: a sparse embedding's column lies outside its {columns:,} columns")
    check_finite(data, f"{where}: embeddings")
    return sp.csr_matrix((data, indices, indptr), shape=(rows, columns))


__all__ = ["DOCUMENT_FIELDS", "check_finite", "check_topic_documents", "exact_keys", "expect", "inside", "parse_json",
           "read_arrays", "read_documents", "read_json", "read_text", "read_topics", "stored_embeddings"]
