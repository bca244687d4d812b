"""Image metrics, the classifier that drives them, and the PCA view, checked against scipy and numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import scipy.ndimage
import scipy.stats
import torch

from ganstudio.core.errors import DataError
from ganstudio.core.images.classifier import TrainingCancelled, cache_path, default_presentations, train_classifier
from ganstudio.core.images.image_metrics import (
    KL_FLOOR,
    ImageEvaluator,
    class_kl,
    classes_covered,
    fid_floor,
    frechet_distance,
)
from ganstudio.core.images.imageset import ImageSet
from ganstudio.core.images.projection import Projection, density_grid


def blob_images(n_per_class: int, classes: int = 4, side: int = 8, channels: int = 1, seed: int = 0) -> ImageSet:
    """Class k: a Gaussian blob centred at angle 2 pi k / classes on a circle around the middle,
    with its centre jittered by up to half a pixel and pixel noise added."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64)
    labels = np.repeat(np.arange(classes), n_per_class)
    angle = 2 * np.pi * labels / classes
    r, c = (side - 1) / 2, side / 4
    cy = r + c * np.sin(angle) + rng.uniform(-0.5, 0.5, len(labels))
    cx = r + c * np.cos(angle) + rng.uniform(-0.5, 0.5, len(labels))
    blob = np.exp(-((yy[None] - cy[:, None, None]) ** 2 + (xx[None] - cx[:, None, None]) ** 2) / (2 * (side / 8) ** 2))
    imgs = np.clip(blob + 0.05 * rng.standard_normal(blob.shape), 0, 1)
    imgs = np.repeat(imgs[:, None], channels, axis=1).astype(np.float32)
    return ImageSet(imgs, labels, f"blobs-{side}", tuple(str(k) for k in range(classes)))


@pytest.fixture(scope="module")
def blobs() -> ImageSet:
    return blob_images(150)


@pytest.fixture(scope="module")
def blob_classifier(blobs):
    return train_classifier(blobs, seed=0, presentations=20_000)


# --- Frechet distance -----------------------------------------------------------------------------

def _fid_scipy(a: np.ndarray, b: np.ndarray) -> float:
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    cross = scipy.linalg.sqrtm(ca @ cb).real
    return float(np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(ca) + np.trace(cb) - 2 * np.trace(cross))


@pytest.mark.parametrize("seed", range(5))
def test_frechet_matches_scipy_sqrtm(seed):
    rng = np.random.default_rng(seed)
    d = 6
    a = rng.standard_normal((300, d)) @ rng.standard_normal((d, d))
    b = rng.standard_normal((250, d)) @ rng.standard_normal((d, d)) + rng.standard_normal(d)
    assert frechet_distance(a, b) == pytest.approx(_fid_scipy(a, b), rel=1e-8, abs=1e-9)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-9)


def test_frechet_identical_and_shifted_even_when_singular():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((10, 40))  # 10 samples in 40 dimensions: covariance of rank 9
    a[:, 5] = 0.0  # a dead feature
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    shift = rng.standard_normal(40)
    # equal covariances: only the means differ
    assert frechet_distance(a, a + shift) == pytest.approx(float(shift @ shift), rel=1e-9, abs=1e-9)


def _exact_moments(n: int, mean: np.ndarray, cov: np.ndarray, rng) -> np.ndarray:
    """n samples whose sample mean and (ddof 1) covariance are exactly `mean` and `cov`."""
    z = rng.standard_normal((n, len(mean)))
    z -= z.mean(0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.atleast_2d(np.cov(z, rowvar=False)))).T
    return z @ np.linalg.cholesky(cov).T + mean


def test_frechet_closed_form_for_gaussians():
    """Commuting (diagonal) covariances: d^2 = |m1 - m2|^2 + sum (sqrt s1 - sqrt s2)^2."""
    rng = np.random.default_rng(1)
    m1, m2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.5])
    s1, s2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    a = _exact_moments(500, m1, np.diag(s1), rng)
    b = _exact_moments(400, m2, np.diag(s2), rng)
    expected = np.sum((m1 - m2) ** 2) + np.sum((np.sqrt(s1) - np.sqrt(s2)) ** 2)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)
    # 1D: (m1 - m2)^2 + (sigma1 - sigma2)^2
    a1 = _exact_moments(50, np.array([2.0]), np.array([[4.0]]), rng)
    b1 = _exact_moments(80, np.array([-1.0]), np.array([[1.0]]), rng)
    assert frechet_distance(a1, b1) == pytest.approx(9.0 + 1.0, rel=1e-9)


def test_frechet_rejects_bad_shapes():
    with pytest.raises(ValueError):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError):
        frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))


def test_fid_floor_is_two_disjoint_halves():
    rng = np.random.default_rng(3)
    f = rng.standard_normal((101, 4))
    order = np.random.default_rng(7).permutation(101)
    assert fid_floor(f, 7) == pytest.approx(_fid_scipy(f[order[:50]], f[order[50:100]]), rel=1e-8)


# --- class KL and coverage ----------------------------------------------------------------------

def test_class_kl_matches_scipy_entropy():
    rng = np.random.default_rng(0)
    for _ in range(10):  # shares of 2,000 samples, as the evaluator measures them
        g = rng.multinomial(2000, rng.dirichlet(np.ones(10))) / 2000
        r = rng.multinomial(2000, np.full(10, 0.1)) / 2000
        assert class_kl(g, r) == pytest.approx(scipy.stats.entropy(g, r), rel=1e-6, abs=1e-9)
    counts = np.array([30, 0, 10, 60])  # counts work as well as shares; 0 log 0 = 0
    real = np.array([0.25, 0.25, 0.25, 0.25])
    assert class_kl(counts, real) == pytest.approx(scipy.stats.entropy(counts, real), rel=1e-6)
    assert class_kl(real, real) == 0.0
    # a class generated that the real set lacks: finite, the KL of the floored frequencies
    g, r = np.array([0.5, 0.5]), np.array([1.0, 0.0])
    gf, rf = g + KL_FLOOR, r + KL_FLOOR
    assert class_kl(g, r) == pytest.approx(scipy.stats.entropy(gf / gf.sum(), rf / rf.sum()), rel=1e-9)
    assert math.isfinite(class_kl(g, r)) and class_kl(g, r) > 5
    # all samples in one of K equally likely real classes: log K
    assert class_kl([0, 0, 1, 0, 0], np.full(5, 0.2)) == pytest.approx(math.log(5), rel=1e-6)
    with pytest.raises(ValueError):
        class_kl([0.5, 0.5], [1.0])


def test_classes_covered_on_constructed_tables():
    k, n = 5, 200
    probs = np.full((n, k), 0.0)
    probs[:, 4] = 1.0  # filler: confident class 4
    probs[0:100] = [0.9, 0.1, 0, 0, 0]  # class 0, confident
    probs[100:102] = [0, 0.5, 0.5, 0, 0]  # class 1 by argmax at exactly 0.5: 2 = 1% of 200, counts
    probs[102:112] = [0.1, 0.1, 0.1, 0.3, 0.4]  # argmax 4 but 0.4 < 0.5: not confident
    probs[112:113] = [0, 0, 1.0, 0, 0]  # class 2: 1 sample, 0.5% < 1%
    probs[113:123] = [0.0, 0.0, 0.0, 0.49, 0.51]  # 10 confident for class 4
    covered = classes_covered(probs)
    assert covered == 3  # classes 0, 1, 4
    assert classes_covered(probs, min_share=0.005) == 4  # now class 2's single sample counts
    assert classes_covered(probs, min_conf=0.95) == 1  # only class 4 (0.9 < 0.95 drops class 0)
    assert classes_covered(np.eye(k)[np.arange(100) % k]) == k
    assert classes_covered(np.zeros((0, k))) == 0


# --- classifier ---------------------------------------------------------------------------------

def test_classifier_learns_a_separable_set(blob_classifier, blobs):
    assert blob_classifier.accuracy >= 0.9
    assert not blob_classifier.from_cache
    probs = blob_classifier.predict_proba(blobs.images)
    assert probs.shape == (blobs.n, 4)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-9)
    assert (probs.argmax(1) == blobs.labels).mean() >= 0.9
    feats = blob_classifier.features(blobs.images[:7])
    assert feats.shape == (7, 128)
    assert (feats >= 0).all()  # after the ReLU


def test_cnn_classifier_for_28_pixels():
    images = blob_images(60, classes=3, side=28, channels=3, seed=1)
    clf = train_classifier(images, seed=0, presentations=2000)
    assert clf.accuracy >= 0.9
    assert clf.features(images.images[:5]).shape == (5, 128)
    assert clf.predict_proba(images.images[:5]).shape == (5, 3)


def test_classifier_cache_round_trip(tmp_path, blobs):
    first = train_classifier(blobs, seed=0, cache=tmp_path, presentations=3000)
    path = cache_path(tmp_path, blobs, 0, 3000)
    assert path.exists() and not first.from_cache

    def no_training() -> bool:
        raise AssertionError("the cached classifier was retrained")

    second = train_classifier(blobs, seed=0, cache=tmp_path, cancel=no_training, presentations=3000)
    assert second.from_cache and second.accuracy == first.accuracy and second.train_seconds == 0.0
    np.testing.assert_array_equal(second.features(blobs.images), first.features(blobs.images))

    path.write_bytes(b"not a torch file")
    polls = []
    third = train_classifier(blobs, seed=0, cache=tmp_path, cancel=lambda: polls.append(1) and False,
                             presentations=3000)
    assert not third.from_cache and polls  # retrained
    np.testing.assert_array_equal(third.features(blobs.images), first.features(blobs.images))  # seeded
    assert train_classifier(blobs, seed=0, cache=tmp_path, presentations=3000).from_cache  # file rewritten
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # truncated
    assert not train_classifier(blobs, seed=0, cache=tmp_path, presentations=3000).from_cache
    torch.save({"version": 1, "shape": [1, 8, 8]}, path)  # readable, but not a classifier
    assert not train_classifier(blobs, seed=0, cache=tmp_path, presentations=3000).from_cache
    assert train_classifier(blobs, seed=0, cache=tmp_path, presentations=3000).from_cache
    # another seed is another file
    assert not train_classifier(blobs, seed=1, cache=tmp_path, presentations=3000).from_cache
    assert default_presentations((1, 8, 8)) > 0


def test_classifier_cancel_and_bad_data(tmp_path, blobs):
    with pytest.raises(TrainingCancelled):
        train_classifier(blobs, seed=0, cache=tmp_path, cancel=lambda: True)
    assert not list(tmp_path.iterdir())
    with pytest.raises(DataError, match="needs labels"):
        train_classifier(ImageSet(blobs.images, None, "unlabelled"))
    with pytest.raises(DataError, match="two classes"):
        train_classifier(ImageSet(blobs.images, np.zeros(blobs.n, dtype=np.int64), "one-class"))


# --- evaluator ----------------------------------------------------------------------------------

def test_evaluator_real_near_floor_noise_far(blob_classifier, blobs):
    ev = ImageEvaluator(blob_classifier, blobs)
    real_feats = blob_classifier.features(blobs.images)
    assert ev.fid_floor == pytest.approx(fid_floor(real_feats), rel=1e-9)
    assert ev.fid_floor > 0

    held = blob_images(150, seed=5)  # fresh samples of the same distribution
    m = ev.evaluate(held.images)
    assert set(m) == {"classes_covered", "class_kl", "class_kl_floor", "fid", "fid_floor", "class_freq",
                      "real_class_freq"}
    assert 0 <= m["class_kl_floor"] < 0.05
    assert m["classes_covered"] == 4
    assert m["class_kl"] < 0.01
    assert m["fid"] < 3 * ev.fid_floor
    assert m["fid"] == pytest.approx(frechet_distance(blob_classifier.features(held.images), real_feats), rel=1e-9)
    np.testing.assert_allclose(m["real_class_freq"], np.bincount(
        blob_classifier.predict_proba(blobs.images).argmax(1), minlength=4) / blobs.n)

    noise = np.random.default_rng(0).uniform(0, 1, (600, 1, 8, 8))
    far = ev.evaluate(noise)
    assert far["fid"] > 20 * ev.fid_floor

    # one class only: one class covered, class KL = log 4 against the (near-uniform) real shares
    one = ev.evaluate(blobs.images[blobs.labels == 2])
    assert one["classes_covered"] == 1
    freq = np.array(one["class_freq"])
    assert freq.argmax() == 2
    assert one["class_kl"] == pytest.approx(scipy.stats.entropy(freq, m["real_class_freq"]), rel=1e-3)
    assert one["class_kl"] == pytest.approx(math.log(4), abs=0.1)

    # [0, 1] clipping and non-finite pixels do not break the metrics
    broken = np.full((50, 1, 8, 8), np.nan)
    assert math.isfinite(ev.evaluate(broken)["fid"])


# --- projection ---------------------------------------------------------------------------------

def test_pca_matches_covariance_eigenvectors(blobs):
    proj = Projection.fit(blobs)
    x = blobs.images.reshape(blobs.n, -1).astype(np.float64)
    w, v = np.linalg.eigh(np.cov(x, rowvar=False))  # independent of the SVD route
    order = np.argsort(w)[::-1]
    w, v = w[order], v[:, order]
    for i in range(2):
        assert abs(proj.components[i] @ v[:, i]) == pytest.approx(1.0, abs=1e-8)
    np.testing.assert_allclose(proj.explained_variance, w[:2], rtol=1e-8)
    np.testing.assert_allclose(proj.explained_variance_ratio, w[:2] / w.sum(), rtol=1e-8)
    pts = proj.project(blobs.images)
    assert pts.shape == (blobs.n, 2)
    np.testing.assert_allclose(pts.var(0, ddof=1), w[:2], rtol=1e-8)
    np.testing.assert_allclose(pts.mean(0), 0.0, atol=1e-9)
    x0, x1, y0, y1 = proj.extent
    assert x0 < pts[:, 0].min() and pts[:, 0].max() < x1 and y0 < pts[:, 1].min() and pts[:, 1].max() < y1
    assert proj.project(blobs.images.reshape(blobs.n, -1)).shape == (blobs.n, 2)


def test_pca_subsample_keeps_the_main_directions():
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((30, 30)))[0]
    x = (rng.standard_normal((3000, 30)) * np.r_[5.0, 3.0, np.full(28, 0.3)]) @ basis.T
    proj = Projection.fit(x, seed=1, max_fit=500)
    for i in range(2):
        assert abs(proj.components[i] @ basis[:, i]) > 0.99
    with pytest.raises(ValueError):
        proj.project(np.zeros((3, 29)))


def test_density_grid_integrates_to_one_and_matches_scipy():
    rng = np.random.default_rng(0)
    pts = rng.normal([1.0, -0.5], [0.5, 0.3], (4000, 2))
    extent = (-2.0, 4.0, -2.0, 1.0)
    xs, ys, dens = density_grid(pts, extent, cells=40, sigma_cells=1.5)
    assert xs.shape == (40,) and ys.shape == (40,) and dens.shape == (40, 40)
    dx, dy = 6.0 / 40, 3.0 / 40
    np.testing.assert_allclose(xs, -2.0 + dx * (np.arange(40) + 0.5))
    np.testing.assert_allclose(ys, -2.0 + dy * (np.arange(40) + 0.5))
    assert dens.sum() * dx * dy == pytest.approx(1.0, rel=1e-12)
    hist, _, _ = np.histogram2d(pts[:, 1], pts[:, 0], bins=40, range=((-2, 1), (-2, 4)))  # rows are y
    ref = scipy.ndimage.gaussian_filter(hist, 1.5, mode="constant", truncate=4.0)
    np.testing.assert_allclose(dens, ref / (ref.sum() * dx * dy), rtol=1e-9, atol=1e-12)
    i, j = np.unravel_index(dens.argmax(), dens.shape)
    assert abs(xs[j] - 1.0) < 0.4 and abs(ys[i] + 0.5) < 0.25  # the peak is at the mean (row = y)
    # no points inside: uniform over the extent
    _, _, flat = density_grid(np.array([[10.0, 10.0]]), extent, cells=8)
    np.testing.assert_allclose(flat, 1.0 / 18.0)


def test_class_kl_floor_is_the_kl_of_a_random_real_draw_against_scipy():
    from scipy.special import rel_entr

    from ganstudio.core.images.image_metrics import KL_FLOOR, class_kl_floor

    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.full(5, 0.3), size=400)
    idx = np.random.default_rng(11).integers(400, size=250)
    real = np.bincount(probs.argmax(1), minlength=5) / 400
    drawn = np.bincount(probs[idx].argmax(1), minlength=5) / 250
    g, r = drawn + KL_FLOOR, real + KL_FLOOR
    expected = float(np.sum(rel_entr(g / g.sum(), r / r.sum())))
    assert class_kl_floor(probs, 250, seed=11) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert class_kl_floor(probs, 100_000, seed=11) < class_kl_floor(probs, 50, seed=11)  # more samples, less noise

