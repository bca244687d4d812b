"""Maximum-likelihood baselines: what fitting P_G(x; theta) by likelihood gives before GANs.

Maximising the likelihood of the data is minimising KL(P_data || P_theta), so these
fits show the best KL a parametric family can reach: a single Gaussian cannot
represent a ring of eight modes; a mixture with enough components can.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .grids import Grid, log_cell_probs_mixture


@dataclass(frozen=True)
class GaussianFit:
    mean: np.ndarray  # (dim,)
    cov: np.ndarray  # (dim, dim)

    def log_density(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64).reshape(-1, len(self.mean))
        diff = x - self.mean
        inv = np.linalg.inv(self.cov)
        _, logdet = np.linalg.slogdet(self.cov)
        maha = np.einsum("ni,ij,nj->n", diff, inv, diff)
        return -0.5 * (maha + logdet + len(self.mean) * math.log(2 * math.pi))

    def log_cell_probs(self, grid: Grid) -> np.ndarray:
        """log P(cell), plus the outside cell last; exact when the covariance is diagonal."""
        d = len(self.mean)
        if d == 1 or abs(self.cov[0, 1]) < 1e-12 * math.sqrt(self.cov[0, 0] * self.cov[1, 1]):
            lp = log_cell_probs_mixture(grid, self.mean[None], np.sqrt(np.diag(self.cov))[None], np.ones(1))
        else:  # a correlated Gaussian: density at cell centres times the cell area
            lp = self.log_density(grid.points()).reshape(grid.shape) + math.log(grid.cell)
        return _with_outside(lp)


@dataclass(frozen=True)
class MixtureFit:
    weights: np.ndarray  # (k,)
    means: np.ndarray  # (k, dim)
    stds: np.ndarray  # (k, dim) axis-aligned components
    log_likelihood: float  # mean per sample at convergence
    iterations: int

    def log_density(self, x: np.ndarray) -> np.ndarray:
        return _logsumexp(_component_log_pdf(np.asarray(x, dtype=np.float64), self), axis=1)

    def log_cell_probs(self, grid: Grid) -> np.ndarray:
        return _with_outside(log_cell_probs_mixture(grid, self.means, self.stds, self.weights))


def fit_gaussian(x: np.ndarray) -> GaussianFit:
    """The closed-form MLE: sample mean and (biased, 1/N) covariance."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    mean = x.mean(axis=0)
    diff = x - mean
    cov = diff.T @ diff / len(x)
    cov += np.eye(len(mean)) * 1e-12 * max(float(np.trace(cov)), 1e-12)
    return GaussianFit(mean, cov)


def fit_mixture(x: np.ndarray, k: int, seed: int = 0, iters: int = 300, tol: float = 1e-7) -> MixtureFit:
    """EM for a K-component axis-aligned Gaussian mixture, started from k-means++ seeds."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    n, d = x.shape
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    means = _kmeans_pp(x, k, rng)
    floor = 1e-6 * max(float(x.var(axis=0).mean()), 1e-12)
    stds = np.full((k, d), math.sqrt(max(float(x.var(axis=0).mean()), floor)) / max(k, 1) ** (1 / d))
    fit = MixtureFit(np.full(k, 1.0 / k), means, stds, -math.inf, 0)
    prev = -math.inf
    for it in range(1, iters + 1):
        # E step: responsibilities r_nk proportional to w_k N(x_n; mu_k, diag sigma_k^2)
        logc = _component_log_pdf(x, fit)
        ll = _logsumexp(logc, axis=1)
        r = np.exp(logc - ll[:, None])
        # M step: weighted counts, means and variances
        nk = r.sum(axis=0) + 1e-12
        means = (r.T @ x) / nk[:, None]
        var = (r.T @ (x**2)) / nk[:, None] - means**2
        stds = np.sqrt(np.maximum(var, floor))
        fit = MixtureFit(nk / n, means, stds, float(ll.mean()), it)
        if ll.mean() - prev < tol:
            break
        prev = ll.mean()
    return fit


def _component_log_pdf(x: np.ndarray, fit: MixtureFit) -> np.ndarray:
    x = x.reshape(len(x), -1)
    z = (x[:, None, :] - fit.means[None]) / fit.stds[None]
    log_pdf = -0.5 * (z**2).sum(-1) - np.log(fit.stds).sum(-1)[None] - 0.5 * x.shape[1] * math.log(2 * math.pi)
    return log_pdf + np.log(np.maximum(fit.weights, 1e-300))[None]


def _kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [x[rng.integers(len(x))]]
    d2 = ((x - centres[0]) ** 2).sum(1)
    for _ in range(1, k):
        total = d2.sum()
        i = rng.choice(len(x), p=d2 / total) if total > 0 else rng.integers(len(x))
        centres.append(x[i])
        d2 = np.minimum(d2, ((x - x[i]) ** 2).sum(1))
    return np.array(centres)


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    m = a.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def _with_outside(lp: np.ndarray) -> np.ndarray:
    flat = lp.ravel()
    inside = float(np.exp(flat).sum())
    if inside > 1.0:  # centre-point evaluation can overshoot by rounding; renormalise
        return np.concatenate([flat - math.log(inside), [-700.0]])
    return np.concatenate([flat, [math.log(max(1.0 - inside, 1e-300))]])
