"""The discrete information measures against scipy, their identities, density levels and mode metrics."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import rel_entr
from scipy.stats import entropy as sp_entropy

from ganstudio.core.divergences import (
    cross_entropy,
    divergences_from_logs,
    entropy,
    js_divergence,
    kl_divergence,
    optimal_discriminator,
    value_bound,
)
from ganstudio.core.grids import highest_density_level
from ganstudio.core.modes import mode_metrics


def prob_vectors(n_min=2, n_max=12):
    return st.integers(n_min, n_max).flatmap(
        lambda n: st.tuples(
            st.lists(st.floats(0, 1), min_size=n, max_size=n).filter(lambda v: sum(v) > 1e-3),
            st.lists(st.floats(1e-6, 1), min_size=n, max_size=n),
        )
    )


def norm(v):
    v = np.asarray(v, dtype=np.float64)
    return v / v.sum()


@settings(max_examples=200, deadline=None)
@given(prob_vectors())
def test_against_scipy(pq):
    p, q = norm(pq[0]), norm(pq[1])
    assert entropy(p) == pytest.approx(sp_entropy(p), abs=1e-10)
    assert kl_divergence(p, q) == pytest.approx(sp_entropy(p, q), abs=1e-10)
    assert kl_divergence(p, q) == pytest.approx(rel_entr(p, q).sum(), abs=1e-10)
    m = 0.5 * (p + q)  # scipy's jensenshannon is a sqrt, NaN when rounding puts JSD at -1e-17 (P = Q)
    assert js_divergence(p, q) == pytest.approx(0.5 * sp_entropy(p, m) + 0.5 * sp_entropy(q, m), abs=1e-9)
    # H(P, Q) = H(P) + KL(P || Q)
    assert cross_entropy(p, q) == pytest.approx(entropy(p) + kl_divergence(p, q), abs=1e-10)
    # Bounds: KL >= 0, 0 <= JSD <= log 2
    assert kl_divergence(p, q) >= 0
    assert 0 <= js_divergence(p, q) <= math.log(2) + 1e-12


@settings(max_examples=100, deadline=None)
@given(prob_vectors())
def test_log_form_matches_direct_form(pq):
    p, q = norm(pq[0]), norm(pq[1])
    with np.errstate(divide="ignore"):
        d = divergences_from_logs(np.log(p), np.log(q))
    assert d["entropy_p"] == pytest.approx(entropy(p), abs=1e-10)
    assert d["entropy_q"] == pytest.approx(entropy(q), abs=1e-10)
    assert d["cross_entropy"] == pytest.approx(cross_entropy(p, q), abs=1e-10)
    assert d["kl_pq"] == pytest.approx(kl_divergence(p, q), abs=1e-10)
    assert d["kl_qp"] == pytest.approx(kl_divergence(q, p), abs=1e-10)
    assert d["jsd"] == pytest.approx(js_divergence(p, q), abs=1e-10)


def test_known_values():
    coin = [0.5, 0.5]
    assert entropy(coin) == pytest.approx(math.log(2))
    assert entropy([1.0, 0.0]) == 0.0  # 0 log 0 = 0
    assert kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(math.log(2))
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf  # Q misses mass P has
    assert js_divergence([1.0, 0.0], [0.0, 1.0]) == pytest.approx(math.log(2))  # disjoint supports
    assert js_divergence(coin, coin) == 0.0
    assert value_bound(0.0) == pytest.approx(-2 * math.log(2))
    assert value_bound(math.log(2)) == pytest.approx(0.0)


def test_log_form_handles_underflowed_cells():
    """A cell that P_data gives 10^-400 must give a huge but finite KL(P_G || P_data)."""
    log_p = np.array([math.log(0.5), math.log(0.5), -920.0])
    log_q = np.log(np.array([0.45, 0.45, 0.1]))
    d = divergences_from_logs(log_p, log_q)
    expected = 0.9 * math.log(0.45 / 0.5) + 0.1 * (math.log(0.1) + 920.0)
    assert d["kl_qp"] == pytest.approx(expected, rel=1e-9)


def test_rejects_non_distributions():
    with pytest.raises(ValueError):
        entropy([0.5, 0.6])
    with pytest.raises(ValueError):
        kl_divergence([1.0, -0.0001, 0.0001], [0.3, 0.3, 0.4])


def test_optimal_discriminator():
    d = optimal_discriminator(np.array([1.0, 0.0, 3.0, 0.0]), np.array([1.0, 2.0, 1.0, 0.0]))
    np.testing.assert_allclose(d, [0.5, 0.0, 0.75, 0.5])


def test_mode_metrics_counts_high_quality_only():
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    sigma = 0.1
    samples = np.array([[0.05, 0.0], [0.0, 0.29], [10.31, 0.0], [5.0, 5.0], [0.0, 9.8]])
    captured, counts, hq = mode_metrics(samples, centres, sigma)
    # within 3 sigma = 0.3: the first two (mode 0) and the last (mode 2); 10.31 is 0.31 away
    assert captured.tolist() == [True, False, True]
    assert counts.tolist() == [2, 0, 1]
    assert hq == pytest.approx(3 / 5)


@pytest.mark.parametrize("mass", [0.25, 0.5, 0.9])
def test_highest_density_level_of_a_gaussian_is_analytic(mass):
    """For N(0, I) in 2D the smallest region with mass q is a disc, P(r^2 <= R^2) = 1 - exp(-R^2/2),
    on whose edge the density is (1 - q) / (2 pi)."""
    x = np.linspace(-7, 7, 701)
    cell = (x[1] - x[0]) ** 2
    xx, yy = np.meshgrid(x, x)
    density = np.exp(-(xx**2 + yy**2) / 2) / (2 * math.pi)
    assert highest_density_level(density, cell, mass) == pytest.approx((1 - mass) / (2 * math.pi), rel=0.01)


def test_highest_density_level_is_none_when_the_grid_holds_too_little():
    x = np.linspace(-1, 1, 201)  # the square [-1, 1]^2 holds erf(1/sqrt 2)^2 = 0.466 of N(0, I)
    xx, yy = np.meshgrid(x, x)
    density = np.exp(-(xx**2 + yy**2) / 2) / (2 * math.pi)
    cell = (x[1] - x[0]) ** 2
    assert highest_density_level(density, cell, 0.4) is not None
    assert highest_density_level(density, cell, 0.5) is None
