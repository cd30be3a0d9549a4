"""What a summary's earlier sentences give the reader: the mention a definite description
points back to, and the person a "he" or "she" means.

A sentence that leans on the one before it (:mod:`toolkit.summarization.context`) may still
read well when that one is not picked: "The deal was signed" after an earlier summary
sentence about "the production deal with Peugeot", or "She said ..." after a summary sentence
naming Ms Hewitt, with nothing skipped in between naming anyone. These tests are on
words alone (capitalised words for names), so they are strict: a name they cannot see counts
against resolving.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PERSONAL = frozenset("he she his her him hers himself herself".split())
_WORDS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Definite heads that say how many or which, not what: an earlier "two" names nothing.
_NOT_RESOLVED_BY_MENTION = frozenset("same former latter other two three four duo trio pair couple".split())
_NAME = re.compile(r"(?<=[\w,;:] )[A-Z][\w'’-]*")  # a capitalised word that does not open the sentence
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady)\b")


def word_forms(text: str) -> set[str]:
    """The text's words, lower case, plural and possessive endings taken off (``companies``
    and ``company's`` are ``company``), so a noun matches its earlier mention."""
    return {_singular(w) for w in _WORDS.findall(text.lower())}


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def names_anyone(text: str) -> bool:
    """Whether ``text`` names someone or something: a capitalised word that does not open
    it, or a title such as "Ms"."""
    return bool(_NAME.search(text) or _TITLE.search(text))


def mentions(earlier: Iterable[set[str]], noun: str) -> bool:
    """Whether any of the ``earlier`` sentences (their :func:`word_forms`) mentions ``noun``,
    singular or plural."""
    if noun in _NOT_RESOLVED_BY_MENTION:
        return False
    noun = _singular(noun)
    return any(noun in forms for forms in earlier)


__all__ = ["PERSONAL", "mentions", "names_anyone", "word_forms"]
