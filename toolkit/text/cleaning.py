"""Split a scraped news page into articles and strip the site's furniture.

The rules look at the shape of lines, not at one site's strings:

* a *prose* line is a paragraph: enough words and sentence-final punctuation;
  everything else (headings, bylines, dates, separators, share prompts, link
  lists, teasers) is furniture and never reaches an article body;
* *caption markers* are short label lines ending in a colon that recur
  (``Image:``, ``Photo:``); the lines on either side of one are captions, and a
  line carrying a picture credit (``Pic: ...``) is a caption too;
* a prose line repeated within a few lines is a headline or caption echoed by
  the page template, not body text;
* article *boundaries* are the recurring non-prose lines (``Published``,
  ``Continue Reading``) whose occurrences cut the page into segments that each
  hold several paragraphs; the headline is found in the furniture before the body;
* an *author sign-off* is a closing paragraph written in the first person
  plural ("We gather ... our journalism"), which articles themselves rarely are.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from toolkit.errors import DataError

_TERMINAL = re.compile(r"[.!?][\"'”’)\]]*$")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_CREDIT = re.compile(r"\b(?:pic|picture|photo|image|credit|source)s?\s*:\s*\S", re.IGNORECASE)
_CAPTION_MARKER = re.compile(r"^[^\W\d_]+(?: [^\W\d_]+)?\s*:$")
_HANDLE = re.compile(r"^@\w+$")
_FIRST_PLURAL = re.compile(r"\b(?:we|our|us)\b", re.IGNORECASE)

MIN_PROSE_WORDS = 6
ECHO_WINDOW = 8


# Entity residue: a feed that dropped the "&" of an entity (AG News writes "&quot;" as
# " quot;" and "&#39;" as " #39;"). Only the entities news text is made of are read bare,
# since "not;", "copy;" or "times;" are also words before a semicolon; numeric ones always.
# The space that stood for the lost "&" goes with it ("AT amp;T" is "AT&T").
_BARE_ENTITY = re.compile(r" ?(?<![&\w])(quot|amp|apos|lt|gt|nbsp|#\d{2,5}|#[xX][0-9a-fA-F]{2,5});")
# A backslash a feed left for a line break or an escaped "$": "second\team", "\\ SAN
# FRANCISCO", "\$250". Paths keep theirs: a token with a drive letter (C:\), a UNC share
# (\\host) or a registry hive (HKEY_...\) is skipped, and so is a backslash that escapes
# one of code's letters on its own ("\n", "\d+" in an article about code; "\a rest" and
# "\U.S." are line breaks).
_PATH = re.compile(r"(?<!\S)\S*(?:\b[A-Za-z]:\\|(?<![^\s\"'(])\\\\[\w.-]+\\\w|\bHKEY_\w*\\)\S*")
_FEED_BACKSLASH = re.compile(r"\\(?=[$%#&_])|\\+(?![nrtdswbfvDSWB](?!\w))")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|\w+);")
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_SPACES = re.compile(r"[ \t]{2,}|\t")  # single spaces are left as they are
REPAIRS = ("entity residue", "backslash escape", "html entity", "html tag")  # what clean_markup counts


def _count(counts: Counter | None, what: str, n: int) -> None:
    if n:
        counts[what] += n  # type: ignore[index]


def _entity(match: re.Match) -> str:
    entity = f"&{match.group(1)};"
    decoded = html.unescape(entity)
    return match.group(0) if decoded == entity else decoded  # beyond Unicode: left as it was


def _backslashes(text: str, counts: Counter | None) -> str:
    """Feed backslashes (line breaks, escaped ``$``) replaced, paths left as they are."""
    out, start = [], 0
    for path in _PATH.finditer(text):
        out.append(_feed_backslashes(text[start:path.start()], counts))
        out.append(path.group(0))
        start = path.end()
    out.append(_feed_backslashes(text[start:], counts))
    return "".join(out)


def _feed_backslashes(text: str, counts: Counter | None) -> str:
    _count(counts, "backslash escape", len(_FEED_BACKSLASH.findall(text)) if counts is not None else 0)
    # an escape before punctuation goes; a line break becomes a space (collapsed after)
    return _FEED_BACKSLASH.sub(lambda m: "" if m.group(0) == "\\" and m.end() < len(text)
                               and text[m.end()] in "$%#&_" else " ", text)


def clean_markup(text: str, counts: Counter | None = None) -> str:
    """Decode HTML entities, entity residue and feed backslashes, and drop tags.

    Parameters
    ----------
    text : str
    counts : Counter, optional
        Incremented by what was changed, under the names in :data:`REPAIRS`.

    Returns
    -------
    str
        The text, runs of spaces collapsed and stripped.
    """
    # Each step only where its character occurs: a regular expression scanned over every
    # text was most of the time spent loading a large corpus.
    if ";" in text:
        _count(counts, "entity residue", len(_BARE_ENTITY.findall(text)) if counts is not None else 0)
        text = _BARE_ENTITY.sub(_entity, text)
        if "&" in text:
            _count(counts, "html entity", len(_ENTITY.findall(text)) if counts is not None else 0)
            text = html.unescape(html.unescape(text))
    if "\\" in text:
        text = _backslashes(text, counts)
    if "<" in text:
        _count(counts, "html tag", len(_TAG.findall(text)) if counts is not None else 0)
        text = _TAG.sub(" ", text)
    if "  " in text or "\t" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def repair_markup(documents: list) -> list[dict]:
    """Clean each document's title, text and summary in place (:func:`clean_markup`).

    Returns
    -------
    list of dict
        One ``{"document", "reason", "changes"}`` per document changed, ``changes`` counting
        each repair (:data:`REPAIRS`) over its fields: the run's cleaning log.
    """
    log = []
    for doc in documents:
        counts: Counter = Counter()
        doc.title = clean_markup(doc.title, counts)
        doc.text = clean_markup(doc.text, counts)
        if doc.summary is not None:
            doc.summary = clean_markup(doc.summary, counts)
        if counts:
            log.append({"document": doc.id, "reason": "markup repaired",
                        "changes": {what: counts[what] for what in REPAIRS if counts[what]}})
    return log


@functools.lru_cache(maxsize=2**18)
def normalize_text(line: str) -> str:
    """Fold case, quotes, dashes and punctuation so that near-identical lines compare equal.

    Cached: a run folds each sentence twice (near-duplicates, then a topic's distinct sentences)."""
    text = unicodedata.normalize("NFKC", line).casefold()
    return " ".join(re.findall(r"\w+", text))


def word_count(line: str) -> int:
    return len(_WORD.findall(line))


def is_prose(line: str) -> bool:
    """A paragraph of body text: at least MIN_PROSE_WORDS words, ending like a sentence."""
    return word_count(line) >= MIN_PROSE_WORDS and bool(_TERMINAL.search(line.strip()))


@dataclass
class Article:
    """One article cut out of a page."""

    title: str
    paragraphs: list[str]
    title_from: str  # "headline" or "lead sentence"
    removed: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Line:
    text: str
    kind: str = "prose"  # prose | furniture
    reason: str = ""


def _classify(lines: list[str]) -> list[_Line]:
    out = [_Line(t) for t in lines]
    keys = [normalize_text(t) for t in lines]
    counts = Counter(keys)
    markers = {
        i for i, t in enumerate(lines)
        if _CAPTION_MARKER.match(t) and counts[keys[i]] >= 2
    }
    for i, line in enumerate(out):
        text = line.text
        if i in markers:
            line.kind, line.reason = "furniture", "caption marker"
        elif (i - 1 in markers) or (i + 1 in markers) or _CREDIT.search(text):
            line.kind, line.reason = "furniture", "image caption or credit"
        elif _HANDLE.match(text):
            line.kind, line.reason = "furniture", "social handle"
        elif not is_prose(text):
            line.kind, line.reason = "furniture", "not a sentence (heading, byline, prompt or link)"
    # A line echoed a few lines later is a headline or caption the template shows twice.
    for i, key in enumerate(keys):
        if word_count(lines[i]) < 3 or out[i].reason.startswith("caption"):
            continue
        for j in range(i + 1, min(len(keys), i + ECHO_WINDOW + 1)):
            if keys[j] == key:
                for k in (i, j):
                    out[k].kind, out[k].reason = "furniture", "headline or caption echoed"
    return out


def _choose_separator(lines: list[_Line], keys: list[str], min_paragraphs: int) -> str | None:
    """The recurring furniture line that best cuts the page into articles.

    A candidate is valid when every segment between two of its occurrences holds
    at least ``min_paragraphs`` prose lines; the best cuts out the most such segments.
    """
    counts = Counter(k for k, line in zip(keys, lines) if line.kind == "furniture" and k)
    best: tuple[int, int, str] | None = None
    for key, n in counts.items():
        if n < 2:
            continue
        segments, current = [], 0
        for k, line in zip(keys, lines):
            if k == key:
                segments.append(current)
                current = 0
            elif line.kind == "prose":
                current += 1
        segments.append(current)
        inner = segments[1:-1]
        if any(s < min_paragraphs for s in inner):
            continue
        score = sum(s >= min_paragraphs for s in segments)
        # Ties: prefer the separator that recurs most regularly (fewest occurrences
        # beyond the articles it separates), then the name, for determinism.
        cand = (score, -n, key)
        if best is None or cand[:2] > best[:2] or (cand[:2] == best[:2] and key < best[2]):
            best = cand
    if best is None or best[0] < 2:
        return None
    return best[2]


def _pick_title(header: list[_Line], counts: Counter, keys: dict[int, str]) -> str | None:
    """The headline among the furniture lines before an article body."""
    echoed = [ln.text for ln in header if ln.reason == "headline or caption echoed"]
    if echoed:
        return echoed[0]
    candidates = [
        ln.text for idx, ln in enumerate(header)
        if counts[keys[idx]] == 1 and word_count(ln.text) >= 5 and not ln.text.endswith(":")
    ]
    return max(candidates, key=word_count) if candidates else None


def _drop_signoff(paragraphs: list[str], removed: list[tuple[str, str]]) -> list[str]:
    while len(paragraphs) > 1:
        last = paragraphs[-1]
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", last) if s]
        plural = sum(bool(_FIRST_PLURAL.search(s)) for s in sentences)
        if sentences and plural * 2 >= len(sentences) and plural >= 2:
            removed.append((last, "author or team sign-off"))
            paragraphs = paragraphs[:-1]
        else:
            break
    return paragraphs


def _shorten(sentence: str, limit: int = 90) -> str:
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def split_page(text: str, min_paragraphs: int = 3) -> list[Article]:
    """Cut a scraped page into cleaned articles.

    Parameters
    ----------
    text : str
        The page as text, one paragraph or furniture item per line.
    min_paragraphs : int
        Fewest prose paragraphs an article must have.

    Returns
    -------
    list of Article
        In page order. Empty when the page holds no article.
    """
    raw = [ln.strip() for ln in text.splitlines()]
    raw = [ln for ln in raw if ln]
    lines = _classify(raw)
    keys = [normalize_text(ln.text) for ln in lines]
    counts = Counter(keys)
    separator = _choose_separator(lines, keys, min_paragraphs)

    # Cut points: each separator occurrence starts a new segment. Without a
    # separator the page is a single article.
    segments: list[list[int]] = [[]]
    for i, k in enumerate(keys):
        if separator is not None and k == separator:
            segments.append([])
        segments[-1].append(i)

    # An article runs from the line after the previous article's last paragraph
    # (its header: headline, byline, date) to its own last paragraph; the page's
    # trailing furniture goes with the last article.
    bodies = []
    for seg in segments:
        prose_at = [i for i in seg if lines[i].kind == "prose"]
        if len(prose_at) >= min_paragraphs:
            bodies.append(prose_at)
    articles: list[Article] = []
    start = 0
    for n, prose_at in enumerate(bodies):
        first = prose_at[0]
        end = prose_at[-1] + 1 if n + 1 < len(bodies) else len(lines)
        span = range(start, end)
        header_idx = [i for i in range(start, first) if lines[i].kind == "furniture"]
        removed = [(lines[i].text, lines[i].reason) for i in span if lines[i].kind == "furniture"]
        prose_in_span = [i for i in span if lines[i].kind == "prose"]
        paragraphs = _drop_signoff([lines[i].text for i in prose_in_span], removed)
        header = [lines[i] for i in header_idx]
        title = _pick_title(header, counts, {k: keys[i] for k, i in enumerate(header_idx)})
        title_from = "headline"
        if title is None:
            title = _shorten(re.split(r"(?<=[.!?])\s+", paragraphs[0])[0])
            title_from = "lead sentence"
        articles.append(Article(title=title, paragraphs=paragraphs, title_from=title_from,
                                removed=removed))
        start = end
    return articles


def page_articles(text: str, source: str, min_paragraphs: int = 3) -> list[Article]:
    """:func:`split_page`, raising a DataError naming ``source`` when no article is found."""
    articles = split_page(text, min_paragraphs=min_paragraphs)
    if not articles:
        raise DataError(
            f"{source}: no article found (no run of {min_paragraphs} or more prose paragraphs)"
        )
    return articles
