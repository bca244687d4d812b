"""Reference-label placement on plain rectangles and point arrays, without Qt.

The module is loaded from its file: importing it through ganstudio.gui would load Qt.
"""

from __future__ import annotations

import itertools
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from qt_free import load_view_module, view_module_path  # tests/ is on sys.path (rootdir-relative import)

ROOT = pathlib.Path(__file__).resolve().parents[2]
PATH = view_module_path("label_placement")


lp = load_view_module("label_placement")
LN2 = math.log(2.0)


def test_loading_it_loads_no_qt():
    code = (f"import importlib.util, sys\nspec = importlib.util.spec_from_file_location('m', {str(PATH)!r})\n"
            "m = importlib.util.module_from_spec(spec); sys.modules['m'] = m; spec.loader.exec_module(m)\n"
            "bad = [n for n in sys.modules if n.startswith(('PySide6', 'shiboken6', 'pyqtgraph', 'ganstudio'))]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def frame(height: float = 200.0, width: float = 600.0, y=(0.0, 1.0), x=(0.0, 100.0)):
    return lp.Frame(x[0], x[1], y[0], y[1], width, height)


def label(value: float, width: float = 200.0, right=False, above=True, usual=(False, True)):
    return lp.Label(value=value, width=width, text_height=16.0, margin=4.0, right=right, above=above, usual=usual)


def hits(place, curves, f) -> int:
    return sum(lp.points_in(x, y, place.rect, f) for x, y in curves)


# --------------------------------------------------------------------------- primitives
def test_overlap_needs_shared_area_not_a_shared_edge():
    a = (0.0, 0.0, 10.0, 10.0)
    assert lp.overlap(a, (5.0, 5.0, 15.0, 15.0)) and lp.overlap((5.0, 5.0, 15.0, 15.0), a)
    assert not lp.overlap(a, (10.0, 0.0, 20.0, 10.0))  # side by side
    assert not lp.overlap(a, (0.0, 10.0, 10.0, 20.0))  # stacked
    assert lp.overlap(a, (2.0, 2.0, 3.0, 3.0))  # inside


def test_points_in_counts_the_points_and_the_columns_the_line_between_them_crosses():
    f = frame(height=100.0, width=100.0, y=(0.0, 1.0), x=(0.0, 100.0))  # 1 px per step, 100 px per unit
    rect = (10.0, 40.0, 20.0, 60.0)
    # two far points at height 0.5: no point inside, but the line crosses columns 10..20 (11 of them)
    assert lp.points_in(np.array([0.0, 100.0]), np.array([0.5, 0.5]), rect, f) == 11
    # a point inside adds one; a line that passes above the rect adds nothing
    assert lp.points_in(np.array([0.0, 15.0, 100.0]), np.array([0.5, 0.5, 0.5]), rect, f) == 12
    assert lp.points_in(np.array([0.0, 100.0]), np.array([0.9, 0.9]), rect, f) == 0
    # a rising line y = x/100 is inside the band 40..60 px exactly for columns 40..60: none of 10..20
    assert lp.points_in(np.array([0.0, 100.0]), np.array([0.0, 1.0]), rect, f) == 0
    band = (30.0, 45.0, 70.0, 55.0)
    assert lp.points_in(np.array([0.0, 100.0]), np.array([0.0, 1.0]), band, f) == 11  # columns 45..55
    assert lp.points_in(None, None, rect, f) == 0 and lp.points_in(np.zeros(0), np.zeros(0), rect, f) == 0


def test_runs_above_goes_by_the_median_between_two_steps():
    x = np.arange(10.0)
    y = np.array([5.0, 5.0, 5.0, 0.0, 0.0, 0.0, 0.0, np.nan, 9.0, 9.0])
    assert lp.runs_above(x, y, 1.0, 0.0, 2.0)
    assert not lp.runs_above(x, y, 1.0, 3.0, 7.0)  # the NaN at step 7 is left out: median 0
    assert lp.runs_above(x, y, 1.0, 0.0, 9.0) == (np.nanmedian(y) > 1.0)
    assert not lp.runs_above(x, y, 1.0, 20.0, 30.0)  # no points there
    assert not lp.runs_above(None, None, 1.0, 0.0, 9.0)


def test_side_with_room_keeps_the_preferred_side_unless_the_plot_is_too_short_there():
    # 100 px for 0..1: a line at 0.1 has 10 px under it and 90 px over it
    assert lp.side_with_room(True, 0.1, 0.0, 1.0, 100.0, need=8.0)
    assert not lp.side_with_room(True, 0.1, 0.0, 1.0, 100.0, need=12.0)
    assert not lp.side_with_room(False, 0.9, 0.0, 1.0, 100.0, need=8.0)
    assert lp.side_with_room(False, 0.9, 0.0, 1.0, 100.0, need=12.0)


def test_grow_for_labels_reaches_the_shares_it_is_asked_for():
    # D's line at 2 log 2 needs 20% of the range over it, G's at -log 2 15% under it, the data
    # between: the fixed point solves two linear equations in (lo, hi)
    lines = [(2 * LN2, 0.20, False), (-LN2, 0.15, True)]
    lo, hi = lp.grow_for_labels(-LN2, 2 * LN2, lines)
    a = np.array([[1 - 0.15, 0.15], [0.20, 1 - 0.20]])  # -LN2 = lo + .15(hi-lo); 2LN2 = hi - .2(hi-lo)
    exact = np.linalg.solve(a, np.array([-LN2, 2 * LN2]))
    np.testing.assert_allclose((lo, hi), exact, rtol=1e-4)
    assert (hi - 2 * LN2) / (hi - lo) == pytest.approx(0.20, rel=1e-3)
    assert (-LN2 - lo) / (hi - lo) == pytest.approx(0.15, rel=1e-3)
    # a line that already has its room leaves the range as it is
    assert lp.grow_for_labels(0.0, 10.0, [(5.0, 0.2, False)]) == (0.0, 10.0)


# --------------------------------------------------------------------------- choose_places
def test_two_labels_on_close_lines_are_kept_apart():
    f = frame()
    labels = [label(0.5), label(0.52)]  # 4 px apart; both prefer the left end, above the line
    best = lp.choose_places(labels, [], f)
    assert all(p is not None for p in best)
    assert not lp.overlap(best[0].rect, best[1].rect)
    combos = itertools.product(*(lp.places(lab, [], f) for lab in labels))
    assert any(lp.overlap(a.rect, b.rect) for a, b in combos)  # they would meet if not chosen together


def test_labels_cover_the_fewest_curve_points_there_are():
    f = frame()
    steps = np.linspace(0.0, 100.0, 200)
    hug = np.where(steps < 50.0, 0.55, 0.05)  # just above the line over the left half
    curves = [(steps, hug)]
    (best,) = lp.choose_places([label(0.5)], curves, f)
    assert hits(best, curves, f) == 0
    assert best.right or not best.above  # not its usual place (left, above), which the curve crosses
    assert hits(lp.Place(False, True, lp.places(label(0.5), curves, f)[0].rect, (0, 0, 0)), curves, f) > 0
    # with curves everywhere, the least covered of the four places
    noisy = [(steps, 0.5 + 0.1 * np.sin(steps))]
    (best,) = lp.choose_places([label(0.5)], noisy, f)
    assert hits(best, noisy, f) == min(hits(p, noisy, f) for p in lp.places(label(0.5), noisy, f))


def test_a_label_stays_put_when_nothing_changes():
    f = frame()
    # with no curve to avoid, a label below the right end stays there though it usually stands above left
    (best,) = lp.choose_places([label(0.5, right=True, above=False)], [], f)
    assert (best.right, best.above) == (True, False)
    # and the chosen place, given back as where it stands, is chosen again
    steps = np.linspace(0.0, 100.0, 50)
    curves = [(steps, np.where(steps > 50.0, 0.55, 0.2))]
    first = lp.choose_places([label(0.5), label(0.3, usual=(False, False))], curves, f)
    again = [label(0.5, right=first[0].right, above=first[0].above),
             label(0.3, right=first[1].right, above=first[1].above, usual=(False, False))]
    assert [(p.right, p.above) for p in lp.choose_places(again, curves, f)] == [(p.right, p.above) for p in first]


def test_a_label_takes_its_usual_place_when_it_moves_anyway():
    f = frame()
    # the label stood above a line now at the very top: it must go below, and left (usual) beats right
    (best,) = lp.choose_places([label(0.99, right=True, above=True, usual=(False, False))], [], f)
    assert (best.right, best.above) == (False, False)


def test_the_text_never_passes_the_plots_edge_and_no_room_leaves_a_label_alone():
    f = frame(height=200.0)
    for value in (0.0, 0.02, 0.5, 0.98, 1.0):
        for p in lp.places(label(value), [], f):
            assert p.rect[1] + 4.0 >= 0 and p.rect[3] - 4.0 <= f.height  # the text, without its margins
            assert p.rect[0] >= 0 and p.rect[2] <= f.width
    assert lp.choose_places([label(0.5)], [], frame(height=10.0)) == [None]  # shorter than the text
    assert lp.choose_places([label(0.5)], [], frame(height=0.0)) == [None]  # not laid out yet


def test_right_hand_places_end_at_the_plots_right_margin():
    f = frame(width=600.0)
    right = [p for p in lp.places(label(0.5, width=200.0), [], f) if p.right]
    left = [p for p in lp.places(label(0.5, width=200.0), [], f) if not p.right]
    assert all(p.rect[2] == pytest.approx(0.98 * 600.0) for p in right)
    assert all(p.rect[0] == pytest.approx(0.02 * 600.0) for p in left)


# the cases the metrics view meets (its own tests check them on the drawn plot)
@pytest.mark.parametrize("hug", ["left", "right"])
def test_mle_labels_clear_a_kl_curve_that_hugs_one_line_over_half_the_steps(hug):
    """Two fits' lines on a log axis (log10 units); KL runs just above the upper one over one half
    of the steps and two decades above it over the other."""
    f = frame(height=180.0, width=520.0, y=(-3.4, 2.4), x=(0.0, 2000.0))
    upper, lower = math.log10(0.8), math.log10(0.05)
    steps = np.linspace(0.0, 1500.0, 16)
    near = steps <= 750.0 if hug == "left" else steps > 750.0
    kl = np.log10(np.where(near, 0.8 * 1.6, 80.0))
    curves = [(steps, kl), (steps, kl + math.log10(1.2)), (steps, np.full_like(steps, -3.0))]
    labels = [label(upper, width=150.0, usual=(False, True)), label(lower, width=150.0, usual=(False, False))]
    best = lp.choose_places(labels, curves, f)
    assert all(p is not None for p in best)
    assert sum(hits(p, curves, f) for p in best) == 0
    assert not lp.overlap(best[0].rect, best[1].rect)


def test_a_label_avoids_the_line_between_two_far_points():
    f = frame(height=180.0, width=520.0, y=(-3.4, 2.4), x=(0.0, 2000.0))
    line = math.log10(0.8)
    two = np.array([0.0, 1500.0])
    curves = [(two, np.full(2, math.log10(1.28)))]  # 0.2 decades over the line: through an 'above' label
    assert hits(lp.places(label(line, width=150.0), [], f)[0], curves, f) > 0  # left, above: crossed
    (best,) = lp.choose_places([label(line, width=150.0)], curves, f)
    assert hits(best, curves, f) == 0


@pytest.mark.parametrize("hug", ["left", "right"])
def test_the_jsd_ceiling_label_clears_a_collapse_just_under_log_2(hug):
    f = frame(height=150.0, width=520.0, y=(-0.03, 0.72), x=(0.0, 2000.0))
    steps = np.linspace(0.0, 1500.0, 16)
    near = steps <= 375.0 if hug == "left" else steps > 1125.0
    curves = [(steps, np.where(near, LN2 - 0.01, 0.05)), (steps, np.full_like(steps, 0.01))]
    (best,) = lp.choose_places([label(LN2, width=250.0, above=False, usual=(False, False))], curves, f)
    assert best is not None and hits(best, curves, f) == 0
