"""The experiment file: schema, defaults, validation and ``--set`` overrides.

The schema is read off the components themselves: a section such as ``cluster``
names a component (``method: kmeans``) and its other keys must be that
component's constructor parameters, type-checked against their annotations.
Seeds are not set per component: ``random_state`` is derived from the
experiment's one ``seed``.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import itertools
import json
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from toolkit.adapt import ADAPTERS
from toolkit.centrality import SCORERS
from toolkit.cluster import CLUSTERERS
from toolkit.embeddings import EMBEDDERS
from toolkit.errors import ConfigError
from toolkit.evaluate import Evaluator
from toolkit.loaders import LOADERS
from toolkit.reduce import REDUCERS
from toolkit.refine import REFINERS
from toolkit.registry import Registry
from toolkit.sentences import SPLITTERS
from toolkit.summarize import Summarizer
from toolkit.topics import TopicDescriber

INJECTED = {"random_state"}


class DuplicateSettings:
    """Near-duplicate passage detection (see :func:`toolkit.duplicates.find_duplicate_passages`).

    Parameters
    ----------
    min_sentences : int
        Fewest shared sentences that make a passage.
    min_words : int
        Shorter sentences are not matched.
    max_gap : int
        Unmatched sentences allowed inside a passage.
    """

    def __init__(self, min_sentences: int = 2, min_words: int = 4, max_gap: int = 1) -> None:
        self.min_sentences = min_sentences
        self.min_words = min_words
        self.max_gap = max_gap


@dataclass(frozen=True)
class Section:
    """One section of the experiment file.

    ``selector`` names the key choosing a component from ``registry``; a section
    without one configures the fixed class ``component``. ``extra`` adds the
    parameters of a second registry's component (the summariser's scorer).
    """

    default: dict
    selector: str | None = None
    registry: Registry | None = None
    component: type | None = None
    extra: tuple[str, Registry] | None = None
    exclusive: tuple[str, ...] = ()


SECTIONS: dict[str, Section] = {
    "dataset": Section({"loader": "builtin"}, "loader", LOADERS),
    "sentences": Section({"method": "blingfire"}, "method", SPLITTERS),
    "duplicates": Section({}, component=DuplicateSettings),
    "embedding": Section({"model": "minilm"}, "model", EMBEDDERS),
    "reduce": Section({"method": "none"}, "method", REDUCERS),
    "cluster": Section({"method": "kmeans"}, "method", CLUSTERERS),
    "refine": Section({"method": "none"}, "method", REFINERS),
    "adapt": Section({"method": "none"}, "method", ADAPTERS),
    "topics": Section({}, component=TopicDescriber),
    "summarize": Section({}, component=Summarizer, extra=("method", SCORERS),
                         exclusive=("sentences", "ratio", "words")),
    "evaluate": Section({}, component=Evaluator),
}
TOP_LEVEL = {"name": str, "seed": int}
SWEEP = "sweep"
DEFAULT_NAME = "experiment"


def parameters(cls: type) -> dict[str, tuple[Any, Any]]:
    """A class's constructor parameters as ``{name: (annotation, default)}``."""
    hints = typing.get_type_hints(cls.__init__)
    out = {}
    for name, p in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or name in INJECTED or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        out[name] = (hints.get(name, Any), p.default)
    return out


def _type_name(annotation: Any) -> str:
    """An annotation in words: ``int or 'auto'``, ``list of str or null``."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args)
    if origin is typing.Literal:
        return " or ".join(repr(a) for a in args)
    if origin in (list, tuple):
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return "mapping"
    if annotation is type(None):
        return "null"
    return annotation.__name__ if isinstance(annotation, type) else str(annotation)


def check_value(key: str, value: Any, annotation: Any) -> Any:
    """``value`` validated (and coerced) to ``annotation``; a ConfigError naming ``key`` otherwise."""
    try:
        return TypeAdapter(annotation).validate_python(value, strict=isinstance(value, str) and annotation is not str)
    except ValidationError:
        raise ConfigError(f"{key}: expected {_type_name(annotation)}, got {value!r}") from None


def _resolve_section(name: str, spec: Section, given: Any) -> dict:
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise ConfigError(f"{name}: expected a mapping of settings, got {given!r}")
    merged = dict(spec.default, **given)
    out: dict[str, Any] = {}
    allowed: dict[str, tuple[Any, Any]] = {}
    if spec.selector is not None:
        choice = merged.pop(spec.selector)
        if name == "embedding" and isinstance(choice, str) and choice not in spec.registry \
                and (Path(choice).is_dir() or "/" in choice):
            merged.setdefault("path", choice)
            choice = "sentence_transformer"
        cls = spec.registry.get(choice, f"{name}.{spec.selector}")
        out[spec.selector] = choice
        allowed = parameters(cls)
    else:
        allowed = parameters(spec.component)
        allowed.pop("params", None)
        if spec.extra is not None:
            key, registry = spec.extra
            choice = merged.pop(key, allowed[key][1])
            out[key] = choice
            allowed.pop(key)
            allowed.update(parameters(registry.get(choice, f"{name}.{key}")))
    context = f" for {spec.selector} {out[spec.selector]!r}" if spec.selector else ""
    for key in merged:
        if key not in allowed:
            raise ConfigError(f"{name}.{key}: unknown setting{context}; valid keys: {', '.join(sorted(allowed))}")
    given_exclusive = [k for k in spec.exclusive if merged.get(k) is not None]
    if len(given_exclusive) > 1:
        raise ConfigError(f"{name}: give one of {', '.join(spec.exclusive)}, not "
                          f"{' and '.join(given_exclusive)}")
    for key in spec.exclusive:
        if given_exclusive and key not in given_exclusive:
            merged[key] = None
    for key, (annotation, default) in allowed.items():
        if key in merged:
            out[key] = check_value(f"{name}.{key}", merged[key], annotation)
        elif default is inspect.Parameter.empty:
            raise ConfigError(f"{name}.{key}: required setting is missing")
        else:
            out[key] = list(default) if isinstance(default, tuple) else copy.deepcopy(default)
    return out


def resolve_section(name: str, given: dict | None) -> dict:
    """One section resolved on its own (defaults filled, validated)."""
    return _resolve_section(name, SECTIONS[name], given)


def expand_sweep(config: dict) -> list[dict]:
    """Every combination of the ``sweep:`` grid, each resolved (defaults filled, validated).

    ``sweep`` maps dotted keys to lists of values; without it the experiment is one run.
    All combinations are validated before any work, and an error names the sweep key.
    """
    config = dict(config or {})
    grid = config.pop(SWEEP, None) or {}
    if not isinstance(grid, dict):
        raise ConfigError(f"{SWEEP}: expected a mapping of dotted keys to lists of values, got {grid!r}")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{SWEEP}.{key}: expected a non-empty list of values, got {values!r}")
        top = key.split(".")[0]
        if top not in TOP_LEVEL and top not in SECTIONS:
            raise ConfigError(f"{SWEEP}.{key}: {top!r} is not a key of the experiment file; valid keys: "
                              f"{', '.join(list(TOP_LEVEL) + list(SECTIONS))}")
    out = []
    for combo in itertools.product(*grid.values()):
        run = copy.deepcopy(config)
        for key, value in zip(grid, combo):
            set_dotted(run, key.split("."), value, f"{SWEEP}.{key}")
        try:
            out.append(resolve(run))
        except ConfigError as err:
            where = ", ".join(f"{k}={v!r}" for k, v in zip(grid, combo))
            raise ConfigError(f"{SWEEP} ({where}): {err}") from None
    return out


def resolve(config: dict | None) -> dict:
    """Fill every default and validate; the result is what ``config.yaml`` records."""
    config = {} if config is None else config
    if isinstance(config, dict) and config.get(SWEEP):
        raise ConfigError(f"{SWEEP}: a sweep is many runs; expand it with expand_sweep()")
    if isinstance(config, dict):
        config = {k: v for k, v in config.items() if k != SWEEP}
    if not isinstance(config, dict):
        raise ConfigError(f"experiment: expected a mapping at the top level, got {type(config).__name__}")
    for key in config:
        if key not in TOP_LEVEL and key not in SECTIONS:
            raise ConfigError(
                f"{key}: unknown key; valid keys: {', '.join(list(TOP_LEVEL) + list(SECTIONS) + [SWEEP])}"
            )
    out: dict[str, Any] = {
        "name": check_value("name", config.get("name", DEFAULT_NAME), str),
        "seed": check_value("seed", config.get("seed", 0), int),
    }
    if not out["name"] or "/" in out["name"] or out["name"].startswith("."):
        raise ConfigError(f"name: {out['name']!r} cannot name a results folder")
    for name, spec in SECTIONS.items():
        out[name] = _resolve_section(name, spec, config.get(name))
    return out


def parse_override(item: str, flag: str = "--set") -> tuple[list[str], Any]:
    """``KEY=VALUE`` -> (dotted path parts, YAML-parsed value); errors name ``flag``."""
    if "=" not in item:
        raise ConfigError(f"{flag} {item!r}: expected KEY=VALUE (for example cluster.n_clusters=4)")
    key, _, raw = item.partition("=")
    parts = key.strip().split(".")
    if not all(parts):
        raise ConfigError(f"{flag} {item!r}: {key!r} is not a dotted key")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        raise ConfigError(f"{flag} {item!r}: value is not valid YAML") from None
    return parts, value


def set_dotted(config: dict, parts: list[str], value: Any, culprit: str) -> None:
    """Set ``value`` at the dotted path ``parts`` inside ``config`` (in place)."""
    node = config
    for depth, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{culprit}: {'.'.join(parts[:depth + 1])} is not a section")
        node = child
    node[parts[-1]] = value


def apply_overrides(config: dict, overrides: list[str]) -> dict:
    """A copy of ``config`` with each ``KEY=VALUE`` set at its dotted path."""
    config = copy.deepcopy(config)
    for item in overrides:
        parts, value = parse_override(item)
        set_dotted(config, parts, value, f"--set {item!r}")
    return config


def load_file(path: str | Path) -> dict:
    """Read an experiment file (YAML); errors name the file and line."""
    from toolkit.loaders import read_text

    path = Path(path)
    try:
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML ({getattr(err, 'problem', err)})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return data


def run_id(resolved: dict, data_fingerprint: str) -> str:
    """A short stable hash of the resolved config and the data's bytes."""
    blob = json.dumps({"config": resolved, "data": data_fingerprint}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def dump(resolved: dict) -> str:
    return yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True)
