"""A thread of the training process at other nice levels, against the window's event-loop latency and
the steps training keeps (ring-8, offscreen): should training yield to the window, and does the
measuring thread's level matter?

    python bench/thread_nice.py [--thread training|measuring] [--seconds 480] [--segment 20] [--deltas 0,5]

The window plays the whole time; every --segment seconds the chosen thread is reniced to the
window's own nice level plus the next delta.  Per delta it reports the training steps/s (from the
step counts the window receives), the intervals of the 2 ms probe (their tail is what the 50 ms
stall target is about) and, in the intervals over 30 ms, how long the GUI thread ran and how long
it waited for a core.  Interleaving keeps this VM's drift out of the comparison.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def measuring_thread(pid: int) -> int | None:
    """The training process's thread at a nice level of its own (the measuring thread lowers its
    priority when it starts; the OS knows every thread of the process as "python")."""
    training = os.getpriority(os.PRIO_PROCESS, pid)
    others = [int(t) for t in os.listdir(f"/proc/{pid}/task")
              if int(t) != pid and os.getpriority(os.PRIO_PROCESS, int(t)) != training]
    return others[0] if len(others) == 1 else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--thread", choices=("training", "measuring"), default="training")
    parser.add_argument("--seconds", type=float, default=480.0)
    parser.add_argument("--segment", type=float, default=20.0)
    parser.add_argument("--deltas", default="0,5")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        parser.error("per-thread nice levels are Linux's")
    deltas = [int(v) for v in args.deltas.split(",")]
    base = os.getpriority(os.PRIO_PROCESS, 0)

    from PySide6.QtCore import QElapsedTimer, QTimer

    from bench_window import open_ready_window, probe_timer, run_queue_clock

    app, window = open_ready_window("ring-8", "gan-studio-thread-nice")

    clock = QElapsedTimer()
    clock.start()
    queued_ms = run_queue_clock()
    last = [0.0, 0.0, 0.0]  # wall ms, GUI thread CPU ms, its run-queue wait ms at the last tick
    current: list = [None, 0.0, 0]  # delta, segment start (s), step at the start
    intervals: dict[int, list[float]] = {d: [] for d in deltas}
    long: dict[int, list[tuple[float, float, float]]] = {d: [] for d in deltas}
    steps: dict[int, list[float]] = {d: [] for d in deltas}  # steps/s of each segment
    cycle = itertools.cycle(deltas)
    target: list[int | None] = [None]  # the measuring thread's id, once found

    def tick():
        now, cpu, queued = clock.nsecsElapsed() / 1e6, time.thread_time() * 1e3, queued_ms()
        if current[0] is not None:
            intervals[current[0]].append(now - last[0])
            if now - last[0] > 30:
                long[current[0]].append((now - last[0], cpu - last[1], queued - last[2]))
        last[:] = [now, cpu, queued]

    def switch():
        pid, snap = window.worker.trainer_pid, window.last_snapshot
        if pid is None or snap is None:
            return
        if args.thread == "measuring" and target[0] is None:
            target[0] = measuring_thread(pid)  # it starts with the first background measurement
            if target[0] is None:
                return
        now = time.perf_counter()
        if current[0] is not None:
            steps[current[0]].append((snap.step - current[2]) / (now - current[1]))
        delta = next(cycle)
        os.setpriority(os.PRIO_PROCESS, target[0] or pid, base + delta)  # the training thread's id is the process's
        current[:] = [delta, now, snap.step]
        last[0] = clock.nsecsElapsed() / 1e6

    ticker, switcher = probe_timer(tick), QTimer()
    switcher.setInterval(int(args.segment * 1000))
    switcher.timeout.connect(switch)
    window.transport.play.trigger()
    QTimer.singleShot(3000, lambda: (switch(), ticker.start(), switcher.start()))
    QTimer.singleShot(int((args.seconds + 3) * 1000), lambda: (window.close(), app.quit()))
    app.exec()

    print(f"ring-8, {args.seconds:g} s, the {args.thread} thread's nice (window's {base} + delta) switched every "
          f"{args.segment:g} s; intervals of a 2 ms timer (ms)")
    for delta in deltas:
        v, rates = sorted(intervals[delta][1:]), steps[delta]
        if not v or not rates:
            print(f"delta {delta}: no samples")
            continue
        n = len(v)
        worst = sorted(long[delta], reverse=True)[:5]
        print(f"delta {delta:>2}: {sum(rates) / len(rates):6.1f} steps/s over {len(rates)} segments; {n} ticks, "
              f"p99 {v[int(0.99 * n)]:.1f}, max {v[-1]:.1f}; over 30 / 40 / 50: {sum(x > 30 for x in v)} / "
              f"{sum(x > 40 for x in v)} / {sum(x > 50 for x in v)}; longest (ran + waited for a core / interval): "
              + " ".join(f"{c:.0f}+{q:.0f}/{ms:.0f}" for ms, c, q in worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
