"""Loss formulas at known points, and the maximum-likelihood baselines against scipy."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate
from scipy.stats import norm

from ganstudio.core import losses
from ganstudio.core.distributions import DISTRIBUTIONS
from ganstudio.core.grid_measure import mle_baselines
from ganstudio.core.mle import fit_gaussian, fit_mixture


def test_losses_at_d_one_half():
    zero = torch.zeros(100)  # logit 0: D(x) = 1/2 everywhere
    assert losses.d_loss("minimax", zero, zero).item() == pytest.approx(2 * math.log(2))
    assert losses.d_loss("nonsaturating", zero, zero).item() == pytest.approx(2 * math.log(2))
    assert losses.g_loss("nonsaturating", zero).item() == pytest.approx(math.log(2))
    assert losses.g_loss("minimax", zero).item() == pytest.approx(-math.log(2))


def test_losses_match_their_formulas():
    torch.manual_seed(0)
    r, f = torch.randn(64), torch.randn(64)
    d = torch.sigmoid
    assert losses.d_loss("minimax", r, f).item() == pytest.approx(-(torch.log(d(r)).mean() + torch.log(1 - d(f)).mean()).item(), rel=1e-5)
    assert losses.g_loss("minimax", f).item() == pytest.approx(torch.log(1 - d(f)).mean().item(), rel=1e-5)
    assert losses.g_loss("nonsaturating", f).item() == pytest.approx(-torch.log(d(f)).mean().item(), rel=1e-5)
    assert losses.d_loss("lsgan", r, f).item() == pytest.approx((0.5 * (r - 1) ** 2 + 0.5 * f**2).mean().item(), rel=1e-5)
    assert losses.g_loss("lsgan", f).item() == pytest.approx((0.5 * (f - 1) ** 2).mean().item(), rel=1e-5)
    assert losses.d_loss("wgan-gp", r, f).item() == pytest.approx((f.mean() - r.mean()).item(), rel=1e-5)
    assert losses.d_loss("hinge", r, f).item() == pytest.approx((torch.relu(1 - r).mean() + torch.relu(1 + f).mean()).item(), rel=1e-5)
    assert losses.g_loss("hinge", f).item() == pytest.approx(-f.mean().item(), rel=1e-5)


def test_minimax_generator_gradient_saturates():
    """When D confidently rejects fakes, d/dlogit log(1 - D) -> 0 but d/dlogit -log D -> -1."""
    logit = torch.full((1,), -8.0, requires_grad=True)
    (g_mm,) = torch.autograd.grad(losses.g_loss("minimax", logit), logit)
    (g_ns,) = torch.autograd.grad(losses.g_loss("nonsaturating", logit), logit)
    assert abs(g_mm.item()) < 1e-3 and abs(g_ns.item()) > 0.99


def test_penalties():
    D = lambda x: (x**2).sum(dim=1)  # grad = 2x
    real = torch.tensor([[1.0, 0.0], [0.0, 2.0]], requires_grad=True)
    assert losses.r1_penalty(D(real), real).item() == pytest.approx((4 + 16) / 2)
    real = real.detach()
    lin = lambda x: x @ torch.tensor([3.0, 4.0])  # |grad| = 5 everywhere
    gp = losses.gradient_penalty(lin, real, real.flip(0), torch.Generator().manual_seed(0))
    assert gp.item() == pytest.approx(16.0)


def test_gaussian_mle_is_sample_mean_and_covariance():
    x = np.random.default_rng(0).normal(size=(500, 2)) @ np.array([[1.0, 0.3], [0.0, 0.5]])
    fit = fit_gaussian(x)
    np.testing.assert_allclose(fit.mean, x.mean(axis=0))
    np.testing.assert_allclose(fit.cov, np.cov(x.T, bias=True), rtol=1e-9)


def test_mixture_em_recovers_bimodal():
    d = DISTRIBUTIONS["bimodal-1d"]
    fit = fit_mixture(d.reference_samples(20000, 0), 2, seed=0)
    order = np.argsort(fit.means[:, 0])
    np.testing.assert_allclose(fit.means[order, 0], [-2, 2], atol=0.03)
    np.testing.assert_allclose(fit.stds[order, 0], [0.5, 0.5], atol=0.02)
    np.testing.assert_allclose(fit.weights, [0.5, 0.5], atol=0.02)


def test_kl_of_gaussian_fit_to_bimodal_matches_quadrature():
    d = DISTRIBUTIONS["bimodal-1d"]
    base = mle_baselines(d)
    fit = fit_gaussian(d.reference_samples(20000, 7))
    p = lambda x: 0.5 * norm.pdf(x, -2, 0.5) + 0.5 * norm.pdf(x, 2, 0.5)
    q = lambda x: norm.pdf(x, fit.mean[0], math.sqrt(fit.cov[0, 0]))
    kl, _ = integrate.quad(lambda x: p(x) * math.log(p(x) / q(x)) if p(x) > 0 else 0.0, -7, 7, points=[-2, 2], limit=200)
    assert base["kl_gauss"] == pytest.approx(kl, abs=0.003)
    assert base["kl_gmm"] < 0.002  # two components represent it exactly
    assert base["kl_gauss"] > 0.5  # a single Gaussian cannot


def test_single_gaussian_cannot_represent_the_ring():
    base = mle_baselines(DISTRIBUTIONS["ring-8"])
    assert base["kl_gauss"] > 5 and base["kl_gmm"] < 0.01


def test_penalties_take_the_norm_over_all_of_an_image():
    import torch

    from ganstudio.core.losses import gradient_penalty, r1_penalty

    torch.manual_seed(0)
    w = torch.randn(1, 2, 3, 3)

    def D(x):  # linear: grad_x D = w everywhere, |w| over all 18 coordinates
        return (x * w).flatten(1).sum(1)

    real = torch.randn(5, 2, 3, 3, requires_grad=True)
    assert float(r1_penalty(D(real), real)) == pytest.approx(float((w**2).sum()), rel=1e-5)
    fake = torch.randn(5, 2, 3, 3)
    gp = gradient_penalty(D, real.detach(), fake, torch.Generator().manual_seed(1))
    assert float(gp) == pytest.approx(float((w.norm() - 1) ** 2), rel=1e-5)
