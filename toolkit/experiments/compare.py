"""Compare run folders: the settings that differ, and metrics grouped over seeds.

Runs that differ only by ``seed`` form one group, summarised as mean, standard
deviation and a 95% t-interval of the mean over seeds. Groups are compared pairwise
with a paired sign-flip permutation test over the seeds they share; with more than one
pair, the p-values are also given Holm-adjusted. Writing the table, CSV and plot is
:mod:`toolkit.experiments.compare_report`'s work.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toolkit.errors import ConfigError, DataError, shown
from toolkit.experiments.compare_report import plot, to_csv, to_frame, to_markdown, write_outputs
from toolkit.experiments.config import flatten

SKIP_METRICS = ("timings.", "corpus.", "contingency", "auto_k.curve", "_ci95", "npmi_per_topic")
# Numbers in metrics.json that record how a measure was taken, not what it measured.
SETTING_METRICS = ("clustering.silhouette_sample", "topics.npmi_window", "topics.npmi_top_n")
# The measures a comparison shows when none is asked for, in this order (those the runs have
# and that are not the same in every run).
DEFAULT_METRICS = ("clustering.nmi", "clustering.ari", "clustering.n_clusters", "clustering.silhouette_cosine",
                   "topics.npmi", "topics.diversity", "summaries.document.rouge1", "summaries.document.rouge2")
IGNORED_SETTINGS = ("seed",)
ALPHA = 0.05
MAX_DEFAULT_PAIRS = 15  # pairs tested when none is named: every pair of up to 6 groups


@dataclass
class Run:
    folder: Path
    config: dict
    metrics: dict


@dataclass
class Group:
    """Runs sharing every setting but the seed."""

    label: str
    settings: dict
    runs: list[Run]

    def values(self, metric: str) -> dict[int, float]:
        """The metric per seed; a DataError naming the run folder whose value is not a number."""
        out = {}
        for r in self.runs:
            flat = flatten(r.metrics)
            if metric not in flat or flat[metric] is None:  # null: not finite when it was measured
                continue
            value = flat[metric]
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise DataError(f"{r.folder}/metrics.json: {metric} is {shown(value)}, not a finite number")
            out[r.config.get("seed", 0)] = value
        return out


def find_runs(paths: list[str | Path]) -> list[Run]:
    """Run folders under ``paths`` (a run folder itself, or any folder above run folders)."""
    from toolkit.experiments.runfiles import find_run_folders, read_config_and_metrics

    runs = [Run(folder, *read_config_and_metrics(folder)) for folder in find_run_folders(paths)]
    if not runs:
        raise DataError(f"{', '.join(map(str, paths))}: no run folders (config.yaml and metrics.json) found")
    return runs


def metric_names(runs: list[Run]) -> list[str]:
    """Every measured number the runs' ``metrics.json`` hold (dotted names; settings such as
    ``topics.npmi_window`` and sample sizes left out)."""
    names: dict[str, None] = {}
    for run in runs:
        for key, value in flatten(run.metrics).items():
            if isinstance(value, int | float) and not isinstance(value, bool) and not key.endswith(".n") \
                    and key not in SETTING_METRICS and not any(s in key for s in SKIP_METRICS):
                names[key] = None
    return list(names)


def constant_metrics(runs: list[Run], names: list[str]) -> dict[str, float]:
    """The metrics of ``names`` that have one value in every run (``n_clusters`` of k-means
    runs with one k): constants of the comparison, not results."""
    out = {}
    for name in names:
        values = {flatten(r.metrics).get(name) for r in runs}
        if len(values) == 1 and None not in values and len(runs) > 1:
            out[name] = values.pop()
    return out


def default_metrics(runs: list[Run]) -> list[str]:
    """The measures shown when none is asked for: those of ``DEFAULT_METRICS`` the runs have and
    that vary, else the first six measures that vary, else the first six."""
    known = metric_names(runs)
    fixed = constant_metrics(runs, known)
    varying = [m for m in known if m not in fixed]
    return [m for m in DEFAULT_METRICS if m in varying] or varying[:6] or known[:6]


def resolve_metrics(runs: list[Run], wanted: list[str]) -> list[str]:
    """Each of ``wanted`` as a full metric name: exact, or the one name ending in ``.<it>``
    (``nmi`` for ``clustering.nmi``). A ConfigError listing the metrics available otherwise."""
    known = metric_names(runs)
    out = []
    for name in wanted:
        matches = [name] if name in known else [m for m in known if m.endswith("." + name)]
        if len(matches) != 1:
            why = "no run has this metric" if not matches else f"it could be {' or '.join(matches)}"
            raise ConfigError(f"--metric {shown(name)}: {why}; available: {shown(', '.join(known), 600)}")
        out.append(matches[0])
    return out


def check_metrics(runs: list[Run], wanted: list[str]) -> None:
    """A ConfigError listing the metrics these runs have, when one of ``wanted`` is not among them."""
    resolve_metrics(runs, wanted)


def _selector_keys() -> set[str]:
    """Dotted keys that choose a component (``cluster.method`` ...): a label leads with them."""
    from toolkit.experiments.config import SECTIONS

    return {f"{name}.{spec.selector}" for name, spec in SECTIONS.items() if spec.selector}


def group_runs(runs: list[Run]) -> tuple[list[str], list[Group]]:
    """The settings that differ between runs (seed aside), and the groups they define.

    ``differing`` holds the settings every run has and not all with one value; a setting
    only some runs have exists because their method differs (``cluster.covariance_type``
    of ``gmm``) and is left to :func:`method_settings`. A group's label leads with the
    components chosen (``cluster.method=gmm``), then only the settings that vary among
    runs of those same components: a method's defaults, which every run of it shares, do
    not crowd the label.
    """
    flat = [flatten(r.config) for r in runs]
    keys = sorted({k for f in flat for k in f})
    every = [k for k in keys if all(k in f for f in flat)]
    differing = [k for k in every if k not in IGNORED_SETTINGS
                 and len({json.dumps(f.get(k), sort_keys=True) for f in flat}) > 1]
    partial = [k for k in keys if k not in every and k not in IGNORED_SETTINGS]
    selectors = [k for k in differing if k in _selector_keys()]
    others = [k for k in differing if k not in selectors]

    def choice(f: dict) -> str:
        return json.dumps([f.get(k) for k in selectors])

    varying = {}  # per choice of components, the other settings that vary among its runs
    for c in {choice(f) for f in flat}:
        same = [f for f in flat if choice(f) == c]
        varying[c] = [k for k in others + partial
                      if len({json.dumps(f.get(k), sort_keys=True) for f in same}) > 1]
    groups: dict[str, Group] = {}
    for run, f in zip(runs, flat):
        settings = {k: f.get(k) for k in differing + partial}
        shown = [k for k in selectors if k in f] + [k for k in varying[choice(f)] if k in f]
        label = ", ".join(f"{k}={f[k]}" for k in shown) or run.config.get("name", "runs")
        key = json.dumps(settings, sort_keys=True, default=str)
        groups.setdefault(key, Group(label, settings, [])).runs.append(run)
    return differing, list(groups.values())


def method_settings(runs: list[Run]) -> dict[str, dict]:
    """Settings only some runs have, by the components that bring them:
    ``{"cluster.method=gmm": {"cluster.covariance_type": "full", ...}}`` (a value that varies
    among those runs is shown as the list of its values)."""
    flat = [flatten(r.config) for r in runs]
    keys = sorted({k for f in flat for k in f})
    partial = [k for k in keys if not all(k in f for f in flat) and k not in IGNORED_SETTINGS]
    selectors = sorted(_selector_keys())
    out: dict[str, dict] = {}
    for key in partial:
        section = key.split(".")[0]
        selector = next((s for s in selectors if s.split(".")[0] == section), None)
        holders = [f for f in flat if key in f]
        for f in holders:
            owner = f"{selector}={f.get(selector)}" if selector else section
            values = sorted({json.dumps(g[key], sort_keys=True) for g in holders
                             if selector is None or g.get(selector) == f.get(selector)})
            out.setdefault(owner, {})[key] = json.loads(values[0]) if len(values) == 1 else \
                [json.loads(v) for v in values]
    return out


def summarize_groups(groups: list[Group], metrics: list[str]) -> list[dict]:
    """Per group and metric: n, mean, std (ddof 1) and the 95% t-interval of the mean."""
    from scipy import stats

    rows = []
    for number, group in enumerate(groups, start=1):
        row = {"group": number, "settings": group.label, "runs": len(group.runs),
               "seeds": sorted(r.config.get("seed", 0) for r in group.runs), "seed_ari": seed_agreement(group)}
        for metric in metrics:
            values = np.array(list(group.values(metric).values()), dtype=float)
            if not len(values):
                continue
            mean = float(values.mean())
            std = float(values.std(ddof=1)) if len(values) > 1 else 0.0
            half = float(stats.t.ppf(0.975, len(values) - 1) * std / math.sqrt(len(values))) if len(values) > 1 \
                else 0.0
            row[metric] = {"mean": mean, "std": std, "ci95": [mean - half, mean + half], "n": len(values)}
        rows.append(row)
    return rows


def seed_agreement(group: Group) -> dict | None:
    """Mean pairwise ARI between the group's runs (its seeds) on the documents they share, with
    its range and bootstrap interval (:func:`~toolkit.evaluation.stability.pairwise_agreement`);
    None for a group of one run."""
    from toolkit.evaluation.stability import pairwise_agreement
    from toolkit.experiments.runfiles import read_clusters

    if len(group.runs) < 2:
        return None
    found = [read_clusters(r.folder) for r in sorted(group.runs, key=lambda r: r.config.get("seed", 0))]
    shared = sorted(set.intersection(*(set(f) for f in found)))
    if len(shared) < 2:
        return None
    return pairwise_agreement([np.array([f[d] for d in shared]) for f in found])["ari"]


def smallest_p(n_pairs: int) -> float:
    """The smallest two-sided p-value the exact sign-flip test can give with ``n_pairs`` seeds:
    only the observed signs and their mirror image are as extreme, so ``2 / 2 ** n``."""
    return min(1.0, 2.0 ** (1 - n_pairs))


def paired_test(a: Group, b: Group, metric: str, n_resamples: int = 10000, seed: int = 0) -> dict:
    """Paired sign-flip permutation test of mean(a - b) over the seeds both groups ran.

    Exact (all 2^n sign patterns) for up to 16 pairs, else ``n_resamples`` seeded ones.
    The p-value is two-sided. ``min_p`` is the smallest p-value possible with these seeds;
    with fewer than 6 the test cannot reach p < 0.05, and ``warning`` says so.
    """
    va, vb = a.values(metric), b.values(metric)
    shared = sorted(set(va) & set(vb))
    if len(shared) < 2:
        seeds_a = sorted(r.config.get("seed", 0) for r in a.runs)
        seeds_b = sorted(r.config.get("seed", 0) for r in b.runs)
        have = f"{len(va)} and {len(vb)} runs with {metric}"
        raise DataError(f"paired test on {metric}: ({a.label}) and ({b.label}) share {len(shared)} "
                        f"seed{'s' if len(shared) != 1 else ''} with a value ({have}; seeds {seeds_a} and "
                        f"{seeds_b}); at least 2 are needed")
    d = np.array([va[s] - vb[s] for s in shared])
    observed = abs(d.mean())
    if len(d) <= 16:
        signs = np.array(list(itertools.product([1, -1], repeat=len(d))))
    else:
        signs = np.random.default_rng(seed).choice([1, -1], size=(n_resamples, len(d)))
    null = np.abs((signs * d).mean(axis=1))
    p = float(np.mean(null >= observed - 1e-12))
    floor = smallest_p(len(d)) if len(d) <= 16 else 1.0 / n_resamples
    warning = ""
    if floor >= ALPHA:
        need = int(math.ceil(1 - math.log2(ALPHA)))
        warning = (f"with {len(d)} paired seeds this test cannot give p below {floor:.3g}; "
                   f"run at least {need} seeds to be able to reach p < {ALPHA}")
    return {"metric": metric, "a": a.label, "b": b.label, "seeds": shared, "mean_difference": float(d.mean()),
            "p_value": p, "min_p": floor, "warning": warning,
            "test": "paired sign-flip permutation test over seeds, two-sided"
            + (" (exact)" if len(d) <= 16 else f" ({n_resamples} resamples)")}


def holm(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (step-down; each at most 1), in the given order."""
    order = np.argsort(p_values, kind="stable")
    m = len(p_values)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted.tolist()


def pairwise_tests(groups: list[Group], metric: str, pairs: list[tuple[int, int]] | None = None) -> list[dict]:
    """Paired tests of ``metric`` between groups (1-based numbers), with Holm-adjusted p-values
    (``p_holm``) across them. ``pairs`` None: every pair sharing at least 2 seeds, for up to
    ``MAX_DEFAULT_PAIRS`` pairs (more groups: each against group 1)."""
    if pairs is None:
        every = list(itertools.combinations(range(1, len(groups) + 1), 2))
        pairs = every if len(every) <= MAX_DEFAULT_PAIRS else [(1, j) for j in range(2, len(groups) + 1)]
        pairs = [(a, b) for a, b in pairs
                 if len(set(groups[a - 1].values(metric)) & set(groups[b - 1].values(metric))) >= 2]
    tests = []
    for a, b in pairs:
        test = paired_test(groups[a - 1], groups[b - 1], metric)
        tests.append({**test, "groups": [a, b]})
    for test, adjusted in zip(tests, holm([t["p_value"] for t in tests])):
        test["p_holm"] = adjusted
    return tests

__all__ = ["ALPHA", "Group", "Run", "check_metrics", "constant_metrics", "default_metrics", "find_runs", "flatten",
           "group_runs", "holm", "method_settings", "metric_names", "paired_test", "pairwise_tests", "plot",
           "resolve_metrics", "smallest_p", "summarize_groups", "to_csv", "to_frame", "to_markdown", "write_outputs"]
