"""Qt-free arithmetic for the image view: images tiled into one array, and D's scores binned.

One mosaic array is one ImageItem: a single texture upload a frame instead of 64 items.
"""

from __future__ import annotations

import math

import numpy as np

GAP_VALUE = 1.0  # the gap between tiles: white, the views' background
PROBABILITY_BINS = 25
CRITIC_BINS = 30


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


__all__ = ["mosaic", "tile_origin", "score_bins", "finite", "finite_rows"]
