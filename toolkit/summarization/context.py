"""Sentences that lean on the sentence before them, and summaries that leave them dangling.

An extractive summary lifts sentences out of their article. A picked sentence that opens
with "He", "This", "However" or "The company" leans on the sentence before it; when that one
was not picked, the reader meets a pronoun without its person or a contrast without its first
half (Zhang, Wan & Bansal, ACL 2023, "Extractive is not Faithful", found such problems in 30%
of extractive summaries).

The test is a documented rule set on a sentence's opening words, case-insensitive, after
leading quotation marks and dashes:

- a personal or possessive pronoun (he, she, it, they, his, her, its, their, him, them...),
  except an expletive "it" (``It is likely that``, ``It was time to``);
- a demonstrative used as a pronoun or determiner (this, that, these, those, such);
- a discourse connective that continues or contrasts (however, but, and, also, meanwhile,
  instead, therefore, "as a result", "on the other hand", ...);
- a definite description of something just introduced: "the" with a general noun that
  names a thing already mentioned (the company, the move, the deal, the firm, the
  minister, the 35-year-old ...), "the latter/former", "both", "another", "the other".

A sentence that leans back *dangles* in a summary when it is not the first of its document,
the sentence before it (same document, previous position) is not in the summary, and the
summary's earlier sentences of that document do not already give the reader what it points
to. They give it for two kinds of reference, which a reader resolves from what they have
read rather than from the sentence just before:

- a definite description whose noun an earlier summary sentence mentions ("The deal was
  signed" after "... the production deal with Peugeot ...");
- he, she, his, her, him: the last sentence before it that names anyone (a capitalised word
  inside it, or a title such as "Ms") is in the summary; when that one was skipped, "he" may
  be the person it introduced.

A pronoun "it" or "they", a demonstrative, a connective ("However", "But") and a quotation
need the sentence just before them (:mod:`toolkit.summarization.antecedents`). The rules
were checked against a reader on 100 picked sentences of the BBC dev articles (see the
README for precision and recall); they miss references in the middle of a sentence and
cannot tell a pronoun whose person was named earlier in the same sentence ("After Smith
scored, he ...": not at the opening, so not flagged).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from toolkit.summarization.antecedents import PERSONAL, mentions, names_anyone, word_forms
from toolkit.summarization.units import Candidate

PRONOUNS = frozenset("he she it they him her them his hers its their theirs himself herself itself themselves".split())
DEMONSTRATIVES = frozenset("this that these those such".split())
CONNECTIVES = frozenset(
    "however but and also meanwhile instead therefore thus hence consequently moreover furthermore besides "
    "nevertheless nonetheless still yet otherwise likewise similarly additionally accordingly then "
    "indeed afterwards subsequently".split())
CONNECTIVE_PHRASES = (
    "as a result", "on the other hand", "in addition", "in contrast", "by contrast", "even so", "at the same time",
    "after that", "despite this", "despite that", "because of this", "because of that", "in turn", "that said",
    "for that reason", "for this reason", "in that case", "in this case", "as well", "not only that",
    "on top of that", "even then", "since then", "until then", "by then", "before that", "after this",
)
_PHRASES_BY_FIRST_WORD: dict[str, tuple[str, ...]] = {}
for _phrase in CONNECTIVE_PHRASES:
    _PHRASES_BY_FIRST_WORD[_phrase.split()[0]] = _PHRASES_BY_FIRST_WORD.get(_phrase.split()[0], ()) + (_phrase,)
# Nouns that, after "the" at a sentence's opening, usually name something the text has just
# introduced (a company, a person, an event) rather than something new.
DEFINITE_HEADS = frozenset(
    # entities of a story, named before and then described
    "company firm group business deal scheme bill agreement offer bid victory defeat win film movie album book "
    "show series programme program project device product service website site tool feature minister spokesman "
    "spokeswoman spokesperson official officials man woman men women boy girl pair couple player players star "
    "singer actor actress band club side team chairman chief boss organisation organization body former latter "
    "same two three four duo trio "
    # shell nouns (Schmid 2000): nouns whose content is a proposition stated before
    "move decision plan plans proposal proposals idea claim claims allegation allegations comment comments "
    "remarks statement announcement report findings figures news change changes issue problem question step "
    "measure measures approach argument suggestion warning row dispute case incident letter".split())
# Definite subjects that name something unique in a news story's world, introduced by nobody.
UNIQUE_REFERENTS = frozenset(
    "government economy pound dollar euro yen market markets stock police army navy public world country nation "
    "queen king pope prime president chancellor opposition parliament commons lords senate congress weather "
    "industry sector bbc internet web uk us eu un city capital population press media election elections "
    "average number rate rates level price prices cost costs figure total majority rest first last next "
    "latest best biggest largest highest lowest top main".split())
# After the noun, these make a definite description self-contained ("the use of ink", "the
# decision to make Internet Explorer 7", "the company that bought ...").
_SELF_CONTAINED = frozenset("of to that which who whose for in on at from about behind between".split())
# Words that may stand between "the" and such a noun ("the proposed law", "the second trick").
_MODIFIERS = frozenset(
    "new proposed latest second third first final last original planned controversial recent whole entire "
    "initial revised current surprise one-sentence".split())
OTHER_OPENINGS = frozenset("both another yes no".split())
TEMPORAL = frozenset("year week month season time morning afternoon evening weekend summer winter spring autumn "
                     "century decade day days".split())
_NOT_A_NOUN = frozenset("who days of with in at on".split())  # "those who", "these days"
_VERB_HINTS = frozenset("is are was were has have had will would could can may might should must said says "
                        "did does do".split())
_QUOTES = "\"“”«»"
_SPEECH = re.compile(r"\b(?:said|says|say|told|tells|added|adds|asked|explained|according)\b")
_FRONTED_SUBJECT = re.compile(r"^[^,]{3,120},\s+(he|she|they)\s")
_AGE = re.compile(r"^the \d+-year-old\b")
_EXPLETIVE = re.compile(
    r"^it(?:'s|’s| is| was| has been| had been| will be| would be| could be| may be| might be| seems| seemed"
    r"| appears| appeared| remains| remained| is not| was not| isn't| wasn't)\s+(?:\w+\s+){0,2}?"
    r"(?:that|to|whether|how|why|when|if|unclear|unlikely|likely|possible|hoped|expected|thought|believed|"
    r"understood|feared|claimed|said|reported|estimated|time)\b")
_LEAD = re.compile(r"^[\s\"'“”‘’«»\-–—(]+")
_WORDS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # "it's" is "it", "s": contractions keep their pronoun
_CASED_WORDS = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


class Lean(NamedTuple):
    """What a sentence points back with: ``kind`` (pronoun, demonstrative, connective,
    reference, definite, quotation), the ``words`` (``"the company"``; for a definite
    description its last word is the noun) and a ``note`` ("after a fronted phrase")."""

    kind: str
    words: str = ""
    note: str = ""

    def __str__(self) -> str:
        if self.kind == "quotation":
            return "quotation without its speaker"
        return f"{self.kind} '{self.words}'" + (f" {self.note}" if self.note else "")


def lean(sentence: str) -> Lean | None:
    """What ``sentence`` leans on the sentence before it with, or None when nothing in it
    points back (:func:`leans_back` says it in words)."""
    stripped = sentence.strip()
    text = _LEAD.sub("", stripped).lower()
    words = _WORDS.findall(text[:120])
    if not words:
        return None
    return _opening(text, words) or _definite_subject(stripped, words) or _inside(stripped, text, words)


def leans_back(sentence: str) -> str | None:
    """Why ``sentence`` leans on the sentence before it (``"pronoun 'he'"``,
    ``"connective 'however'"``, ``"definite 'the company'"``, ``"quotation without its
    speaker"`` ...), or None when nothing in it points back."""
    found = lean(sentence)
    return None if found is None else str(found)


def _opening(text: str, words: list[str]) -> Lean | None:
    first = words[0]
    if first in PRONOUNS:
        if first == "it" and _EXPLETIVE.match(text):
            return None
        return Lean("pronoun", first)
    if first in DEMONSTRATIVES:
        if first in ("this", "that") and len(words) > 1 and words[1] in TEMPORAL:
            return None  # "This year ...", "That week ...": a time, not a reference
        return Lean("demonstrative", first)
    for phrase in _PHRASES_BY_FIRST_WORD.get(first, ()):
        if text.startswith(phrase) and (len(text) == len(phrase) or not text[len(phrase)].isalnum()):
            return Lean("connective", phrase)
    if first in CONNECTIVES:
        return Lean("connective", first)
    if first in OTHER_OPENINGS:
        return Lean("reference", first)
    if first == "the" and len(words) > 1:
        if _AGE.match(text):
            return Lean("definite", " ".join(words[:2]))
        k = 1
        while k < min(len(words), 4) and words[k] in _MODIFIERS:
            k += 1
        follows = words[k + 1] if k + 1 < len(words) else ""
        if k < len(words) and (words[k] in DEFINITE_HEADS or words[k] == "other") and follows not in _SELF_CONTAINED:
            return Lean("definite", " ".join(words[:k + 1]))
    return None


def _definite_subject(sentence: str, words: list[str]) -> Lean | None:
    """A sentence that opens with "the" and a common noun (lower case in the sentence, so not
    a name such as "The Times") presents that thing as already known: the reader is expected
    to have met it before, unless it is unique in the news world ("the government") or the
    words after it say what it is ("the use of ink")."""
    if len(words) < 3 or words[0] != "the":
        return None
    original = _CASED_WORDS.findall(_LEAD.sub("", sentence.strip())[:120])
    k = 1
    while k < min(len(words), 4) and words[k] in _MODIFIERS:
        k += 1
    if k + 1 >= len(words) or len(original) <= k or not original[k][:1].islower():
        return None
    head, after = words[k], words[k + 1]
    if head in UNIQUE_REFERENTS or head.isdigit() or after in _SELF_CONTAINED:
        return None
    if k + 2 < len(words) and original[k + 1][:1].islower() and after not in _VERB_HINTS:
        head, after = after, words[k + 2]  # a compound: "the media attention", "the plain spruce"
        if head in UNIQUE_REFERENTS or after in _SELF_CONTAINED:
            return None
        k += 1
    return Lean("definite", " ".join(words[:k + 1]))


def _inside(sentence: str, text: str, words: list[str]) -> Lean | None:
    """References past the first word: a subject pronoun after a fronted phrase ("At the
    meeting, he said"), "these"/"those" before a noun, and a quotation that opens without
    closing or naming its speaker (the speaker is in the sentences around it)."""
    fronted = _FRONTED_SUBJECT.match(text)
    if fronted:
        return Lean("pronoun", fronted.group(1), "after a fronted phrase")
    for k, word in enumerate(words[:12]):
        if word in ("these", "those") and k + 1 < len(words) and words[k + 1] not in _NOT_A_NOUN:
            return Lean("demonstrative", word)
    if sentence[:1] in _QUOTES and not any(q in sentence[1:] for q in _QUOTES) and not _SPEECH.search(text):
        return Lean("quotation")
    return None


def dangling(picked: list[dict]) -> list[int]:
    """Indices (into ``picked``, sentence records with ``text``, ``document`` and ``position``,
    such as a summary's) of the sentences that lean back while the sentence before them in
    their document is not among them (:meth:`Context.dangling` on those sentences alone)."""
    candidates = [Candidate(s["text"], s["document"], s["position"]) for s in picked]
    return Context(candidates, "none").dangling(list(range(len(candidates))))


def context_scores(summaries) -> dict:
    """How many picked sentences dangle, over a run's summaries of one unit.

    Returns
    -------
    dict
        ``picked`` (sentences), ``dangling`` (of them), ``dangling_share`` (dangling / picked),
        ``summaries`` and ``summaries_affected`` (share of summaries with a dangling sentence),
        ``repaired`` (sentences picked only as the context of the next one).
    """
    picked = dangling_count = affected = repaired = 0
    summaries = list(summaries)
    for s in summaries:
        found = len(s.dangling)
        picked += len(s.sentences)
        dangling_count += found
        affected += found > 0
        repaired += sum(1 for x in s.sentences if x.get("context"))
    return {"picked": picked, "dangling": dangling_count,
            "dangling_share": round(dangling_count / picked, 6) if picked else 0.0,
            "summaries": len(summaries),
            "summaries_affected": round(affected / len(summaries), 6) if summaries else 0.0, "repaired": repaired}




CONTEXT_MODES = ("repair", "skip", "none")
MAX_CHAIN = 3  # sentences a repair may add before one picked sentence


class Context:
    """A unit's candidates seen for their context: the sentence before each one and whether
    each leans on it, worked out only for the sentences a selection looks at.

    Parameters
    ----------
    candidates : sequence of Candidate
        The unit's candidates (``text``, ``document``, ``position``).
    mode : {"repair", "skip", "none"}
        What :meth:`picks` does with a sentence that would dangle (``none``: only measured).
    aligned : bool
        Candidate ``i`` is sentence ``i`` of one document (a document's summary), so the
        sentence before it is candidate ``i - 1``.
    """

    def __init__(self, candidates, mode: str, aligned: bool = False) -> None:
        self.candidates, self.mode, self.aligned = candidates, mode, aligned
        self._leans: dict[int, Lean | None] = {}
        self._forms: dict[int, set[str]] = {}
        self._named: dict[int, bool] = {}
        self._index: dict[tuple[str, int], int] | None = None

    def lean(self, i: int) -> Lean | None:
        """What candidate ``i`` leans on the sentence before it with (:func:`lean`)."""
        if i not in self._leans:
            self._leans[i] = lean(self.candidates[i].text)
        return self._leans[i]

    def leans(self, i: int) -> bool:
        """Whether candidate ``i`` leans on the sentence before it."""
        return self.lean(i) is not None

    def resolved(self, i: int, chosen: set[int]) -> bool:
        """Whether the ``chosen`` candidates before ``i`` in its document already give what
        it points to, though the sentence just before it is not chosen: its definite noun
        mentioned, or the person of its "he" or "she" named last (see the module's notes)."""
        found = self.lean(i)
        if found is None or found.kind not in ("definite", "pronoun"):
            return found is None
        if self.aligned:
            earlier = [j for j in chosen if j < i]
        else:
            c = self.candidates[i]
            earlier = [j for j in chosen
                       if (x := self.candidates[j]).document == c.document and x.position < c.position]
        if not earlier:
            return False
        if found.kind == "definite":
            return mentions((self._word_forms(j) for j in earlier), found.words.split()[-1])
        if found.words not in PERSONAL:
            return False
        # The last sentence before it that names anyone must be in the summary: a skipped
        # one naming someone may hold the person "he" means. Picking more never undoes this.
        k = i
        while (k := self.before(k)) is not None and k != -1:
            if k not in self._named:
                self._named[k] = names_anyone(self.candidates[k].text)
            if self._named[k]:
                return k in chosen
        return False

    def _word_forms(self, i: int) -> set[str]:
        if i not in self._forms:
            self._forms[i] = word_forms(self.candidates[i].text)
        return self._forms[i]

    def before(self, i: int) -> int | None:
        """The candidate index of the sentence before candidate ``i`` in its document; None
        for a document's first sentence, -1 when that sentence is not among the candidates."""
        if self.aligned:
            return i - 1 if i > 0 else None
        c = self.candidates[i]
        if c.position == 0:
            return None
        if self._index is None:
            self._index = {(x.document, x.position): k for k, x in
                           ((k, self.candidates[k]) for k in range(len(self.candidates)))}
        return self._index.get((c.document, c.position - 1), -1)

    def picks(self, i: int, chosen: set[int]) -> list[int]:
        """What picking candidate ``i`` takes, given the ``chosen`` ones: ``[i]`` when it reads
        on its own; with ``repair``, the sentences before it back to one that does (at most
        ``MAX_CHAIN``), then ``i``; ``[]`` when it would dangle and cannot be repaired."""
        prev = self.before(i)
        if prev is None or prev in chosen or not self.leans(i) or self.resolved(i, chosen):
            return [i]
        if self.mode == "skip" or prev == -1:
            return []
        chain = [i]
        while True:
            chain.insert(0, prev)
            earlier = self.before(prev)
            if earlier is None or earlier in chosen or not self.leans(prev) or self.resolved(prev, chosen):
                return chain
            if earlier == -1 or len(chain) > MAX_CHAIN:
                return []
            prev = earlier

    def dangling(self, chosen: list[int]) -> list[int]:
        """Indices into ``chosen`` of the candidates that lean on a sentence before them in their
        document that is not chosen (or not a candidate at all), unless the chosen ones before
        them resolve what they point to (:meth:`resolved`)."""
        taken = set(chosen)
        return [k for k, i in enumerate(chosen)
                if (prev := self.before(i)) is not None and prev not in taken and self.leans(i)
                and not self.resolved(i, taken)]

    def dangles(self, chosen: list[int]) -> bool:
        """Whether any of ``chosen`` leans on a sentence that is not chosen."""
        return bool(self.dangling(chosen))


__all__ = ["CONNECTIVES", "CONNECTIVE_PHRASES", "CONTEXT_MODES", "DEFINITE_HEADS", "DEMONSTRATIVES", "PRONOUNS",
           "Context", "Lean", "context_scores", "dangling", "lean", "leans_back"]
