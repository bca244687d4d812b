"""`ganstudio bench`: the bare loop mirrors the preset (R1 and the minimax loss included), the FLOP
count works with the gradient penalties, and an unsupported setting is a clear error."""

from __future__ import annotations

import pytest
import torch

from ganstudio.cli import main
from ganstudio.core.bench import bare_loop, run_benchmarks, step_flops
from ganstudio.core.config import ConfigError
from ganstudio.core.presets import load_preset
from ganstudio.core.trainer import Trainer


def test_bench_reports_a_ratio_and_flops_for_the_mode_collapse_preset():
    """Its hinge loss, replay and own D width must all be in the bare loop too."""
    report = run_benchmarks(preset="mode-collapse", seconds=0.3, device="cpu")
    assert report["device"] == "cpu"
    assert report["model"] == "2 x 128 relu, D 2 x 256, hinge, replay 4096, batch 256, 1 D : 5 G"
    assert report["trainer_steps_per_s"] > 0 and report["bare_steps_per_s"] > 0
    assert report["flops_per_step"] > 0 and 0 < report["fraction_of_matmul_peak"]


def test_flop_count_grows_with_the_r1_penalty_and_the_d_steps():
    base = load_preset("ring-8").config.replace(device="cpu", hidden=16)
    plain, r1, two = (step_flops(Trainer(base.replace(**k), eval_samples=2000))
                      for k in ({}, {"r1_gamma": 1.0}, {"d_steps": 2}))
    assert r1 > plain  # the penalty's double backward is counted, not skipped or crashing
    assert two > plain


@pytest.mark.parametrize("loss,extra", [("nonsaturating", {}), ("minimax", {}), ("hinge", {}),
                                        ("nonsaturating", {"d_replay": 512, "d_hidden": 24})])
def test_bare_loop_runs_the_presets_losses_with_r1(loss, extra):
    config = load_preset("ring-8").config.replace(device="cpu", loss=loss, r1_gamma=1.0, hidden=16, **extra)
    step = bare_loop(config, torch.device("cpu"))
    for _ in range(30):  # long enough for the replay to start
        d_loss, g_loss = step()
    assert d_loss == d_loss and g_loss == g_loss  # finite numbers came back


def test_the_bare_loops_losses_are_the_trainers():
    """Written out separately in the bench, they must still be the same objectives."""
    from ganstudio.core import losses
    from ganstudio.core.bench import BARE_LOSSES

    real, fake = torch.randn(64) * 3, torch.randn(64) * 3
    for kind, (d_of, g_of) in BARE_LOSSES.items():
        assert torch.allclose(d_of(real, fake), losses.d_loss(kind, real, fake)), kind
        assert torch.allclose(g_of(fake), losses.g_loss(kind, fake)), kind


def test_bench_refuses_a_loss_its_bare_loop_does_not_have():
    with pytest.raises(ConfigError, match="bare loop"):
        bare_loop(load_preset("ring-8").config.replace(loss="wgan-gp"), torch.device("cpu"))


def test_bench_cli_rejects_a_bad_preset_in_one_line(capsys):
    assert main(["bench", "--preset", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown preset" in err[0]


def test_interleaved_rates_compare_two_loops_in_the_same_slices():
    import time

    from ganstudio.core.bench import interleaved_rates

    slow, fast = (lambda: time.sleep(0.004)), (lambda: time.sleep(0.002))
    ours, base, ratio = interleaved_rates(slow, fast, 0.8, torch.device("cpu"))
    assert 0 < ours < base and 0.35 < ratio < 0.75  # about half as many steps in the same time
