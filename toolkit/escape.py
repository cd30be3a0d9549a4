"""Text that came from data, made safe for where it is shown.

Titles, texts, topic names, labels, ids, run names and paths come from files someone else may
have written. Shown in a terminal, a control sequence in them could move the cursor, retitle
the window or hide what follows; in Markdown or HTML, a tag could run script. Each function
here prepares such text for one destination; files the toolkit writes (CSV, JSON, JSONL) keep
the text exactly as it is.
"""

from __future__ import annotations

import json
import re

# C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI on some terminals),
# the bidirectional overrides and isolates that reorder what a reader sees, and lone surrogates
# (which no terminal encoding can write).
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_CONTROL = re.compile(f"[{_UNSAFE}]")
_CONTROL_OR_NEWLINE = re.compile(f"[{_UNSAFE}\t\n]")
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")
_MARKDOWN_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: object, *, newlines: bool = True) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``) instead of acting.

    ``newlines``: keep newlines and tabs (a multi-line block); without, they are escaped too
    (a one-line message).
    """
    pattern = _CONTROL if newlines else _CONTROL_OR_NEWLINE
    return pattern.sub(_visible, str(text))


def json_for_terminal(line: str) -> str:
    """A JSON text (from ``json.dumps(..., ensure_ascii=False)``) with the characters a terminal
    would act on written as JSON escapes: the same JSON value, safe to print."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", line)


def for_figure(text: object) -> str:
    """``text`` for a matplotlib label: controls shown as escapes (no missing-glyph warnings), and
    dollar signs escaped so that two of them never start mathtext."""
    return _CONTROL_OR_NEWLINE.sub(_visible, str(text)).replace("$", r"\$")


def for_markdown(text: object) -> str:
    """``text`` as literal Markdown on one line: HTML special characters as entities (no tag or
    comment of the text reaches a renderer), Markdown's emphasis, link, code and table
    characters backslash-escaped, controls and newlines as spaces."""
    one_line = _CONTROL_OR_NEWLINE.sub(" ", str(text))
    escaped = _MARKDOWN.sub(r"\\\1", one_line)
    return "".join(_MARKDOWN_HTML.get(c, c) for c in escaped)


def markdown_code(text: object) -> str:
    """``text`` as an inline code span (HTML inside one is shown, not parsed), or as escaped
    text when it holds a backtick that would end the span."""
    one_line = _CONTROL_OR_NEWLINE.sub(" ", str(text))
    return f"`{one_line}`" if "`" not in one_line and one_line.strip() else for_markdown(one_line)


def json_for_html(value) -> str:
    """``value`` as JSON to embed in an HTML ``<script type="application/json">`` element:
    ``<``, ``>`` and ``&`` written as ``\\u003c`` etc., so that no text (``</script>``,
    ``<!--``) can change how the page parses; the line separators too, for older parsers."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                       ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


__all__ = ["for_figure", "for_markdown", "for_terminal", "json_for_html", "json_for_terminal", "markdown_code"]
