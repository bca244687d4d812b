"""The live training loop without Qt: commands between steps, frame pacing, errors, stopping."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from ganstudio.core.commands import Command, Event, Mailbox
from ganstudio.core.loop import FRAME_S, FRAMES_IN_FLIGHT, MEASURE_NICE, Speed, TrainingLoop
from ganstudio.core.presets import load_preset
from ganstudio.core.trainer import Trainer


class Harness:
    """A TrainingLoop on a plain thread; what it emits is recorded with arrival times."""

    def __init__(self, factory=None, auto_frame_done=True):
        self.box = Mailbox()
        self.events: list[tuple[float, str, object]] = []
        self.auto = auto_frame_done
        self.loop = TrainingLoop(load_preset("ring-8").config, self.box, self._emit,
                                 trainer_factory=factory or (lambda c: Trainer(c, eval_samples=5000)))
        self.thread = threading.Thread(target=self.loop.run, daemon=True)
        self.thread.start()
        self.wait_for(lambda: self.snaps())

    def _emit(self, kind, payload):
        self.events.append((time.perf_counter(), kind, payload))
        if kind == Event.SNAPSHOT and self.auto:
            self.box.put(Command.FRAME_DONE)

    def snaps(self):
        return [(t, p) for t, k, p in self.events if k == Event.SNAPSHOT]

    def of(self, kind):
        return [p for _, k, p in self.events if k == kind]

    def wait_for(self, cond, timeout=15.0):
        t0 = time.perf_counter()
        while not cond():
            assert time.perf_counter() - t0 < timeout, "timed out"
            time.sleep(0.01)

    def stop(self):
        self.box.put(Command.STOP)
        self.thread.join(5)
        assert not self.thread.is_alive()


@pytest.fixture
def harness():
    made = []

    def start(**kwargs):
        h = Harness(**kwargs)
        made.append(h)
        return h

    yield start
    for h in made:
        h.stop()


def test_play_caps_frames_at_30_a_second_and_never_waits_for_them(harness):
    h = harness()
    h.box.put(Command.PLAY)
    time.sleep(1.5)
    h.box.put(Command.PAUSE)
    h.wait_for(lambda: h.of(Event.RUNNING_CHANGED)[-1:] == [False])
    times = [t for t, _ in h.snaps()[1:-1]]
    assert len(times) >= 5
    assert (len(times) - 1) / (times[-1] - times[0]) <= 1.0 / FRAME_S + 3
    steps = [s.step for _, s in h.snaps()]
    assert steps == sorted(steps) and steps[-1] > len(times)


def test_no_more_than_two_frames_wait_to_be_drawn(harness):
    h = harness(auto_frame_done=False)
    h.box.put(Command.PLAY)
    time.sleep(0.8)
    assert len(h.snaps()) == FRAMES_IN_FLIGHT == 2, "Snapshots piled up while the GUI was busy"
    steps_before = h.loop.trainer.step_count
    assert steps_before > 5, "training waited for the GUI"
    h.box.put(Command.FRAME_DONE)
    h.wait_for(lambda: len(h.snaps()) >= 3)
    time.sleep(0.3)
    assert len(h.snaps()) == 3


def test_paced_speed_draws_every_step(harness):
    h = harness()
    h.box.put(Command.SPEED, Speed(1, 0.05))
    h.box.put(Command.PLAY)
    h.wait_for(lambda: h.snaps()[-1][1].step >= 5)
    h.box.put(Command.PAUSE)
    assert {s.step for _, s in h.snaps()} >= set(range(0, 6))


def test_config_change_applies_between_steps_and_bad_one_is_refused(harness):
    h = harness()
    old = h.loop.trainer.config
    h.box.put(Command.SET_CONFIG, old.replace(lr_g=3e-4))
    h.wait_for(lambda: h.of(Event.CONFIG_APPLIED))
    assert h.loop.trainer.config.lr_g == 3e-4
    h.box.put(Command.SET_CONFIG, old.replace(distribution="file:/nonexistent/x.csv"))
    h.wait_for(lambda: h.of(Event.ERROR))
    assert "x.csv" in h.of(Event.ERROR)[-1]
    assert h.of(Event.CONFIG_APPLIED)[-1].lr_g == 3e-4  # the previous settings are kept


def test_non_finite_step_pauses_with_message(harness, failing_factory):
    h = harness(factory=failing_factory("g_loss became nan"))
    h.box.put(Command.PLAY)
    h.wait_for(lambda: h.of(Event.ERROR))
    assert "g_loss became nan" in h.of(Event.ERROR)[0]
    assert h.of(Event.RUNNING_CHANGED)[-1] is False


def test_every_command_has_a_case_of_its_own_in_the_loop():
    """A Command added without a case would end the loop as unknown the first time it is posted."""
    import ast
    import inspect

    from ganstudio.core import loop

    handled = set()
    for node in ast.walk(ast.parse(inspect.getsource(loop.TrainingLoop._handle).lstrip())):
        if isinstance(node, ast.MatchValue) and isinstance(node.value, ast.Attribute):
            assert isinstance(node.value.value, ast.Name) and node.value.value.id == "Command"
            handled.add(node.value.attr)
    assert handled == {c.name for c in Command}


def test_a_command_posted_as_its_string_reaches_the_same_case(harness):
    h = harness()
    h.box.put("play")
    h.wait_for(lambda: h.of(Event.RUNNING_CHANGED) == [True])
    h.box.put("pause")
    h.wait_for(lambda: h.of(Event.RUNNING_CHANGED) == [True, False])
    assert not any("unknown" in e for e in h.of(Event.ERROR))


def test_the_trainer_has_what_the_loop_reads_from_a_live_trainer():
    """LiveTrainer names the members the loop uses; the Trainer has each, with the same parameters."""
    import inspect

    from ganstudio.core.loop import LiveTrainer

    trainer = Trainer(load_preset("ring-8").config, eval_samples=2000)
    members = {name for name in vars(LiveTrainer) if not name.startswith("_")}
    assert members == {"config", "measured", "step", "reset", "apply_config", "snapshot", "measurement_job",
                       "accept_measurement"}
    for name in members:
        expected = getattr(LiveTrainer, name)
        if isinstance(expected, property):
            assert not callable(getattr(trainer, name)), name
        else:
            params = list(inspect.signature(expected).parameters)[1:]  # less self
            assert list(inspect.signature(getattr(trainer, name)).parameters) == params, name


def test_commands_and_events_pickle_to_the_same_member():
    import pickle

    for member in [*Command, *Event]:
        assert pickle.loads(pickle.dumps(member)) is member


def test_unknown_command_ends_the_loop_with_a_message(harness):
    h = harness()
    h.box.put("dance")
    h.thread.join(5)
    assert not h.thread.is_alive()
    assert "dance" in h.of(Event.ERROR)[-1]


def test_a_slow_first_measurement_does_not_space_out_the_later_ones(harness):
    """The first grid measurement fills caches (MLE fits, noise floor) and can take seconds;
    pacing by its cost spaced full Snapshots a minute or more apart (a stale heat map)."""
    def factory(config):
        trainer = Trainer(config, eval_samples=5000)
        measure, calls = trainer.measurer.measure, []

        def slow_first(t):
            calls.append(1)
            if len(calls) == 1:
                time.sleep(1.0)
            return measure(t)

        trainer.measurer.measure = slow_first
        return trainer

    h = harness(factory=factory)
    h.box.put(Command.PLAY)
    time.sleep(3.0)
    h.box.put(Command.PAUSE)
    assert len({s.metrics_step for _, s in h.snaps()}) >= 2  # with the bug: the next one after 33 s


def test_measurements_while_playing_run_beside_training(harness):
    """Playing, the grid measurements run on the measuring thread, on copies, so the
    training thread only takes their results; a frame in two refreshes manifold and arrows."""
    threads = []

    def factory(config):
        trainer = Trainer(config, eval_samples=5000)
        measure = trainer.measurer.measure

        def recorded(t):
            threads.append(threading.current_thread().name)
            return measure(t)

        trainer.measurer.measure = recorded
        return trainer

    h = harness(factory=factory)
    loop_thread = h.thread.name
    h.box.put(Command.PLAY)
    time.sleep(4.0)
    h.box.put(Command.PAUSE)
    h.wait_for(lambda: h.of(Event.RUNNING_CHANGED)[-1:] == [False])
    snaps = [s for _, s in h.snaps()]
    behind = [s for s in snaps if threads and s.metrics_step < s.step]
    assert behind  # cheap frames carry the last finished measurement
    assert threads[0] == loop_thread  # the first one fills caches: measured in line
    assert sum(1 for name in threads if name.startswith("measure")) >= 2
    steps = [s.metrics_step for s in snaps]
    assert steps == sorted(steps) and len(set(steps)) >= 3
    playing = snaps[1:-1]
    shared = sum(1 for a, b in zip(playing, playing[1:]) if b.manifold is a.manifold)
    assert 0.3 * len(playing) < shared < 0.7 * len(playing)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_measuring_thread_yields_to_the_gui_and_training(harness):
    """At MEASURE_NICE the measurement gives way whenever the GUI or the trainer shares its core."""
    seen = []

    def factory(config):
        trainer = Trainer(config, eval_samples=5000)
        measure = trainer.measurer.measure

        def recorded(t):
            seen.append((threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
            return measure(t)

        trainer.measurer.measure = recorded
        return trainer

    base = os.getpriority(os.PRIO_PROCESS, 0)
    if base >= MEASURE_NICE:
        pytest.skip("this process already runs at or below the measuring thread's priority")
    h = harness(factory=factory)
    h.box.put(Command.PLAY)
    h.wait_for(lambda: any(name.startswith("measure") for name, _ in seen))
    h.box.put(Command.PAUSE)
    assert all(nice == MEASURE_NICE for name, nice in seen if name.startswith("measure"))
    assert all(nice == base for name, nice in seen if not name.startswith("measure"))  # in line: unchanged
