"""Estimators named by import path (``cluster: {method: sklearn.cluster.Birch}``).

An import path runs code: importing a module executes it. So only installed packages
(site-packages, the standard library, editable installs) are imported by default; a module
that merely sits in the current folder or on ``PYTHONPATH`` needs the explicit opt-in
:func:`toolkit.trust.allow_local_code` (``toolkit run --allow-local-code``).

Any scikit-learn-compatible clusterer (``fit`` and ``labels_``) or reducer (``fit`` and
``transform``) can stand in a ``cluster`` or ``reduce`` section. Its parameters are
checked against its constructor's signature before any work (and by its own
``_validate_params`` where it has scikit-learn's), its ``random_state`` is set from the
experiment's seed like the toolkit's own components, and its class and package version
are recorded in the run id and ``environment.json``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import site
import sys
import sysconfig
from importlib import metadata
from pathlib import Path
from typing import Any

from toolkit.errors import ConfigError, shown
from toolkit.trust import local_code_allowed


def _install_roots() -> list[Path]:
    """Folders that hold installed code: the standard library and every site-packages."""
    roots = {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots |= set(site.getsitepackages()) | {site.getusersitepackages()}
    return [Path(r).resolve() for r in roots if r]


def _editable_roots(top: str) -> list[Path]:
    """Source folders of editable installs (``pip install -e``) of the distributions that ship ``top``."""
    roots = []
    for name in metadata.packages_distributions().get(top, []):
        try:
            direct = metadata.distribution(name).read_text("direct_url.json")
            info = json.loads(direct) if direct else {}
        except (metadata.PackageNotFoundError, ValueError):
            continue
        url = info.get("url", "")
        if info.get("dir_info", {}).get("editable") and url.startswith("file://"):
            roots.append(Path(url[len("file://"):]).resolve())
    return roots


def _find_top(module_name: str):
    """The spec of ``module_name``'s top-level package, found without importing it (None: none)."""
    top = module_name.split(".")[0]
    module = sys.modules.get(top)
    try:
        return module.__spec__ if module is not None else importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None


def installed_module(module_name: str) -> bool:
    """Whether the top-level package of ``module_name`` is installed code (the standard library,
    site-packages, an editable install of a distribution that ships it, or the toolkit), found
    without importing anything: not a file that merely sits in the current folder."""
    top = module_name.split(".")[0]
    if top == "toolkit" or top in sys.builtin_module_names:
        return True
    spec = _find_top(module_name)
    if spec is None:
        return False
    places = list(spec.submodule_search_locations or []) or [spec.origin or ""]
    if not all(places) or spec.origin in ("built-in", "frozen"):
        return spec.origin in ("built-in", "frozen")
    roots = _install_roots() + _editable_roots(top)
    return all(any(Path(p).resolve().is_relative_to(r) for r in roots) for p in places)


def is_import_path(name: Any) -> bool:
    """Whether a section's method names a class by dotted import path."""
    return isinstance(name, str) and "." in name.strip(".") and " " not in name


def import_class(path: str, key: str, kind: str) -> type:
    """The class at ``path`` (``package.module.Class``); a ConfigError naming ``key`` otherwise.

    ``kind`` is ``cluster`` (needs ``fit``) or ``reduce`` (needs ``fit`` and ``transform``).
    """
    module_name, _, attr = path.rpartition(".")
    if not installed_module(module_name) and not local_code_allowed():
        spec = _find_top(module_name)
        if spec is None:
            raise ConfigError(f"{key}: cannot import {shown(module_name)} (no module named "
                              f"{shown(module_name.split('.')[0])})")
        where = spec.origin or next(iter(spec.submodule_search_locations or []), "?")
        raise ConfigError(f"{key}: {shown(module_name)} is not an installed package (it is {shown(str(where))}); "
                          "importing it runs its code. If you trust it, add --allow-local-code "
                          "(Python: with toolkit.allow_local_code(): ...)")
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


__all__ = ["constructor_defaults", "describe", "import_class", "installed_module",
           "is_import_path", "package_of"]
