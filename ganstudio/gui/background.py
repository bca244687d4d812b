"""One slow job at a time (loading an image file, downloading a set) on a QThread of its own.

A job is `job(progress, cancel)`: it reports `progress(done, total)` and polls `cancel()`, as
`load_images` and `download` do. What crosses threads is immutable: a (done, total) tuple while it
runs and a JobOutcome at the end. The runner lives on the GUI thread and re-emits both there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ganstudio.core.errors import DataError
from ganstudio.core.images.files import Cancel, LoadCancelled, Progress

Job = Callable[[Progress, Cancel], Any]
PROGRESS_INTERVAL_S = 0.05  # at most about 20 progress updates a second reach the GUI


@dataclass(frozen=True)
class JobOutcome:
    """How a job ended: `value` when it succeeded; else the one-line `message` of its DataError or
    of the cancellation."""

    value: Any = None
    message: str = ""
    failed: bool = False
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not (self.failed or self.cancelled)


class _JobWorker(QObject):
    """Lives on the runner's thread and runs the jobs sent to it."""

    progressed = Signal(object)  # (done, total)
    finished = Signal(object)  # JobOutcome

    def __init__(self, cancel: threading.Event) -> None:
        super().__init__()
        self._cancel = cancel
        self._last_progress = 0.0

    def _progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL_S or (total and done >= total):
            self._last_progress = now
            self.progressed.emit((int(done), int(total)))

    @Slot(object)
    def run(self, job: Job) -> None:
        self._last_progress = 0.0
        try:
            outcome = JobOutcome(value=job(self._progress, self._cancel.is_set))
        except LoadCancelled as exc:
            outcome = JobOutcome(message=str(exc), cancelled=True)
        except DataError as exc:
            outcome = JobOutcome(message=str(exc), failed=True)
        except Exception as exc:  # anything else must still end the job, or its dialog would wait forever
            outcome = JobOutcome(message=f"{type(exc).__name__}: {exc}", failed=True)
        self.finished.emit(outcome)


class BackgroundRunner(QObject):
    """Runs one job at a time on its own thread; `progressed(done, total)` and `finished(JobOutcome)`
    arrive on the GUI thread. `shutdown()` cancels the job, quits the thread and waits for it."""

    progressed = Signal(object)
    finished = Signal(object)
    _send = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._busy = False
        self.thread = QThread()
        self.thread.setObjectName(name)
        self._worker = _JobWorker(self._cancel)
        self._worker.moveToThread(self.thread)
        self._send.connect(self._worker.run)
        self._worker.progressed.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)

    @property
    def busy(self) -> bool:
        return self._busy

    def start(self, job: Job) -> bool:
        """Run `job` on the thread; False (and nothing starts) while another job runs."""
        if self._busy:
            return False
        if not self.thread.isRunning():
            self.thread.start()
        self._cancel.clear()
        self._busy = True
        self._send.emit(job)
        return True

    def cancel(self) -> None:
        """Ask the job to stop at its next poll; `finished` still follows."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @Slot(object)
    def _on_progress(self, done_total: tuple[int, int]) -> None:
        if self._busy:
            self.progressed.emit(done_total)

    @Slot(object)
    def _on_finished(self, outcome: JobOutcome) -> None:
        self._busy = False
        self.finished.emit(outcome)

    def shutdown(self) -> None:
        """Cancel the job, quit the thread and wait for it (never leave a QThread running)."""
        self._cancel.set()
        if self.thread.isRunning():
            self.thread.quit()
            # The job ends at its next poll of cancel (once a chunk of images or a block of bytes), or when a
            # stalled download's read times out; a QThread must never be destroyed while it runs.
            self.thread.wait()
