"""What crosses between the window and the training loop: commands down, events up.

Commands travel as `(Command, value)` pairs, events as `(Event, payload)` pairs: through a
Mailbox to a loop on a thread, or pickled through a pipe to the training process.  Both are
`StrEnum`s: a member pickles as its class and value and unpickles to the same member, and a
member compares equal to its plain string ("play" == Command.PLAY), so a script that posts
the string reaches the same `case` in the loop.
"""

from __future__ import annotations

import threading
from collections import deque
from enum import StrEnum
from typing import Any


class Command(StrEnum):
    """A request to the training loop; the value posted with it is given after the dash."""

    PLAY = "play"  # - (refused while both networks are frozen)
    PAUSE = "pause"  # -
    STEP_D = "step_d"  # - one discriminator update with G fixed
    STEP_G = "step_g"  # - one generator update with D fixed
    STEP_BOTH = "step_both"  # - one training iteration
    RESET = "reset"  # - new networks from the seed, step 0
    SET_CONFIG = "set_config"  # TrainConfig, applied from the next step, weights kept where they fit
    LOAD_CONFIG = "load_config"  # TrainConfig, applied, then the trainer is reset
    FREEZE_D = "freeze_d"  # bool
    FREEZE_G = "freeze_g"  # bool
    SPEED = "speed"  # Speed
    FULL_SNAPSHOT = "full_snapshot"  # - send a frame with fresh grid measurements now
    FRAME_DONE = "frame_done"  # - the GUI has drawn one Snapshot; another may be sent
    STOP = "stop"  # - end the loop


class Event(StrEnum):
    """What the training loop (or the process running it) reports; the payload after the dash."""

    SNAPSHOT = "snapshot"  # Snapshot
    MESSAGE = "message"  # str, for the status bar
    ERROR = "error"  # str: training paused or stopped because of this
    CONFIG_APPLIED = "config_applied"  # TrainConfig the trainer now runs
    RUNNING_CHANGED = "running_changed"  # bool
    EXITED = "exited"  # int | None, the exit code: the training process is gone


class Mailbox:
    """Thread-safe queue of (Command, value) pairs, posted by the GUI, read by the loop."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._items: deque[tuple[Command, Any]] = deque()

    def put(self, command: Command, value: Any = None) -> None:
        with self._cond:
            self._items.append((command, value))
            self._cond.notify()

    def pending(self) -> bool:
        with self._cond:
            return bool(self._items)

    def take_all(self) -> list[tuple[Command, Any]]:
        with self._cond:
            items = list(self._items)
            self._items.clear()
        return items

    def wait(self, timeout: float) -> None:
        """Sleep until a command arrives or `timeout` seconds pass."""
        with self._cond:
            if not self._items:
                self._cond.wait(max(0.0, timeout))


__all__ = ["Command", "Event", "Mailbox"]
