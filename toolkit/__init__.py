"""Topic clustering and extractive summarisation of news.

Quick use::

    from toolkit import execute
    result = execute({"dataset": {"loader": "builtin", "name": "skynews"},
                      "topics": {"names": ["war", "elections", "US politics"]}})
    result.topics
"""

from toolkit.corpus import Corpus, Document
from toolkit.errors import ConfigError, DataError, ToolkitError
from toolkit.runner import RunResult, execute, run

__version__ = "0.1.0"
__all__ = ["Corpus", "Document", "ConfigError", "DataError", "ToolkitError", "RunResult",
           "execute", "run", "__version__"]
