"""Evaluation grids and exact cell probabilities.

Divergences are computed between distributions discretised on a grid (plus one
"outside" cell so each is a proper probability vector). For Gaussian mixtures the
cell probabilities are integrated exactly in log space, because a mode of sigma 0.02
is narrower than a cell: evaluating the density at cell centres would be wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


@dataclass(frozen=True)
class Grid:
    """The evaluation grid: 1D `n` bin centres over [lo, hi]; 2D `shape` (ny, nx) cells.

    Densities on the grid are per unit length (1D) or area (2D); arrays on a 2D grid
    have shape (ny, nx) with row i at y = ys[i] and column j at x = xs[j].
    """

    dim: int
    xs: np.ndarray  # bin centres along x
    ys: np.ndarray | None  # bin centres along y (2D only)
    extent: tuple[float, ...]  # (x0, x1) or (x0, x1, y0, y1): the outer edges

    @property
    def cell(self) -> float:
        """Length (1D) or area (2D) of one cell."""
        dx = (self.extent[1] - self.extent[0]) / len(self.xs)
        if self.dim == 1:
            return dx
        return dx * (self.extent[3] - self.extent[2]) / len(self.ys)

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.xs),) if self.dim == 1 else (len(self.ys), len(self.xs))

    def points(self) -> np.ndarray:
        """Cell centres as an (n, dim) array, in row-major order of `shape`."""
        if self.dim == 1:
            return self.xs[:, None]
        gx, gy = np.meshgrid(self.xs, self.ys)
        return np.stack([gx.ravel(), gy.ravel()], axis=1)


def make_grid(extent: tuple[float, ...], n: int) -> Grid:
    """A grid of `n` cells per axis over `extent` ((lo, hi) or (x0, x1, y0, y1))."""
    def centres(lo: float, hi: float) -> np.ndarray:
        h = (hi - lo) / n
        return lo + h * (np.arange(n) + 0.5)

    if len(extent) == 2:
        return Grid(1, centres(*extent), None, tuple(float(e) for e in extent))
    return Grid(2, centres(extent[0], extent[1]), centres(extent[2], extent[3]), tuple(float(e) for e in extent))


def edges(grid: Grid, axis: int) -> np.ndarray:
    lo, hi = grid.extent[2 * axis], grid.extent[2 * axis + 1]
    n = len(grid.xs if axis == 0 else grid.ys)
    return np.linspace(lo, hi, n + 1)


def log_interval_prob(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(Phi(b) - Phi(a)) for standard-normal a < b, accurate far into both tails."""
    a_t = torch.as_tensor(a, dtype=torch.float64)
    b_t = torch.as_tensor(b, dtype=torch.float64)
    # Work in the tail where both ends are small: flip to the left tail when the interval is right of 0.
    flip = (a_t + b_t) > 0
    lo = torch.where(flip, -b_t, a_t)
    hi = torch.where(flip, -a_t, b_t)
    log_hi = torch.special.log_ndtr(hi)
    log_lo = torch.special.log_ndtr(lo)
    diff = log_lo - log_hi  # <= 0
    out = log_hi + torch.log(-torch.expm1(diff))
    return out.numpy()


def log_cell_probs_mixture(grid: Grid, means: np.ndarray, sigmas: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """log P(cell) for a mixture of axis-aligned Gaussians: sum_k w_k prod_axis (Phi(b)-Phi(a)).

    `sigmas` is (k, dim) (or (k,) for isotropic components). Returns shape grid.shape.
    """
    means = np.asarray(means, dtype=np.float64).reshape(len(weights), grid.dim)
    sigmas = np.asarray(sigmas, dtype=np.float64)
    if sigmas.ndim == 1:
        sigmas = np.repeat(sigmas[:, None], grid.dim, axis=1)
    terms = []
    for k in range(len(weights)):
        per_axis = []
        for axis in range(grid.dim):
            e = edges(grid, axis)
            z = (e - means[k, axis]) / sigmas[k, axis]
            per_axis.append(log_interval_prob(z[:-1], z[1:]))
        if grid.dim == 1:
            lp = per_axis[0]
        else:
            lp = per_axis[1][:, None] + per_axis[0][None, :]  # rows are y
        terms.append(math.log(weights[k]) + lp)
    stacked = np.stack(terms)
    m = stacked.max(axis=0)
    return m + np.log(np.exp(stacked - m).sum(axis=0))


def histogram(samples: np.ndarray, grid: Grid) -> tuple[np.ndarray, int]:
    """Counts of samples per cell (shape grid.shape) and the number that fell outside the grid."""
    samples = np.asarray(samples, dtype=np.float64).reshape(len(samples), grid.dim)
    idx = []
    inside = np.all(np.isfinite(samples), axis=1)
    for axis in range(grid.dim):
        lo, hi = grid.extent[2 * axis], grid.extent[2 * axis + 1]
        n = len(grid.xs if axis == 0 else grid.ys)
        i = np.floor((samples[:, axis] - lo) / (hi - lo) * n)
        inside &= (i >= 0) & (i < n)
        idx.append(i)
    if grid.dim == 1:
        flat = idx[0][inside].astype(np.int64)
        size = len(grid.xs)
    else:
        flat = (idx[1][inside] * len(grid.xs) + idx[0][inside]).astype(np.int64)
        size = len(grid.xs) * len(grid.ys)
    counts = np.bincount(flat, minlength=size).reshape(grid.shape).astype(np.float64)
    return counts, int(len(samples) - inside.sum())


PSEUDO_MASS = 1e-3


def smoothed_probs(counts: np.ndarray, outside: int, pseudo_mass: float = PSEUDO_MASS) -> np.ndarray:
    """A probability vector over the cells plus one outside cell, from counts, lightly smoothed.

    A total of `pseudo_mass` is spread evenly over all cells so KL(P_data || P_G) stays
    finite where a finite sample happens to miss a cell; the same estimator is used for
    the noise floor, so the floor shows what this smoothing and sampling cost.
    """
    flat = np.concatenate([counts.ravel(), [float(outside)]])
    n = flat.sum()
    flat = flat / n if n > 0 else np.full_like(flat, 1.0 / len(flat))
    return (1.0 - pseudo_mass) * flat + pseudo_mass / len(flat)


def coarsen(a: np.ndarray, factor: int) -> np.ndarray:
    """Sum blocks of `factor` cells per axis (probabilities on a fine grid -> a coarse grid)."""
    if factor == 1:
        return a
    if a.ndim == 1:
        return a.reshape(-1, factor).sum(axis=1)
    ny, nx = a.shape
    return a.reshape(ny // factor, factor, nx // factor, factor).sum(axis=(1, 3))


def highest_density_level(density: np.ndarray, cell: float, mass: float) -> float | None:
    """The density level whose superset {x : p(x) >= level} holds `mass` of the probability: the
    contour of the smallest region with that mass.  None when the grid's cells hold less than
    `mass` in all, as when the region reaches past the grid."""
    d = np.sort(np.nan_to_num(np.asarray(density, dtype=float).ravel(), nan=0.0))[::-1]
    held = np.cumsum(d) * cell
    i = int(np.searchsorted(held, mass))
    return float(d[i]) if i < len(d) and d[i] > 0 else None
