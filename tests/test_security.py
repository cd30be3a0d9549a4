"""Safe to share: a saved model, a run folder, a report or an experiment file from someone else
never runs code, breaks a page, takes over a terminal or deletes what is not the toolkit's.

Each case is a realistic attack or accident: the test asserts that nothing ran, nothing was lost,
and the message names the culprit.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from toolkit import DataError, KMeansClusterer, TfidfEmbedder, TopicModel
from toolkit.cli import main

TEXTS = [
    "Rescue teams searched collapsed buildings after the earthquake struck the coastal city overnight.",
    "Aftershocks hampered rescue teams digging through rubble for earthquake survivors.",
    "The earthquake destroyed homes and left thousands without shelter near the coast.",
    "The central bank raised interest rates again to fight stubborn inflation.",
    "Markets fell as the central bank signalled more interest rate rises ahead.",
    "Inflation and higher interest rates squeezed household budgets, the bank said.",
]
# Runs the moment it is imported: a file appears beside it.
PAYLOAD = "from pathlib import Path\nPath(__file__).with_name('PWNED').write_text('ran')\nclass Clusterer: pass\n"


def _fit(embedder=None) -> TopicModel:
    kwargs = {"embedder": embedder} if embedder is not None else {}
    return TopicModel(clusterer=KMeansClusterer(n_clusters=2, random_state=0), **kwargs).fit(TEXTS)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """A MiniLM model, saved."""
    folder = tmp_path_factory.mktemp("saved") / "model"
    _fit().save(folder)
    return folder


@pytest.fixture(scope="module")
def saved_sparse(tmp_path_factory) -> Path:
    """A TF-IDF model (sparse embeddings), saved."""
    folder = tmp_path_factory.mktemp("saved") / "sparse"
    _fit(TfidfEmbedder()).save(folder)
    return folder


def _copy(folder: Path, tmp_path: Path, name: str = "copy") -> Path:
    target = tmp_path / name
    shutil.copytree(folder, target)
    return target


def _edit_json(path: Path, edit) -> None:
    value = json.loads(path.read_text())
    edit(value)
    path.write_text(json.dumps(value))


def _one_line_data_error(folder: Path, *culprits: str) -> str:
    with pytest.raises(DataError) as caught:
        TopicModel.load(folder)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    for culprit in culprits:
        assert culprit in message, message
    return message


# -- 1. a model folder never runs code ------------------------------------------------------

@pytest.mark.parametrize("named", ["shared_model.payload.Clusterer", "payload.Clusterer", "this.Zen",
                                   "toolkit.experiments.sweep.ProcessPoolExecutor", "sklearn.utils.Bunch",
                                   "sklearn.cluster._kmeans.KMeans.__init__", "os.system"])
def test_a_model_folder_with_its_own_module_runs_nothing(saved, tmp_path, named):
    """Loaded from its parent folder, with the current folder on sys.path (as `python -c`, a
    REPL or a notebook has it): the module the model names is never imported."""
    shared = _copy(saved, tmp_path, "shared_model")
    (shared / "__init__.py").write_text(PAYLOAD)
    (shared / "payload.py").write_text(PAYLOAD)
    (tmp_path / "payload.py").write_text(PAYLOAD)
    _edit_json(shared / "model.json", lambda m: m["components"].__setitem__(
        "clusterer", {"class": named, "params": {}}))
    code = ("import sys, toolkit\n"
            "try:\n    toolkit.TopicModel.load('shared_model')\n"
            "except toolkit.DataError as err:\n    print('refused:', err)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "refused:" in out.stdout and named in out.stdout, out.stdout
    assert "Beautiful is better than ugly" not in out.stdout + out.stderr  # this.Zen was never imported
    assert not list(tmp_path.rglob("PWNED"))


def test_a_scikit_learn_clusterer_in_a_saved_model_still_loads(tmp_path):
    from sklearn.cluster import KMeans

    model = TopicModel(clusterer=KMeans(n_clusters=2, n_init=3, random_state=0)).fit(TEXTS)
    model.save(tmp_path / "m")
    again = TopicModel.load(tmp_path / "m")
    assert type(again.clusterer) is KMeans and np.array_equal(again.labels_, model.labels_)


def test_a_reducer_slot_takes_no_clusterer(saved, tmp_path):
    folder = _copy(saved, tmp_path)
    _edit_json(folder / "model.json", lambda m: m["components"].__setitem__(
        "reducer", {"class": "toolkit.clustering.methods.KMeansClusterer", "params": {}}))
    _one_line_data_error(folder, "reducer", "is not one of the toolkit's reducer classes")


@pytest.mark.parametrize("target", ["../../etc/passwd", "/etc/passwd", "sub/../../outside.bin", "link.bin"])
def test_a_tuned_encoder_path_stays_inside_the_model_folder(saved, tmp_path, target):
    folder = _copy(saved, tmp_path)
    (tmp_path / "outside.bin").write_bytes(b"secret")
    (folder / "link.bin").symlink_to(tmp_path / "outside.bin")
    _edit_json(folder / "model.json", lambda m: m.__setitem__("tuned_encoder", target))
    message = _one_line_data_error(folder, "model.json", target)
    assert "outside the model folder" in message or "symbolic link" in message


def test_a_saved_stop_word_file_becomes_its_words(tmp_path):
    words = tmp_path / "stop.txt"
    words.write_text("earthquake\nbank\n")
    from toolkit import TopicDescriber

    model = TopicModel(clusterer=KMeansClusterer(n_clusters=2, random_state=0),
                       describer=TopicDescriber(stop_words=str(words))).fit(TEXTS)
    model.save(tmp_path / "m")
    stored = json.loads((tmp_path / "m" / "model.json").read_text())["components"]["describer"]["params"]
    assert "earthquake" in stored["stop_words"] and "bank" in stored["stop_words"]
    expected = model.describer.stop_word_list()
    words.unlink()  # the loaded model needs no file of this machine
    assert TopicModel.load(tmp_path / "m").describer.stop_word_list() == expected
    _edit_json(tmp_path / "m" / "model.json", lambda m: m["components"]["describer"]["params"].__setitem__(
        "stop_words", "/etc/passwd"))
    _one_line_data_error(tmp_path / "m", "stop_words names a file")


# -- 2. every tampered file is one clear error ------------------------------------------------

def _arrays(folder: Path) -> dict:
    with np.load(folder / "arrays.npz") as z:
        return dict(z)


def _resave(folder: Path, **changes) -> None:
    arrays = _arrays(folder)
    arrays.update(changes)
    np.savez(folder / "arrays.npz", **{k: v for k, v in arrays.items() if v is not None})


def _bomb(folder: Path) -> None:
    """A member that inflates to 50 MB of zeros from a few kilobytes."""
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
    header["shape"] = (50_000_000 // 8,)
    path = folder / "arrays.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("labels.npy", "w", force_zip64=True) as fh:
            np.lib.format.write_array_header_1_0(fh, header)
            chunk = bytes(1 << 20)
            for _ in range(48):
                fh.write(chunk)


def _huge_header(folder: Path) -> None:
    """A header that claims a billion floats over a body of eight bytes."""
    path = folder / "arrays.npz"
    arrays = _arrays(folder)
    with zipfile.ZipFile(path, "w") as z:
        for name, value in arrays.items():
            with z.open(f"{name}.npy", "w") as fh:
                if name == "embeddings":
                    header = np.lib.format.header_data_from_array_1_0(value)
                    header["shape"] = (1_000_000_000, 384)
                    np.lib.format.write_array_header_1_0(fh, header)
                    fh.write(bytes(8))
                else:
                    np.lib.format.write_array(fh, value)


def _document_line(folder: Path, edit) -> None:
    lines = (folder / "documents.jsonl").read_text().splitlines()
    lines[1] = edit(lines[1])
    (folder / "documents.jsonl").write_text("\n".join(lines) + "\n")


def _symlinked(name: str):
    def make(folder: Path) -> None:
        real = folder.parent / f"real-{name}"
        (folder / name).rename(real)
        (folder / name).symlink_to(real)
    return make


TAMPERED = {
    "truncated npz": (lambda f: (f / "arrays.npz").write_bytes((f / "arrays.npz").read_bytes()[:300]),
                      ["arrays.npz"]),
    "npz that is not a zip": (lambda f: (f / "arrays.npz").write_text("hello"), ["arrays.npz", "not a numpy .npz"]),
    "npz with a stray member": (lambda f: _resave(f, extra=np.zeros(3)), ["arrays.npz", "unknown key 'extra'"]),
    "object array": (lambda f: np.savez(f / "arrays.npz", labels=np.array([{"a": 1}] * 6, dtype=object),
                                        embeddings=_arrays(f)["embeddings"]), ["arrays.npz", "object"]),
    "string labels": (lambda f: _resave(f, labels=np.array(["a"] * 6)), ["arrays.npz", "not numbers"]),
    "NaN embeddings": (lambda f: _resave(f, embeddings=np.full_like(_arrays(f)["embeddings"], np.nan)),
                       ["embeddings", "NaN or infinite"]),
    "infinite embeddings": (lambda f: _resave(f, embeddings=np.full_like(_arrays(f)["embeddings"], np.inf)),
                            ["embeddings", "NaN or infinite"]),
    "labels of the wrong length": (lambda f: _resave(f, labels=np.zeros(4, dtype=np.int64)), ["labels must be 6"]),
    "embeddings of the wrong length": (lambda f: _resave(f, embeddings=_arrays(f)["embeddings"][:3]),
                                       ["embeddings must be 6 rows"]),
    "labels that name no topic": (lambda f: _resave(f, labels=_arrays(f)["labels"] + 7),
                                  ["names no topic of model.json"]),
    "an array that inflates to 50 MB": (_bomb, ["arrays.npz", "would inflate"]),
    "a header claiming a billion rows": (_huge_header, ["arrays.npz", "more than its"]),
    "npz is a symbolic link": (_symlinked("arrays.npz"), ["arrays.npz", "symbolic link"]),
    "documents.jsonl is a symbolic link": (_symlinked("documents.jsonl"), ["documents.jsonl", "symbolic link"]),
    "model.json is a symbolic link": (_symlinked("model.json"), ["model.json", "symbolic link"]),
    "documents.jsonl is missing": (lambda f: (f / "documents.jsonl").unlink(), ["documents.jsonl", "missing"]),
    "document with an extra key": (lambda f: _document_line(f, lambda line: line[:-1] + ', "shell": "rm"}'),
                                   ["documents.jsonl:2", "unknown key 'shell'"]),
    "document title of the wrong type": (
        lambda f: _document_line(f, lambda line: json.dumps({**json.loads(line), "title": 5})),
        ["documents.jsonl:2", "title has the wrong type"]),
    "document nested 100,000 deep": (lambda f: _document_line(f, lambda line: "[" * 100_000 + "]" * 100_000),
                                     ["documents.jsonl:2", "nested too deeply"]),
    "document that is not JSON": (lambda f: _document_line(f, lambda line: line[:20]), ["documents.jsonl:2"]),
    "documents.jsonl not UTF-8": (lambda f: (f / "documents.jsonl").write_bytes(b"\xff\xfe{}\n"),
                                  ["documents.jsonl", "UTF-8"]),
    "one document too few": (lambda f: (f / "documents.jsonl").write_text(
        "\n".join((f / "documents.jsonl").read_text().splitlines()[:-1]) + "\n"), ["documents.jsonl", "5 documents"]),
    "model.json without components": (lambda f: _edit_json(f / "model.json", lambda m: m.pop("components")),
                                      ["model.json", "missing components"]),
    "model.json without a splitter": (lambda f: _edit_json(f / "model.json", lambda m: m["components"].pop("splitter")),
                                      ["model.json", "missing splitter"]),
    "model.json with a stray section": (lambda f: _edit_json(f / "model.json", lambda m: m.__setitem__("run", "x")),
                                        ["model.json", "unknown key 'run'"]),
    "component parameters as a list": (
        lambda f: _edit_json(f / "model.json", lambda m: m["components"]["clusterer"].__setitem__("params", [1])),
        ["clusterer", "parameters"]),
    "component class as a number": (
        lambda f: _edit_json(f / "model.json", lambda m: m["components"]["clusterer"].__setitem__("class", 12)),
        ["clusterer", "class must be a string"]),
    "a parameter the class does not take": (
        lambda f: _edit_json(f / "model.json", lambda m: m["components"]["clusterer"]["params"].__setitem__(
            "command", "rm -rf /")), ["clusterer", "does not take the stored parameters"]),
    "a topic without keywords": (
        lambda f: _edit_json(f / "model.json", lambda m: m["topics"][0].__setitem__("keywords", [])),
        ["topic 0", "has no keywords"]),
    "a topic's keyword that is not a pair": (
        lambda f: _edit_json(f / "model.json", lambda m: m["topics"][0].__setitem__("keywords", [["a"]])),
        ["topic 0", "[word, weight]"]),
    "a topic without an id": (lambda f: _edit_json(f / "model.json", lambda m: m["topics"][0].pop("id")),
                              ["topic 0", "missing id"]),
    "a topic listing another's documents": (
        lambda f: _edit_json(f / "model.json", lambda m: m["topics"][0].__setitem__("documents",
                                                                                    m["topics"][1]["documents"])),
        ["documents or exemplars disagree"]),
    "an exemplar from nowhere": (
        lambda f: _edit_json(f / "model.json", lambda m: m["topics"][0].__setitem__("exemplars", ["nope"])),
        ["documents or exemplars disagree"]),
    "a parameter that breaks its rule": (
        lambda f: _edit_json(f / "model.json", lambda m: m["components"]["clusterer"]["params"].__setitem__(
            "n_clusters", 0)), ["clusterer", "n_clusters: must be"]),
    "n_documents as text": (lambda f: _edit_json(f / "model.json", lambda m: m.__setitem__("n_documents", "6")),
                            ["n_documents must be an integer"]),
    "model.json nested 100,000 deep": (
        lambda f: (f / "model.json").write_text("[" * 100_000 + "]" * 100_000), ["model.json", "nested too deeply"]),
    "model.json not JSON": (lambda f: (f / "model.json").write_text("{"), ["model.json", "not valid JSON"]),
    "model.json as a list": (lambda f: (f / "model.json").write_text("[]"), ["model.json"]),
}


@pytest.mark.parametrize("case", list(TAMPERED))
def test_a_tampered_model_file_is_one_clear_error(saved, tmp_path, case):
    folder = _copy(saved, tmp_path)
    tamper, culprits = TAMPERED[case]
    tamper(folder)
    _one_line_data_error(folder, str(folder) if case != "model.json as a list" else "model.json", *culprits)


SPARSE = {
    "a sparse shape claiming a million columns": (
        lambda f: _resave(f, embeddings_shape=np.array([6, 1_000_000])), ["arrays.npz", "1,000,000 columns"]),
    "a sparse column index out of range": (
        lambda f: _resave(f, embeddings_indices=_arrays(f)["embeddings_indices"] + 10_000),
        ["arrays.npz", "outside its"]),
    "sparse parts that disagree": (
        lambda f: _resave(f, embeddings_indptr=_arrays(f)["embeddings_indptr"][:-2]),
        ["arrays.npz", "disagree in size"]),
    "a sparse part missing": (lambda f: _resave(f, embeddings_indptr=None), ["arrays.npz", "embeddings_indptr"]),
    "a tuned encoder for TF-IDF": (
        lambda f: _edit_json(f / "model.json", lambda m: m.__setitem__("tuned_encoder", "model.json")),
        ["no encoder to tune"]),
}


@pytest.mark.parametrize("case", list(SPARSE))
def test_tampered_sparse_embeddings_are_one_clear_error(saved_sparse, tmp_path, case):
    folder = _copy(saved_sparse, tmp_path)
    tamper, culprits = SPARSE[case]
    tamper(folder)
    _one_line_data_error(folder, *culprits)


def test_an_untampered_copy_still_loads(saved, saved_sparse, tmp_path):
    for source in (saved, saved_sparse):
        model = TopicModel.load(_copy(source, tmp_path, source.name))
        assert model.transform(TEXTS[:2])[0].tolist() == model.labels_[:2].tolist()


# -- 3. import paths in experiment files are code ------------------------------------------

def _run_in(folder: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit.cli", *argv], cwd=folder, capture_output=True, text=True,
                          timeout=600)


def test_an_experiment_naming_a_local_module_is_refused(tmp_path):
    (tmp_path / "evil_clusterer.py").write_text(PAYLOAD)
    (tmp_path / "study.yaml").write_text("name: study\ncluster: {method: evil_clusterer.Clusterer}\n")
    out = _run_in(tmp_path, "run", "study.yaml", "--quiet", "--out", "results")
    assert out.returncode == 2, out.stderr
    assert "cluster.method: 'evil_clusterer' is not an installed package" in out.stderr
    assert "--allow-local-code" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "results").exists()


def test_local_code_runs_only_with_the_opt_in(tmp_path):
    (tmp_path / "my_reducer.py").write_text(
        "from pathlib import Path\nPath('IMPORTED').write_text('yes')\n"
        "from sklearn.decomposition import PCA\nclass Reducer(PCA):\n    pass\n")
    config = {"name": "study", "reduce": {"method": "my_reducer.Reducer", "n_components": 2}}
    code = ("import sys, json, toolkit\nfrom toolkit.experiments.config import resolve\n"
            "config = json.loads(sys.argv[1])\n"
            "try:\n    resolve(config)\nexcept toolkit.ConfigError as err:\n    print('refused:', err)\n"
            "with toolkit.allow_local_code():\n    print('resolved:', resolve(config)['reduce']['method'])\n")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(config)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "refused: reduce.method: 'my_reducer' is not an installed package" in out.stdout
    assert "resolved: my_reducer.Reducer" in out.stdout and (tmp_path / "IMPORTED").exists()


def test_a_run_folder_naming_local_code_is_read_without_importing_it(tmp_path, skynews_result):
    from toolkit import load_run, write_run

    folder = write_run(skynews_result, tmp_path / "results")
    config = folder / "config.yaml"
    config.write_text(config.read_text().replace("method: kmeans", "method: evil_clusterer.Clusterer"))
    (tmp_path / "evil_clusterer.py").write_text(PAYLOAD)
    code = ("import sys, toolkit\nr = toolkit.load_run(sys.argv[1])\n"
            "print(len(r.topic_table), len(r.documents), r.topics_over_time is not None)\n")
    out = subprocess.run([sys.executable, "-c", code, str(folder)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    compared = _run_in(tmp_path, "compare", str(folder), "--out", str(tmp_path / "cmp"))
    assert compared.returncode == 0, compared.stderr
    assert not (tmp_path / "PWNED").exists()
    assert load_run(folder).config["cluster"]["method"] == "evil_clusterer.Clusterer"


# -- 4 and 5. reports escape what they show; the terminal shows text, not control sequences ----

HOSTILE = [
    ("<script>alert('title')</script> Earthquake rescue", "Rescue teams searched collapsed buildings after the "
     "earthquake. <img src=x onerror=alert(1)> Survivors were pulled from the rubble overnight."),
    ("Aftershocks <!-- hamper rescue", "Aftershocks hampered rescue teams digging through rubble for earthquake "
     "survivors. The rescue went on through the night </script><script>alert(2)</script>."),
    ("\x1b]0;owned\x07\x1b[2J Quake leaves thousands homeless", "The earthquake destroyed homes near the coast. "
     "Thousands were left without shelter \x1b[31mred\x1b[0m after the quake."),
    ("Bank raises rates | again [click](javascript:alert(3))", "The central bank raised interest rates again to "
     "fight inflation. Costs of $5 and $6 rose for borrowers."),
    ("Markets **fall** on rate fears", "Markets fell as the central bank signalled more interest rate rises. "
     "Investors sold shares as rates rose."),
    ("Budgets squeezed \u202eby inflation", "Inflation and higher interest rates squeezed household budgets, the "
     "bank said. Families cut spending as rates rose."),
]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    with open(tmp / "news.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["title", "text", "label"])
        for i, (title, text) in enumerate(HOSTILE):
            writer.writerow([title, text, "<b>quake</b>" if i < 3 else "money\x1b[5m"])
    (tmp / "study.yaml").write_text(
        "name: hostile\ndataset: {loader: csv, path: news.csv, title: title, text: text, label: label}\n"
        "cluster: {method: kmeans, n_clusters: 2}\n"
        "topics: {names: ['<script>alert(4)</script>', \"War \\e]0;x\\a <!--\"]}\n")
    out = _run_in(tmp, "run", "study.yaml", "--out", "results")
    folder = next((tmp / "results" / "hostile").iterdir())
    return tmp, folder, out


def test_the_terminal_gets_no_control_sequence(hostile_run):
    _, folder, out = hostile_run
    assert out.returncode == 0, out.stderr
    for stream in (out.stdout, out.stderr):
        assert not any(c in stream for c in "\x1b\x07\u202e"), stream
    assert "\\x1b]0;owned\\x07" in out.stdout  # shown, visibly, as an escape
    assert "Glyph" not in out.stderr and "missing from" not in out.stderr  # figures drew every character
    # the files keep the text as it is
    assert "\x1b]0;owned\x07" in (folder / "assignments.csv").read_text(encoding="utf-8")


def test_report_md_renders_no_markup_from_the_data(hostile_run):
    _, folder, _ = hostile_run
    report = (folder / "report.md").read_text(encoding="utf-8")
    import re

    for raw in ("<script", "<img", "<!--", "</script", "<b>", "\x1b", "\u202e"):
        assert raw not in report, raw
    assert not re.search(r"(?<!\\)\]\(javascript", report)  # a link only where the bracket is escaped
    assert "\\[click\\](javascript:alert(3))" in report
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in report


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict] = []
        self.comments = 0
        self._in: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in = {"attrs": dict(attrs), "text": ""}
            self.scripts.append(self._in)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            self._in["text"] += data

    def handle_comment(self, data):
        self.comments += 1


def test_report_html_data_cannot_change_how_the_page_parses(hostile_run):
    import base64
    import hashlib
    import re

    _, folder, _ = hostile_run
    page = (folder / "report.html").read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(page)
    assert len(parsed.scripts) == 4 and parsed.comments == 0
    data, views = parsed.scripts[1], parsed.scripts[2]
    assert data["attrs"] == {"type": "application/json", "id": "report-data"}
    assert views["attrs"] == {"type": "application/json", "id": "views-data"}
    for block in (data, views):
        assert "<" not in block["text"] and ">" not in block["text"] and "&" not in block["text"]
    shown = json.dumps(json.loads(views["text"]))
    assert "<script" not in shown and "<!--" not in shown  # names and keywords escaped before plotly
    records = json.loads(data["text"])
    with open(folder / "assignments.csv", encoding="utf-8", newline="") as fh:
        titles = {row["title"] for row in csv.DictReader(fh)}
    assert {d["title"] for d in records["documents"]} == titles  # the exact text, unchanged
    assert any("\x1b]0;owned\x07" in t for t in titles) and any("<!--" in t for t in titles)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    for script in (parsed.scripts[0], parsed.scripts[3]):
        digest = base64.b64encode(hashlib.sha256(script["text"].encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src


# -- 6. only the toolkit's own temporaries are ever deleted ------------------------------------

def test_a_users_dot_tmp_folders_survive_a_run(tmp_path, capsys):
    parent = tmp_path / "results" / "skynews-topics"
    keep = [parent / ".tmp-mydata", parent / ".tmp-backup-2024", parent / ".old-notes", parent / ".tmp-1"]
    for folder in keep:
        folder.mkdir(parents=True)
        (folder / "precious.txt").write_text("mine")
    forged = parent / ".tmp-forged"  # a marker that only claims to be the toolkit's, with a live pid
    forged.mkdir()
    (forged / ".toolkit-temporary").write_text(json.dumps({"owner": "toolkit", "pid": 1, "started": None}))
    assert main(["run", "--quiet", "--out", str(tmp_path / "results")]) == 0
    capsys.readouterr()
    assert all((folder / "precious.txt").read_text() == "mine" for folder in keep) and forged.exists()
    hidden = sorted(p.name for p in parent.iterdir() if p.name.startswith("."))
    assert hidden == sorted([f.name for f in keep] + [forged.name])  # nothing of ours left beside them


def test_a_temporary_whose_pid_was_reused_is_removed(tmp_path):
    from toolkit.experiments.temporaries import MARKER, make_temporary, remove_stale_temporaries

    parent = tmp_path / "results" / "x"
    parent.mkdir(parents=True)
    reused = make_temporary(parent, "abc")
    record = json.loads((reused / MARKER).read_text())
    record.update(pid=os.getppid(), started="1")  # a live process, but not the one that made the folder
    (reused / MARKER).write_text(json.dumps(record))
    assert remove_stale_temporaries(parent) == 1 and not reused.exists()


def _publish_together(folder: Path, final: Path, start: threading.Barrier, errors: list) -> None:
    from toolkit.experiments.temporaries import publish

    start.wait()
    try:
        publish(folder, final)
    except OSError as err:  # the failure this test guards against
        errors.append(err)


def test_two_identical_runs_reaching_the_rename_together_both_succeed(tmp_path):
    from toolkit.experiments.temporaries import make_temporary

    parent = tmp_path / "results" / "x"
    parent.mkdir(parents=True)
    final = parent / "0123456789ab"
    for _ in range(20):
        made = []
        for _ in range(2):
            tmp = make_temporary(parent, final.name)
            (tmp / "metrics.json").write_text("{}")
            made.append(tmp)
        start, errors = threading.Barrier(2), []
        threads = [threading.Thread(target=_publish_together, args=(m, final, start, errors)) for m in made]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert [p.name for p in parent.iterdir()] == [final.name]  # no .tmp-* or .old-* left
        assert sorted(p.name for p in final.iterdir()) == ["metrics.json"]


def test_a_finished_run_replaces_the_old_one_without_leftovers(tmp_path):
    from toolkit.experiments.temporaries import make_temporary, publish

    parent = tmp_path / "x"
    parent.mkdir()
    final = parent / "run"
    for text in ("old", "new"):
        tmp = make_temporary(parent, "run")
        (tmp / "metrics.json").write_text(text)
        publish(tmp, final)
    assert (final / "metrics.json").read_text() == "new" and [p.name for p in parent.iterdir()] == ["run"]


def test_cache_clear_removes_only_the_toolkits_cache_files(tmp_path, monkeypatch, capsys):
    import sqlite3

    from toolkit.embedding.cache import EmbeddingCache

    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(tmp_path))
    EmbeddingCache("model-0123456789abcdef").put({"k": np.ones(3, dtype=np.float32)})
    theirs = tmp_path / "embeddings" / "notes.sqlite"
    with sqlite3.connect(theirs) as con:
        con.execute("CREATE TABLE notes (text TEXT)")
    (tmp_path / "embeddings" / "plain.sqlite").write_text("not a database")
    assert main(["cache", "clear"]) == 0
    assert "removed 1 embedding cache file" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "embeddings").glob("*.sqlite")) == ["notes.sqlite", "plain.sqlite"]


def test_a_folder_of_the_users_where_the_run_goes_is_never_replaced(tmp_path, capsys):
    """A folder at the run's own path that is not a run folder (or a link) stays as it is: the
    run ends in one line, exit 2, and leaves nothing of its own."""
    from toolkit.cli import default_experiment
    from toolkit.experiments.config import load_file, resolve, run_id
    from toolkit.experiments.sweep import data_fingerprint

    resolved = resolve(load_file(default_experiment()))
    parent = tmp_path / "results" / resolved["name"]
    final = parent / run_id(resolved, data_fingerprint(resolved["dataset"], resolved["seed"]))
    final.mkdir(parents=True)
    (final / "thesis.tex").write_text("mine")
    assert main(["run", "--quiet", "--out", str(tmp_path / "results")]) == 2
    err = capsys.readouterr().err
    assert "not a run folder" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in final.iterdir()) == ["thesis.tex"]
    assert [p.name for p in parent.iterdir()] == [final.name]
