"""A 2D view of image distributions: the real set's first two principal components, and a smoothed
histogram density of projected points for contour drawing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .imageset import ImageSet

MAX_FIT = 5000  # PCA is fitted on a seeded subsample of at most this many images
EXTENT_MARGIN = 0.15  # the view extent pads the real points' range by this fraction on each side


def _flat(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(len(x), -1)


@dataclass(frozen=True)
class Projection:
    """x -> (x - mean) @ components.T, with components the top two right singular vectors of the
    centred real images, each signed so its largest-magnitude loading is positive."""

    mean: np.ndarray  # D
    components: np.ndarray  # 2 x D, orthonormal rows
    explained_variance: np.ndarray  # 2: variance of the (fitted) real set along each component
    explained_variance_ratio: np.ndarray  # 2: that variance over the total variance
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1 around the projected real set

    @classmethod
    def fit(cls, images: ImageSet | np.ndarray, seed: int = 0, max_fit: int = MAX_FIT) -> Projection:
        x = _flat(images.images if isinstance(images, ImageSet) else images)
        if len(x) < 3:
            raise ValueError(f"PCA needs at least 3 images, got {len(x)}")
        if x.shape[1] < 2:
            raise ValueError("PCA to 2D needs images with at least 2 pixel values")
        if len(x) > max_fit:
            x = x[np.sort(np.random.default_rng(seed).choice(len(x), max_fit, replace=False))]
        mean = x.mean(axis=0)
        _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
        comps = vt[:2].copy()
        signs = np.sign(comps[np.arange(2), np.abs(comps).argmax(axis=1)])
        comps *= np.where(signs == 0, 1.0, signs)[:, None]
        var = s ** 2 / (len(x) - 1)
        total = var.sum()
        ratio = var[:2] / total if total > 0 else np.zeros(2)
        pts = (x - mean) @ comps.T
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = EXTENT_MARGIN * np.maximum(hi - lo, 1e-6)
        extent = (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1]))
        return cls(mean, comps, var[:2].copy(), ratio, extent)

    def project(self, x) -> np.ndarray:
        """N x 2 coordinates of images N x C x H x W (or N x D), in the space the PCA was fitted in."""
        flat = _flat(x)
        if flat.shape[1] != self.mean.shape[0]:
            raise ValueError(f"projection fitted on {self.mean.shape[0]} pixel values, got {flat.shape[1]}")
        return (flat - self.mean) @ self.components.T


def _gaussian_kernel(sigma: float, cells: int) -> np.ndarray:
    """A normalised Gaussian truncated at 4 sigma, and never wider than the grid."""
    radius = min((cells - 1) // 2, max(1, int(np.ceil(4.0 * sigma))))
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * (t / sigma) ** 2)
    return k / k.sum()


def density_grid(points: np.ndarray, extent: tuple[float, float, float, float], cells: int = 64,
                 sigma_cells: float = 1.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, density): cell centres along x and y, and a density of shape (ny, nx) (row i at
    ys[i], column j at xs[j], as the app's grids) per unit area.

    A 2D histogram of the points inside `extent`, smoothed by a separable Gaussian of
    `sigma_cells` cells (zero outside the grid), normalised so that sum(density) * cell area = 1.
    Points outside the extent and non-finite points are left out; with none inside, the density
    is uniform over the extent.
    """
    x0, x1, y0, y1 = (float(e) for e in extent)
    if cells < 2:
        raise ValueError(f"density grid needs at least 2 cells per axis, got {cells}")
    if not (x1 > x0 and y1 > y0):
        raise ValueError(f"extent must have x0 < x1 and y0 < y1, got {extent}")
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    hist, y_edges, x_edges = np.histogram2d(pts[:, 1], pts[:, 0], bins=cells, range=((y0, y1), (x0, x1)))
    if sigma_cells > 0:
        k = _gaussian_kernel(sigma_cells, cells)
        hist = np.apply_along_axis(np.convolve, 0, hist, k, mode="same")
        hist = np.apply_along_axis(np.convolve, 1, hist, k, mode="same")
    cell_area = (x1 - x0) / cells * (y1 - y0) / cells
    total = hist.sum()
    density = hist / (total * cell_area) if total > 0 else np.full((cells, cells), 1.0 / ((x1 - x0) * (y1 - y0)))
    xs = 0.5 * (x_edges[:-1] + x_edges[1:])
    ys = 0.5 * (y_edges[:-1] + y_edges[1:])
    return xs, ys, density
