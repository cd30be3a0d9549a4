"""Compare run folders: the settings that differ, and metrics grouped over seeds.

Runs that differ only by ``seed`` form one group, summarised as mean, standard
deviation and a 95% t-interval of the mean over seeds. Two groups can be compared
with a paired sign-flip permutation test over the seeds they share.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toolkit.errors import ConfigError, DataError, shown

SKIP_METRICS = ("timings.", "corpus.", "contingency", "auto_k.curve", "_ci95", "npmi_per_topic")
IGNORED_SETTINGS = ("seed",)


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


def find_runs(paths: list[str | Path]) -> list[Run]:
    """Run folders under ``paths`` (a run folder itself, or any folder above run folders)."""
    from toolkit.experiments.runfolder import find_run_folders, read_config_and_metrics

    runs = [Run(folder, *read_config_and_metrics(folder)) for folder in find_run_folders(paths)]
    if not runs:
        raise DataError(f"{', '.join(map(str, paths))}: no run folders (config.yaml and metrics.json) found")
    return runs


def metric_names(runs: list[Run]) -> list[str]:
    names: dict[str, None] = {}
    for run in runs:
        for key, value in flatten(run.metrics).items():
            if isinstance(value, int | float) and not isinstance(value, bool) and not key.endswith(".n") \
                    and not any(s in key for s in SKIP_METRICS):
                names[key] = None
    return list(names)


def check_metrics(runs: list[Run], wanted: list[str]) -> None:
    """A ConfigError listing the metrics these runs have, when one of ``wanted`` is not among them."""
    known = metric_names(runs)
    unknown = [m for m in wanted if m not in known]
    if unknown:
        raise ConfigError(f"--metric {shown(unknown[0])}: no run has this metric; available: "
                          f"{shown(', '.join(known), 600)}")


def _selector_keys() -> set[str]:
    """Dotted keys that choose a component (``cluster.method`` ...): a label leads with them."""
    from toolkit.experiments.config import SECTIONS

    return {f"{name}.{spec.selector}" for name, spec in SECTIONS.items() if spec.selector}


def group_runs(runs: list[Run]) -> tuple[list[str], list[Group]]:
    """The settings that differ between runs (seed aside), and the groups they define.

    A group's label leads with the components chosen (``cluster.method=gmm``), then only
    the settings that vary among runs of those same components: a method's defaults,
    which every run of it shares, do not crowd the label.
    """
    flat = [flatten(r.config) for r in runs]
    keys = sorted({k for f in flat for k in f})
    differing = [k for k in keys if k not in IGNORED_SETTINGS
                 and len({json.dumps(f.get(k), sort_keys=True) for f in flat}) > 1]
    selectors = [k for k in differing if k in _selector_keys()]
    others = [k for k in differing if k not in selectors]

    def choice(f: dict) -> str:
        return json.dumps([f.get(k) for k in selectors])

    varying = {}  # per choice of components, the other settings that vary among its runs
    for c in {choice(f) for f in flat}:
        same = [f for f in flat if choice(f) == c]
        varying[c] = [k for k in others if len({json.dumps(f.get(k), sort_keys=True) for f in same}) > 1]
    groups: dict[str, Group] = {}
    for run, f in zip(runs, flat):
        settings = {k: f.get(k) for k in differing}
        shown = [k for k in selectors if k in f] + [k for k in varying[choice(f)] if k in f]
        label = ", ".join(f"{k}={f[k]}" for k in shown) or run.config.get("name", "runs")
        key = json.dumps(settings, sort_keys=True, default=str)
        groups.setdefault(key, Group(label, settings, [])).runs.append(run)
    return differing, list(groups.values())


def summarise(groups: list[Group], metrics: list[str]) -> list[dict]:
    """Per group and metric: n, mean, std (ddof 1) and the 95% t-interval of the mean."""
    from scipy import stats

    rows = []
    for number, group in enumerate(groups, start=1):
        row = {"group": number, "settings": group.label, "runs": len(group.runs),
               "seeds": sorted(r.config.get("seed", 0) for r in group.runs)}
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


def paired_test(a: Group, b: Group, metric: str, n_resamples: int = 10000, seed: int = 0) -> dict:
    """Paired sign-flip permutation test of mean(a - b) over the seeds both groups ran.

    Exact (all 2^n sign patterns) for up to 16 pairs, else ``n_resamples`` seeded ones.
    The p-value is two-sided.
    """
    va, vb = a.values(metric), b.values(metric)
    shared = sorted(set(va) & set(vb))
    if len(shared) < 2:
        raise DataError(f"paired test on {metric}: groups share {len(shared)} seeds; at least 2 are needed")
    d = np.array([va[s] - vb[s] for s in shared])
    observed = abs(d.mean())
    if len(d) <= 16:
        signs = np.array(list(itertools.product([1, -1], repeat=len(d))))
    else:
        signs = np.random.default_rng(seed).choice([1, -1], size=(n_resamples, len(d)))
    null = np.abs((signs * d).mean(axis=1))
    p = float(np.mean(null >= observed - 1e-12))
    return {"metric": metric, "a": a.label, "b": b.label, "seeds": shared, "mean_difference": float(d.mean()),
            "p_value": p, "test": "paired sign-flip permutation test over seeds, two-sided"
            + (" (exact)" if len(d) <= 16 else f" ({n_resamples} resamples)")}


def _cell(stat: dict | None) -> str:
    if not stat:
        return ""
    if stat["n"] == 1:
        return f"{stat['mean']:.4f}"
    return f"{stat['mean']:.4f} ± {stat['std']:.4f} [{stat['ci95'][0]:.4f}, {stat['ci95'][1]:.4f}]"


def to_markdown(rows: list[dict], metrics: list[str], differing: list[str], test: dict | None) -> str:
    lines = ["# Comparison", "", "Settings that differ: " + (", ".join(f"`{k}`" for k in differing) or "none"), "",
             "Cells: mean ± std over seeds [95% t-interval of the mean].", "",
             "| # | settings | runs | " + " | ".join(metrics) + " |",
             "| --- | --- | --- | " + " | ".join("---" for _ in metrics) + " |"]
    for r in rows:
        lines.append(f"| {r['group']} | {r['settings']} | {r['runs']} | "
                     + " | ".join(_cell(r.get(m)) for m in metrics) + " |")
    if test:
        lines += ["", f"{test['test']}: {test['metric']}, ({test['a']}) - ({test['b']}) = "
                      f"{test['mean_difference']:+.4f} over seeds {test['seeds']}, p = {test['p_value']:.4f}"]
    return "\n".join(lines) + "\n"


def to_csv(rows: list[dict], metrics: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header = ["group", "settings", "runs", "seeds"]
    for m in metrics:
        header += [f"{m}_mean", f"{m}_std", f"{m}_ci95_low", f"{m}_ci95_high", f"{m}_n"]
    writer.writerow(header)
    for r in rows:
        line = [r["group"], r["settings"], r["runs"], " ".join(map(str, r["seeds"]))]
        for m in metrics:
            s = r.get(m)
            line += [s["mean"], s["std"], s["ci95"][0], s["ci95"][1], s["n"]] if s else ["", "", "", "", ""]
        writer.writerow(line)
    return buf.getvalue()


def to_frame(rows: list[dict], metrics: list[str]):
    """The summary rows as a pandas DataFrame: group, settings, runs, then for each
    metric its mean, std, ci95_low, ci95_high (columns ``<metric> mean`` ...)."""
    import pandas as pd

    records = []
    for r in rows:
        record = {"group": r["group"], "settings": r["settings"], "runs": r["runs"]}
        for m in metrics:
            stat = r.get(m) or {}
            ci = stat.get("ci95", [None, None])
            record.update({f"{m} mean": stat.get("mean"), f"{m} std": stat.get("std"),
                           f"{m} ci95_low": ci[0], f"{m} ci95_high": ci[1]})
        records.append(record)
    return pd.DataFrame(records).set_index("group")


def plot(rows: list[dict], metric: str, path: Path | None = None):
    """Horizontal bars of ``metric`` per group (mean, error bar = one standard deviation
    over seeds), each labelled with the settings that set it apart. Saved to ``path``
    (returned), or the figure is returned for a notebook."""
    import textwrap

    from toolkit.plots import finish, plt

    present = [r for r in rows if metric in r]
    labels = [f"#{r['group']} " + textwrap.shorten(r["settings"] or "defaults", 70) for r in present]
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(present) + 1.8), dpi=110)
    means = np.array([r[metric]["mean"] for r in present])
    stds = np.array([r[metric]["std"] for r in present])
    y = np.arange(len(present))[::-1]
    ax.barh(y, means, xerr=stds, capsize=4, color="tab:blue", alpha=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel(f"{metric} (mean ± std over seeds)")
    ax.set_title(f"{metric} by configuration")
    for yi, r, m, sd in zip(y, present, means, stds):
        ax.annotate(f"{m:.3f} (n={r[metric]['n']})", (m + sd, yi), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_xlim(0, max(1e-9, float((means + stds).max())) * 1.25)
    return finish(fig, path)


def write_outputs(out: Path, markdown: str, table: str, rows: list[dict], metric: str) -> list[Path]:
    """``compare.md``, ``compare.csv`` and ``compare.png`` in ``out``, all or none: they are
    made in a temporary folder beside them and moved into place only when all three exist."""
    import os
    import shutil

    try:
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / f".compare-{os.getpid()}"
        tmp.mkdir(exist_ok=True)
    except OSError as err:
        raise DataError(f"{out}: cannot write the comparison there ({err.strerror or err})") from None
    names = ("compare.md", "compare.csv", "compare.png")
    try:
        (tmp / names[0]).write_text(markdown, encoding="utf-8")
        (tmp / names[1]).write_text(table, encoding="utf-8")
        plot(rows, metric, tmp / names[2])
        for name in names:
            os.replace(tmp / name, out / name)
    except OSError as err:
        raise DataError(f"{out}: writing the comparison failed ({err.strerror or err}); nothing was kept") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out / name for name in names]
