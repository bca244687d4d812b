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
