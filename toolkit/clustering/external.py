"""Estimators named by import path (``cluster: {method: sklearn.cluster.Birch}``).

Any scikit-learn-compatible clusterer (``fit`` and ``labels_``) or reducer (``fit`` and
``transform``) can stand in a ``cluster`` or ``reduce`` section. Its parameters are
checked against its constructor's signature before any work (and by its own
``_validate_params`` where it has scikit-learn's), its ``random_state`` is set from the
experiment's seed like the toolkit's own components, and its class and package version
are recorded in the run id and ``environment.json``.
"""

from __future__ import annotations

import importlib
import inspect
from importlib import metadata
from typing import Any

from toolkit.errors import ConfigError, shown


def is_import_path(name: Any) -> bool:
    """Whether a section's method names a class by dotted import path."""
    return isinstance(name, str) and "." in name.strip(".") and " " not in name


def import_class(path: str, key: str, kind: str) -> type:
    """The class at ``path`` (``package.module.Class``); a ConfigError naming ``key`` otherwise.

    ``kind`` is ``cluster`` (needs ``fit``) or ``reduce`` (needs ``fit`` and ``transform``).
    """
    module_name, _, attr = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ConfigError(f"{key}: cannot import {shown(module_name)} ({err})") from None
    cls = getattr(module, attr, None)
    if not inspect.isclass(cls):
        raise ConfigError(f"{key}: {shown(path)} is not a class")
    needed = ("fit", "transform") if kind == "reduce" else ("fit",)
    missing = [m for m in needed if not callable(getattr(cls, m, None))]
    if missing:
        raise ConfigError(f"{key}: {path} has no {' or '.join(missing)} method, so it cannot be a "
                          f"{'reducer' if kind == 'reduce' else 'clusterer'}")
    return cls


def constructor_defaults(cls: type) -> dict[str, Any]:
    """The constructor's parameters with their defaults (``inspect.Parameter.empty`` if required)."""
    out = {}
    for name, p in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        out[name] = p.default
    return out


def package_of(cls: type) -> tuple[str, str | None]:
    """The distribution that ships ``cls`` and its version (None when unknown)."""
    top = cls.__module__.split(".")[0]
    names = metadata.packages_distributions().get(top, [top])
    for name in names:
        try:
            return name, metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return top, None


def describe(path: str) -> dict:
    """``{"class": path, "package": name, "version": version}`` for run ids and environment.json."""
    module_name, _, attr = path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), attr)
    package, version = package_of(cls)
    return {"class": path, "package": package, "version": version}


__all__ = ["constructor_defaults", "describe", "import_class", "is_import_path", "package_of"]
