"""Frames whose samples the receiving process draws from sent weights show exactly what the
trainer's own snapshot shows, follow every live change, and fall back for large networks."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from ganstudio.core.frames import SEND_WEIGHTS_MAX, NetWeights
from ganstudio.core.loop import finite_snapshot
from ganstudio.core.presets import load_preset
from ganstudio.core.remote import SnapshotReceiver, SnapshotSender
from ganstudio.core.trainer import Trainer

DRAWN = ("fake", "manifold", "fake_grad")


def _trainer(preset="ring-8", steps=5, **changes):
    trainer = Trainer(load_preset(preset).config.replace(**changes), eval_samples=4000)
    for _ in range(steps):
        trainer.step()
    return trainer


def _sent(sender, receiver, trainer, overlays=True):
    snap = trainer.snapshot(full=False, overlays=overlays, draw=False)
    assert isinstance(snap.fake, NetWeights)  # nothing was drawn in the "training process"
    return receiver.decode(pickle.loads(pickle.dumps(sender.encode(snap))))


def _assert_same_drawing(got, want):
    for name in DRAWN:
        a, b = getattr(got, name), getattr(want, name)
        assert a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5, err_msg=name)
        assert not a.flags.writeable


@pytest.mark.parametrize("preset,changes", [
    ("ring-8", {}),
    ("gaussian-1d", {}),  # one latent axis: a single row of manifold
    ("ring-8", {"g_ema": 0.99}),  # the averaged generator is the one shown
    ("ring-8", {"normalize": False, "noise": "uniform", "activation": "tanh"}),
    ("bimodal-1d", {"loss": "wgan-gp"}),  # a critic: the arrows are its raw gradient
    ("ring-8", {"d_hidden": 48}),  # D narrower than G: each drawn with its own width
])
def test_samples_drawn_from_sent_weights_equal_the_trainers_own(preset, changes):
    trainer = _trainer(preset, **changes)
    got = _sent(SnapshotSender(), SnapshotReceiver(), trainer)
    _assert_same_drawing(got, trainer.snapshot(full=False, overlays=True))
    assert got.step == trainer.step_count


def test_the_drawing_follows_live_changes_and_reuses_overlays_only_within_a_generation():
    trainer = _trainer()
    sender, receiver = SnapshotSender(), SnapshotReceiver()
    first = _sent(sender, receiver, trainer, overlays=True)
    trainer.step()
    second = _sent(sender, receiver, trainer, overlays=False)
    assert second.manifold is first.manifold and second.fake_grad is first.fake_grad  # kept, as the trainer keeps them
    assert not np.array_equal(second.fake, first.fake)
    # a change in place (new nonlinearity, same weights) and a rebuild (new width) both start a generation
    for change in ({"activation": "elu"}, {"hidden": 48}, {"normalize": False}):
        trainer.apply_config(trainer.config.replace(**change))
        trainer.step()
        got = _sent(sender, receiver, trainer, overlays=False)
        assert got.manifold is not first.manifold
        _assert_same_drawing(got, trainer.snapshot(full=False, overlays=True))


def test_large_networks_are_drawn_where_they_train():
    trainer = _trainer(steps=1, hidden=256, layers=3)
    assert sum(p.numel() for p in [*trainer.G.parameters(), *trainer.D.parameters()]) > SEND_WEIGHTS_MAX
    snap = trainer.snapshot(full=False, draw=False)
    assert all(isinstance(getattr(snap, name), np.ndarray) for name in DRAWN)


def test_non_finite_weights_make_a_frame_unfit_to_draw():
    trainer = _trainer(steps=1)
    assert finite_snapshot(trainer.snapshot(full=False, draw=False))
    with torch.no_grad():
        trainer.G.net[0].weight[0, 0] = float("nan")
    assert not finite_snapshot(trainer.snapshot(full=False, draw=False))
