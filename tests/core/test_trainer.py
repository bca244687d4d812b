"""The trainer: the k:m algorithm, live config changes, determinism, NaN recovery, snapshots."""

import math

import numpy as np
import pytest
import torch

from ganstudio.core.config import LOSSES, ConfigError, TrainConfig
from ganstudio.core.session import load_session, save_session
from ganstudio.core.frames import VIEW_SAMPLES
from ganstudio.core.devices import pick_device
from ganstudio.core.trainer import NonFiniteError, Trainer, lr_factor

SMALL = dict(hidden=16, layers=2, batch_size=64)


def make(**kw):
    return Trainer(TrainConfig(**{**SMALL, **kw}), eval_samples=20_000)


def weights(module):
    return [p.detach().clone() for p in module.parameters()]


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_deterministic_for_a_seed():
    a, b, c = make(seed=3), make(seed=3), make(seed=4)
    for t in (a, b, c):
        for _ in range(30):
            t.step()
    assert same(weights(a.G), weights(b.G)) and same(weights(a.D), weights(b.D))
    assert not same(weights(a.G), weights(c.G))


def test_k_discriminator_updates_then_m_generator_updates(monkeypatch):
    t = make(d_steps=3, g_steps=2)
    calls = []
    monkeypatch.setattr(t.opt_d, "step", lambda *a, **k: calls.append("D"))
    monkeypatch.setattr(t.opt_g, "step", lambda *a, **k: calls.append("G"))
    t.step()
    assert calls == ["D", "D", "D", "G", "G"]
    calls.clear()
    t.apply_config(t.config.replace(d_steps=1, g_steps=4))  # takes effect at the next step
    t.step()
    assert calls == ["D", "G", "G", "G", "G"]


def test_freezing_a_player_keeps_its_weights():
    t = make()
    g0, d0 = weights(t.G), weights(t.D)
    t.step(train_g=False)
    assert same(weights(t.G), g0) and not same(weights(t.D), d0)
    d1 = weights(t.D)
    t.step(train_d=False)
    assert same(weights(t.D), d1) and not same(weights(t.G), g0)
    assert t.step_count == 2
    assert math.isnan(t.history.losses()["g_loss"][0]) and math.isfinite(t.history.losses()["d_loss"][0])


def test_live_change_keeps_state_and_shape_change_rebuilds():
    t = make()
    for _ in range(10):
        t.step()
    g = weights(t.G)
    msgs = t.apply_config(t.config.replace(lr_d=1e-3, loss="hinge", batch_size=32, noise="uniform"))
    assert t.step_count == 10 and same(weights(t.G), g) and not any("rebuilt" in m for m in msgs)
    t.step()
    assert t.opt_d.param_groups[0]["lr"] == pytest.approx(1e-3)
    msgs = t.apply_config(t.config.replace(hidden=24))
    assert t.step_count == 0 and any("rebuilt" in m and "hidden" in m for m in msgs)
    assert t.G.net[0].out_features == 24


def test_activation_seed_and_standardisation_apply_in_place():
    """None of the three changes a tensor shape, so none may cost the training state."""
    t = make(g_ema=0.9)
    for _ in range(10):
        t.step()
    g, d = weights(t.G), weights(t.D)
    x = torch.tensor([[0.5, -1.0]], device=t.device)
    before = t.scaling.to_net(x)
    msgs = t.apply_config(t.config.replace(activation="tanh", seed=7, normalize=not t.config.normalize))
    assert t.step_count == 10 and same(weights(t.G), g) and same(weights(t.D), d)
    assert not any("rebuilt" in m for m in msgs) and len(msgs) == 3
    for net in (t.G, t.D, t.G_avg.module):
        kinds = {type(m) for m in net.modules()} - {torch.nn.Sequential, torch.nn.Linear, type(net)}
        assert kinds == {torch.nn.Tanh}
    assert not torch.allclose(t.scaling.to_net(x), before)  # the networks see the data on the other scale
    draws = torch.Generator(device=t.device).manual_seed(7)
    assert torch.equal(t.rng.get_state(), draws.get_state())  # the next batches come from the new seed
    t.step()
    assert t.step_count == 11
    t.reset()  # Reset starts the networks of the new seed, with its activation and scale
    fresh = Trainer(t.config, eval_samples=20_000)
    assert t.step_count == 0 and same(weights(t.G), weights(fresh.G)) and torch.equal(t.scaling.to_net(x), fresh.scaling.to_net(x))


def test_optimizer_switch_keeps_weights():
    t = make()
    t.step()
    g = weights(t.G)
    msgs = t.apply_config(t.config.replace(optimizer="sgd"))
    assert isinstance(t.opt_g, torch.optim.SGD) and same(weights(t.G), g) and msgs


def test_non_finite_loss_restores_last_good_weights():
    t = make()
    for _ in range(150):
        t.step()
    with torch.no_grad():
        t.D.net[0].weight[0, 0] = float("nan")
    with pytest.raises(NonFiniteError, match="non-finite"):
        t.step()
    assert t.step_count == 150
    assert all(torch.isfinite(p).all() for p in t.D.parameters())
    t.step()  # training goes on from the restored weights
    assert t.step_count == 151


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("dist", ["bimodal-1d", "ring-8"])
def test_every_loss_trains_and_snapshots(loss, dist):
    t = make(loss=loss, distribution=dist, noise_dim=2)
    for _ in range(5):
        t.step()
    s = t.snapshot()
    assert s.critic == (loss not in ("minimax", "nonsaturating"))
    assert ("value" in s.metrics) == (not s.critic)
    for arr in (s.fake, s.real, s.d_grid, s.d_star_grid, s.p_g_grid, s.history["d_loss"]):
        assert not arr.flags.writeable
    assert s.d_grid.shape == s.grid.shape == s.p_data_grid.shape
    assert s.fake.shape == (VIEW_SAMPLES, s.dim) and len(s.fake_grad) <= VIEW_SAMPLES and s.manifold.shape[-1] == s.dim
    # densities integrate to at most 1 over the grid
    assert s.p_data_grid.sum() * s.grid.cell == pytest.approx(1.0, abs=1e-3)
    assert s.p_g_grid.sum() * s.grid.cell <= 1.0 + 1e-6
    if s.modes is not None:
        assert s.metrics["modes_captured"] == s.modes.captured.sum()


def test_snapshot_is_isolated_from_training():
    t = make()
    s = t.snapshot()
    fake = s.fake.copy()
    for _ in range(20):
        t.step()
    np.testing.assert_array_equal(s.fake, fake)
    with pytest.raises(ValueError):
        s.fake[0, 0] = 1.0
    light = t.snapshot(full=False)
    assert light.metrics_step == s.metrics_step and light.step == 20


def test_session_resumes_exactly(tmp_path):
    a = make(g_ema=0.9, lr_schedule="cosine", schedule_steps=100)
    for _ in range(40):
        a.step()
    save_session(a, tmp_path / "s.pt", preset="ring-8")
    for _ in range(30):
        a.step()
    state, preset = load_session(tmp_path / "s.pt")
    b = Trainer(TrainConfig.from_dict(state["config"]), eval_samples=20_000)
    b.load_state_dict(state)
    assert preset == "ring-8" and b.step_count == 40
    for _ in range(30):
        b.step()
    assert same(weights(a.G), weights(b.G)) and same(weights(a.D), weights(b.D))
    assert same(weights(a.G_avg), weights(b.G_avg))


def test_session_rejects_foreign_files(tmp_path):
    bad = tmp_path / "x.pt"
    bad.write_text("hello")
    with pytest.raises(ConfigError, match="not a GAN Studio session"):
        load_session(bad)


def test_devices_and_schedules():
    assert pick_device("cpu").type == "cpu"
    assert pick_device("auto").type in ("cpu", "cuda", "mps")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="not available"):
            pick_device("cuda")
    assert lr_factor("constant", 500, 100) == 1.0
    assert lr_factor("cosine", 0, 100) == pytest.approx(1.0)
    assert lr_factor("cosine", 100, 100) == pytest.approx(0.01)
    assert lr_factor("linear", 50, 100) == pytest.approx(0.01 + 0.99 * 0.5)


def test_config_validation_and_parsing():
    with pytest.raises(ConfigError, match="loss"):
        TrainConfig(loss="bogus")
    with pytest.raises(ConfigError, match="d_steps"):
        TrainConfig(d_steps=0)
    with pytest.raises(ConfigError, match="unknown config key"):
        TrainConfig().with_assignments(["nope=1"])
    with pytest.raises(ConfigError, match="expected int"):
        TrainConfig().with_assignments(["hidden=wide"])
    c = TrainConfig().with_assignments(["hidden=64", "lr_d=0.001", "normalize=false", "loss=hinge"])
    assert (c.hidden, c.lr_d, c.normalize, c.loss) == (64, 0.001, False, "hinge")
    assert TrainConfig.from_json(c.to_json()) == c
    with pytest.raises(ConfigError, match="must be an integer"):
        TrainConfig.from_dict({"hidden": 1.5})


def test_recent_mean_of_a_loss_column():
    t = make()
    for _ in range(5):
        t.step()
    t.step(train_g=False)  # a frozen G leaves NaN, which the mean skips
    g = t.history.losses()["g_grad_norm"]
    assert t.history.recent_mean("g_grad_norm", 3) == pytest.approx(float(np.mean(g[2:5])))


def test_momentum_change_reaches_rmsprop_live():
    t = make(optimizer="rmsprop", momentum=0.0)
    t.step()
    t.apply_config(t.config.replace(momentum=0.5))
    assert all(g["momentum"] == 0.5 for g in t.opt_d.param_groups + t.opt_g.param_groups)


def test_cheap_snapshots_reuse_a_recent_loss_history_and_full_ones_refresh_it():
    t = make()
    for _ in range(5):
        t.step()
    a = t.snapshot(full=False)
    t.step()
    b = t.snapshot(full=False)  # within HISTORY_EVERY_S of a: the same arrays
    assert b.history["step"] is a.history["step"] and b.step == a.step + 1
    c = t.snapshot(full=True)
    assert len(c.history["step"]) == 6 and c.history["step"][-1] == 6
    assert c.metrics["d_loss"] == c.history["d_loss"][-1]  # the latest values are never stale


def test_latest_losses_skip_a_frozen_block_however_long():
    from ganstudio.core.history import History

    h = History()
    h.append(1, {"d_loss": 0.5, "g_loss": 0.7})
    for step in range(2, 3000):
        h.append(step, {"g_loss": 0.1 * step})  # D frozen: its column is NaN
    assert h.latest_losses() == {"d_loss": 0.5, "g_loss": 0.1 * 2999}


def test_generator_updates_leave_the_discriminators_gradients_alone(monkeypatch):
    """D is frozen while G updates (its weight gradients are not needed), so the recorded
    |grad D| is that of D's own update, and D trains again afterwards."""
    t = make(d_steps=1, g_steps=3)
    seen = {}
    original = t.opt_d.step

    def spy(*args, **kwargs):
        seen["grads"] = [p.grad.clone() for p in t.D.parameters()]
        return original(*args, **kwargs)

    monkeypatch.setattr(t.opt_d, "step", spy)
    record = t.step()
    assert all(torch.equal(g, p.grad) for g, p in zip(seen["grads"], t.D.parameters()))
    assert all(p.requires_grad for p in t.D.parameters())
    expected = torch.linalg.vector_norm(torch.stack([g.norm() for g in seen["grads"]])).item()
    assert record["d_grad_norm"] == pytest.approx(expected, rel=1e-5)
    assert record["g_grad_norm"] > 0


def test_metric_history_is_rebuilt_only_by_a_full_snapshot():
    t = make()
    t.step()
    a = t.snapshot(full=True)
    t.step()
    b = t.snapshot(full=False)
    assert b.metric_history["step"] is a.metric_history["step"]  # sent to the window once, not every frame
    c = t.snapshot(full=True)
    assert list(c.metric_history["step"]) == [1, 2]


def test_a_measurement_job_measures_the_networks_as_they_were_when_it_was_made():
    t = make(distribution="ring-8")
    for _ in range(20):
        t.step()
    t.snapshot(full=True)  # caches filled
    job, step = t.measurement_job(), t.step_count
    expected = t.measurer.measure(t)  # the same state, measured at once
    for _ in range(20):  # training goes on while the job waits (as on the measuring thread)
        t.step()
    result = job()
    assert result[1]["step"] == step
    assert np.array_equal(result[1]["d_grid"], expected["d_grid"])
    assert result[1]["metrics"] == pytest.approx(expected["metrics"])
    assert t.accept_measurement(result)
    assert t.snapshot(full=False).metrics_step == step


@pytest.mark.parametrize("change", ["config", "reset", "nan-restore"])
def test_a_measurement_of_networks_since_changed_is_dropped(change):
    t = make(distribution="ring-8")
    t.step()
    t.snapshot(full=True)
    before = t.snapshot(full=False).metrics_step
    job = t.measurement_job()
    if change == "config":
        t.apply_config(t.config.replace(lr_d=1e-3))  # no rebuild, but D's output may mean something else now
    elif change == "reset":
        t.reset()
    else:
        t._restore(t._good)
    assert not t.accept_measurement(job())
    if change != "reset":
        assert t.snapshot(full=False).metrics_step == before
    assert t.accept_measurement(t.measurement_job()())


def test_a_snapshot_without_overlays_reuses_the_last_manifold_and_arrows():
    t = make(distribution="ring-8")
    a = t.snapshot(full=True)
    t.step()
    b = t.snapshot(full=False, overlays=False)
    assert b.manifold is a.manifold and b.fake_grad is a.fake_grad
    assert not np.array_equal(b.fake, a.fake)  # the points themselves are fresh
    c = t.snapshot(full=False)
    assert c.manifold is not a.manifold and not np.array_equal(c.manifold, a.manifold)
    t.apply_config(t.config.replace(hidden=8))  # new networks: nothing of the old ones is reused
    d = t.snapshot(full=False, overlays=False)
    assert d.manifold is not c.manifold and d.fake_grad is not c.fake_grad


def test_grad_norms_follow_a_network_swapped_in():
    """The parameter lists a step reads are cached per network object, so a new G is seen at once."""
    t = make()
    t.step()
    t.G = torch.nn.Sequential(torch.nn.Linear(t.config.noise_dim, 2)).to(t.device)  # a different, smaller generator
    t._make_optimizers()
    record = t.step()
    expected = math.sqrt(sum(float(p.grad.norm()) ** 2 for p in t.G.parameters()))
    assert record["g_grad_norm"] == pytest.approx(expected, rel=1e-5)
