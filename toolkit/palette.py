"""One colour per topic id, the same in every figure and page of the toolkit.

Sixty colours are picked from a grid of sRGB colours by farthest-point selection in CIELAB
(each next colour the one farthest, by ΔE*ab, from those already picked), starting from blue.
Greys and colours too light to read on white or too dark to tell apart are left out; grey is
kept for outliers. Topic ``k`` takes colour ``k % 60``, so ids beyond 59 repeat.
"""

from __future__ import annotations

from functools import cache

import numpy as np

N_COLOURS = 60
OUTLIER_COLOUR = "#BBBBBB"
_FIRST = (0.12, 0.47, 0.71)  # matplotlib's first colour: topic 0 stays blue
_LIGHTNESS = (35.0, 82.0)  # L* range readable on a white page
_MIN_CHROMA = 25.0  # below this a colour reads as grey, the outliers' colour


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of sRGB colours given as rows of floats in [0, 1]."""
    rgb = np.asarray(rgb, dtype=np.float64)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124564, 0.2126729, 0.0193339], [0.3575761, 0.7151522, 0.1191920],
                             [0.1804375, 0.0721750, 0.9503041]])
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.column_stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])])


@cache
def distinct_colours(n: int = N_COLOURS, steps: int = 16) -> tuple[str, ...]:
    """``n`` colours as far apart in CIELAB as a greedy pick from a ``steps``-level sRGB grid allows.

    Returns
    -------
    tuple of str
        ``#RRGGBB`` colours, the first nearest matplotlib's blue.
    """
    levels = np.linspace(0, 1, steps)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(-1, 3)
    lab = srgb_to_lab(grid)
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    usable = (lab[:, 0] >= _LIGHTNESS[0]) & (lab[:, 0] <= _LIGHTNESS[1]) & (chroma >= _MIN_CHROMA)
    grid, lab = grid[usable], lab[usable]
    picked = [int(np.argmin(np.linalg.norm(grid - np.array(_FIRST), axis=1)))]
    nearest = np.linalg.norm(lab - lab[picked[0]], axis=1)
    while len(picked) < n:
        picked.append(int(np.argmax(nearest)))
        nearest = np.minimum(nearest, np.linalg.norm(lab - lab[picked[-1]], axis=1))
    return tuple("#{:02X}{:02X}{:02X}".format(*np.round(grid[i] * 255).astype(int)) for i in picked)


def topic_colour(topic_id: int) -> str:
    """The colour of topic ``topic_id`` everywhere (outliers, id -1, grey)."""
    palette = distinct_colours()
    return OUTLIER_COLOUR if topic_id < 0 else palette[int(topic_id) % len(palette)]


__all__ = ["N_COLOURS", "OUTLIER_COLOUR", "distinct_colours", "srgb_to_lab", "topic_colour"]
