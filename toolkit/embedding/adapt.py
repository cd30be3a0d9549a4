"""Encoder adaptation: fine-tune the sentence encoder on a clustering's own confident documents.

A frozen MiniLM places news by everything a text says; a corpus's topics are one
direction among many. Self-training sharpens that direction without any label: the
documents nearest their cluster centre (largest margin over the second-nearest centre)
become pseudo-labelled training data, the encoder is fine-tuned to tell those clusters
apart (a linear head initialised at the centroids, cross-entropy), the corpus is embedded
again with the tuned encoder and clustered again. The tuned encoder is used by every
later stage of the run (topic names, MiniLM sentence vectors); it is never cached.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable

import numpy as np

from toolkit.errors import ConfigError
from toolkit.params import SEED, Component, Int, Number
from toolkit.registry import Registry
from toolkit.text.corpus import Corpus

log = logging.getLogger("toolkit")
ADAPTERS: Registry[Adapter] = Registry("adapt.method")


class Adapter(Component):
    """Base class: ``fit_transform`` returns the embedder to use from now on, the
    corpus's new document embeddings and its new labels."""

    active = False

    def check(self, embedder) -> None:
        """A ConfigError, before any work, when this adapter cannot adapt ``embedder``."""

    def fit_transform(self, embedder, corpus: Corpus, X: np.ndarray, labels: np.ndarray,
                      recluster: Callable[[np.ndarray], np.ndarray]):
        return embedder, X, labels


@ADAPTERS.register("none")
class NoAdaptation(Adapter):
    """The embeddings as the model gives them (the default)."""


def _unit(X: np.ndarray) -> np.ndarray:
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


def centroids(X: np.ndarray, labels: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Unit-length mean direction of each cluster's unit-length rows."""
    Xn = _unit(X)
    return _unit(np.stack([Xn[labels == c].mean(axis=0) for c in clusters]))


def confident(X: np.ndarray, labels: np.ndarray, share: float) -> np.ndarray:
    """Per cluster, the ``share`` of its documents with the largest margin between the
    cosine to their own cluster's centroid and to the nearest other one (outliers and
    documents nearer another centroid are left out).

    Returns
    -------
    ndarray of bool
    """
    clusters = np.unique(labels[labels >= 0])
    keep = np.zeros(len(labels), dtype=bool)
    if len(clusters) < 2:
        return keep
    Xn = _unit(X)
    sims = Xn @ centroids(X, labels, clusters).T
    own = np.full(len(labels), -1)
    own[labels >= 0] = np.searchsorted(clusters, labels[labels >= 0])
    rows = np.flatnonzero(own >= 0)
    mine = sims[rows, own[rows]]
    others = sims[rows].copy()
    others[np.arange(len(rows)), own[rows]] = -np.inf
    margin = np.full(len(labels), -np.inf)
    margin[rows] = mine - others.max(axis=1)
    for c in range(len(clusters)):
        members = np.flatnonzero((own == c) & (margin > 0))
        if len(members):
            top = members[np.argsort(-margin[members], kind="stable")[: max(1, int(round(share * len(members))))]]
            keep[top] = True
    return keep


def text_passes(sizes: list[int], budget: int) -> list[np.ndarray]:
    """Consecutive positions grouped so that each group's ``sizes`` add up to at most
    ``budget`` (a single larger one forms a group alone)."""
    groups: list[list[int]] = [[]]
    total = 0
    for i, size in enumerate(sizes):
        if groups[-1] and total + size > budget:
            groups.append([])
            total = 0
        groups[-1].append(i)
        total += size
    return [np.array(g) for g in groups if g]


def sample_units(units: list[list[str]], cap: int, seed: int) -> list[list[str]]:
    """Each document's texts, at most ``cap`` of them: a seeded sample, in document order."""
    rng = np.random.default_rng(seed)
    return [u if len(u) <= cap else [u[j] for j in np.sort(rng.choice(len(u), cap, replace=False))]
            for u in units]


@ADAPTERS.register("self_training")
class SelfTraining(Adapter):
    """Fine-tune the sentence encoder on the clustering's confident documents, then
    embed and cluster again.

    Parameters
    ----------
    rounds : int
        Fine-tune, re-embed and re-cluster this many times (each round starts from the
        previous round's encoder and labels).
    keep : float
        Share of each cluster's documents used for training: those with the largest
        margin between their own centroid and the nearest other one.
    epochs : int
        Passes over the kept documents per round.
    learning_rate : float
        AdamW learning rate of the encoder and the head.
    batch_size : int
        Documents per step.
    max_texts : int
        Most texts (sentences) in one forward pass while training, which bounds memory
        (about 35 MB a text at 128 word pieces): a batch is split into passes whose
        gradients are added; a document with more sentences trains on a seeded sample of
        this many (it is embedded whole afterwards).
    max_seq_length : int
        Word pieces per text while training (the base model's own limit if lower);
        the corpus is embedded again with the base model's limit.
    random_state : int
        Seeds the head, dropout and the order of the training documents.
    """

    active = True

    _parameter_constraints = {"rounds": [Int(1)], "keep": [Number(0, 1, closed="right")], "epochs": [Int(1)],
                              "learning_rate": [Number(0, None, closed="neither")], "batch_size": [Int(1)],
                              "max_texts": [Int(1)], "max_seq_length": [Int(8)], "random_state": SEED}

    def __init__(self, rounds: int = 1, *, keep: float = 0.5, epochs: int = 1, learning_rate: float = 2e-5,
                 batch_size: int = 32, max_texts: int = 32, max_seq_length: int = 128,
                 random_state: int = 0) -> None:
        self.rounds = rounds
        self.keep = keep
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_texts = max_texts
        self.max_seq_length = max_seq_length
        self.random_state = random_state

    def check(self, embedder) -> None:
        from toolkit.embedding.embedders import SentenceTransformerEmbedder

        if not isinstance(embedder, SentenceTransformerEmbedder):
            raise ConfigError("adapt.method: self_training fine-tunes a sentence-transformers model; "
                              "set embedding.model to minilm or a model folder")

    def _train(self, model, units: list[list[str]], targets: np.ndarray, n_classes: int,
               initial: np.ndarray, seed: int) -> None:
        import torch

        torch.manual_seed(seed)
        head = torch.nn.Linear(initial.shape[1], n_classes)
        with torch.no_grad():  # start as the nearest-centroid classifier the clustering already is
            head.weight.copy_(torch.tensor(initial, dtype=torch.float32) * 10.0)
            head.bias.zero_()
        optimizer = torch.optim.AdamW(list(model.parameters()) + list(head.parameters()),
                                      lr=self.learning_rate, weight_decay=0.01)
        tokenize = getattr(model, "preprocess", None) or model.tokenize
        rng = np.random.default_rng(seed)
        model.train()
        for _ in range(self.epochs):
            order = rng.permutation(len(units))
            for start in range(0, len(order), self.batch_size):
                batch = order[start:start + self.batch_size]
                optimizer.zero_grad()
                # memory grows with the texts in one pass: long documents' sentences are split
                # over several passes whose gradients add up to the whole batch's
                for part in text_passes([len(units[i]) for i in batch], self.max_texts):
                    docs_in = batch[part]
                    texts = [t for i in docs_in for t in units[i]]
                    owner = torch.tensor(np.repeat(np.arange(len(docs_in)), [len(units[i]) for i in docs_in]))
                    vectors = model(tokenize(texts))["sentence_embedding"]
                    docs = torch.zeros(len(docs_in), vectors.shape[1]).index_add_(0, owner, vectors)
                    docs = torch.nn.functional.normalize(docs, dim=1)
                    loss = torch.nn.functional.cross_entropy(
                        head(docs), torch.tensor(targets[docs_in], dtype=torch.long))
                    (loss * (len(docs_in) / len(batch))).backward()
                optimizer.step()
        model.eval()

    def fit_transform(self, embedder, corpus: Corpus, X: np.ndarray, labels: np.ndarray,
                      recluster: Callable[[np.ndarray], np.ndarray]):
        self.check(embedder)
        model = copy.deepcopy(embedder.load_model())
        window = model.max_seq_length
        adapted = embedder.with_model(model)
        units = embedder.units(corpus)
        for round_ in range(self.rounds):
            keep = confident(X, labels, self.keep)
            clusters = np.unique(labels[keep])
            if len(clusters) < 2:
                log.warning("adapt: fewer than two clusters with confident documents; round %d skipped", round_ + 1)
                break
            targets = np.searchsorted(clusters, labels[keep])
            kept = np.flatnonzero(keep)
            log.info("adapt: round %d, fine-tuning on %d confident documents of %d", round_ + 1, len(kept), len(X))
            # training reads a shorter window (speed); embedding reads what the base model reads
            model.max_seq_length = min(self.max_seq_length, window or self.max_seq_length)
            self._train(model, sample_units([units[i] for i in kept], self.max_texts, self.random_state + round_),
                        targets, len(clusters),
                        centroids(X, labels, clusters), self.random_state + round_)
            model.max_seq_length = window
            X = adapted.transform(corpus)
            labels = recluster(X)
        return adapted, X, labels
