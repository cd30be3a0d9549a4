from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
# The fast tier (python -m pytest -m "not slow", under a minute on 2 cores): numerics and rules on
# small arrays and texts. Every test outside these modules is marked slow, and so are the few
# inside them that embed a corpus with the real model.
FAST_MODULES = {"test_bad_input", "test_centrality", "test_classic_summarizers", "test_cleaning", "test_config",
                "test_estimators", "test_exact_text", "test_fast_store", "test_loaders", "test_palette",
                "test_properties", "test_refine", "test_separation", "test_stability_measures", "test_static_model",
                "test_terms", "test_workers"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module.__name__.rpartition(".")[2] not in FAST_MODULES:
            item.add_marker(pytest.mark.slow)


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
