"""Tiling images into one mosaic, binning D's scores and placing the image view's parts, checked against
direct indexing, numpy and the arithmetic of each size."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from ganstudio.gui.views.image_mosaic import (
    GAP_VALUE,
    IMAGE_MARGIN,
    PLOT_SHARE,
    ROW_MIN_WIDTH,
    SPACING,
    TITLE_HEIGHT,
    Box,
    finite,
    finite_rows,
    image_layout,
    mosaic,
    score_bins,
    tile_origin,
)


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


DIGIT_STRIP = (10 * 9 - 1) / 8  # a strip of ten 8 x 8 digits, 1-pixel gaps: width / height


def _boxes(lay):
    return [lay.fake, lay.real, lay.strip, *lay.plots]


@pytest.mark.parametrize("width", [0, 1, 60, 369, 420, 653, 654, 685, 1024, 1600, 2400])
@pytest.mark.parametrize("height", [0, 1, 90, 380, 683, 915, 1000, 1600])
def test_every_part_of_the_image_view_lies_inside_it_without_overlap(width, height):
    lay = image_layout(width, height, DIGIT_STRIP)
    boxes = _boxes(lay)
    for b in boxes:
        assert b.width >= 0 and b.height >= 0
        assert 0 <= b.x and b.right <= width and 0 <= b.y and b.bottom <= height, (b, width, height)
    solid = [b for b in boxes if b.width > 0 and b.height > 0]
    for i, a in enumerate(solid):
        for b in solid[i + 1:]:
            assert a.right <= b.x or b.right <= a.x or a.bottom <= b.y or b.bottom <= a.y, (a, b)


def test_mosaics_are_as_large_as_the_width_or_the_plots_share_of_the_height_allows():
    m, title = IMAGE_MARGIN, TITLE_HEIGHT
    # a tall view (the main window's centre at 1600 x 1000): the width sets the side
    lay = image_layout(685, 885, DIGIT_STRIP)
    assert lay.side == (685 - 3 * m) // 2 == 330
    assert (lay.fake.width, lay.fake.height) == (330, title + 330) and lay.real.width == 330
    assert lay.real.x - lay.fake.right == m
    assert lay.strip.width == 2 * 330 + m and lay.strip.height == title + math.floor((2 * 330 + m) / DIGIT_STRIP)
    assert not lay.tabbed and len(lay.plots) == 3
    assert all(330 * 330 >= p.width * p.height for p in lay.plots)  # each mosaic outweighs each plot
    assert all(p.height == 885 - lay.plots[0].y for p in lay.plots)  # the plots take the rest of the height
    # a wide view: the height sets the side, and the plots keep their share of the height
    lay = image_layout(1600, 950, DIGIT_STRIP)
    assert lay.side < (1600 - 3 * m) // 2
    assert lay.plots[0].height >= round(PLOT_SHARE * 950)
    assert lay.plots[0].height < round(PLOT_SHARE * 950) + 8  # and no more than rounding and margins
    assert all(lay.side * lay.side >= p.width * p.height for p in lay.plots)
    assert lay.fake.x - 0 == 1600 - lay.real.right  # the images are centred


def test_plots_go_into_tabs_when_a_row_of_three_would_be_too_narrow():
    row_min = 3 * ROW_MIN_WIDTH + 2 * SPACING
    assert not image_layout(row_min, 800, DIGIT_STRIP).tabbed
    narrow = image_layout(row_min - 1, 800, DIGIT_STRIP)
    assert narrow.tabbed and narrow.plots == (Box(0, narrow.plots[0].y, row_min - 1, 800 - narrow.plots[0].y),)
    plots = image_layout(1024, 700, DIGIT_STRIP).plots
    assert plots[0].x == 0 and plots[-1].right == 1024
    assert all(b.x - a.right == SPACING for a, b in itertools.pairwise(plots))
    assert max(p.width for p in plots) - min(p.width for p in plots) <= 1
