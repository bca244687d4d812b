"""When the window draws a Snapshot, and when it tells the trainer that a frame is done.

Snapshots are drawn from a zero timer: two arriving together are drawn once, as the newer,
and timers and input get a turn between frames.  A frame is over when the event loop is
about to sleep, its paints included.  The GUI then rests in proportion to what the frame
cost, so drawing takes at most `budget` of the GUI thread, and only then acknowledges every
Snapshot that arrived (one frame-done each), which lets the trainer send the next ones.

`FramePacing` holds these rules without Qt; `FramePacer` runs them on Qt's event loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum, auto
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractEventDispatcher, QObject, QTimer, Slot

if TYPE_CHECKING:
    from ganstudio.core.snapshot import Snapshot

GUI_BUDGET = 0.7  # at most this share of the GUI thread goes to drawing frames while training runs
WATCHDOG_MS = 500  # a frame counts as over after this long even if the event loop never idles


class Idle(Enum):
    """What the event loop's going to sleep means for the frame being drawn."""

    NO_FRAME = auto()  # none is being drawn
    DRAW_PART = auto()  # the samples are painted: the panel part due with them gets a turn of its own
    FRAME_OVER = auto()  # rest `rest_ms()`, then `release()`


class FramePacing:
    """The pacing rules on a clock of their own (seconds, increasing)."""

    def __init__(self, budget: float = GUI_BUDGET, clock: Callable[[], float] = time.perf_counter) -> None:
        if not 0.0 < budget <= 1.0:
            raise ValueError(f"budget must be in (0, 1], not {budget}")
        self.budget = budget
        self._clock = clock
        self._pending: Snapshot | None = None
        self._draw_scheduled = False
        self._unacked = 0
        self._started: float | None = None
        self.part_due = False  # a metric plot or the theory text drawn with this frame waits for its paint
        self.cost_s = 0.0  # GUI time of the last frame, from its first draw to the event loop's sleep

    @property
    def in_frame(self) -> bool:
        """A frame of the live loop is being drawn (from its first draw until it is over)."""
        return self._started is not None

    def arrived(self, frame: Snapshot) -> bool:
        """Keep `frame` as the one to draw next and count it for acknowledgement; True when a
        draw is to be scheduled (False: one already is, and will draw this newer frame)."""
        self._unacked += 1
        self._pending = frame
        if self._draw_scheduled:
            return False
        self._draw_scheduled = True
        return True

    def take(self) -> Snapshot | None:
        """For the scheduled draw: the newest frame not drawn yet, or None.  Taking one starts
        the current frame's clock unless it already runs."""
        self._draw_scheduled = False
        frame, self._pending = self._pending, None
        if frame is not None and self._started is None:
            self._started = self._clock()
        return frame

    def idle(self) -> Idle:
        """The event loop is about to sleep (or the watchdog fired)."""
        if self._started is None:
            return Idle.NO_FRAME
        if self.part_due:
            self.part_due = False
            return Idle.DRAW_PART
        self.cost_s = self._clock() - self._started
        self._started = None
        return Idle.FRAME_OVER

    def rest_ms(self) -> int:
        """How long the GUI rests after the last frame, so drawing keeps to `budget` of its time."""
        return int(1000 * self.cost_s * (1.0 / self.budget - 1.0))

    def release(self) -> int:
        """How many frames to acknowledge now: every one that arrived since the last release."""
        n, self._unacked = self._unacked, 0
        return n


class FramePacer(QObject):
    """FramePacing on the GUI thread's event loop.

    `draw(frame)` draws a frame (a panel part it defers sets `part_due`); `draw_part()` draws
    that part in a turn of its own; `frame_over()` runs when a frame's drawing is over;
    `frame_done()` acknowledges one frame to the trainer.
    """

    def __init__(self, draw: Callable[[Snapshot], None], draw_part: Callable[[], None],
                 frame_over: Callable[[], None], frame_done: Callable[[], None],
                 budget: float = GUI_BUDGET, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pacing = FramePacing(budget)
        self._draw = draw
        self._draw_part = draw_part
        self._frame_over = frame_over
        self._frame_done = frame_done
        QAbstractEventDispatcher.instance().aboutToBlock.connect(self._on_idle)
        self._watchdog = QTimer(self)  # an event loop that never idles still gets frames
        self._watchdog.setSingleShot(True)
        self._watchdog.setInterval(WATCHDOG_MS)
        self._watchdog.timeout.connect(self._on_idle)

    @property
    def in_frame(self) -> bool:
        return self.pacing.in_frame

    @property
    def part_due(self) -> bool:
        return self.pacing.part_due

    @part_due.setter
    def part_due(self, due: bool) -> None:
        self.pacing.part_due = due

    @Slot(object)
    def on_frame(self, frame: Snapshot) -> None:
        """A Snapshot arrived from the trainer."""
        if self.pacing.arrived(frame):
            QTimer.singleShot(0, self._draw_pending)

    @Slot()
    def _draw_pending(self) -> None:
        frame = self.pacing.take()
        if frame is None:
            return
        try:
            self._draw(frame)
        finally:
            self._watchdog.start()

    @Slot()
    def _on_idle(self) -> None:
        match self.pacing.idle():
            case Idle.NO_FRAME:
                return
            case Idle.DRAW_PART:
                QTimer.singleShot(0, self._on_draw_part)
                self._watchdog.start()
            case Idle.FRAME_OVER:
                self._watchdog.stop()
                self._frame_over()
                rest_ms = self.pacing.rest_ms()
                if rest_ms <= 1:
                    self._release()
                else:
                    QTimer.singleShot(rest_ms, self._release)

    @Slot()
    def _on_draw_part(self) -> None:
        self._draw_part()

    @Slot()
    def _release(self) -> None:
        for _ in range(self.pacing.release()):
            self._frame_done()


__all__ = ["GUI_BUDGET", "FramePacer", "FramePacing", "Idle"]
