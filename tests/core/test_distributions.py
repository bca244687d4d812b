"""Reference distributions: exact cell probabilities, entropies against closed forms, sampling."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import norm

from ganstudio.core.datafiles import PointDataset
from ganstudio.core.distributions import DISTRIBUTIONS
from ganstudio.core.errors import DataError
from ganstudio.core.sources import get_distribution
from ganstudio.core.grids import edges, make_grid
from ganstudio.core.divergences import divergences_from_logs, divergences_of_estimate
from ganstudio.core.grid_measure import estimate_log_probs, grid_divergences, noise_floor


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_sampling_is_seeded_and_shaped(name):
    d = DISTRIBUTIONS[name]
    a = d.sample(500, torch.Generator().manual_seed(3))
    b = d.sample(500, torch.Generator().manual_seed(3))
    assert a.shape == (500, d.dim) and a.dtype == torch.float32
    assert torch.equal(a, b)
    assert not torch.equal(a, d.sample(500, torch.Generator().manual_seed(4)))
    lp = d.log_cell_probs
    assert lp.shape == (d.metric_grid.xs.size * (d.metric_grid.ys.size if d.dim == 2 else 1) + 1,)
    assert np.exp(lp).sum() == pytest.approx(1.0, abs=1e-9)
    assert np.exp(lp[-1]) < 1e-3  # the grid covers the distribution


def test_ring8_definition():
    d = DISTRIBUTIONS["ring-8"]
    angles = np.arctan2(d.centres[:, 1], d.centres[:, 0]) % (2 * np.pi)
    np.testing.assert_allclose(np.sort(angles), 2 * np.pi * np.arange(8) / 8, atol=1e-12)
    np.testing.assert_allclose(np.hypot(*d.centres.T), 2.0)
    assert d.sigma == 0.02
    x = d.sample(20000, torch.Generator().manual_seed(0)).numpy()
    nearest = np.min(np.hypot(x[:, None, 0] - d.centres[None, :, 0], x[:, None, 1] - d.centres[None, :, 1]), axis=1)
    assert np.mean(nearest <= 0.06) == pytest.approx(1 - math.exp(-4.5), abs=0.005)  # the 98.9% ceiling


def test_grid25_definition():
    d = DISTRIBUTIONS["grid-25"]
    assert sorted(set(d.centres[:, 0])) == [-4, -2, 0, 2, 4] and len(d.centres) == 25 and d.sigma == 0.05


def test_cell_probabilities_match_scipy():
    d = DISTRIBUTIONS["ring-8"]
    g = d.metric_grid
    ex, ey = edges(g, 0), edges(g, 1)
    # one cell at the edge of a mode and one far in the tail, integrated with scipy
    for i, j in [(240, 431), (100, 100)]:
        p = sum(
            (norm.cdf(ex[j + 1], c[0], d.sigma) - norm.cdf(ex[j], c[0], d.sigma))
            * (norm.cdf(ey[i + 1], c[1], d.sigma) - norm.cdf(ey[i], c[1], d.sigma))
            for c in d.centres
        ) / 8
        lp = d.log_cell_probs[i * len(g.xs) + j]
        if p > 0:
            assert lp == pytest.approx(math.log(p), rel=1e-6)
        else:
            assert lp < -700  # beyond float64, but still a finite log


def test_tail_log_probability_is_finite_and_right():
    # The first cell of gaussian-1d lies 6 sigma below the mode: log_ndtr keeps it accurate.
    d = get_distribution("gaussian-1d")
    lp = d.log_cell_probs[:-1]
    assert np.all(np.isfinite(lp))
    e = edges(d.metric_grid, 0)
    assert lp[0] == pytest.approx(np.log(norm.cdf(e[1], 4, 0.5) - norm.cdf(e[0], 4, 0.5)), rel=1e-6)
    assert lp[-1] == pytest.approx(np.log(norm.sf(e[-2], 4, 0.5) - norm.sf(e[-1], 4, 0.5)), rel=1e-6)


@pytest.mark.parametrize("name,analytic", [
    ("gaussian-1d", 0.5 * math.log(2 * math.pi * math.e * 0.25)),
    ("bimodal-1d", math.log(2) + 0.5 * math.log(2 * math.pi * math.e * 0.25)),  # modes 8 sigma apart
    ("ring-8", math.log(8) + math.log(2 * math.pi * math.e * 0.02**2)),
    ("grid-25", math.log(25) + math.log(2 * math.pi * math.e * 0.05**2)),
])
def test_entropy_of_data_matches_closed_form(name, analytic):
    d = DISTRIBUTIONS[name]
    m = grid_divergences(d, d.reference_samples(20000, 1))
    tol = 0.005 if d.dim == 1 else 0.03  # discretisation: cells of 0.01 against sigma 0.02
    assert m["entropy_data"] == pytest.approx(analytic, abs=tol)


def test_noise_floor_is_small_and_cross_entropy_identity_holds():
    d = DISTRIBUTIONS["ring-8"]
    f = noise_floor(d, 100_000)
    assert 0 < f["jsd"] < 0.005
    assert f["cross_entropy"] == pytest.approx(f["entropy_data"] + f["kl_data_g"], abs=1e-9)


@pytest.mark.parametrize("name", ["gaussian-1d", "bimodal-1d", "ring-8", "grid-25", "moons"])
def test_measured_divergences_equal_the_general_sums(name):
    """The measurement's arrangement of the sums (P_data's side cached, Q's empty cells
    skipped) gives divergences_from_logs' numbers, for a stretched,
    blurred sample that puts mass outside the grid and, in 2D, leaves cells empty."""
    d = DISTRIBUTIONS[name]
    x = d.reference_samples(20000, 3)
    x = 1.2 * x + 0.1 * x.std() * np.random.default_rng(0).standard_normal(x.shape)
    raw, smooth = estimate_log_probs(x, d)
    if d.dim == 2:  # (1D estimates are kernel-smoothed: no cell stays empty)
        assert np.isinf(raw).any()  # some cells empty: the case the fast path treats apart
    got = divergences_of_estimate(d, raw, smooth)
    a = divergences_from_logs(d.log_cell_probs, smooth)
    b = divergences_from_logs(d.log_cell_probs, raw)
    log_cell = math.log(d.metric_grid.cell)
    want = {"entropy_data": a["entropy_p"] + log_cell, "cross_entropy": a["cross_entropy"] + log_cell,
            "kl_data_g": a["kl_pq"], "kl_g_data": b["kl_qp"], "entropy_g": b["entropy_q"] + log_cell,
            "jsd": b["jsd"]}
    assert got == pytest.approx(want, abs=1e-12)
    assert got["jsd"] > 1e-3 and got["kl_data_g"] > 1e-3  # a real difference, not two zeros


def test_point_dataset_validates():
    with pytest.raises(DataError, match="N x 1 or N x 2"):
        PointDataset(np.zeros((10, 3)))
    with pytest.raises(DataError, match="row 2"):
        PointDataset(np.array([[0.0, 1.0], [1.0, 2.0], [np.nan, 0.0]]))
    pts = PointDataset(np.random.default_rng(0).normal(size=(300, 2)))
    assert pts.dim == 2 and np.exp(pts.log_cell_probs).sum() == pytest.approx(1.0)
    s = pts.sample(64, torch.Generator().manual_seed(0)).numpy()
    assert all(any(np.allclose(r, p) for p in pts.points) for r in s[:5])


def test_grid_geometry():
    g = make_grid((-1.0, 1.0, -2.0, 2.0), 4)
    assert g.shape == (4, 4) and g.cell == pytest.approx(0.5 * 1.0)
    np.testing.assert_allclose(g.xs, [-0.75, -0.25, 0.25, 0.75])
    pts = g.points()
    assert pts.shape == (16, 2) and tuple(pts[1]) == (-0.25, -1.5)  # row-major, rows are y


def test_builtin_dimension_without_loading():
    from ganstudio.core.images.download import DOWNLOADS
    from ganstudio.core.sources import builtin_dimension, distribution_names

    for name in distribution_names():
        if name in DOWNLOADS:
            assert builtin_dimension(name) == 0  # an image set, known before it is downloaded
        else:
            assert builtin_dimension(name) == get_distribution(name).dim
    assert builtin_dimension("file:/no/such/file.csv") is None
