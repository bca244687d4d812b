"""Where the window's cost to the trainer goes, measured inside one run (ring-8, offscreen).

    python bench/ratio_split.py [--seconds 120] [--conditions N,G,M,E]

gui_bench.py compares the window's training process against a fresh headless process, minutes
apart, on a VM whose speed drifts by +-20%.  Here the window plays the whole time and switches
its training process between conditions every 2 s, so each condition is sampled all through the
run; every trainer step's wall and CPU time is logged with the condition it ran under.

  N  normal: frames at 30 a second, grid measurements on the measuring thread, the window draws
  G  frames made and sent, but the window does not draw them (what drawing costs: N against G)
  M  no grid measurements (what the measuring thread costs: N against M)
  F  25 frames a second instead of 30
  S  as N, but the frames' samples are drawn in the training process, not from sent weights in the window's
  E  no frames, no measurements, the window idle: the headless case inside this same process

Rates are per condition, from step start times, leaving out the 0.3 s after each switch.
Each condition also reports its frames: how many the loop emitted, the training thread's mean
wall time per emitted frame (snapshot, checks, pickling, the pipe) and that time's share of the
condition's steps.  A debugging instrument: it patches the training process's loop from outside.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
SWITCH_S = 2.0
SETTLE_S = 0.3


def instrumented_child(commands, results, config, num_threads, log_path):
    """The training process's entry point, with each step logged and the conditions obeyed."""
    from ganstudio.core import loop, remote
    from ganstudio.core import trainer as trainer_module

    state = {"tag": "N", "measure": True, "emit": True, "send_weights": True}
    log: list[tuple[float, str, float, float]] = []
    frames: list[tuple[float, str, float]] = []  # emitted while playing: (start, condition, wall s)
    step = trainer_module.Trainer.step

    def logged_step(self, *args, **kwargs):
        t0, c0 = time.perf_counter(), time.thread_time()
        out = step(self, *args, **kwargs)
        log.append((t0, state["tag"], time.perf_counter() - t0, time.thread_time() - c0))
        if len(log) >= 500:
            with open(log_path, "a", encoding="utf-8") as f:
                f.writelines(f"{t:.6f} {g} {d:.7f} {c:.7f}\n" for t, g, d, c in log)
                f.writelines(f"{t:.6f} frame:{g} {d:.7f} 0\n" for t, g, d in frames)
            log.clear()
            frames.clear()
        return out

    handle, measure, emit = loop.TrainingLoop._handle, loop.TrainingLoop._measure_in_background, loop.TrainingLoop._emit

    def handle_probe(self, items):
        for command, value in items:
            if command == "probe":
                state.update(value)
        return handle(self, [(c, v) for c, v in items if c != "probe"])

    def maybe_measure(self):
        if state["measure"]:
            return measure(self)
        self._last_full = time.perf_counter()

    def maybe_emit(self, full, force=False, background=False):
        if not (state["emit"] or force):
            return False
        self.send_weights = state["send_weights"]
        t0 = time.perf_counter()
        sent = emit(self, full, force, background)
        if sent and not force:
            frames.append((t0, state["tag"], time.perf_counter() - t0))
        return sent

    trainer_module.Trainer.step = logged_step
    loop.TrainingLoop._handle = handle_probe
    loop.TrainingLoop._measure_in_background = maybe_measure
    loop.TrainingLoop._emit = maybe_emit
    remote._child_entry(commands, results, config, num_threads)


def run_window(seconds: float, conditions: list[str], log_path: str) -> None:
    from PySide6.QtCore import QTimer

    from bench_window import open_ready_window
    from ganstudio.core import remote
    from ganstudio.core.loop import Speed

    remote._child_entry = _ChildEntry(log_path)
    app, window = open_ready_window("ring-8", "gan-studio-split")
    draw = window.show_snapshot
    cycle = itertools.cycle(conditions)

    def switch():
        c = next(cycle)
        window.show_snapshot = (lambda snap, everything=True: None) if c == "G" else draw
        window.post("speed", Speed(0, 1 / 25 if c == "F" else 1 / 30))
        window.post("probe", {"tag": c, "measure": c not in ("M", "E"), "emit": c != "E",
                                     "send_weights": c != "S"})

    timer = QTimer()
    timer.setInterval(int(SWITCH_S * 1000))
    timer.timeout.connect(switch)
    window.transport.play.trigger()
    QTimer.singleShot(3000, lambda: (switch(), timer.start()))  # after the start-up frames
    QTimer.singleShot(int((seconds + 3) * 1000), lambda: (window.close(), app.quit()))
    app.exec()


class _ChildEntry:
    """A picklable stand-in for remote._child_entry that carries the log's path to the child."""

    def __init__(self, log_path: str) -> None:
        self.log_path = log_path

    def __call__(self, commands, results, config, num_threads) -> None:
        instrumented_child(commands, results, config, num_threads, self.log_path)  # ends the process


def report(log_path: str) -> None:
    rows = []
    with open(log_path, encoding="utf-8") as f:
        for line in f:
            t, tag, wall, cpu = line.split()
            rows.append((float(t), tag, float(wall), float(cpu)))
    frames: dict[str, list[float]] = {}
    for _, tag, wall, _ in rows:
        if tag.startswith("frame:"):
            frames.setdefault(tag[len("frame:"):], []).append(wall)
    rows = [r for r in rows if not r[1].startswith("frame:")]
    step_time: dict[str, float] = {}
    for _, tag, wall, _ in rows:
        step_time[tag] = step_time.get(tag, 0.0) + wall
    runs: list[tuple[str, list]] = []  # consecutive steps under one condition
    for row in rows:
        if not runs or runs[-1][0] != row[1]:
            runs.append((row[1], []))
        runs[-1][1].append(row)
    steps, spans, walls, cpus = {}, {}, {}, {}
    for tag, run in runs:
        kept = [r for r in run if r[0] >= run[0][0] + SETTLE_S]
        if len(kept) < 10:
            continue
        steps[tag] = steps.get(tag, 0) + len(kept) - 1
        spans[tag] = spans.get(tag, 0.0) + kept[-1][0] - kept[0][0]
        walls.setdefault(tag, []).extend(r[2] for r in kept)
        cpus.setdefault(tag, []).extend(r[3] for r in kept)
    base = steps["E"] / spans["E"] if "E" in steps else None
    print(f"{'condition':<10}{'steps/s':>9}{'vs E':>8}{'step wall ms':>14}{'p90':>7}{'step CPU ms':>13}"
          f"{'frames':>8}{'ms a frame':>12}{'share':>7}")
    for tag in steps:
        rate = steps[tag] / spans[tag]
        w = sorted(walls[tag])
        f = frames.get(tag, [])
        # the frames' share of the training thread's time in this condition: (frames) / (steps + frames)
        share = sum(f) / (step_time[tag] + sum(f)) if f else 0.0
        print(f"{tag:<10}{rate:9.1f}{(f'{rate / base:.3f}' if base else '-'):>8}{1e3 * statistics.mean(w):14.3f}"
              f"{1e3 * w[int(0.9 * len(w))]:7.3f}{1e3 * statistics.mean(cpus[tag]):13.3f}"
              f"{len(f):8d}{(1e3 * statistics.mean(f) if f else 0.0):12.3f}{share:7.1%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--conditions", default="N,G,M,E")
    args = parser.parse_args(argv)
    conditions = args.conditions.split(",")
    unknown = set(conditions) - set("NGMFSE")
    if unknown:
        parser.error(f"unknown conditions {sorted(unknown)}: use N, G, M, F, S and E")
    log_path = os.path.join(tempfile.gettempdir(), f"gan-studio-split-{os.getpid()}.txt")
    run_window(args.seconds, conditions, log_path)
    report(log_path)
    os.remove(log_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
