"""Experiments: the experiment file (config), the pipeline, run results and folders, sweeps
and comparisons."""

from toolkit.experiments.config import SECTIONS, apply_overrides, build, expand_sweep, load_file, resolve
from toolkit.experiments.pipeline import execute, experiment, prepare_corpus, run, topic_model
from toolkit.experiments.report import format_result
from toolkit.experiments.result import RunResult
from toolkit.experiments.runfolder import load_run, write_run
from toolkit.experiments.sweep import run_sweep

__all__ = ["SECTIONS", "RunResult", "apply_overrides", "build", "execute", "expand_sweep", "experiment",
           "format_result", "load_file", "load_run", "prepare_corpus", "resolve", "run", "run_sweep", "topic_model",
           "write_run"]
