"""Labelled horizontal reference lines on a metric plot, and the bridge between their labels
(pyqtgraph items) and the plain geometry of label_placement."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from . import style
from .label_placement import (
    LABEL_END,
    LABEL_START,
    Label,
    Place,
    grow_for_labels,
    runs_above,
    side_with_room,
)
from .metric_plots import LineSpec


def make_line(spec: LineSpec) -> pg.InfiniteLine:
    """A dashed line at spec.value under the curves, its label starting at the plot's left edge or,
    with spec.right, ending at its right edge (so a narrow plot clips neither, and two labels on
    one plot do not meet)."""
    x = 1 if spec.right else 0
    anchor = (x, 1) if spec.above else (x, 0)
    # pyqtgraph takes anchors[0] while the line is in the upper half of the plot, else anchors[1]
    line = pg.InfiniteLine(pos=spec.value, angle=0, pen=style.pen(spec.colour, width=1.5, style="dash"),
                           label=spec.forms[0], labelOpts={"position": LABEL_END if spec.right else LABEL_START,
                                                           "color": style.COLORS.get(spec.colour, spec.colour),
                                                           "anchors": [anchor, anchor], "fill": style.LABEL_FILL})
    line.setZValue(-1)  # under the curves: the label's pale ground keeps it legible but never hides data
    line.label.setFont(style.tick_font())
    if not spec.shown:
        line.hide()
    return line


def anchor_label(line: pg.InfiniteLine, anchor: tuple[int, int]) -> None:
    """Pin a reference line's label to one side of it, wherever in the plot the line is."""
    if line.label.anchors[0] != anchor:
        line.label.anchors = [anchor, anchor]
        line.label.updatePosition()


def text_height(line: pg.InfiniteLine) -> float:
    """A reference label's text height in pixels (its box's blank margins may pass the plot's edge)."""
    return line.label.boundingRect().height() - 2 * line.label.textItem.document().documentMargin()


def label_of(line: pg.InfiniteLine, usual: tuple[bool, bool]) -> Label:
    """The geometry of a line's label as drawn now; `usual` = (right, above) is its usual place."""
    full, h = line.label.boundingRect(), text_height(line)
    return Label(value=line.value(), width=full.width(), text_height=h, margin=(full.height() - h) / 2,
                 right=line.label.orthoPos > 0.5, above=line.label.anchors[0][1] == 1, usual=usual)


def put_label(line: pg.InfiniteLine, place: Place) -> None:
    line.label.setPosition(LABEL_END if place.right else LABEL_START)
    anchor_label(line, (1 if place.right else 0, 1 if place.above else 0))


# A plot whose labels stand on the side of their line that the line's own curve leaves free
# (Placement.FREE_SIDE): `pairs` are (line, its curve).
LABEL_ROOM_MAX = 0.25  # the range grows to give a reference label room, up to this share of its height
LABEL_CLEARANCE_PX = 3  # between such a label and the plot's edge (the axis's tick marks)


def free_side_below(line: pg.InfiniteLine, curve: pg.PlotDataItem, x0: float, x1: float) -> bool:
    """Whether the side of `line` that `curve` leaves free, under its label's own width (which
    grows and shrinks with the plot), is below it."""
    box = line.getViewBox()
    rect = line.label.sceneBoundingRect()
    if box is None or rect.width() <= 0 or box.sceneBoundingRect().width() <= 0:
        return False
    plot = box.sceneBoundingRect()
    xa = x0 + (rect.left() - plot.left()) / plot.width() * (x1 - x0)
    xb = x0 + (rect.right() - plot.left()) / plot.width() * (x1 - x0)
    return runs_above(*curve.getData(), line.value(), xa, xb)


def fit_free_side_range(box: pg.ViewBox, pairs: list[tuple[pg.InfiniteLine, pg.PlotDataItem]]) -> None:
    """The y range: the curves and the visible lines, grown where a line runs along an edge so that
    its label has room on the side its curve leaves free (the curves are drawn over the labels: on
    the other side a noisy curve would cross the text out). Before the curves have data, the
    automatic range around the lines stays."""
    curves = [y[np.isfinite(y)] for y in (curve.getData()[1] for _, curve in pairs) if y is not None]
    if not sum(len(y) for y in curves) or box.height() <= 0:
        return
    pairs = [(line, curve) for line, curve in pairs if line.isVisible()]
    ys = np.concatenate(curves + [np.array([line.value() for line, _ in pairs])])
    lo, hi = float(ys.min()), float(ys.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    x0, x1 = box.viewRange()[0]
    lo, hi = grow_for_labels(lo, hi, [
        (line.value(), min(LABEL_ROOM_MAX, (text_height(line) + LABEL_CLEARANCE_PX) / box.height()),
         free_side_below(line, curve, x0, x1)) for line, curve in pairs])
    box.enableAutoRange(axis="y", enable=False)
    box.setYRange(lo, hi, padding=0.04)


def place_on_free_sides(box: pg.ViewBox, pairs: list[tuple[pg.InfiniteLine, pg.PlotDataItem]],
                        y_range=None) -> bool:
    """Each label on the side of its line that its curve leaves free, where the label stands;
    fit_free_side_range leaves room there, and only where there is none (a plot too short for it)
    does a label go to the other side. `y_range` is the range about to be shown (default: the
    one shown). False, placing nothing, for an empty range."""
    (x0, x1), (y0, y1) = box.viewRange() if y_range is None else (box.viewRange()[0], y_range)
    if y1 <= y0:
        return False
    for line, curve in pairs:
        below = side_with_room(free_side_below(line, curve, x0, x1), line.value(), y0, y1, box.height(),
                               text_height(line))
        anchor_label(line, (1 if line.label.anchors[0][0] == 1 else 0, 0 if below else 1))
    return True


__all__ = [
    "anchor_label",
    "fit_free_side_range",
    "free_side_below",
    "label_of",
    "make_line",
    "place_on_free_sides",
    "put_label",
    "text_height",
]
