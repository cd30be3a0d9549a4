"""The experiment file: schema, defaults, validation and ``--set`` overrides.

The schema is read off the components themselves: a section such as ``cluster``
names a component (``method: kmeans``) and its other keys must be that component's
constructor parameters, each checked against the rules the component declares in
``_parameter_constraints`` (:mod:`toolkit.params`). A ``reduce`` or ``cluster`` section
may also name any scikit-learn-compatible class by import path. Seeds are not set per
component: every ``random_state`` is set from the experiment's one ``seed``, here
(:func:`build`) and nowhere else.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from toolkit.clustering import CLUSTERERS, REDUCERS, REFINERS
from toolkit.clustering.external import constructor_defaults, describe, import_class, is_import_path
from toolkit.embedding import ADAPTERS, EMBEDDERS
from toolkit.errors import ConfigError, ParameterError, shown
from toolkit.evaluation import Evaluator
from toolkit.experiments.yamlfile import (  # noqa: F401 (the experiment file's readers, used from here too)
    MAX_YAML_NODES,
    apply_overrides,
    load_file,
    parse_override,
    parse_yaml,
    set_dotted,
)
from toolkit.params import SEED, Text, check_parameter
from toolkit.registry import Registry
from toolkit.summarization.methods import SUMMARIZERS
from toolkit.summarization.summarizers import BUDGETS, UNITS
from toolkit.text.duplicates import DuplicateFinder
from toolkit.text.loaders import LOADERS
from toolkit.text.sentences import SPLITTERS
from toolkit.topics import TopicDescriber, TopicModel
from toolkit.topics.over_time import OverTime
from toolkit.topics.streaming import StreamSettings

# Constructor parameters an experiment file does not set: the seed comes from ``seed``, and an
# embedder's encoder (a Dask cluster's) from how the run is executed.
INJECTED = {"random_state", "encoder"}


@dataclass(frozen=True)
class Section:
    """One section of the experiment file.

    ``selector`` names the key choosing a component from ``registry``; a section
    without one configures the fixed class ``component``. ``external`` sections may name
    a class by import path; ``exclusive`` keys are alternatives (a summary budget);
    ``complete`` returns settings derived from the others, recorded so that ``config.yaml``
    says what was used (each unit's summary budget); ``shared`` names another class's
    parameters the section also holds (the ``topics`` section's ``reduce_to``, ``merge_by`` and
    guides are :class:`TopicModel`'s), listed after the component's own and left out when it is
    built; ``prune`` drops settings that are off and do nothing, so a run that does not use a
    feature keeps the config (and run id) it had before the feature existed.
    """

    default: dict
    selector: str | None = None
    registry: Registry | None = None
    component: type | None = None
    external: str | None = None
    exclusive: tuple[str, ...] = ()
    complete: Callable[[type, dict], dict] | None = None
    shared: tuple[type, tuple[str, ...]] | None = None
    prune: Callable[[dict], dict] | None = None
    optional: bool = False  # recorded only when the experiment gives it (a run without it keeps its run id)


def _unit_budgets(cls: type, params: dict) -> dict:
    """Each summary unit's budget, as the summariser will apply it."""
    summarizer = cls(**params)
    return {unit: summarizer.unit_budget(unit) for unit in UNITS}


GUIDES = ("seed_topics", "zeroshot_topics", "zeroshot_min_similarity", "zeroshot_min_lead")


def _unused_guides(settings: dict) -> dict:
    """The topics section without the guides it does not use (seed and zero-shot topics), nor
    ``ngram_range`` at its default (single words)."""
    drop = set() if settings.get("seed_topics") else {"seed_topics"}
    if list(settings.get("ngram_range", (1, 1))) == [1, 1]:
        drop.add("ngram_range")
    if not settings.get("zeroshot_topics"):
        drop |= {"zeroshot_topics", "zeroshot_min_similarity", "zeroshot_min_lead"}
    return {k: v for k, v in settings.items() if k not in drop}


SECTIONS: dict[str, Section] = {
    "dataset": Section({"loader": "builtin"}, "loader", LOADERS),
    "sentences": Section({"method": "blingfire"}, "method", SPLITTERS),
    "duplicates": Section({}, component=DuplicateFinder),
    "embedding": Section({"model": "minilm"}, "model", EMBEDDERS),
    "reduce": Section({"method": "center"}, "method", REDUCERS, external="reduce"),
    "cluster": Section({"method": "kmeans"}, "method", CLUSTERERS, external="cluster"),
    "refine": Section({"method": "scan"}, "method", REFINERS),
    "adapt": Section({"method": "none"}, "method", ADAPTERS),
    "topics": Section({}, component=TopicDescriber, shared=(TopicModel, ("reduce_to", "merge_by", *GUIDES)),
                      prune=_unused_guides),
    "over_time": Section({}, component=OverTime),
    "stream": Section({}, component=StreamSettings, optional=True),
    "summarize": Section({"method": "consensus"}, "method", SUMMARIZERS, exclusive=BUDGETS,
                         complete=_unit_budgets),
    "evaluate": Section({}, component=Evaluator),
}
TOP_LEVEL = {"name": [Text()], "seed": SEED}
SWEEP = "sweep"
DEFAULT_NAME = "experiment"


def parameters(cls: type) -> dict[str, Any]:
    """A class's constructor parameters as ``{name: default}`` (seeds, set by the experiment, left out)."""
    return {name: default for name, default in constructor_defaults(cls).items() if name not in INJECTED}


def check_value(key: str, value: Any, constraints) -> Any:
    """``value`` if it satisfies ``constraints``; a ConfigError naming ``key`` otherwise."""
    try:
        check_parameter("", key, value, constraints)
    except ParameterError as err:
        raise ConfigError(f"{key}: {err.requirement}, got {shown(value)}") from None
    return value


def _default(value: Any) -> Any:
    return [_default(v) for v in value] if isinstance(value, tuple | list) else copy.deepcopy(value)


def _yaml_plain(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return all(_yaml_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _yaml_plain(v) for k, v in value.items())
    return value is None or isinstance(value, bool | int | float | str)


def _check_component(name: str, cls: type, params: dict, external: bool) -> None:
    """The component's own rules: its declared constraints, then its cross-parameter checks
    (construction stores the parameters only, so this costs nothing)."""
    constraints = getattr(cls, "_parameter_constraints", {})
    if not external:
        for key, value in params.items():
            if key not in constraints:
                raise ConfigError(f"{name}.{key}: {cls.__name__} declares no rule for this parameter (a bug)")
            check_value(f"{name}.{key}", value, constraints[key])
    try:
        instance = cls(**params)
        check = getattr(instance, "_validate_params", None)
        if callable(check):
            check()
    except ParameterError as err:
        raise ConfigError(f"{name}.{err.param}: {err.requirement}, got {shown(err.value)}") from None
    except (ValueError, TypeError) as err:  # a third-party estimator's own validation
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError(f"{name}: {cls.__name__}: {message[:300]}") from None


def _resolve_section(name: str, spec: Section, given: Any) -> dict:
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise ConfigError(f"{name}: expected a mapping of settings, got {shown(given)}")
    merged = dict(spec.default, **given)
    out: dict[str, Any] = {}
    external = False
    if spec.selector is not None:
        choice = merged.pop(spec.selector)
        if name == "embedding" and isinstance(choice, str) and choice not in spec.registry \
                and (Path(choice).is_dir() or "/" in choice):
            merged.setdefault("path", choice)
            choice = "sentence_transformer"
        if spec.external and is_import_path(choice) and choice not in spec.registry:
            cls = import_class(choice, f"{name}.{spec.selector}", spec.external)
            external = True
        else:
            cls = spec.registry.get(choice, f"{name}.{spec.selector}")
        out[spec.selector] = choice
    else:
        cls = spec.component
    allowed = parameters(cls)
    shared = {k: constructor_defaults(spec.shared[0])[k] for k in spec.shared[1]} if spec.shared else {}
    context = f" for {spec.selector} {out[spec.selector]!r}" if spec.selector else ""
    for key in merged:
        if key not in allowed and key not in shared:
            raise ConfigError(f"{name}.{key}: unknown setting{context}; valid keys: "
                              f"{', '.join(sorted({*allowed, *shared}))}")
    given_exclusive = [k for k in spec.exclusive if merged.get(k) is not None]
    if len(given_exclusive) > 1:
        raise ConfigError(f"{name}: give one of {', '.join(spec.exclusive)}, not {' and '.join(given_exclusive)}")
    for key in spec.exclusive:
        if key not in merged:
            merged[key] = None
    params = {}
    for key, default in shared.items():
        check_value(f"{name}.{key}", merged.get(key, default), spec.shared[0]._parameter_constraints[key])
    for key, default in allowed.items():
        if key in merged:
            params[key] = merged[key]
        elif default is inspect.Parameter.empty:
            raise ConfigError(f"{name}.{key}: required setting is missing")
        elif external and not _yaml_plain(default):
            continue  # a third-party default that YAML cannot hold stays the class's own
        else:
            params[key] = _default(default)
    _check_component(name, cls, params, external)
    if spec.complete is not None:
        params.update(spec.complete(cls, params))
    out.update(params)
    out.update({key: _default(merged.get(key, default)) for key, default in shared.items()})
    return spec.prune(out) if spec.prune is not None else out


def resolve_section(name: str, given: dict | None) -> dict:
    """One section resolved on its own (defaults filled, validated)."""
    return _resolve_section(name, SECTIONS[name], given)


def component_class(section: str, settings: dict) -> type:
    """The class a resolved section names."""
    spec = SECTIONS[section]
    if spec.selector is None:
        return spec.component
    choice = settings[spec.selector]
    if spec.external and is_import_path(choice) and choice not in spec.registry:
        return import_class(choice, f"{section}.{spec.selector}", spec.external)
    return spec.registry.get(choice, f"{section}.{spec.selector}")


def build(section: str, settings: dict, seed: int):
    """The component a resolved config section describes, its ``random_state`` set from ``seed``
    (the one place seeds reach components)."""
    cls = component_class(section, settings)
    spec = SECTIONS[section]
    shared = spec.shared[1] if spec.shared else ()
    params = {k: v for k, v in settings.items() if k != spec.selector and k not in shared}
    if "random_state" in inspect.signature(cls.__init__).parameters:
        params["random_state"] = seed
    return cls(**params)


def external_components(resolved: dict) -> dict:
    """Class, package and version of each section that names a class by import path."""
    out = {}
    for section, spec in SECTIONS.items():
        choice = resolved.get(section, {}).get(spec.selector) if spec.selector else None
        if spec.external and is_import_path(choice) and choice not in spec.registry:
            out[section] = describe(choice)
    return out


def flatten(tree: dict, prefix: str = "") -> dict:
    """Nested dicts to ``{"a.b.c": value}``."""
    out = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


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
        "name": check_value("name", config.get("name", DEFAULT_NAME), TOP_LEVEL["name"]),
        "seed": check_value("seed", config.get("seed", 0), TOP_LEVEL["seed"]),
    }
    _check_name(out["name"])
    for name, spec in SECTIONS.items():
        if spec.optional and not config.get(name):
            continue
        out[name] = _resolve_section(name, spec, config.get(name))
    _check_input_kind(out)
    return out


MAX_NAME = 100  # characters of an experiment name: it names a folder (255 bytes at most on most systems)


def _check_name(name: str) -> None:
    """An experiment name must make a plain folder name: not empty, no slash, not hidden, no
    control characters, at most MAX_NAME characters, and text a file system can store."""
    problem = None
    if not name.strip() or "/" in name or "\\" in name or name.startswith("."):
        problem = "cannot name a results folder (empty, hidden, or holding a slash)"
    elif len(name) > MAX_NAME:
        problem = f"is {len(name)} characters long; at most {MAX_NAME}"
    elif any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in name):
        problem = "holds a control character"
    else:
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            problem = "is not valid text (a lone surrogate)"
    if problem:
        raise ConfigError(f"name: {shown(name)} {problem}")


def _check_input_kind(resolved: dict) -> None:
    """A clusterer that reads term counts or weights (LDA, NMF) needs an embedding that gives
    them, unreduced: a ConfigError before any work otherwise."""
    clusterer = component_class("cluster", resolved["cluster"])
    if not getattr(clusterer, "nonnegative_input", False):
        return
    method = resolved["cluster"]["method"]
    if not getattr(component_class("embedding", resolved["embedding"]), "nonnegative", False):
        raise ConfigError(f"cluster.method: {method} models term counts or weights, but embedding.model "
                          f"{resolved['embedding']['model']!r} gives dense embeddings; use embedding: "
                          f"{{model: {'counts' if method == 'lda' else 'tfidf'}}}")
    if resolved["reduce"]["method"] not in ("none", "center"):
        raise ConfigError(f"cluster.method: {method} needs the term weights themselves; use reduce: {{method: none}}")


def run_id(resolved: dict, data_fingerprint: str) -> str:
    """A short stable hash of the resolved config, the data's bytes and, for classes named by
    import path, their package versions."""
    record = {"config": resolved, "data": data_fingerprint}
    external = external_components(resolved)
    if external:
        record["components"] = external
    embedder = build("embedding", resolved["embedding"], resolved["seed"])
    if getattr(embedder, "backend", None) == "auto":  # resolved on this machine: a GPU run is another run
        record["runtime"] = embedder.runtime()
    blob = json.dumps(record, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def dump(resolved: dict) -> str:
    return yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True)
