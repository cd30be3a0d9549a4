"""Topic descriptions: class-based TF-IDF keywords, exemplars and names."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from toolkit.corpus import Corpus


@dataclass
class Topic:
    """One cluster, described.

    Attributes
    ----------
    id : int
        Cluster label (-1: outliers).
    name : str
        Chosen from the candidate names, else built from the top keywords.
    keywords : list of (str, float)
        Terms ranked by class-based TF-IDF.
    size : int
        Number of documents.
    documents : list of str
        Document ids, in corpus order.
    exemplars : list of str
        Ids of the documents nearest the topic's centroid.
    name_score : float or None
        Cosine similarity of the chosen name to the centroid.
    """

    id: int
    name: str
    keywords: list[tuple[str, float]]
    size: int
    documents: list[str]
    exemplars: list[str] = field(default_factory=list)
    name_score: float | None = None


def class_tfidf(texts_per_class: list[str], stop_words: str | None = "english"
                ) -> tuple[np.ndarray, np.ndarray]:
    """Class-based TF-IDF (as in BERTopic): ``tf(t, c) * log(1 + A / f(t))``.

    Parameters
    ----------
    texts_per_class : list of str
        All text of each class, joined.
    stop_words : str or None
        Passed to CountVectorizer.

    Returns
    -------
    weights : ndarray, shape (n_classes, n_terms)
    terms : ndarray of str
    """
    vectorizer = CountVectorizer(stop_words=stop_words, token_pattern=r"(?u)\b[^\W\d_][\w'-]*\w\b")
    counts = vectorizer.fit_transform(texts_per_class).astype(np.float64)
    tf = normalize(counts, norm="l1")
    words_per_class = np.asarray(counts.sum(axis=1)).ravel()
    avg_words = words_per_class.mean()
    term_freq = np.asarray(counts.sum(axis=0)).ravel()
    idf = np.log1p(avg_words / term_freq)
    weights = sp.csr_matrix(tf).multiply(idf).toarray()
    return weights, vectorizer.get_feature_names_out()


def _dense(X) -> np.ndarray:
    return X.toarray() if sp.issparse(X) else np.asarray(X)


class TopicDescriber:
    """Describe clusters: keywords, exemplars and names.

    Parameters
    ----------
    keywords : int
        Keywords per topic.
    names : list of str or None
        Candidate topic names; each topic gets at most one and each name goes to at
        most one topic (Hungarian assignment on embedding similarity).
    exemplars : int
        Exemplar documents per topic.
    """

    def __init__(self, keywords: int = 10, names: list[str] | None = None, exemplars: int = 3) -> None:
        self.keywords = keywords
        self.names = names
        self.exemplars = exemplars

    def fit_transform(self, corpus: Corpus, labels: np.ndarray, embeddings, embed_texts) -> list[Topic]:
        """Describe every cluster of ``labels``.

        Parameters
        ----------
        corpus : Corpus
        labels : ndarray of int
            Cluster per document (-1: outlier).
        embeddings : array or sparse matrix
            Document embeddings (unreduced), rows L2-normalised.
        embed_texts : callable
            Embeds candidate names in the same space as ``embeddings``.

        Returns
        -------
        list of Topic
            Ordered by cluster id, outliers last.
        """
        ids = sorted(set(labels.tolist()), key=lambda c: (c < 0, c))
        texts = [" ".join(f"{d.title}\n{d.text}" for d, lab in zip(corpus, labels) if lab == c)
                 for c in ids]
        weights, terms = class_tfidf(texts)
        emb = _dense(embeddings)
        topics = []
        centroids = []
        for row, c in enumerate(ids):
            members = np.flatnonzero(labels == c)
            order = np.argsort(-weights[row], kind="stable")[: self.keywords]
            keywords = [(str(terms[j]), round(float(weights[row, j]), 6)) for j in order if weights[row, j] > 0]
            centroid = emb[members].mean(axis=0)
            norm = np.linalg.norm(centroid)
            centroid = centroid / norm if norm > 0 else centroid
            centroids.append(centroid)
            sims = emb[members] @ centroid
            best = members[np.argsort(-sims, kind="stable")[: self.exemplars]]
            topics.append(Topic(
                id=int(c),
                name="outliers" if c < 0 else " / ".join(k for k, _ in keywords[:3]),
                keywords=keywords,
                size=len(members),
                documents=[corpus[i].id for i in members],
                exemplars=[corpus[i].id for i in best],
            ))
        named = [t for t in topics if t.id >= 0]
        if self.names and named:
            name_vecs = _dense(embed_texts(list(self.names)))
            norms = np.linalg.norm(name_vecs, axis=1, keepdims=True)
            name_vecs = np.divide(name_vecs, norms, out=np.zeros_like(name_vecs), where=norms > 0)
            sim = np.vstack([centroids[i] for i, t in enumerate(topics) if t.id >= 0]) @ name_vecs.T
            rows, cols = linear_sum_assignment(-sim)
            for r, c in zip(rows, cols):
                named[r].name = self.names[c]
                named[r].name_score = round(float(sim[r, c]), 6)
        return topics
