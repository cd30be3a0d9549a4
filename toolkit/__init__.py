"""Topic clustering and extractive summarisation of news.

Quick use::

    import toolkit
    result = toolkit.experiment("experiments/bbc_dev.yaml")     # or a dict
    result.topic_table, result.documents, result.metric_table   # pandas DataFrames
    result.model.transform(["A new article ..."])               # topics of new documents

    model = toolkit.TopicModel(clusterer=toolkit.KMeansClusterer(n_clusters=4)).fit(texts)
    model.save("my-model"); toolkit.TopicModel.load("my-model")

    toolkit.summarize("A long article ...", method="consensus", ratio=0.3)
"""

# Exported names are imported on first use (PEP 562), so that `import toolkit` and
# `toolkit --help` do not pay for scikit-learn, torch or matplotlib up front.
_EXPORTS = {
    "toolkit.clustering": (
        "CLUSTERERS", "REDUCERS", "REFINERS", "AgglomerativeClusterer", "BERTopicLike", "CenterReducer",
        "GaussianMixtureClusterer", "HDBSCANClusterer", "KMeansClusterer", "KNNVote",
        "MiniBatchKMeansClusterer", "NeighborConsistency", "NoReduction", "NoRefinement", "PCAReducer",
        "SpectralClusterer", "UMAPReducer"
    ),
    "toolkit.trust": (
        "allow_local_code",
    ),
    "toolkit.embedding": (
        "MiniLMEmbedder", "SentenceTransformerEmbedder", "TfidfEmbedder"
    ),
    "toolkit.errors": (
        "ConfigError", "DataError", "ParameterError", "ToolkitError"
    ),
    "toolkit.experiments": (
        "RunResult", "execute", "expand_sweep", "experiment", "format_result", "load_file", "load_run", "run",
        "run_sweep", "write_run"
    ),
    "toolkit.summarization": (
        "SUMMARIZERS", "CentroidSummarizer", "ConsensusSummarizer", "DegreeSummarizer", "LeadSummarizer",
        "LexRankSummarizer", "RandomSummarizer", "Summarizer", "Summary", "TextRankSummarizer", "summarize"
    ),
    "toolkit.text": (
        "Corpus", "Document"
    ),
    "toolkit.topics": (
        "Topic", "TopicDescriber", "TopicModel"
    ),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}


__version__ = "0.3.0"
__all__ = ["CLUSTERERS", "REDUCERS", "REFINERS", "SUMMARIZERS", "AgglomerativeClusterer", "BERTopicLike",
           "CenterReducer", "CentroidSummarizer", "ConfigError", "ConsensusSummarizer", "Corpus", "DataError",
           "DegreeSummarizer", "Document",
           "GaussianMixtureClusterer", "HDBSCANClusterer", "KMeansClusterer", "KNNVote", "LeadSummarizer",
           "LexRankSummarizer", "MiniBatchKMeansClusterer", "MiniLMEmbedder", "NeighborConsistency",
           "NoReduction", "NoRefinement", "PCAReducer",
           "ParameterError", "RandomSummarizer", "RunResult", "SentenceTransformerEmbedder", "SpectralClusterer",
           "Summarizer", "Summary", "TextRankSummarizer", "TfidfEmbedder", "ToolkitError", "Topic", "TopicDescriber",
           "TopicModel", "UMAPReducer", "__version__", "allow_local_code", "execute", "expand_sweep", "experiment",
           "format_result", "load_file", "load_run", "run", "run_sweep", "summarize", "write_run"]


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
