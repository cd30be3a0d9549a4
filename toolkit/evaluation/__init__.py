"""Evaluation: clustering measures (scikit-learn), topic quality, and ROUGE (Google's rouge-score)."""

from toolkit.evaluation.coherence import npmi_coherence, topic_diversity
from toolkit.evaluation.evaluator import (
    ROUGE_TYPES,
    Evaluator,
    bootstrap_ci,
    clustering_scores,
    contingency,
    name_accuracy,
    paired_bootstrap,
    purity,
    rouge_per_pair,
    rouge_scores,
    split_reference,
)

__all__ = ["ROUGE_TYPES", "Evaluator", "bootstrap_ci", "clustering_scores", "contingency", "name_accuracy",
           "npmi_coherence", "paired_bootstrap", "purity", "rouge_per_pair", "rouge_scores", "split_reference",
           "topic_diversity"]
