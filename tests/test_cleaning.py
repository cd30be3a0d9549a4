"""Cleaning the scraped Sky News page: articles, titles, furniture, duplicates."""

from __future__ import annotations

import re

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
    assert clean_markup(text) == "Profit at AT&T rose 5% , it 's said"
