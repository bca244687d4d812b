"""Quality benchmark of the presets: train one preset over several seeds and tabulate the targets.

Each run is a separate `python -m ganstudio train` process (one torch thread each), so
`--jobs 2` uses both cores of the reference machine. The table shows per seed the step
count, the training loop's wall time and steps/s, the process CPU time (including start-up, imports
and the final measurement) and the final metrics; the last line counts the seeds that meet
the preset's target from the engine issue.

    python bench/tune_presets.py --preset ring-8 --seeds 0-4 --jobs 2
    python bench/tune_presets.py --preset mode-collapse --seeds 0-4 --set d_steps=5 --set g_steps=1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Target per preset, as a predicate on the CLI's "final" metrics (and a description for the table).
TARGETS = {
    "gaussian-1d": ("jsd <= 0.01", lambda m: m["jsd"] <= 0.01),
    "ring-8": ("8/8 modes and hq >= 0.90", lambda m: m["modes_captured"] == 8 and m["hq_fraction"] >= 0.90),
    "grid-25": ("25/25 modes and hq >= 0.90", lambda m: m["modes_captured"] == 25 and m["hq_fraction"] >= 0.90),
    "mode-collapse": ("<= 2 modes and hq >= 0.50", lambda m: m["modes_captured"] <= 2 and m["hq_fraction"] >= 0.50),
}
COLUMNS = ("jsd", "kl_data_g", "modes_captured", "hq_fraction", "g_grad_norm", "d_loss", "g_loss")


def parse_seeds(text: str) -> list[int]:
    """'0-4' -> [0, 1, 2, 3, 4]; '1,3,7' -> [1, 3, 7]; ranges and lists combine ('0-2,9')."""
    seeds: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        seeds += range(int(lo), int(hi or lo) + 1)
    return seeds


def run_one(preset: str, seed: int, steps: int | None, assignments: list[str]) -> dict:
    """One training process; returns the CLI's metrics report plus the process's CPU time."""
    with tempfile.TemporaryDirectory() as tmp:
        out, err = Path(tmp) / "metrics.json", Path(tmp) / "stderr.txt"
        cmd = [sys.executable, "-m", "ganstudio", "train", "--preset", preset, "--seed", str(seed),
               "--metrics-json", str(out), "--quiet"]
        if steps is not None:
            cmd += ["--steps", str(steps)]
        for item in assignments:
            cmd += ["--set", item]
        with open(err, "w", encoding="utf-8") as err_file:
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err_file)
            cpu_s, code = _wait_with_cpu(proc)
        if code != 0:
            lines = err.read_text(encoding="utf-8").strip().splitlines() or [f"exit code {code}"]
            return {"seed": seed, "error": lines[-1]}
        report = json.loads(out.read_text(encoding="utf-8"))
    report["cpu_s"] = cpu_s
    return report


def _wait_with_cpu(proc: subprocess.Popen) -> tuple[float | None, int]:
    """Reap the process ourselves to read its own CPU time (user + system), where the OS allows."""
    if not hasattr(os, "wait4"):
        return None, proc.wait()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, proc.returncode


def fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", required=True)
    p.add_argument("--seeds", default="0-4", help="e.g. 0-4 or 1,3,5")
    p.add_argument("--steps", type=int, help="override the preset's step count")
    p.add_argument("--jobs", type=int, default=2, help="training processes at once (default 2)")
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                   help="config override passed to each run (repeatable)")
    p.add_argument("--json", help="also write all reports to this file")
    args = p.parse_args(argv)

    seeds = parse_seeds(args.seeds)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        reports = list(pool.map(lambda s: run_one(args.preset, s, args.steps, args.assignments), seeds))

    overrides = " ".join(args.assignments) or "(none)"
    print(f"preset {args.preset}, overrides {overrides}, {args.jobs} job(s) at once")
    header = ["seed", "steps", "wall_s", "steps/s", "cpu_s", *COLUMNS, "target"]
    rows = [header]
    target = TARGETS.get(args.preset)
    met = 0
    for r in reports:
        if "error" in r:
            rows.append([str(r["seed"]), "error: " + r["error"]])
            continue
        m = r["final"]
        ok = target[1](m) if target else None
        met += bool(ok)
        rows.append([str(r["seed"]), str(r["steps"]), fmt(r["elapsed_s"]), fmt(r["steps_per_s"]),
                     fmt(r["cpu_s"]), *(fmt(m.get(k)) for k in COLUMNS),
                     "-" if ok is None else ("yes" if ok else "no")])
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)))
    if target:
        print(f"target {target[0]}: met in {met} of {len(seeds)} seeds")
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
