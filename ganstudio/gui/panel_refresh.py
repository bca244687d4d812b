"""Which of the side panels (metric plots, theory text) a frame redraws, and when.

The samples view draws every frame.  While playing, the metric plots and the theory text
redraw when new grid metrics arrive and otherwise at most PANEL_HZ times a second, and not
at all while their dock tab is hidden: a loss curve that grows a few times a second looks
continuous, and the CPU goes to training instead.  One frame draws at most one of them (a
metric plot, or the theory text), so the event loop is never held for the sum.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ganstudio.core.snapshot import Snapshot

    from .views import MetricsView, TheoryPanel

PANEL_HZ = 2  # redraws per second of the metric plots and theory text while training runs


class PanelRefresh:
    """Stages the panels' part of each frame and draws it a piece at a time."""

    def __init__(self, metrics: MetricsView, theory: TheoryPanel,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.metrics = metrics
        self.theory = theory
        self._clock = clock
        self._seen: dict[object, tuple[float, int, int]] = {}  # panel -> (time, metrics_step, step) last shown
        self._theory_due: Snapshot | None = None  # a Snapshot the theory text is still to show
        self._theory_turn = False

    def catch_up(self, panel: MetricsView | TheoryPanel, snap: Snapshot | None) -> None:
        """A panel skipped frames while hidden: show it the latest snapshot as it appears."""
        if snap is not None:
            panel.show_snapshot(snap)
            self._seen[panel] = (self._clock(), snap.metrics_step, snap.step)

    def stage(self, snap: Snapshot, everything: bool) -> None:
        """With `everything`, draw both panels now; otherwise stage what is due for `draw_part`."""
        now = self._clock()
        for panel in (self.metrics, self.theory):
            seen = self._seen.get(panel)
            fresh = (seen is None or everything or snap.metrics_step != seen[1] or snap.step < seen[2]
                     or now - seen[0] >= 1.0 / PANEL_HZ)
            if fresh and (everything or panel.isVisible()):
                if everything:
                    panel.show_snapshot(snap)
                elif panel is self.metrics:  # staged: the plots are then drawn one per part
                    panel.stage_snapshot(snap)
                else:
                    self._theory_due = snap
                self._seen[panel] = (now, snap.metrics_step, snap.step)
        if everything:
            self._theory_due = None  # drawn just now, from this newer snapshot

    def part_due(self) -> bool:
        """A staged metric plot or theory text waits to be drawn."""
        return self._theory_due is not None or self.metrics.advance_pending()

    def draw_part(self) -> None:
        """Draw one staged piece: the next metric plot or the theory text, taking turns."""
        theory_first = self._theory_turn and self._theory_due is not None
        self._theory_turn = not self._theory_turn
        if not theory_first and self.metrics.isVisible() and self.metrics.advance_pending():
            self.metrics.advance()
        elif self._theory_due is not None:
            snap, self._theory_due = self._theory_due, None
            self.theory.show_snapshot(snap)


__all__ = ["PANEL_HZ", "PanelRefresh"]
