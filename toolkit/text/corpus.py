"""The plain objects that flow between pipeline stages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Document:
    """One article or news item.

    Attributes
    ----------
    id : str
        Unique within its corpus.
    title : str
        Headline; may be empty.
    text : str
        Cleaned body text, paragraphs separated by blank lines.
    sentences : list of str
        Filled by the sentence splitter.
    label : str or None
        Gold topic label, where the data set has one.
    summary : str or None
        Reference summary, where the data set has one.
    source : str
        Where it came from (file path, row number).
    date : str or None
        When it was published, ISO 8601 (``2019-03-01`` or ``2019-03-01T14:30:00``), where
        the data set has dates (:mod:`toolkit.text.dates`).
    """

    id: str
    title: str
    text: str
    sentences: list[str] = field(default_factory=list)
    label: str | None = None
    summary: str | None = None
    source: str = ""
    date: str | None = None

    @property
    def full_text(self) -> str:
        """Title and body as one text (title on the first line), as clustering, keywords and
        coherence read a document."""
        return f"{self.title}\n{self.text}"

    def heading(self, words: int = 12) -> str:
        """The title, or for an untitled document its first ``words`` words (then "…")."""
        if self.title.strip():
            return self.title
        head = self.text.split()
        return " ".join(head[:words]) + ("…" if len(head) > words else "") or self.id


@dataclass
class Corpus:
    """An ordered collection of documents, plus what cleaning removed or found.

    Attributes
    ----------
    documents : list of Document
    name : str
        Data set name, for reports.
    removed : list of dict
        Lines the cleaner dropped, each ``{"document", "line", "reason"}``.
    repaired : list of dict
        Documents whose markup was repaired, each ``{"document", "reason", "changes"}`` with
        ``changes`` counting what was changed (:func:`toolkit.text.cleaning.repair_markup`).
    duplicates : list of dict
        Near-duplicate passages across documents, filled by :mod:`toolkit.duplicates`.
    fingerprint : str
        Hash of the input files' bytes, so the run id changes when the data does.
    """

    documents: list[Document]
    name: str = ""
    removed: list[dict] = field(default_factory=list)
    repaired: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    fingerprint: str = ""

    def __len__(self) -> int:
        return len(self.documents)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def __getitem__(self, i: int) -> Document:
        return self.documents[i]

    @property
    def labels(self) -> list[str] | None:
        """Gold labels, or None unless every document has one."""
        labels = [d.label for d in self.documents]
        return None if any(label is None for label in labels) else labels  # type: ignore[return-value]
