from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory):
    """Keep the embedding cache out of the user's home unless CI chose a place."""
    if not os.environ.get("TOOLKIT_CACHE_DIR"):
        os.environ["TOOLKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("toolkit-cache"))
    yield


@pytest.fixture(scope="session")
def default_config():
    from toolkit.cli import default_experiment
    from toolkit.experiments.config import load_file

    return load_file(default_experiment())


@pytest.fixture(scope="session")
def skynews_result(default_config):
    from toolkit import execute

    return execute(default_config, progress=False)
