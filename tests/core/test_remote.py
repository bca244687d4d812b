"""Training in a child process: Snapshots cross intact and read-only, unchanged arrays stay the
same objects, commands reach the child, and stopping is prompt whatever the child is doing."""

from __future__ import annotations

import time

import numpy as np
import pytest

from ganstudio.core.commands import Command, Event
from ganstudio.core.presets import load_preset
from ganstudio.core.remote import EXITED, SnapshotReceiver, SnapshotSender, TrainingProcess
from ganstudio.core.trainer import Trainer


def _roundtrip(sender, receiver, snap):
    import pickle

    return receiver.decode(pickle.loads(pickle.dumps(sender.encode(snap))))


def test_snapshots_cross_equal_read_only_and_unchanged_fields_keep_identity():
    trainer = Trainer(load_preset("ring-8").config, eval_samples=5000)
    sender, receiver = SnapshotSender(), SnapshotReceiver()
    first = trainer.snapshot(full=True)
    a = _roundtrip(sender, receiver, first)
    np.testing.assert_array_equal(a.fake, first.fake)
    np.testing.assert_array_equal(a.d_grid, first.d_grid)
    assert a.metrics == first.metrics and a.config == first.config and a.step == first.step
    for arr in (a.fake, a.d_grid, a.grid.xs, a.modes.centres, a.history["d_loss"]):
        assert not arr.flags.writeable
    trainer.step()
    b = _roundtrip(sender, receiver, trainer.snapshot(full=False))
    assert b.d_grid is a.d_grid and b.real is a.real and b.grid is a.grid  # the views skip redrawing these
    assert b.latent is a.latent  # the fixed noise is sent once
    assert b.history["d_loss"] is a.history["d_loss"] or len(b.history["d_loss"]) == len(a.history["d_loss"]) + 1
    assert b.step == a.step + 1 and not np.array_equal(b.fake, a.fake)
    c = _roundtrip(sender, receiver, trainer.snapshot(full=True))
    assert c.d_grid is not b.d_grid


def _collect(process, until, timeout=30.0):
    got, t0 = [], time.perf_counter()
    while not until(got):
        assert time.perf_counter() - t0 < timeout, f"timed out; got {[k for k, _ in got]}"
        got += process.receive(0.05)
    return got


@pytest.fixture
def process():
    p = TrainingProcess(load_preset("ring-8").config)
    yield p
    p.stop()


def test_child_trains_takes_commands_and_stops_promptly(process):
    got = _collect(process, lambda g: any(k == Event.SNAPSHOT for k, _ in g))
    assert got[0][0] is Event.SNAPSHOT and got[0][1].step == 0
    process.send(Command.PLAY)
    process.send(Command.FRAME_DONE)

    def trained(g):
        for k, payload in g:
            if k == Event.SNAPSHOT:
                process.send(Command.FRAME_DONE)
        return any(k == Event.SNAPSHOT and p.step >= 10 for k, p in g)

    _collect(process, trained)
    process.send(Command.SET_CONFIG, load_preset("ring-8").config.replace(lr_d=5e-4))
    got = _collect(process, lambda g: any(k == Event.CONFIG_APPLIED for k, _ in g))
    assert [p for k, p in got if k == Event.CONFIG_APPLIED][0].lr_d == 5e-4
    time.sleep(0.5)  # unread Snapshots pile up in the pipe: stop must still be prompt
    t0 = time.perf_counter()
    process.stop()
    assert time.perf_counter() - t0 < 1.0
    assert process.process.exitcode == 0


def test_a_dead_child_is_reported(process):
    _collect(process, lambda g: any(k == Event.SNAPSHOT for k, _ in g))
    process.process.kill()
    got = _collect(process, lambda g: any(k == EXITED for k, _ in g))
    assert [p for k, p in got if k == EXITED][0] != 0


def test_the_results_pipe_holds_frames_in_flight_so_the_child_never_waits_to_send(process):
    """A frame carrying weights is bigger than a default pipe (64 KB): sending it would wait for the window."""
    import fcntl
    import pickle

    from ganstudio.core.loop import FRAMES_IN_FLIGHT

    if not hasattr(fcntl, "F_GETPIPE_SZ"):
        pytest.skip("pipe sizes are Linux only")
    trainer, sender = Trainer(load_preset("ring-8").config, eval_samples=4000), SnapshotSender()
    sender.encode(trainer.snapshot(full=True, draw=False))
    trainer.step()  # a frame while playing: the grids and P_data's samples went with the first
    size = len(pickle.dumps(sender.encode(trainer.snapshot(full=False, draw=False))))
    assert size > 64 * 1024
    assert fcntl.fcntl(process._results.fileno(), fcntl.F_GETPIPE_SZ) >= (FRAMES_IN_FLIGHT + 2) * size
