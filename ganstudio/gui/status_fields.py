"""The status bar's permanent fields: device, step, steps per second and training time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QStatusBar

if TYPE_CHECKING:
    from ganstudio.core.snapshot import Snapshot


def clock(seconds: float) -> str:
    """m:ss, or h:mm:ss from an hour on."""
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class StatusFields:
    """Four labels added to `bar`, each as wide as its widest text, set from each Snapshot."""

    def __init__(self, bar: QStatusBar) -> None:
        self.device = QLabel()
        self.step = QLabel("step 0")
        self.rate = QLabel()
        self.time = QLabel()
        for label, widest, tip in (
                (self.device, "device: cuda", "Where the tensors live."),
                (self.step, "step 99,999,999", "Training iterations so far (each: D steps, then G steps)."),
                (self.rate, "99,999.9 steps/s", "Training iterations per second, measured by the trainer."),
                (self.time, "elapsed 99:59:59", "Training time so far.")):
            label.setToolTip(tip)
            # A fixed size: new text 30 times a second then repaints the label instead of
            # asking the whole window to lay itself out again.
            label.setFixedSize(label.fontMetrics().horizontalAdvance(widest) + 16, label.sizeHint().height())
            bar.addPermanentWidget(label)

    def show_snapshot(self, snap: Snapshot) -> None:
        self.device.setText(f"device: {snap.device}")
        self.step.setText(f"step {snap.step:,}")
        self.rate.setText(f"{snap.steps_per_s:,.1f} steps/s")
        self.time.setText(f"elapsed {clock(snap.elapsed_s)}")


__all__ = ["StatusFields", "clock"]
