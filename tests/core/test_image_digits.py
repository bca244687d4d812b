"""The image metrics on the real digits-8x8 set: the classifier's accuracy, real against real near
the floor, noise far from it, and a run's measurement against an independent calculation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from ganstudio.core.images.builtin import load_digits_8x8
from ganstudio.core.images.classifier import train_classifier
from ganstudio.core.images.image_metrics import ImageEvaluator


@pytest.fixture(scope="module")
def digits():
    return load_digits_8x8()


@pytest.fixture(scope="module")
def classifier(digits, tmp_path_factory):
    return train_classifier(digits, seed=0, cache=tmp_path_factory.mktemp("clf"))


def test_the_classifier_reaches_95_percent_on_held_out_digits(classifier):
    assert classifier.accuracy >= 0.95


def scipy_fid(a: np.ndarray, b: np.ndarray) -> float:
    mu_a, mu_b = a.mean(0), b.mean(0)
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(ca @ cb).real  # ReLU features that never fire make the covariances singular
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(ca + cb - 2 * root))


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
def test_real_against_real_is_near_the_floor_and_noise_is_far(digits, classifier):
    ev = ImageEvaluator(classifier, digits, n_samples=2000)
    rng = np.random.default_rng(0)
    resampled = np.asarray(digits.images)[rng.integers(digits.n, size=2000)]
    real = ev.evaluate(resampled)
    assert real["classes_covered"] == 10
    assert real["fid"] < ev.fid_floor and real["class_kl"] < 0.01
    assert real["fid"] == pytest.approx(scipy_fid(classifier.features(resampled), ev.real_features), rel=1e-4, abs=1e-6)
    noise = ev.evaluate(rng.random((2000, 1, 8, 8), dtype=np.float32))
    assert noise["fid"] > 50 * ev.fid_floor and noise["class_kl"] > 0.5


def test_a_generator_of_half_the_classes_covers_half(digits, classifier):
    ev = ImageEvaluator(classifier, digits, n_samples=2000)
    half = np.asarray(digits.images)[np.asarray(digits.labels) < 5]
    found = ev.evaluate(half)
    assert found["classes_covered"] == 5
    # KL of a 5-class uniform against a ~10-class uniform is about log 2
    assert found["class_kl"] == pytest.approx(np.log(2), abs=0.15)
