"""Document and sentence embeddings (MiniLM through torch or ONNX Runtime, a static
model distilled from it, any local sentence-transformers model, TF-IDF),
the on-disk embedding cache, and adaptation of the encoder to a corpus."""

from toolkit.embedding.adapt import ADAPTERS, Adapter, NoAdaptation, SelfTraining, confident, sample_units, text_passes
from toolkit.embedding.cache import EmbeddingCache, cache_dir, cache_files, clear_cache
from toolkit.embedding.embedders import (
    EMBEDDERS,
    CountEmbedder,
    Embedder,
    MiniLMEmbedder,
    SentenceTransformerEmbedder,
    TfidfEmbedder,
    minilm_path,
)
from toolkit.embedding.static import StaticEmbedder, static_model

__all__ = [
    "ADAPTERS",
    "EMBEDDERS",
    "Adapter",
    "CountEmbedder",
    "Embedder",
    "EmbeddingCache",
    "MiniLMEmbedder",
    "NoAdaptation",
    "SelfTraining",
    "SentenceTransformerEmbedder",
    "StaticEmbedder",
    "TfidfEmbedder",
    "cache_dir",
    "cache_files",
    "clear_cache",
    "confident",
    "static_model",
    "minilm_path",
    "sample_units",
    "text_passes",
]
