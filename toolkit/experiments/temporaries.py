"""The toolkit's temporary folders: made, published by one rename, and cleaned up.

A run folder (and anything else written whole or not at all) is written into a hidden folder
beside its final place, marked inside as the toolkit's with its owner's pid and start time, then
renamed into place. Only marked folders whose owner process has ended are ever removed: a
user's own ``.tmp-anything`` folder is never touched.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from pathlib import Path

MARKER = ".toolkit-temporary"  # inside each temporary folder: who made it, so only the toolkit's are removed
TEMPORARY_PREFIXES = (".tmp-", ".old-")


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), so that a reused pid is
    not taken for the process that made a folder; None where /proc has no answer."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22, counted after the command name


def make_temporary(parent: Path, stem: str, prefix: str = ".tmp-") -> Path:
    """A new, empty folder in ``parent`` for this process to write into, marked as the toolkit's
    with its owner's pid and start time."""
    tmp = Path(tempfile.mkdtemp(prefix=f"{prefix}{stem}-{os.getpid()}-", dir=parent))
    mark_temporary(tmp)
    return tmp


def mark_temporary(folder: Path) -> None:
    record = {"owner": "toolkit", "pid": os.getpid(), "started": _process_start(os.getpid())}
    (folder / MARKER).write_text(json.dumps(record), encoding="utf-8")


def _owner_gone(folder: Path) -> bool:
    """Whether ``folder`` is a temporary folder of the toolkit's whose process has ended. Anything
    else (no marker, a marker that is not ours, a link) is the user's and stays."""
    marker = folder / MARKER
    if folder.is_symlink() or not folder.is_dir() or marker.is_symlink() or not marker.is_file():
        return False
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
        pid, started = int(record["pid"]), record["started"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return False
    if not isinstance(record, dict) or record.get("owner") != "toolkit":
        return False
    if pid == os.getpid():
        return False
    if not _alive(pid):
        return True
    now = _process_start(pid)
    return started is not None and now is not None and now != started  # the pid was reused


def remove_stale_temporaries(parent: Path) -> int:
    """Delete the toolkit's temporary folders in ``parent`` left by processes that no longer
    exist (killed with kill -9); a folder without the toolkit's marker is never touched."""
    removed = 0
    parent = Path(parent)
    if not parent.is_dir():
        return 0
    for tmp in parent.iterdir():
        if tmp.name.startswith(TEMPORARY_PREFIXES) and _owner_gone(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
            removed += 1
    return removed


def publish(tmp: Path, final: Path, attempts: int = 5, replaceable=lambda folder: True) -> None:
    """Rename the finished folder ``tmp`` to ``final``, replacing a folder already there when
    ``replaceable(final)`` says it is one the toolkit wrote (never a link, never anything else:
    an OSError then, and nothing is touched).

    Another process may publish the same run at the same moment (the same run id, so the same
    contents): whichever rename lands last stays, both succeed, and the replaced folder is
    removed, never left beside it.
    """
    (tmp / MARKER).unlink(missing_ok=True)
    for attempt in range(attempts):
        try:
            os.rename(tmp, final)
            return
        except OSError as err:
            if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        if attempt == attempts - 1:
            break
        if final.is_symlink() or not replaceable(final):
            raise OSError(errno.EEXIST, "something that is not a run folder is already there; move it away")
        old = make_temporary(final.parent, final.name, prefix=".old-")
        try:
            os.rename(final, old / "run")  # into our marked folder: a kill now leaves only our temporary
        except FileNotFoundError:
            pass  # the other process moved it first
        finally:
            shutil.rmtree(old, ignore_errors=True)
    if final.is_dir() and (final / "metrics.json").is_file():
        shutil.rmtree(tmp, ignore_errors=True)  # the others keep publishing this same run: theirs stays
        return
    raise OSError(errno.EEXIST, f"{final} kept being replaced")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


__all__ = ["MARKER", "make_temporary", "mark_temporary", "publish", "remove_stale_temporaries"]
