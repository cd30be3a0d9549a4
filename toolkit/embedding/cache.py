"""The on-disk embedding cache: vectors per (model identity, text), in SQLite files."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from pathlib import Path

import numpy as np

log = logging.getLogger("toolkit")


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
        self.usable = True

    def _give_up(self, err: Exception) -> None:
        """An unusable cache location (read-only, full, a file in the way) is not the user's
        data: say so once, and carry on without a cache."""
        if self.usable:
            log.warning("embedding cache: %s cannot be used (%s); embedding without a cache "
                        "(set TOOLKIT_CACHE_DIR to a writable folder to keep vectors between runs)",
                        self.root, getattr(err, "strerror", None) or err)
        self.usable = False

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._open()
        except sqlite3.DatabaseError as err:  # not a database any more (a disk error, a stray write)
            if isinstance(err, sqlite3.OperationalError):
                raise  # locked, read-only, full, cannot open: the location, not the file's contents
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

    @staticmethod
    def _intact(dim, data, checksum) -> bool:
        """Whether a row holds a vector whose bytes match its checksum and dimension (a row
        edited by hand may hold any type in any column)."""
        return (isinstance(data, bytes) and isinstance(dim, int) and isinstance(checksum, str)
                and len(data) == 4 * dim and hashlib.sha256(data).hexdigest() == checksum)

    def get(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``keys``; corrupt rows are deleted and left out."""
        found: dict[str, np.ndarray] = {}
        if self.usable:
            try:
                found = self._get(keys)
            except (OSError, sqlite3.Error) as err:
                self._give_up(err)
        self.hits += len(found)
        self.misses += len(set(keys)) - len(found)
        return found

    def _get(self, keys: list[str]) -> dict[str, np.ndarray]:
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
                    if not self._intact(dim, data, checksum):
                        bad.append(key)
                        continue
                    found[key] = np.frombuffer(data, dtype=np.float32)
            if bad:
                log.warning("embedding cache: dropped %d corrupt entries", len(bad))
                con.executemany("DELETE FROM vectors WHERE key = ?", [(k,) for k in bad])
        return found

    def put(self, items: dict[str, np.ndarray]) -> None:
        if not self.usable:
            return
        rows = []
        for key, vec in items.items():
            data = np.ascontiguousarray(vec, dtype=np.float32).tobytes()
            rows.append((key, len(vec), data, hashlib.sha256(data).hexdigest()))
        try:
            with self._connect() as con:
                con.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
        except (OSError, sqlite3.Error) as err:
            self._give_up(err)


def cache_files() -> list[tuple[str, int, int]]:
    """Each cache file's model identity, number of vectors and size in bytes."""
    root = cache_dir() / "embeddings"
    out = []
    for f in sorted(root.glob("*.sqlite")) if root.is_dir() else []:
        with sqlite3.connect(f) as con:
            n = con.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        out.append((f.stem, int(n), f.stat().st_size))
    return out


def _is_cache_file(path: Path) -> bool:
    """Whether ``path`` is one of the toolkit's cache files (a regular SQLite file holding the
    ``vectors`` table), not a database of the user's that happens to sit in the folder."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True) as con:
            return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vectors'").fetchone() \
                is not None
    except sqlite3.Error:
        return False


def clear_cache() -> int:
    """Remove every cache file of the toolkit's (other files in the folder stay); returns how many."""
    root = cache_dir() / "embeddings"
    files = [f for f in sorted(root.glob("*.sqlite")) if _is_cache_file(f)] if root.is_dir() else []
    for f in files:
        f.unlink()
    return len(files)
