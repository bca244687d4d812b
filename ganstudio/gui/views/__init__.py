"""The live views: each a QWidget with show_snapshot(snap) and clear(), drawing only what the snapshot holds."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from ganstudio.core.snapshot import Snapshot

from .image_view import ImageView
from .metrics_view import MetricsView
from .theory_panel import TheoryPanel
from .view1d import View1D
from .view2d import View2D


VIEWS = {0: ImageView, 1: View1D, 2: View2D}  # by Snapshot.dim: 0 for images


class DataView(QStackedWidget):
    """View1D, View2D or ImageView (dimension 0), whichever fits the snapshot; each is built on first use."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = QLabel("Press Play or Step to start training.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.addWidget(self.placeholder)
        self.views: dict[int, View1D | View2D | ImageView] = {}

    def view_for(self, dim: int) -> View1D | View2D | ImageView | None:
        if dim not in VIEWS:
            return None
        if dim not in self.views:
            self.views[dim] = VIEWS[dim](self)
            self.addWidget(self.views[dim])
        return self.views[dim]

    def show_snapshot(self, snap: Snapshot) -> None:
        view = self.view_for(snap.dim)
        if view is None:
            self.placeholder.setText(f"The live view draws 1D and 2D points and images; this data is "
                                     f"{snap.dim}-dimensional.")
            self.setCurrentWidget(self.placeholder)
            return
        view.show_snapshot(snap)
        self.setCurrentWidget(view)

    def clear(self) -> None:
        for view in self.views.values():
            view.clear()


__all__ = ["DataView", "ImageView", "View1D", "View2D", "MetricsView", "TheoryPanel"]
