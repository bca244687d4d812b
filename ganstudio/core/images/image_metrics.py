"""Metrics for image distributions, which have no density to integrate: what a classifier trained
on the real set says about generated images.

- classes covered: how many classes receive at least 1% of the samples, counting only samples the
  classifier is confident about (the image analogue of modes captured);
- class KL: D_KL(generated class frequencies || real class frequencies), in nats;
- FID: the Frechet distance between Gaussians fitted to the classifier's penultimate features of
  generated and real images, and its floor, the same distance between two halves of the real set.
"""

from __future__ import annotations

import numpy as np
import torch

from .classifier import Classifier
from .imageset import ImageSet

# Added to every class frequency (then renormalised) so a class the real set lacks but G produces
# gives a large finite KL instead of infinity; where every real frequency is at least 1e-4 it
# changes the KL by less than 1e-5 nats.
KL_FLOOR = 1e-9
EVAL_SAMPLES = 2000
FLOOR_SEED = 0


def classes_covered(probs: np.ndarray, min_share: float = 0.01, min_conf: float = 0.5) -> int:
    """Classes that are the confident (max probability >= `min_conf`) prediction for at least
    `min_share` of all N samples; `probs` is N x classes."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2:
        raise ValueError(f"probs must be N x classes, got shape {probs.shape}")
    n, k = probs.shape
    if n == 0:
        return 0
    confident = probs.max(axis=1) >= min_conf
    counts = np.bincount(probs.argmax(axis=1)[confident], minlength=k)
    return int((counts >= min_share * n).sum())


def class_frequencies(probs: np.ndarray) -> np.ndarray:
    """Share of the samples whose most probable class is each class (all samples count)."""
    probs = np.asarray(probs, dtype=np.float64)
    n, k = probs.shape
    if n == 0:
        return np.full(k, 1.0 / k)
    return np.bincount(probs.argmax(axis=1), minlength=k) / n


def class_kl(gen_freq, real_freq) -> float:
    """D_KL(gen || real) = sum g log(g / r) over classes, in nats, with both frequency vectors
    (counts or shares) floored at `KL_FLOOR` and renormalised."""
    g = np.asarray(gen_freq, dtype=np.float64).ravel()
    r = np.asarray(real_freq, dtype=np.float64).ravel()
    if g.shape != r.shape or g.size == 0:
        raise ValueError(f"class frequencies must have the same length, got {g.size} and {r.size}")
    if np.any(g < 0) or np.any(r < 0) or not (np.isfinite(g).all() and np.isfinite(r).all()):
        raise ValueError("class frequencies must be finite and non-negative")
    if g.sum() <= 0 or r.sum() <= 0:
        raise ValueError("class frequencies must not all be zero")
    g = g / g.sum() + KL_FLOOR
    r = r / r.sum() + KL_FLOOR
    g, r = g / g.sum(), r / r.sum()
    return float(max(0.0, np.sum(g * (np.log(g) - np.log(r)))))


def _psd_eigvals(w: np.ndarray) -> np.ndarray:
    """Eigenvalues of a positive semi-definite matrix with those at rounding level (below
    d * eps * the largest) set to 0: the square root magnifies a rounding error e to sqrt(e)."""
    tol = len(w) * np.finfo(np.float64).eps * max(float(np.abs(w).max(initial=0.0)), 1e-300)
    return np.where(w > tol, w, 0.0)


def _sqrt_psd(c: np.ndarray) -> np.ndarray:
    """Symmetric square root of a covariance via its eigendecomposition."""
    w, v = np.linalg.eigh(c)
    return (v * np.sqrt(_psd_eigvals(w))) @ v.T


def frechet_distance(feat_a: np.ndarray, feat_b: np.ndarray) -> float:
    """|mu_a - mu_b|^2 + tr A + tr B - 2 tr (A^1/2 B A^1/2)^1/2 for the means and covariances
    (ddof 1) of two N x d feature sets.

    tr (A B)^1/2 equals tr (A^1/2 B A^1/2)^1/2, whose argument is symmetric positive semi-definite,
    so both square roots come from symmetric eigendecompositions with no complex rounding, and a
    singular covariance (fewer samples than dimensions, dead features) is handled exactly.
    """
    a = np.asarray(feat_a, dtype=np.float64)
    b = np.asarray(feat_b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"features must be N x d with the same d, got {a.shape} and {b.shape}")
    if len(a) < 2 or len(b) < 2:
        raise ValueError("the Frechet distance needs at least two samples on each side")
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    root_a = _sqrt_psd(cov_a)
    middle = root_a @ cov_b @ root_a
    cross = np.sqrt(_psd_eigvals(np.linalg.eigvalsh((middle + middle.T) / 2))).sum()
    d = float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * cross)
    return max(0.0, d)  # rounding can leave -1e-12 for equal sets; a distance is never below 0


def fid_floor(real_features: np.ndarray, seed: int = FLOOR_SEED) -> float:
    """The Frechet distance between two disjoint random halves of the real features: what sampling
    alone gives, the level a perfect generator's FID settles near."""
    f = np.asarray(real_features, dtype=np.float64)
    order = np.random.default_rng(seed).permutation(len(f))
    half = len(f) // 2
    return frechet_distance(f[order[:half]], f[order[half:2 * half]])


def class_kl_floor(real_probs: np.ndarray, n: int, seed: int = FLOOR_SEED) -> float:
    """The class KL of `n` images drawn at random (with replacement) from the real set against the
    whole set: what sampling alone gives, the level a perfect generator's class KL settles near."""
    probs = np.asarray(real_probs, dtype=np.float64)
    idx = np.random.default_rng(seed).integers(len(probs), size=n)
    return class_kl(class_frequencies(probs[idx]), class_frequencies(probs))


class ImageEvaluator:
    """The image metrics of generated samples against one real set, judged by one classifier.

    The real features, class frequencies and FID floor are computed once here. Class frequencies
    on both sides are the classifier's predictions (not the real labels), so a generator that
    reproduces the real set has a class KL of 0 whatever the classifier's errors.
    """

    def __init__(self, classifier: Classifier, real: ImageSet, n_samples: int = EVAL_SAMPLES,
                 floor_seed: int = FLOOR_SEED):
        self.classifier = classifier
        self.n_samples = n_samples
        self.real_features, real_probs = classifier.features_and_proba(real.images)
        self.real_class_freq = class_frequencies(real_probs)
        self.fid_floor = fid_floor(self.real_features, floor_seed)
        self.class_kl_floor = class_kl_floor(real_probs, n_samples, floor_seed)

    def evaluate(self, images) -> dict:
        """Metrics of generated `images` (N x C x H x W in [0, 1], numpy or torch; normally
        `n_samples` of them). Values outside [0, 1] are clipped and non-finite pixels count as 0.5."""
        x = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
        x = np.clip(np.nan_to_num(x.astype(np.float32), nan=0.5, posinf=0.5, neginf=0.5), 0.0, 1.0)
        features, probs = self.classifier.features_and_proba(x)
        freq = class_frequencies(probs)
        return {
            "classes_covered": classes_covered(probs),
            "class_kl": class_kl(freq, self.real_class_freq),
            "fid": frechet_distance(features, self.real_features),
            "fid_floor": self.fid_floor,
            "class_kl_floor": self.class_kl_floor,
            "class_freq": [float(v) for v in freq],
            "real_class_freq": [float(v) for v in self.real_class_freq],
        }
