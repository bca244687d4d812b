"""Screen many config variants of one preset over seeds in parallel processes (one torch thread each).

    python bench/sweep.py --preset mode-collapse --seeds 0-1 --jobs 12 --variants variants.txt

Each line of the variants file is one variant: space-separated KEY=VALUE overrides (an empty
line, or `-`, is the preset itself). Prints one line per finished run, then a table per variant
with the preset's target met in how many seeds (targets as in tune_presets.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune_presets import TARGETS, parse_seeds, run_one  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", required=True)
    ap.add_argument("--seeds", default="0-1")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--variants", required=True)
    args = ap.parse_args()
    variants = []
    for line in Path(args.variants).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line or not variants:
            variants.append([] if line in ("", "-") else line.split())
    variants = [v for i, v in enumerate(variants) if v or i == 0]
    seeds = parse_seeds(args.seeds)
    label, met = TARGETS.get(args.preset, ("-", lambda m: False))
    results: dict[int, list[dict]] = {i: [] for i in range(len(variants))}
    t0 = time.time()
    with ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(run_one, args.preset, s, args.steps, v): i for i, v in enumerate(variants) for s in seeds}
        for fut in as_completed(futures):
            i = futures[fut]
            r = fut.result()
            results[i].append(r)
            m = r.get("final", {})
            print(f"[{time.time() - t0:6.0f}s] v{i:02d} seed {r['seed']}: modes {m.get('modes_captured', '-')} "
                  f"hq {m.get('hq_fraction', float('nan')):.2f} {r.get('error', '')}  {' '.join(variants[i])}", flush=True)
    print(f"\ntarget: {label}")
    for i, v in enumerate(variants):
        finals = [r.get("final", {}) for r in results[i]]
        ok = sum(1 for m in finals if m and met(m))
        cells = " ".join(f"{int(m.get('modes_captured', -1))}/{m.get('hq_fraction', float('nan')):.2f}" for m in finals)
        print(f"v{i:02d} met {ok}/{len(finals)}  [{cells}]  {' '.join(v) or '(preset)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
