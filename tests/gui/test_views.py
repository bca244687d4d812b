"""The views draw exactly what a snapshot holds: checked item by item, for synthetic
snapshots (every branch: 1D, 2D, critic, NaN in history, missing keys) and for real
snapshots of a Trainer on each 1D and 2D preset."""

from __future__ import annotations

import dataclasses
import math
import re
from decimal import Decimal

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from ganstudio.core.sources import get_distribution
from ganstudio.core.presets import load_preset, preset_names
from ganstudio.gui.views import DataView, MetricsView, TheoryPanel, View1D, View2D
from ganstudio.gui.views.metrics_view import LOSS_REFERENCES
from ganstudio.gui.views.theory_panel import fmt, render_html, sum_digits
from ganstudio.gui.views.view1d import mapped_indices
from ganstudio.gui.views.view2d import ARROWS

from snapshot_factory import make_snapshot  # tests/gui is on sys.path (rootdir-relative import)
from widget_shots import shown

LN2 = math.log(2.0)


def data(item):
    x, y = item.getOriginalDataset() if hasattr(item, "getOriginalDataset") else item.getData()
    return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x, float), np.asarray(y, float))


def with_arrays(snap, **arrays):
    """A copy of a snapshot with some arrays replaced (Snapshot is frozen)."""
    return dataclasses.replace(snap, **arrays)


@pytest.fixture(scope="module")
def snap1d():
    return make_snapshot("bimodal-1d", progress=0.6)


@pytest.fixture(scope="module")
def snap2d():
    return make_snapshot("ring-8", progress=0.85, nan_in_history=True)


# --------------------------------------------------------------------------- View1D
def test_view1d_curves_hold_the_snapshot(qtbot, snap1d):
    view = View1D()
    view.show_snapshot(snap1d)
    shown(view, qtbot)
    xs = snap1d.grid.xs
    for key, arr in (("p_data", snap1d.p_data_grid), ("p_g", snap1d.p_g_grid), ("d", snap1d.d_grid),
                     ("d_star", snap1d.d_star_grid), ("mle_gauss", snap1d.mle_gauss_grid),
                     ("mle_gmm", snap1d.mle_gmm_grid)):
        x, y = data(view.curves[key])
        np.testing.assert_allclose(x, xs, err_msg=key)
        np.testing.assert_allclose(y, arr, rtol=1e-6, err_msg=key)
    # D lives on its own [0, 1] axis, not on the density axis
    assert view.curves["d"].getViewBox() is view.d_view
    assert view.curves["p_data"].getViewBox() is view.plot.vb
    assert not view.note.isVisibleTo(view)
    # modes: one star per captured mode
    cap = snap1d.modes.captured
    assert len(view.modes_captured.data) == int(cap.sum())
    assert len(view.modes_missed.data) == int((~cap).sum())


def test_view1d_mapping_joins_each_z_to_its_sample(qtbot, snap1d):
    view = View1D()
    view.show_snapshot(snap1d)
    x, y = data(view.map_lines)
    idx = mapped_indices(np.asarray(snap1d.latent))
    assert len(idx) == 50
    np.testing.assert_array_equal(y, np.tile([0.0, 1.0], len(idx)))
    np.testing.assert_allclose(x[1::2], snap1d.fake[idx, 0], rtol=1e-6)
    # z keeps its order along the lower line: z₁ is stretched, never shuffled
    z = snap1d.latent[idx, 0]
    assert np.all(np.diff(x[0::2])[np.diff(z) > 0] > 0)


def centred_label(axis) -> bool:
    """An axis label centred along its axis (pyqtgraph re-centres one only when the axis resizes)."""
    drawn, along = axis.label.sceneBoundingRect().center(), axis.sceneBoundingRect().center()
    vertical = axis.orientation in ("left", "right")
    return abs((drawn.y() - along.y()) if vertical else (drawn.x() - along.x())) <= 2


def test_view1d_mapping_caption_fits_a_narrow_view(qtbot, snap1d):
    """On a 1024 x 768 projector the 1D view is ~370 px wide: the full caption under the mapping
    strip was cut off at both ends; there it shortens to one that fits, and widens back."""
    view = View1D()
    shown(view, qtbot, (370, 700))
    view.show_snapshot(snap1d)  # a new caption in a view that is not resized after it
    for width, full in ((370, False), (1100, True), (370, False)):
        shown(view, qtbot, (width, 700))
        qtbot.wait(20)
        axis = view.mapping.getAxis("bottom")
        text = axis.labelText
        assert ("stretched to the x range" in text) == full, (width, text)
        assert "z₁ ∈ [" in text and "fixed" in text
        drawn, strip = axis.label.sceneBoundingRect(), view.mapping.sceneBoundingRect()
        assert strip.left() <= drawn.left() and drawn.right() <= strip.right(), (width, drawn, strip)
        assert centred_label(axis), width
    # a new latent range changes the caption's text (and length) in a view that keeps its size
    view.show_snapshot(dataclasses.replace(snap1d, latent=snap1d.latent * 10.0))
    assert centred_label(view.mapping.getAxis("bottom"))


def test_view1d_critic_is_scaled_and_labelled(qtbot):
    snap = make_snapshot("gaussian-1d", loss="wgan-gp")
    assert snap.critic
    view = View1D()
    view.show_snapshot(snap)
    shown(view, qtbot)
    _, d = data(view.curves["d"])
    raw = np.asarray(snap.d_grid, float)
    np.testing.assert_allclose(d, (raw - raw.min()) / (raw.max() - raw.min()), atol=1e-6)
    assert view.note.isVisibleTo(view) and "critic" in view.note.text()
    assert "critic" in view.legend.getLabel(view.curves["d"]).text
    # back to a probability: the note goes, the label comes back
    view.show_snapshot(make_snapshot("gaussian-1d"))
    assert not view.note.isVisibleTo(view)
    assert "critic" not in view.legend.getLabel(view.curves["d"]).text


def test_view1d_never_draws_nan(qtbot, snap1d):
    p_g = np.array(snap1d.p_g_grid, dtype=float)
    p_g[10:20] = np.nan
    p_g[30] = np.inf
    view = View1D()
    view.show_snapshot(with_arrays(snap1d, p_g_grid=p_g))
    x, y = data(view.curves["p_g"])
    assert np.isfinite(y).all() and len(y) == len(p_g) - 11


def test_view1d_toggles_hide_layers(qtbot, snap1d):
    view = View1D()
    view.show_snapshot(snap1d)
    shown(view, qtbot)
    assert not view.curves["mle_gmm"].isVisible()  # off until asked for
    view.toolbar.boxes["mle_gmm"].setChecked(True)
    assert view.curves["mle_gmm"].isVisible()
    height = view.plot.height()
    for key, item in (("d_star", view.curves["d_star"]), ("mapping", view.mapping), ("modes", view.modes_captured)):
        view.toolbar.boxes[key].setChecked(False)
        assert not item.isVisible(), key
    qtbot.waitUntil(lambda: view.plot.height() > height + 50)  # the hidden strip gives its room back
    # a click on a legend sample hides the item; the box follows
    view.curves["d"].setVisible(False)
    view.toolbar.sync_from_items(view.curves["d"])
    assert not view.toolbar.boxes["d"].isChecked()


def test_view1d_keeps_p_data_readable_when_p_g_spikes(qtbot, snap1d):
    p_g = np.array(snap1d.p_g_grid, dtype=float)
    p_g[500] = 100 * np.nanmax(snap1d.p_data_grid)
    view = View1D()
    view.show_snapshot(with_arrays(snap1d, p_g_grid=p_g))
    top = view.plot.vb.viewRange()[1][1]
    assert np.nanmax(snap1d.p_data_grid) < top < p_g[500]
    assert view.spike.isVisible() and "off scale" in view.spike.toPlainText()


def test_view1d_legend_takes_short_names_rather_than_one_tall_column(qtbot, snap1d):
    """At 1280 x 800 the 1D view is about 500 px wide: a single column of eight full names took half
    the plot's height, so the names shorten (D*(x) for its formula) and the legend keeps two columns or more."""
    view = View1D()
    view.show_snapshot(snap1d)
    shown(view, qtbot, (1100, 700))
    label = view.legend.getLabel(view.curves["d_star"])
    assert label.text == "D*(x) = p_data / (p_data + p_G)" and view.legend.columnCount >= 2
    view.resize(480, 700)
    qtbot.waitUntil(lambda: view.width() == 480)
    assert label.text == "D*(x)" and view.legend.columnCount >= 2
    assert view.legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).width() <= 480


def test_view1d_rejects_2d(qtbot, snap2d):
    view = View1D()
    qtbot.addWidget(view)
    with pytest.raises(ValueError):
        view.show_snapshot(snap2d)


# --------------------------------------------------------------------------- View2D
def test_view2d_items_hold_the_snapshot(qtbot, snap2d):
    view = View2D()
    view.show_snapshot(snap2d)
    shown(view, qtbot, (900, 800))
    np.testing.assert_allclose(view.real.getData()[0], snap2d.real[:, 0], rtol=1e-6)
    np.testing.assert_allclose(view.fake.getData()[1], snap2d.fake[:, 1], rtol=1e-6)
    np.testing.assert_allclose(view.heat.image, snap2d.d_grid, rtol=1e-6)
    assert tuple(view.colorbar.levels()) == (0.0, 1.0)
    # the heat map covers the grid's extent, row i at y = ys[i], column j at x = xs[j]
    x0, x1, y0, y1 = snap2d.grid.extent
    r = view.heat.mapRectToView(view.heat.boundingRect())
    assert (r.left(), r.right(), r.top(), r.bottom()) == pytest.approx((x0, x1, y0, y1))
    p = view.heat.mapToView(QPointF(3.5, 10.5))  # column 3, row 10
    assert (p.x(), p.y()) == pytest.approx((snap2d.grid.xs[3], snap2d.grid.ys[10]))
    cap = snap2d.modes.captured
    assert len(view.modes_captured.data) == int(cap.sum()) and len(view.modes_missed.data) == int((~cap).sum())


def test_view2d_draws_the_maximum_likelihood_fits_on_request(qtbot, snap2d):
    """Off by default. On, a fit is drawn as the edges of its 50% and 90% regions: for a Gaussian
    with mean m and covariance diag(s1^2, s2^2), ellipses round m with semi-axes sqrt(-2 ln(1 - q)) s."""
    xs = np.linspace(*snap2d.grid.extent[:2], snap2d.grid.shape[1] + 1)
    ys = np.linspace(*snap2d.grid.extent[2:], snap2d.grid.shape[0] + 1)
    cx, cy = (xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2
    m, s = (0.3, -0.2), (1.0, 0.7)
    xx, yy = np.meshgrid(cx, cy)  # row-major: rows are y, as the views draw every grid
    gauss = np.exp(-((xx - m[0]) / s[0]) ** 2 / 2 - ((yy - m[1]) / s[1]) ** 2 / 2) / (2 * math.pi * s[0] * s[1])
    view = View2D()
    view.show_snapshot(with_arrays(snap2d, mle_gauss_grid=gauss))
    shown(view, qtbot, (700, 800))
    key = view.mle_keys["mle_gauss"]
    assert not view.toolbar.is_on("mle_gauss") and view.legend.getLabel(key) is None
    view.toolbar.boxes["mle_gauss"].setChecked(True)
    for curve, q in zip(view.mle["mle_gauss"], (0.5, 0.9)):
        assert curve.isVisible()
        if curve.path is None:
            curve.generatePath()
        r = curve.transform().mapRect(curve.path.boundingRect())
        k = math.sqrt(-2 * math.log(1 - q))
        cell = max(xs[1] - xs[0], ys[1] - ys[0])
        assert r.width() / 2 == pytest.approx(k * s[0], abs=cell) and r.height() / 2 == pytest.approx(k * s[1], abs=cell)
        assert r.center().x() == pytest.approx(m[0], abs=cell) and r.center().y() == pytest.approx(m[1], abs=cell)
    assert view.legend.getLabel(key).text == "max-likelihood Gaussian: 50%, 90% of its mass inside"
    # ring-8's own fit has covariance near 2 I: its 90% region (radius 3.03) reaches past the grid
    view.show_snapshot(snap2d)
    assert view.mle["mle_gauss"][0].data is not None and view.mle["mle_gauss"][1].data is None
    assert view.legend.getLabel(key).text == "max-likelihood Gaussian: 50% of its mass inside"
    view.resize(330, 800)  # a view too narrow for that row (1024 x 768's is about 370 px): the short name
    qtbot.waitUntil(lambda: view.width() == 330)
    assert view.legend.getLabel(key).text == "ML Gaussian: 50%"
    assert view.legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).width() <= view.graphics.width()
    view.resize(700, 800)
    qtbot.waitUntil(lambda: view.width() == 700)
    assert view.legend.getLabel(key).text == "max-likelihood Gaussian: 50% of its mass inside"
    view.toolbar.boxes["mle_gmm"].setChecked(True)  # eight components: a contour round each mode
    assert all(c.data is not None for c in view.mle["mle_gmm"])
    # new data with both fits shown: one fit is traced a frame (each takes 40-50 ms), the other next frame
    other = make_snapshot("grid-25")
    view.show_snapshot(other)
    assert [view._mle_grid[k] is getattr(other, f"{k}_grid") for k in ("mle_gauss", "mle_gmm")] == [True, False]
    view.show_snapshot(other)
    assert all(view._mle_grid[k] is getattr(other, f"{k}_grid") for k in ("mle_gauss", "mle_gmm"))
    view.show_snapshot(snap2d)
    view.toolbar.boxes["mle_gauss"].setChecked(False)
    assert view.legend.getLabel(key) is None and not view.mle["mle_gauss"][0].isVisible()


def test_view2d_manifold_and_arrows(qtbot, snap2d):
    view = View2D()
    view.show_snapshot(snap2d)
    rows, cols, _ = snap2d.manifold.shape
    x, y = data(view.manifold)
    assert np.isnan(x).sum() == rows + cols  # one break after each grid line
    np.testing.assert_allclose(x[:cols], snap2d.manifold[0, :, 0], rtol=1e-6)
    ax, ay = data(view.arrows)
    n = min(ARROWS, len(snap2d.fake), len(snap2d.fake_grad))
    assert len(ax) == 6 * n  # shaft and two head strokes, as pairs
    starts = np.stack([ax[0::6], ay[0::6]], axis=1)
    tips = np.stack([ax[1::6], ay[1::6]], axis=1)
    np.testing.assert_allclose(starts, snap2d.fake[:n], rtol=1e-6)
    direction = tips - starts
    grad = np.asarray(snap2d.fake_grad[:n], float)
    moving = np.linalg.norm(direction, axis=1) > 1e-9
    cos = (direction * grad).sum(1)[moving] / (np.linalg.norm(direction, axis=1) * np.linalg.norm(grad, axis=1))[moving]
    assert np.all(cos > 0.999)  # each arrow points along grad D
    # lengths follow |grad D| up to its 95th percentile, where they are capped (a few outliers
    # would otherwise shrink every other arrow to nothing)
    lengths, norms = np.linalg.norm(direction, axis=1), np.linalg.norm(grad, axis=1)
    capped = np.isclose(lengths, lengths.max(), rtol=1e-6)
    assert 1 <= capped.sum() <= 0.05 * n + 2
    ratio = lengths[~capped & (norms > 0)] / norms[~capped & (norms > 0)]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-5)


def test_view2d_heat_source_and_toggles(qtbot, snap2d):
    view = View2D()
    view.show_snapshot(snap2d)
    shown(view, qtbot, (900, 800))
    view.heat_source.setCurrentText("D*(x)")
    np.testing.assert_allclose(view.heat.image, snap2d.d_star_grid, rtol=1e-6)
    view.heat_source.setCurrentText("off")
    assert not view.heat.isVisible() and not view.colorbar.isVisible()
    view.heat_source.setCurrentText("D(x)")
    assert view.heat.isVisible()
    layers = {"real": [view.real], "fake": [view.fake], "contours": view.contours, "manifold": [view.manifold],
              "arrows": [view.arrows], "modes": [view.modes_captured, view.modes_missed]}
    for key, items in layers.items():
        view.toolbar.boxes[key].setChecked(False)
        assert not any(i.isVisible() for i in items), key
        view.toolbar.boxes[key].setChecked(True)
        assert all(i.isVisible() for i in items), key
    assert view.plot.vb.state["aspectLocked"]


def test_axis_labels_that_follow_the_loss_stay_centred(qtbot):
    """A switch to a critic loss relabels D's axes in a window that keeps its size: the new,
    longer label was drawn where the old one started, half of it off the axis."""
    view2, view1 = View2D(), View1D()
    shown(view2, qtbot, (900, 800))
    shown(view1, qtbot, (900, 700))
    for loss in ("nonsaturating", "hinge", "nonsaturating"):
        view2.show_snapshot(make_snapshot("moons", loss=loss))
        view1.show_snapshot(make_snapshot("gaussian-1d", loss=loss))
        assert centred_label(view2.colorbar.axis), (loss, view2.colorbar.axis.labelText)
        assert centred_label(view1.plot.getAxis("right")), (loss, view1.plot.getAxis("right").labelText)


def test_view2d_critic_and_no_modes(qtbot):
    snap = make_snapshot("moons", loss="hinge")
    view = View2D()
    view.show_snapshot(snap)
    shown(view, qtbot, (900, 800))
    lo, hi = view.colorbar.levels()
    assert lo == -hi and hi >= np.abs(snap.d_grid).max() - 1e-6
    assert view.note.isVisibleTo(view) and "critic" in view.note.text()
    assert len(view.modes_captured.data) == 0 and view.legend.getLabel(view.modes_captured) is None


@pytest.mark.parametrize("size, below", [((600, 900), True), ((1300, 700), False)])
def test_view2d_legend_goes_where_the_square_plot_is_larger(qtbot, snap2d, size, below):
    view = View2D()
    view.show_snapshot(snap2d)
    shown(view, qtbot, size)
    qtbot.wait(20)
    assert view.legend_below == below
    legend, plot = view.legend.sceneBoundingRect(), view.plot.getViewBox().sceneBoundingRect()
    assert not legend.intersects(plot)  # never over the data
    assert legend.right() <= view.graphics.width() + 1 and legend.bottom() <= view.graphics.height() + 1
    if below:
        assert legend.top() >= plot.bottom()
    else:
        assert legend.left() >= plot.right()


def test_view2d_legend_moves_when_the_view_is_resized(qtbot, snap2d):
    view = View2D()
    view.show_snapshot(snap2d)
    shown(view, qtbot, (1300, 700))
    assert not view.legend_below
    view.resize(600, 900)
    qtbot.wait(20)
    assert view.legend_below and view.legend.columnCount > 1
    view.resize(1300, 700)
    qtbot.wait(20)
    assert not view.legend_below and view.legend.columnCount == 1


@pytest.mark.parametrize("width", [520, 1200])
def test_view1d_legend_fits_the_view(qtbot, snap1d, width):
    view = View1D()
    view.show_snapshot(snap1d)
    shown(view, qtbot, (width, 700))
    qtbot.wait(20)
    assert view.legend.sceneBoundingRect().right() <= view.graphics.width() + 1
    assert view.legend.columnCount == (3 if width >= 1200 else view.legend.columnCount)
    if width < 600:  # full names fit only one column here: the short ones take more columns instead
        assert view.legend.getLabel(view.curves["d_star"]).text == "D*(x)" and view.legend.columnCount >= 2


# --------------------------------------------------------------------------- MetricsView
def test_metrics_curves_are_the_finite_history(qtbot, snap2d):
    view = MetricsView()
    view.show_snapshot(snap2d)
    shown(view, qtbot, (900, 1000))
    for key in ("d_loss", "g_loss", "jsd", "jsd_floor", "kl_data_g", "value", "value_bound", "hq_fraction"):
        hist = snap2d.history if key in snap2d.history else snap2d.metric_history
        x, y = data(view.curves[key])
        keep = np.isfinite(hist[key])
        assert keep.sum() < len(keep)  # the factory put NaN and inf in it
        assert np.isfinite(y).all(), key
        np.testing.assert_allclose(y, hist[key][keep], err_msg=key)
        np.testing.assert_allclose(x, hist["step"][keep], err_msg=key)
    _, frac = data(view.curves["modes_fraction"])
    assert frac[-1] == pytest.approx(snap2d.metrics["modes_captured"] / snap2d.metrics["modes_total"])
    assert not view.widgets["value"].isHidden() and view.value_note.isHidden()


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "lsgan", "wgan-gp"])
def test_metrics_reference_lines_follow_the_loss(qtbot, loss):
    view = MetricsView()
    qtbot.addWidget(view)
    view.show_snapshot(make_snapshot("gaussian-1d", loss=loss, history_len=10))
    refs = LOSS_REFERENCES.get(loss, {})
    for who, line in view.loss_refs.items():
        assert line.isVisible() == (who in refs)
        if who in refs:
            assert line.value() == pytest.approx(refs[who][0])
    if loss == "nonsaturating":
        assert view.loss_refs["g"].value() == pytest.approx(LN2)
    if loss == "minimax":
        assert view.loss_refs["g"].value() == pytest.approx(-LN2)


def test_metrics_reference_labels_follow_a_change_of_loss(qtbot):
    """A line hidden for a critic loss shows its new label when a probability loss returns."""
    view = MetricsView()
    qtbot.addWidget(view)
    for loss in ("wgan-gp", "minimax", "hinge", "lsgan"):
        view.show_snapshot(make_snapshot("gaussian-1d", loss=loss, history_len=10))
    for who, line in view.loss_refs.items():
        assert line.isVisible() and line.label.toPlainText() == LOSS_REFERENCES["lsgan"][who][1]


def _crossed_by(line, curve) -> bool:
    """Whether any point of `curve` falls inside the text of `line`'s label, as drawn."""
    from PySide6.QtCore import QPointF

    box = line.label.sceneBoundingRect()
    margin = line.label.textItem.document().documentMargin()
    box = box.adjusted(margin, margin, -margin, -margin)
    vb = line.getViewBox()
    return any(box.contains(vb.mapViewToScene(QPointF(float(x), float(y)))) for x, y in zip(*curve.getData()))


@pytest.mark.parametrize("size", [(600, 1000), (420, 560)])
def test_a_reference_label_along_an_edge_gets_room_on_the_side_its_curve_leaves_free(qtbot, size):
    """A strong D's loss is near 0, so 2 log 2 runs along the top and -log 2 along the bottom, each with
    its loss curve on the inner side: the plot grows past each line, and its label stands there, inside
    the plot and clear of the curve (on the inner side the curve crossed the text out).  A plot too
    short for that (70 px) keeps at least half its height for the data and the labels inside."""
    view = MetricsView()
    snap = make_snapshot("ring-8", loss="minimax", history_len=50)
    n = len(snap.history["step"])
    history = {**snap.history, "d_loss": 0.01 + 0.3 * np.random.default_rng(0).random(n),
               "g_loss": -0.01 - 0.3 * np.random.default_rng(1).random(n)}
    view.show_snapshot(dataclasses.replace(snap, history=history))
    shown(view, qtbot, size)
    d, g = view.loss_refs["d"], view.loss_refs["g"]  # at 2 log 2 (the top) and -log 2 (the bottom)
    plot = view.plots["loss"].getViewBox().sceneBoundingRect()
    for who, line in (("d", d), ("g", g)):  # the text inside (its box's blank margins may pass the edge)
        margin = line.label.textItem.document().documentMargin()
        box = line.label.sceneBoundingRect().adjusted(0, margin, 0, -margin)
        assert plot.top() - 1 <= box.top() and box.bottom() <= plot.bottom() + 1
    y0, y1 = view.plots["loss"].getViewBox().viewRange()[1]
    assert 3 * LN2 >= 0.45 * (y1 - y0)  # the data and the lines (-log 2 to 2 log 2) keep about half the height
    if plot.height() > 100:
        assert d.label.anchors[0] == (0, 1) and g.label.anchors[0] == (1, 0)  # over D's line, under G's
        for who, line in (("d", d), ("g", g)):
            assert not _crossed_by(line, view.curves[f"{who}_loss"])


def test_a_reference_label_stands_on_the_side_its_curve_leaves_free(qtbot):
    """The curves are drawn over the labels, so a label in the middle of the plot goes under its line
    where its loss runs above the line at the label's end, and over it where the loss runs below."""
    view = MetricsView()
    snap = make_snapshot("ring-8", loss="nonsaturating", history_len=50)
    n = len(snap.history["step"])
    # D's loss falls from 2.2 to 0.1, so its early third (where its left-hand label stands) is above
    # 2 log 2; G's loss sits at 0.9, above log 2, under G's right-hand label
    history = {**snap.history, "d_loss": np.linspace(2.2, 0.1, n), "g_loss": np.full(n, 0.9)}
    view.show_snapshot(dataclasses.replace(snap, history=history))
    shown(view, qtbot, (600, 1000))
    view.plots["loss"].setXRange(float(snap.history["step"][0]), float(snap.history["step"][-1]), padding=0)
    view._place_loss_labels()
    d, g = view.loss_refs["d"], view.loss_refs["g"]
    assert d.label.anchors[0] == (0, 0) and g.label.anchors[0] == (1, 0)  # both under their lines
    history = {**history, "d_loss": np.linspace(0.1, 2.2, n), "g_loss": np.full(n, 0.3)}
    view.show_snapshot(dataclasses.replace(snap, step=snap.step + 1, history=history))
    view._place_loss_labels()
    assert d.label.anchors[0] == (0, 1) and g.label.anchors[0] == (1, 1)  # both over them


def test_metrics_before_the_first_step_look_ready_not_broken(qtbot, snap2d):
    """At step 0 the loss curves are empty but on (no 'hidden' mark in their legend), and the empty
    log plots show plain decades rather than a jumble of default ticks."""
    from ganstudio.gui.views.metrics_view import EMPTY_DECADES

    empty = {k: np.zeros(0) for k in snap2d.history}
    view = MetricsView()
    view.show_snapshot(dataclasses.replace(snap2d, step=0, history=empty))
    shown(view, qtbot, (600, 1000))
    qtbot.wait(20)
    for key in ("d_loss", "g_loss", "g_grad_norm", "d_grad_norm"):
        assert view.curves[key].isVisible() and len(data(view.curves[key])[0]) == 0, key
    labels = [text for level in view.plots["grad"].getAxis("left")._tickLevels for _, text in level if text]
    assert labels == [f"{10.0 ** k:g}" for k in range(EMPTY_DECADES[0], EMPTY_DECADES[1] + 1)]


def test_kl_plot_draws_the_mle_fits_as_labelled_lines(qtbot, snap2d):
    view = MetricsView()
    view.show_snapshot(snap2d)
    shown(view, qtbot, (600, 1000))
    for key, line in view.mle_lines.items():
        value = snap2d.metrics[key]
        assert line.isVisible() and line.value() == pytest.approx(math.log10(value))
        assert f"{value:.3g}" in line.label.toPlainText() and "MLE" in line.label.toPlainText()
        lo, hi = view.plots["kl"].getViewBox().viewRange()[1]
        assert lo <= math.log10(value) <= hi  # inside the decades shown
    view.show_snapshot(dataclasses.replace(snap2d, metrics={**snap2d.metrics, "kl_mle_gmm": 0.0}))
    assert not view.mle_lines["kl_mle_gmm"].isVisible()  # 0 has no place on a log axis


def test_reference_labels_stay_inside_a_narrow_plot_and_apart(qtbot, snap2d):
    """On a projector at 1024 x 768 the metrics dock is ~300 px wide: a label that started mid-plot
    ran off its right edge.  The two maximum-likelihood labels keep apart wherever the KL plot is
    tall enough to hold both between its edges."""
    view = MetricsView()
    view.show_snapshot(snap2d)
    for size in ((300, 1000), (300, 1400), (600, 1000)):
        shown(view, qtbot, size)
        qtbot.wait(20)
        labels_inside(view)
        narrow = size[0] == 300
        assert (view.jsd_max.label.toPlainText() == "max: log 2") == narrow  # the full text where it fits
        gauss, gmm = (view.mle_lines[k].label.sceneBoundingRect() for k in ("kl_mle_gauss", "kl_mle_gmm"))
        if view.plots["kl"].getViewBox().height() >= 60:
            assert not gauss.intersects(gmm), size


def _points_under_labels(view, plot: str, lines) -> int:
    """Points of a plot's curves, and of the lines drawn between them (sampled every 1/400 of the
    steps), that its reference labels cover, counted in scene pixels."""
    box = view.plots[plot].getViewBox()
    rects = [line.label.sceneBoundingRect() for line in lines if line.isVisible()]
    hits = 0
    for curve in view.plots[plot].listDataItems():
        x, y = curve.getData()  # in the plot's coordinates (log10 on a log axis)
        if x is None or len(x) == 0:
            continue
        xs = np.union1d(x, np.linspace(x[0], x[-1], 400))
        for xi, yi in zip(xs, np.interp(xs, x, y)):
            point = box.mapViewToScene(QPointF(float(xi), float(yi)))
            hits += sum(r.contains(point) for r in rects)
    return hits


@pytest.mark.parametrize("hug", ["left", "right"])
def test_mle_labels_go_where_the_kl_curves_leave_room(qtbot, snap2d, hug):
    """While G learns, KL(P_data || P_G) falls through the fits' levels; a label fixed at the left
    above its line was crossed by it. Here a KL curve runs just above the Gaussian fit's line over
    one half of the steps and two decades away over the other: no label may cover a curve point."""
    gauss = snap2d.metrics["kl_mle_gauss"]
    steps = np.asarray(snap2d.metric_history["step"], dtype=float)
    near = steps <= steps[-1] / 2 if hug == "left" else steps > steps[-1] / 2
    path = np.where(near, gauss * 1.6, gauss * 100.0)
    floor = np.full_like(path, 1e-3)
    history = {**snap2d.metric_history, "kl_data_g": path, "kl_g_data": path * 1.2,
               "kl_data_g_floor": floor, "kl_g_data_floor": floor * 1.5}
    view = MetricsView()
    view.show_snapshot(dataclasses.replace(snap2d, metric_history=history,
                                           metrics={**snap2d.metrics, "kl_data_g": path[-1]}))
    shown(view, qtbot, (600, 1000))
    qtbot.wait(20)
    view._place_mle_labels()
    assert _points_under_labels(view, "kl", view.mle_lines.values()) == 0
    labels_inside(view)
    gauss_label, gmm_label = (view.mle_lines[k].label.sceneBoundingRect() for k in ("kl_mle_gauss", "kl_mle_gmm"))
    assert not gauss_label.intersects(gmm_label)


def test_mle_labels_avoid_the_line_between_two_far_points(qtbot, snap2d):
    """Metrics are measured every few hundred steps, so a curve is a few points joined by lines: a
    label between two points, on the line joining them, is crossed all the same."""
    gauss = snap2d.metrics["kl_mle_gauss"]
    steps = np.asarray(snap2d.metric_history["step"], dtype=float)
    two = np.array([steps[0], steps[-1]])
    history = {**snap2d.metric_history, "step": two, "kl_data_g": np.full(2, gauss * 1.6),
               "kl_g_data": np.full(2, gauss * 100.0), "kl_data_g_floor": np.full(2, 1e-3),
               "kl_g_data_floor": np.full(2, 1.5e-3)}
    view = MetricsView()
    view.show_snapshot(dataclasses.replace(snap2d, metric_history=history))
    shown(view, qtbot, (600, 1000))
    qtbot.wait(20)
    view._place_mle_labels()
    assert _points_under_labels(view, "kl", view.mle_lines.values()) == 0


@pytest.mark.parametrize("hug", ["left", "right"])
def test_the_jsd_ceiling_label_goes_where_the_curve_leaves_room(qtbot, snap2d, hug):
    """A collapsed G keeps JSD just under log 2, where the ceiling's label stood. (Over a quarter of
    the steps: the full label spans half of a 600 px plot.)"""
    steps = np.asarray(snap2d.metric_history["step"], dtype=float)
    near = steps <= steps[-1] / 4 if hug == "left" else steps > steps[-1] * 3 / 4
    jsd = np.where(near, LN2 - 0.01, 0.05)
    history = {**snap2d.metric_history, "jsd": jsd, "jsd_floor": np.full_like(jsd, 0.01)}
    view = MetricsView()
    view.show_snapshot(dataclasses.replace(snap2d, metric_history=history, metrics={**snap2d.metrics, "jsd": jsd[-1]}))
    shown(view, qtbot, (600, 1000))
    qtbot.wait(20)
    view._place_jsd_label()
    assert _points_under_labels(view, "jsd", [view.jsd_max]) == 0
    labels_inside(view)


def labels_inside(view) -> None:
    """Every reference label lies inside its plot (a shorter form of it where the full one is wider
    than the plot), and every legend is no wider than its plot."""
    for plot, lines in (("loss", view.loss_refs.values()), ("kl", view.mle_lines.values()),
                        ("jsd", [view.jsd_max]), ("value", [view.value_min])):
        box = view.plots[plot].getViewBox().sceneBoundingRect()
        for line in lines:
            if line.isVisible():
                label = line.label.sceneBoundingRect()
                assert label.width() > 0
                assert box.left() - 1 <= label.left() and label.right() <= box.right() + 1, (
                    plot, line.label.toPlainText(), label, box)
    for plot, legend in view.legends.items():
        if view.widgets[plot].isVisible():
            width = legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).width()
            assert width <= view.plots[plot].getViewBox().width() + 1, (plot, width)


@pytest.mark.parametrize("height", [560, 1000])
def test_log_axis_labels_never_overlap(qtbot, snap2d, height):
    """However short a log plot is, its decade labels stay LABEL_SPACING_PX apart."""
    from ganstudio.gui.views.metrics_view import LABEL_SPACING_PX

    view = MetricsView()
    wide = dataclasses.replace(snap2d, metrics={**snap2d.metrics, "kl_mle_gmm": 1e-9})  # 10+ decades
    view.show_snapshot(wide)
    shown(view, qtbot, (600, height))
    qtbot.wait(20)
    for name in ("kl", "grad"):
        axis, vb = view.plots[name].getAxis("left"), view.plots[name].getViewBox()
        labelled = sorted(v for level in axis._tickLevels for v, text in level if text)
        ys = [vb.mapViewToScene(QPointF(0, v)).y() for v in labelled]
        assert len(labelled) >= 2, name
        assert min(abs(a - b) for a, b in zip(ys, ys[1:])) >= LABEL_SPACING_PX - 1, (name, labelled, vb.height())


def test_metrics_hide_what_does_not_apply(qtbot):
    snap = make_snapshot("moons", loss="wgan-gp", history_len=10)
    view = MetricsView()
    view.show_snapshot(snap)
    shown(view, qtbot, (900, 1000))
    assert view.widgets["modes"].isHidden()  # moons has no modes
    assert not view.value_note.isHidden() and "critic" in view.value_note.text()
    # V(G, D) is not estimated for a critic, but V(G, D*) = -2 log 2 + 2 JSD depends on P_G alone
    assert not view.widgets["value"].isHidden()
    entries = [label.text for _, label in view.legends["value"].items]
    assert len(entries) == 1 and "D*" in entries[0]
    view.show_snapshot(make_snapshot("moons", loss="nonsaturating", history_len=10))
    assert len(view.legends["value"].items) == 2 and view.value_note.isHidden()
    assert not view.widgets["jsd"].isHidden()


# --------------------------------------------------------------------------- TheoryPanel
def _identity(text: str, lhs: str) -> list[Decimal]:
    """The three numbers of the first line starting with `lhs` that has three (total, term, term)."""
    for line in text.splitlines():
        numbers = re.findall(r"[−-]?\d+\.\d+", line)
        if line.startswith(lhs) and len(numbers) == 3:
            return [Decimal(n.replace("−", "-")) for n in numbers]
    raise AssertionError(f"no identity line starting {lhs!r}")


def test_theory_substitutes_the_metrics(qtbot, snap2d):
    panel = TheoryPanel()
    panel.show_snapshot(snap2d)
    shown(panel, qtbot, (900, 1200))
    text = panel.text()
    m = snap2d.metrics
    for key in ("entropy_data", "entropy_g", "kl_data_g", "kl_g_data", "kl_mle_gauss", "kl_mle_gmm", "value",
                "jsd", "jsd_floor"):
        assert fmt(m[key]) in text, key
    ce, h, kl = _identity(text, "H(Pdata, PG) =")
    assert h + kl == ce
    assert ce == Decimal(f"{m['cross_entropy']:.{-ce.as_tuple().exponent}f}")
    vb, two_log2, jsd = _identity(text, "V(G, D*) =")
    assert two_log2 + 2 * jsd == vb and two_log2 < 0


def test_theory_rounding_adds_up(qtbot, snap1d):
    metrics = {**snap1d.metrics, "entropy_data": 1.7024, "kl_data_g": 0.2294, "cross_entropy": 1.9318}
    text = TheoryPanel_text(with_arrays(snap1d, metrics=metrics))
    assert "H(Pdata, PG) = 1.9318 = H(Pdata) 1.7024 + KL 0.2294 nats" in text
    metrics["cross_entropy"] = 2.5
    assert "differ by" in TheoryPanel_text(with_arrays(snap1d, metrics=metrics))
    assert sum_digits(1.931, [(1, 1.702), (1, 0.229)]) == (3, 0.0)
    assert sum_digits(1.0, [(1, 0.3), (1, 0.3)])[1] == pytest.approx(0.4)


def TheoryPanel_text(snap, bits=False) -> str:
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setHtml(render_html(snap, bits))
    return doc.toPlainText()


def test_theory_bits_and_missing_keys(qtbot, snap1d):
    panel = TheoryPanel()
    panel.show_snapshot(snap1d)
    qtbot.addWidget(panel)
    panel.set_bits(True)
    text = panel.text()
    assert fmt(snap1d.metrics["kl_data_g"] / LN2) in text and "bits" in text
    assert "−2 log 2 = −2.000 bits" in text
    metrics = {k: v for k, v in snap1d.metrics.items() if k not in ("kl_mle_gmm", "entropy_g")}
    panel.set_bits(False)
    panel.show_snapshot(with_arrays(snap1d, metrics=metrics))
    text = panel.text()
    assert "H(PG) = n/a (" in text and "mixture) = n/a (" in text
    critic = make_snapshot("bimodal-1d", loss="hinge")
    panel.show_snapshot(critic)
    assert re.search(r"V\(G, D\) = n/a \(.*critic", panel.text())
    assert "V(G, D*) = n/a" not in panel.text()
    assert f"V(G, D*) = {fmt(critic.metrics['value_bound'])}" in panel.text()


# --------------------------------------------------------------------------- DataView
def test_data_view_picks_the_view_for_the_dimension(qtbot, snap1d, snap2d):
    view = DataView()
    qtbot.addWidget(view)
    view.show_snapshot(snap1d)
    assert isinstance(view.currentWidget(), View1D)
    view.show_snapshot(snap2d)
    assert isinstance(view.currentWidget(), View2D)
    view.show_snapshot(snap1d)
    assert view.currentWidget() is view.views[1]


# --------------------------------------------------------------------------- real trainer snapshots
def _live_presets() -> list[str]:
    return [n for n in preset_names() if get_distribution(load_preset(n).config.distribution).dim in (1, 2)]


@pytest.fixture(scope="module", params=_live_presets() + ["ring-8@wgan-gp"])
def real_snap(request):
    from ganstudio.core.trainer import Trainer

    name, _, loss = request.param.partition("@")
    config = load_preset(name).config.replace(device="cpu")
    if loss:
        config = config.replace(loss=loss)
    trainer = Trainer(config, eval_samples=5000)
    for _ in range(3):
        trainer.step()
    return trainer.snapshot(full=True)


def test_views_render_real_snapshots(qtbot, real_snap):
    snap = real_snap
    view = View1D() if snap.dim == 1 else View2D()
    view.show_snapshot(snap)
    shown(view, qtbot)
    if snap.dim == 1:
        x, y = data(view.curves["p_data"])
        keep = np.isfinite(snap.p_data_grid)
        np.testing.assert_allclose(y, snap.p_data_grid[keep], rtol=1e-6)
        np.testing.assert_allclose(x, snap.grid.xs[keep])
    else:
        np.testing.assert_allclose(view.fake.getData()[0], snap.fake[:, 0], rtol=1e-6)
        np.testing.assert_allclose(view.heat.image, snap.d_grid, rtol=1e-6)
    metrics = MetricsView()
    metrics.show_snapshot(snap)
    shown(metrics, qtbot, (900, 1000))
    _, y = data(metrics.curves["d_loss"])
    assert np.isfinite(y).all() and len(y) == np.isfinite(snap.history["d_loss"]).sum() > 0
    assert metrics.value_note.isHidden() != snap.critic
    theory = TheoryPanel()
    theory.show_snapshot(snap)
    shown(theory, qtbot)
    text = theory.text()
    assert fmt(snap.metrics["kl_data_g"]) in text and fmt(snap.metrics["jsd"]) in text
    ce, h, kl = _identity(text, "H(Pdata, PG) =")
    assert h + kl == ce


def test_clear_empties_every_view(qtbot, snap1d, snap2d):
    views = [(View1D(), snap1d), (View2D(), snap2d), (MetricsView(), snap2d), (TheoryPanel(), snap2d)]
    for view, snap in views:
        qtbot.addWidget(view)
        view.show_snapshot(snap)
        view.clear()
    v1, v2, metrics, theory = (v for v, _ in views)
    assert all(len(data(c)[0]) == 0 for c in v1.curves.values()) and len(data(v1.map_lines)[0]) == 0
    assert len(v2.fake.data) == 0 and v2.heat.image is None and len(data(v2.arrows)[0]) == 0
    assert all(len(data(c)[0]) == 0 for c in metrics.curves.values())
    assert fmt(snap2d.metrics["jsd"]) not in theory.text()
    v2.show_snapshot(snap2d)  # and draws again after a clear
    np.testing.assert_allclose(v2.heat.image, snap2d.d_grid, rtol=1e-6)


def test_metrics_staged_drawing_one_plot_per_advance(qtbot, snap2d):
    """While training runs the window draws one metric plot per frame; the end result is a full draw."""
    staged, direct = MetricsView(), MetricsView()
    qtbot.addWidget(staged)
    qtbot.addWidget(direct)
    direct.show_snapshot(snap2d)
    staged.stage_snapshot(snap2d)
    assert staged.curves["d_loss"].getData()[0] is None or len(staged.curves["d_loss"].getData()[0]) == 0
    calls = 1
    assert staged.advance()  # the loss plot only
    assert len(staged.curves["d_loss"].getData()[0]) > 0 and len(staged.curves["jsd"].getData()[0] or []) == 0
    while staged.advance():
        calls += 1
    assert calls + 1 == 6  # losses, gradients, JSD, KL, V, modes
    for key, curve in direct.curves.items():
        a, b = curve.getData(), staged.curves[key].getData()
        assert (a[1] is None and b[1] is None) or np.array_equal(a[1], b[1]), key
    staged.stage_snapshot(snap2d)  # same grid metrics again: only the step-wise plots are redrawn
    assert staged.advance() and not staged.advance()


def test_restaging_keeps_the_metric_plots_not_yet_drawn(qtbot, snap2d):
    """Snapshots are restaged twice a second: a plot late in the table still gets its turn."""
    view = MetricsView()
    qtbot.addWidget(view)
    view.stage_snapshot(snap2d)
    view.advance()  # the loss plot; JSD, KL, V and modes still queued
    for _ in range(5):  # restaged with the same grid metrics before the queue empties
        view.stage_snapshot(snap2d)
        view.advance()
    while view.advance():
        pass
    assert len(view.curves["hq_fraction"].getData()[0]) > 0  # the last metric plot was drawn


def test_metric_plots_share_a_step_range_that_grows_in_jumps_and_keeps_a_users_zoom(qtbot, snap2d):
    from ganstudio.gui.views.metrics_view import nice_ceiling

    view = MetricsView()
    qtbot.addWidget(view)
    view.show_snapshot(snap2d)
    expected = (0.0, nice_ceiling(1.25 * snap2d.step))
    ranges = {name: tuple(p.getViewBox().viewRange()[0]) for name, p in view.plots.items()}
    assert all(r == pytest.approx(expected) for r in ranges.values()), ranges
    assert [nice_ceiling(x) for x in (0.9, 101, 1999, 2001, 2600)] == [1.0, 200, 2000, 2500, 5000]
    # a little more training: inside the range, so no plot's axis changes
    view.show_snapshot(dataclasses.replace(snap2d, step=snap2d.step + 10))
    assert tuple(view.plots["kl"].getViewBox().viewRange()[0]) == pytest.approx(expected)
    # the user zooms one plot: all follow, and training does not undo it
    view.plots["loss"].setXRange(100, 600, padding=0)
    assert tuple(view.plots["modes"].getViewBox().viewRange()[0]) == pytest.approx((100, 600))
    view.show_snapshot(dataclasses.replace(snap2d, step=10 * snap2d.step))
    assert tuple(view.plots["jsd"].getViewBox().viewRange()[0]) == pytest.approx((100, 600))
    # a restart (Reset) follows training again
    view.show_snapshot(dataclasses.replace(snap2d, step=10))
    assert tuple(view.plots["grad"].getViewBox().viewRange()[0]) == pytest.approx((0, 100))


@pytest.mark.parametrize("width", [380, 520, 900])
def test_metric_legends_never_widen_their_plots_past_the_dock(qtbot, snap2d, width):
    view = MetricsView()
    view.show_snapshot(snap2d)
    shown(view, qtbot, (width, 900))
    qtbot.wait(50)
    for name, plot in view.plots.items():
        if view.widgets[name].isVisible():
            assert plot.geometry().width() <= view.widgets[name].width() + 1, (name, view.legends[name].columnCount)
    if width >= 900:
        assert view.legends["kl"].columnCount == 3  # wide docks keep the compact legend


def test_reference_labels_never_hide_the_curves(qtbot, snap2d):
    """Early in training JSD runs along log 2, right through the label "max: log 2": the curve must be
    drawn over the label's pale ground, not faded under it."""
    from PySide6.QtGui import QColor
    import pyqtgraph as pg

    view = MetricsView()
    steps = snap2d.metric_history["step"]
    near_max = np.full(len(steps), LN2 - 0.03)
    view.show_snapshot(dataclasses.replace(snap2d, metric_history={**snap2d.metric_history, "jsd": near_max}))
    image = shown(view, qtbot, (600, 1000))
    for name, plot in view.plots.items():
        items = plot.getViewBox().addedItems
        lines = [i for i in items if isinstance(i, pg.InfiniteLine)]
        curves = [i for i in items if isinstance(i, pg.PlotDataItem)]
        assert all(line.zValue() < curve.zValue() for line in lines for curve in curves), name
    label = view.jsd_max.label
    graphics = view.widgets["jsd"]
    local = graphics.mapFromScene(label.mapToScene(label.boundingRect())).boundingRect()
    box = local.translated(graphics.mapTo(view, local.topLeft()) - local.topLeft())
    assert box.width() > 50 and image.rect().contains(box)
    colour = view.curves["jsd"].opts["pen"].color()
    exact = sum(QColor(image.pixel(x, y)) == colour
                for x in range(box.left(), box.right()) for y in range(box.top(), box.bottom()))
    assert exact >= 20, "the JSD curve is faded under the label's ground"


def test_view2d_redraws_the_colour_bar_and_mode_marks_only_when_they_change(qtbot, snap2d):
    """Every grid measurement brings a new D grid and new Modes; a colour bar re-set to the
    same scale, or mode marks re-set to the same marks, cost the longest frame 2-3 ms."""
    view = View2D()
    view.show_snapshot(snap2d)
    shown(view, qtbot, (900, 800))
    axis = view.colorbar.axis
    assert axis.picture is not None  # painted, and cached until something changes it
    marks = view.modes_captured.data
    same_marks = dataclasses.replace(snap2d.modes, counts=snap2d.modes.counts + 1)
    view.show_snapshot(with_arrays(snap2d, d_grid=snap2d.d_grid * 0.5, modes=same_marks))
    np.testing.assert_allclose(view.heat.image, snap2d.d_grid * 0.5, rtol=1e-6)  # the new grid is drawn
    assert axis.picture is not None and view.modes_captured.data is marks

    flipped = dataclasses.replace(snap2d.modes, captured=~np.asarray(snap2d.modes.captured))
    view.show_snapshot(with_arrays(snap2d, d_grid=snap2d.d_grid * 0.25, modes=flipped))
    assert len(view.modes_captured.data) == int((~np.asarray(snap2d.modes.captured)).sum())
    assert len(view.modes_missed.data) == int(np.asarray(snap2d.modes.captured).sum())

    critic = make_snapshot("ring-8", loss="hinge")
    view.show_snapshot(critic)
    lo, hi = view.colorbar.levels()
    assert lo == -hi and hi >= np.abs(critic.d_grid).max() - 1e-6
    assert "critic" in axis.labelText and axis.picture is None  # relabelled: repainted
    view.show_snapshot(snap2d)
    assert view.colorbar.levels() == (0.0, 1.0) and axis.labelText == "D(x)"
