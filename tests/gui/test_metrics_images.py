"""The Metrics tab for image runs: FID, class KL and classes covered from a real digits-8x8
Trainer, the density plots hidden for it, and nothing of one run kind left when the view
switches to the other."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from ganstudio.core.config import TrainConfig
from ganstudio.core.trainer import Trainer
from ganstudio.gui.views import MetricsView

from snapshot_factory import make_snapshot  # tests/gui is on sys.path (rootdir-relative import)

IMAGE_PLOTS = {"fid", "class_kl", "classes"}
DENSITY_PLOTS = {"jsd", "kl", "value", "modes"}
IMAGE_CURVES = {"fid", "class_kl", "classes_covered"}
DENSITY_CURVES = {"jsd", "jsd_floor", "kl_data_g", "kl_g_data", "kl_data_g_floor", "kl_g_data_floor", "value",
                  "value_bound", "modes_fraction", "hq_fraction"}


def data(item):
    x, y = item.getOriginalDataset()
    return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x, float), np.asarray(y, float))


def shown_plots(view) -> set[str]:
    return {name for name, w in view.widgets.items() if not w.isHidden()}


@pytest.fixture(scope="module")
def digits():
    """A real digits-8x8 snapshot with four points on its metric curves."""
    t = Trainer(TrainConfig(distribution="digits-8x8", hidden=64, noise_dim=16, batch_size=64), eval_samples=500)
    for _ in range(4):
        t.train(20)
        snap = t.snapshot(full=True)
    return snap


@pytest.fixture(scope="module")
def ring():
    return make_snapshot("ring-8", progress=0.85)


def test_the_digits_snapshot_is_an_image_run_with_the_image_metrics(digits):
    assert digits.dim == 0 and digits.images is not None
    assert len(digits.metric_history["step"]) == 4
    for key in ("fid", "fid_floor", "class_kl", "classes_covered", "classes_total"):
        assert np.isfinite(digits.metric_history[key]).all(), key
    assert not {"jsd", "kl_data_g", "value", "modes_captured"} & set(digits.metrics)


def test_an_image_run_shows_fid_class_kl_and_classes_with_their_references(qtbot, digits):
    view = MetricsView()
    qtbot.addWidget(view)
    view.show_snapshot(digits)
    assert shown_plots(view) == {"loss", "grad"} | IMAGE_PLOTS
    mh = digits.metric_history
    for key in IMAGE_CURVES:
        x, y = data(view.curves[key])
        np.testing.assert_array_equal(x, mh["step"], err_msg=key)
        np.testing.assert_array_equal(y, mh[key], err_msg=key)
    for key in DENSITY_CURVES:
        assert len(data(view.curves[key])[0]) == 0, key
    # the floor at the last measurement's value, in the log axis's log10 coordinates
    floor = view.lines["fid"]["fid_floor"]
    assert floor.isVisible() and floor.value() == pytest.approx(math.log10(digits.metrics["fid_floor"]), abs=1e-12)
    assert floor.value() == pytest.approx(math.log10(mh["fid_floor"][-1]), abs=1e-12)
    assert floor.label.toPlainText().startswith("floor")
    # both the curve and the floor lie inside the whole decades the axis shows
    y0, y1 = view.plots["fid"].getViewBox().viewRange()[1]
    low = min(np.log10(mh["fid"]).min(), floor.value())
    high = max(np.log10(mh["fid"]).max(), floor.value())
    assert y0 <= math.floor(low) and math.ceil(high) <= y1
    total = view.lines["classes"]["classes_total"]
    assert total.isVisible() and total.value() == digits.metrics["classes_total"] == 10
    assert total.label.toPlainText() in ("all 10 classes", "10 classes", "10")
    lo, hi = view.plots["classes"].getViewBox().viewRange()[1]
    assert lo < 0 and hi > 10
    covered = view.legends["classes"].getLabel(view.curves["classes_covered"]).text
    assert covered == f"classes covered ({digits.metrics['classes_covered']:.0f}/10)"
    assert all(view.notes[n].isHidden() for n in view.notes)
    for key, curve in view.curves.items():
        assert np.isfinite(data(curve)[1]).all(), key


def test_a_density_run_hides_the_image_rows(qtbot, ring):
    view = MetricsView()
    qtbot.addWidget(view)
    view.show_snapshot(ring)
    assert shown_plots(view) == {"loss", "grad"} | DENSITY_PLOTS
    for key in IMAGE_CURVES:
        assert len(data(view.curves[key])[0]) == 0, key
    assert not view.lines["fid"]["fid_floor"].isVisible() and not view.lines["classes"]["classes_total"].isVisible()


@pytest.mark.parametrize("staged", [False, True])
def test_switching_run_kinds_leaves_nothing_of_the_other_kind(qtbot, digits, ring, staged):
    """ring-8 and digits with a critic loss (whose note shows under V, and only there), then ring-8
    with a probability loss, as the window draws them: whole, or one plot per frame while training runs."""
    critic = make_snapshot("ring-8", loss="wgan-gp", progress=0.5)
    digits = dataclasses.replace(digits, critic=True, config=dataclasses.replace(digits.config, loss="wgan-gp"))
    view = MetricsView()
    qtbot.addWidget(view)
    view.resize(500, 900)
    view.show()
    qtbot.waitExposed(view)

    def draw(snap):
        if staged:
            view.stage_snapshot(snap)
            while view.advance():
                pass
        else:
            view.show_snapshot(snap)

    draw(critic)
    assert shown_plots(view) == {"loss", "grad"} | DENSITY_PLOTS and not view.notes["value"].isHidden()
    for first, second, plots, stale in ((critic, digits, IMAGE_PLOTS, DENSITY_CURVES),
                                        (digits, ring, DENSITY_PLOTS, IMAGE_CURVES)):
        draw(second)
        assert shown_plots(view) == {"loss", "grad"} | plots
        for key in stale:
            assert len(data(view.curves[key])[0]) == 0, key
        assert all(view.notes[n].isHidden() for n in view.notes)  # no critic note under a hidden V plot
        lines = {name: [k for k, line in lines.items() if line.isVisible()] for name, lines in view.lines.items()}
        hidden = DENSITY_PLOTS if plots == IMAGE_PLOTS else IMAGE_PLOTS
        assert not any(lines[name] for name in hidden - {"jsd", "value"}), lines  # jsd's and V's lines are fixed
        # a new run's step axis starts again: every plot, shown or hidden, follows it
        x_ranges = {tuple(p.getViewBox().viewRange()[0]) for p in view.plots.values()}
        assert len(x_ranges) == 1, x_ranges
        x, _ = data(view.curves["d_loss"])
        np.testing.assert_array_equal(x, second.history["step"][np.isfinite(second.history["d_loss"])])
    # the step values stand under the lowest plot, gradient norms, whatever the run kind
    assert view.plots["grad"].getAxis("bottom").style["showValues"]
    assert not view.plots["classes"].getAxis("bottom").style["showValues"]


def test_a_cleared_view_shows_only_the_empty_per_step_plots(qtbot, digits):
    view = MetricsView()
    qtbot.addWidget(view)
    view.show_snapshot(digits)
    view.clear()
    assert shown_plots(view) == {"loss", "grad"}
    assert all(len(data(c)[0]) == 0 for c in view.curves.values())
    assert not view.lines["fid"]["fid_floor"].isVisible() and not view.lines["classes"]["classes_total"].isVisible()
    view.show_snapshot(digits)  # and draws again
    assert shown_plots(view) == {"loss", "grad"} | IMAGE_PLOTS


def test_an_image_run_with_nan_or_missing_metrics_shows_no_empty_plot(qtbot, digits):
    """An unlabelled image set measures no FID or class metrics; a NaN measurement is left out."""
    view = MetricsView()
    qtbot.addWidget(view)
    view.show_snapshot(dataclasses.replace(digits, metrics={k: v for k, v in digits.metrics.items()
                                                            if k in ("d_loss", "g_loss")},
                                           metric_history={"step": digits.metric_history["step"]}))
    assert shown_plots(view) == {"loss", "grad"}
    mh = {**digits.metric_history, "fid": np.where(np.arange(4) == 2, np.nan, digits.metric_history["fid"])}
    view.show_snapshot(dataclasses.replace(digits, metric_history=mh,
                                           metrics={**digits.metrics, "fid_floor": math.nan}))
    x, y = data(view.curves["fid"])
    np.testing.assert_array_equal(x, np.delete(mh["step"], 2))
    np.testing.assert_array_equal(y, np.delete(mh["fid"], 2))
    assert not view.lines["fid"]["fid_floor"].isVisible()


@pytest.mark.parametrize("size", [(500, 900), (380, 900)])
def test_image_labels_stand_inside_their_plots_apart_from_each_other_and_the_legends(qtbot, digits, size):
    view = MetricsView()
    qtbot.addWidget(view)
    view.show_snapshot(digits)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(50)
    view.show_snapshot(dataclasses.replace(digits, step=digits.step + 1))
    for name, key in (("fid", "fid_floor"), ("classes", "classes_total")):
        line = view.lines[name][key]
        margin = line.label.textItem.document().documentMargin()
        text = line.label.sceneBoundingRect().adjusted(margin, margin, -margin, -margin)
        body = view.plots[name].getViewBox().sceneBoundingRect()
        assert body.adjusted(-1, -1, 1, 1).contains(text), (name, text, body)
        assert not text.intersects(view.legends[name].sceneBoundingRect()), name
    for name in IMAGE_PLOTS:  # legends fit their plot's width
        assert view.plots[name].geometry().width() <= view.widgets[name].width() + 1, name


def test_the_fid_floor_label_stands_under_its_line_clear_of_a_curve_that_reaches_it(qtbot, digits):
    """Late in training FID runs just above its floor: the label goes under the line, and the axis
    takes a lower decade to give it room."""
    from PySide6.QtCore import QPointF

    steps = np.linspace(0.0, 1500.0, 30)
    floor = float(digits.metrics["fid_floor"])
    fid = 75 * np.exp(-steps / 200) + 1.2 * floor
    snap = dataclasses.replace(digits, step=1500, metric_history={**digits.metric_history, "step": steps, "fid": fid},
                               metrics={**digits.metrics, "fid": float(fid[-1])})
    view = MetricsView()
    qtbot.addWidget(view)
    view.resize(500, 900)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(snap)
    qtbot.wait(50)
    line = view.lines["fid"]["fid_floor"]
    assert line.label.anchors[0][1] == 0  # under the line
    margin = line.label.textItem.document().documentMargin()
    text = line.label.sceneBoundingRect().adjusted(margin, margin, -margin, -margin)
    box = view.plots["fid"].getViewBox()
    assert box.sceneBoundingRect().adjusted(-1, -1, 1, 1).contains(text)
    x, y = data(view.curves["fid"])
    assert not any(text.contains(box.mapViewToScene(QPointF(a, math.log10(b)))) for a, b in zip(x, y))
    lo, hi = view._decades["fid"]
    assert lo < math.floor(math.log10(floor)) and hi == math.ceil(math.log10(fid.max()))


def test_room_below_lowers_the_span_a_decade_at_a_time_until_a_label_fits():
    from ganstudio.gui.views.axis_ranges import room_below

    # (-1, 2) on 120 px with 10% padding each end: 120 / 3.6 = 33.3 px a decade; log10 0.2 = -0.699
    # stands (0.301 + 0.3) * 33.3 = 20.0 px above the bottom
    assert room_below((-1, 2), [math.log10(0.2)], 19.0, 120.0) == (-1, 2)
    # 25 px needed: (-2, 2) gives 120 / 4.8 = 25 px a decade and (1.301 + 0.4) * 25 = 42.5 px
    assert room_below((-1, 2), [math.log10(0.2)], 25.0, 120.0) == (-2, 2)
    assert room_below((-1, 2), [math.log10(0.2)], 1000.0, 120.0) == (-4, 2)  # at most three decades lower
    assert room_below((-1, 2), [math.log10(0.2)], 25.0, 0.0) == (-1, 2)  # not laid out yet
    assert room_below((-1, 2), [], 25.0, 120.0) == (-1, 2)
