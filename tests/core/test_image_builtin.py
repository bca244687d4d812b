"""The built-in digit sets: the shipped UCI digits and the generated 28 x 28 digits."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest
from scipy.spatial.distance import cdist, pdist

from ganstudio.core.errors import DataError
from ganstudio.core.images import builtin, strokes
from ganstudio.core.images.imageset import ImageSet

UCI_CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


@pytest.fixture(scope="module")
def digits28() -> ImageSet:
    return builtin.make_digits_28()


# ---- digits-8x8 ----------------------------------------------------------------------------------

def test_digits_8x8_is_the_uci_set():
    s = builtin.load_digits_8x8()
    assert s.name == "digits-8x8"
    assert s.images.shape == (1797, 1, 8, 8) and s.images.dtype == np.float32
    assert s.n_classes == 10 and s.class_names == tuple("0123456789")
    assert s.images.min() == 0.0 and s.images.max() == 1.0
    levels = s.images * 16
    np.testing.assert_array_equal(levels, np.round(levels))  # on the 1/16 lattice
    assert np.bincount(s.labels, minlength=10).tolist() == UCI_CLASS_COUNTS
    # The first image of the UCI test part is a 0; its top rows as published with the set.
    np.testing.assert_array_equal(levels[0, 0, :2], [[0, 0, 5, 13, 9, 1, 0, 0], [0, 0, 13, 15, 10, 15, 5, 0]])
    assert s.labels[0] == 0


def test_digits_8x8_checksum_matches_the_file_and_the_readme():
    data = builtin.DIGITS_8X8_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == builtin.DIGITS_8X8_SHA256
    readme = (builtin.DIGITS_8X8_FILE.parent / "README.md").read_text()
    assert builtin.DIGITS_8X8_SHA256 in readme
    assert f"{len(data):,} bytes" in readme


def test_damaged_digits_8x8_raises_data_error_naming_the_file(tmp_path):
    data = bytearray(builtin.DIGITS_8X8_FILE.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged = tmp_path / "digits-8x8.npz"
    damaged.write_bytes(bytes(data))
    with pytest.raises(DataError, match=re.escape(str(damaged))):
        builtin.load_digits_8x8(damaged)


def test_missing_digits_8x8_raises_data_error_naming_the_file(tmp_path):
    missing = tmp_path / "nowhere.npz"
    with pytest.raises(DataError, match=re.escape(str(missing))):
        builtin.load_digits_8x8(missing)


# ---- digits-28 -----------------------------------------------------------------------------------

def test_digits_28_is_deterministic_for_a_seed():
    a, b = builtin.make_digits_28(500, seed=3), builtin.make_digits_28(500, seed=3)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.labels, b.labels)
    c = builtin.make_digits_28(500, seed=4)
    assert not np.array_equal(a.images, c.images)
    assert a.content_hash() != c.content_hash()


def test_digits_28_shape_range_and_balance(digits28):
    s = digits28
    assert s.name == "digits-28" and s.n >= 20000
    assert s.images.shape == (s.n, 1, 28, 28) and s.images.dtype == np.float32
    assert s.images.min() == 0.0 and s.images.max() == 1.0
    assert s.n_classes == 10 and s.class_names == tuple("0123456789")
    assert np.bincount(s.labels, minlength=10).tolist() == [s.n // 10] * 10
    assert s.images.max(axis=(1, 2, 3)).min() > 0.9  # every image has a fully inked stroke
    assert not np.array_equal(s.labels[:100], np.arange(100) % 10)  # shuffled, not in label order


def test_digits_28_balance_when_n_is_not_a_multiple_of_ten():
    counts = np.bincount(builtin.make_digits_28(2003, seed=1).labels, minlength=10)
    assert counts.sum() == 2003 and counts.max() - counts.min() == 1


def test_digits_28_rejects_an_empty_set():
    with pytest.raises(DataError, match="digits-28"):
        builtin.make_digits_28(0)


def test_digits_28_varies_within_each_class(digits28):
    x = digits28.images[:2000].reshape(2000, -1)
    labels = digits28.labels[:2000]
    assert len(np.unique(x, axis=0)) == 2000
    for digit in range(10):
        own = x[labels == digit]
        spread = pdist(own).mean()
        size = np.linalg.norm(own, axis=1).mean()
        # Two drawings of one digit are about as far apart as a drawing is from a blank image.
        assert spread > 0.5 * size, (digit, spread, size)


def test_digits_28_classes_are_distinct_shapes(digits28):
    x = digits28.images.reshape(digits28.n, -1).astype(np.float64)
    y = digits28.labels
    half = digits28.n // 2
    means = np.stack([x[:half][y[:half] == d].mean(axis=0) for d in range(10)])
    predicted = cdist(x[half:], means).argmin(axis=1)
    accuracy = (predicted == y[half:]).mean()
    assert 0.6 < accuracy <= 1.0


def test_rasterise_matches_the_distance_to_a_densely_sampled_segment():
    rng = np.random.default_rng(0)
    a = rng.uniform(4, 24, (6, 3, 2)).astype(np.float32)
    b = rng.uniform(4, 24, (6, 3, 2)).astype(np.float32)
    b[0, 0] = a[0, 0]  # a zero-length segment draws a dot
    width = rng.uniform(1.5, 3.5, 6)
    images = strokes.rasterise(a, b, width)
    centres = np.stack(np.meshgrid(np.arange(28) + 0.5, np.arange(28) + 0.5), -1).reshape(-1, 2)  # (x, y)
    t = np.linspace(0.0, 1.0, 4001)[:, None]
    for i in range(6):
        points = np.concatenate([a[i, s] + t * (b[i, s] - a[i, s]) for s in range(3)])
        distance = cdist(centres, points).min(axis=1).reshape(28, 28)
        expected = np.clip(0.5 * width[i] + 0.5 - distance, 0.0, 1.0)
        np.testing.assert_allclose(images[i], expected, atol=1e-3)


def test_affine_maps_stay_within_the_stated_ranges():
    matrix, shift = strokes.affine(5000, np.random.default_rng(0))
    det = np.linalg.det(matrix)
    assert (det < 0).all()  # glyph y points up, pixel y points down
    scale = np.linalg.norm(matrix[:, :, 1], axis=1)  # image of (0, 1): scale * sqrt(1 + slant^2)
    width = np.linalg.norm(matrix[:, :, 0], axis=1)  # image of (1, 0): aspect * scale
    height = -det / width  # = scale, since det = -aspect * scale^2
    slant = np.sqrt(np.maximum((scale / height) ** 2 - 1.0, 0.0))
    lo, hi = strokes.SCALE
    assert (height > lo * strokes.GLYPH_PX - 1e-9).all() and (height < hi * strokes.GLYPH_PX + 1e-9).all()
    assert (slant <= max(abs(v) for v in strokes.SLANT) + 1e-9).all()
    assert np.abs(shift - strokes.SIZE / 2).max() <= strokes.SHIFT_PX
    # The rotation turns the glyph's up direction by at most the stated angle plus the slant's lean.
    up = matrix[:, :, 1] * np.array([1.0, -1.0])
    lean = np.degrees(np.abs(np.arctan2(up[:, 0], up[:, 1])))
    assert lean.max() <= strokes.ROTATION_DEG[1] + np.degrees(np.arctan(max(map(abs, strokes.SLANT)))) + 1e-9


def test_digits_28_ink_is_centred(digits28):
    ink = digits28.images[:, 0].astype(np.float64)
    rows = (ink.sum(axis=2) * (np.arange(28) + 0.5)).sum(axis=1) / ink.sum(axis=(1, 2))
    cols = (ink.sum(axis=1) * (np.arange(28) + 0.5)).sum(axis=1) / ink.sum(axis=(1, 2))
    assert abs(rows.mean() - 14) < 1.0 and abs(cols.mean() - 14) < 1.0
    assert np.abs(rows - 14).max() < 6 and np.abs(cols - 14).max() < 6


def test_every_stroke_passes_through_its_control_points():
    for digit, variants in strokes.VARIANTS.items():
        for variant in variants:
            sampled = variant.basis @ variant.points
            gaps = cdist(variant.points, sampled).min(axis=1)
            assert gaps.max() < 1e-9, digit
            assert variant.start.max() < len(sampled) and variant.end.max() < len(sampled)


def test_several_digits_have_more_than_one_style():
    styles = {digit: len(variants) for digit, variants in strokes.VARIANTS.items()}
    assert sorted(styles) == list(range(10))
    assert sum(count >= 2 for count in styles.values()) >= 8
    assert min(styles[d] for d in (1, 4, 7, 9)) >= 2


# ---- the registry --------------------------------------------------------------------------------

def test_load_builtin_names_both_sets(digits28):
    assert set(builtin.BUILTIN_IMAGE_SETS) == {"digits-8x8", "digits-28"}
    assert builtin.load_builtin("digits-8x8").content_hash() == builtin.load_digits_8x8().content_hash()
    assert builtin.load_builtin("digits-28", seed=0).content_hash() == digits28.content_hash()


def test_load_builtin_unknown_name_lists_the_known_ones():
    with pytest.raises(DataError, match="mnist") as info:
        builtin.load_builtin("mnist")
    assert "digits-8x8" in str(info.value) and "digits-28" in str(info.value)
