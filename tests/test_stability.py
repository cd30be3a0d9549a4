"""How much topics move with the seed: the model's check and `toolkit stability`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.cli import main

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"


def test_toolkit_stability_writes_its_folder_and_repeats_to_the_byte(tmp_path, capsys):
    args = ["stability", str(EXPERIMENTS / "bbc_dev.yaml"), "--seeds", "3", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    folder = next((tmp_path / "a" / "bbc-dev").iterdir())
    assert folder.name.endswith("-3seeds")
    assert sorted(p.name for p in folder.iterdir()) == ["stability.json", "stability.md", "stability.pdf",
                                                        "stability.png", "topic_stability.csv"]
    record = json.loads((folder / "stability.json").read_text())
    assert record["seeds"] == [13, 14, 15] and record["n_topics"] == [5, 5, 5]
    assert 0.8 <= record["agreement"]["ari"]["mean"] <= 1.0  # five broad BBC topics barely move
    assert len(record["topics"]) == 5 and all(0 <= t["stability"] <= 1 for t in record["topics"])
    assert "ARI between runs" in out and str(folder) in out
    assert "| topic | size | stability |" in (folder / "stability.md").read_text()
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    again = next((tmp_path / "b" / "bbc-dev").iterdir())
    for name in ("stability.json", "topic_stability.csv", "stability.md"):
        assert (folder / name).read_bytes() == (again / name).read_bytes()


def test_model_stability_fills_the_topic_table_and_resamples(tmp_path):
    from toolkit import TopicModel
    from toolkit.clustering import CLUSTERERS
    from toolkit.text import LOADERS

    corpus = LOADERS.get("builtin")("bbc_dev").load()
    model = TopicModel(clusterer=CLUSTERERS.get("kmeans")(5)).fit(corpus)
    assert "stability" not in model.topic_info.columns
    result = model.stability(seeds=[1, 2], resample=0.8)
    assert result.seeds == [0, 1, 2] and result.resample == 0.8 and len(result.labels[1]) == 100
    info = model.topic_info
    assert info["stability"].between(0, 1).all() and len(info) == 5
    assert result.table()["stability"].is_monotonic_decreasing


def test_the_k_curve_peaks_at_the_five_bbc_sections(tmp_path, capsys):
    code = main(["stability", str(EXPERIMENTS / "bbc_dev.yaml"), "--seeds", "3", "--resample", "0.8", "--k", "3,5,8",
                 "--quiet", "--out", str(tmp_path)])
    assert code == 0
    folder = next((tmp_path / "bbc-dev").iterdir())
    curve = json.loads((folder / "stability.json").read_text())["k_curve"]
    assert [c["k"] for c in curve] == [3, 5, 8]
    best = max(curve, key=lambda c: c["ari"])
    assert best["k"] == 5 and curve[-1]["ari"] < best["ari"]  # eight topics cut the sections: they move
    assert (folder / "k_stability.png").is_file() and "| 5 | " in (folder / "stability.md").read_text()


@pytest.mark.parametrize(("extra", "message"), [(["--seeds", "1"], "--seeds: at least 2 runs"),
                                                 (["--resample", "1.5"], "--resample: a share of the documents"),
                                                 (["--k", "five"], "--k: expected numbers of topics")])
def test_bad_stability_options_are_one_line_exit_2(tmp_path, capsys, extra, message):
    code = main(["stability", str(EXPERIMENTS / "bbc_dev.yaml"), "--quiet", "--out", str(tmp_path), *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())
