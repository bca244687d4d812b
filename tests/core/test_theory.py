"""The game's theory on a case with a known generator density: train D to convergence
against a frozen G and compare with D* and V(G, D*) = -2 log 2 + 2 JSD by quadrature."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate
from scipy.stats import norm

from ganstudio.core.config import TrainConfig
from ganstudio.core.trainer import Trainer

MU_G, SIGMA_G = 4.6, 0.7  # the frozen generator: G(z) = 0.7 z + 4.6, so P_G = N(4.6, 0.7^2)


def test_trained_discriminator_reaches_the_jsd_bound():
    torch.manual_seed(0)
    cfg = TrainConfig(distribution="gaussian-1d", normalize=False, noise_dim=1, hidden=64, layers=2,
                      lr_d=3e-3, batch_size=1024, seed=1)
    t = Trainer(cfg)
    G = torch.nn.Linear(1, 1)
    with torch.no_grad():
        G.weight.fill_(SIGMA_G)
        G.bias.fill_(MU_G)
    t.G = G.to(t.device)  # the trainer may be on a GPU
    for _ in range(1500):
        t.step(train_g=False)
    s = t.snapshot()

    p = lambda x: norm.pdf(x, 4.0, 0.5)
    q = lambda x: norm.pdf(x, MU_G, SIGMA_G)
    m = lambda x: 0.5 * (p(x) + q(x))
    f = lambda x: 0.5 * p(x) * math.log(p(x) / m(x)) + 0.5 * q(x) * math.log(q(x) / m(x)) if m(x) > 0 else 0.0
    jsd, _ = integrate.quad(f, -3, 11, limit=200)
    bound = -2 * math.log(2) + 2 * jsd

    assert s.metrics["jsd"] == pytest.approx(jsd, abs=0.004)  # the grid estimator
    assert s.metrics["value_bound"] == pytest.approx(bound, abs=0.008)
    # the learned D is close to optimal, so its value reaches the bound (never exceeds it by more than noise)
    assert s.metrics["value"] == pytest.approx(bound, abs=0.02)
    # D(x) against D*(x) = p/(p+q) where the data has mass
    x = s.grid.xs
    d_star = p(x) / (p(x) + q(x))
    mass = (p(x) + q(x)) > 0.1
    assert np.max(np.abs(s.d_grid[mass] - d_star[mass])) < 0.08
    assert np.max(np.abs(s.d_star_grid[mass] - d_star[mass])) < 0.05
    # the other metrics against closed forms for two Gaussians
    kl_pq = math.log(SIGMA_G / 0.5) + (0.5**2 + (4.0 - MU_G) ** 2) / (2 * SIGMA_G**2) - 0.5
    kl_qp = math.log(0.5 / SIGMA_G) + (SIGMA_G**2 + (4.0 - MU_G) ** 2) / (2 * 0.5**2) - 0.5
    assert s.metrics["kl_data_g"] == pytest.approx(kl_pq, abs=0.01)
    assert s.metrics["kl_g_data"] == pytest.approx(kl_qp, abs=0.02)
    h = 0.5 * math.log(2 * math.pi * math.e * 0.25)
    assert s.metrics["entropy_data"] == pytest.approx(h, abs=1e-3)
    assert s.metrics["cross_entropy"] == pytest.approx(s.metrics["entropy_data"] + s.metrics["kl_data_g"], abs=1e-9)
