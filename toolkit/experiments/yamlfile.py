"""Experiment files as YAML: parsed safely (no tags that run code, no key given twice, no alias
bombs), read from a file with errors that name it and the line, and ``--set KEY=VALUE``
overrides applied by dotted path. What the values mean is :mod:`toolkit.experiments.config`'s."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from toolkit.errors import ConfigError, shown

MAX_YAML_NODES = 100_000  # nodes of a YAML document once its aliases are expanded


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                continue  # an unhashable key: the base class reports it
            if duplicate:
                raise yaml.constructor.ConstructorError(None, None, f"key {shown(key)} is given twice",
                                                        key_node.start_mark)
        return super().construct_mapping(node, deep)


def _expanded_size(node, memo: dict) -> int:
    """Nodes in ``node`` with every alias expanded (each shared node counted once per use)."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 1  # a node that contains itself counts once
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        size = 1
    memo[id(node)] = size
    return size


def parse_yaml(text: str):
    """YAML text as Python values, safely: no tags that run code, no key given twice, and at
    most MAX_YAML_NODES nodes after aliases are expanded (a few hundred bytes of nested aliases
    can otherwise stand for billions of values)."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_YAML_NODES:
            raise yaml.YAMLError(f"more than {MAX_YAML_NODES:,} values once its aliases are expanded")
        return loader.construct_document(node)
    except RecursionError:
        raise yaml.YAMLError("nested too deeply") from None
    finally:
        loader.dispose()


def _yaml_problem(err: yaml.YAMLError) -> str:
    return shown(getattr(err, "problem", None) or str(err), 200).strip("'\"")


def parse_override(item: str, flag: str = "--set") -> tuple[list[str], Any]:
    """``KEY=VALUE`` -> (dotted path parts, YAML-parsed value); errors name ``flag``."""
    if "=" not in item:
        raise ConfigError(f"{flag} {shown(item)}: expected KEY=VALUE (for example cluster.n_clusters=4)")
    key, _, raw = item.partition("=")
    parts = key.strip().split(".")
    if not all(parts):
        raise ConfigError(f"{flag} {shown(item)}: {shown(key)} is not a dotted key")
    try:
        value = parse_yaml(raw) if raw.strip() else ""
    except yaml.YAMLError as err:
        raise ConfigError(f"{flag} {shown(item)}: value is not valid YAML ({_yaml_problem(err)})") from None
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


# Settings that name a file or a folder. In an experiment file they are relative to the file's own
# folder, so a study runs from anywhere; in ``--set`` they are relative to the current folder.
PATH_KEYS = ("dataset.path", "embedding.path", "embedding.model", "topics.stop_words")


def _names_path(key: str, value: Any) -> bool:
    if not isinstance(value, str) or not value.strip() or Path(value).is_absolute():
        return False
    if key == "embedding.model":  # a registered name (minilm) unless it reads as a path
        return "/" in value or value.startswith(".")
    if key == "topics.stop_words":
        from toolkit.topics.describe import names_a_file

        return names_a_file(value)
    return True


def _from_folder(value: str, base: Path) -> str:
    """``value`` (relative to ``base``) as a path relative to the current folder, so a file run
    from its study's root records the same short path (and run id) as before."""
    target = os.path.normpath(os.path.join(base, value))
    try:
        return os.path.relpath(target)
    except ValueError:  # on another drive than the current folder (Windows)
        return os.path.abspath(target)


def paths_from_folder(data: dict, base: Path) -> dict:
    """``data`` with the relative paths of :data:`PATH_KEYS` (in their sections and in a
    ``sweep``, by dotted key or as whole sections) read against ``base``."""
    data = copy.deepcopy(data)

    def mend(section: str, settings: Any) -> None:
        if not isinstance(settings, dict):
            return
        for key in PATH_KEYS:
            head, _, leaf = key.partition(".")
            if head == section and _names_path(key, settings.get(leaf)):
                settings[leaf] = _from_folder(settings[leaf], base)

    for section in {key.partition(".")[0] for key in PATH_KEYS}:
        mend(section, data.get(section))
    sweep = data.get("sweep")
    if isinstance(sweep, dict):
        for key, values in sweep.items():
            if not isinstance(values, list):
                continue
            if key in PATH_KEYS:
                sweep[key] = [_from_folder(v, base) if _names_path(key, v) else v for v in values]
            for value in values:
                mend(key, value)
    return data


def load_file(path: str | Path) -> dict:
    """Read an experiment file (YAML); errors name the file and line. Relative paths in it
    (:data:`PATH_KEYS`) are read against the file's folder."""
    from toolkit.text.files import read_text, shown_path

    path = Path(path)
    try:
        data = parse_yaml(read_text(path))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{shown_path(path)}:{mark.line + 1}" if mark else shown_path(path)
        raise ConfigError(f"{where}: not valid YAML ({_yaml_problem(err)})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{shown_path(path)}: expected a mapping of settings at the top level")
    return paths_from_folder(data, path.parent)


__all__ = ["MAX_YAML_NODES", "PATH_KEYS", "apply_overrides", "load_file", "parse_override", "parse_yaml",
           "paths_from_folder", "set_dotted"]
