"""Placing text labels on a scatter plot so that they overlap neither each other nor the points
they name: a search over candidate positions in display space (pure geometry, no drawing)."""

from __future__ import annotations

import numpy as np

DIRECTIONS = 24  # candidate directions around an anchor
RINGS = 40  # candidate distances, from the anchor out to the far side of the axes


def _overlaps(box: np.ndarray, boxes: list[np.ndarray], pad: float) -> bool:
    return any(box[0] < b[2] + pad and b[0] < box[2] + pad and box[1] < b[3] + pad and b[1] < box[3] + pad
               for b in boxes)


def _inside(points: np.ndarray, box: np.ndarray, pad: float) -> int:
    if len(points) == 0:
        return 0
    return int(np.count_nonzero((points[:, 0] >= box[0] - pad) & (points[:, 0] <= box[2] + pad)
                                & (points[:, 1] >= box[1] - pad) & (points[:, 1] <= box[3] + pad)))


def place_labels(anchors: np.ndarray, sizes: np.ndarray, groups: list[np.ndarray], frame: np.ndarray,
                 pad: float = 3.0) -> np.ndarray:
    """Centres for labels, in display units (pixels), chosen label by label (in the given order).

    Each label takes the candidate position nearest its anchor whose box stays inside ``frame``,
    overlaps no label placed before it and covers none of its own points; when no candidate
    covers none, the one covering fewest (then the fewest other points, then the nearest).

    Parameters
    ----------
    anchors : array (k, 2)
        Where each label belongs (a topic's centre).
    sizes : array (k, 2)
        Each label's width and height.
    groups : list of arrays (n_i, 2)
        The points each label names; every point of the plot counts as "other" for the others.
    frame : array (4,)
        x0, y0, x1, y1 of the area labels must stay inside.
    pad : float
        Clearance kept around each box.

    Returns
    -------
    array (k, 2)
        The centres chosen.
    """
    every = np.vstack([g for g in groups if len(g)]) if any(len(g) for g in groups) else np.zeros((0, 2))
    reach = float(np.hypot(frame[2] - frame[0], frame[3] - frame[1]))
    angles = np.linspace(0, 2 * np.pi, DIRECTIONS, endpoint=False)
    steps = np.concatenate([[0.0], np.geomspace(4.0, reach, RINGS)])
    offsets = np.array([(0.0, 0.0)] + [(r * np.cos(a), r * np.sin(a)) for r in steps[1:] for a in angles])
    placed: list[np.ndarray] = []
    out = np.zeros_like(np.asarray(anchors, dtype=float))
    for k, (anchor, (w, h)) in enumerate(zip(anchors, sizes)):
        best, best_key = None, None
        for dx, dy in offsets:
            cx, cy = anchor[0] + dx, anchor[1] + dy
            box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
            if box[0] < frame[0] or box[1] < frame[1] or box[2] > frame[2] or box[3] > frame[3]:
                continue
            if _overlaps(box, placed, pad):
                continue
            own = _inside(groups[k], box, pad)
            key = (own, _inside(every, box, pad) - own, np.hypot(dx, dy))
            if best_key is None or key < best_key:
                best, best_key = box, key
            if own == 0 and key[1] == 0:
                break  # the nearest position on nothing at all: no later (farther) one can beat it
        if best is None:  # no free room at all: at the anchor, whatever it covers
            best = np.array([anchor[0] - w / 2, anchor[1] - h / 2, anchor[0] + w / 2, anchor[1] + h / 2])
        placed.append(best)
        out[k] = [(best[0] + best[2]) / 2, (best[1] + best[3]) / 2]
    return out


__all__ = ["place_labels"]
