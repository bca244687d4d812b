"""A trainer's current state measured on its distribution's grid: P_G, D, D*, V(G, D), the divergences, modes.

P_data is discretised exactly (mixtures) or from 10^6 samples; P_G from `eval_samples`
generator samples. Both live on the same fine metric grid plus an outside cell, so the
divergences are those of the discretised distributions. Entropies are reported as
differential entropies (discrete entropy + log cell size), so H(P,Q) = H(P) + KL(P||Q)
holds exactly on the displayed numbers.
"""

from __future__ import annotations

import weakref
from typing import Protocol

import numpy as np
import torch

from .arrays import frozen
from .config import TrainConfig
from .distributions import Distribution
from .frames import Scaling
from .grids import coarsen, histogram, smoothed_probs
from .divergences import divergences_from_logs, divergences_of_estimate, optimal_discriminator, value_bound
from .mle import fit_gaussian, fit_mixture
from .modes import mode_metrics
from .models import sample_noise
from .snapshot import Modes

MODE_SAMPLES = 2500  # as in VEEGAN / PacGAN
VALUE_SAMPLES = 10_000  # batch for the estimate of V(G, D)
MLE_SAMPLES = 20_000
EVAL_SEED = 2024
CHUNK = 4096  # points per network call when measuring, so a measurement holds a few MB of activations at a time

_mle_cache: "weakref.WeakKeyDictionary[Distribution, dict]" = weakref.WeakKeyDictionary()
_floor_cache: "weakref.WeakKeyDictionary[Distribution, dict]" = weakref.WeakKeyDictionary()
_display_cache: "weakref.WeakKeyDictionary[Distribution, np.ndarray]" = weakref.WeakKeyDictionary()


def mle_baselines(dist: Distribution) -> dict:
    """Gaussian and K-Gaussian maximum-likelihood fits, their display densities and KL(P_data || fit)."""
    if dist not in _mle_cache:
        x = dist.points if hasattr(dist, "points") else dist.reference_samples(MLE_SAMPLES, seed=7)
        k = len(dist.centres) if dist.is_mixture else 8
        fits = {"gauss": fit_gaussian(x), "gmm": fit_mixture(x, k, seed=0)}
        out = {"k": k}
        for name, fit in fits.items():
            out[f"kl_{name}"] = divergences_from_logs(dist.log_cell_probs, fit.log_cell_probs(dist.metric_grid))["kl_pq"]
            shown = np.exp(fit.log_cell_probs(dist.display_grid)[:-1]).reshape(dist.display_grid.shape)
            out[f"{name}_grid"] = frozen(shown / dist.display_grid.cell)
        _mle_cache[dist] = out
    return _mle_cache[dist]


def estimate_log_probs(samples: np.ndarray, dist: Distribution) -> tuple[np.ndarray, np.ndarray]:
    """(raw, smoothed) log cell probabilities of a sample on the metric grid, outside cell last.

    In 1D the histogram is a binned kernel density estimate (Silverman's bandwidth):
    1,000 cells hold too few samples each for a ragged histogram to show D* cleanly,
    and the kernel's added variance (~0.002 for a sigma of 0.5) biases KL by ~1e-5.
    2D keeps the plain histogram: one global bandwidth would blur modes of sigma 0.02.
    """
    counts, outside = histogram(samples, dist.metric_grid)
    if dist.dim == 1:
        counts = _kernel_smooth(counts, samples, dist.metric_grid)
    with np.errstate(divide="ignore"):
        raw = np.log(smoothed_probs(counts, outside, pseudo_mass=0.0))
    return raw, np.log(smoothed_probs(counts, outside))


def _kernel_smooth(counts: np.ndarray, samples: np.ndarray, grid) -> np.ndarray:
    x = samples[np.isfinite(samples).all(axis=1), 0]
    if len(x) < 2:
        return counts
    iqr = np.subtract(*np.percentile(x, [75, 25]))
    spread = min(x.std(), iqr / 1.34) if iqr > 0 else x.std()
    h = 0.9 * spread * len(x) ** (-0.2) / grid.cell  # in cells
    if not h > 0.5:
        return counts  # narrower than a cell: the histogram is already the estimate
    offsets = np.arange(-int(4 * h) - 1, int(4 * h) + 2)
    kernel = np.exp(-0.5 * (offsets / h) ** 2)
    return np.convolve(counts, kernel / kernel.sum(), mode="same")


def grid_divergences(dist: Distribution, samples: np.ndarray) -> dict[str, float]:
    """The metrics between P_data and the distribution of `samples`."""
    return divergences_of_estimate(dist, *estimate_log_probs(samples, dist))


def data_cells(dist: Distribution) -> np.ndarray:
    """P_data's probabilities summed onto the display grid's cells (without the outside cell)."""
    if dist not in _display_cache:
        fine = np.exp(dist.log_cell_probs[:-1]).reshape(dist.metric_grid.shape)
        _display_cache[dist] = coarsen(fine, dist.refine)
    return _display_cache[dist]


def noise_floor(dist: Distribution, n: int) -> dict[str, float]:
    """What the estimator reports for a perfect generator: n fresh samples of P_data in place of G's."""
    cache = _floor_cache.setdefault(dist, {})
    if n not in cache:
        cache[n] = grid_divergences(dist, dist.reference_samples(n, seed=EVAL_SEED + 1))
    return cache[n]


class MeasuredNets(Protocol):
    """What a measurement reads of a trainer (or of a copy of its networks)."""

    config: TrainConfig
    device: torch.device
    step_count: int
    scaling: Scaling
    D: torch.nn.Module

    @property
    def shown_generator(self) -> torch.nn.Module: ...


def d_shown(nets: MeasuredNets, x_data: torch.Tensor) -> torch.Tensor:
    """D(x) shown to the user: a probability for the log losses, the raw score otherwise."""
    out = nets.D(nets.scaling.to_net(x_data))
    return torch.sigmoid(out) if nets.config.uses_probability else out


class GridMeasurer:
    """Measures a generator and discriminator on one distribution's grids."""

    def __init__(self, dist: Distribution, eval_samples: int):
        self.dist = dist
        self.eval_samples = eval_samples

    def generator_samples(self, trainer: MeasuredNets, n: int) -> np.ndarray:
        """n samples of the shown generator in data space, from noise fixed by EVAL_SEED."""
        cfg = trainer.config
        g = torch.Generator(device=trainer.device).manual_seed(EVAL_SEED)
        G = trainer.shown_generator
        out = []
        G.eval()
        with torch.no_grad():
            for start in range(0, n, CHUNK):
                z = sample_noise(min(CHUNK, n - start), cfg.noise_dim, cfg.noise, g)
                out.append(trainer.scaling.to_data(G(z)))
        G.train()
        return torch.cat(out).cpu().numpy()

    def measure(self, trainer: MeasuredNets) -> dict:
        dist, cfg = self.dist, trainer.config
        notes: list[str] = []
        samples = self.generator_samples(trainer, self.eval_samples)
        finite = np.isfinite(samples).all(axis=1)
        if not finite.all():
            notes.append(f"{int((~finite).sum())} generator samples were not finite and count as outside the grid")

        raw, smooth = estimate_log_probs(samples, dist)
        metrics = divergences_of_estimate(dist, raw, smooth)
        floor = noise_floor(dist, self.eval_samples)
        metrics["jsd_floor"] = floor["jsd"]
        metrics["kl_data_g_floor"] = floor["kl_data_g"]
        metrics["kl_g_data_floor"] = floor["kl_g_data"]
        base = mle_baselines(dist)
        metrics["kl_mle_gauss"] = base["kl_gauss"]
        metrics["kl_mle_gmm"] = base["kl_gmm"]

        # V(G, D) = E_data log D(x) + E_G log(1 - D(G(z))), with D = sigmoid(logit).  Its value at the
        # optimal D* of that game, -2 log 2 + 2 JSD, depends on P_G alone, so it is shown for every loss.
        metrics["value_bound"] = value_bound(metrics["jsd"])
        grid = dist.display_grid
        with torch.no_grad():
            pts = torch.as_tensor(grid.points(), dtype=torch.float32, device=trainer.device)
            d_grid = torch.cat([d_shown(trainer, chunk) for chunk in pts.split(CHUNK)]).cpu().numpy().reshape(grid.shape)
            if cfg.uses_probability:
                real = torch.as_tensor(dist.reference_samples(VALUE_SAMPLES, seed=EVAL_SEED + 2), device=trainer.device)
                fake = torch.as_tensor(samples[:VALUE_SAMPLES], device=trainer.device)
                v = (torch.nn.functional.logsigmoid(trainer.D(trainer.scaling.to_net(real))).mean()
                     + torch.nn.functional.logsigmoid(-trainer.D(trainer.scaling.to_net(fake))).mean())
                metrics["value"] = float(v)
            else:
                notes.append(f"{cfg.loss}: D is a critic/score, not a probability, so V(G,D) is not estimated "
                             "(V(G,D*), the original game's value at the optimal D, still is)")

        # Densities on the display grid, and D* = p_data / (p_data + p_G)
        f = dist.refine
        p_cells = data_cells(dist)
        q_cells = coarsen(np.exp(raw[:-1]).reshape(dist.metric_grid.shape), f)
        # Where neither distribution has appreciable mass there is no evidence either way:
        # eps (a millionth of the largest cell) pulls D* to 1/2 there instead of showing
        # the ratio of two underflowing tails.
        eps = 1e-6 * max(p_cells.max(), q_cells.max())
        d_star = optimal_discriminator(p_cells + eps, q_cells + eps)

        modes = None
        if dist.is_mixture:
            captured, counts, hq = mode_metrics(samples[:MODE_SAMPLES], dist.centres, dist.sigma)
            modes = Modes(frozen(dist.centres), dist.sigma, frozen(captured, bool), frozen(counts, np.int64))
            metrics["modes_captured"] = float(captured.sum())
            metrics["modes_total"] = float(len(dist.centres))
            metrics["hq_fraction"] = hq

        return {
            "step": trainer.step_count,
            "grid": grid,
            "d_grid": frozen(d_grid),
            "d_star_grid": frozen(d_star),
            "p_data_grid": frozen(p_cells / grid.cell),
            "p_g_grid": frozen(q_cells / grid.cell),
            "mle_gauss_grid": base["gauss_grid"],
            "mle_gmm_grid": base["gmm_grid"],
            "modes": modes,
            "metrics": metrics,
            "notes": notes,
        }
