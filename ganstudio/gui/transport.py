"""The transport toolbar: play/pause, single steps, reset, speed and the freeze toggles."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QStyle, QToolBar, QWidget

from .worker import SPEEDS, Speed


class TransportBar(QToolBar):
    """Posts nothing itself: the window connects its actions to the worker's mailbox."""

    speed_changed = Signal(object)  # Speed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Transport", parent)
        self.setObjectName("transport")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        style = self.style()
        icon = style.standardIcon
        SP = QStyle.StandardPixmap

        self.play = self._action("Play", "Start or pause training.", "Space", checkable=True)
        self.play.setIcon(icon(SP.SP_MediaPlay))
        self.play.toggled.connect(self._show_play_state)
        self.step_d = self._action("Step D", "One discriminator update with G fixed: ascend V(G,D) once.", "D")
        self.step_d.setIcon(icon(SP.SP_MediaSeekForward))
        self.step_g = self._action("Step G", "One generator update with D fixed: descend V(G,D) once.", "G")
        self.step_g.setIcon(icon(SP.SP_MediaSeekForward))
        self.step_both = self._action(
            "Step", "One iteration: the configured D steps, then the G steps (same as one step while playing).", "S")
        self.step_both.setIcon(icon(SP.SP_MediaSkipForward))
        self.reset = self._action("Reset", "New networks from the seed, back to step 0.", "R")
        self.reset.setIcon(icon(SP.SP_BrowserReload))
        self.addSeparator()

        speed_label = QLabel(" Speed ")
        self.addWidget(speed_label)
        self.speed = QComboBox()
        self.speed.setObjectName("speed")
        self.speed.setToolTip("How many training steps happen between two drawn frames; "
                              "slow motion draws every step so the class can follow one update.")
        for speed in SPEEDS:
            self.speed.addItem(speed.label, speed)
        self.speed.activated.connect(lambda i: self.speed_changed.emit(self.speed.itemData(i)))
        self.addWidget(self.speed)
        self.addSeparator()

        self.freeze_d = self._action(
            "Freeze D", "Keep D fixed and train only G: G then chases whatever this D rewards.", checkable=True)
        self.freeze_g = self._action(
            "Freeze G", "Keep G fixed and train only D: D(x) approaches the optimum "
            "D*(x) = p_data(x) / (p_data(x) + p_G(x)).", checkable=True)

    def _action(self, text: str, tip: str, shortcut: str | None = None, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        action.setToolTip(f"{tip}" if not shortcut else f"{tip} [{shortcut}]")
        action.setStatusTip(tip)
        action.setCheckable(checkable)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(action)
        return action

    def _show_play_state(self, playing: bool) -> None:
        SP = QStyle.StandardPixmap
        self.play.setText("Pause" if playing else "Play")
        self.play.setIcon(self.style().standardIcon(SP.SP_MediaPause if playing else SP.SP_MediaPlay))

    @Slot(bool)
    def set_playing(self, playing: bool) -> None:
        """Reflect the worker's state without re-posting a command."""
        self.play.blockSignals(True)
        self.play.setChecked(playing)
        self.play.blockSignals(False)
        self._show_play_state(playing)

    def current_speed(self) -> Speed:
        return self.speed.currentData()
