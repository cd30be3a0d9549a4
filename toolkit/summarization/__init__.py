"""Extractive summarisation by sentence centrality: summarisers, scorers and graphs."""

from toolkit.summarization.api import summarize
from toolkit.summarization.classic import (
    EdmundsonSummarizer,
    KLSumSummarizer,
    LSASummarizer,
    LuhnSummarizer,
    SumBasicSummarizer,
)
from toolkit.summarization.consensus import Consensus
from toolkit.summarization.graph import (
    block_cosine,
    cosine_matrix,
    knn_graph,
    power_iteration,
    stationary_blocks,
    stationary_distribution,
    unit_rows,
)
from toolkit.summarization.methods import (
    SUMMARIZERS,
    CentroidSummarizer,
    ConsensusSummarizer,
    DegreeSummarizer,
    LeadSummarizer,
    LexRankSummarizer,
    RandomSummarizer,
    TextRankSummarizer,
    make_summarizer,
)
from toolkit.summarization.representation import SentenceTfidf, sentence_encoder
from toolkit.summarization.scorers import (
    CentralityScorer,
    CentroidScorer,
    DegreeCentrality,
    LeadScorer,
    LexRank,
    RandomScorer,
    SentenceSet,
    TextRank,
    self_loop_weights,
)
from toolkit.summarization.summarizers import Summarizer
from toolkit.summarization.units import Candidate, Summary, budget_size, topic_candidates

__all__ = [
    "SUMMARIZERS", "Candidate", "CentralityScorer", "CentroidScorer", "CentroidSummarizer", "Consensus",
    "ConsensusSummarizer", "DegreeCentrality",
    "DegreeSummarizer", "EdmundsonSummarizer", "KLSumSummarizer", "LSASummarizer", "LeadScorer", "LeadSummarizer",
    "LexRank", "LexRankSummarizer", "LuhnSummarizer", "RandomScorer", "RandomSummarizer", "SentenceSet",
    "SentenceTfidf", "SumBasicSummarizer", "Summarizer", "Summary", "TextRank", "TextRankSummarizer",
    "block_cosine", "budget_size", "cosine_matrix", "knn_graph", "make_summarizer", "power_iteration",
    "self_loop_weights", "sentence_encoder", "stationary_blocks", "stationary_distribution", "summarize",
    "topic_candidates", "unit_rows"
]
