"""Topics: descriptions of clusters (keywords, exemplars, names) and the fitted TopicModel."""

from toolkit.topics.describe import Topic, TopicDescriber, class_tfidf
from toolkit.topics.model import TopicModel

__all__ = ["Topic", "TopicDescriber", "TopicModel", "class_tfidf"]
