"""The reference toy distributions: 1D and 2D Gaussian mixtures and sampled 2D toys.

Every distribution samples on the device of the torch.Generator it is given, so a
run is reproducible from one seed and data never round-trips through the CPU on a GPU.
Mixtures know their exact density; the other toys get theirs estimated once from
10^6 samples on the evaluation grid.
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import torch

from .grids import Grid, histogram, log_cell_probs_mixture, make_grid, smoothed_probs

GRID_1D = 1000  # cells of the 1D evaluation grid
GRID_2D = 160  # cells per axis of the 2D display grid
REFINE_2D = 3  # metrics use a grid this many times finer per axis
DENSITY_SAMPLES = 10**6


class Distribution:
    name: str
    label: str
    dim: int
    extent: tuple[float, ...]

    @property
    def group(self) -> str:
        return f"{self.dim}D"

    @property
    def is_mixture(self) -> bool:
        return False

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        raise NotImplementedError

    # --- grids ------------------------------------------------------------
    @cached_property
    def display_grid(self) -> Grid:
        return make_grid(self.extent, GRID_1D if self.dim == 1 else GRID_2D)

    @property
    def refine(self) -> int:
        """Exact mixtures use a finer metric grid; estimated densities would only get noisier."""
        return REFINE_2D if self.dim == 2 and self.is_mixture else 1

    @cached_property
    def metric_grid(self) -> Grid:
        return make_grid(self.extent, len(self.display_grid.xs) * self.refine)

    @cached_property
    def log_cell_probs(self) -> np.ndarray:
        """log P_data(cell) on the metric grid, plus the outside cell last (flattened)."""
        counts, outside = self._density_counts()
        return np.log(smoothed_probs(counts, outside))

    def _density_counts(self) -> tuple[np.ndarray, int]:
        g = torch.Generator().manual_seed(12345)
        samples = self.sample(DENSITY_SAMPLES, g).cpu().numpy()
        return histogram(samples, self.metric_grid)

    @cached_property
    def moments(self) -> tuple[np.ndarray, float]:
        """Mean vector and one isotropic scale, so normalised data keeps circles circular."""
        x = self.sample(100_000, torch.Generator().manual_seed(54321)).double()
        mean = x.mean(dim=0).numpy()
        std = float(x.var(dim=0).mean().sqrt())
        return mean, max(std, 1e-6)

    def reference_samples(self, n: int, seed: int) -> np.ndarray:
        return self.sample(n, torch.Generator().manual_seed(seed)).cpu().numpy()


class GaussianMixture(Distribution):
    """Equal-weight isotropic Gaussians: exact density, exact cell probabilities, known modes."""

    def __init__(self, name: str, label: str, means, sigma: float, extent: tuple[float, ...]):
        self.name, self.label = name, label
        self.means = np.asarray(means, dtype=np.float64)
        if self.means.ndim == 1:
            self.means = self.means[:, None]
        self.dim = self.means.shape[1]
        self.sigma = float(sigma)
        self.weights = np.full(len(self.means), 1.0 / len(self.means))
        self.extent = extent
        self._means_on: dict[torch.device, torch.Tensor] = {}

    @property
    def is_mixture(self) -> bool:
        return True

    @property
    def centres(self) -> np.ndarray:
        return self.means

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        dev = generator.device
        means = self._means_on.get(dev)
        if means is None:  # one host-to-device copy per device, not one per batch
            means = self._means_on[dev] = torch.as_tensor(self.means, dtype=torch.float32, device=dev)
        k = torch.randint(len(self.means), (n,), generator=generator, device=dev)
        eps = torch.randn(n, self.dim, generator=generator, device=dev)
        return means[k] + self.sigma * eps

    def log_density(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64).reshape(-1, self.dim)
        d2 = ((x[:, None, :] - self.means[None]) ** 2).sum(-1) / self.sigma**2
        logc = -0.5 * d2 - self.dim * (math.log(self.sigma) + 0.5 * math.log(2 * math.pi))
        logc += np.log(self.weights)[None]
        m = logc.max(axis=1, keepdims=True)
        return (m + np.log(np.exp(logc - m).sum(axis=1, keepdims=True)))[:, 0]

    @cached_property
    def log_cell_probs(self) -> np.ndarray:
        lp = log_cell_probs_mixture(self.metric_grid, self.means, np.full(len(self.means), self.sigma), self.weights)
        flat = lp.ravel()
        inside = float(np.exp(flat).sum())
        outside = math.log(max(1.0 - inside, 1e-300))
        return np.concatenate([flat, [outside]])

    @cached_property
    def moments(self) -> tuple[np.ndarray, float]:
        mean = self.means.mean(axis=0)
        var = ((self.means - mean) ** 2).sum(axis=1).mean() / self.dim + self.sigma**2
        return mean, math.sqrt(var)


class SampledToy(Distribution):
    """A 2D toy defined by its sampler; its density is estimated once on the grid."""

    def __init__(self, name: str, label: str, sampler, extent: tuple[float, ...]):
        self.name, self.label, self.dim, self.extent = name, label, 2, extent
        self._sampler = sampler

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return self._sampler(n, generator)


def _uniform(n: int, g: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=g, device=g.device)


def _normal(shape, g: torch.Generator) -> torch.Tensor:
    return torch.randn(shape, generator=g, device=g.device)


def _moons(n: int, g: torch.Generator) -> torch.Tensor:
    # Two interleaving half circles (as scikit-learn's make_moons), noise 0.05, centred, scaled x2.
    t = math.pi * _uniform(n, g)
    upper = _uniform(n, g) < 0.5
    x = torch.where(upper, torch.cos(t), 1 - torch.cos(t))
    y = torch.where(upper, torch.sin(t), 0.5 - torch.sin(t))
    pts = torch.stack([x - 0.5, y - 0.25], dim=1) + 0.05 * _normal((n, 2), g)
    return 2.0 * pts


def _spiral(n: int, g: torch.Generator) -> torch.Tensor:
    # Two interleaved arms of an Archimedean spiral (the "2spirals" toy), noise 0.1.
    r = torch.sqrt(_uniform(n, g)) * 3 * math.pi
    arm = torch.where(_uniform(n, g) < 0.5, -1.0, 1.0)
    pts = torch.stack([-torch.cos(r) * r, torch.sin(r) * r], dim=1) * arm[:, None] / 3.0
    return pts + 0.1 * _normal((n, 2), g)


def _circles(n: int, g: torch.Generator) -> torch.Tensor:
    # Two concentric circles of radius 2 and 1 (as make_circles), noise 0.05.
    t = 2 * math.pi * _uniform(n, g)
    radius = torch.where(_uniform(n, g) < 0.5, 2.0, 1.0)
    pts = torch.stack([torch.cos(t), torch.sin(t)], dim=1) * radius[:, None]
    return pts + 0.05 * _normal((n, 2), g)


def _checkerboard(n: int, g: torch.Generator) -> torch.Tensor:
    # Uniform on the 8 dark squares of a 4x4 board of side 2 over [-4, 4]^2.
    x = 8 * _uniform(n, g) - 4
    col = torch.floor(x / 2)
    row = torch.randint(0, 2, (n,), generator=g, device=g.device) * 2 + torch.remainder(col, 2)
    y = 2 * (row - 2) + 2 * _uniform(n, g)
    return torch.stack([x, y], dim=1)


def _ring(k: int = 8, radius: float = 2.0) -> np.ndarray:
    a = 2 * math.pi * np.arange(k) / k
    return radius * np.stack([np.cos(a), np.sin(a)], axis=1)


def _grid25() -> np.ndarray:
    v = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    gx, gy = np.meshgrid(v, v)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


DISTRIBUTIONS: dict[str, Distribution] = {
    d.name: d
    for d in [
        GaussianMixture("gaussian-1d", "Gaussian N(4, 0.5²)", [4.0], 0.5, (1.0, 7.0)),
        GaussianMixture("bimodal-1d", "Bimodal ½N(−2, 0.5²) + ½N(2, 0.5²)", [-2.0, 2.0], 0.5, (-5.0, 5.0)),
        GaussianMixture("ring-8", "Ring of 8 Gaussians", _ring(), 0.02, (-2.5, 2.5, -2.5, 2.5)),
        GaussianMixture("grid-25", "Grid of 25 Gaussians", _grid25(), 0.05, (-5.0, 5.0, -5.0, 5.0)),
        SampledToy("moons", "Two moons", _moons, (-3.6, 3.6, -3.6, 3.6)),
        SampledToy("spiral", "Two spirals", _spiral, (-4.0, 4.0, -4.0, 4.0)),
        SampledToy("circles", "Concentric circles", _circles, (-2.6, 2.6, -2.6, 2.6)),
        SampledToy("checkerboard", "Checkerboard", _checkerboard, (-4.5, 4.5, -4.5, 4.5)),
    ]
}
