"""Image presets over seeds: the step and the training wall time at which each seed first meets its target.

Each seed trains in a process of its own (one torch thread) and is measured every `--every` steps
(the measurements are not counted in the wall time). Beside the table: the machine's headless
steps/s for the preset, so the wall seconds can be read on another machine.

    python bench/image_presets.py --preset digits-8x8 --seeds 0-4 --jobs 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from tune_presets import parse_seeds  # noqa: E402

TARGETS = {  # a predicate on the image metrics, and its description
    "digits-8x8": ("10/10 classes, class KL <= 0.02, FID <= 2 x floor",
                   lambda m: m["classes_covered"] == 10 and m["class_kl"] <= 0.02 and m["fid"] <= 2 * m["fid_floor"]),
    "digits-28": ("10/10 classes, FID <= 3 x floor",
                  lambda m: m["classes_covered"] == 10 and m["fid"] <= 3 * m["fid_floor"]),
}

RUN = r"""
import json, sys, time
from ganstudio.core.runtime import configure_threads
configure_threads()
from ganstudio.core.presets import load_preset
from ganstudio.core.trainer import Trainer
preset, seed, steps, every, sets = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
cfg = load_preset(preset).config.replace(seed=seed).with_assignments(sets)
t = Trainer(cfg, eval_samples=2000)
t.snapshot(full=True)  # the classifier and the real side of the metrics, before the clock starts
wall = 0.0
while t.step_count < steps:
    t0 = time.perf_counter(); t.train(every); wall += time.perf_counter() - t0
    m = dict(t.snapshot(full=True).metrics)
    print(json.dumps({"step": t.step_count, "wall_s": wall, "steps_per_s": t.step_count / wall, **m}), flush=True)
"""


def run_seed(preset: str, seed: int, steps: int, every: int, sets: list[str]) -> dict:
    target = TARGETS[preset][1]
    proc = subprocess.Popen([sys.executable, "-c", RUN, preset, str(seed), str(steps), str(every), *sets],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    last, met = None, None
    for line in proc.stdout:
        last = json.loads(line)
        if met is None and target(last):
            met = last
            proc.kill()
            break
    proc.wait()
    return {"seed": seed, "met": met, "last": last}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="digits-8x8", choices=sorted(TARGETS))
    ap.add_argument("--seeds", default="0-4")
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--every", type=int, default=250)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--set", dest="sets", action="append", default=[])
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda s: run_seed(args.preset, s, args.steps, args.every, args.sets), seeds))
    print(f"{args.preset}: target {TARGETS[args.preset][0]}; {' '.join(args.sets)}")
    print("seed  step  wall_s  steps/s  classes  class_kl     fid  floor")
    for r in rows:
        m = r["met"] or r["last"]
        flag = "" if r["met"] else "  (not met)"
        print(f"{r['seed']:>4}  {m['step']:>4}  {m['wall_s']:6.1f}  {m['steps_per_s']:7.1f}  {m['classes_covered']:>7.0f}"
              f"  {m['class_kl']:8.4f}  {m['fid']:6.3f}  {m['fid_floor']:.3f}{flag}")
    print(f"met in {sum(r['met'] is not None for r in rows)} of {len(rows)} seeds")


if __name__ == "__main__":
    main()
