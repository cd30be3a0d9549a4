"""Saving and loading a :class:`~toolkit.topics.model.TopicModel` (a mixin it inherits): the
model's side of :mod:`toolkit.topics.store`, which reads and writes the files."""

from __future__ import annotations

import logging

import numpy as np

from toolkit.errors import DataError, ToolkitError, cut
from toolkit.text.corpus import Document

log = logging.getLogger("toolkit")


class SavedModel:
    """``save`` and ``load`` for a topic model, and restoring what ``fit`` learned."""

    def save(self, path) -> None:
        """Write the fitted model to the folder ``path`` as data files only (JSON, ``.npz``,
        safetensors for a tuned encoder); see :mod:`toolkit.topics.store`."""
        from toolkit.topics.store import write_model_files

        self._check_fitted()
        write_model_files(self, path)

    @classmethod
    def load(cls, path):
        """A model written by :meth:`save`, restored from its fitted state without fitting
        anything again (``refit_agreement_`` is None), so :meth:`transform` gives exactly what
        it gave before saving; a model whose state is not plain data (UMAP) is fitted again.
        The folder is read as untrusted data: only the toolkit's own component classes and
        scikit-learn estimators are built from it, and no code from it ever runs
        (:mod:`toolkit.topics.store`)."""
        from toolkit.topics.state import StateReader
        from toolkit.topics.store import fitted_embedder, read_model_files
        from toolkit.topics.stream_store import read_stream

        stored = read_model_files(path)
        model = cls(**stored.components, **stored.params)
        model._use_parts(dict(stored.components))
        embedder = fitted_embedder(stored, model.embedder_)
        if stored.fitted_state is not None:
            try:
                model._restore_state(stored, embedder, StateReader(stored.state_arrays, stored.where))
            except (TypeError, ValueError, KeyError, IndexError, AttributeError) as err:  # a tampered state
                raise DataError(f"{stored.where}: the fitted state cannot be used ({type(err).__name__}: "
                                f"{cut(str(err), 140)})") from None
        else:
            log.info("TopicModel.load: %s holds no fitted state of its components; fitting them again",
                     stored.folder)
            try:
                model._restore(stored.documents, stored.embeddings, stored.labels, stored.topics, embedder)
            except (ToolkitError, ValueError) as err:  # stored parameters that pass construction but not fit
                raise DataError(f"{stored.where}: the stored components cannot be fitted again "
                                f"({cut(str(err), 160)})") from None
        model._restore_stream(read_stream(stored.folder, np.shape(stored.embeddings)[1]))
        return model

    def _restore_state(self, stored, embedder, reader) -> None:
        """Fitted state from a model folder (:meth:`load`): each part's stored attributes set
        as they were after ``fit``, nothing fitted again."""
        from toolkit.topics.store import FITTED_PARTS

        for part in FITTED_PARTS:
            reader.restore(getattr(self, f"{part}_"), stored.fitted_state[part])
        reader.restore(self, stored.fitted_state["model"])
        n = len(stored.labels)
        if np.shape(self.reduced_)[0] != n or not all(isinstance(m, dict) for m in (self._cluster_map,
                                                                                    self._final_map)):
            raise ValueError("the reduced embeddings or label maps do not fit the stored documents")
        self.labels_ = stored.labels
        self.topics_ = stored.topics
        self.documents_ = stored.documents
        self.embeddings_ = stored.embeddings
        self.embedder_ = embedder
        self._zeroshot_map = {int(j): int(c) for j, c in (getattr(self, "_zeroshot_map", None) or {}).items()}
        self.probabilities_ = self._training_probabilities()
        self.timings_ = {}
        self.auto_k_ = getattr(self.clusterer_, "auto_k_", None)
        self.refit_agreement_ = None  # nothing was fitted again

    def _restore(self, documents: list[Document], X, labels: np.ndarray, topics: list, embedder) -> None:
        """Fitted state from stored data, for a model whose state is not plain data: refits the
        reducer, clusterer and refine step on the stored embeddings, with their stored seeds."""
        self.embedder_ = embedder
        refit = self._fit_labels(X, documents)
        agree = float(np.mean(refit == labels)) if len(labels) else 1.0
        if agree < 1.0:
            log.warning("TopicModel.load: refitting gave the stored labels on %.1f%% of the documents; "
                        "the stored labels are kept", 100 * agree)
        self.refit_agreement_ = agree
        self.labels_ = np.asarray(labels)
        self.topics_ = topics
        self.documents_ = documents
        self.embeddings_ = X
        self.probabilities_ = self._training_probabilities()
        self.timings_ = {}
        self.auto_k_ = getattr(self.clusterer_, "auto_k_", None)




__all__ = ["SavedModel"]
