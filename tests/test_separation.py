"""Calinski-Harabasz and Davies-Bouldin from cluster sums equal scikit-learn's, on sparse TF-IDF
rows (never made dense) and on dense embeddings."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics
from sklearn.feature_extraction.text import TfidfVectorizer

from toolkit.evaluation.separation import calinski_harabasz, davies_bouldin
from toolkit.text import LOADERS


@pytest.fixture(scope="module")
def ag():
    corpus = LOADERS.get("builtin")(name="ag_news").load()
    texts = [d.text for d in corpus][:1500]
    gold = np.array([d.label for d in corpus][:1500])
    return TfidfVectorizer(min_df=2).fit_transform(texts), np.unique(gold, return_inverse=True)[1]


def test_sparse_scores_equal_scikit_learns(ag):
    X, labels = ag
    dense = X.toarray()
    assert calinski_harabasz(X, labels) == pytest.approx(metrics.calinski_harabasz_score(dense, labels), rel=1e-9)
    assert davies_bouldin(X, labels) == pytest.approx(metrics.davies_bouldin_score(dense, labels), rel=1e-9)


def test_dense_scores_equal_scikit_learns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 12)) + np.repeat(np.eye(12)[:4] * 3, 100, axis=0)
    labels = np.repeat(np.arange(4), 100)
    assert calinski_harabasz(X, labels) == pytest.approx(metrics.calinski_harabasz_score(X, labels), rel=1e-9)
    assert davies_bouldin(X, labels) == pytest.approx(metrics.davies_bouldin_score(X, labels), rel=1e-9)
