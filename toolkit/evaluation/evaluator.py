"""Evaluation: clustering measures (scikit-learn) and ROUGE (Google's rouge-score)."""

from __future__ import annotations

import re

import numpy as np
from sklearn import metrics

from toolkit.arrays import seeded_sample
from toolkit.evaluation.separation import calinski_harabasz, davies_bouldin
from toolkit.params import SEED, Boolean, Component, Int
from toolkit.summarization.units import Summary

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
_RUN_TOGETHER = re.compile(r"(?<=[a-z0-9%)][.!?])(?=[A-Z\"“‘'])")


def purity(labels_true, labels_pred) -> float:
    """Share of documents in their cluster's majority gold label."""
    table = metrics.cluster.contingency_matrix(labels_true, labels_pred)
    return float(table.max(axis=0).sum() / table.sum())


def name_accuracy(topics: list, documents, labels: np.ndarray) -> float | None:
    """Share of documents whose topic's name equals their gold label (case-insensitive)."""
    gold = [d.label for d in documents]
    if any(g is None for g in gold):
        return None
    names = {t.id: t.name.casefold() for t in topics}
    return round(float(np.mean([names[int(c)] == g.casefold() for c, g in zip(labels, gold)])), 6)


SILHOUETTE_SAMPLE = 5000


def clustering_scores(labels_pred: np.ndarray, X, labels_true=None, random_state: int = 0) -> dict:
    """External measures when gold labels exist, internal ones when the data allows.

    Outliers (label -1) count as one more cluster for the external measures and
    are left out of the internal ones. Silhouette, quadratic in the documents, uses a
    seeded sample of SILHOUETTE_SAMPLE documents on larger corpora (``silhouette_sample``).
    """
    out: dict = {"n_clusters": int(len(set(labels_pred.tolist()) - {-1})),
                 "outlier_share": round(float(np.mean(labels_pred < 0)), 6)}
    if labels_true is not None:
        h, c, v = metrics.homogeneity_completeness_v_measure(labels_true, labels_pred)
        out.update({
            "nmi": metrics.normalized_mutual_info_score(labels_true, labels_pred),
            "ami": metrics.adjusted_mutual_info_score(labels_true, labels_pred),
            "ari": metrics.adjusted_rand_score(labels_true, labels_pred),
            "homogeneity": h, "completeness": c, "v_measure": v,
            "purity": purity(labels_true, labels_pred),
        })
    keep = labels_pred >= 0
    k = len(set(labels_pred[keep].tolist()))
    if 2 <= k < int(keep.sum()):
        Xk = X[keep]
        sample = min(SILHOUETTE_SAMPLE, Xk.shape[0])
        out["silhouette_cosine"] = metrics.silhouette_score(
            Xk, labels_pred[keep], metric="cosine", sample_size=sample if sample < Xk.shape[0] else None,
            random_state=random_state)
        out["silhouette_sample"] = sample
        out["davies_bouldin"] = davies_bouldin(Xk, labels_pred[keep])  # sparse stays sparse
        out["calinski_harabasz"] = calinski_harabasz(Xk, labels_pred[keep])
    return {key: round(float(v), 6) if isinstance(v, float | np.floating) else v for key, v in out.items()}


def contingency(labels_pred: np.ndarray, labels_true: list[str], names: dict[int, str]) -> dict:
    """Cluster x gold label counts: ``{"rows": [topic names], "ids": [topic ids], "columns": [labels],
    "counts": [[...]]}`` (topics by id, outliers last)."""
    clusters = sorted(set(labels_pred.tolist()), key=lambda c: (c < 0, c))
    gold = sorted(set(labels_true))
    table = np.zeros((len(clusters), len(gold)), dtype=int)
    row = {c: i for i, c in enumerate(clusters)}
    col = {g: j for j, g in enumerate(gold)}
    for c, g in zip(labels_pred.tolist(), labels_true):
        table[row[c], col[g]] += 1
    return {"rows": [names.get(c, str(c)) for c in clusters], "ids": [int(c) for c in clusters], "columns": gold,
            "counts": table.tolist()}


def split_reference(text: str, split) -> str:
    """Reference sentences one per line (for ROUGE-Lsum); mends sentences run together."""
    return "\n".join(split(_RUN_TOGETHER.sub(" ", text)))


def bootstrap_ci(values: np.ndarray, n_resamples: int, seed: int) -> list[float]:
    """Percentile 95% interval of the mean, from a seeded bootstrap."""
    if len(values) < 2 or n_resamples <= 0:
        return [float(values.mean()), float(values.mean())] if len(values) else [0.0, 0.0]
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(values), size=(n_resamples, len(values)))
    means = values[idx].mean(axis=1)
    return [round(float(x), 6) for x in np.percentile(means, [2.5, 97.5])]


def rouge_per_pair(pairs: list[tuple[str, str]], use_stemmer: bool = True) -> np.ndarray:
    """F1 of each ROUGE type (columns, in ROUGE_TYPES order) for each (prediction, reference) pair."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=use_stemmer)
    scores = [scorer.score(ref, pred) for pred, ref in pairs]  # all types in one call per pair
    return np.array([[s[t].fmeasure for t in ROUGE_TYPES] for s in scores],
                    dtype=np.float64).reshape(len(pairs), len(ROUGE_TYPES))


def rouge_scores(pairs: list[tuple[str, str]], n_resamples: int = 1000, seed: int = 0,
                 use_stemmer: bool = True) -> dict:
    """Mean F1 of each ROUGE type over (prediction, reference) pairs, with 95% intervals.

    Both texts carry one sentence per line, as ROUGE-Lsum expects.
    """
    table = rouge_per_pair(pairs, use_stemmer)
    out: dict = {"n": len(pairs)}
    for j, name in enumerate(ROUGE_TYPES):
        out[name] = round(float(table[:, j].mean()), 6)
        out[f"{name}_ci95"] = bootstrap_ci(table[:, j], n_resamples, seed)
    return out


def paired_bootstrap(a: np.ndarray, b: np.ndarray, n_resamples: int = 10000, seed: int = 0) -> dict:
    """Mean difference a - b over paired items, its 95% bootstrap interval, and the
    share of resamples in which a is not better (a one-sided bootstrap p-value)."""
    rng = np.random.default_rng(seed)
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    idx = rng.integers(0, len(d), size=(n_resamples, len(d)))
    means = d[idx].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return {"mean_difference": float(d.mean()), "ci95": [float(lo), float(hi)],
            "p_not_better": float(np.mean(means <= 0))}


class Evaluator(Component):
    """What to measure.

    Parameters
    ----------
    clustering : bool
        Clustering measures (external with gold labels, internal always).
    summaries : bool
        ROUGE of document summaries against reference summaries, where the data has them, and
        for every run with summaries how many picked sentences dangle (lean on a sentence
        before them that was not picked: :func:`toolkit.summarization.context.context_scores`),
        per unit, as ``summaries.context``.
    topic_quality : bool
        NPMI coherence of the keywords on the corpus itself, and topic diversity.
    coherence_window : int
        Sliding window (tokens) for NPMI co-occurrence.
    coherence_sample : int
        NPMI is counted on a seeded sample of this many documents when the corpus has more
        (its size is recorded as ``topics.npmi_documents``): its cost is then bounded, and the
        probabilities it estimates from 20,000 documents are already tight.
    bootstrap : int
        Resamples for the 95% intervals.
    stemmer : bool
        Porter stemming inside ROUGE.
    random_state : int
        Seed of the bootstrap; set from the experiment's seed.
    """

    _checked_methods = ("evaluate",)

    _parameter_constraints = {"clustering": [Boolean()], "summaries": [Boolean()], "topic_quality": [Boolean()],
                              "coherence_window": [Int(2)], "coherence_sample": [Int(1)], "bootstrap": [Int(0)],
                              "stemmer": [Boolean()],
                              "random_state": SEED}

    def __init__(self, clustering: bool = True, *, summaries: bool = True, topic_quality: bool = True,
                 coherence_window: int = 10, coherence_sample: int = 20_000, bootstrap: int = 1000,
                 stemmer: bool = True, random_state: int = 0) -> None:
        self.clustering = clustering
        self.topic_quality = topic_quality
        self.coherence_window = coherence_window
        self.coherence_sample = coherence_sample
        self.summaries = summaries
        self.bootstrap = bootstrap
        self.stemmer = stemmer
        self.random_state = random_state

    def evaluate(self, corpus, labels, X, summaries: list[Summary], split, topics=None, fold=None) -> dict:
        """Every measure asked for, as the nested dict ``metrics.json`` holds.

        Parameters
        ----------
        corpus : Corpus
        labels : ndarray of int
            Each document's topic (-1: outlier).
        X : array or sparse matrix
            The space that was clustered (for the internal measures).
        summaries : list of Summary
        split : callable
            The run's sentence splitter (references are split the same way).
        topics : list of Topic, optional
        fold : callable, optional
            The keywords' word folding (:meth:`~toolkit.topics.vocabulary.KeywordVocabulary.fold`),
            so that NPMI counts a keyword in every form it stands for.
        """
        out: dict = {}
        if self.clustering:
            out["clustering"] = clustering_scores(labels, X, corpus.labels, self.random_state)
            if topics is not None and corpus.labels is not None:
                accuracy = name_accuracy(topics, corpus, labels)
                if accuracy is not None:
                    out["clustering"]["name_accuracy"] = accuracy
                out["contingency"] = contingency(labels, corpus.labels, {t.id: t.name for t in topics})
        if self.topic_quality and topics:
            from toolkit.evaluation.coherence import npmi_coherence, topic_diversity

            kept = [t for t in topics if t.id >= 0]
            keywords = [[k for k, _ in t.keywords] for t in kept]
            texts = [d.full_text for d in corpus]
            if len(texts) > self.coherence_sample:
                texts = [texts[i] for i in seeded_sample(len(texts), self.coherence_sample, self.random_state)]
            coherence = npmi_coherence(keywords, texts, self.coherence_window, fold=fold)
            out["topics"] = {"npmi": coherence["npmi"], "npmi_window": coherence["window"],
                             "npmi_top_n": coherence["top_n"], "npmi_documents": len(texts),
                             "diversity": topic_diversity(keywords),
                             "npmi_per_topic": dict(zip([t.name for t in kept], coherence["per_topic"]))}
        refs = {d.id: d.summary for d in corpus if d.summary}
        pairs = [("\n".join(s["text"] for s in summ.sentences), split_reference(refs[summ.id], split))
                 for summ in summaries if summ.unit == "document" and summ.id in refs]
        if self.summaries and pairs:
            out["summaries"] = {"document": rouge_scores(pairs, self.bootstrap, self.random_state,
                                                         self.stemmer)}
        if self.summaries and summaries:
            from toolkit.summarization.context import context_scores

            units = sorted({s.unit for s in summaries})
            out.setdefault("summaries", {})["context"] = {
                unit: context_scores(s for s in summaries if s.unit == unit) for unit in units}
        return out
