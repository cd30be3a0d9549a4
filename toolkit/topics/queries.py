"""Asking a fitted :class:`~toolkit.topics.model.TopicModel` about its topics (a mixin it
inherits), under BERTopic's method names and return types: ``find_topics``, ``get_topic``,
``get_topics``, ``get_topic_info``, ``get_topic_freq``, ``get_document_info`` and
``get_representative_docs``. A script written for BERTopic's API reads the same columns."""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import normalize

from toolkit.arrays import to_dense
from toolkit.errors import DataError

# BERTopic's column names first, so code written for it finds what it reads; the toolkit's own
# columns follow.
INFO_COLUMNS = ["Topic", "Count", "Name", "Representation", "Representative_Docs"]
DOCUMENT_COLUMNS = ["Document", "Topic", "Name", "Representation", "Top_n_words", "Probability",
                    "Representative_document", "id"]


class TopicQueries:
    """Topics, their words, their documents, and the topics nearest a query."""

    def _texts_by_id(self) -> dict[str, str]:
        return {d.id: d.full_text for d in self.documents_}

    def get_topic(self, topic: int, full: bool = False):
        """The keywords of topic ``topic`` as ``[(word, weight), ...]`` (c-TF-IDF weights, best
        first); False when there is no such topic, as in BERTopic. ``full`` is accepted for
        BERTopic's signature (one representation here)."""
        self._check_fitted()
        for t in self.topics_:
            if t.id == topic:
                return [(w, float(s)) for w, s in t.keywords]
        return False

    def get_topics(self, full: bool = False) -> dict[int, list[tuple[str, float]]]:
        """Every topic's keywords, ``{topic id: [(word, weight), ...]}``."""
        self._check_fitted()
        return {t.id: self.get_topic(t.id) for t in self.topics_}

    def get_representative_docs(self, topic: int | None = None):
        """The texts of a topic's exemplars (the documents nearest its centroid), or with
        ``topic=None`` a dict of them per topic."""
        self._check_fitted()
        texts = self._texts_by_id()
        found = {t.id: [texts[i] for i in t.exemplars] for t in self.topics_}
        if topic is None:
            return found
        if topic not in found:
            raise DataError(f"get_representative_docs: no topic {topic}")
        return found[topic]

    def get_topic_freq(self, topic: int | None = None):
        """Documents per topic: a DataFrame ``Topic, Count`` by size (or one topic's count)."""
        import pandas as pd

        self._check_fitted()
        table = pd.DataFrame({"Topic": [t.id for t in self.topics_], "Count": [t.size for t in self.topics_]})
        if topic is not None:
            return int(table.loc[table["Topic"] == topic, "Count"].sum())
        return table.sort_values(["Count", "Topic"], ascending=[False, True], kind="stable").reset_index(drop=True)

    def get_topic_info(self, topic: int | None = None):
        """One row per topic: BERTopic's columns ``Topic, Count, Name, Representation`` (keywords)
        and ``Representative_Docs`` (exemplar texts), then the toolkit's (``named``,
        ``candidate``, the name scores, ``merged_from`` and, after :meth:`stability`,
        ``stability``). ``topic`` keeps one topic's row."""
        import pandas as pd

        info = self.topic_info
        texts = self._texts_by_id()
        table = pd.DataFrame({
            "Topic": info["topic_id"], "Count": info["size"], "Name": info["name"],
            "Representation": [[w for w, _ in t.keywords] for t in self.topics_],
            "Representative_Docs": [[texts[i] for i in t.exemplars] for t in self.topics_],
        })
        extra = info.drop(columns=["topic_id", "size", "name", "keywords", "exemplars"])
        table = pd.concat([table, extra], axis=1)
        if topic is not None:
            table = table[table["Topic"] == topic].reset_index(drop=True)
        return table

    def get_document_info(self, docs=None, df=None, metadata: dict | None = None):
        """One row per training document: its text (``Document``), ``Topic``, the topic's
        ``Name``, ``Representation`` and ``Top_n_words``, the ``Probability`` of its topic,
        whether it is one of its topic's exemplars (``Representative_document``) and its ``id``.

        ``docs`` (BERTopic's first argument) may be the training documents, or None. ``df``, a
        DataFrame with one row per document, has its columns put first; ``metadata`` maps
        column names to one value per document.
        """
        import pandas as pd

        from toolkit.topics.editing import check_documents

        self._check_fitted()
        check_documents(self, docs, "get_document_info")
        by_id = {t.id: t for t in self.topics_}
        column = {c: j for j, c in enumerate(self._topic_ids())}
        exemplars = {i for t in self.topics_ for i in t.exemplars}
        rows = []
        for i, (doc, c) in enumerate(zip(self.documents_, self.labels_)):
            topic = by_id[int(c)]
            words = [w for w, _ in topic.keywords]
            p = float(self.probabilities_[i, column[int(c)]]) if int(c) in column else 0.0
            rows.append({"Document": docs[i] if docs is not None else doc.full_text, "Topic": int(c),
                         "Name": topic.name, "Representation": words, "Top_n_words": " - ".join(words),
                         "Probability": p, "Representative_document": doc.id in exemplars, "id": doc.id})
        table = pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)
        if metadata:
            for name, values in metadata.items():
                if len(values) != len(table):
                    raise DataError(f"get_document_info: metadata {name!r} has {len(values)} values "
                                    f"for {len(table)} documents")
                table[name] = list(values)
        if df is not None:
            if len(df) != len(table):
                raise DataError(f"get_document_info: df has {len(df)} rows for {len(table)} documents")
            table = pd.concat([df.reset_index(drop=True), table], axis=1)
        return table

    def find_topics(self, search_term: str, top_n: int = 5) -> tuple[list[int], list[float]]:
        """The ``top_n`` topics nearest a query: the cosine similarity of the query's embedding
        to each topic's centroid (the mean embedding of its documents), best first. Returns
        ``(topic ids, similarities)``, as BERTopic's ``find_topics``."""
        self._check_fitted()
        if not isinstance(search_term, str) or not search_term.strip():
            raise DataError("find_topics: give a search term (a non-empty string)")
        ids = self._topic_ids()
        query = normalize(to_dense(self.embedder_.embed_texts([search_term])))
        if query.shape[1] != self.embeddings_.shape[1]:
            raise DataError("find_topics: this model's embedder does not embed queries in its documents' space")
        similarity = self._scores(query)[0]
        order = np.argsort(-similarity, kind="stable")[: max(int(top_n), 0)]
        return [ids[j] for j in order], [round(float(similarity[j]), 6) for j in order]


__all__ = ["DOCUMENT_COLUMNS", "INFO_COLUMNS", "TopicQueries"]
