"""Text in: the Corpus and Document objects, loaders, page cleaning, sentence splitting,
near-duplicate passages and fast term counting."""

from toolkit.text.cleaning import clean_markup, normalize_text, page_articles, split_page
from toolkit.text.corpus import Corpus, Document
from toolkit.text.duplicates import find_duplicate_passages
from toolkit.text.files import data_path, read_text
from toolkit.text.loaders import LOADERS, Loader, title_and_body
from toolkit.text.sentences import SPLITTERS, SentenceSplitter, as_corpus, has_words
from toolkit.text.terms import count_terms, token_key

__all__ = ["LOADERS", "SPLITTERS", "Corpus", "Document", "Loader", "SentenceSplitter", "as_corpus", "clean_markup",
           "count_terms", "data_path", "find_duplicate_passages", "has_words", "normalize_text", "page_articles",
           "read_text", "split_page", "title_and_body", "token_key"]
