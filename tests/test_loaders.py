"""Each loader on the real data shipped in toolkit/data."""

from __future__ import annotations

import csv
import json

import pytest

from toolkit import DataError, ToolkitError
from toolkit.text import LOADERS, data_path


def load(loader, **params):
    return LOADERS.get(loader)(**params).load()


def test_builtin_skynews_is_four_articles():
    corpus = load("builtin", name="skynews")
    assert len(corpus) == 4
    assert len({d.id for d in corpus}) == 4
    assert corpus.fingerprint


def test_scraped_page_loader_reads_the_page_file():
    corpus = load("scraped_page", path=str(data_path("skynews_world_page.txt")))
    assert [d.title for d in corpus] == [d.title for d in load("builtin", name="skynews")]


def test_labelled_folders_reads_bbc_with_labels_and_summaries():
    corpus = load("labelled_folders", path=str(data_path("bbc_dev")))
    assert len(corpus) == 100
    assert sorted(set(corpus.labels)) == ["business", "entertainment", "politics", "sport", "tech"]
    first = corpus[0]
    assert first.id == "business/001"
    assert first.title == "Ad sales boost Time Warner profit"
    assert not first.text.startswith("Ad sales boost")
    assert first.summary and first.summary.startswith("TimeWarner said fourth quarter sales")
    assert all(d.summary for d in corpus)


def test_text_folder_reads_files_recursively_with_optional_title():
    root = data_path("bbc_dev", "articles", "tech")
    corpus = load("text_folder", path=str(root), first_line_title=True)
    assert len(corpus) == 20
    assert corpus[0].id == "001"
    assert corpus[0].label is None and corpus[0].title
    untitled = load("text_folder", path=str(root))
    assert untitled[0].title == "" and untitled[0].text.startswith(corpus[0].title)


def test_builtin_huffpost_is_the_dated_items_with_29_unbalanced_categories():
    """Headline as title, short description as text; the two items whose description is
    empty are skipped (and said so)."""
    import json
    from collections import Counter

    from toolkit.text.loaders import data_path

    records = [json.loads(line) for line in data_path("huffpost_2018_2019.jsonl").read_text("utf-8").splitlines()]
    corpus = load("builtin", name="huffpost")
    assert len(records) == 4481 and len(corpus) == 4481 - sum(not r["short_description"].strip() for r in records)
    assert corpus[0].title == records[0]["headline"] and corpus[0].text == records[0]["short_description"]
    counts = Counter(corpus.labels)
    assert len(counts) == 29 and counts.most_common(1)[0][0] == "POLITICS" and min(counts.values()) < 20


def test_csv_reads_ag_news_with_label_names_and_markup_cleaned():
    corpus = load("builtin", name="ag_news")
    assert len(corpus) == 7600
    assert sorted(set(corpus.labels)) == ["Business", "Sci/Tech", "Sports", "World"]
    assert not any("&lt;" in d.title or "#39;" in d.text for d in corpus)


def test_csv_sample_is_seeded_and_in_order():
    a = load("builtin", name="ag_news", sample=50, sample_seed=3)
    b = load("builtin", name="ag_news", sample=50, sample_seed=3)
    c = load("builtin", name="ag_news", sample=50, sample_seed=4)
    assert [d.id for d in a] == [d.id for d in b] != [d.id for d in c]
    assert [int(d.id) for d in a] == sorted(int(d.id) for d in a)


@pytest.fixture
def ag_jsonl(tmp_path):
    rows = list(csv.DictReader(open(data_path("ag_news_test.csv"), encoding="utf-8")))[:30]
    path = tmp_path / "ag.jsonl"
    path.write_text("".join(json.dumps({"id": f"ag{i}", "body": r["description"], "headline": r["title"],
                                        "topic": r["label"]}) + "\n" for i, r in enumerate(rows)))
    return path


def test_jsonl_maps_fields(ag_jsonl):
    corpus = load("jsonl", path=str(ag_jsonl), text="body", title="headline", label="topic", id="id")
    assert len(corpus) == 30 and corpus[0].id == "ag0" and corpus[0].label == "3"


def test_jsonl_broken_line_is_named(ag_jsonl):
    lines = ag_jsonl.read_text().splitlines()
    lines[6] = lines[6][:-5]
    ag_jsonl.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"ag\.jsonl:7: not valid JSON"):
        load("jsonl", path=str(ag_jsonl), text="body")


def test_csv_missing_column_is_named():
    with pytest.raises(DataError, match=r"no column 'body' for dataset.text \(columns: label, title, description\)"):
        load("csv", path=str(data_path("ag_news_test.csv")), text="body")


def test_missing_empty_and_undecodable_files(tmp_path):
    with pytest.raises(DataError, match="nope.txt: no such file"):
        load("scraped_page", path=str(tmp_path / "nope.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(DataError, match="empty.txt: file is empty"):
        load("scraped_page", path=str(empty))
    latin = tmp_path / "latin.txt"
    page = data_path("skynews_world_page.txt").read_text(encoding="utf-8")
    latin.write_bytes(page.replace("’", "'").replace("–", "-").replace("“", '"').replace("”", '"')
                      .replace("€", "EUR").replace("£", "GBP").encode("ascii", "ignore")[:3000]
                      + "caf\xe9".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin.txt: not valid utf-8 at byte 3003"):
        load("scraped_page", path=str(latin))


def test_page_with_no_articles(tmp_path):
    page = tmp_path / "menu.txt"
    page.write_text("Home\nWorld\nSport\nContinue Reading\nShare this\n")
    with pytest.raises(DataError, match="menu.txt: no article found"):
        load("scraped_page", path=str(page))


def test_duplicate_ids_are_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("id,text\n1,One sentence here.\n1,Another sentence here.\n")
    with pytest.raises(DataError, match="duplicate document id '1'"):
        load("csv", path=str(path), id="id")


def test_unknown_builtin_names_the_choices():
    with pytest.raises(ToolkitError,
                       match="BuiltinLoader.name: must be one of 'ag_news', 'bbc_dev', 'huffpost', 'skynews'"):
        load("builtin", name="reuters")
