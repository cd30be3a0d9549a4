"""Reducers, clusterers and the refine step: scikit-learn estimators chosen by name.

``REDUCERS``, ``CLUSTERERS`` and ``REFINERS`` map the names used in experiment files to
classes; any scikit-learn-compatible reducer or clusterer can also be named by import
path (:mod:`toolkit.clustering.external`).
"""

from toolkit.clustering.base import (
    Clusterer,
    assign_outliers,
    canonical_labels,
    check_cluster_count,
    clusters_needed,
    cosine_centroids,
    nearest_centroid,
)
from toolkit.clustering.consistency import NeighborConsistency
from toolkit.clustering.methods import (
    CLUSTERERS,
    AgglomerativeClusterer,
    BERTopicLike,
    GaussianMixtureClusterer,
    HDBSCANClusterer,
    KMeansClusterer,
    MiniBatchKMeansClusterer,
    SpectralClusterer,
)
from toolkit.clustering.reduce import REDUCERS, CenterReducer, NoReduction, PCAReducer, Reducer, UMAPReducer
from toolkit.clustering.refine import REFINERS, KNNVote, NoRefinement, Refiner, neighbor_votes
from toolkit.clustering.topic_models import LDAClusterer, NMFClusterer

__all__ = ["CLUSTERERS", "REDUCERS", "REFINERS", "AgglomerativeClusterer", "BERTopicLike", "CenterReducer",
           "Clusterer", "GaussianMixtureClusterer", "HDBSCANClusterer", "KMeansClusterer", "KNNVote", "LDAClusterer",
           "MiniBatchKMeansClusterer", "NMFClusterer", "NeighborConsistency", "NoReduction", "NoRefinement",
           "PCAReducer", "Reducer", "Refiner", "SpectralClusterer", "UMAPReducer", "assign_outliers",
           "canonical_labels", "check_cluster_count", "clusters_needed", "cosine_centroids", "nearest_centroid",
           "neighbor_votes"]
