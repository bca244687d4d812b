"""The desktop app (PySide6 + pyqtgraph). Everything that imports Qt lives under here."""

from .app import run_gui

__all__ = ["run_gui"]
