"""The trainer thread on its own: mailbox, frame pacing, freeze flags, errors and stopping."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QObject, Qt, QThread, Slot

from ganstudio.core.commands import Command, Event
from ganstudio.core.presets import load_preset
from ganstudio.core.trainer import Trainer
from ganstudio.gui.worker import FRAME_S, Mailbox, Speed, TrainerWorker


def test_mailbox_keeps_order_across_threads():
    box = Mailbox()

    def producer(tag):
        for i in range(500):
            box.put(tag, i)

    threads = [threading.Thread(target=producer, args=(t,)) for t in ("a", "b")]
    for t in threads:
        t.start()
    got = []
    while any(t.is_alive() for t in threads) or len(got) < 1000:
        box.wait(0.01)
        got.extend(box.take_all())
    for tag in ("a", "b"):
        assert [v for c, v in got if c == tag] == list(range(500))


def test_mailbox_wait_wakes_on_put():
    box = Mailbox()
    threading.Timer(0.05, box.put, args=(Command.PLAY,)).start()
    t0 = time.perf_counter()
    box.wait(5.0)
    assert time.perf_counter() - t0 < 1.0
    assert box.take_all() == [(Command.PLAY, None)]


class Running(QObject):
    """A worker on a started QThread, stopped and joined however the test ends.

    Its slots are @Slot methods of a GUI-thread QObject, so the worker's signals arrive
    queued on the GUI thread, as they do in the window.
    """

    def __init__(self, qtbot, factory=None, config=None):
        super().__init__()
        self.config = config or load_preset("ring-8").config
        self.worker = TrainerWorker(self.config, trainer_factory=factory)
        self.thread = QThread()
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.finished.connect(self.thread.quit)
        self.snaps = []
        self.errors = []
        self.applied = []
        self.worker.snapshot_ready.connect(self._on_snap)
        self.worker.error.connect(self._on_error)
        self.worker.config_applied.connect(self._on_applied)
        self.running = False
        self.worker.running_changed.connect(self._on_running)
        self.thread.start()
        qtbot.waitUntil(lambda: bool(self.snaps), timeout=15000)

    @Slot(object)
    def _on_snap(self, snap):
        self.snaps.append((time.perf_counter(), snap))
        self.worker.frame_done()

    @Slot(str)
    def _on_error(self, text):
        self.errors.append(text)

    @Slot(object)
    def _on_applied(self, config):
        self.applied.append(config)

    @Slot(bool)
    def _on_running(self, running):
        self.running = running

    def stop(self):
        self.worker.request_stop()
        self.thread.quit()
        assert self.thread.wait(2000)


@pytest.fixture
def running(qtbot):
    made = []

    def start(**kwargs):
        r = Running(qtbot, **kwargs)
        made.append(r)
        return r

    yield start
    for r in made:
        r.stop()


def test_full_speed_emits_at_most_30_frames_a_second(qtbot, running):
    r = running()
    r.worker.post(Command.PLAY)
    qtbot.wait(1500)
    r.worker.post(Command.PAUSE)
    qtbot.wait(200)
    times = [t for t, s in r.snaps[1:-1]]
    assert len(times) >= 5, "too few frames while playing"
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate <= 1.0 / FRAME_S + 3
    steps = [s.step for _, s in r.snaps]
    assert steps == sorted(steps) and steps[-1] > len(times), "the worker waited for frames instead of training"


def test_slow_motion_draws_every_step(qtbot, running):
    r = running()
    r.worker.post(Command.SPEED, Speed(1, 0.1))
    r.worker.post(Command.PLAY)
    qtbot.waitUntil(lambda: r.snaps[-1][1].step >= 4, timeout=10000)
    r.worker.post(Command.PAUSE)
    qtbot.wait(300)
    steps = [s.step for _, s in r.snaps]
    assert set(range(0, 5)) <= set(steps), f"slow motion skipped a step: {steps}"


def test_freeze_flags_reach_the_trainer(qtbot, running, recording_factory):
    calls, factory = recording_factory

    r = running(factory=factory)
    r.worker.post(Command.FREEZE_D, True)
    r.worker.post(Command.PLAY)
    qtbot.waitUntil(lambda: len(calls) >= 3, timeout=10000)
    r.worker.post(Command.FREEZE_G, True)  # both frozen: the worker pauses instead of spinning
    qtbot.waitUntil(lambda: not r.running, timeout=5000)
    n = len(calls)
    qtbot.wait(200)
    assert len(calls) == n
    assert set(calls) == {(False, True)}


def test_error_pauses_and_stop_is_prompt(qtbot, running, failing_factory):
    r = running(factory=failing_factory("d_loss became nan"))
    r.worker.post(Command.PLAY)
    qtbot.waitUntil(lambda: bool(r.errors), timeout=5000)
    assert "non-finite" in r.errors[0] and "d_loss became nan" in r.errors[0]
    qtbot.waitUntil(lambda: not r.running, timeout=5000)
    t0 = time.perf_counter()
    r.stop()
    assert time.perf_counter() - t0 < 1.0


def test_bad_config_is_refused_and_old_config_kept(qtbot, running):
    r = running()
    old = r.config
    new = old.replace(distribution="file:/nonexistent/points.csv")
    r.worker.post(Command.SET_CONFIG, new)
    qtbot.waitUntil(lambda: bool(r.applied), timeout=10000)
    assert r.applied == [old]
    assert r.errors and "points.csv" in r.errors[-1]


def test_a_stop_posted_while_the_training_process_starts_ends_the_worker():
    """Command.STOP taken from the mailbox with the commands queued during start-up is not lost."""
    worker = TrainerWorker(load_preset("ring-8").config, process=True)
    worker.mailbox.put(Command.PLAY)
    worker.mailbox.put(Command.STOP)  # as if posted before the process was up (no request_stop)
    runner = threading.Thread(target=worker.run, daemon=True)
    runner.start()
    runner.join(60)
    assert not runner.is_alive()
    assert worker.trainer_pid is None  # the process was stopped, not left behind


def test_a_frame_drawn_non_finite_in_the_window_is_dropped_and_training_paused(monkeypatch):
    """Samples drawn in the window's process from sent weights are checked before any view sees them."""
    import dataclasses

    import numpy as np

    from ganstudio.core import remote
    from ganstudio.core.arrays import frozen

    good = Trainer(load_preset("ring-8").config, eval_samples=4000).snapshot(full=True)
    bad = dataclasses.replace(good, fake=frozen(np.full_like(good.fake, np.inf)))

    class Process:  # stands in for the training process: one good frame, one bad, then quiet
        pid = None

        def __init__(self, config, num_threads):
            self.sent, self.queue = [], [(Event.SNAPSHOT, good), (Event.SNAPSHOT, bad)]

        def send(self, command, value=None):
            self.sent.append(command)
            return True

        def receive(self, timeout):
            time.sleep(timeout)
            return [self.queue.pop(0)] if self.queue else []

        def stop(self):
            pass

    made = []
    monkeypatch.setattr(remote, "TrainingProcess", lambda *a: made.append(Process(*a)) or made[-1])
    worker = TrainerWorker(load_preset("ring-8").config, process=True)
    shown, errors = [], []
    worker.snapshot_ready.connect(shown.append, Qt.DirectConnection)  # no event loop runs here
    worker.error.connect(errors.append, Qt.DirectConnection)
    runner = threading.Thread(target=worker.run, daemon=True)
    runner.start()
    deadline = time.perf_counter() + 10
    while not errors and time.perf_counter() < deadline:
        time.sleep(0.01)
    worker.request_stop()
    runner.join(5)
    assert shown == [good]
    assert errors and "non-finite" in errors[0]
    assert made[0].sent[-2:] == [Command.FRAME_DONE, Command.PAUSE]
