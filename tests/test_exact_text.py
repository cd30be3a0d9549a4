"""Readers keep text exactly, and a run's fingerprint covers all of its data."""

from __future__ import annotations

import csv
import json
import shutil
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.experiments import config as cfg
from toolkit.text import LOADERS
from toolkit.text.files import normalize_newlines

# Any Unicode but NUL (which marks a file as binary) and lone surrogates (not encodable):
# line and paragraph separators, form feeds, \x1e, \x85, quotes, commas, CR and LF included.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=60) \
    | st.text(st.sampled_from(list(string.printable) + ["\u2028", "\u2029", "\x85", "\x0c", "\x1e", "\r", "\"", "“"]),
              min_size=1, max_size=60)
RECORDS = st.lists(TEXT.filter(lambda t: t.strip()), min_size=1, max_size=8)
ROUND_TRIPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _load(loader: str, **params):
    return LOADERS.get(loader)(**params).load()


@ROUND_TRIPS
@given(RECORDS)
def test_csv_round_trip(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("csv") / "items.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text"])
        writer.writerows([t] for t in texts)
    assert [d.text for d in _load("csv", path=str(path), markup=False)] == texts


@ROUND_TRIPS
@given(RECORDS)
def test_jsonl_round_trip(tmp_path_factory, texts):
    for ensure_ascii in (True, False):  # escaped, and raw U+2028 / \x85 inside strings
        path = tmp_path_factory.mktemp("jsonl") / "items.jsonl"
        path.write_text("".join(json.dumps({"text": t}, ensure_ascii=ensure_ascii) + "\n" for t in texts),
                        encoding="utf-8")
        assert [d.text for d in _load("jsonl", path=str(path), markup=False)] == texts


@ROUND_TRIPS
@given(RECORDS, st.sampled_from(["\n", "\r\n", "\r"]))
def test_text_folder_round_trip(tmp_path_factory, texts, ending):
    """Text files: every line ending read as \\n and the outer white space stripped (documented)."""
    folder = tmp_path_factory.mktemp("folder")
    for i, text in enumerate(texts):
        (folder / f"{i:02d}.txt").write_bytes(f"Title {i}{ending}{text}".encode())
    docs = _load("text_folder", path=str(folder), first_line_title=True, markup=False)
    assert [d.title for d in docs] == [f"Title {i}" for i in range(len(texts))]
    assert [d.text for d in docs] == [normalize_newlines(t).strip() for t in texts]


def test_the_examples_from_the_issue(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('text\n"Stocks fell on Tuesday.\nThen markets recovered."\n"a\x0cb"\n"c\x1ed"\n"e\x85f"\n'
                    '"g\u2028h"\n', encoding="utf-8")
    texts = [d.text for d in _load("csv", path=str(path), markup=False)]
    assert texts == ["Stocks fell on Tuesday.\nThen markets recovered.", "a\x0cb", "c\x1ed", "e\x85f", "g\u2028h"]
    jl = tmp_path / "x.jsonl"
    jl.write_text('{"text": "one\u2028two"}\n', encoding="utf-8")
    assert _load("jsonl", path=str(jl))[0].text == "one\u2028two"
    folder = tmp_path / "cr"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"A headline\rFirst paragraph.\rSecond paragraph.")
    doc = _load("text_folder", path=str(folder), first_line_title=True)[0]
    assert (doc.title, doc.text) == ("A headline", "First paragraph.\nSecond paragraph.")


def test_relabel_rename_or_one_byte_changes_the_run_id(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(Path(LOADERS.get("builtin")(name="bbc_dev").load()[0].source).parents[2], root)
    config = cfg.resolve({"dataset": {"loader": "labelled_folders", "path": str(root)}})

    def run_id() -> str:
        return cfg.run_id(config, LOADERS.get("labelled_folders")(path=str(root)).load().fingerprint)

    ids = [run_id()]
    article = root / "articles" / "tech" / "001.txt"
    article.rename(root / "articles" / "sport" / "901.txt")  # relabelled: moved to another label folder
    ids.append(run_id())
    (root / "articles" / "sport" / "901.txt").rename(root / "articles" / "sport" / "902.txt")  # renamed
    ids.append(run_id())
    data = bytearray((root / "articles" / "sport" / "902.txt").read_bytes())
    data[-2] = ord("!") if data[-2] != ord("!") else ord("?")  # one byte edited
    (root / "articles" / "sport" / "902.txt").write_bytes(bytes(data))
    ids.append(run_id())
    assert len(set(ids)) == 4, ids
