"""A comparison's outputs: the Markdown table, the CSV, the DataFrame, the plot, and the
folder they go to.

The table and the plot show one interval, the 95% t-interval of the mean over seeds; the
standard deviation is in the CSV and the DataFrame.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import numpy as np

from toolkit.errors import DataError
from toolkit.escape import for_figure
from toolkit.escape import for_markdown as md
from toolkit.escape import markdown_code as code

INTERVAL = "95% t-interval of the mean over seeds"


def _cell(stat: dict | None) -> str:
    if not stat:
        return ""
    if stat["n"] == 1:
        return f"{stat['mean']:.4f} (1 seed)"
    return f"{stat['mean']:.4f} [{stat['ci95'][0]:.4f}, {stat['ci95'][1]:.4f}]"


def _value(value) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def _agreement(ari: dict | None) -> str:
    """The between-seed ARI cell: mean (range), or a dash for a single run."""
    return "–" if not ari else f"{ari['mean']:.3f} ({ari['min']:.3f}-{ari['max']:.3f})"


def to_markdown(rows: list[dict], metrics: list[str], differing: list[str], tests: list[dict] | dict | None = None,
                constants: dict | None = None, method_settings: dict | None = None) -> str:
    """The comparison as Markdown: what differs, the table, then the paired tests.

    Parameters
    ----------
    rows : list of dict
        :func:`~toolkit.experiments.compare.summarise`'s rows.
    metrics : list of str
        The table's columns.
    differing : list of str
        Settings every run has, not all with one value.
    tests : list of dict, dict or None
        Paired tests (:func:`~toolkit.experiments.compare.pairwise_tests`).
    constants : dict or None
        Metrics with one value in every run, shown as such (not as results).
    method_settings : dict or None
        Settings that only some methods have, by method.
    """
    lines = ["# Comparison", "", "Settings that differ: " + (", ".join(code(k) for k in differing) or "none"), ""]
    if method_settings:
        lines += ["Settings of one method only (every run of it has these):", ""]
        for owner, settings in method_settings.items():
            shown = ", ".join(code(f"{k}={_value(v)}") for k, v in settings.items())
            lines.append(f"- {code(owner)}: {shown}")
        lines.append("")
    if constants:
        lines += ["The same in every run (not compared): "
                  + ", ".join(f"{code(k)} = {md(_value(v))}" for k, v in constants.items()), ""]
    lines += [f"Cells: mean [{INTERVAL}].", "",
              "| # | settings | runs | ARI between seeds | " + " | ".join(md(m) for m in metrics) + " |",
              "| --- | --- | --- | --- | " + " | ".join("---" for _ in metrics) + " |"]
    for r in rows:
        lines.append(f"| {r['group']} | {md(r['settings'])} | {r['runs']} | {_agreement(r.get('seed_ari'))} | "
                     + " | ".join(_cell(r.get(m)) for m in metrics) + " |")
    tests = [tests] if isinstance(tests, dict) else list(tests or [])
    if tests:
        lines += ["", f"{tests[0]['test']}, on {md(tests[0]['metric'])}:", ""]
        holm = len(tests) > 1 and all("p_holm" in t for t in tests)
        for t in tests:
            pair = f"#{t['groups'][0]} - #{t['groups'][1]}" if "groups" in t else f"({t['a']}) - ({t['b']})"
            adjusted = f", Holm-adjusted p = {t['p_holm']:.4f}" if holm else ""
            lines.append(f"- {pair}: {t['mean_difference']:+.4f} over seeds {t['seeds']}, "
                         f"p = {t['p_value']:.4f}{adjusted}")
        if holm:
            lines += ["", f"{len(tests)} pairs were tested: read the Holm-adjusted p-values, which hold the chance "
                          "of any false positive among them at the nominal level."]
        warnings = sorted({t["warning"] for t in tests if t.get("warning")})
        lines += [""] + [f"Warning: {w}." for w in warnings] if warnings else []
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
        agreement = r.get("seed_ari") or {}
        record = {"group": r["group"], "settings": r["settings"], "runs": r["runs"],
                  "seed_ari mean": agreement.get("mean"), "seed_ari min": agreement.get("min"),
                  "seed_ari max": agreement.get("max")}
        for m in metrics:
            stat = r.get(m) or {}
            ci = stat.get("ci95", [None, None])
            record.update({f"{m} mean": stat.get("mean"), f"{m} std": stat.get("std"),
                           f"{m} ci95_low": ci[0], f"{m} ci95_high": ci[1]})
        records.append(record)
    return pd.DataFrame(records).set_index("group")


def plot(rows: list[dict], metric: str, path: Path | None = None):
    """Each group's mean of ``metric`` as a dot, with the same 95% t-interval the table gives
    as its error bar where the group has repeated runs (a group of one run is a dot marked
    ``n = 1``), each labelled with the settings that set the group apart. The axis spans the
    intervals (differences between methods are often in the third decimal), and at least 5% of
    the largest mean, so that single runs' small differences do not fill the whole width.
    Saved to ``path`` (returned), or the figure is returned for a notebook."""
    from toolkit.plots import PAPER, finish, paper_figure, pyplot

    with pyplot().rc_context(PAPER):
        present = [r for r in rows if metric in r]
        fig, ax = paper_figure(0.5 * len(present) + 1.2)
        return finish(_draw(ax, present, metric), path)


def _draw(ax, present: list[dict], metric: str):
    import textwrap

    from matplotlib.ticker import MaxNLocator

    means = np.array([r[metric]["mean"] for r in present])
    repeated = np.array([r[metric]["n"] > 1 for r in present])
    low = np.array([r[metric]["ci95"][0] if rep else r[metric]["mean"] for r, rep in zip(present, repeated)])
    high = np.array([r[metric]["ci95"][1] if rep else r[metric]["mean"] for r, rep in zip(present, repeated)])
    y = np.arange(len(present))[::-1]
    if repeated.any():
        ax.errorbar(means[repeated], y[repeated], xerr=np.vstack([means - low, high - means])[:, repeated], fmt="o",
                    capsize=3, color="tab:blue", markersize=4)
    if not repeated.all():
        ax.plot(means[~repeated], y[~repeated], "o", color="tab:blue", markersize=4, markerfacecolor="white")
    # Each group's settings above its interval, across the whole width (a column is too narrow
    # for tick labels beside the axis).
    for yi, r, m in zip(y, present, means):
        label = for_figure(textwrap.shorten(f"#{r['group']} " + (r["settings"] or "defaults"), 50, placeholder="…"))
        ax.text(0.01, yi + 0.3, label, transform=ax.get_yaxis_transform(), fontsize=8, va="bottom")
        ax.annotate(f"{m:.3f} (n = {r[metric]['n']})", (m, yi), xytext=(0, -5), textcoords="offset points",
                    va="top", ha="center", fontsize=8, color="0.3")
    ax.set_yticks([])
    ax.set_ylim(-0.8, len(present) - 0.1)
    ax.grid(axis="x", alpha=0.3)
    shown = INTERVAL if repeated.all() else f"{INTERVAL}\n(none for a single run, n = 1)" if repeated.any() \
        else "single runs (n = 1), no interval"
    ax.set_xlabel(f"{for_figure(metric)}: mean and\n{shown}" if repeated.any() else f"{for_figure(metric)}: {shown}")
    ax.set_title(f"{for_figure(metric)} by configuration")
    span = max(float(high.max() - low.min()), 0.05 * float(np.abs(means).max()), 1e-3)
    middle = (float(high.max()) + float(low.min())) / 2
    ax.set_xlim(middle - 0.75 * span, middle + 0.75 * span)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    return ax.figure


def comparison_name(runs, metrics: list[str], pairs) -> str:
    """A folder name for a comparison: the experiments' names, then a hash of the run folders,
    the metrics and the tested pairs, so another comparison never lands in the same folder."""
    names = sorted({str(r.config.get("name", "runs")) for r in runs})
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", "+".join(names))[:60].strip("-.") or "runs"
    record = json.dumps({"runs": sorted(str(Path(r.folder).resolve()) for r in runs), "metrics": metrics,
                         "pairs": pairs}, sort_keys=True, default=str)
    return f"{stem}-{hashlib.sha256(record.encode()).hexdigest()[:8]}"


def write_outputs(out: Path, markdown: str, table: str, rows: list[dict], metric: str) -> list[Path]:
    """``compare.md``, ``compare.csv``, ``compare.png`` and ``compare.pdf`` in ``out``, all or none:
    they are made in a temporary folder beside them and moved into place only when all exist."""
    import os
    import shutil
    import tempfile

    try:
        out.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".compare-", dir=out))  # a new folder, so only ours is removed
    except OSError as err:
        raise DataError(f"{out}: cannot write the comparison there ({err.strerror or err})") from None
    names = ("compare.md", "compare.csv", "compare.png", "compare.pdf")
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


__all__ = ["INTERVAL", "comparison_name", "plot", "to_csv", "to_frame", "to_markdown", "write_outputs"]
