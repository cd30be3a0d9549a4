"""Topic descriptions: class-based TF-IDF keywords, exemplars and names."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from toolkit.arrays import to_dense
from toolkit.params import Component, Int, ListOf, NoneValue, Number, Text
from toolkit.text.corpus import Corpus
from toolkit.text.terms import KEYWORD_PATTERN


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

    @classmethod
    def from_dict(cls, record: dict) -> Topic:
        """A Topic from its JSON form (``dataclasses.asdict``): keywords back to pairs."""
        return cls(**{**record, "keywords": [tuple(k) for k in record["keywords"]]})


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
    vectorizer = CountVectorizer(stop_words=stop_words, token_pattern=KEYWORD_PATTERN)
    try:
        counts = vectorizer.fit_transform(texts_per_class).astype(np.float64)
    except ValueError:  # no word but stop words: every topic's keywords are empty
        return np.zeros((len(texts_per_class), 0)), np.array([], dtype=str)
    tf = normalize(counts, norm="l1")
    words_per_class = np.asarray(counts.sum(axis=1)).ravel()
    avg_words = words_per_class.mean()
    term_freq = np.asarray(counts.sum(axis=0)).ravel()
    idf = np.log1p(avg_words / term_freq)
    weights = sp.csr_matrix(tf).multiply(idf).toarray()
    return weights, vectorizer.get_feature_names_out()



class TopicDescriber(Component):
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
    diversity : float or None
        None: keywords by c-TF-IDF alone. A number in [0, 1]: re-rank the top
        ``candidates`` terms by maximal marginal relevance on word embeddings, trading
        relevance to the topic for difference from keywords already chosen (as
        BERTopic's MaximalMarginalRelevance; 0 = pure relevance).
    candidates : int
        Terms considered by the diversity re-ranking.
    """

    _parameter_constraints = {"keywords": [Int(1)], "names": [ListOf(Text(), unique=True), NoneValue()],
                              "exemplars": [Int(0)], "diversity": [Number(0, 1), NoneValue()],
                              "candidates": [Int(1)]}

    def __init__(self, keywords: int = 10, names: list[str] | tuple[str, ...] | None = None, exemplars: int = 3,
                 diversity: float | None = None, candidates: int = 30) -> None:
        self.keywords = keywords
        self.names = names
        self.exemplars = exemplars
        self.diversity = diversity
        self.candidates = candidates

    def fit(self, corpus: Corpus, labels: np.ndarray, embeddings, embed_texts):
        """Describe every cluster of ``labels``; the topics are in ``topics_``.

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
        self._validate_params()
        labels = np.asarray(labels)
        ids = sorted(set(labels.tolist()), key=lambda c: (c < 0, c))
        texts = [" ".join(d.full_text for d, lab in zip(corpus, labels) if lab == c)
                 for c in ids]
        weights, terms = class_tfidf(texts)
        emb = to_dense(embeddings)
        topics = []
        centroids = []
        for row, c in enumerate(ids):
            members = np.flatnonzero(labels == c)
            centroid = emb[members].mean(axis=0)
            norm = np.linalg.norm(centroid)
            centroid = centroid / norm if norm > 0 else centroid
            pool = self.candidates if self.diversity is not None else self.keywords
            order = [j for j in np.argsort(-weights[row], kind="stable")[:pool] if weights[row, j] > 0]
            if self.diversity is not None and order:
                order = self._mmr([str(terms[j]) for j in order], order, centroid, embed_texts)
            keywords = [(str(terms[j]), round(float(weights[row, j]), 6)) for j in order[: self.keywords]]
            centroids.append(centroid)
            sims = emb[members] @ centroid
            best = members[np.argsort(-sims, kind="stable")[: self.exemplars]]
            topics.append(Topic(
                id=int(c),
                name="outliers" if c < 0 else " / ".join(k for k, _ in keywords[:3]) or f"topic {c}",
                keywords=keywords,
                size=len(members),
                documents=[corpus[i].id for i in members],
                exemplars=[corpus[i].id for i in best],
            ))
        named = [t for t in topics if t.id >= 0]
        if self.names and named:
            name_vecs = to_dense(embed_texts(list(self.names)))
            norms = np.linalg.norm(name_vecs, axis=1, keepdims=True)
            name_vecs = np.divide(name_vecs, norms, out=np.zeros_like(name_vecs), where=norms > 0)
            sim = np.vstack([centroids[i] for i, t in enumerate(topics) if t.id >= 0]) @ name_vecs.T
            rows, cols = linear_sum_assignment(-sim)
            for r, c in zip(rows, cols):
                named[r].name = self.names[c]
                named[r].name_score = round(float(sim[r, c]), 6)
        self.topics_ = topics
        return self

    def fit_transform(self, corpus: Corpus, labels: np.ndarray, embeddings, embed_texts) -> list[Topic]:
        """:meth:`fit`, returning the topics (ordered by cluster id, outliers last)."""
        return self.fit(corpus, labels, embeddings, embed_texts).topics_

    def _mmr(self, words: list[str], order: list[int], centroid: np.ndarray, embed_texts) -> list[int]:
        vecs = to_dense(embed_texts(words))
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = np.divide(vecs, norms, out=np.zeros_like(vecs), where=norms > 0)
        relevance = vecs @ centroid if vecs.shape[1] == centroid.shape[0] else np.linspace(1, 0, len(words))
        chosen = [0]  # the top c-TF-IDF term always leads
        while len(chosen) < min(self.keywords, len(words)):
            redundancy = (vecs @ vecs[chosen].T).max(axis=1)
            gain = (1 - self.diversity) * relevance - self.diversity * redundancy
            gain[chosen] = -np.inf
            chosen.append(int(np.argmax(gain)))
        return [order[i] for i in chosen]


def name_accuracy(topics: list[Topic], documents, labels: np.ndarray) -> float | None:
    """Share of documents whose topic's name equals their gold label (case-insensitive)."""
    gold = [d.label for d in documents]
    if any(g is None for g in gold):
        return None
    names = {t.id: t.name.casefold() for t in topics}
    return round(float(np.mean([names[int(c)] == g.casefold() for c, g in zip(labels, gold)])), 6)
