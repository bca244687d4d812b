"""Where a reference line's label stands on a plot: plain geometry, no Qt.

Rectangles are (left, bottom, right, top) in pixels from the plot body's bottom-left
corner; curves are (x, y) arrays in the plot's own coordinates (log10 on a log axis),
mapped to pixels by a `Frame`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Rect = tuple[float, float, float, float]
Curve = tuple[np.ndarray | None, np.ndarray | None]

LABEL_START = 0.02  # a label starts at this share of its plot's width...
LABEL_ROOM = 0.96  # ...or ends at LABEL_END: this share of the width is its room
LABEL_END = LABEL_ROOM + LABEL_START


@dataclass(frozen=True)
class Frame:
    """A plot body's view range and its size in pixels."""

    x0: float
    x1: float
    y0: float
    y1: float
    width: float
    height: float

    @property
    def usable(self) -> bool:
        return self.x1 > self.x0 and self.y1 > self.y0 and self.width > 0 and self.height > 0

    @property
    def px_x(self) -> float:
        return self.width / (self.x1 - self.x0)

    @property
    def px_y(self) -> float:
        return self.height / (self.y1 - self.y0)


@dataclass(frozen=True)
class Label:
    """A reference line's label: the line's height, the label's size, where it stands now and
    where it stands by preference. `margin` is the blank band above and below the text, which
    carries the label's pale ground and may pass the plot's edge."""

    value: float
    width: float
    text_height: float
    margin: float
    right: bool
    above: bool
    usual: tuple[bool, bool]  # (right, above)


@dataclass(frozen=True)
class Place:
    right: bool
    above: bool
    rect: Rect
    cost: tuple[int, int, int]  # (curve points covered, moved from where it stands, away from its usual place)


def overlap(a: Rect, b: Rect) -> bool:
    """Whether two rectangles share more than an edge."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def points_in(x, y, rect: Rect, frame: Frame) -> int:
    """How much of a curve lies in `rect`: its points there, plus the pixel columns of the rect
    that the line drawn between two points crosses (its x values increase)."""
    if x is None or len(x) == 0:
        return 0
    u = (np.asarray(x, dtype=float) - frame.x0) * frame.px_x
    w = (np.asarray(y, dtype=float) - frame.y0) * frame.px_y
    hits = int(np.count_nonzero((u >= rect[0]) & (u <= rect[2]) & (w >= rect[1]) & (w <= rect[3])))
    if len(u) > 1:
        cols = np.arange(math.ceil(max(rect[0], u[0])), math.floor(min(rect[2], u[-1])) + 1)
        drawn = np.interp(cols, u, w)
        hits += int(np.count_nonzero((drawn >= rect[1]) & (drawn <= rect[3])))
    return hits


def runs_above(x, y, value: float, xa: float, xb: float) -> bool:
    """Whether a curve lies mostly (by its median) above `value` between xa and xb; False where
    it has no finite points there."""
    if x is None or len(x) == 0:
        return False
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    y = y[(x >= xa) & (x <= xb)]
    y = y[np.isfinite(y)]
    return bool(len(y)) and float(np.median(y)) > value


def places(label: Label, curves: Sequence[Curve], frame: Frame) -> list[Place]:
    """The places a label can take (either end of its line, either side of it) with the text
    inside the plot, each with its own cost."""
    v = (label.value - frame.y0) * frame.px_y
    h, margin = label.text_height, label.margin
    out = []
    for right, above in itertools.product((False, True), (True, False)):
        bottom = v + margin if above else v - margin - h  # of the text
        if bottom < 0 or bottom + h > frame.height:
            continue
        left = LABEL_END * frame.width - label.width if right else LABEL_START * frame.width
        rect = (left, bottom - margin, left + label.width, bottom + h + margin)
        hits = sum(points_in(x, y, rect, frame) for x, y in curves)
        moved = (label.right, label.above) != (right, above)
        out.append(Place(right, above, rect, (hits, int(moved), int(label.usual != (right, above)))))
    return out


def choose_places(labels: Sequence[Label], curves: Sequence[Curve], frame: Frame) -> list[Place | None]:
    """One place per label, chosen for all of a plot's labels together: no two overlapping where
    that can be had, then the fewest curve points under them, then staying where they stand,
    then their usual places. None for a label with no room on either side of its line (it stays
    where it is)."""
    if not frame.usable:
        return [None] * len(labels)
    choices = [places(label, curves, frame) or [None] for label in labels]

    def cost(combo: tuple[Place | None, ...]) -> tuple[int, ...]:
        chosen = [p for p in combo if p is not None]
        clashes = sum(overlap(a.rect, b.rect) for a, b in itertools.combinations(chosen, 2))
        return (clashes, *(sum(p.cost[k] for p in chosen) for k in range(3)))

    return list(min(itertools.product(*choices), key=cost))


def side_with_room(below: bool, value: float, y0: float, y1: float, height: float, need: float) -> bool:
    """`below` (the side a label prefers), unless the plot has less than `need` pixels on that side
    of the line at `value`: then the other side. True means below."""
    px = height / (y1 - y0)
    if below and (value - y0) * px < need:
        return False
    if not below and (y1 - value) * px < need:
        return True
    return below


def grow_for_labels(lo: float, hi: float, lines: Sequence[tuple[float, float, bool]],
                    rounds: int = 6) -> tuple[float, float]:
    """A y range from lo to hi, grown so that each line (value, share, below) has `share` of the
    range between it and the edge on its label's side (the bottom edge where `below`). Room added
    at one edge shrinks the share the other has: a few rounds converge."""
    for _ in range(rounds):
        for v, share, below in lines:
            if below:  # (v - lo) must be `share` of (hi - lo)
                lo = min(lo, (v - share * hi) / (1 - share))
            else:
                hi = max(hi, (v - share * lo) / (1 - share))
    return lo, hi


__all__ = [
    "LABEL_END",
    "LABEL_ROOM",
    "LABEL_START",
    "Frame",
    "Label",
    "Place",
    "choose_places",
    "grow_for_labels",
    "overlap",
    "places",
    "points_in",
    "runs_above",
    "side_with_room",
]
