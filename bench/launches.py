"""Kernel launches and host syncs per training step, the trainer against the bench's bare loop.

On a GPU these small models are bound by launch latency, not arithmetic, so launches per step
explain the trainer/bare ratio of `ganstudio bench --device cuda`.

    python bench/launches.py [--preset ring-8] [--device cuda]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ganstudio.core.bench import bare_loop  # noqa: E402
from ganstudio.core.presets import load_preset  # noqa: E402
from ganstudio.core.trainer import Trainer  # noqa: E402

STEPS = 20


def count(step, device: str) -> tuple[float, float, Counter]:
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device == "cuda" else [])
    with profile(activities=activities) as prof:
        for _ in range(STEPS):
            step()
    events = prof.events()
    launches = Counter(e.name for e in events if e.name in ("cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchKernelExC"))
    syncs = Counter(e.name for e in events if "Synchronize" in e.name or e.name in ("cudaMemcpyAsync", "cudaMemcpy"))
    ops = Counter(e.name for e in events if e.name.startswith("aten::"))
    return sum(launches.values()) / STEPS, sum(syncs.values()) / STEPS, ops


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="ring-8")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()
    config = load_preset(args.preset).config.replace(device=args.device)
    trainer = Trainer(config, eval_samples=5000)
    bare = bare_loop(config, torch.device(args.device))
    for _ in range(10):
        trainer.step()
        bare()
    ours, base = count(trainer.step, args.device), count(bare, args.device)
    print(f"{args.preset} on {args.device}, per step: kernel launches trainer {ours[0]:.1f} / bare {base[0]:.1f}; "
          f"copies+syncs trainer {ours[1]:.1f} / bare {base[1]:.1f}")
    extra = Counter({k: v for k, v in (ours[2] - base[2]).items()})
    print("aten ops the trainer calls more often (per step):",
          ", ".join(f"{k} +{v / STEPS:.1f}" for k, v in extra.most_common(12)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
