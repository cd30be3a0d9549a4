"""Sentence vectors for centrality: TF-IDF with the corpus's idf, or MiniLM embeddings."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from toolkit.text.corpus import Corpus
from toolkit.text.terms import count_terms

REPRESENTATIONS = ("tfidf", "minilm")


class SentenceTfidf:
    """TF-IDF sentence vectors with idf over the corpus' documents (the LexRank paper's
    idf-modified cosine: idf from documents, term counts from sentences).

    Sentences are tokenised once (:func:`toolkit.terms.count_terms`: scikit-learn's
    default tokens, English stop words removed); a term's document frequency is counted
    from the sentence rows of each document, so the corpus is not tokenised a second
    time. idf is scikit-learn's smooth idf, ln((1 + n) / (1 + df)) + 1.

    Parameters
    ----------
    documents : list of list of str
        Each document's sentences.
    """

    def __init__(self, documents: list[list[str]]) -> None:
        self.sentences = [s for doc in documents for s in doc]
        counts, self.vocabulary = count_terms(self.sentences)
        sizes = np.array([len(d) for d in documents], dtype=np.int64)
        # documents x terms: how many of a document's sentences hold the term
        owner = sp.csr_matrix((np.ones(len(self.sentences)), np.repeat(np.arange(len(documents)), sizes),
                               np.arange(len(self.sentences) + 1)), shape=(len(self.sentences), len(documents)))
        df = np.bincount(sp.csr_matrix(owner.T @ counts).indices, minlength=counts.shape[1])
        self.idf = np.log((1.0 + len(documents)) / (1.0 + df)) + 1.0
        self.rows = self._weigh(counts)

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        counts = sp.csr_matrix(counts, dtype=np.float64)
        counts.data *= self.idf[counts.indices]
        return counts if counts.shape[1] else sp.csr_matrix((counts.shape[0], 1))

    @classmethod
    def for_corpus(cls, corpus: Corpus) -> SentenceTfidf:
        return cls([d.sentences for d in corpus])

    def __call__(self, sentences: list[str]) -> sp.csr_matrix:
        if sentences is self.sentences or sentences == self.sentences:
            return self.rows
        return self._weigh(count_terms(sentences, self.vocabulary)[0])


def sentence_encoder(representation: str, corpus: Corpus, embedder=None):
    """Sentences -> vectors: TF-IDF with the corpus' idf, or MiniLM (``embedder`` when it is a
    sentence-transformers embedder, such as a run's own, perhaps fine-tuned, encoder)."""
    if representation == "tfidf":
        return SentenceTfidf.for_corpus(corpus)
    from toolkit.embedding.embedders import MiniLMEmbedder, SentenceTransformerEmbedder

    if isinstance(embedder, SentenceTransformerEmbedder):
        return embedder.embed_texts
    return MiniLMEmbedder().embed_texts
