"""Editing a fitted :class:`~toolkit.topics.model.TopicModel` without fitting it again (a mixin
it inherits), under BERTopic's method names: ``merge_topics``, ``reduce_topics``,
``update_topics`` and ``reduce_outliers``.

Nothing is embedded or clustered again. Merging maps each document to the merge of its old topic
and changes the model's label map with it, so :meth:`transform` assigns new documents to the
merged topics too. Topics a merge did not touch keep their ids and descriptions; a merged topic
takes the smallest id of its parts and records them in ``merged_from``.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.base import clone

from toolkit.errors import DataError
from toolkit.text.corpus import Corpus

log = logging.getLogger("toolkit")
OUTLIER_STRATEGIES = ("distributions", "c-tf-idf", "probabilities", "embeddings")


def merge_groups(ids: list[int], topics_to_merge) -> dict[int, int]:
    """Each topic id -> the id it goes to: every listed group goes to its smallest id, every
    other topic to itself. Groups must name existing topics (not the outliers), each at most once."""
    if not isinstance(topics_to_merge, list | tuple) or not topics_to_merge:
        raise DataError("merge_topics: topics_to_merge must be a list of topic-id lists, e.g. [[1, 2], [3, 7]]")
    groups = [topics_to_merge] if all(isinstance(t, int | np.integer) for t in topics_to_merge) else topics_to_merge
    into = {c: c for c in ids}
    seen: set[int] = set()
    for group in groups:
        if not isinstance(group, list | tuple) or len(group) < 2:
            raise DataError(f"merge_topics: each group must list at least two topic ids, got {group!r}")
        group = [int(c) for c in group]
        unknown = sorted(c for c in group if c not in into)
        if unknown:
            raise DataError(f"merge_topics: no topic {unknown[0]} (topics are {', '.join(map(str, ids))})")
        twice = sorted(seen & set(group)) or sorted(c for c in set(group) if group.count(c) > 1)
        if twice:
            raise DataError(f"merge_topics: topic {twice[0]} is listed twice")
        seen |= set(group)
        for c in group:
            into[c] = min(group)
    return into


def check_documents(model, docs, method: str) -> None:
    """``docs`` given as in BERTopic must be the training documents (their count, at least)."""
    if docs is not None and len(docs) != len(model.documents_):
        raise DataError(f"{method}: {len(docs)} documents given; the model was fitted on "
                        f"{len(model.documents_)} (pass them, or None)")


class TopicEditing:
    """Merge, reduce, re-describe and fill in the outliers of a fitted topic model."""

    def merge_topics(self, docs=None, topics_to_merge=None):
        """Merge topics of the fitted model: each list of ids in ``topics_to_merge`` becomes one
        topic, under the smallest of its ids (``[[1, 2], [3, 7]]``; one flat list is one group).

        ``docs``, BERTopic's first argument, may be the training documents or None (the model
        keeps its own). Each document goes to the merge of its old topic; keywords, exemplars,
        names and probabilities are recomputed for the merged topics; the others keep their ids
        and descriptions. ``topic_info`` shows what each merged topic holds (``merged_from``) and
        :meth:`transform` follows the merge. Returns the model.
        """
        self._check_fitted()
        if topics_to_merge is None and docs is not None and all(isinstance(g, int | np.integer | list | tuple)
                                                                for g in docs):
            docs, topics_to_merge = None, docs  # merge_topics([[1, 2]]) or merge_topics([1, 2])
        check_documents(self, docs, "merge_topics")
        into = merge_groups(self._topic_ids(), topics_to_merge)
        self._apply_merge(into)
        return self

    def reduce_topics(self, docs=None, nr_topics: int = 20, use_ctfidf: bool = False):
        """Merge topics along the topic tree (average linkage on topic centroids, or on c-TF-IDF
        rows with ``use_ctfidf``) until ``nr_topics`` are left; the outliers stay outliers.

        As BERTopic's ``reduce_topics(docs, nr_topics)``; ``reduce_topics(8)`` also works. Costs
        no embedding and no clustering (well under a second on 4,481 items). Returns the model.
        """
        if isinstance(docs, int | np.integer) and not isinstance(docs, bool):
            docs, nr_topics = None, int(docs)
        self._check_fitted()
        check_documents(self, docs, "reduce_topics")
        if not isinstance(nr_topics, int | np.integer) or isinstance(nr_topics, bool) or nr_topics < 1:
            raise DataError(f"reduce_topics: nr_topics must be a whole number >= 1, got {nr_topics!r}")
        ids = self._topic_ids()
        if len(ids) <= nr_topics:
            log.info("reduce_topics: the model has %d topics, not more than %d; nothing merged", len(ids), nr_topics)
            return self
        from toolkit.topics.hierarchy import cut_tree, topic_linkage

        vectors = self._topic_vectors(ids, "ctfidf" if use_ctfidf else "centroid")
        group = cut_tree(topic_linkage(vectors), ids, int(nr_topics))
        members: dict[int, list[int]] = {}
        for c in ids:
            members.setdefault(group[c], []).append(c)
        self._apply_merge({c: min(members[group[c]]) for c in ids})
        return self

    def _apply_merge(self, into: dict[int, int]) -> None:
        """Relabel documents and the label map by ``into`` and re-describe the merged topics."""
        before = {t.id: t for t in self.topics_}
        mapping = {**into, -1: -1}
        self.labels_ = np.array([mapping[int(c)] for c in self.labels_], dtype=np.int64)
        self._final_map = {raw: mapping.get(final, final) for raw, final in self._final_map.items()}
        self._zeroshot_map = {j: mapping.get(c, c) for j, c in (getattr(self, "_zeroshot_map", None) or {}).items()}
        touched = sorted({target for source, target in into.items() if source != target})
        parts = {t: sorted({s for s, target in into.items() if target == t}
                           | {m for s, target in into.items() if target == t for m in before[s].merged_from})
                 for t in touched}
        self._describe(touched)
        for topic in self.topics_:
            if topic.id in parts:
                topic.merged_from = parts[topic.id]
        self.probabilities_ = self._training_probabilities()
        self.stability_ = None  # it measured the topics before the merge
        for t in touched:
            log.info("topics %s merged into topic %d (%d documents)", ", ".join(map(str, parts[t])), t,
                     int(np.sum(self.labels_ == t)))

    def _describe(self, touched: list[int] | None) -> None:
        """New descriptions for the topics ``touched`` (None: all of them), the others kept; names
        are offered to the touched topics from those no kept topic holds."""
        kept = {t.id: t for t in self.topics_ if touched is not None and t.id not in touched}
        labels = self.labels_
        ids = sorted(set(labels.tolist()), key=lambda c: (c < 0, c))
        only = [c for c in ids if c not in kept]
        fresh = {t.id: t for t in self._describe_topics(Corpus(self.documents_), labels, self.embeddings_, only,
                                                        {t.name for t in kept.values() if t.named})}
        self.topics_ = [fresh.get(c) or kept[c] for c in ids]

    def _describe_topics(self, corpus: Corpus, labels: np.ndarray, X, only: list[int] | None = None,
                         taken: set[str] = frozenset()) -> list:
        """Describe the topics ``only`` (None: all): a zero-shot topic keeps its name, a seeded
        topic's seed words weigh more in its keywords, and the describer's candidate names not in
        ``taken`` are offered to the other topics."""
        from toolkit.topics.guided import SEED_BOOST, seeded_topics

        ids = sorted(set(np.asarray(labels).tolist()), key=lambda c: (c < 0, c))
        only = ids if only is None else only
        named = {c: self.zeroshot_topics[j] for j, c in (getattr(self, "_zeroshot_map", None) or {}).items()}
        boost = {}
        if self.seed_topics:
            seeds = seeded_topics(np.asarray(labels), self._seed_rows(X), len(self.seed_topics))
            boost = {c: (self.seed_topics[j], SEED_BOOST) for j, c in seeds.items()}
        names = [n for n in (self.describer_.names or []) if n not in taken]
        embed = self.embedder_.embed_texts
        clustered = [c for c in only if c not in named]
        topics = []
        if clustered:
            topics += self.describer_.fit(corpus, labels, X, embed, only=clustered, names=names, boost=boost).topics_
        if any(c in named for c in only):
            for topic in self.describer_.fit(corpus, labels, X, embed, only=[c for c in only if c in named],
                                             names=[], boost=boost).topics_:
                topic.name = topic.candidate = named[topic.id]
                topic.named = True
                topics.append(topic)
        return sorted(topics, key=lambda t: (t.id < 0, t.id))

    def update_topics(self, docs=None, topics=None, top_n_words: int | None = None, *, describer=None,
                      **describer_params):
        """New topic descriptions without fitting the clusters again.

        Parameters
        ----------
        docs : list, optional
            The training documents (BERTopic's first argument) or None.
        topics : list of int, optional
            A new topic per training document (as :meth:`reduce_outliers` returns); ids must be the
            model's topics or -1. New documents are still assigned by the fitted rule.
        top_n_words : int, optional
            Keywords per topic (the describer's ``keywords``).
        describer : TopicDescriber, optional
            A describer to use from now on; or give its parameters by name (``stop_words``,
            ``diversity``, ``representation="keybert"``, ``names``, ``min_df``, ``ngram_range``
            or BERTopic's ``n_gram_range``, ...).

        Returns the model, every topic described again.
        """
        self._check_fitted()
        check_documents(self, docs, "update_topics")
        if "n_gram_range" in describer_params:  # BERTopic's name
            describer_params["ngram_range"] = describer_params.pop("n_gram_range")
        if "vectorizer_model" in describer_params:
            raise DataError("update_topics: vectorizer_model is not taken; give its settings by name "
                            "(ngram_range, stop_words, min_df, max_df)")
        new = clone(describer) if describer is not None else clone(self.describer_)
        if top_n_words is not None:
            describer_params["keywords"] = top_n_words
        try:
            new.set_params(**describer_params)
            new.validate_params()  # before the model takes it: a bad value leaves the model as it was
        except ValueError as err:
            raise DataError(f"update_topics: {err}") from None
        self.describer_ = new
        if topics is not None:
            self._relabel_documents(topics)
        self._describe(None)
        self.probabilities_ = self._training_probabilities()
        return self

    def _relabel_documents(self, topics) -> None:
        topics = np.asarray(topics)
        if topics.shape != self.labels_.shape or not np.issubdtype(topics.dtype, np.integer):
            raise DataError(f"update_topics: topics must be one topic id per training document "
                            f"({len(self.labels_)}), got {topics.shape[0] if topics.ndim else 0}")
        unknown = sorted(set(topics.tolist()) - set(self._topic_ids()) - {-1})
        if unknown:
            raise DataError(f"update_topics: no topic {unknown[0]} in the model")
        self.labels_ = topics.astype(np.int64)
        self.stability_ = None

    def reduce_outliers(self, documents=None, topics=None, strategy: str = "distributions",
                        threshold: float = 0.0) -> list[int]:
        """A topic for each outlier (-1) whose best topic fits it at least ``threshold``; the other
        documents keep theirs. The model is not changed: pass the result to
        ``update_topics(topics=...)`` to keep it (as in BERTopic).

        Parameters
        ----------
        documents : list, optional
            The training documents, or None.
        topics : list of int, optional
            Each training document's topic (default: the model's).
        strategy : {"distributions", "c-tf-idf", "probabilities", "embeddings"}
            ``c-tf-idf`` (and ``distributions``, BERTopic's default name, computed here on the
            whole document): cosine of the document's term counts to each topic's c-TF-IDF row;
            ``probabilities``: the model's topic probabilities; ``embeddings``: cosine of the
            document's embedding to each topic's centroid.
        threshold : float
            The least score that moves an outlier (a score of 0, no evidence at all, never does).
        """
        self._check_fitted()
        check_documents(self, documents, "reduce_outliers")
        if strategy not in OUTLIER_STRATEGIES:
            raise DataError(f"reduce_outliers: unknown strategy {strategy!r} (one of {', '.join(OUTLIER_STRATEGIES)})")
        labels = self.labels_ if topics is None else np.asarray(topics)
        if labels.shape != self.labels_.shape:
            raise DataError(f"reduce_outliers: {len(labels)} topics for {len(self.labels_)} documents")
        outliers = np.flatnonzero(labels == -1)
        ids = self._topic_ids()
        if len(outliers) == 0 or not ids:
            return labels.astype(int).tolist()
        scores = self._outlier_scores(outliers, ids, strategy)
        best = np.argmax(scores, axis=1)
        new = labels.astype(np.int64).copy()
        score = scores[np.arange(len(outliers)), best]
        fits = (score >= threshold) & (score > 0)  # no evidence at all (no shared word) is no fit
        new[outliers[fits]] = np.asarray(ids)[best[fits]]
        log.info("reduce_outliers (%s): %d of %d outliers given a topic", strategy, int(fits.sum()), len(outliers))
        return new.tolist()

    def _outlier_scores(self, rows: np.ndarray, ids: list[int], strategy: str) -> np.ndarray:
        from sklearn.preprocessing import normalize

        if strategy == "probabilities":
            return np.asarray(self.probabilities_)[rows]
        if strategy == "embeddings":
            return self._scores(self.embeddings_[rows])
        from toolkit.topics.ctfidf import ctfidf_weights

        try:
            counts, _ = self.describer_.vocabulary().counts([d.full_text for d in self.documents_])
        except ValueError:  # no word left: nothing to compare
            return np.zeros((len(rows), len(ids)))
        weights = ctfidf_weights(counts, self.labels_, ids)
        return np.asarray(normalize(counts[rows]) @ normalize(weights).T)


__all__ = ["OUTLIER_STRATEGIES", "TopicEditing", "merge_groups"]
