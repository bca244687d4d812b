"""Pictures of the window, for `render` and File > Save window as PNG."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QWidget


def save_window_png(window: QWidget, out: str | os.PathLike) -> bool:
    """Grab the whole window (menus, dock, views, status bar) as it is drawn now; False if `out`
    cannot be written."""
    return window.grab().save(os.fspath(out), "PNG")


__all__ = ["save_window_png"]
