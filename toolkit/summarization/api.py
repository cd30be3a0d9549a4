"""Summarising text without a pipeline: ``toolkit.summarize("...", method="consensus", ratio=0.3)``."""

from __future__ import annotations

from toolkit.errors import ConfigError
from toolkit.summarization.methods import SUMMARIZERS
from toolkit.summarization.units import Summary


def summarize(text_or_texts, method: str = "consensus", *, sentences: int | None = None, ratio: float | None = None,
              words: int | None = None, splitter: str = "blingfire", **params) -> Summary | list[Summary]:
    """Extractive summaries of one text or several.

    Parameters
    ----------
    text_or_texts : str, or list of str (or of Document)
        One document, or several: summarised together, so TF-IDF's idf comes from all of them.
    method : str
        ``consensus`` (the default: TextRank and LexRank in agreement, the best on the BBC dev
        articles), ``textrank``, ``lexrank``, ``degree``, ``centroid``, ``lead`` or ``random``.
    sentences, ratio, words : optional
        The budget: give one (default: 3 sentences).
    splitter : str
        Sentence splitter (``blingfire``, ``nupunkt``, ``syntok``, ``pysbd``).
    **params
        Any other parameter of the method's summariser class (``representation="minilm"``,
        ``mmr=0.7``, ``threshold=0.1`` ...).

    Returns
    -------
    Summary or list of Summary
        One per text; a :class:`Summary` has ``text``, ``sentences`` (each chosen sentence with
        its score, rank and position) and ``scores`` (every sentence's score).

    Examples
    --------
    >>> import toolkit
    >>> s = toolkit.summarize(article, ratio=0.3)          # doctest: +SKIP
    >>> print(s.text)                                      # doctest: +SKIP
    """
    from toolkit.text.sentences import SPLITTERS, as_corpus

    cls = SUMMARIZERS.get(method, "method")
    try:
        summarizer = cls(sentences=sentences, ratio=ratio, words=words, units=("document",), **params)
    except TypeError as err:
        raise ConfigError(f"{cls.__name__}: {err}") from None
    docs = as_corpus(text_or_texts, SPLITTERS.get(splitter, "splitter")())
    summaries = summarizer.fit_transform(docs)
    return summaries[0] if isinstance(text_or_texts, str) else summaries


__all__ = ["summarize"]
