"""Data → Download…: fetch MNIST, Fashion-MNIST or KMNIST into the cache in the background.

Each set is listed with its state; Download fetches what is missing (a file cancelled half-way keeps
its .part and the next Download resumes it), the bar counts the bytes of the file being fetched, and a
failure (offline, a bad checksum) is shown in the DataError's own words.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.images.download import DOWNLOADS, cache_dir, download, is_downloaded
from ganstudio.core.images.files import Cancel, Progress

from .background import BackgroundRunner, JobOutcome

KIB = 1024


def _fetch(name: str, progress: Progress, cancel: Cancel) -> Path:
    return download(name, progress=progress, cancel=cancel)


def megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def state_text(name: str) -> str:
    """A set's line in the list: its title, its name and whether it is in the cache."""
    spec = DOWNLOADS[name]
    return f"{spec.title} ({name}) \u2014 {'downloaded' if is_downloaded(name) else 'not downloaded'}"


class DownloadDialog(QDialog):
    """Lists the downloadable sets; `downloaded(name)` once a set is complete in the cache and
    `use_requested(name)` when the user asks to train on a downloaded set."""

    downloaded = Signal(str)
    use_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None, select: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("download_dialog")
        self.setWindowTitle("Download image sets")
        self._runner = BackgroundRunner("download", self)
        self._runner.progressed.connect(self._on_progress)
        self._runner.finished.connect(self._on_finished)
        self._fetching = ""

        self.sets = QListWidget()
        self.sets.setObjectName("download_sets")
        for name in DOWNLOADS:
            item = QListWidgetItem(state_text(name))
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.sets.addItem(item)
        self.sets.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.sets.setMinimumWidth(self.sets.sizeHintForColumn(0) + 4 * self.sets.frameWidth() + 8)
        self.sets.setMaximumHeight(self.sets.sizeHintForRow(0) * (self.sets.count() + 1) + 2 * self.sets.frameWidth())

        self.where = QLabel(f"Saved in {cache_dir()}")
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.where.setStyleSheet("color: palette(mid);")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.bar.setFormat("")
        self.message = QLabel("Choose a set and press Download.")
        self.message.setObjectName("download_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.download_button = QPushButton("Download")
        self.download_button.setToolTip("Fetch the set's files into the cache; a download cancelled "
                                         "before resumes where it stopped.")
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the download; what has arrived is kept for the next Download.")
        self.cancel_button.clicked.connect(self.cancel_download)
        self.use_button = QPushButton("Train on it")
        self.use_button.setToolTip("Switch the run to this set (new networks are built for it).")
        self.use_button.clicked.connect(self._use)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.download_button, self.cancel_button, self.use_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        column = QVBoxLayout(self)
        column.addWidget(self.sets)
        column.addWidget(self.where)
        column.addWidget(self.bar)
        column.addWidget(self.message)
        column.addLayout(buttons)
        self.select(select)

    # ---- state -----------------------------------------------------------------
    def select(self, name: str | None) -> None:
        """Make `name` the chosen set (the first one where it is not listed)."""
        row = next((i for i in range(self.sets.count())
                    if self.sets.item(i).data(Qt.ItemDataRole.UserRole) == name), 0)
        self.sets.setCurrentRow(row)
        self._update_buttons()

    def chosen(self) -> str | None:
        item = self.sets.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    @property
    def busy(self) -> bool:
        return self._runner.busy

    def _update_buttons(self) -> None:
        name = self.chosen()
        ready = name is not None and is_downloaded(name)
        self.download_button.setEnabled(not self.busy and name is not None and not ready)
        self.cancel_button.setEnabled(self.busy)
        self.use_button.setEnabled(not self.busy and ready)
        self.sets.setEnabled(not self.busy)

    def _refresh_states(self) -> None:
        for i in range(self.sets.count()):
            item = self.sets.item(i)
            item.setText(state_text(item.data(Qt.ItemDataRole.UserRole)))

    # ---- downloading -------------------------------------------------------------
    @Slot()
    def start_download(self) -> None:
        name = self.chosen()
        if name is None or not self._runner.start(functools.partial(_fetch, name)):
            return
        self._fetching = name
        self.bar.setRange(0, 0)  # busy until the server says how large the file is
        self.bar.setFormat("")
        self.message.setStyleSheet("")
        self.message.setText(f"Downloading {DOWNLOADS[name].title}...")
        self._update_buttons()

    @Slot()
    def cancel_download(self) -> None:
        if self.busy:
            self._runner.cancel()
            self.message.setText("Cancelling...")

    @Slot(object)
    def _on_progress(self, done_total: tuple[int, int]) -> None:
        done, total = done_total
        if total > 0:  # kibibytes: a progress bar counts in int
            self.bar.setRange(0, max(1, total // KIB))
            self.bar.setValue(min(done, total) // KIB)
            self.bar.setFormat(f"{megabytes(done)} of {megabytes(total)}")
        else:
            self.bar.setRange(0, 0)
            self.bar.setFormat(megabytes(done))

    @Slot(object)
    def _on_finished(self, outcome: JobOutcome) -> None:
        name, self._fetching = self._fetching, ""
        title = DOWNLOADS[name].title if name in DOWNLOADS else name
        self._refresh_states()
        if outcome.ok:
            self.bar.setRange(0, 1)
            self.bar.setValue(1)
            self.bar.setFormat("done")
            self.message.setStyleSheet("")
            self.message.setText(f"{title} is downloaded: choose {name} under Data \u2192 Distribution, "
                                 f"or press Train on it.")
            self.downloaded.emit(name)
        elif outcome.cancelled:
            self._reset_bar()
            self.message.setStyleSheet("")
            self.message.setText(f"Cancelled: {outcome.message}. Press Download to resume.")
        else:
            self._reset_bar()
            self.message.setStyleSheet("color: #b00020;")
            self.message.setText(f"{title} could not be downloaded: {outcome.message}")
        self._update_buttons()

    def _reset_bar(self) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("")

    @Slot()
    def _use(self) -> None:
        name = self.chosen()
        if name is not None and is_downloaded(name):
            self.use_requested.emit(name)
            self.accept()

    # ---- closing -----------------------------------------------------------------
    def shutdown(self) -> None:
        """Cancel a running download (its .part file stays), quit the thread and wait for it."""
        self._runner.shutdown()

    def done(self, result: int) -> None:  # Close, Escape, the window's close button, accept
        self.shutdown()
        super().done(result)
