"""The live views: each a QWidget with show_snapshot(snap) and clear(), drawing only what the snapshot holds."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from ganstudio.core.snapshot import Snapshot

from .metrics_view import MetricsView
from .theory_panel import TheoryPanel
from .view1d import View1D
from .view2d import View2D


class DataView(QStackedWidget):
    """View1D or View2D, whichever fits the snapshot's dimension; each is built on first use."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = QLabel("Press Play or Step to start training.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.addWidget(self.placeholder)
        self.views: dict[int, View1D | View2D] = {}

    def view_for(self, dim: int) -> View1D | View2D | None:
        if dim not in (1, 2):
            return None
        if dim not in self.views:
            self.views[dim] = View1D(self) if dim == 1 else View2D(self)
            self.addWidget(self.views[dim])
        return self.views[dim]

    def show_snapshot(self, snap: Snapshot) -> None:
        view = self.view_for(snap.dim)
        if view is None:
            self.placeholder.setText(f"The live density view draws 1D and 2D data; this data is {snap.dim}-dimensional.")
            self.setCurrentWidget(self.placeholder)
            return
        view.show_snapshot(snap)
        self.setCurrentWidget(view)

    def clear(self) -> None:
        for view in self.views.values():
            view.clear()


__all__ = ["DataView", "View1D", "View2D", "MetricsView", "TheoryPanel"]
