"""Loading an image file or folder in the background, with a progress dialog that can cancel.

The window asks `ImageFileLoader.load(path)`; exactly one of `loaded`, `failed` or `cancelled`
follows on the GUI thread. Nothing of the current run changes until `loaded` arrives.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from ganstudio.core.images.files import Cancel, Progress, load_images
from ganstudio.core.images.imageset import ImageSet

from .background import BackgroundRunner, JobOutcome

SHOW_AFTER_MS = 300  # a quick load finishes before its progress dialog would appear


@dataclass(frozen=True)
class LoadedImages:
    """A finished load: the path asked for and the images read from it."""

    path: str
    images: ImageSet


def _load(path: str, progress: Progress, cancel: Cancel) -> ImageSet:
    return load_images(path, progress=progress, cancel=cancel)


def display_name(path: str) -> str:
    """The file or folder's own name, as dialogs title it."""
    return os.path.basename(os.path.normpath(path)) or path


class ImageFileLoader(QObject):
    """Loads one image file or folder at a time on a thread of its own."""

    loaded = Signal(object)  # LoadedImages
    failed = Signal(str, str)  # path, the DataError's one-line message
    cancelled = Signal(str)  # path

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self._runner = BackgroundRunner("image loader", self)
        self._runner.progressed.connect(self._on_progress)
        self._runner.finished.connect(self._on_finished)
        self._path = ""
        self.dialog: QProgressDialog | None = None

    @property
    def busy(self) -> bool:
        return self._runner.busy

    @property
    def thread(self):
        return self._runner.thread

    def load(self, path: str) -> bool:
        """Start loading `path`; False while another load runs."""
        if not self._runner.start(functools.partial(_load, str(path))):
            return False
        self._path = str(path)
        dialog = QProgressDialog(f"Loading images from {display_name(self._path)}...", "Cancel", 0, 0, self._parent)
        dialog.setObjectName("image_load_progress")
        dialog.setWindowTitle("Loading images")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(SHOW_AFTER_MS)
        dialog.setAutoReset(False)
        dialog.setAutoClose(False)
        dialog.canceled.connect(self.cancel)
        self.dialog = dialog
        return True

    @Slot()
    def cancel(self) -> None:
        """Stop the load at its next chunk; `cancelled` follows and nothing changes."""
        if self._runner.busy:
            self._runner.cancel()
            if self.dialog is not None:
                self.dialog.setLabelText("Cancelling...")

    @Slot(object)
    def _on_progress(self, done_total: tuple[int, int]) -> None:
        done, total = done_total
        if self.dialog is not None and total > 0:
            self.dialog.setMaximum(total)
            self.dialog.setValue(min(done, total))
            self.dialog.setLabelText(f"Loading images from {display_name(self._path)}: {done:,} of {total:,}")

    @Slot(object)
    def _on_finished(self, outcome: JobOutcome) -> None:
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        path = self._path
        if outcome.cancelled or self._runner.cancel_requested:  # a cancel pressed as the load ended still holds
            self.cancelled.emit(path)
        elif outcome.failed:
            self.failed.emit(path, outcome.message)
        else:
            self.loaded.emit(LoadedImages(path, outcome.value))

    def shutdown(self) -> None:
        """Cancel any load, quit the thread and wait for it."""
        self._runner.shutdown()
