"""The main window as the GUI benchmarks open it: offscreen, 1600 x 1000, fresh settings."""

from __future__ import annotations

import os
import tempfile
import time


def open_ready_window(preset: str, name: str):
    """(app, window) once the window has drawn its first frame, as `run_gui` leaves it; the
    settings live in a temporary INI file called `name`, cleared first."""
    from PySide6.QtCore import QSettings

    from ganstudio.gui.app import ensure_app, freeze_startup_objects
    from ganstudio.gui.main_window import MainWindow

    app = ensure_app(headless=True)
    settings = QSettings(os.path.join(tempfile.gettempdir(), f"{name}.ini"), QSettings.Format.IniFormat)
    settings.clear()
    window = MainWindow(preset=preset, settings=settings)
    window.resize(1600, 1000)
    window.show()
    freeze_startup_objects()  # as run_gui does
    while window.last_snapshot is None:
        app.processEvents()
        time.sleep(0.01)
    return app, window


PROBE_MS = 2  # a stall of S ms shows as an interval between S and S + PROBE_MS


def probe_timer(on_tick):
    """The GUI benchmarks' event-loop probe: a precise PROBE_MS timer calling `on_tick` (not started)."""
    from PySide6.QtCore import Qt, QTimer

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may fire 5% early or late by design
    timer.setInterval(PROBE_MS)
    timer.timeout.connect(on_tick)
    return timer


def run_queue_clock():
    """A function giving the calling thread's total time spent runnable but not running (ms), from the
    kernel's schedstat; it tells waiting for a core from waiting for a lock (the GIL) or the disk.
    Where /proc/thread-self/schedstat is missing it returns NaN."""
    try:
        fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
    except OSError:
        return lambda: float("nan")
    return lambda: int(os.pread(fd, 128, 0).split()[1]) / 1e6
