"""QApplication setup and the GUI entry point used by main.py, `python -m ganstudio` and `ganstudio`."""

from __future__ import annotations

import gc
import os
import sys

from PySide6.QtCore import QCoreApplication, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

APP_NAME = "GAN Studio"
BASE_POINT_SIZE = 11  # readable from the back of a classroom without zooming the projector


def ensure_app(headless: bool = False) -> QApplication:
    """The process's QApplication, created once; offscreen where there is no display."""
    app = QApplication.instance()
    if app is not None:
        return app
    no_display = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if (headless or no_display) and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # Qt's raster engine splits large fills and image draws over a pool of helper threads.  Here
    # they would take turns on the cores the training process needs, and waking them costs more
    # than the split saves.  Read once, when the pool is first wanted.
    os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication(sys.argv[:1])
    if app.platformName() == "offscreen":
        qInstallMessageHandler(_without_offscreen_notice)
    app.setApplicationDisplayName(APP_NAME)
    font = QFont(app.font())
    if font.pointSizeF() < BASE_POINT_SIZE:
        font.setPointSizeF(BASE_POINT_SIZE)
        app.setFont(font)
    configure_pyqtgraph()
    return app


# What the offscreen platform says of itself each time a window is shown: `render` and headless
# runs would print it to a user as if something had gone wrong.
OFFSCREEN_NOTICE = "This plugin does not support propagateSizeHints()"


def _without_offscreen_notice(kind: QtMsgType, context, message: str) -> None:
    """Qt's messages to stderr, as Qt prints them, less the offscreen platform's notice."""
    if message != OFFSCREEN_NOTICE:
        category = getattr(context, "category", None) or "default"
        print(message if category == "default" else f"{category}: {message}", file=sys.stderr)


def configure_pyqtgraph() -> None:
    import pyqtgraph as pg

    # Antialiased paths cost several times more to paint, and painting holds Python's GIL,
    # which the trainer thread needs between every torch call.
    pg.setConfigOptions(antialias=False)


def has_screen() -> bool:
    """False on a Linux machine with no X or Wayland display and no explicit Qt platform."""
    if "QT_QPA_PLATFORM" in os.environ or not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_gui(preset: str | None = None) -> int:
    """Open the main window on `preset` (ring-8 when None), ready to press Play; returns the exit code."""
    if QApplication.instance() is None and not has_screen():
        print("error: no display to open the window on (DISPLAY is not set); "
              "to draw the window into a file instead, run: "
              "python -m ganstudio render --preset ring-8 --steps 3000 --out ring-8.png", file=sys.stderr)
        return 1
    app = ensure_app()
    from .main_window import MainWindow

    window = MainWindow(preset=preset)
    window.show()
    freeze_startup_objects()
    _quit_on_ctrl_c(app, window)
    return app.exec()


def freeze_startup_objects() -> None:
    """Put every object alive now (Qt bindings, torch, pyqtgraph, the window) out of the
    cyclic garbage collector's reach: a full collection over them stalls the GUI thread every
    few minutes while training, and frozen objects are not traversed."""
    gc.collect()
    gc.freeze()


def _quit_on_ctrl_c(app: QApplication, window) -> None:
    """Ctrl+C in the terminal closes the window cleanly (the trainer thread is stopped and waited for)."""
    import signal

    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: window.close())
    timer = QTimer(window)  # Python runs signal handlers only when it gets control back from Qt
    timer.timeout.connect(lambda: None)
    timer.start(200)
