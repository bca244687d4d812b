"""The image view draws what an image snapshot holds: mosaics, PCA plane, class bars, D's scores;
checked against the snapshot's own arrays for real digits-8x8 and digits-28 snapshots; and at every
size it keeps each part inside the view with whole titles."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from ganstudio.core.config import TrainConfig
from ganstudio.gui.views import DataView, ImageView, TheoryPanel, View2D
from ganstudio.gui.views.image_mosaic import ROW_MIN_WIDTH, SPACING
from ganstudio.gui.views.image_view import MEASURING, classes_title

from snapshot_factory import make_snapshot  # tests/gui is on sys.path (rootdir-relative import)
from widget_shots import shown as show_widget


def _train(steps: int, **config) -> object:
    from ganstudio.core.trainer import Trainer

    trainer = Trainer(TrainConfig(**config), eval_samples=500)
    trainer.train(steps)
    return trainer.snapshot(full=True)


@pytest.fixture(scope="module")
def digits8():
    return _train(30, distribution="digits-8x8", hidden=128, noise_dim=16, batch_size=64)


@pytest.fixture(scope="module")
def critic8():
    return _train(5, distribution="digits-8x8", hidden=128, noise_dim=16, batch_size=64, loss="wgan-gp")


def shown(widget, qtbot, size=(1100, 800)):
    return show_widget(widget, qtbot, size)


def unmeasured(snap):
    return dataclasses.replace(snap, images=dataclasses.replace(snap.images, measured=None))


def check_mosaics(view: ImageView, snap) -> None:
    frame = snap.images
    for item, images, columns in ((view.fake_image, frame.fake, 8), (view.real_image, frame.real, 8),
                                  (view.strip_image, frame.interpolation, 10)):
        shown_pixels = item.image
        _, _, h, w = images.shape
        for k in range(len(images)):
            r, c = divmod(k, columns)
            np.testing.assert_allclose(shown_pixels[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w],
                                       images[k, 0], atol=1e-7)


def test_image_view_draws_a_digits_8x8_snapshot(qtbot, digits8):
    snap, m = digits8, digits8.images.measured
    view = ImageView()
    view.show_snapshot(snap)
    shown(view, qtbot)
    check_mosaics(view, snap)
    assert view.fake_image.image.shape == (8 * 9 - 1, 8 * 9 - 1)
    assert view.fake_plot.titleLabel.text == "Generated: G(z) for 64 fixed z"

    # PCA plane: both sets' points, and each density traced at its highest-density levels
    np.testing.assert_allclose(np.column_stack(view.pca_real.getData()), m.real_xy)
    np.testing.assert_allclose(np.column_stack(view.pca_fake.getData()), m.fake_xy)
    x0, x1, y0, y1 = m.extent
    for curves, density in ((view.real_contours, m.real_density), (view.fake_contours, m.fake_density)):
        cell = (x1 - x0) * (y1 - y0) / density.size
        for c, mass in zip(curves, (0.5, 0.9)):
            np.testing.assert_array_equal(c.data, density)
            order = np.sort(density.ravel())[::-1]
            expected = order[np.searchsorted(np.cumsum(order) * cell, mass)]
            assert c.level == pytest.approx(expected)
            assert np.sum(density[density >= c.level]) * cell >= mass - 1e-9

    # class bars: heights are the frequencies, side by side at each class
    k = len(m.class_names)
    np.testing.assert_allclose(view.bars_real.opts["height"], m.real_class_freq)
    np.testing.assert_allclose(view.bars_fake.opts["height"], m.fake_class_freq)
    np.testing.assert_allclose(view.bars_fake.opts["x"] - view.bars_real.opts["x"], np.full(k, 0.38))
    ticks = view.plots["classes"].getAxis("bottom")._tickLevels[0]
    assert [t[1] for t in ticks] == list(m.class_names)
    title = view.titles["classes"].text
    assert f"accuracy {round(100 * m.classifier_accuracy)}%" in title
    assert f"covered {round(snap.metrics['classes_covered'])}/10" in title
    assert f"KL {snap.metrics['class_kl']:.2f}" in title

    # D's scores: probability histograms on [0, 1], counts summing to the number of scores, and D = 1/2
    for item, scores in ((view.hist_real, m.d_real), (view.hist_fake, m.d_fake)):
        edges, counts = item.getData()
        np.testing.assert_allclose(edges, np.linspace(0, 1, 26))
        assert counts.sum() == len(scores)
        np.testing.assert_array_equal(counts, np.histogram(scores, bins=np.linspace(0, 1, 26))[0])
    assert view.half.isVisible() and view.half.value() == 0.5
    assert "D* = ½" in view.half.label.textItem.toPlainText()
    assert view.plots["scores"].getAxis("bottom").labelText == "D(x)"
    assert all(stack.currentIndex() == 1 for stack in view.stacks.values())


def test_critic_scores_have_no_half_line(qtbot, critic8):
    view = ImageView()
    view.show_snapshot(critic8)
    shown(view, qtbot)
    m = critic8.images.measured
    assert critic8.critic
    assert not view.half.isVisible()
    assert view.plots["scores"].getAxis("bottom").labelText == "critic score"
    both = np.concatenate([m.d_real, m.d_fake])
    for item, scores in ((view.hist_real, m.d_real), (view.hist_fake, m.d_fake)):
        edges, counts = item.getData()
        assert edges[0] == pytest.approx(both.min()) and edges[-1] == pytest.approx(both.max())
        assert counts.sum() == len(scores)


def test_unmeasured_snapshot_shows_measuring(qtbot, digits8):
    view = ImageView()
    view.show_snapshot(unmeasured(digits8))
    shown(view, qtbot)
    for key, stack in view.stacks.items():
        assert stack.currentWidget() is view.waiting[key] and view.waiting[key].text() == MEASURING
    check_mosaics(view, digits8)  # the images are drawn all the same
    view.show_snapshot(digits8)
    assert all(stack.currentIndex() == 1 for stack in view.stacks.values())
    view.show_snapshot(unmeasured(digits8))
    assert all(stack.currentIndex() == 0 for stack in view.stacks.values())


def test_non_finite_values_are_not_drawn(qtbot, digits8):
    m = digits8.images.measured
    real_xy = m.real_xy.copy()
    real_xy[:3] = np.nan
    d_fake = m.d_fake.copy()
    d_fake[:5] = np.inf
    freq = m.fake_class_freq.copy()
    freq[2] = np.nan
    broken = dataclasses.replace(digits8, images=dataclasses.replace(
        digits8.images, measured=dataclasses.replace(m, real_xy=real_xy, d_fake=d_fake, fake_class_freq=freq)))
    view = ImageView()
    view.show_snapshot(broken)
    shown(view, qtbot)
    assert len(view.pca_real.getData()[0]) == len(real_xy) - 3
    assert view.hist_fake.getData()[1].sum() == len(d_fake) - 5
    assert len(view.bars_fake.opts["height"]) == len(freq) - 1
    assert np.isfinite(view.bars_fake.opts["height"]).all()


def test_classes_title_forms():
    metrics = {"classes_covered": 7.0, "classes_total": 10.0, "class_kl": 0.1234}
    assert classes_title(0.972, metrics) == "Classes (classifier accuracy 97%)<br>classes covered 7/10 · class KL 0.12"
    assert classes_title(0.972, metrics, short=True) == "Classes (accuracy 97%)<br>covered 7/10 · KL 0.12"
    assert classes_title(float("nan"), {}) == "Classes"


def test_data_view_switches_between_points_and_images(qtbot, digits8):
    snap2d = make_snapshot("ring-8", progress=0.5)
    view = DataView()
    shown(view, qtbot)
    view.show_snapshot(snap2d)
    assert isinstance(view.currentWidget(), View2D)
    view.show_snapshot(digits8)
    assert isinstance(view.currentWidget(), ImageView) and view.currentWidget() is view.views[0]
    view.show_snapshot(snap2d)
    assert view.currentWidget() is view.views[2]
    view.show_snapshot(digits8)
    assert view.currentWidget() is view.views[0]
    view.clear()


def test_theory_panel_for_images_names_fid_and_what_is_not_estimated(qtbot, digits8, critic8):
    panel = TheoryPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(digits8)
    text = panel.text()
    assert "JSD" in text and "not estimated" in text
    assert f"FID = {digits8.metrics['fid']:.2f}" in text
    assert f"floor {digits8.metrics['fid_floor']:.2f}" in text
    assert f"class KL = {digits8.metrics['class_kl']:.3f} nats" in text
    assert f"classes covered = {round(digits8.metrics['classes_covered'])} of 10" in text
    assert f"mean D(x) on real images = {np.mean(digits8.images.measured.d_real):.3f}" in text
    assert "nan" not in text.lower()
    panel.set_bits(True)
    assert f"class KL = {digits8.metrics['class_kl'] / np.log(2):.3f} bits" in panel.text()
    panel.show_snapshot(critic8)
    assert "mean critic score on real images" in panel.text() and "nan" not in panel.text().lower()
    panel.show_snapshot(unmeasured(digits8))
    assert "measuring" in panel.text() and "nan" not in panel.text().lower()


def test_image_view_draws_a_digits_28_snapshot(qtbot):
    snap = _train(2, distribution="digits-28", noise_dim=16, batch_size=64)
    view = DataView()
    view.show_snapshot(snap)
    shown(view, qtbot)
    image_view = view.views[0]
    assert image_view.fake_image.image.shape == (8 * 29 - 1, 8 * 29 - 1)
    check_mosaics(image_view, snap)
    m = snap.images.measured
    np.testing.assert_allclose(image_view.bars_fake.opts["height"], m.fake_class_freq)
    assert image_view.hist_real.getData()[1].sum() == len(m.d_real)


def outside_the_view(view: ImageView) -> list[str]:
    """Every visible widget, plot and plot title that does not lie inside the view, or whose text is wider
    than the room it has."""
    found = []
    whole = view.rect()
    for w in view.findChildren(QWidget):
        if w.isVisibleTo(view) and not whole.contains(QRect(w.mapTo(view, QPoint(0, 0)), w.size())):
            found.append(f"{type(w).__name__} at {QRect(w.mapTo(view, QPoint(0, 0)), w.size())}")
    for gv in view.findChildren(pg.GraphicsView):
        if not gv.isVisibleTo(view):
            continue
        port = QRectF(gv.viewport().rect()).adjusted(-0.5, -0.5, 0.5, 0.5)
        for item in gv.scene().items():
            where = gv.mapFromScene(item.sceneBoundingRect()).boundingRect().toRectF()
            if isinstance(item, (pg.PlotItem, pg.LegendItem)) and item.isVisible() and not port.contains(where):
                found.append(f"{type(item).__name__} past its view's edge")
            if isinstance(item, pg.LabelItem) and item.isVisible() and item.text.strip():
                text = item.item.boundingRect().width()
                if text > item.geometry().width() + 0.5 or not port.contains(item.sceneBoundingRect()):
                    found.append(f"title {item.text!r} is cut")
    return found


def settle(qtbot, view, size):
    view.resize(*size)
    qtbot.wait(20)  # layout requests of the plots' graphics layouts are posted events


@pytest.mark.parametrize("size", [(420, 380), (369, 683), (685, 915), (1024, 768), (1600, 1000), (1400, 460),
                                  (800, 600), (500, 1000)])
def test_no_part_of_the_view_extends_past_its_edge(qtbot, digits8, size):
    view = ImageView()
    view.show_snapshot(digits8)
    shown(view, qtbot)
    settle(qtbot, view, size)
    assert outside_the_view(view) == []
    assert view.tabs.isVisible() == (size[0] < 3 * ROW_MIN_WIDTH + 2 * SPACING)
    # the mosaics are square, the size image_layout gives them, and at least as large as the narrower plots
    side = view.fake_plot.getViewBox().width()
    assert side == pytest.approx(view.fake_plot.getViewBox().height(), abs=1.5)
    assert view.real_plot.getViewBox().width() == pytest.approx(side, abs=1.5)


def test_plots_move_into_tabs_when_narrow_and_back_into_a_row_when_wide(qtbot, digits8):
    view = ImageView()
    view.show_snapshot(digits8)
    shown(view, qtbot)
    settle(qtbot, view, (420, 380))
    assert view.tabs.count() == 3 and [view.tabs.widget(i) for i in range(3)] == list(view.stacks.values())
    assert [view.tabs.tabText(i) for i in range(3)] == ["Image space", "Classes", "D's scores"]
    settle(qtbot, view, (1100, 800))
    assert view.tabs.count() == 0 and not view.tabs.isVisible()
    xs = [stack.geometry().x() for stack in view.stacks.values()]
    assert xs == sorted(xs) and all(stack.isVisible() for stack in view.stacks.values())
    tops = {stack.geometry().y() for stack in view.stacks.values()}
    assert len(tops) == 1 and tops.pop() > view.graphics.geometry().bottom()  # a row under the images
    assert outside_the_view(view) == []


def test_titles_are_whole_at_1600_x_1000_and_shorten_when_narrow(qtbot, digits8):
    snap, m = digits8, digits8.images.measured
    view = ImageView()
    view.show_snapshot(snap)
    shown(view, qtbot)
    long_classes = classes_title(m.classifier_accuracy, snap.metrics)
    short_classes = classes_title(m.classifier_accuracy, snap.metrics, short=True)
    for size in ((1600, 1000), (685, 915)):  # the view alone, and as the main window at 1600 x 1000 holds it
        settle(qtbot, view, size)
        assert view.fake_plot.titleLabel.text == "Generated: G(z) for 64 fixed z"
        assert view.real_plot.titleLabel.text == "Real: samples of P_data"
        assert view.strip_plot.titleLabel.text == "G along a line in z"
        assert view.titles["pca"].text == "Image space in 2D" and view.titles["scores"].text == "D's scores"
        assert outside_the_view(view) == []
    settle(qtbot, view, (1600, 1000))
    assert view.titles["classes"].text == long_classes
    assert view.half.label.format == " optimum D* = ½"
    settle(qtbot, view, (685, 915))
    assert view.titles["classes"].text == short_classes
    settle(qtbot, view, (369, 683))
    assert view.fake_plot.titleLabel.text == "Generated: G(z)" and view.real_plot.titleLabel.text == "Real: P_data"
    assert outside_the_view(view) == []


def test_mosaic_pixels_are_drawn_unblended(qtbot, digits8):
    """Nearest-pixel scaling: every screen pixel inside an image pixel has that pixel's grey, near its
    edges as at its centre."""
    view = ImageView()
    view.show_snapshot(digits8)
    shown(view, qtbot, (685, 915))
    assert not view.graphics.renderHints() & QPainter.RenderHint.SmoothPixmapTransform
    grab = view.graphics.grab().toImage()
    vb = view.fake_plot.getViewBox()
    ratio = grab.width() / view.graphics.width()
    tile = digits8.images.fake[0, 0]
    for r in range(tile.shape[0]):
        for c in range(tile.shape[1]):
            expected = round(255 * float(np.clip(tile[r, c], 0, 1)))
            for fy, fx in ((0.5, 0.5), (0.3, 0.3), (0.7, 0.7), (0.3, 0.7)):
                p = view.graphics.mapFromScene(vb.mapViewToScene(QPointF(c + fx, r + fy)))
                grey = QColor(grab.pixel(int(p.x() * ratio), int(p.y() * ratio))).red()
                assert abs(grey - expected) <= 2, (r, c, fy, fx, grey, expected)


def test_a_copy_of_the_same_frame_from_another_process_redraws_nothing(qtbot, digits8, monkeypatch):
    """Snapshots arrive pickled from the training process, a new object each frame: the same
    images and the same measurement must not be drawn again."""
    import pickle

    view = ImageView()
    shown(view, qtbot)
    view.show_snapshot(digits8)
    calls = []
    for name in ("_show_pca", "_show_classes", "_show_scores"):
        monkeypatch.setattr(view, name, lambda *a, _n=name: calls.append(_n))
    set_image = []
    monkeypatch.setattr(view.fake_image, "setImage", lambda *a, **k: set_image.append(1))
    from ganstudio.core.snapshot import snapshot_fields, snapshot_from_fields

    view.show_snapshot(snapshot_from_fields(pickle.loads(pickle.dumps(snapshot_fields(digits8)))))
    assert calls == [] and set_image == []
    newer = dataclasses.replace(digits8, images=dataclasses.replace(
        digits8.images, fake=1.0 - digits8.images.fake,
        measured=dataclasses.replace(digits8.images.measured, step=digits8.images.measured.step + 1)))
    view.show_snapshot(newer)
    assert calls == ["_show_pca", "_show_classes", "_show_scores"] and set_image == [1]
