"""Small array helpers shared by the stages."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def to_dense(X) -> np.ndarray:
    """A dense ndarray of ``X``, whether it is sparse or already dense."""
    return X.toarray() if sp.issparse(X) else np.asarray(X)
