"""The metric plots' step-range jumps and decade ticks, without Qt (the module is loaded from its
file: importing it through ganstudio.gui would load Qt)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qt_free import load_view_module, view_module_path  # tests/ is on sys.path (rootdir-relative import)

PATH = view_module_path("axis_ranges")


ar = load_view_module("axis_ranges")


@pytest.mark.parametrize("x", [0.9, 1.0, 101.0, 1999.0, 2000.0, 2001.0, 2600.0, 7e5, 3.3e-4])
def test_nice_ceiling_is_the_least_nice_number_not_below_x(x):
    nice = sorted(m * 10.0 ** k for m in (1, 2, 2.5, 5) for k in range(-6, 8))
    expected = next(n for n in nice if n >= x * (1 - 1e-12))
    assert ar.nice_ceiling(x) == pytest.approx(expected, rel=1e-12)


def test_decade_span_holds_every_value_between_whole_decades():
    assert ar.decade_span([], []) is None
    assert ar.decade_span([0.003, 0.5], [0.02, 40.0]) == (-3, 2)
    assert ar.decade_span([1.0], [1.0]) == (0, 1)  # at least one decade
    assert ar.decade_span([0.1], [0.1]) == (-1, 0)
    rng = np.random.default_rng(0)
    for _ in range(50):
        values = 10.0 ** rng.uniform(-9, 4, size=5)
        lo, hi = ar.decade_span(values, values)
        assert 10.0 ** lo <= values.min() and values.max() <= 10.0 ** hi
        assert 10.0 ** (lo + 1) > values.min() and (10.0 ** (hi - 1) < values.max() or hi == lo + 1)


def labelled(ticks):
    return sorted((v, text) for level in ticks for v, text in level if text)


def test_an_empty_plot_labels_its_three_decades():
    ticks = ar.decade_ticks(ar.EMPTY_DECADES, 120.0)
    assert [text for _, text in ticks[0]] == ["0.01", "0.1", "1"]
    assert [text for _, text in labelled(ticks)] == ["0.01", "0.1", "1"]  # too short for 2x and 5x


def test_minor_ticks_sit_at_2_to_9_times_each_decade():
    ticks = ar.decade_ticks((-1, 1), 400.0)
    expected = sorted(math.log10(m * 10.0 ** k) for k in (-1, 0) for m in range(2, 10))
    np.testing.assert_allclose(sorted(v for v, _ in ticks[1]), expected)
    # two decades and 400 px: room for 2x and 5x labels too
    assert [t for _, t in labelled(ticks)] == ["0.1", "0.2", "0.5", "1", "2", "5", "10"]


@pytest.mark.parametrize("height", [40.0, 72.0, 100.0, 180.0, 400.0, 900.0])
@pytest.mark.parametrize("span", [(-2, 0), (-9, 1), (-12, 3), (0, 1)])
def test_decade_labels_stay_label_spacing_apart(height, span):
    ticks = ar.decade_ticks(span, height)
    major = [v for v, text in ticks[0] if text]
    assert major[0] == span[0]  # the lowest decade is always labelled
    assert all(text == f"{10.0 ** v:g}" for v, text in ticks[0])
    px_per_decade = height / (span[1] - span[0])
    gaps = np.diff(major) * px_per_decade
    assert len(major) == 1 or gaps.min() >= ar.LABEL_SPACING_PX
    if span[1] - span[0] > 2:  # only a short range labels 2x and 5x
        assert not [t for _, t in ticks[1] if t]
