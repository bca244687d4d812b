"""`ganstudio bench`: the trainer against a bare PyTorch loop, and the FLOP rate of a step.

Both loops run in the same process, interleaved, on the same model sizes, data and
batch, so the ratio is meaningful on a loaded machine; the absolute figures are not.
"""

from __future__ import annotations

import os
import statistics
import time

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from .errors import ConfigError
from .sources import get_distribution
from .images.distribution import ImageDistribution
from .images.nets import build_image_nets, default_kind
from .models import mlp
from .presets import load_preset
from .replay import FakeReplay
from .devices import pick_device
from .trainer import Trainer

# The two loops alternate in slices this short, in both orders, and each pair of neighbouring slices
# gives a ratio: the speed of this VM drifts by +-20% from one second to the next, and 3 rounds of a
# second or more read anywhere from 0.86 to 1.1 for the same code.
SLICE_S = 0.2
MIN_PAIRS = 4


# (D loss of real and fake outputs, G loss of fake outputs), written out here rather than taken
# from core.losses, so the baseline shares no code with what it measures
BARE_LOSSES = {
    "nonsaturating": (lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean(), lambda f: F.softplus(-f).mean()),
    "minimax": (lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean(), lambda f: -F.softplus(f).mean()),
    "hinge": (lambda r, f: F.relu(1 - r).mean() + F.relu(1 + f).mean(), lambda f: -f.mean()),
}


def describe_model(config) -> str:
    """One line naming what is timed: the networks, the loss and what D trains with."""
    parts = [f"{config.layers} x {config.hidden} {config.activation}"]
    if config.d_width != config.hidden:
        parts.append(f"D {config.layers} x {config.d_width}")
    parts.append(config.loss)
    if config.r1_gamma > 0:
        parts.append(f"R1 {config.r1_gamma:g}")
    if config.d_replay > 0:
        parts.append(f"replay {config.d_replay}")
    parts += [f"batch {config.batch_size}", f"{config.d_steps} D : {config.g_steps} G"]
    return ", ".join(parts)


def bare_loop(config, device: torch.device):
    """The same GAN written as the shortest plain PyTorch loop: the baseline for overhead."""
    if config.loss not in BARE_LOSSES or config.optimizer != "adam":
        raise ConfigError(f"bench: the bare loop is written for Adam with the {', '.join(BARE_LOSSES)} losses, "
                          f"not {config.optimizer} / {config.loss}")
    dist = get_distribution(config.distribution)
    torch.manual_seed(config.seed)
    if isinstance(dist, ImageDistribution):  # the app's image nets, trained in [-1, 1]
        kind = default_kind(dist.shape) if config.image_model == "auto" else config.image_model
        G, D = build_image_nets(kind, config.noise_dim, dist.shape, config.hidden, config.layers, config.activation,
                                config.spectral_norm, config.d_hidden)
        G, D = G.to(device), D.to(device)
        shift, scale, item = 0.5, 0.5, dist.shape
    else:
        mean, scale = dist.moments
        shift = torch.as_tensor(mean, dtype=torch.float32, device=device)
        G = mlp(config.noise_dim, dist.dim, config.hidden, config.layers, config.activation).to(device)
        D = mlp(dist.dim, 1, config.d_width, config.layers, config.activation).to(device)
        item = (dist.dim,)
    opt_g = torch.optim.Adam(G.parameters(), lr=config.lr_g, betas=(config.beta1, config.beta2), fused=True)
    opt_d = torch.optim.Adam(D.parameters(), lr=config.lr_d, betas=(config.beta1, config.beta2), fused=True)
    gen = torch.Generator(device=device).manual_seed(config.seed)
    b = config.batch_size
    loss_d_of, loss_g_of = BARE_LOSSES[config.loss]
    replay = FakeReplay(config.d_replay, item, device) if config.d_replay else None

    def step():
        for _ in range(config.d_steps):
            real = (dist.sample(b, gen) - shift) / scale
            fake = G(torch.randn(b, config.noise_dim, generator=gen, device=device)).detach()
            if replay is not None:
                fake = replay.mix(fake, gen)
            if config.r1_gamma > 0:
                real.requires_grad_(True)
            real_logit = D(real)
            loss_d = loss_d_of(real_logit, D(fake))
            if config.r1_gamma > 0:  # R1: gamma/2 E |grad_x D(x)|^2 on real data
                (grad,) = torch.autograd.grad(real_logit.sum(), real, create_graph=True)
                loss_d = loss_d + 0.5 * config.r1_gamma * grad.pow(2).flatten(1).sum(1).mean()
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
        for _ in range(config.g_steps):
            fake_logit = D(G(torch.randn(b, config.noise_dim, generator=gen, device=device)))
            loss_g = loss_g_of(fake_logit)
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
        return loss_d.item(), loss_g.item()

    return step


def steps_per_second(step, seconds: float, device: torch.device, warm_up: int = 20) -> float:
    for _ in range(warm_up):  # allocator, autograd graph caches
        step()
    _sync(device)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        n += 1
    _sync(device)
    return n / (time.perf_counter() - t0)


def interleaved_rates(ours, base, seconds: float, device: torch.device) -> tuple[float, float, float]:
    """Median steps/s of two step functions run in alternating slices, and the median over
    neighbouring pairs of their ratio (ours / base); each pair runs in the other order from the last."""
    steps_per_second(ours, 0.0, device)  # warm-up, once
    steps_per_second(base, 0.0, device)
    pairs = max(MIN_PAIRS, round(seconds / (2 * SLICE_S)))
    rates_ours, rates_base, ratios = [], [], []
    for i in range(pairs):
        if i % 2 == 0:
            a = steps_per_second(ours, SLICE_S, device, warm_up=0)
            b = steps_per_second(base, SLICE_S, device, warm_up=0)
        else:
            b = steps_per_second(base, SLICE_S, device, warm_up=0)
            a = steps_per_second(ours, SLICE_S, device, warm_up=0)
        rates_ours.append(a)
        rates_base.append(b)
        ratios.append(a / b)
    return statistics.median(rates_ours), statistics.median(rates_base), statistics.median(ratios)


def matmul_rate(device: torch.device, n: int, m: int | None = None, k: int | None = None, seconds: float = 1.0) -> float:
    """Measured float32 FLOP/s of an (n x k) @ (k x m) product."""
    m, k = m or n, k or n
    a = torch.randn(n, k, device=device)
    b = torch.randn(k, m, device=device)
    for _ in range(3):
        a @ b
    _sync(device)
    reps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        reps += 1
    _sync(device)
    return 2.0 * n * m * k * reps / (time.perf_counter() - t0)


class _OneParent:
    """Stands in for FlopCounterMode's module tracker, whose hooks make autograd.grad (the R1 and
    WGAN-GP penalties) fail on torch 2.11-2.13; only the total is wanted, booked to one parent."""

    parents = {"Global"}

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False


def step_flops(trainer: Trainer) -> int:
    counter = FlopCounterMode(display=False)
    counter.mod_tracker = _OneParent()
    with counter:
        trainer.step()
    return counter.get_total_flops()


def run_benchmarks(preset: str = "ring-8", seconds: float = 4.0, device: str | None = None) -> dict:
    """`device` overrides the preset's (auto) so one machine can compare its CPU and GPU."""
    config = load_preset(preset).config
    if device is not None:
        config = config.replace(device=device)
    device = pick_device(config.device)
    trainer = Trainer(config)
    bare = bare_loop(config, device)
    trainer_rate, bare_rate, ratio = interleaved_rates(trainer.step, bare, seconds, device)
    flops = step_flops(trainer)
    peak = matmul_rate(device, 1024)
    threads = torch.get_num_threads()
    torch.set_num_threads(os.cpu_count() or 1)
    try:
        all_cores = matmul_rate(device, 1024)
    finally:
        torch.set_num_threads(threads)
    shaped = matmul_rate(device, config.batch_size, config.hidden, config.hidden)
    achieved = flops * trainer_rate
    return {
        "preset": preset,
        "device": device.type,
        "threads": torch.get_num_threads(),
        "model": describe_model(config),
        "trainer_steps_per_s": trainer_rate,
        "bare_steps_per_s": bare_rate,
        "ratio": ratio,
        "flops_per_step": flops,
        "achieved_flop_s": achieved,
        "matmul_1024_flop_s": peak,
        "matmul_layer_shape_flop_s": shaped,
        "matmul_1024_all_cores_flop_s": all_cores,
        "cpu_count": os.cpu_count(),
        "fraction_of_matmul_peak": achieved / peak,
    }


def format_report(r: dict) -> str:
    g = 1e9
    rows = [
        f"GAN Studio benchmark: preset {r['preset']} on {r['device']} ({r['threads']} torch thread(s)); {r['model']}",
        f"  trainer            {r['trainer_steps_per_s']:9.1f} steps/s",
        f"  bare PyTorch loop  {r['bare_steps_per_s']:9.1f} steps/s",
        f"  ratio              {r['ratio']:9.3f}   (target >= 0.95)",
        f"  work per step      {r['flops_per_step'] / 1e6:9.2f} MFLOP",
        f"  achieved           {r['achieved_flop_s'] / g:9.2f} GFLOP/s",
        f"  matmul 1024^3      {r['matmul_1024_flop_s'] / g:9.2f} GFLOP/s  (measured, same threads as the trainer)",
        f"  matmul all cores   {r['matmul_1024_all_cores_flop_s'] / g:9.2f} GFLOP/s  ({r['cpu_count']} threads)",
        f"  matmul layer-sized {r['matmul_layer_shape_flop_s'] / g:9.2f} GFLOP/s  (batch x hidden x hidden)",
        f"  fraction of peak   {r['fraction_of_matmul_peak']:9.3f}",
    ]
    return "\n".join(rows)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "mps":
        torch.mps.synchronize()
