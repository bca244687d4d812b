"""GUI performance benchmark: what the open window costs the trainer, and how responsive it stays.

    python bench/gui_bench.py [--preset ring-8] [--seconds 10] [--pairs 6] [--minutes M]

Measures in one run:
  (a) headless steps/s of the preset's trainer (a bare `trainer.step()` loop, like `train`),
      in a fresh process after each playing segment of (b) while the window idles, paused;
  (b) steps/s with the main window open (offscreen; its trainer in its training process, as
      in the app) and its views updating, over --pairs segments, plus the frames per second
      the views actually draw; target ratio (b)/(a) >= 0.9, views >= 25 fps.  Interleaving
      matters here: this VM's speed drifts by +-20% within minutes;
  (c) GUI event-loop latency while training: a precise 2 ms QTimer records the interval between
      its ticks during the playing segments.  A stall of S ms shows as an interval between S and
      S + 2 (the 10 ms timer used before read up to 10 ms high); target max stall < 50 ms.  For the
      longest intervals it also gives the GUI thread's own CPU time inside them and the time it was
      runnable but waiting for a core (the kernel's schedstat); what is left it was blocked: on a
      lock such as the GIL, on the disk, or on the VM's own scheduling;
  (d) resident memory (RSS) over the run; with --minutes M the window phase lasts M
      minutes and the growth after the first minute is reported (target < 50 MB, total < 1 GB): the
      median RSS of the last 30 s against that of the 30 s after the first minute.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench_window import PROBE_MS as TICK_MS  # noqa: E402


def rss_mb() -> float:
    """Resident set size of the app now: this process plus its training process (Linux /proc;
    elsewhere this process's peak from getrusage)."""
    return sum(rss_parts_mb())


def rss_parts_mb() -> tuple[float, float]:
    """(this process, its child processes) resident MB; the child part is 0 where /proc is missing."""
    import multiprocessing

    try:
        return _proc_rss_mb("self"), sum(_proc_rss_mb(p.pid) for p in multiprocessing.active_children())
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 0.0


def headless(config, seconds: float, threads: int | None) -> float:
    import torch

    from ganstudio.core.trainer import Trainer

    if threads:
        torch.set_num_threads(threads)
    trainer = Trainer(config)
    for _ in range(20):  # warm-up: allocator, autograd graph caches
        trainer.step()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        trainer.step()
        n += 1
    return n / (time.perf_counter() - t0)


def _proc_rss_mb(pid) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PaintCounter:
    """Counts paint events that reach the sample view's viewport: the frames a user really sees."""

    def __init__(self, widget) -> None:
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QGraphicsView

        counter = self

        class Filter(QObject):
            def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
                if event.type() == QEvent.Type.Paint:
                    counter.count += 1
                return False

        self.count = 0
        self._filter = Filter()
        views = widget.findChildren(QGraphicsView)
        self.target = views[0].viewport() if views else widget
        self.target.installEventFilter(self._filter)


def headless_in_child(preset: str, seconds: float) -> subprocess.Popen:
    """A headless run in a fresh process (as `ganstudio train` runs), printing its steps/s."""
    return subprocess.Popen([sys.executable, os.path.abspath(__file__), "--headless-child", preset,
                             "--seconds", str(seconds)], stdout=subprocess.PIPE, text=True)


def windowed(preset: str, seconds: float, minutes: float | None, pairs: int):
    """The window phase, cut into `pairs` playing segments; after each one training is paused
    (the window idles) while a headless run of `seconds` goes in a child process, so the ratio
    compares rates measured minutes apart at most, on a machine whose speed drifts (+-20% here)."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from bench_window import open_ready_window, probe_timer, run_queue_clock

    app, window = open_ready_window(preset, "gan-studio-bench")

    lateness: list[float] = []  # recorded while a playing segment is measured
    # (interval ms, GUI thread CPU ms in it, ms it was runnable but waiting for a core) for intervals over 30 ms
    long_busy: list[tuple[float, float, float]] = []
    clock = QElapsedTimer()
    last = [0.0, 0.0, 0.0]  # wall ms, GUI thread CPU ms, its run-queue wait ms at the last tick
    recording = [False]
    queued_ms = run_queue_clock()

    def tick():
        now, cpu, queued = clock.nsecsElapsed() / 1e6, time.thread_time() * 1e3, queued_ms()
        if recording[0]:
            lateness.append(now - last[0] - TICK_MS)
            if now - last[0] > 30:
                long_busy.append((now - last[0], cpu - last[1], queued - last[2]))
        last[0], last[1], last[2] = now, cpu, queued

    timer = probe_timer(tick)

    paints = PaintCounter(window.samples.currentWidget())
    segment_s = (minutes * 60 if minutes else seconds * pairs) / pairs
    rss: list[tuple[float, float]] = []
    segments: list[dict] = []  # one per playing segment: steps, frames, paints, seconds
    head: list[float] = []
    state: dict = {}

    def sample_rss():
        gui, child = rss_parts_mb()
        rss.append((time.perf_counter(), gui + child, gui, child))

    def play():
        if not window.transport.play.isChecked():
            window.transport.play.trigger()
        QTimer.singleShot(1500, begin)  # after a short warm-up, so start-up costs are not counted

    def begin():
        state.update(t0=time.perf_counter(), step0=window.last_snapshot.step, frames0=window.frames_drawn,
                     paints0=paints.count)
        state.setdefault("first_t0", state["t0"])
        recording[0] = True
        QTimer.singleShot(int(segment_s * 1000), end)

    def end():
        recording[0] = False
        segments.append({"s": time.perf_counter() - state["t0"], "steps": window.last_snapshot.step - state["step0"],
                         "frames": window.frames_drawn - state["frames0"], "paints": paints.count - state["paints0"]})
        if len(segments) == pairs:
            finish()
            return
        window.transport.play.trigger()  # pause: the window idles while the headless run goes
        state["child"] = headless_in_child(preset, seconds)
        poll.start()

    def poll_child():
        if state["child"].poll() is None:
            return
        poll.stop()
        head.append(float(state["child"].stdout.read()))
        play()

    poll = QTimer()
    poll.setInterval(100)
    poll.timeout.connect(poll_child)

    def finish():
        rss_timer.stop()  # memory is sampled while training runs, not while the window closes
        sample_rss()
        state["emitted"] = window.worker.frames_emitted
        t0 = time.perf_counter()
        window.close()  # with training still running: stop, quit and wait for the trainer thread
        state["close_s"] = time.perf_counter() - t0
        app.quit()

    clock.start()
    timer.start()
    rss_timer = QTimer()
    rss_timer.setInterval(1000)
    rss_timer.timeout.connect(sample_rss)
    rss_timer.start()
    sample_rss()
    play()
    app.exec()
    timer.stop()
    rss_timer.stop()
    child = headless_in_child(preset, seconds)  # the last pair's headless run, after the close
    head.append(float(child.communicate()[0]))
    wall = sum(g["s"] for g in segments)
    rates = [g["steps"] / g["s"] for g in segments]
    result = {
        "steps_per_s": sum(g["steps"] for g in segments) / wall,
        "pair_ratios": [w / h for w, h in zip(rates, head)],
        "segment_rates": rates,
        "head_rates": head,
        "frames_per_s": sum(g["frames"] for g in segments) / wall,
        "paints_per_s": sum(g["paints"] for g in segments) / wall,
        "max_stall_ms": max(lateness) + TICK_MS if lateness else float("nan"),
        "p99_stall_ms": sorted(lateness)[int(0.99 * (len(lateness) - 1))] + TICK_MS if lateness else float("nan"),
        "ticks": len(lateness),
        "over_ms": {limit: sum(1 for x in lateness if x + TICK_MS > limit) for limit in (30, 40, 50)},
        "long_busy": long_busy,
        "rss": rss,
        "close_s": state["close_s"],
        "t0": state["first_t0"],
    }
    QApplication.processEvents()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="ring-8")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measured phase")
    parser.add_argument("--rss-log", help="write the RSS samples (window and training process) to this CSV")
    parser.add_argument("--minutes", type=float, default=None,
                        help="run the window phase this long (memory test: use 10)")
    parser.add_argument("--pairs", type=int, default=6,
                        help="playing segments, each followed by a headless run of --seconds (default 6)")
    parser.add_argument("--headless-child", metavar="PRESET", help=argparse.SUPPRESS)
    parser.add_argument("--switch-ms", type=float, default=None,
                        help="override Python's GIL switch interval (the app sets its own)")
    args = parser.parse_args(argv)

    from ganstudio.core.presets import load_preset

    if args.headless_child:
        print(headless(load_preset(args.headless_child).config, args.seconds, threads=1))
        return 0
    config = load_preset(args.preset).config
    rss_start = rss_mb()
    load_before = os.getloadavg()[0]
    import torch

    default_threads = torch.get_num_threads()
    from ganstudio.gui.app import ensure_app

    ensure_app(headless=True)  # the app's process settings (GIL switch interval) apply to both phases
    if args.switch_ms is not None:
        sys.setswitchinterval(args.switch_ms / 1000)
    print(f"GAN Studio GUI benchmark: preset {args.preset}, {os.cpu_count()} CPU cores, "
          f"{args.seconds:g} s per phase" + (f", window phase {args.minutes:g} min" if args.minutes else "")
          + f", GIL switch interval {sys.getswitchinterval() * 1000:g} ms")
    # The headless trainer is `ganstudio train`'s: one torch thread (core/runtime.py says why),
    # as in the window's training process, each run in a fresh process between the window's segments.
    head_default = headless(config, args.seconds, threads=None)
    win = windowed(args.preset, args.seconds, args.minutes, args.pairs)
    head = win["head_rates"]
    head_one = statistics.mean(head)
    ratio = win["steps_per_s"] / head_one
    pair_ratios = win["pair_ratios"]

    rss = win["rss"]
    # Growth is a trend, not one sample: the median of the last 30 s against that of the 30 s after
    # the first minute (a full measurement lifts the training process's RSS for a moment).
    later = [r for r in rss if r[0] - win["t0"] >= 60]  # (time, total, window process, training process)
    n = max(1, min(30, len(later) // 4))
    first, last = later[:n], later[-n:]
    grew = [statistics.median(r[i] for r in last) - statistics.median(r[i] for r in first) if later else float("nan")
            for i in (1, 2, 3)]
    growth = grew[0] if len(later) >= 60 else float("nan")
    parts = f"window {grew[1]:+.1f}, training {grew[2]:+.1f}" if growth == growth else ""
    peak = max(r[1] for r in rss)
    if args.rss_log:
        with open(args.rss_log, "w", encoding="utf-8") as f:
            f.write("seconds,total_mb,window_mb,training_mb\n")
            f.writelines(f"{t - win['t0']:.1f},{a:.1f},{b:.1f},{c:.1f}\n" for t, a, b, c in rss)

    rows = [
        ("(a) headless steps/s, 1 torch thread (as `train`)", f"{head_one:,.1f}",
         f"mean of {len(head)}: " + " ".join(f"{h:.0f}" for h in head)),
        (f"    for reference: {default_threads} torch threads", f"{head_default:,.1f}", ""),
        ("(b) steps/s with window open", f"{win['steps_per_s']:,.1f}",
         f"{len(win['segment_rates'])} segments: " + " ".join(f"{r:.0f}" for r in win["segment_rates"])),
        ("    ratio (b) / mean of (a)", f"{ratio:.3f}", ">= 0.90"),
        ("    ratio of each segment to the headless run after it", f"{statistics.median(pair_ratios):.3f}",
         "median of " + " ".join(f"{r:.2f}" for r in pair_ratios)),
        ("    snapshots drawn per second", f"{win['frames_per_s']:.1f}", ">= 25"),
        ("    sample-view paints per second", f"{win['paints_per_s']:.1f}", ""),
        (f"(c) GUI max interval of a {TICK_MS} ms timer (ms)", f"{win['max_stall_ms']:.1f}", "< 50"),
        ("    the GUI thread in the 5 longest (ms)",
         " ".join(f"{cpu:.0f}+{queued:.0f}/{ms:.0f}"
                  for ms, cpu, queued in sorted(win["long_busy"], reverse=True)[:5]) or "-",
         "ran + waited for a core / interval"),
        ("    99th percentile interval (ms)", f"{win['p99_stall_ms']:.1f}", ""),
        ("    intervals over 30 / 40 / 50 ms", " / ".join(str(n) for n in win["over_ms"].values()),
         f"of {win['ticks']:,} ticks"),
        ("(d) RSS at start / peak (MB)", f"{rss_start:.0f} / {peak:.0f}", "< 1024"),
        ("    RSS growth after the first minute (MB)",
         "n/a (run < 2 min)" if growth != growth else f"{growth:+.1f}", "< 50"),
        ("      of which", parts, ""),
        ("    window close with training running (s)", f"{win['close_s']:.3f}", "< 1"),
    ]
    rows.append(("machine load average (1 min) before / after", f"{load_before:.2f} / {os.getloadavg()[0]:.2f}",
                 f"<= {os.cpu_count()} for fair numbers"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>18}  target")
    print("-" * (width + 30))
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>18}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
