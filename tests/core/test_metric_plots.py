"""The metrics panel's table of plots and the series it draws, without Qt (the module is loaded
from its file: importing it through ganstudio.gui would load Qt)."""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pytest
from qt_free import load_view_module, view_module_path  # tests/ is on sys.path (rootdir-relative import)

PATH = view_module_path("metric_plots")


mp = load_view_module("metric_plots")


def test_the_table_holds_its_plots_with_distinct_curves_and_frozen_specs():
    assert [p.name for p in mp.PLOTS] == ["loss", "jsd", "kl", "value", "modes", "fid", "class_kl", "classes", "grad"]
    keys = [c.key for p in mp.PLOTS for c in p.curves]
    assert len(keys) == len(set(keys))
    assert [p.name for p in mp.PLOTS if p.per_step] == ["loss", "grad"]  # drawn from snap.history every frame
    assert {p.name for p in mp.PLOTS if p.log_y} == {"kl", "fid", "class_kl", "grad"}
    assert [p.name for p in mp.PLOTS if p.always_shown] == ["loss", "grad"]
    for spec in mp.PLOTS:
        with pytest.raises(dataclasses.FrozenInstanceError):
            spec.name = "x"
        if spec.placement is mp.Placement.FREE_SIDE:  # each label names a curve of its own plot
            assert all(line.curve in {c.key for c in spec.curves} for line in spec.lines)
    assert mp.PLOTS_BY_NAME["jsd"].lines[0].value == pytest.approx(math.log(2.0))
    assert mp.PLOTS_BY_NAME["value"].lines[0].value == pytest.approx(-2 * math.log(2.0))


def snap(history=None, metric_history=None, metrics=None):
    return SimpleNamespace(history=history or {}, metric_history=metric_history or {}, metrics=metrics or {})


def test_the_image_rows_name_the_image_metrics():
    fid, class_kl, classes = (mp.PLOTS_BY_NAME[n] for n in ("fid", "class_kl", "classes"))
    assert [c.key for c in fid.curves] == ["fid"] and fid.log_y
    (floor,) = fid.lines
    assert floor.metric == "fid_floor" and floor.forms[0] == "floor: two halves of the real set"
    assert all(len(a) > len(b) for a, b in zip(floor.forms, floor.forms[1:]))
    assert [c.key for c in class_kl.curves] == ["class_kl", "class_kl_floor"] and class_kl.log_y
    assert class_kl.ylabel == "nats" and not class_kl.curves[1].shows_plot  # the floor alone shows no plot
    assert [c.key for c in classes.curves] == ["classes_covered"] and not classes.log_y
    (total,) = classes.lines
    assert total.metric == "classes_total" and classes.y_unit == "classes_total"
    assert total.forms_of("classes_total", 10.0) == ("all 10 classes", "10 classes", "10")
    # every line drawn at a snapshot metric waits, hidden, for a value
    metric_lines = [line for p in mp.PLOTS for line in p.lines if line.metric is not None]
    assert {line.metric for line in metric_lines} == {"kl_mle_gauss", "kl_mle_gmm", "fid_floor", "classes_total"}
    assert not any(line.shown for line in metric_lines)


DENSITY_KEYS = ("jsd", "jsd_floor", "kl_data_g", "kl_g_data", "value", "value_bound", "modes_captured",
                "modes_total", "hq_fraction")
IMAGE_KEYS = ("fid", "fid_floor", "class_kl", "classes_covered", "classes_total")


@pytest.mark.parametrize("kind", ["density", "image"])
def test_a_plot_applies_where_the_snapshot_has_a_finite_point_of_its_series(kind):
    steps = np.array([10.0, 20.0, 30.0])
    rng = np.random.default_rng(0)
    keys = DENSITY_KEYS if kind == "density" else IMAGE_KEYS
    history = {"step": steps, **{k: rng.uniform(0.1, 0.6, 3) for k in keys}}
    s = snap(metric_history=history)
    shown = {p.name for p in mp.PLOTS if mp.applies(p, s)}
    assert shown == ({"jsd", "kl", "value", "modes"} if kind == "density" else {"fid", "class_kl", "classes"})
    # a floor alone does not show its plot, nor do points that are NaN, inf or (on a log axis) not above 0
    s = snap(metric_history={"step": steps, "jsd_floor": np.ones(3), "fid": np.array([np.nan, np.inf, 0.0]),
                             "class_kl": np.array([np.nan, -1.0, 0.0]), "classes_covered": np.array([0.0, 3.0, 4.0])})
    assert {p.name for p in mp.PLOTS if mp.applies(p, s)} == {"classes"}  # 0 classes is a point on a linear axis


def test_a_metric_lines_value_is_the_snapshots_where_the_axis_can_show_it():
    fid, classes = mp.PLOTS_BY_NAME["fid"], mp.PLOTS_BY_NAME["classes"]
    floor, total = fid.lines[0], classes.lines[0]
    assert mp.line_value(fid, floor, snap(metrics={"fid_floor": 0.2143})) == 0.2143
    for bad in (None, math.nan, math.inf, 0.0, -1.0):  # a log axis has no 0
        metrics = {} if bad is None else {"fid_floor": bad}
        assert mp.line_value(fid, floor, snap(metrics=metrics)) is None, bad
    assert mp.line_value(classes, total, snap(metrics={"classes_total": 10.0})) == 10.0
    assert mp.line_value(classes, total, snap(metrics={"classes_total": math.nan})) is None


def test_the_classes_range_holds_zero_and_the_total_with_room_for_its_label():
    classes = mp.PLOTS_BY_NAME["classes"]
    for total in (2.0, 10.0, 100.0):
        lo, hi = mp.y_range_of(classes, snap(metrics={"classes_total": total}))
        assert lo < 0 < total < hi
        assert (hi - total) / (hi - lo) >= 0.2  # a label of a fifth of the plot's height fits over the line
        assert -lo / (hi - lo) <= 0.05  # and 0 stays near the bottom
    assert mp.y_range_of(classes, snap()) is None and mp.y_range_of(classes, snap(metrics={"classes_total": 0.0})) is None
    assert mp.y_range_of(mp.PLOTS_BY_NAME["modes"], snap()) == mp.PLOTS_BY_NAME["modes"].y_range
    assert mp.y_range_of(mp.PLOTS_BY_NAME["jsd"], snap()) is None


def test_series_drops_non_finite_points_and_on_request_those_not_above_zero():
    steps = np.array([0.0, 1.0, 2.0, 3.0, np.nan, 5.0])
    values = np.array([1.0, np.inf, -2.0, 0.0, 4.0, np.nan])
    x, y = mp.series(snap(history={"step": steps, "a": values}), "a")
    np.testing.assert_array_equal(x, [0.0, 2.0, 3.0])
    np.testing.assert_array_equal(y, [1.0, -2.0, 0.0])
    x, y = mp.series(snap(metric_history={"step": steps, "a": values}), "a", positive=True)
    np.testing.assert_array_equal(x, [0.0])
    np.testing.assert_array_equal(y, [1.0])
    assert mp.series(snap(history={"step": steps}), "a") is None
    x, _ = mp.series(snap(history={"step": steps[:3], "a": values}), "a")  # the shorter of the two
    np.testing.assert_array_equal(x, [0.0, 2.0])


def test_mode_fraction_is_captured_over_total_where_both_are_finite():
    steps = np.array([0.0, 10.0, 20.0, 30.0])
    captured, total = np.array([1.0, 4.0, 8.0, 3.0]), np.array([8.0, 8.0, 8.0, 0.0])
    x, f = mp.mode_fraction(snap(metric_history={"step": steps, "modes_captured": captured, "modes_total": total}))
    np.testing.assert_array_equal(x, [0.0, 10.0, 20.0])  # 3 / 0 is no fraction
    np.testing.assert_allclose(f, [1 / 8, 4 / 8, 1.0])
    assert mp.mode_fraction(snap(metric_history={"step": steps, "modes_captured": captured})) is None


def test_label_forms_get_shorter():
    assert mp.shorter_forms("D loss at D = ½: 2 log 2") == ("D loss at D = ½: 2 log 2", "at D = ½: 2 log 2", "2 log 2")
    assert mp.shorter_forms("no value here") == ("no value here",)
    assert mp.classes_forms("classes_total", 26.0) == ("all 26 classes", "26 classes", "26")
    forms = mp.mle_forms("kl_mle_gauss", 6.4213)
    assert forms == ("MLE Gaussian: 6.42", "Gaussian: 6.42", "6.42")
    assert all(len(a) > len(b) for a, b in zip(forms, forms[1:]))
