"""The main window's geometry: scrollable panes, dock widgets, the default size, and the size
and dock layout kept between runs in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, QSize
from PySide6.QtWidgets import QApplication, QDockWidget, QFrame, QMainWindow, QScrollArea, QWidget

DEFAULT_SIZE = QSize(1600, 1000)
SCREEN_SHARE = 0.95  # of a screen smaller than DEFAULT_SIZE


def shrinkable(widget: QWidget) -> QScrollArea:
    """Let a small screen (a 1366 x 768 projector) scroll a pane instead of widening the window."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def dock_widget(parent: QMainWindow, title: str, name: str, widget: QWidget) -> QDockWidget:
    """A dock that can be moved, floated and closed; `name` keys it in the saved layout."""
    dock = QDockWidget(title, parent)
    dock.setObjectName(name)
    dock.setWidget(widget)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    return dock


def default_size(window: QWidget) -> QSize:
    """DEFAULT_SIZE, or SCREEN_SHARE of a smaller screen."""
    screen = window.screen() or QApplication.primaryScreen()
    size = QSize(DEFAULT_SIZE)
    if screen is not None:
        available = screen.availableGeometry().size()
        size = size.boundedTo(QSize(int(available.width() * SCREEN_SHARE), int(available.height() * SCREEN_SHARE)))
    return size


def restore_layout(window: QMainWindow, settings: QSettings) -> bool:
    """The size and dock layout the window had when last closed; False on a first run."""
    geometry = settings.value("geometry")
    state = settings.value("windowState")
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    if isinstance(state, QByteArray):
        return window.restoreState(state)
    return False


def save_layout(window: QMainWindow, settings: QSettings) -> None:
    settings.setValue("geometry", window.saveGeometry())
    settings.setValue("windowState", window.saveState())
    settings.sync()


__all__ = ["default_size", "dock_widget", "restore_layout", "save_layout", "shrinkable"]
