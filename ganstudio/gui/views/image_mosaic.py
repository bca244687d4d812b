"""Qt-free arithmetic for the image view: images tiled into one array, D's scores binned, and where
each part of the view goes at a given size.

One mosaic array is one ImageItem: a single texture upload a frame instead of 64 items.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

GAP_VALUE = 1.0  # the gap between tiles: white, the views' background
PROBABILITY_BINS = 25
CRITIC_BINS = 30

TITLE_HEIGHT = 30  # a plot title's row (pyqtgraph fixes it at 30 pixels)
IMAGE_MARGIN = 8  # pixels around and between the mosaics
SPACING = 4  # between the images and the measured plots, and between plots in a row
PLOT_SHARE = 0.36  # the measured plots get at least this share of the height...
PLOT_MIN_HEIGHT = 220  # ...and at least this many pixels, where that leaves the images 55% of the height
ROW_MIN_WIDTH = 215  # the narrowest a measured plot may be in a row of three; narrower views use tabs


def mosaic(images: np.ndarray, columns: int, gap: int = 1, fill: float = GAP_VALUE) -> np.ndarray:
    """N x C x H x W images in [0, 1] tiled row by row, `columns` to a row, `gap` pixels apart.

    Returns rows*(H+gap)-gap by columns*(W+gap)-gap pixels: 2D for one channel, with a trailing
    axis of C for colour.  Tile k's top-left pixel is at (k // columns * (H+gap), k % columns * (W+gap)).
    Unused tiles, the gaps and non-finite pixels hold `fill`; values are clipped to [0, 1].
    """
    a = np.asarray(images, dtype=np.float32)
    if a.ndim != 4:
        raise ValueError(f"images must be N x C x H x W, got shape {a.shape}")
    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}")
    n, c, h, w = a.shape
    rows = max(1, math.ceil(n / columns))
    out = np.full((c, rows * (h + gap) - gap, columns * (w + gap) - gap), fill, dtype=np.float32)
    for k in range(n):
        top, left = tile_origin(k, columns, h, w, gap)
        out[:, top:top + h, left:left + w] = a[k]
    out = np.where(np.isfinite(out), np.clip(out, 0.0, 1.0), np.float32(fill))
    return out[0] if c == 1 else np.ascontiguousarray(np.moveaxis(out, 0, -1))


def tile_origin(k: int, columns: int, height: int, width: int, gap: int = 1) -> tuple[int, int]:
    """(row, column) of tile k's top-left pixel in a mosaic."""
    return (k // columns) * (height + gap), (k % columns) * (width + gap)


def score_bins(d_real: np.ndarray, d_fake: np.ndarray, critic: bool) -> np.ndarray:
    """Bin edges for histograms of D's scores: [0, 1] for a probability, else the finite range of
    both sets' critic scores (widened to a unit interval when they are all equal)."""
    if not critic:
        return np.linspace(0.0, 1.0, PROBABILITY_BINS + 1)
    both = np.concatenate([np.ravel(d_real), np.ravel(d_fake)]).astype(float)
    both = both[np.isfinite(both)]
    lo, hi = (float(both.min()), float(both.max())) if both.size else (-1.0, 1.0)
    if hi - lo <= 1e-12 * max(1.0, abs(lo)):
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, CRITIC_BINS + 1)


def finite(values: np.ndarray) -> np.ndarray:
    """The finite entries of `values` as float64, flattened."""
    v = np.ravel(np.asarray(values, dtype=float))
    return v[np.isfinite(v)]


def finite_rows(points: np.ndarray) -> np.ndarray:
    """The rows of an (n, 2) array whose coordinates are all finite."""
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    return p[np.isfinite(p).all(axis=1)]


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels, (x, y) its top-left corner."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height


@dataclass(frozen=True)
class ImageLayout:
    """Where the image view's parts go: each mosaic and the strip as a titled box (title row included),
    the measured plots as three boxes in a row or, when `tabbed`, one box for a tab widget."""

    fake: Box
    real: Box
    strip: Box
    plots: tuple[Box, ...]
    tabbed: bool
    side: int  # each mosaic's square, in pixels


def image_layout(width: int, height: int, strip_aspect: float, title: int = TITLE_HEIGHT,
                 margin: int = IMAGE_MARGIN, spacing: int = SPACING) -> ImageLayout:
    """The image view's parts in a `width` x `height` area: the two square mosaics side by side on
    top, as large as the width and the plots' share of the height allow, the interpolation strip
    (`strip_aspect` = its width / height) under both, and the measured plots in the rest.

    Every box lies inside the area for any size (degenerate boxes have zero width or height).
    """
    w, h = max(0, int(width)), max(0, int(height))
    plots_min = max(round(PLOT_SHARE * h), min(PLOT_MIN_HEIGHT, round((1 - 0.55) * h)))
    room = h - plots_min - spacing
    # images: margin, title, side, margin, title, strip, margin; the strip is 2 side + margin wide
    by_height = (room - 3 * margin - 2 * title - margin / strip_aspect) / (1 + 2 / strip_aspect)
    by_width = (w - 3 * margin) / 2
    side = max(0, math.floor(min(by_height, by_width)))
    strip_w = 2 * side + margin if side else 0
    strip_h = math.floor(strip_w / strip_aspect)
    left = max(0, (w - strip_w) // 2)
    top = min(h, margin)
    mosaic_h = min(title + side, h - top)
    fake = Box(left, top, side, mosaic_h)
    real = Box(min(w, left + side + margin), top, min(side, max(0, w - left - side - margin)), mosaic_h)
    strip_top = min(h, fake.bottom + margin)
    strip = Box(left, strip_top, strip_w, min(title + strip_h, h - strip_top))
    plots_top = min(h, strip.bottom + margin)
    plots_h = h - plots_top
    tabbed = (w - 2 * spacing) / 3 < ROW_MIN_WIDTH
    if tabbed:
        plots: tuple[Box, ...] = (Box(0, plots_top, w, plots_h),)
    else:
        edges = [round(i * (w + spacing) / 3) for i in range(4)]
        plots = tuple(Box(edges[i], plots_top, edges[i + 1] - edges[i] - spacing, plots_h) for i in range(3))
    return ImageLayout(fake, real, strip, plots, tabbed, side)


__all__ = ["Box", "ImageLayout", "finite", "finite_rows", "image_layout", "mosaic", "score_bins", "tile_origin"]
