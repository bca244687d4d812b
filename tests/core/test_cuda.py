"""The GPU path: training, snapshots, moving between devices, sessions, NaN recovery, the
training process and the benchmark on CUDA. Skipped where torch sees no CUDA device (CI);
run on a GPU machine with `python -m pytest tests/core`. (On such a machine every other core
test also runs on CUDA, since the default device is `auto`.)"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from ganstudio.core.bench import run_benchmarks
from ganstudio.core.config import TrainConfig
from ganstudio.core.presets import load_preset
from ganstudio.core.remote import TrainingProcess
from ganstudio.core.session import load_session, save_session
from ganstudio.core.trainer import NonFiniteError, Trainer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")

SMALL = dict(hidden=32, layers=2, batch_size=128)


def make(device: str, **kw) -> Trainer:
    return Trainer(TrainConfig(**{**SMALL, "device": device, **kw}), eval_samples=20_000)


def host_weights(module) -> list[torch.Tensor]:
    return [p.detach().cpu().clone() for p in module.parameters()]


def test_auto_picks_cuda_and_the_networks_live_there():
    t = make("auto")
    assert t.device.type == "cuda"
    assert all(p.is_cuda for p in [*t.G.parameters(), *t.D.parameters()])
    for _ in range(20):
        t.step()
    assert t.step_count == 20 and t.steps_per_s > 0


@pytest.mark.parametrize("dist", ["gaussian-1d", "ring-8"])
def test_snapshots_from_cuda_are_read_only_host_arrays_with_finite_metrics(dist):
    t = make("cuda", distribution=dist, noise_dim=1 if dist.endswith("1d") else 2)
    for _ in range(30):
        t.step()
    snap = t.snapshot(full=True)
    for arr in (snap.fake, snap.real, snap.d_grid, snap.d_star_grid, snap.p_g_grid, snap.p_data_grid):
        assert isinstance(arr, np.ndarray) and not arr.flags.writeable and np.isfinite(arr).all()
    assert all(math.isfinite(v) for v in snap.metrics.values())
    light = t.snapshot(full=False)
    assert light.step == 30 and np.isfinite(light.fake).all()


def test_moving_to_cuda_and_back_keeps_weights_step_and_optimizer_state():
    t = make("cpu")
    for _ in range(25):
        t.step()
    before = host_weights(t.G)
    messages = t.apply_config(t.config.replace(device="cuda"))
    assert any("moved training to cuda" in m for m in messages)
    assert t.device.type == "cuda" and t.step_count == 25
    assert all(torch.equal(a, b) for a, b in zip(before, host_weights(t.G)))
    assert all(s["exp_avg"].is_cuda for s in t.opt_g.state.values())  # Adam's moments moved too
    for _ in range(10):
        t.step()
    t.apply_config(t.config.replace(device="cpu"))
    assert t.device.type == "cpu" and t.step_count == 35
    t.step()


def test_a_session_saved_on_cuda_resumes_on_the_cpu(tmp_path):
    a = make("cuda", g_ema=0.9)
    for _ in range(40):
        a.step()
    save_session(a, tmp_path / "s.pt", preset="ring-8")
    state, _ = load_session(tmp_path / "s.pt")
    state["config"]["device"] = "cpu"
    b = Trainer(TrainConfig.from_dict(state["config"]), eval_samples=20_000)
    b.load_state_dict(state)
    assert b.device.type == "cpu" and b.step_count == 40
    assert all(torch.equal(x, y) for x, y in zip(host_weights(a.G), host_weights(b.G)))
    b.step()
    assert b.step_count == 41


def test_non_finite_loss_on_cuda_restores_the_last_good_weights():
    t = make("cuda")
    for _ in range(120):
        t.step()
    with torch.no_grad():
        t.D.net[0].weight[0, 0] = float("nan")
    with pytest.raises(NonFiniteError):
        t.step()
    assert all(torch.isfinite(p).all() for p in t.D.parameters())
    t.step()
    assert t.step_count == 121


def test_the_training_process_trains_on_cuda():
    process = TrainingProcess(load_preset("ring-8").config.replace(device="cuda"))
    try:
        got, t0 = [], time.perf_counter()
        process.send("play")
        while not any(kind == "snapshot" and value.step > 50 for kind, value in got):
            assert time.perf_counter() - t0 < 60, f"no progress; got {[k for k, _ in got]}"
            got += process.receive(0.05)
            process.send("frame_done")
        errors = [value for kind, value in got if kind == "error"]
        assert not errors, errors
    finally:
        process.stop()


def test_bench_times_the_trainer_on_cuda():
    report = run_benchmarks(seconds=0.6, device="cuda")
    assert report["device"] == "cuda"
    assert report["trainer_steps_per_s"] > 0 and report["bare_steps_per_s"] > 0 and report["flops_per_step"] > 0


def test_a_measurement_on_another_thread_reads_its_own_copies_while_cuda_trains():
    """The live loop measures on a second thread while the first keeps training on the GPU."""
    t = make("cuda", distribution="ring-8")
    for _ in range(10):
        t.step()
    t.snapshot(full=True)  # caches filled
    job, expected = t.measurement_job(), t.measurer.measure(t)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(job)
        for _ in range(30):
            t.step()
        result = running.result()
    assert result[1]["step"] == expected["step"]
    np.testing.assert_allclose(result[1]["d_grid"], expected["d_grid"], rtol=1e-5, atol=1e-6)
    assert result[1]["metrics"] == pytest.approx(expected["metrics"], rel=1e-5, abs=1e-8)
    assert t.accept_measurement(result)


def test_a_frame_from_cuda_carries_host_weights_that_draw_what_the_trainer_draws():
    """The window's process draws a CUDA trainer's frame on its CPU from one host copy of the weights."""
    import pickle

    from ganstudio.core.frames import NetWeights
    from ganstudio.core.remote import SnapshotReceiver, SnapshotSender

    t = make("cuda", distribution="ring-8", g_ema=0.9)
    for _ in range(20):
        t.step()
    sent = t.snapshot(full=False, draw=False)
    assert isinstance(sent.fake, NetWeights) and isinstance(sent.fake.values, np.ndarray)
    got = SnapshotReceiver().decode(pickle.loads(pickle.dumps(SnapshotSender().encode(sent))))
    want = t.snapshot(full=False, overlays=True)
    for name in ("fake", "manifold", "fake_grad"):  # CPU and GPU kernels round differently
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-3, atol=1e-4, err_msg=name)


def test_the_conv_image_pair_trains_and_measures_on_cuda():
    t = Trainer(TrainConfig(distribution="digits-28", image_model="conv", hidden=32, noise_dim=32, batch_size=64,
                            device="cuda", r1_gamma=1.0), eval_samples=500)
    assert all(p.is_cuda for p in [*t.G.parameters(), *t.D.parameters()])
    t.train(30)
    snap = t.snapshot(full=True)
    assert snap.images.fake.shape == (64, 1, 28, 28) and np.isfinite(snap.images.fake).all()
    assert math.isfinite(snap.metrics["fid"]) and snap.metrics["classes_total"] == 10

