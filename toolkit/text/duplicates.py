"""Near-duplicate passages across documents (a page that carries one analysis twice)."""

from __future__ import annotations

from collections import defaultdict

from toolkit.params import Component, Int
from toolkit.text.cleaning import normalize_text
from toolkit.text.corpus import Corpus


class DuplicateFinder(Component):
    """Near-duplicate passage detection, the ``duplicates`` section of an experiment
    (:func:`find_duplicate_passages` does the work).

    Parameters
    ----------
    min_sentences : int
        Fewest shared sentences that make a passage.
    min_words : int
        Shorter sentences are not matched.
    max_gap : int
        Unmatched sentences allowed inside a passage.
    max_documents : int
        A sentence found in more documents than this is boilerplate (a wire service's
        credit line), not a copied passage: it is not matched, and the pairs of documents
        compared stay linear in the corpus rather than quadratic in such a sentence's count.
    """

    _parameter_constraints = {"min_sentences": [Int(1)], "min_words": [Int(1)], "max_gap": [Int(0)],
                              "max_documents": [Int(2)]}
    _checked_methods = ("find",)

    def __init__(self, min_sentences: int = 2, *, min_words: int = 4, max_gap: int = 1,
                 max_documents: int = 20) -> None:
        self.min_sentences = min_sentences
        self.min_words = min_words
        self.max_gap = max_gap
        self.max_documents = max_documents

    def find(self, corpus: Corpus) -> list[dict]:
        """The passages shared between pairs of ``corpus``'s documents (sentences split)."""
        return find_duplicate_passages(corpus, self.min_sentences, self.min_words, self.max_gap, self.max_documents)


def find_duplicate_passages(corpus: Corpus, min_sentences: int = 2, min_words: int = 4,
                            max_gap: int = 1, max_documents: int = 20) -> list[dict]:
    """Runs of shared sentences between pairs of documents.

    Sentences match when equal after folding case, quotes, dashes and punctuation.
    Matches in the same order in both documents, at most ``max_gap`` unmatched
    sentences apart, form one passage.

    Parameters
    ----------
    corpus : Corpus
        With sentences split.
    min_sentences : int
        Fewest shared sentences that make a passage.
    min_words : int
        Shorter sentences ("Now we know.") are too common to count.
    max_gap : int
        Unmatched sentences allowed inside a passage, on either side.
    max_documents : int
        Sentences found in more documents than this (boilerplate) are not matched.

    Returns
    -------
    list of dict
        ``{"documents": [a, b], "sentences": [[start, end], [start, end]], "shared": k,
        "share_of": {a: fraction, b: fraction}, "text": first shared sentence}``.
    """
    where: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for d, doc in enumerate(corpus):
        for i, sentence in enumerate(doc.sentences):
            key = normalize_text(sentence)
            if len(key.split()) >= min_words:
                where[key].append((d, i))
    pairs: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for places in where.values():
        docs = {d for d, _ in places}
        if len(docs) < 2 or len(docs) > max_documents:
            continue
        for a, i in places:
            for b, j in places:
                if a < b:
                    pairs[(a, b)].append((i, j))
    passages = []
    for (a, b), matches in sorted(pairs.items()):
        matches.sort()
        runs: list[list[tuple[int, int]]] = []
        for i, j in matches:
            if runs:
                pi, pj = runs[-1][-1]
                if 0 < i - pi <= max_gap + 1 and 0 < j - pj <= max_gap + 1:
                    runs[-1].append((i, j))
                    continue
            runs.append([(i, j)])
        da, db = corpus[a], corpus[b]
        for run in runs:
            if len(run) < min_sentences:
                continue
            passages.append({
                "documents": [da.id, db.id],
                "sentences": [[run[0][0], run[-1][0]], [run[0][1], run[-1][1]]],
                "shared": len(run),
                "share_of": {da.id: round(len(run) / len(da.sentences), 4),
                             db.id: round(len(run) / len(db.sentences), 4)},
                "text": da.sentences[run[0][0]],
            })
    return passages
