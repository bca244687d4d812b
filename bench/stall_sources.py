"""Which GUI work fills the long intervals of a precise 2 ms timer while ring-8 plays (offscreen).

    python bench/stall_sources.py [--seconds 240]

Times the main window's frames (show_snapshot), each metric-plot advance and theory update, every
pyqtgraph view's paint and Python's garbage collections. Then it prints, for the 25 longest timer
intervals over 30 ms, the work that overlapped each one, and each kind of work's typical duration.
A debugging instrument: it wraps the app's methods from outside.
"""

from __future__ import annotations

import argparse
import collections
import gc
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, ROOT)

LONG_S = 0.030


def record_work(events: list) -> None:
    """Append (start, end, kind) to `events` for each piece of GUI work, from now on."""
    from pyqtgraph.widgets.GraphicsView import GraphicsView

    from ganstudio.gui import main_window
    from ganstudio.gui.views import metrics_view, theory_panel

    def wrap(cls, method: str, kind) -> None:
        original = getattr(cls, method)

        def timed(self, *args, **kwargs):
            t0 = time.perf_counter()
            out = original(self, *args, **kwargs)
            events.append((t0, time.perf_counter(), kind(self)))
            return out

        setattr(cls, method, timed)

    wrap(main_window.MainWindow, "show_snapshot", lambda _: "frame update (show_snapshot)")
    wrap(metrics_view.MetricsView, "advance", lambda _: "metric plot update")
    wrap(theory_panel.TheoryPanel, "show_snapshot", lambda _: "theory text update")
    wrap(GraphicsView, "paintEvent", lambda view: f"paint {type(view.parent()).__name__}")
    started: list[float] = []

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            events.append((started[0], time.perf_counter(), f"gc generation {info['generation']}"))

    gc.callbacks.append(on_gc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=240.0)
    args = parser.parse_args(argv)

    events: list[tuple[float, float, str]] = []
    record_work(events)
    from PySide6.QtCore import QTimer

    from bench_window import open_ready_window, probe_timer

    app, window = open_ready_window("ring-8", "gan-studio-stall-sources")
    ticks: list[float] = []
    timer = probe_timer(lambda: ticks.append(time.perf_counter()))
    window.transport.play.trigger()
    QTimer.singleShot(2000, timer.start)  # after the start-up frames
    QTimer.singleShot(int(args.seconds * 1000), lambda: (timer.stop(), window.close(), app.quit()))
    app.exec()

    intervals = list(zip(ticks, ticks[1:]))
    long = sorted(((a, b) for a, b in intervals if b - a > LONG_S), key=lambda ab: ab[0] - ab[1])
    print(f"{len(intervals):,} intervals, {len(long)} over {1e3 * LONG_S:.0f} ms, "
          f"max {1e3 * max(b - a for a, b in intervals):.1f} ms")
    for a, b in long[:25]:
        inside = [(s, e, kind) for s, e, kind in events if e > a and s < b]
        work = "; ".join(f"{kind} {1e3 * (e - s):.1f}" for s, e, kind in inside)
        print(f"  {1e3 * (b - a):5.1f} ms: {work}")
    durations = collections.defaultdict(list)
    for s, e, kind in events:
        durations[kind].append(e - s)
    print("typical durations (ms):")
    for kind, d in sorted(durations.items()):
        d.sort()
        print(f"  {kind:32s} n={len(d):6d}  median {1e3 * d[len(d) // 2]:6.2f}  "
              f"p99 {1e3 * d[int(0.99 * (len(d) - 1))]:6.2f}  max {1e3 * d[-1]:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
