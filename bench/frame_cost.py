"""What one live frame costs the GUI thread, measured without the trainer thread.

    python bench/frame_cost.py [--preset ring-8] [--frames 200] [--profile]

Every millisecond the GUI thread spends on a frame it holds Python's GIL (PySide6 keeps the
GIL through QPainter calls).  With the trainer on a thread of the same process, this cost
times the frame rate was the share of the trainer's time the window took, which is why the
window trains in a separate process; it still bounds the frame rate and the event loop's
latency.  The frames are the ones the window draws while playing: a cheap snapshot every
frame and a full one (new D grid and metrics) every FULL_EVERY frames.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FULL_EVERY = 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="ring-8")
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--steps-per-frame", type=int, default=4)
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of the frames")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings

    from ganstudio.core.presets import load_preset
    from ganstudio.core.trainer import Trainer
    from ganstudio.gui.app import ensure_app
    from ganstudio.gui.main_window import MainWindow
    from ganstudio.core.loop import LIVE_EVAL_SAMPLES

    app = ensure_app(headless=True)
    settings = QSettings(os.path.join(os.environ.get("TMPDIR", "/tmp"), "gan-studio-frame.ini"),
                         QSettings.Format.IniFormat)
    settings.clear()
    config = load_preset(args.preset).config
    trainer = Trainer(config, eval_samples=LIVE_EVAL_SAMPLES)
    window = MainWindow(config=config, settings=settings, start=False)
    window.resize(1600, 1000)
    window.show()
    window.transport.play.setChecked(True)  # draw as while playing (panels throttled)
    for _ in range(3):
        app.processEvents()

    snaps = []
    for i in range(args.frames):
        for _ in range(args.steps_per_frame):
            trainer.step()
        snaps.append(trainer.snapshot(full=i % FULL_EVERY == 0))

    def frame(snap) -> float:
        t0 = time.perf_counter()
        window.show_snapshot(snap, everything=False)
        app.processEvents()  # the paints the frame caused
        return time.perf_counter() - t0

    for snap in snaps[:10]:  # warm-up
        frame(snap)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    costs = [frame(s) for s in snaps]
    if profiler:
        profiler.disable()
    full = [c for i, c in enumerate(costs) if i % FULL_EVERY == 0]
    light = [c for i, c in enumerate(costs) if i % FULL_EVERY]
    ms = lambda xs: f"median {1e3 * statistics.median(xs):.1f} ms, mean {1e3 * statistics.mean(xs):.1f}, max {1e3 * max(xs):.1f}"
    print(f"{args.preset}: {len(costs)} frames at 1600x1000")
    print(f"  light frames: {ms(light)}")
    print(f"  full frames:  {ms(full)}")
    mean = statistics.mean(costs)
    print(f"  mean {1e3 * mean:.1f} ms: at 25 fps the GUI thread is busy {25 * mean:.0%} of the time")
    if profiler:
        import pstats

        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
