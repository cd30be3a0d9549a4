"""Loaders: read a data set from disk into a :class:`~toolkit.corpus.Corpus`.

Every loader is chosen by name (``dataset.loader`` in the experiment file) and
configured by its constructor's parameters. Reading is strict: a missing or
empty file, bytes that are not valid in the stated encoding, a column that does
not exist or a broken JSON line each raise a :class:`~toolkit.errors.DataError`
naming the file and the line or column at fault.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from toolkit.arrays import seeded_sample
from toolkit.errors import DataError, cut, shown
from toolkit.params import SEED, Boolean, Character, Component, Int, MappingOf, NoneValue, Options, Text
from toolkit.registry import Registry
from toolkit.text.cleaning import page_articles, repair_markup
from toolkit.text.corpus import Corpus, Document
from toolkit.text.dates import filename_date, parse_date
from toolkit.text.files import data_path, fingerprint, normalize_newlines, read_text, shown_path

LOADERS: Registry[Loader] = Registry("dataset.loader")


MAX_CHARS = 1_000_000  # per document; about 150,000 words


class Loader(Component):
    """Base class of loaders (scikit-learn estimators: parameters only, checked in ``load``).

    Parameters
    ----------
    sample : int or None
        Keep a seeded random sample of this many documents (in their original order).
    sample_seed : int
        Seed for ``sample``. Its own setting, fixed (0) unless given: the experiment's
        ``seed`` varies the algorithms, never which documents are drawn, so a sweep over
        seeds measures the methods' variance on one sample.
    max_chars : int or None
        Refuse a document longer than this many characters (None: no limit). One
        document of megabytes is usually a scraping accident (a whole dump in one
        record); raise the limit when it is not.
    markup : bool
        Repair markup in titles, texts and summaries (:func:`~toolkit.text.cleaning.clean_markup`):
        HTML entities and tags, entity residue that lost its ``&`` (``quot;``, `` #39;``) and
        the backslashes feeds leave for line breaks and before ``$``; what changed is counted per
        document in ``Corpus.repaired`` (the run's ``cleaning.jsonl``). False keeps the text as read.
    """

    _parameter_constraints = {"sample": [Int(1), NoneValue()], "sample_seed": SEED, "markup": [Boolean()],
                              "max_chars": [Int(1), NoneValue()], "path": [Text()], "encoding": [Text()],
                              "first_line_title": [Boolean()], "dates": [Options("filename"), NoneValue()]}
    _checked_methods = ("load",)

    def __init__(self, sample: int | None = None, *, sample_seed: int = 0,
                 max_chars: int | None = MAX_CHARS, markup: bool = True) -> None:
        self.sample = sample
        self.sample_seed = sample_seed
        self.max_chars = max_chars
        self.markup = markup

    def _load(self) -> Corpus:
        raise NotImplementedError

    def load(self) -> Corpus:
        """Read the data set; check ids; apply ``sample``."""
        corpus = self._load()
        if not corpus.documents:
            raise DataError(f"{corpus.name}: no documents found")
        seen: dict[str, str] = {}
        for doc in corpus:
            if doc.id in seen:
                raise DataError(f"{doc.source}: duplicate document id {doc.id!r} (first at {seen[doc.id]})")
            seen[doc.id] = doc.source
            size = len(doc.title) + len(doc.text)
            if self.max_chars is not None and size > self.max_chars:
                raise DataError(f"{doc.source}: document {doc.id!r} has {size:,} characters, more than "
                                f"dataset.max_chars = {self.max_chars:,}; raise the limit if it is meant to be one "
                                f"document")
        if self.sample is not None:
            if self.sample < 1:
                raise DataError(f"dataset.sample: must be at least 1, got {self.sample}")
            if self.sample < len(corpus):
                keep = seeded_sample(len(corpus), self.sample, self.sample_seed)
                corpus.documents = [corpus.documents[i] for i in keep]
                kept = {doc.id for doc in corpus.documents}
                corpus.removed = [r for r in corpus.removed if r.get("document") in kept]
        if self.markup:
            corpus.repaired = repair_markup(corpus.documents)
        return corpus


@LOADERS.register("scraped_page")
class ScrapedPageLoader(Loader):
    """A scraped news page (several articles and site furniture run together).

    Parameters
    ----------
    path : str
        The page as a text file.
    encoding : str
        The file's text encoding.
    min_paragraphs : int
        Fewest prose paragraphs that make an article.
    """

    _parameter_constraints = {**Loader._parameter_constraints, "min_paragraphs": [Int(1)]}

    def __init__(self, path: str, *, encoding: str = "utf-8", min_paragraphs: int = 3,
                 sample: int | None = None, sample_seed: int = 0,
                 max_chars: int | None = MAX_CHARS, markup: bool = True) -> None:
        super().__init__(sample, sample_seed=sample_seed, max_chars=max_chars, markup=markup)
        self.path = path
        self.encoding = encoding
        self.min_paragraphs = min_paragraphs

    def _load(self) -> Corpus:
        path = Path(self.path)
        text = read_text(path, self.encoding)
        articles = page_articles(text, str(path), self.min_paragraphs)
        docs, removed = [], []
        for n, art in enumerate(articles, start=1):
            doc_id = f"{path.stem}-{n:02d}"
            docs.append(Document(id=doc_id, title=art.title, text="\n".join(art.paragraphs),
                                 source=f"{path}#article{n}"))
            removed += [{"document": doc_id, "line": line, "reason": why} for line, why in art.removed]
        return Corpus(docs, name=path.stem, removed=removed, fingerprint=fingerprint([path]))


def title_and_body(text: str, first_line_title: bool) -> tuple[str, str]:
    """A text file's title (its first line, when ``first_line_title``) and body; line endings
    ``\\r\\n`` and ``\\r`` read as ``\\n``, the outer white space stripped."""
    text = normalize_newlines(text)
    if not first_line_title:
        return "", text.strip()
    head, _, body = text.strip().partition("\n")
    return head.strip(), body.strip()


@LOADERS.register("text_folder")
class TextFolderLoader(Loader):
    """A folder of plain-text files, one document each (searched recursively).

    Parameters
    ----------
    path : str
        The folder.
    pattern : str
        Glob for the files, relative to ``path``.
    first_line_title : bool
        Whether a file's first line is its title.
    encoding : str
        The files' text encoding.
    dates : {"filename"} or None
        ``filename``: each file's name starts with its date (``2019-03-01-budget.txt`` or
        ``20190301_budget.txt``); a file without one is an error.
    """

    _parameter_constraints = {**Loader._parameter_constraints, "pattern": [Text()]}

    def __init__(self, path: str, *, pattern: str = "**/*.txt", first_line_title: bool = False,
                 encoding: str = "utf-8", sample: int | None = None, sample_seed: int = 0,
                 max_chars: int | None = MAX_CHARS, dates: str | None = None, markup: bool = True) -> None:
        super().__init__(sample, sample_seed=sample_seed, max_chars=max_chars, markup=markup)
        self.path = path
        self.pattern = pattern
        self.first_line_title = first_line_title
        self.encoding = encoding
        self.dates = dates

    def _load(self) -> Corpus:
        root = Path(self.path)
        if not root.is_dir():
            raise DataError(f"{shown_path(root)}: no such folder")
        if Path(self.pattern).is_absolute():
            raise DataError(f"dataset.pattern: {shown(self.pattern)} is absolute; give the folder as dataset.path "
                            "and a pattern relative to it (for example **/*.txt)")
        files = sorted(p for p in root.glob(self.pattern) if p.is_file())
        if not files:
            raise DataError(f"{root}: no files match {self.pattern!r}")
        docs = []
        for f in files:
            title, body = title_and_body(read_text(f, self.encoding), self.first_line_title)
            docs.append(Document(id=f.relative_to(root).with_suffix("").as_posix(), title=title,
                                 text=body, source=str(f), date=_file_date(f, self.dates)))
        return Corpus(docs, name=root.name, fingerprint=fingerprint(files, root))


@LOADERS.register("labelled_folders")
class LabeledFoldersLoader(Loader):
    """``articles/<label>/*.txt`` with optional ``summaries/<label>/*.txt`` (same names).

    Parameters
    ----------
    path : str
        The folder holding ``articles/`` (and perhaps ``summaries/``).
    first_line_title : bool
        Whether an article's first line is its title.
    encoding : str
        The files' text encoding.
    dates : {"filename"} or None
        As for ``text_folder``: an article's file name starts with its date.
    """

    def __init__(self, path: str, *, first_line_title: bool = True, encoding: str = "utf-8",
                 sample: int | None = None, sample_seed: int = 0,
                 max_chars: int | None = MAX_CHARS, dates: str | None = None, markup: bool = True) -> None:
        super().__init__(sample, sample_seed=sample_seed, max_chars=max_chars, markup=markup)
        self.path = path
        self.first_line_title = first_line_title
        self.encoding = encoding
        self.dates = dates

    def _load(self) -> Corpus:
        root = Path(self.path)
        articles = root / "articles"
        if not articles.is_dir():
            raise DataError(f"{root}: expected a folder 'articles/<label>/' inside it")
        files = sorted(articles.glob("*/*.txt"))
        if not files:
            raise DataError(f"{articles}: no files match '<label>/*.txt'")
        docs, used = [], list(files)
        for f in files:
            label = f.parent.name
            title, body = title_and_body(read_text(f, self.encoding), self.first_line_title)
            summary_path = root / "summaries" / label / f.name
            summary = None
            if summary_path.is_file():
                summary = normalize_newlines(read_text(summary_path, self.encoding)).strip()
                used.append(summary_path)
            docs.append(Document(id=f"{label}/{f.stem}", title=title, text=body, label=label,
                                 summary=summary, source=str(f), date=_file_date(f, self.dates)))
        return Corpus(docs, name=root.name, fingerprint=fingerprint(used, root))


def _file_date(path: Path, dates: str | None) -> str | None:
    return filename_date(path.name, str(path)) if dates == "filename" else None


class _RecordLoader(Loader):
    """Shared field mapping of the CSV and JSONL loaders."""

    _parameter_constraints = {**Loader._parameter_constraints, "text": [Text()],
                              **{k: [Text(), NoneValue()] for k in ("title", "label", "id", "summary", "date",
                                                                   "date_format")},
                              "label_names": [MappingOf(Text()), NoneValue()],
                              "delimiter": [Character()]}

    def __init__(self, path: str, *, text: str = "text", title: str | None = None,
                 label: str | None = None, id: str | None = None, summary: str | None = None,
                 label_names: dict[str, str] | None = None, markup: bool = True,
                 encoding: str = "utf-8", sample: int | None = None, sample_seed: int = 0,
                 max_chars: int | None = MAX_CHARS, date: str | None = None, date_format: str | None = None) -> None:
        super().__init__(sample, sample_seed=sample_seed, max_chars=max_chars, markup=markup)
        self.path = path
        self.date = date
        self.date_format = date_format
        self.text = text
        self.title = title
        self.label = label
        self.id = id
        self.summary = summary
        self.label_names = label_names
        self.encoding = encoding

    def _fields(self) -> dict[str, str]:
        wanted = {"text": self.text, "title": self.title, "label": self.label,
                  "id": self.id, "summary": self.summary, "date": self.date}
        return {k: v for k, v in wanted.items() if v is not None}

    def _field(self, record: dict, key: str, where: str):
        """The value of dataset.``key``'s field: text fields take strings (null: empty), label and
        id also whole numbers; anything else is refused by file, line and field."""
        field = self._fields().get(key)
        value = None if field is None else record.get(field)
        if value is None or isinstance(value, str):
            return value
        if key in ("label", "id") and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        kind = {dict: "an object", list: "a list", bool: "a boolean"}.get(type(value), f"a {type(value).__name__}")
        expected = "a string or a whole number" if key in ("label", "id") else "a string"
        raise DataError(f"{where}: field {shown(field)} (dataset.{key}) must be {expected}, got {kind}")

    def _document(self, record: dict, where: str, number: int) -> Document:
        get = {k: self._field(record, k, where) for k in ("text", "title", "label", "id", "summary", "date")}
        label = get["label"]
        if label is not None and self.label_names:
            label = self.label_names.get(label, label)
        return Document(
            id=get["id"] if get["id"] not in (None, "") else str(number),
            title=get["title"] or "",
            text=get["text"] or "",
            label=label,
            summary=get["summary"],
            source=where,
            date=parse_date(get["date"], where, self.date, self.date_format) if get["date"] else None,
        )


@LOADERS.register("csv")
class CsvLoader(_RecordLoader):
    """A CSV file with a header row; one document per row.

    Parameters
    ----------
    path : str
        The file.
    text, title, label, id, summary, date : str or None
        Column names; ``text`` is required, the others optional. An empty date cell is no
        date; any other must parse (ISO 8601, or ``date_format``).
    date_format : str or None
        ``strptime`` pattern of the dates (``%d/%m/%Y``); None reads ISO 8601.
    label_names : dict or None
        Renames gold label values (``{"1": "World"}``).
    markup : bool
        Repair markup (see :class:`Loader`).
    delimiter : str
        Field separator.
    encoding : str
        The file's text encoding.
    """

    def __init__(self, path: str, *, text: str = "text", title: str | None = None,
                 label: str | None = None, id: str | None = None, summary: str | None = None,
                 label_names: dict[str, str] | None = None, markup: bool = True,
                 delimiter: str = ",", encoding: str = "utf-8", sample: int | None = None,
                 sample_seed: int = 0, max_chars: int | None = MAX_CHARS, date: str | None = None,
                 date_format: str | None = None) -> None:
        super().__init__(path, text=text, title=title, label=label, id=id, summary=summary, label_names=label_names,
                         markup=markup, encoding=encoding, sample=sample, sample_seed=sample_seed, max_chars=max_chars,
                         date=date, date_format=date_format)
        self.delimiter = delimiter

    def _load(self) -> Corpus:
        path = Path(self.path)
        text = read_text(path, self.encoding)
        # the csv module over the whole text: quoted fields keep their newlines, and only
        # \n, \r\n and \r end a row (str.splitlines would also break at \x0c, \x1e, U+2028 ...)
        csv.field_size_limit(max(csv.field_size_limit(), min(self.max_chars or sys.maxsize, 2**31 - 1)))
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=self.delimiter)
        try:
            columns = reader.fieldnames or []
            for key, column in self._fields().items():
                if column not in columns:
                    raise DataError(f"{shown_path(path)}: no column {shown(column)} for dataset.{key} "
                                    f"(columns: {cut(', '.join(columns), 200)})")
            docs = []
            for n, row in enumerate(reader, start=1):
                docs.append(self._document(row, f"{shown_path(path)}:{reader.line_num}", n))
        except csv.Error as err:
            raise DataError(f"{shown_path(path)}:{reader.line_num}: not valid CSV ({err})") from None
        return Corpus(docs, name=path.stem, fingerprint=fingerprint([path]))


@LOADERS.register("jsonl")
class JsonlLoader(_RecordLoader):
    """A JSON Lines file: one JSON object per line, one document each.

    Parameters
    ----------
    path : str
        The file.
    text, title, label, id, summary, date : str or None
        Field names; ``text`` is required, the others optional.
    date_format : str or None
        ``strptime`` pattern of the dates; None reads ISO 8601.
    label_names : dict or None
        Renames gold label values.
    markup : bool
        Repair markup (see :class:`Loader`).
    encoding : str
        The file's text encoding.
    """

    def _load(self) -> Corpus:
        path = Path(self.path)
        docs = []
        # JSON Lines ends a record at \n only: a string may hold U+2028, \x85 or \x0c
        for n, line in enumerate(read_text(path, self.encoding).split("\n"), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{shown_path(path)}:{n}: not valid JSON ({err.msg}: column {err.colno})") from None
            except RecursionError:
                raise DataError(f"{shown_path(path)}:{n}: JSON nested too deeply to read") from None
            if not isinstance(record, dict):
                raise DataError(f"{shown_path(path)}:{n}: expected a JSON object, got {type(record).__name__}")
            for key, field in self._fields().items():
                if field not in record:
                    raise DataError(f"{shown_path(path)}:{n}: no field {shown(field)} for dataset.{key} "
                                    f"(fields: {cut(', '.join(map(str, record)), 200)})")
            docs.append(self._document(record, f"{shown_path(path)}:{n}", n))
        return Corpus(docs, name=path.stem, fingerprint=fingerprint([path]))


# Data sets shipped with the package, as (loader, its parameters).
BUILTIN = {
    "skynews": (ScrapedPageLoader, {"path": "skynews_world_page.txt"}),
    "bbc_dev": (LabeledFoldersLoader, {"path": "bbc_dev"}),
    "ag_news": (CsvLoader, {
        "path": "ag_news_test.csv", "text": "description", "title": "title", "label": "label",
        "label_names": {"1": "World", "2": "Sports", "3": "Business", "4": "Sci/Tech"},
    }),
    "huffpost": (JsonlLoader, {
        "path": "huffpost_2018_2019.jsonl", "text": "short_description", "title": "headline", "label": "category",
        "date": "date",
    }),
}


@LOADERS.register("builtin")
class BuiltinLoader(Loader):
    """A data set shipped inside the package.

    Parameters
    ----------
    name : str
        ``skynews`` (the scraped Sky News World page), ``bbc_dev`` (100 BBC articles with
        reference summaries, 5 labels), ``ag_news`` (AG News test split, 7,600 items, 4 labels) or
        ``huffpost`` (4,481 HuffPost items of 2018-2019, 29 unbalanced categories; R. Misra's
        News Category Dataset, CC BY 4.0).
    """

    _parameter_constraints = {**Loader._parameter_constraints}  # "name" is added below, once BUILTIN exists

    def __init__(self, name: str = "skynews", *, sample: int | None = None,
                 sample_seed: int = 0,
                 max_chars: int | None = MAX_CHARS, markup: bool = True) -> None:
        super().__init__(sample, sample_seed=sample_seed, max_chars=max_chars, markup=markup)
        self.name = name

    def _load(self) -> Corpus:
        cls, params = BUILTIN[self.name]
        params = dict(params, path=str(data_path(params["path"])))
        corpus = cls(**params)._load()
        corpus.name = self.name
        return corpus


BuiltinLoader._parameter_constraints["name"] = [Options(*sorted(BUILTIN))]
