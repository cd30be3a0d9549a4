"""Cleaning the scraped Sky News page: articles, titles, furniture, duplicates."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest

from toolkit.text import clean_markup, data_path, normalize_text, split_page

PAGE = data_path("skynews_world_page.txt").read_text(encoding="utf-8")
FURNITURE = re.compile(
    r"^(Image:|Pic:|Published|on|By|Continue Reading|World|Trending|Tap here|Connect with us)$"
    r"|Follow Sky News|Read more from|Keep up with all|Please use Chrome|@\w+|Pic: |Data and Forensics team",
)


def test_page_splits_into_four_articles_with_titles():
    articles = split_page(PAGE)
    assert len(articles) == 4
    titles = [a.title for a in articles]
    assert titles[1] == "Ireland’s Prime Minister Simon Harris reveals planned date for general election"
    assert titles[2] == "Should we be worried about a Donald Trump presidency?"
    assert titles[3].startswith("Ireland’s election was a badly-kept secret")
    # The first article has no headline on the page: its lead sentence stands in.
    assert articles[0].title_from == "lead sentence"
    assert titles[0].startswith("While North Korea has been supplying weapons to Russia")
    assert [a.title_from for a in articles[1:]] == ["headline"] * 3


def test_no_furniture_survives_and_every_paragraph_is_from_the_page():
    raw_lines = {ln.strip() for ln in PAGE.splitlines()}
    for article in split_page(PAGE):
        for paragraph in article.paragraphs:
            assert paragraph in raw_lines
            assert not FURNITURE.search(paragraph), paragraph


def test_captions_bylines_and_signoff_are_removed_with_reasons():
    articles = split_page(PAGE)
    reasons = {why for a in articles for _, why in a.removed}
    assert {"image caption or credit", "caption marker", "social handle", "author or team sign-off"} <= reasons
    removed = {line for a in articles for line, _ in a.removed}
    assert "Nicole Johnston" in removed and "@nicole_reporter" in removed
    assert "Image released by South Korean intelligence showing North Korean troops at a Russian military site." \
        in removed
    # Body text that merely mentions the site stays.
    assert any("Sky News has geolocated this" in p for p in articles[0].paragraphs)


def test_a_page_without_separators_is_one_article():
    text = "\n\n".join(["Some heading", "First paragraph of a story, long enough to count.",
                       "Second paragraph of the story, also long enough here.",
                       "Third paragraph with the ending of the story in it.", "Share this"])
    (article,) = split_page(text)
    assert len(article.paragraphs) == 3


def test_normalise_folds_quotes_and_dashes():
    assert normalize_text("Ireland’s election – a secret") == normalize_text("Ireland's election - a secret")


def test_clean_markup():
    text = "Profit at AT&amp;T rose &lt;b&gt;5%&lt;/b&gt;, it #39;s said"
    counts = Counter()
    assert clean_markup(text, counts) == "Profit at AT&T rose 5% , it's said"
    assert counts == {"html entity": 5, "html tag": 2, "entity residue": 1}


AG_ROWS = list(csv.DictReader(open(data_path("ag_news_test.csv"), encoding="utf-8")))


def ag_line(fragment: str) -> str:
    """The first AG News title or description holding ``fragment``, as the file has it."""
    return next(text for row in AG_ROWS for text in (row["title"], row["description"]) if fragment in text)


@pytest.mark.parametrize(("fragment", "raw", "clean"), [
    # entity residue: the feed dropped the "&" and left a space in its place
    ("quot;phone sex", " quot;phone sex quot; services", '"phone sex" services'),
    ("Johnson  amp; Johnson", "Johnson  amp; Johnson", "Johnson & Johnson"),
    ("AT amp;T", "AT amp;T", "AT&T"),
    ("doesn #39;t", "doesn #39;t", "doesn't"),
    ("#36;10 million", "the  #36;10 million", "the $10 million"),
    # backslashes: an escaped dollar, a line break between words, before a capital, at the start
    ("over \\$1 billion", "over \\$1 billion", "over $1 billion"),
    ("second\\team", "second\\team", "second team"),
    ("holds\\a sizable", "holds\\a sizable", "holds a sizable"),
    ("future\\U.S.", "future\\U.S.", "future U.S."),
    ("\\\\FOAF", "\\\\FOAF/LOAF", "FOAF/LOAF"),
    ("distribution.\\\\What", "distribution.\\\\What", "distribution. What"),
])
def test_each_cleaning_rule_on_a_real_ag_news_line(fragment, raw, clean):
    line = ag_line(fragment)
    assert raw in line
    cleaned = clean_markup(line)
    assert clean in cleaned
    assert not re.search(r"(?<![&\w])(quot|amp|#\d+);|\\\$", cleaned)


def test_a_backslash_with_a_reason_stays():
    # No such line in the bundled data: a tech article's paths and code keep their backslashes.
    text = r"Open C:\Windows\System32 or \\fileserver\share, edit HKEY_LOCAL_MACHINE\Software, match \d+ or \n."
    counts = Counter()
    assert clean_markup(text, counts) == text
    assert not counts


def test_words_before_a_semicolon_are_not_entities():
    text = "Prices rose; not; copy; times; the lt; sign"
    assert clean_markup(text) == "Prices rose; not; copy; times; the< sign"


def test_every_loader_repairs_markup_and_logs_it(tmp_path):
    from toolkit.text import LOADERS

    (tmp_path / "a.txt").write_text("Ship \\$5 deal\\Reuters says it #39;s  quot;done quot;.\n", encoding="utf-8")
    corpus = LOADERS.get("text_folder")(str(tmp_path)).load()
    assert corpus[0].text == 'Ship $5 deal Reuters says it\'s "done".'
    assert corpus.repaired == [{"document": "a", "reason": "markup repaired",
                                "changes": {"entity residue": 3, "backslash escape": 2}}]
    kept = LOADERS.get("text_folder")(str(tmp_path), markup=False).load()
    assert "#39;" in kept[0].text and not kept.repaired


def test_bundled_ag_news_keeps_no_residue():
    from toolkit.text import LOADERS

    corpus = LOADERS.get("builtin")("ag_news").load()
    residue = re.compile(r"quot;|#39;|&amp;|\\\$")
    assert not [d.id for d in corpus if residue.search(d.title) or residue.search(d.text)]
    assert len(corpus.repaired) > 1000
