"""``toolkit stability``: refit an experiment over seeds and write what moved.

The folder ``<out>/<experiment name>/stability-<run id>-<N>seeds[-resample<share>]/`` holds
``stability.json`` (agreement between runs, each topic's reappearance, topics per run),
``topic_stability.csv`` (one row per topic), ``stability.md`` and the figure
``stability.png``/``.pdf``; it is written completely or not at all.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from toolkit.errors import DataError
from toolkit.escape import for_markdown
from toolkit.experiments import config as cfg
from toolkit.experiments.pipeline import prepare_corpus, topic_model
from toolkit.experiments.temporaries import make_temporary, publish, remove_stale_temporaries
from toolkit.topics.stability import StabilityResult

log = logging.getLogger(__name__)
STABILITY_FILE = "stability.json"


def stability(config: dict, runs: int, resample: float | None = None, progress: bool = True):
    """The experiment's model at its own seed and ``runs - 1`` refits at the next seeds.

    Returns
    -------
    result : StabilityResult
    resolved : dict
    run_id : str
    """
    if runs < 2:
        raise DataError(f"--seeds: at least 2 runs are needed to compare, got {runs}")
    if resample is not None and not 0 < resample < 1:
        raise DataError(f"--resample: a share of the documents in (0, 1), got {resample}")
    resolved = cfg.resolve(config)
    corpus, _, _ = prepare_corpus(resolved)
    model = topic_model(resolved).fit(corpus, progress=progress)
    seed = resolved["seed"]
    result = model.stability(seeds=[seed + i for i in range(1, runs)], resample=resample, random_state=seed)
    return result, resolved, cfg.run_id(resolved, corpus.fingerprint)


def k_curve(config: dict, ks: list[int], runs: int, resample: float | None) -> list[dict]:
    """The agreement between runs at each number of topics ``k`` (``cluster.n_clusters``): the
    k-stability curve of Lange et al. (2004) and Greene et al. (2014). With the default Ward start
    only ``resample`` makes runs differ."""
    from toolkit.experiments.config import set_dotted

    curve = []
    for k in ks:
        at_k = json.loads(json.dumps(config))
        set_dotted(at_k, ["cluster", "n_clusters"], int(k), "--k")
        result, _, _ = stability(at_k, runs, resample, progress=False)
        ari = result.agreement["ari"]
        curve.append({"k": int(k), "ari": ari["mean"], "ari_min": ari["min"], "ari_max": ari["max"],
                      "low": ari["low"], "high": ari["high"]})
        log.info("stability: k = %d: ARI between runs %.3f", k, ari["mean"])
    return curve


def folder_name(run_id: str, result: StabilityResult) -> str:
    extra = f"-resample{result.resample:g}" if result.resample is not None else ""
    return f"stability-{run_id}-{len(result.seeds)}seeds{extra}"


def write_stability(result: StabilityResult, resolved: dict, run_id: str, out: str | Path,
                    curve: list[dict] | None = None) -> Path:
    """Write the stability folder (see the module's description; with ``curve``, also
    ``k_stability.csv`` and its figure); returns its path."""
    from toolkit.plot_stability import k_stability_plot, stability_heatmap

    parent = Path(out) / resolved["name"]
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(parent)
    final = parent / folder_name(run_id, result)
    tmp = make_temporary(parent, final.name)
    try:
        record = {"config": resolved, **result.to_dict(), **({"k_curve": curve} if curve else {})}
        (tmp / STABILITY_FILE).write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        result.table().to_csv(tmp / "topic_stability.csv", index=False)
        (tmp / "stability.md").write_text(stability_markdown(result, resolved, curve), encoding="utf-8")
        if result.topics:
            stability_heatmap(result, tmp / "stability.png")
        if curve:
            import pandas as pd

            pd.DataFrame(curve).to_csv(tmp / "k_stability.csv", index=False)
            k_stability_plot(curve, result.resample, tmp / "k_stability.png")
        publish(tmp, final, replaceable=lambda folder: (folder / STABILITY_FILE).is_file())
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _interval(x: dict) -> str:
    if not x:
        return "n/a"
    spread = f", 95% interval {x['low']:.3f} to {x['high']:.3f}" if x.get("low") is not None else ""
    return f"{x['mean']:.3f} (pairs from {x['min']:.3f} to {x['max']:.3f}{spread})"


def stability_markdown(result: StabilityResult, resolved: dict, curve: list[dict] | None = None) -> str:
    """The report: agreement between runs and the per-topic table, least stable last."""
    how = f", each fitted on {result.resample:.0%} of the documents" if result.resample else ""
    lines = [f"# {for_markdown(resolved['name'])}: how the topics move with the seed", "",
             f"{len(result.seeds)} runs (seeds {', '.join(map(str, result.seeds))}{how}); topics found per run: "
             f"{', '.join(map(str, result.n_topics))}.", "",
             f"- ARI between runs: {_interval(result.agreement.get('ari', {}))}",
             f"- NMI between runs: {_interval(result.agreement.get('nmi', {}))}", "",
             f"Each topic of seed {result.seeds[0]} is matched one-to-one to a topic of every other run (Hungarian "
             "assignment on the Jaccard overlap of their documents). `stability` is the mean overlap with its match, "
             "`min_jaccard` the worst run, `keyword_jaccard` the mean overlap of the matched topics' keywords. Near 1: "
             "the topic is found whatever the seed; below 0.5: most of it depends on the seed.", "",
             "![stability](stability.png)", "",
             "| topic | size | stability | min_jaccard | keyword_jaccard |", "| --- | --- | --- | --- | --- |"]
    for row in result.table().itertuples():
        words = "" if row.keyword_jaccard is None else f"{row.keyword_jaccard:.2f}"
        lines.append(f"| {for_markdown(row.name)} | {row.size:,} | {row.stability:.2f} | {row.min_jaccard:.2f} | "
                     f"{words} |")
    if curve:
        lines += ["", "## Agreement by number of topics", "",
                  "The same runs at each k (`cluster.n_clusters`): mean pairwise ARI and its range.", "",
                  "![k stability](k_stability.png)", "", "| k | ARI between runs | lowest | highest |",
                  "| --- | --- | --- | --- |"]
        lines += [f"| {c['k']} | {c['ari']:.3f} | {c['ari_min']:.3f} | {c['ari_max']:.3f} |" for c in curve]
    return "\n".join(lines) + "\n"


def format_stability(result: StabilityResult, folder: Path) -> str:
    """What the terminal shows: the agreement, the least stable topics and the folder."""
    from toolkit.escape import for_terminal

    table = result.table()
    lines = [f"{len(result.seeds)} runs (seeds {', '.join(map(str, result.seeds))}); topics per run "
             f"{', '.join(map(str, result.n_topics))}",
             f"ARI between runs {_interval(result.agreement.get('ari', {}))}",
             f"NMI between runs {_interval(result.agreement.get('nmi', {}))}",
             "topics, least stable first (mean Jaccard overlap with their match in the other runs):"]
    for row in table.iloc[::-1].head(10).itertuples():
        lines.append(f"  {row.stability:.2f}  {for_terminal(row.name, newlines=False)}  ({row.size:,} documents)")
    if len(table) > 10:
        lines.append(f"  ... and {len(table) - 10} more in topic_stability.csv")
    lines += ["", f"stability folder: {for_terminal(str(folder), newlines=False)}"]
    return "\n".join(lines)
