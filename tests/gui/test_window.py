"""The main window drives a real trainer (in its training process, or on its thread when one is
injected): play, pause, step, reset, edits, errors, close."""

from __future__ import annotations

import gc
import multiprocessing
import os
import time

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ganstudio.core.commands import Command
from ganstudio.core.trainer import NonFiniteError, Trainer


def _play_until(qtbot, window, steps: int) -> None:
    window.transport.play.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.step >= steps, timeout=15000)


def _pause(qtbot, window) -> int:
    """Pause and return the step of the snapshot the worker sends once it has stopped."""
    window.transport.play.trigger()
    qtbot.waitUntil(lambda: not window.running, timeout=5000)
    # signals arrive in order: frames drawn after the worker said it stopped show the paused state
    qtbot.waitUntil(lambda: window.frames_drawn > window.frames_when_stopped, timeout=10000)
    return window.last_snapshot.step


def test_opens_on_ring8_ready_to_play(window):
    snap = window.last_snapshot
    assert snap.step == 0
    assert snap.config.distribution == "ring-8"
    assert window.samples.currentWidget() is window.samples.views[2]
    assert window.panel.widget("distribution").current_data() == "ring-8"
    assert not window.transport.play.isChecked()
    assert window.transport.play.text() == "Play"
    assert "device" in window.status_fields.device.text()
    assert "ring-8" in window.windowTitle()


def test_play_pause_step_reset(qtbot, window):
    _play_until(qtbot, window, 5)
    assert window.running and window.transport.play.text() == "Pause"
    paused_at = _pause(qtbot, window)
    qtbot.wait(200)
    assert window.last_snapshot.step == paused_at, "training went on after pause"

    window.transport.step_both.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.step == paused_at + 1, timeout=5000)

    window.transport.reset.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.step == 0, timeout=5000)


def test_step_d_and_step_g_train_one_network(qtbot, make_window, recording_factory):
    calls, factory = recording_factory

    window = make_window(preset="ring-8", trainer_factory=factory)
    window.transport.step_d.trigger()
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
    window.transport.step_g.trigger()
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=5000)
    window.transport.freeze_g.trigger()
    _play_until(qtbot, window, 3)
    _pause(qtbot, window)
    assert calls[0] == (True, False) and calls[1] == (False, True)
    assert all(c == (True, False) for c in calls[2:]), "freeze G still trained G"


def test_control_change_reaches_trainer_mid_run(qtbot, window):
    _play_until(qtbot, window, 3)
    spin = window.panel.widget("lr_d")
    spin.setValue(1e-3)
    qtbot.waitUntil(lambda: window.last_snapshot.config.lr_d == pytest.approx(1e-3), timeout=10000)
    running_at = window.last_snapshot.step
    assert running_at > 0, "changing the learning rate restarted training"
    assert window.transport.play.isChecked()
    qtbot.waitUntil(lambda: window.last_snapshot.step > running_at, timeout=10000)

    window.panel.widget("d_steps").setValue(3)
    assert window.panel.ratio_label.text() == "3 D : 1 G"
    qtbot.waitUntil(lambda: window.last_snapshot.config.d_steps == 3, timeout=10000)

    combo = window.panel.widget("activation")  # no tensor changes shape: training goes on, weights kept
    steps_before = window.last_snapshot.step
    combo.setCurrentIndex(combo.findText("tanh"))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: window.last_snapshot.config.activation == "tanh", timeout=10000)
    assert window.last_snapshot.step >= steps_before, "changing the activation restarted training"

    window.panel.widget("hidden").setValue(64)
    qtbot.waitUntil(lambda: window.last_snapshot.config.hidden == 64, timeout=10000)
    qtbot.waitUntil(lambda: "hidden" in window.statusBar().currentMessage(), timeout=5000)
    _pause(qtbot, window)


def test_bad_value_keeps_previous_state(qtbot, window):
    before = window.config
    window.panel.edited.emit({"lr_d": -1.0})
    assert window.config == before
    assert "lr_d" in window.last_error
    assert window.panel.widget("lr_d").value() == pytest.approx(before.lr_d)
    box = window._error_box
    assert box is not None and box.isVisible()
    box.close()


def test_non_finite_loss_pauses_with_message_and_keeps_drawing_finite(qtbot, make_window):
    def factory(config):
        trainer = Trainer(config)
        real_step = trainer.step

        def step(train_d=True, train_g=True):
            if trainer.step_count >= 5:
                raise NonFiniteError("g_loss became nan at step 5")
            return real_step(train_d=train_d, train_g=train_g)

        trainer.step = step
        return trainer

    window = make_window(preset="ring-8", trainer_factory=factory)
    window.transport.play.trigger()
    qtbot.waitUntil(lambda: "non-finite" in window.last_error, timeout=15000)
    qtbot.waitUntil(lambda: not window.running and not window.transport.play.isChecked(), timeout=5000)
    assert "g_loss became nan" in window.last_error
    assert window._error_box is not None and window._error_box.isVisible()
    qtbot.waitUntil(lambda: window.last_snapshot.step == 5, timeout=5000)  # the last good state is drawn
    snap = window.last_snapshot
    assert np.isfinite(snap.fake).all() and np.isfinite(snap.d_grid).all()
    window._error_box.close()


def test_huge_learning_rate_never_draws_nan(qtbot, make_window):
    from ganstudio.core.presets import load_preset

    config = load_preset("ring-8").config.replace(optimizer="sgd", lr_d=10.0, lr_g=10.0, momentum=0.0)
    window = make_window(config=config)
    drawn = []
    window.worker.snapshot_ready.connect(drawn.append)
    window.transport.play.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.step >= 200 or bool(window.last_error), timeout=20000)
    if window.transport.play.isChecked():
        _pause(qtbot, window)
    for snap in drawn:
        assert np.isfinite(snap.fake).all()
    if window._error_box is not None:
        window._error_box.close()


def test_preset_switch_changes_view(qtbot, window):
    window.load_preset("bimodal-1d")
    qtbot.waitUntil(lambda: window.last_snapshot.dim == 1, timeout=10000)
    assert window.samples.currentWidget() is window.samples.views[1]
    assert window.last_snapshot.config.distribution == "bimodal-1d"
    assert window.panel.widget("distribution").current_data() == "bimodal-1d"
    assert "bimodal-1d" in window.windowTitle()


def test_load_points_file(qtbot, window, tmp_path):
    rng = np.random.default_rng(0)
    good = tmp_path / "blob.csv"
    np.savetxt(good, rng.normal(size=(300, 2)) + 3.0, delimiter=",")
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,oops\n")
    before = window.config
    assert not window.load_data_file(str(bad))
    assert window.config == before and "bad.csv" in window.last_error
    assert window._load_error_box.windowTitle() == "Cannot load bad.csv"
    window._load_error_box.close()
    assert window.load_data_file(str(good))
    qtbot.waitUntil(lambda: window.last_snapshot.config.distribution.endswith("blob.csv"), timeout=15000)
    assert window.panel.widget("distribution").current_data().endswith("blob.csv")
    assert window.last_snapshot.dim == 2


def test_close_during_training_exits_within_a_second(qtbot, window):
    assert window.worker.use_process, "the window's default trainer runs in its own process"
    _play_until(qtbot, window, 3)
    pid = window.worker.trainer_pid
    assert pid is not None and pid != os.getpid()
    t0 = time.perf_counter()
    window.close()
    elapsed = time.perf_counter() - t0
    assert not window.trainer_thread.isRunning()
    assert elapsed < 1.0, f"closing took {elapsed:.2f} s"
    assert not any(p.pid == pid for p in multiprocessing.active_children()), "the training process outlived the window"


def test_layout_is_remembered(qtbot, make_window, settings):
    first = make_window(preset="ring-8")
    first.resize(777, 555)
    first.dock.hide()
    qtbot.wait(50)
    first.close()
    second = make_window(preset="ring-8", settings=QSettings(settings.fileName(), QSettings.Format.IniFormat))
    assert (second.width(), second.height()) == (777, 555)
    assert not second.dock.isVisible()
    second.reset_layout()
    assert second.dock.isVisible()


def test_run_gui_opens_requested_preset(qtbot, monkeypatch, tmp_path):
    from ganstudio.gui import app as app_module
    from ganstudio.gui import main_window

    monkeypatch.setattr(main_window, "default_settings",
                        lambda: QSettings(str(tmp_path / "run.ini"), QSettings.Format.IniFormat))
    seen = {}

    def close_when_drawn():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, main_window.MainWindow)]
        if windows and windows[0].last_snapshot is not None:
            seen["distribution"] = windows[0].last_snapshot.config.distribution
            windows[0].close()
        else:
            QTimer.singleShot(50, close_when_drawn)

    QTimer.singleShot(50, close_when_drawn)
    gc.unfreeze()
    try:
        assert app_module.run_gui("bimodal-1d") == 0
        # the start-up objects are out of the collector's reach (a full collection stalled the GUI)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
    assert seen["distribution"] == "bimodal-1d"


def test_render_to_png(tmp_path):
    from PySide6.QtGui import QImage

    from ganstudio.gui.render import render_to_png

    out = tmp_path / "ring.png"
    render_to_png("ring-8", 20, out, seed=1, size=(1200, 800))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)


@pytest.mark.parametrize(("preset", "dim"), [("ring-8", 2), ("gaussian-1d", 1)])
def test_the_samples_view_is_built_before_the_first_snapshot(qtbot, settings, preset, dim):
    """Building a view costs ~100 ms; done in the first frame, it stalled the GUI that long."""
    from ganstudio.gui.main_window import MainWindow

    window = MainWindow(preset=preset, settings=settings, start=False)
    qtbot.addWidget(window)
    assert list(window.samples.views) == [dim]
    window.close()


def test_every_setting_has_one_control_with_a_tooltip(window):
    """The control panel and TrainConfig agree: no setting without a control, no control without a setting."""
    from ganstudio.core.config import field_names

    bound = set(window.panel._bindings)
    assert bound == set(field_names())
    for key in bound:
        assert window.panel.widget(key).toolTip().strip(), key


def test_play_pressed_before_the_first_frame_starts_training_once_it_is_drawn(qtbot, settings):
    """The first frame paints every panel for the first time; training must not be running under it."""
    from ganstudio.gui.main_window import MainWindow

    window = MainWindow(preset="ring-8", settings=settings)
    qtbot.addWidget(window)
    posted = []
    post = window.post
    window.post = lambda command, value=None: (posted.append((command, window.frames_drawn)), post(command, value))
    window.show()
    window.transport.play.trigger()  # at once: the training process is still starting
    try:
        assert window.last_snapshot is None and not posted
        qtbot.waitUntil(lambda: window.last_snapshot is not None and window.last_snapshot.step > 0, timeout=20000)
        assert posted[0] == (Command.PLAY, 1)  # sent after the first frame was drawn
        assert window.transport.play.isChecked()
    finally:
        window.close()
    assert not window.trainer_thread.isRunning()


def test_a_metric_plot_or_the_theory_is_drawn_in_its_own_turn_after_the_samples(qtbot, window):
    """Drawn in the same event-loop turn as the samples, a metric plot's update and paint came
    on top of theirs: those frames were the GUI thread's longest stalls."""
    in_frame = [False]
    panel_calls: list[bool] = []  # for each panel update: was it inside a samples frame?
    show_snapshot = window.show_snapshot  # the pacer's draw of each frame goes through it

    def draw_and_flag(snap, everything=True):
        in_frame[0] = True
        try:
            show_snapshot(snap, everything)
        finally:
            in_frame[0] = False

    window.show_snapshot = draw_and_flag
    advance, theory = window.metrics.advance, window.theory.show_snapshot
    window.metrics.advance = lambda: (panel_calls.append(in_frame[0]), advance())[1]
    window.theory.show_snapshot = lambda snap: (panel_calls.append(in_frame[0]), theory(snap))[1]
    frames = window.frames_drawn
    _play_until(qtbot, window, 300)
    qtbot.waitUntil(lambda: len(panel_calls) >= 4 and window.frames_drawn > frames + 10, timeout=20000)
    while_playing = list(panel_calls)  # (paused, a frame draws every panel at once, by design)
    _pause(qtbot, window)
    assert while_playing and not any(while_playing)


@pytest.mark.parametrize("preset", ["ring-8", "bimodal-1d"])
def test_every_layer_toggle_stays_in_sight_at_projector_sizes(qtbot, make_window, preset):
    """The layer boxes wrap onto more rows in a narrow view rather than hiding behind an overflow button."""
    window = make_window(preset=preset)
    view = window.samples.currentWidget()
    for size in ((1600, 1000), (1366, 768), (1024, 768)):
        window.resize(*size)
        qtbot.waitUntil(lambda: window.width() == size[0])
        QApplication.processEvents()
        bar = view.toolbar
        for key, box in bar.boxes.items():
            assert box.isVisible() and bar.rect().contains(box.geometry()), (size, key)


def test_transport_tooltips_name_their_shortcut_once(window):
    for action in window.transport.actions():
        tip, keys = action.toolTip(), action.shortcut().toString()
        if keys:
            assert tip.endswith(f"[{keys}]") and f"({keys})" not in tip, tip


def test_the_preset_box_says_what_to_watch(window):
    from ganstudio.core.presets import load_preset

    lesson = window.panel.preset_lesson
    assert lesson.isVisibleTo(window) and load_preset("ring-8").lesson[:40] in lesson.text()
    window.panel.set_preset(None)  # custom settings: no lesson to show
    assert not lesson.isVisibleTo(window) and window.panel.preset_summary.text() == "Custom settings"
