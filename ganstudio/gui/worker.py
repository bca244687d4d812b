"""The trainer thread: a QObject on a QThread that runs the training loop and turns what it
emits into queued Qt signals carrying immutable Snapshots.

The GUI never touches the Trainer: it posts commands into a Mailbox, read between steps.
By default the loop itself (ganstudio.core.loop) runs in a child process and this thread
relays commands down and Snapshots up: painting and torch's calls then never queue for
the same GIL (ganstudio.core.remote says why).  With an injected trainer or trainer
factory (tests, render) the loop runs right here on the thread instead.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from ganstudio.core.commands import Command, Event, Mailbox
from ganstudio.core.config import TrainConfig
from ganstudio.core.loop import (
    FRAME_S,
    LIVE_EVAL_SAMPLES,
    SPEEDS,
    LiveTrainer,
    Speed,
    TrainerFactory,
    TrainingLoop,
    finite_snapshot,
)

if TYPE_CHECKING:
    from ganstudio.core.remote import TrainingProcess

RELAY_POLL_S = 0.02  # how long the relay waits for the child before forwarding queued commands


class TrainerWorker(QObject):
    """Everything crossing to the GUI is a Snapshot, a TrainConfig, a bool or a str."""

    snapshot_ready = Signal(object)  # Snapshot
    messages = Signal(str)  # what apply_config/reset did, for the status bar
    error = Signal(str)  # training paused because of this (shown in a dialog)
    config_applied = Signal(object)  # the TrainConfig the trainer now runs (panels sync to it)
    running_changed = Signal(bool)
    finished = Signal()

    def __init__(self, config: TrainConfig, mailbox: Mailbox | None = None,
                 trainer_factory: TrainerFactory | None = None,
                 trainer: LiveTrainer | None = None, num_threads: int | None = 1, process: bool | None = None) -> None:
        super().__init__()
        self.mailbox = mailbox or Mailbox()
        self._config = config
        self._factory = trainer_factory
        self._trainer = trainer
        self._num_threads = num_threads
        self.use_process = (trainer is None and trainer_factory is None) if process is None else process
        self._stop = threading.Event()
        self.frames_emitted = 0  # Snapshots handed to the GUI; read once the thread has finished
        self.trainer_pid: int | None = None  # the training process, while there is one
        self._process: TrainingProcess | None = None  # set on the worker thread once the process runs; read by post()
        self._order = threading.Lock()  # keeps commands in the order the GUI posted them

    # ---- called from the GUI thread (thread-safe) ---------------------------
    def post(self, command: Command, value: Any = None) -> None:
        with self._order:
            process = self._process
            if process is not None and command != Command.STOP and not self.mailbox.pending():
                process.send(command, value)  # straight down the pipe: no wait for the relay's next poll
            else:
                self.mailbox.put(command, value)

    def request_stop(self) -> None:
        self._stop.set()
        self.mailbox.put(Command.STOP)

    def frame_done(self) -> None:
        """The GUI has drawn the last Snapshot; the next one may be sent."""
        self.post(Command.FRAME_DONE)

    # ---- on the worker thread -------------------------------------------------
    @Slot()
    def run(self) -> None:
        try:
            if self.use_process and self._start_process():
                self._relay()
            else:
                TrainingLoop(self._config, self.mailbox, self._dispatch, trainer_factory=self._factory,
                             trainer=self._trainer, num_threads=self._num_threads,
                             stopped=self._stop.is_set).run()
        finally:
            self.finished.emit()

    def _dispatch(self, kind: Event, payload: Any) -> None:
        match kind:
            case Event.SNAPSHOT:
                self.frames_emitted += 1
                self.snapshot_ready.emit(payload)
            case Event.MESSAGE:
                self.messages.emit(payload)
            case Event.ERROR:
                self.error.emit(payload)
            case Event.CONFIG_APPLIED:
                self.config_applied.emit(payload)
            case Event.RUNNING_CHANGED:
                self.running_changed.emit(payload)

    def _start_process(self) -> bool:
        from ganstudio.core.remote import TrainingProcess

        try:
            process = TrainingProcess(self._config, self._num_threads)
        except Exception as exc:  # e.g. no way to start processes here: train on this thread instead
            self.messages.emit(f"Training runs in the window's process: a separate one could not start ({exc}).")
            return False
        self.trainer_pid = process.pid
        if not self._relay_commands(process):  # what the GUI posted while the process started, in order
            self._stop.set()  # Command.STOP among them: the relay ends at once and stops the process
        self._process = process
        return True

    def _relay_commands(self, process: TrainingProcess) -> bool:
        """Forward queued commands; False once Command.STOP is among them."""
        with self._order:  # post() cannot overtake commands taken here but not yet sent
            for command, value in self.mailbox.take_all():
                if command == Command.STOP:
                    return False
                process.send(command, value)
        return True

    def _relay(self) -> None:
        process = self._process
        try:
            while not self._stop.is_set():
                if not self._relay_commands(process):
                    return
                for kind, payload in process.receive(RELAY_POLL_S):
                    if kind == Event.EXITED:
                        if not self._stop.is_set():
                            self.running_changed.emit(False)
                            self.error.emit(f"The training process ended unexpectedly (exit code {payload}). "
                                            "Close and reopen the window to start again.")
                        return
                    if kind == Event.SNAPSHOT and not finite_snapshot(payload):  # samples drawn here, from sent weights
                        process.send(Command.FRAME_DONE)  # it will not be drawn
                        process.send(Command.PAUSE)
                        self.error.emit("A frame's samples came out non-finite (NaN or infinite), so it was not "
                                        "drawn; training is paused. Try a smaller learning rate.")
                        continue
                    self._dispatch(kind, payload)
        finally:
            self._process = None
            process.stop()
            self.trainer_pid = None


__all__ = ["FRAME_S", "LIVE_EVAL_SAMPLES", "Command", "Mailbox", "SPEEDS", "Speed", "TrainerWorker"]
