"""Topic clustering and extractive summarisation of news.

Quick use::

    import toolkit
    result = toolkit.experiment({"dataset": {"loader": "builtin", "name": "skynews"},
                                 "topics": {"names": ["war", "elections", "US politics"]}})
    result.topic_table        # pandas DataFrames: documents, topic_table, summary_table, ...
    again = toolkit.load_run("results/skynews-topics/<run id>")
"""

from toolkit.corpus import Corpus, Document
from toolkit.errors import ConfigError, DataError, ToolkitError
from toolkit.runner import RunResult, execute, experiment, load_run, run

__version__ = "0.1.0"
__all__ = ["Corpus", "Document", "ConfigError", "DataError", "ToolkitError", "RunResult",
           "execute", "experiment", "load_run", "run", "__version__"]
