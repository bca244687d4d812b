"""Synthetic but realistic Snapshots, so the views can be tested without training a GAN.

The "generator" here is an explicit map G(z): a fixed random tanh network blended,
as `progress` goes 0 -> 1, with the quantile map that pushes N(0, I) onto the kept
modes of the mixture (some modes are dropped, as in mode collapse). Densities,
D*, divergences, MLE fits and mode metrics come from the core's own functions, so
every number in a synthetic snapshot obeys the identities the views display.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr, ndtri

from ganstudio.core.config import TrainConfig
from ganstudio.core.distributions import DISTRIBUTIONS, GaussianMixture
from ganstudio.core.grids import coarsen, histogram, smoothed_probs
from ganstudio.core.divergences import divergences_from_logs, optimal_discriminator, value_bound
from ganstudio.core.modes import mode_metrics
from ganstudio.core.mle import fit_gaussian, fit_mixture
from ganstudio.core.arrays import frozen
from ganstudio.core.grids import Grid
from ganstudio.core.snapshot import Modes, Snapshot

CRITIC_LOSSES = ("lsgan", "wgan-gp", "hinge")
LOG2 = math.log(2.0)
EVAL_SAMPLES = 40_000  # samples behind P_G's estimate and behind the noise floor alike


def make_snapshot(
    distribution: str = "ring-8",
    *,
    step: int = 2000,
    loss: str = "nonsaturating",
    progress: float = 0.85,
    drop_every: int = 3,
    n: int = 512,
    history_len: int = 60,
    nan_in_history: bool = False,
    noise_dim: int = 2,
    seed: int = 0,
) -> Snapshot:
    """A snapshot of a GAN `progress` of the way to its target, with every mode index
    divisible by `drop_every` (counting from 1) missing; drop_every=0 keeps them all."""
    cfg = TrainConfig(distribution=distribution, loss=loss, noise_dim=noise_dim, seed=seed)
    dist = DISTRIBUTIONS[distribution]
    rng = np.random.default_rng(seed)
    g = _Generator(dist, noise_dim, progress, drop_every, rng)

    latent = rng.standard_normal((n, noise_dim))
    fake = g(latent)
    real = dist.reference_samples(n, seed + 1)

    grid: Grid = dist.display_grid
    mgrid: Grid = dist.metric_grid
    many = g(rng.standard_normal((EVAL_SAMPLES, noise_dim)))
    q = _estimate(many, dist, mgrid)
    log_q = np.log(q)
    log_p = dist.log_cell_probs

    p_data = _density(np.exp(log_p[:-1]).reshape(mgrid.shape), dist.refine, grid)
    p_g = _density(q[:-1].reshape(mgrid.shape), dist.refine, grid)
    d_star = optimal_discriminator(p_data, p_g)
    critic = loss in CRITIC_LOSSES
    with np.errstate(divide="ignore"):
        logit = np.log(p_data + 1e-4) - np.log(p_g + 1e-4)
    logit = _blur(logit, 3.0)  # a learned D is smoother than D*
    d_grid = 1.5 * np.tanh(logit / 3.0) if critic else 1.0 / (1.0 + np.exp(-0.7 * logit))
    grad = _grad_at(logit if not critic else d_grid, grid, fake)

    div = divergences_from_logs(log_p, log_q)
    log_cell = math.log(mgrid.cell)  # entropies of densities (differential), as the core reports them
    floor = divergences_from_logs(log_p, np.log(_estimate(dist.reference_samples(EVAL_SAMPLES, seed + 12), dist, mgrid)))
    metrics: dict[str, float] = {
        "jsd": div["jsd"],
        "kl_data_g": div["kl_pq"],
        "kl_g_data": div["kl_qp"],
        "entropy_data": div["entropy_p"] + log_cell,
        "entropy_g": div["entropy_q"] + log_cell,
        "cross_entropy": div["cross_entropy"] + log_cell,
        "jsd_floor": floor["jsd"],
        "kl_data_g_floor": floor["kl_pq"],
        "kl_g_data_floor": floor["kl_qp"],
        "g_grad_norm": 0.05 + 0.5 * (1 - progress),
        "d_grad_norm": 0.1 + 0.3 * (1 - progress),
    }
    d_real, d_fake = _lookup(d_grid, grid, real), _lookup(d_grid, grid, fake)
    if critic:
        metrics["d_loss"] = float(d_fake.mean() - d_real.mean())
        metrics["g_loss"] = float(-d_fake.mean())
    else:
        metrics["d_loss"] = float(-np.log(d_real).mean() - np.log1p(-d_fake).mean())
        metrics["g_loss"] = float(np.log1p(-d_fake).mean() if loss == "minimax" else -np.log(d_fake).mean())
        metrics["value"] = float(np.log(d_real).mean() + np.log1p(-d_fake).mean())
    metrics["value_bound"] = value_bound(metrics["jsd"])

    gauss = fit_gaussian(real)
    gmm = fit_mixture(real, k=_k(dist), seed=seed)
    metrics["kl_mle_gauss"] = divergences_from_logs(log_p, gauss.log_cell_probs(mgrid))["kl_pq"]
    metrics["kl_mle_gmm"] = divergences_from_logs(log_p, gmm.log_cell_probs(mgrid))["kl_pq"]

    modes = None
    if isinstance(dist, GaussianMixture):
        captured, mcounts, hq = mode_metrics(g(rng.standard_normal((2500, noise_dim))), dist.centres, dist.sigma)
        modes = Modes(frozen(dist.centres), dist.sigma, frozen(captured, bool), frozen(mcounts, np.int64))
        metrics["modes_captured"] = float(captured.sum())
        metrics["modes_total"] = float(len(dist.centres))
        metrics["hq_fraction"] = hq

    manifold = None
    if dist.dim == 2 and noise_dim >= 2:
        t = np.linspace(-2.5, 2.5, 21)
        zz = np.zeros((len(t), len(t), noise_dim))
        zz[..., 0], zz[..., 1] = np.meshgrid(t, t)
        manifold = g(zz.reshape(-1, noise_dim)).reshape(len(t), len(t), 2)

    step_keys = ("d_loss", "g_loss", "g_grad_norm", "d_grad_norm")
    history = _history({k: metrics[k] for k in step_keys}, step, 4 * history_len, rng, nan_in_history)
    grid_metrics = {k: v for k, v in metrics.items() if k not in step_keys}
    metric_history = _history(grid_metrics, step, history_len, rng, nan_in_history)
    notes = () if not critic else (f"{loss}: D is a critic/score, not a probability, so V(G,D) is not estimated",)
    return Snapshot(
        step=step, config=cfg, dim=dist.dim, critic=critic, device="cpu", elapsed_s=step / 250.0,
        steps_per_s=250.0, real=frozen(real), fake=frozen(fake), latent=frozen(latent),
        fake_grad=frozen(grad), manifold=None if manifold is None else frozen(manifold), grid=grid,
        d_grid=frozen(d_grid), d_star_grid=frozen(d_star), p_data_grid=frozen(p_data), p_g_grid=frozen(p_g),
        mle_gauss_grid=frozen(np.exp(gauss.log_density(grid.points())).reshape(grid.shape)),
        mle_gmm_grid=frozen(np.exp(gmm.log_density(grid.points())).reshape(grid.shape)),
        modes=modes, metrics=metrics, history={k: frozen(v, np.float64) for k, v in history.items()},
        metric_history={k: frozen(v, np.float64) for k, v in metric_history.items()},
        metrics_step=step, notes=notes,
    )


class _Generator:
    """G(z) = (1 - t) * random tanh net(z) + t * quantile map of z onto the kept modes."""

    def __init__(self, dist, noise_dim: int, t: float, drop_every: int, rng: np.random.Generator):
        self.dist, self.t, self.dim = dist, float(t), dist.dim
        h = 32
        self.w1 = rng.standard_normal((noise_dim, h)) / math.sqrt(noise_dim)
        self.b1 = rng.standard_normal(h) * 0.5
        self.w2 = rng.standard_normal((h, self.dim)) / math.sqrt(h)
        ext = np.asarray(dist.extent, dtype=float).reshape(self.dim, 2)
        self.centre, self.half = ext.mean(axis=1), 0.25 * (ext[:, 1] - ext[:, 0])
        if isinstance(dist, GaussianMixture):
            k = len(dist.centres)
            kept = [i for i in range(k) if not drop_every or (i + 1) % drop_every]
            self.targets = dist.centres[kept]
            self.sigma = dist.sigma
        else:  # a sampled toy: walk along reference samples ordered by angle
            ref = dist.reference_samples(4096, 7)
            self.targets = ref[np.argsort(np.arctan2(ref[:, 1], ref[:, 0]))]
            self.sigma = 0.02

    def __call__(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        net = np.tanh(z @ self.w1 + self.b1) @ self.w2
        net = self.centre + self.half * np.tanh(net)
        u = ndtr(z[:, 0]) * len(self.targets)
        idx = np.minimum(u.astype(int), len(self.targets) - 1)
        offset = np.zeros((len(z), self.dim))
        offset[:, 0] = ndtri(np.clip(u - idx, 1e-6, 1 - 1e-6))
        if self.dim == 2:
            offset[:, 1] = z[:, 1] if z.shape[1] > 1 else 0.0
        target = self.targets[idx] + self.sigma * offset
        w = (1 - self.t) ** 2  # the blend tightens quadratically, so late progress looks converged
        return w * net + (1 - w) * target


def _k(dist) -> int:
    return len(dist.centres) if isinstance(dist, GaussianMixture) else 8


def _blur(a: np.ndarray, cells: float) -> np.ndarray:
    """Separable Gaussian blur of a 1D or 2D array, `cells` standard deviations wide."""
    r = max(1, int(3 * cells))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / cells) ** 2)
    k /= k.sum()
    out = np.asarray(a, dtype=float)
    for axis in range(out.ndim):
        padded = np.pad(out, [(r, r) if i == axis else (0, 0) for i in range(out.ndim)], mode="edge")
        out = np.apply_along_axis(lambda v: np.convolve(v, k, mode="valid"), axis, padded)
    return out


def _density(probs: np.ndarray, refine: int, grid: Grid) -> np.ndarray:
    return coarsen(probs, refine) / grid.cell


def _cells(grid: Grid, pts: np.ndarray) -> tuple[np.ndarray, ...]:
    pts = np.asarray(pts, dtype=float).reshape(len(pts), grid.dim)
    ix = np.clip(((pts[:, 0] - grid.extent[0]) / (grid.extent[1] - grid.extent[0]) * len(grid.xs)).astype(int),
                 0, len(grid.xs) - 1)
    if grid.dim == 1:
        return (ix,)
    iy = np.clip(((pts[:, 1] - grid.extent[2]) / (grid.extent[3] - grid.extent[2]) * len(grid.ys)).astype(int),
                 0, len(grid.ys) - 1)
    return (iy, ix)


def _lookup(a: np.ndarray, grid: Grid, pts: np.ndarray) -> np.ndarray:
    return np.clip(a[_cells(grid, pts)], 1e-6, 1 - 1e-6) if a.max() <= 1 and a.min() >= 0 else a[_cells(grid, pts)]


def _grad_at(field: np.ndarray, grid: Grid, pts: np.ndarray) -> np.ndarray:
    """The gradient of a gridded function, read at the nearest cell of each point."""
    if grid.dim == 1:
        return np.gradient(field, grid.xs)[_cells(grid, pts)][:, None]
    gy, gx = np.gradient(field, grid.ys, grid.xs)
    c = _cells(grid, pts)
    return np.stack([gx[c], gy[c]], axis=1)


def _estimate(samples: np.ndarray, dist, mgrid: Grid) -> np.ndarray:
    """Cell probabilities (outside cell last) from samples: the same estimator for P_G and the floor."""
    counts, outside = histogram(samples, mgrid)
    return smoothed_probs(_blur(counts, 8.0 if dist.dim == 1 else 2.0 * dist.refine), outside)


def _history(metrics: dict, step: int, length: int, rng, nan: bool) -> dict[str, np.ndarray]:
    """Each metric relaxing towards its final value, with noise; the last entry equals metrics."""
    steps = np.linspace(0, step, length).round()
    s = np.linspace(0.0, 1.0, length)
    out = {"step": steps}
    for key, final in metrics.items():
        start = final * 3.0 + 0.5 if key not in ("modes_total",) else final
        if key == "value_bound":
            curve = value_bound(out["jsd"]) if "jsd" in out else np.full(length, final)
        else:
            curve = final + (start - final) * np.exp(-4 * s) + 0.03 * abs(final + 0.1) * rng.standard_normal(length)
        if key in ("modes_captured", "modes_total"):
            curve = np.clip(np.round(curve), 0, metrics.get("modes_total", final))
        if key in ("jsd", "jsd_floor"):
            curve = np.clip(curve, 0, LOG2)
        if key.endswith("grad_norm") or key.startswith("kl") or key == "hq_fraction":
            curve = np.abs(curve)
        if key == "hq_fraction":
            curve = np.clip(curve, 0, 1)
        curve[-1] = final
        out[key] = curve
    if nan:
        for key in out:
            if key != "step":
                out[key][length // 3] = np.nan
                out[key][length // 2] = np.inf
    return out


__all__ = ["make_snapshot", "CRITIC_LOSSES"]
