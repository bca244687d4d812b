"""Tiling images into one mosaic and binning D's scores, checked against direct indexing and numpy."""

from __future__ import annotations

import numpy as np
import pytest

from ganstudio.gui.views.image_mosaic import GAP_VALUE, finite, finite_rows, mosaic, score_bins, tile_origin


def test_grey_mosaic_places_each_image_at_its_tile():
    rng = np.random.default_rng(0)
    images = rng.random((13, 1, 5, 4)).astype(np.float32)
    out = mosaic(images, columns=4)
    assert out.shape == (4 * 6 - 1, 4 * 5 - 1)  # 4 rows of 5-pixel images, 4 columns of 4, 1-pixel gaps
    for k in range(13):
        r, c = divmod(k, 4)
        np.testing.assert_array_equal(out[r * 6:r * 6 + 5, c * 5:c * 5 + 4], images[k, 0])
        assert tile_origin(k, 4, 5, 4) == (r * 6, c * 5)
    # gaps and the three unused tiles hold the gap value
    assert np.all(out[5::6, :] == GAP_VALUE) and np.all(out[:, 4::5] == GAP_VALUE)
    assert np.all(out[18:, 5:] == GAP_VALUE)


def test_colour_mosaic_keeps_channels_last():
    rng = np.random.default_rng(1)
    images = rng.random((4, 3, 2, 3)).astype(np.float32)
    out = mosaic(images, columns=2, gap=2)
    assert out.shape == (2 * 4 - 2, 2 * 5 - 2, 3)
    np.testing.assert_array_equal(out[4:6, 5:8], images[3].transpose(1, 2, 0))


def test_mosaic_clips_and_hides_non_finite_pixels():
    images = np.array([[[[np.nan, 2.0], [-1.0, 0.25]]]], dtype=np.float32)
    np.testing.assert_array_equal(mosaic(images, columns=1), [[GAP_VALUE, 1.0], [0.0, 0.25]])


def test_mosaic_rejects_bad_shapes():
    with pytest.raises(ValueError, match="N x C x H x W"):
        mosaic(np.zeros((3, 8, 8)), columns=2)
    with pytest.raises(ValueError, match="columns"):
        mosaic(np.zeros((3, 1, 8, 8)), columns=0)


def test_score_bins_cover_probabilities_or_the_critics_range():
    np.testing.assert_allclose(score_bins(np.array([0.3]), np.array([0.9]), critic=False), np.linspace(0, 1, 26))
    edges = score_bins(np.array([-2.0, np.inf]), np.array([5.0, np.nan]), critic=True)
    assert edges[0] == -2.0 and edges[-1] == 5.0 and len(edges) == 31
    equal = score_bins(np.array([3.0]), np.array([3.0]), critic=True)
    assert equal[0] == 2.5 and equal[-1] == 3.5


def test_finite_filters():
    np.testing.assert_array_equal(finite(np.array([1.0, np.nan, -np.inf, 2.0])), [1.0, 2.0])
    np.testing.assert_array_equal(finite_rows(np.array([[1.0, 2.0], [np.nan, 0.0], [3.0, 4.0]])),
                                  [[1.0, 2.0], [3.0, 4.0]])
