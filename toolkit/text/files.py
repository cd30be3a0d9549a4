"""Reading files strictly, and fingerprinting them (the one place the loaders touch the disk)."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from toolkit.errors import DataError


def data_path(*parts: str) -> Path:
    """Path of a file shipped inside the package's ``data`` folder."""
    return Path(str(resources.files("toolkit") / "data")).joinpath(*parts)


def read_bytes(path: str | Path) -> bytes:
    """A file's bytes; a DataError if it is missing, a folder, or empty."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, expected a file")
    data = path.read_bytes()
    if not data.strip():
        raise DataError(f"{path}: file is empty")
    return data


def decode(data: bytes, path: str | Path, encoding: str) -> str:
    """Decode strictly; the error names the file and the first bad byte's offset."""
    if b"\x00" in data[:8192] and not encoding.lower().startswith("utf-16"):
        raise DataError(f"{path}: looks like a binary file (NUL bytes), not text")
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return data.decode(codec)
    except LookupError:
        raise DataError(f"{path}: unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path}: not valid {encoding} at byte {err.start}; "
            f"set dataset.encoding (for example latin-1) if the file uses another encoding"
        ) from None


def read_text(path: str | Path, encoding: str = "utf-8") -> str:
    """A text file's contents, strictly decoded; see :func:`read_bytes` and :func:`decode`."""
    return decode(read_bytes(path), path, encoding)


def fingerprint(paths: list[Path]) -> str:
    """A SHA-256 over the files' relative names and bytes."""
    digest = hashlib.sha256()
    root = paths[0].parent if paths else Path(".")
    for path in sorted(paths):
        digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
