"""Reading files strictly, and fingerprinting them (the one place the loaders touch the disk)."""

from __future__ import annotations

import hashlib
import stat
from importlib import resources
from pathlib import Path

from toolkit.errors import DataError, shown


def data_path(*parts: str) -> Path:
    """Path of a file shipped inside the package's ``data`` folder."""
    return Path(str(resources.files("toolkit") / "data")).joinpath(*parts)


MAX_PATH_SHOWN = 120  # characters of a path shown in a message


def shown_path(path: str | Path) -> str:
    """A path for a one-line message: over-long ones keep their start and end."""
    text = str(path)
    return text if len(text) <= MAX_PATH_SHOWN else f"{text[:50]}…{text[-(MAX_PATH_SHOWN - 51):]}"


_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def check_regular_file(path: str | Path) -> Path:
    """``path`` if it is a regular file (links followed); a DataError naming what it is otherwise.

    Special files are refused without being opened: reading a named pipe or a terminal
    device would wait forever.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise DataError(f"{shown_path(path)}: no such file") from None
    except OSError as err:
        raise DataError(f"{shown_path(path)}: cannot be read ({err.strerror or err})") from None
    except ValueError:  # a NUL character: no file system can name such a file
        raise DataError(f"{shown_path(path)}: not a valid file name (it holds a NUL character)") from None
    if stat.S_ISDIR(mode):
        raise DataError(f"{shown_path(path)}: is a folder, expected a file")
    for test, kind in _KINDS:
        if test(mode):
            raise DataError(f"{shown_path(path)}: is {kind}, not a regular file")
    return path


def read_bytes(path: str | Path) -> bytes:
    """A regular file's bytes; a DataError if it is missing, special, unreadable or empty."""
    path = check_regular_file(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DataError(f"{shown_path(path)}: cannot be read ({err.strerror or err})") from None
    if not data.strip():
        raise DataError(f"{shown_path(path)}: file is empty")
    return data


def decode(data: bytes, path: str | Path, encoding: str) -> str:
    """Decode strictly; the error names the file and the first bad byte's offset."""
    if b"\x00" in data[:8192] and not encoding.lower().startswith("utf-16"):
        raise DataError(f"{shown_path(path)}: looks like a binary file (NUL bytes), not text")
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return data.decode(codec)
    except LookupError:
        raise DataError(f"{shown_path(path)}: unknown encoding {shown(encoding)}") from None
    except UnicodeDecodeError as err:
        raise DataError(
            f"{shown_path(path)}: not valid {encoding} at byte {err.start}; "
            f"set dataset.encoding (for example latin-1) if the file uses another encoding"
        ) from None


def read_text(path: str | Path, encoding: str = "utf-8") -> str:
    """A text file's contents, strictly decoded; see :func:`read_bytes` and :func:`decode`."""
    return decode(read_bytes(path), path, encoding)


def normalize_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` line endings as ``\\n`` (text files only: CSV and JSONL keep
    what their quoting or escaping says)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def fingerprint(paths: list[Path], root: Path | None = None) -> str:
    """A SHA-256 over each file's path relative to the data ``root`` (so a file's label
    folder counts) and its bytes. ``root`` defaults to the first file's folder."""
    digest = hashlib.sha256()
    root = Path(root) if root is not None else (paths[0].parent if paths else Path("."))
    for path in sorted(paths):
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        digest.update(name.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
        data = path.read_bytes()
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def read_word_list(path: str | Path, encoding: str = "utf-8") -> list[str]:
    """Words of a word-list file: one or more per line, blank lines and ``#`` comments skipped,
    lower-cased (as keyword tokens are)."""
    words = []
    for line in normalize_newlines(read_text(path, encoding)).split("\n"):
        words += line.split("#", 1)[0].lower().split()
    if not words:
        raise DataError(f"{shown_path(path)}: no words in the file (only comments and blank lines)")
    return words
