"""Topic clustering and extractive summarisation of news.

Quick use::

    import toolkit
    result = toolkit.experiment("experiments/bbc_dev.yaml")     # or a dict
    result.topic_table, result.documents, result.metric_table   # pandas DataFrames
    result.model.transform(["A new article ..."])               # topics of new documents

    model = toolkit.TopicModel(clusterer=toolkit.KMeansClusterer(n_clusters=4)).fit(texts)
    model.save("my-model"); toolkit.TopicModel.load("my-model")

    toolkit.summarize("A long article ...", method="textrank", ratio=0.3)
"""

from toolkit.clustering import (
    CLUSTERERS,
    REDUCERS,
    REFINERS,
    AgglomerativeClusterer,
    BERTopicLike,
    CenterReducer,
    GaussianMixtureClusterer,
    HDBSCANClusterer,
    KMeansClusterer,
    KNNVote,
    MiniBatchKMeansClusterer,
    NeighbourConsistency,
    NoReduction,
    NoRefinement,
    PCAReducer,
    SpectralClusterer,
    UMAPReducer,
)
from toolkit.embedding import MiniLMEmbedder, SentenceTransformerEmbedder, TfidfEmbedder
from toolkit.errors import ConfigError, DataError, ParameterError, ToolkitError
from toolkit.experiments import (
    RunResult,
    execute,
    expand_sweep,
    experiment,
    format_result,
    load_file,
    load_run,
    run,
    run_sweep,
    write_run,
)
from toolkit.summarization import (
    SUMMARIZERS,
    CentroidSummarizer,
    DegreeSummarizer,
    LeadSummarizer,
    LexRankSummarizer,
    RandomSummarizer,
    Summarizer,
    Summary,
    TextRankSummarizer,
    summarize,
)
from toolkit.text import Corpus, Document
from toolkit.topics import Topic, TopicDescriber, TopicModel

__version__ = "0.3.0"
__all__ = ["CLUSTERERS", "REDUCERS", "REFINERS", "SUMMARIZERS", "AgglomerativeClusterer", "BERTopicLike",
           "CenterReducer", "CentroidSummarizer", "ConfigError", "Corpus", "DataError", "DegreeSummarizer", "Document",
           "GaussianMixtureClusterer", "HDBSCANClusterer", "KMeansClusterer", "KNNVote", "LeadSummarizer",
           "LexRankSummarizer", "MiniBatchKMeansClusterer", "MiniLMEmbedder", "NeighbourConsistency",
           "NoReduction", "NoRefinement", "PCAReducer",
           "ParameterError", "RandomSummarizer", "RunResult", "SentenceTransformerEmbedder", "SpectralClusterer",
           "Summarizer", "Summary", "TextRankSummarizer", "TfidfEmbedder", "ToolkitError", "Topic", "TopicDescriber",
           "TopicModel", "UMAPReducer", "__version__", "execute", "expand_sweep", "experiment", "format_result",
           "load_file", "load_run", "run", "run_sweep", "summarize", "write_run"]
