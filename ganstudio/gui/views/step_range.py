"""One step range shared by the metric plots: it follows training in jumps and keeps a range
the user zoomed or panned to."""

from __future__ import annotations

import pyqtgraph as pg

from .axis_ranges import nice_ceiling


class SharedStepRange:
    """The plots share one step range but are not linked with pyqtgraph's setXLink: a linked
    range change reaches every plot at once, and pyqtgraph maps a linked range by screen position,
    which a hidden plot does not have. Each plot takes the range training sets when its own turn
    to redraw comes (apply); a user's zoom or pan on one plot reaches all of them at once."""

    def __init__(self) -> None:
        self._plots: list[pg.PlotItem] = []
        self._follow: tuple[float, float] | None = None  # where the step axes follow training
        self._user: tuple[float, float] | None = None  # a range the user zoomed or panned to
        self._syncing = False

    def add(self, plot: pg.PlotItem) -> None:
        plot.enableAutoRange(axis="x", enable=False)  # follow_steps widens it in jumps instead
        plot.getViewBox().sigXRangeChanged.connect(self._changed)
        self._plots.append(plot)

    def follow_steps(self, step: int) -> None:
        """Widen the range in jumps (to 1, 2, 2.5 or 5 x 10^k), not every frame. A range the user
        zoomed or panned to is kept until training restarts."""
        restarted = self._follow is not None and step < self._follow[1] / 20
        if restarted:
            self._user = None
        if self._follow is None or restarted or step > 0.98 * self._follow[1]:
            self._follow = (0.0, nice_ceiling(max(1.25 * step, 100.0)))

    def apply(self, plot: pg.PlotItem) -> None:
        """Give one plot the shared range."""
        target = self._user or self._follow
        if target is None:
            return
        x0, x1 = plot.getViewBox().viewRange()[0]
        tol = 1e-9 * max(1.0, abs(target[1]))
        if abs(x0 - target[0]) > tol or abs(x1 - target[1]) > tol:
            self._syncing = True
            try:
                plot.setXRange(*target, padding=0)
            finally:
                self._syncing = False

    def reset(self) -> None:
        self._follow = self._user = None

    def _changed(self, viewbox, x_range) -> None:
        """The user zoomed or panned one plot's steps: the others follow, as linked axes would."""
        if self._syncing:
            return
        self._user = (float(x_range[0]), float(x_range[1]))
        self._syncing = True
        try:
            for p in self._plots:
                if p.getViewBox() is not viewbox:
                    p.setXRange(*self._user, padding=0)
        finally:
            self._syncing = False


__all__ = ["SharedStepRange"]
