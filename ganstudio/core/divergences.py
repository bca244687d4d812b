"""Entropy, cross-entropy, KL and JSD in nats, and the game's optimum D* and V(G, D*).

Inputs are probability vectors (any shape, summing to 1), log-probability vectors, or
P_data against an estimate of P_G on a distribution's metric grid: P_data and P_G are
discretised on the same cells, so these are exact for the discretised distributions and
converge to the continuous values as cells shrink.
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from .distributions import Distribution

LOG2 = math.log(2.0)

_data_cache: "weakref.WeakKeyDictionary[Distribution, dict]" = weakref.WeakKeyDictionary()


def _prob(p, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64).ravel()
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError(f"{name} must be finite and non-negative")
    s = p.sum()
    if not math.isclose(s, 1.0, rel_tol=1e-6, abs_tol=1e-9):
        raise ValueError(f"{name} must sum to 1 (sums to {s:.6g})")
    return p


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x * log(y) with 0 log 0 = 0 (the information-theory convention)."""
    out = np.zeros_like(x)
    nz = x > 0
    with np.errstate(divide="ignore"):
        out[nz] = x[nz] * np.log(y[nz])
    return out


def entropy(p) -> float:
    """H(P) = -sum p log p."""
    p = _prob(p, "p")
    return float(-_xlogy(p, p).sum())


def cross_entropy(p, q) -> float:
    """H(P, Q) = -sum p log q; infinite where q = 0 < p."""
    p, q = _prob(p, "p"), _prob(q, "q")
    return float(-_xlogy(p, q).sum())


def kl_divergence(p, q) -> float:
    """D_KL(P || Q) = sum p log(p / q) >= 0; infinite where q = 0 < p."""
    p, q = _prob(p, "p"), _prob(q, "q")
    nz = p > 0
    with np.errstate(divide="ignore"):
        # clamped: for Q = P the sum rounds to +-1e-22, and a KL below 0 is never right
        return float(max(0.0, np.sum(p[nz] * (np.log(p[nz]) - np.log(q[nz])))))


def js_divergence(p, q) -> float:
    """JSD(P || Q) = KL(P || M)/2 + KL(Q || M)/2, M = (P + Q)/2; between 0 and log 2."""
    p, q = _prob(p, "p"), _prob(q, "q")
    m = 0.5 * (p + q)
    return float(max(0.0, 0.5 * kl_divergence(p, m) + 0.5 * kl_divergence(q, m)))


def divergences_from_logs(log_p: np.ndarray, log_q: np.ndarray) -> dict[str, float]:
    """Entropy, cross-entropy, both KLs and JSD of P and Q given as log-probability vectors.

    Working from logs keeps KL(P_G || P_data) finite and right where P_data's cell
    probability underflows (a sample 1 unit from a mode of sigma 0.02 is 10^-500 likely).
    """
    p, q = np.exp(log_p), np.exp(log_q)
    # Each expectation runs over its weight's support only (0 * anything = 0): P_G's raw estimate
    # lives on a few thousand of the 230,400 cells, so this is most of the work saved.
    on_p, on_q = np.flatnonzero(p > 0), np.flatnonzero(q > 0)
    p_s, lp_p, lq_p = p[on_p], log_p[on_p], log_q[on_p]
    q_s, lp_q, lq_q = q[on_q], log_p[on_q], log_q[on_q]
    h_p, h_q = -float(p_s @ lp_p), -float(q_s @ lq_q)
    h_pq = -float(p_s @ lq_p)
    kl_pq, kl_qp = float(p_s @ (lp_p - lq_p)), float(q_s @ (lq_q - lp_q))
    jsd = (0.5 * float(p_s @ (lp_p - (np.logaddexp(lp_p, lq_p) - LOG2)))
           + 0.5 * float(q_s @ (lq_q - (np.logaddexp(lp_q, lq_q) - LOG2))))
    return {
        "entropy_p": h_p,
        "entropy_q": h_q,
        "cross_entropy": h_pq,
        "kl_pq": max(kl_pq, 0.0),
        "kl_qp": max(kl_qp, 0.0),
        "jsd": min(max(jsd, 0.0), LOG2),
    }


def value_bound(jsd: float) -> float:
    """V(G, D*) = -2 log 2 + 2 JSD(P_data || P_G)."""
    return -2.0 * LOG2 + 2.0 * jsd


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_G); 1/2 where neither has mass (no evidence either way)."""
    total = p_data + p_g
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(total > 0, p_data / np.where(total > 0, total, 1.0), 0.5)
    return d


def divergences_of_estimate(dist: Distribution, raw: np.ndarray, smooth: np.ndarray) -> dict[str, float]:
    """Entropies, cross-entropy, both KLs and JSD against P_data, all from one estimate of Q.

    KL(P_data || Q) and H(P_data, Q) need Q > 0 wherever P_data has mass: they use the
    lightly smoothed estimate. JSD, KL(Q || P_data) and H(Q) use the raw one.  The sums are
    `divergences_from_logs`'s, arranged so that a measurement touches P_data's cells once
    per distribution (`_data_side`) and the raw estimate's few thousand non-empty cells.
    """
    side = _data_side(dist)
    log_p, p_s, on_p = dist.log_cell_probs, side["p_s"], side["on_p"]
    h_pq = -float(p_s @ smooth[on_p])
    on_q = np.flatnonzero(raw > -np.inf)
    lq, lp = raw[on_q], log_p[on_q]
    q, p_on_q = np.exp(lq), np.exp(lp)
    log_m = np.logaddexp(lp, lq) - LOG2  # M = (P + Q) / 2
    # JSD's P_data half: a cell that Q leaves empty adds p log 2; the others need M.
    both = p_on_q > 0
    p_half = LOG2 * (side["mass"] - float(p_on_q[both].sum())) + float(p_on_q[both] @ (lp[both] - log_m[both]))
    q_half = float(q @ (lq - log_m))
    log_cell = math.log(dist.metric_grid.cell)
    return {
        "entropy_data": side["entropy"] + log_cell,
        "cross_entropy": h_pq + log_cell,
        "kl_data_g": max(h_pq - side["entropy"], 0.0),
        "kl_g_data": max(float(q @ (lq - lp)), 0.0),
        "entropy_g": -float(q @ lq) + log_cell,
        "jsd": min(max(0.5 * p_half + 0.5 * q_half, 0.0), LOG2),
    }


def _data_side(dist: Distribution) -> dict:
    """P_data's support on the metric grid, its probabilities, total mass and entropy: fixed per distribution."""
    if dist not in _data_cache:
        p = np.exp(dist.log_cell_probs)
        on_p = np.flatnonzero(p > 0)
        p_s = p[on_p]
        _data_cache[dist] = {"on_p": on_p, "p_s": p_s, "mass": float(p_s.sum()),
                             "entropy": -float(p_s @ dist.log_cell_probs[on_p])}
    return _data_cache[dist]
