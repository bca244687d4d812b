"""D's replay of earlier fakes and D's own width: what D trains on, state kept through
restores and sessions, and live changes."""

from __future__ import annotations

import pytest
import torch

from ganstudio.core.config import ConfigError, TrainConfig
from ganstudio.core.replay import PUSH_PER_UPDATE, REPLAY_SHARE, FakeReplay
from ganstudio.core.session import load_session, save_session
from ganstudio.core.trainer import NonFiniteError, Trainer

SMALL = dict(hidden=16, layers=2, batch_size=64)


def make(**kw):
    return Trainer(TrainConfig(**{**SMALL, **kw}), eval_samples=20_000)


def rows(a: torch.Tensor) -> set[tuple[float, ...]]:
    return {tuple(r) for r in a.tolist()}


def test_the_buffer_keeps_the_first_fakes_of_each_update_and_wraps_round():
    buf = FakeReplay(size=80, item_shape=(2,), device=torch.device("cpu"))
    rng = torch.Generator().manual_seed(0)
    batches = [torch.full((64, 2), float(i)) + torch.arange(64.0)[:, None] / 100 for i in range(3)]
    assert buf.mix(batches[0], rng) is batches[0]  # 32 kept: too few to replay yet
    out = buf.mix(batches[1], rng)
    k = int(64 * REPLAY_SHARE)
    assert torch.equal(out[: 64 - k], batches[1][: 64 - k])  # the fresh part, in order
    assert rows(out[64 - k:]) <= rows(torch.cat([batches[0][:32], batches[1][:32]]))  # the rest replayed
    buf.mix(batches[2], rng)
    # the third update's first 16 filled the buffer (80), its next 16 overwrote the oldest 16
    assert len(buf.fakes) == 80 and buf.pos == 16
    assert rows(buf.fakes) == rows(torch.cat([batches[0][16:32], batches[1][:32], batches[2][:32]]))


def test_a_buffer_smaller_than_one_push_keeps_the_newest_rows():
    buf = FakeReplay(size=5, item_shape=(1,), device=torch.device("cpu"))
    rng = torch.Generator().manual_seed(0)
    buf.mix(torch.arange(64.0)[:, None], rng)
    buf.mix(torch.arange(100.0, 164.0)[:, None], rng)
    assert len(buf.fakes) == 5 and rows(buf.fakes) == {(v,) for v in range(127, 132)}


def test_half_of_each_d_fake_batch_comes_from_where_g_has_been(monkeypatch):
    t = make(d_replay=256)
    for _ in range(10):
        t.step()
    kept = t.replay.fakes.clone()
    assert len(kept) == 256 and PUSH_PER_UPDATE * 10 >= 256
    seen = []
    forward = t.D.forward
    monkeypatch.setattr(t.D, "forward", lambda x: (seen.append(x.detach().clone()), forward(x))[1])
    t.step(train_g=False)
    fake = seen[1]  # D sees the real batch, then the fakes
    half = int(len(fake) * REPLAY_SHARE)
    assert rows(fake[-half:]) <= rows(kept) | rows(t.replay.fakes)
    assert not rows(fake[:-half]) & rows(kept)  # the fresh half is G's present samples


def test_replay_is_deterministic_for_a_seed_and_changes_training():
    a, b, plain = make(d_replay=512, seed=5), make(d_replay=512, seed=5), make(seed=5)
    for t in (a, b, plain):
        for _ in range(30):
            t.step()
    for p, q, r in zip(a.D.parameters(), b.D.parameters(), plain.D.parameters()):
        assert torch.equal(p, q)
    assert not all(torch.equal(p, r) for p, r in zip(a.D.parameters(), plain.D.parameters()))


def test_a_non_finite_step_restores_the_buffer_with_the_weights():
    t = make(d_replay=512)
    for _ in range(120):
        t.step()
    with torch.no_grad():
        t.G.net[0].weight.fill_(float("nan"))  # G's fakes, pushed into the buffer, are NaN now
    with pytest.raises(NonFiniteError):
        t.step()
    assert torch.isfinite(t.replay.fakes).all() and len(t.replay.fakes) == 512
    t.step()


def test_a_session_resumes_with_the_buffer(tmp_path):
    a = make(d_replay=1024, d_hidden=24)
    for _ in range(40):
        a.step()
    save_session(a, tmp_path / "s.pt")
    for _ in range(20):
        a.step()
    state, _ = load_session(tmp_path / "s.pt")
    b = Trainer(TrainConfig.from_dict(state["config"]), eval_samples=20_000)
    b.load_state_dict(state)
    for _ in range(20):
        b.step()
    for p, q in zip([*a.G.parameters(), *a.D.parameters()], [*b.G.parameters(), *b.D.parameters()]):
        assert torch.equal(p, q)


def test_replay_turns_on_and_off_live_without_a_rebuild():
    t = make()
    for _ in range(5):
        t.step()
    g = [p.clone() for p in t.G.parameters()]
    msgs = t.apply_config(t.config.replace(d_replay=128))
    assert t.replay is not None and len(t.replay.fakes) == 0 and "replay" in msgs[0]
    assert t.step_count == 5 and all(torch.equal(p, q) for p, q in zip(g, t.G.parameters()))
    t.step()
    assert len(t.replay.fakes) == PUSH_PER_UPDATE
    t.apply_config(t.config.replace(d_replay=0))
    assert t.replay is None
    t.step()


def test_d_has_its_own_width_and_a_change_rebuilds():
    t = make(d_hidden=48)
    assert t.D.net[0].out_features == 48 and t.G.net[0].out_features == 16
    assert make().D.net[0].out_features == 16  # 0: the same as G's
    for _ in range(3):
        t.step()
    msgs = t.apply_config(t.config.replace(d_hidden=32))
    assert "d_hidden" in msgs[0] and t.step_count == 0 and t.D.net[0].out_features == 32


@pytest.mark.parametrize("key,value", [("d_hidden", -1), ("d_replay", -5)])
def test_bad_values_are_refused(key, value):
    with pytest.raises(ConfigError, match=key):
        TrainConfig(**{key: value})
