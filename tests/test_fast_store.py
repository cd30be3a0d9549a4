"""Saving and loading on small synthetic data (the fast tier): the fitted-state codec round-trips
every kind of value exactly, and a TF-IDF model transforms the same after loading, fitting nothing
again, for each refine step."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from toolkit import DataError, TfidfEmbedder, TopicModel
from toolkit.clustering import CLUSTERERS, REDUCERS, REFINERS
from toolkit.topics.state import NotStorable, StateReader, StateWriter

RNG = np.random.default_rng(0)
WEATHER = "storm rain wind flood snow thunder forecast cloud"
MARKETS = "shares bank rates inflation bonds profit stocks trade"


def _texts(n: int, seed: int) -> list[str]:
    """Short synthetic items from two vocabularies."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        words = (WEATHER if i % 2 else MARKETS).split()
        out.append(" ".join(rng.choice(words, 8)) + ".")
    return out


def _round_trip(value):
    writer = StateWriter()
    node = writer.encode(value, "v", 0)
    node = json.loads(json.dumps(node))  # through JSON, as in model.json
    return StateReader(writer.arrays, "model.json").decode(node, 0)


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "text", float("nan"), float("-inf"),
    np.float32(1.5), np.int64(7), np.arange(6, dtype=np.int32).reshape(2, 3), RNG.normal(size=(4, 3)),
    np.array(["a", "bb"]), [1, (2, 3), {"k": [4.0]}], {1: 2, -1: 0}, (np.zeros(2), "x"),
])
def test_a_state_value_round_trips_exactly(value):
    back = _round_trip(value)
    if isinstance(value, np.ndarray | np.generic):
        assert type(back) is type(value) and back.dtype == value.dtype and np.array_equal(back, value)
    elif isinstance(value, float) and np.isnan(value):
        assert np.isnan(back)
    elif isinstance(value, tuple):
        assert isinstance(back, tuple) and np.array_equal(back[0], value[0]) and back[1] == value[1]
    else:
        assert back == value and type(back) is type(value)


def test_a_sparse_matrix_a_random_state_and_an_estimator_round_trip():
    from sklearn.decomposition import TruncatedSVD

    matrix = sp.random(5, 7, density=0.3, format="csr", random_state=0)
    assert (_round_trip(matrix) != matrix).nnz == 0
    state = np.random.RandomState(3)
    state.normal(size=5)
    assert np.array_equal(_round_trip(state).normal(size=4), np.random.RandomState(3).normal(size=9)[5:])
    svd = TruncatedSVD(2, random_state=0).fit(RNG.normal(size=(20, 6)))
    back = _round_trip(svd)
    rows = RNG.normal(size=(3, 6))
    assert np.array_equal(back.transform(rows), svd.transform(rows))


def test_what_is_not_plain_data_is_named():
    with pytest.raises(NotStorable, match=r"v\[1\]: a function"):
        StateWriter().encode([1, lambda x: x], "v", 0)
    with pytest.raises(NotStorable, match="an array of object"):
        StateWriter().encode(np.array([{}], dtype=object), "v", 0)
    with pytest.raises(DataError, match="is not a scikit-learn class"):
        StateReader({}, "model.json").decode({"__estimator__": "os.system", "params": {}, "state": {}}, 0)


@pytest.mark.parametrize("refiner", ["none", "knn_vote", "scan"])
def test_a_tfidf_model_loads_its_state_and_transforms_the_same(tmp_path, refiner):
    params = {"random_state": 0} if refiner == "scan" else {}
    model = TopicModel(TfidfEmbedder(), reducer=REDUCERS.get("none")(),
                       clusterer=CLUSTERERS.get("kmeans")(n_clusters=2, random_state=0),
                       refiner=REFINERS.get(refiner)(**params)).fit(_texts(40, 0))
    assert len(set(model.labels_.tolist())) == 2
    model.save(tmp_path / "m")
    loaded = TopicModel.load(tmp_path / "m")
    new = _texts(10, 1)
    before, after = model.transform(new), loaded.transform(new)
    assert loaded.refit_agreement_ is None
    assert np.array_equal(before[0], after[0]) and np.array_equal(before[1], after[1])
    assert np.array_equal(loaded.labels_, model.labels_)
