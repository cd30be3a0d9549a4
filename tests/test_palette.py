"""One colour per topic id, far apart, and the same in the interactive views, the run folder's
figures and report.html."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_hex

from toolkit.palette import N_COLOURS, OUTLIER_COLOUR, distinct_colours, srgb_to_lab, topic_colour


def _lab(colours):
    return srgb_to_lab(np.array([[int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)] for c in colours]))


def test_sixty_colours_no_two_alike_and_none_grey():
    colours = distinct_colours()
    assert len(colours) == N_COLOURS == len(set(colours))
    lab = _lab(colours)
    gaps = np.linalg.norm(lab[:, None] - lab[None], axis=2)
    np.fill_diagonal(gaps, np.inf)
    assert gaps.min() > 15  # a CIELAB distance a reader tells apart at a glance
    assert np.hypot(lab[:, 1], lab[:, 2]).min() >= 20  # no colour reads as the outliers' grey
    assert topic_colour(-1) == OUTLIER_COLOUR and topic_colour(60) == topic_colour(0)


def test_srgb_to_lab_matches_reference_values():
    lab = srgb_to_lab(np.array([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(lab[0], [100, 0, 0], atol=0.05)
    np.testing.assert_allclose(lab[1], [53.24, 80.09, 67.20], atol=0.05)  # sRGB red, D65
    np.testing.assert_allclose(lab[2], [0, 0, 0], atol=1e-9)


def test_topic_map_colours_and_numbers_topics_by_id():
    from toolkit.plots import topic_map

    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(-1, 24), 8)
    X = rng.normal(size=(len(labels), 6)) + labels[:, None]
    names = {t: f"topic {t}" for t in range(-1, 24)}
    fig = topic_map(X, labels, names)
    for collection in fig.axes[0].collections:
        gid = collection.get_gid() or ""
        if gid.startswith("topic-"):
            assert to_hex(collection.get_facecolor()[0]).upper() == topic_colour(int(gid[6:])).upper()
    shown = {t.get_text() for t in fig.axes[0].texts if t.get_gid() == "topic-name"}
    assert shown == {str(t) for t in range(24)}  # the ids of every table, not ranks by size
