"""What code the toolkit may run: the opt-in for modules that are not installed packages.

An experiment file's import path (``cluster: {method: my_module.Clusterer}``) and a
sentence-transformers folder's ``modules.json`` name modules that loading imports, which runs
them. Installed packages are imported as usual; anything else needs this opt-in, given on the
command line (``--allow-local-code``) or in Python (``with toolkit.allow_local_code(): ...``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

LOCAL_CODE = "TOOLKIT_ALLOW_LOCAL_CODE"  # "1": modules outside installed packages may be imported


@contextlib.contextmanager
def allow_local_code() -> Iterator[None]:
    """Within this block, an experiment may name classes of modules that are not installed
    packages (a ``my_clusterer.py`` in the current folder). Worker processes started inside
    it inherit the permission (it is the environment variable ``TOOLKIT_ALLOW_LOCAL_CODE``)."""
    before = os.environ.get(LOCAL_CODE)
    os.environ[LOCAL_CODE] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(LOCAL_CODE, None)
        else:
            os.environ[LOCAL_CODE] = before


def local_code_allowed() -> bool:
    return os.environ.get(LOCAL_CODE) == "1"


__all__ = ["LOCAL_CODE", "allow_local_code", "local_code_allowed"]
