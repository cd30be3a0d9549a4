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


__all__ = ["check_finite", "exact_keys", "expect", "inside", "parse_json", "read_arrays", "read_json", "read_text"]
