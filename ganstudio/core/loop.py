"""The live training loop behind the window, as a plain object: no Qt, no threads of its own.

The loop trains, reads commands (play, pause, steps, new config, reset, speed, freeze)
from a mailbox between steps, and hands Snapshots and messages to an `emit` callback at
most 30 times a second.  The GUI runs it in a separate process (so painting and training
never wait for each other's GIL) or, for tests and injected trainers, on a QThread; the
loop is the same in both.  Training never waits for the GUI: while FRAMES_IN_FLIGHT
Snapshots are not yet drawn (no Command.FRAME_DONE for them) it keeps training and skips emitting.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .commands import Command, Event
from .frames import NetWeights

if TYPE_CHECKING:
    from .config import TrainConfig
    from .snapshot import Snapshot

FRAME_S = 1.0 / 30.0  # at most 30 snapshots a second reach the views
FULL_EVERY_S = 0.75  # grid densities and metrics (snapshot(full=True)) at most 1.3 times a second...
FULL_BUDGET = 0.04  # ...and less often when they are slow: they may take 4% of a core's time
# While playing, those measurements run on a thread of their own, on copies of the networks, so
# the training thread does not wait for them; at this nice level the GUI and training come first.
MEASURE_NICE = 5
# Samples of P_G behind the live grid metrics: fewer than the CLI's, so that a measurement fits the
# budget above on one core often enough for the metric plots to move, at the price of a higher
# noise floor beside JSD.
LIVE_EVAL_SAMPLES = 20_000
# Snapshots sent but not yet drawn: with two, the next frame is computed and on its way
# while the GUI draws the last one, so a frame's round trip does not cut the frame rate.
FRAMES_IN_FLIGHT = 2

@dataclass(frozen=True)
class Speed:
    """How fast training is shown: `steps_per_frame` 0 means as fast as the CPU allows."""

    steps_per_frame: int = 0
    frame_s: float = FRAME_S

    @property
    def label(self) -> str:
        if self.steps_per_frame == 0:
            return "Full speed"
        per_s = 1.0 / self.frame_s
        if per_s < 2:
            return f"Slow motion: 1 step every {self.frame_s:g} s" if self.steps_per_frame == 1 else (
                f"{self.steps_per_frame} steps every {self.frame_s:g} s")
        return f"{self.steps_per_frame} step{'s' if self.steps_per_frame > 1 else ''} per frame"


SPEEDS = (
    Speed(0),
    Speed(100),
    Speed(10),
    Speed(1),
    Speed(1, 0.25),
    Speed(1, 1.0),
)


class Inbox(Protocol):
    """Where the loop reads its commands: a commands.Mailbox, or the training process's pipe."""

    def take_all(self) -> list[tuple[Command, Any]]: ...

    def wait(self, timeout: float) -> None: ...


class LiveTrainer(Protocol):
    """What the loop reads and calls on its trainer (core.trainer.Trainer is one)."""

    @property
    def config(self) -> TrainConfig: ...

    @property
    def measured(self) -> bool:
        """A grid measurement exists for the current networks."""

    def step(self, train_d: bool = True, train_g: bool = True) -> object: ...

    def reset(self) -> None: ...

    def apply_config(self, new: TrainConfig) -> Iterable[str]:
        """Notes on what changed; raises ValueError for settings that cannot be used."""

    def snapshot(self, full: bool = True, overlays: bool = True, draw: bool = True) -> Snapshot: ...

    def measurement_job(self) -> Callable[[], Any]:
        """A grid measurement of the networks as they are now, to run on another thread."""

    def accept_measurement(self, result: Any) -> bool:
        """Use a finished job's result, unless the networks it measured are gone; whether it was used."""


TrainerFactory = Callable[["TrainConfig"], LiveTrainer]


def finite_snapshot(snap: Snapshot) -> bool:
    """A Snapshot the views may draw: no NaN or infinity in what they plot (or, for one on its way
    to another process, in the weights its samples will be drawn from)."""
    seen: set[int] = set()  # a weights frame's `fake` and `fake_grad` are one NetWeights
    for name in ("real", "fake", "fake_grad", "d_grid", "p_g_grid"):
        arr = getattr(snap, name, None)
        if id(arr) in seen:
            continue
        seen.add(id(arr))
        if isinstance(arr, NetWeights):
            if not arr.finite():
                return False
        elif arr is not None and arr.size and not np.isfinite(arr).all():
            return False
    return True


def make_live_trainer(config: TrainConfig) -> LiveTrainer:
    from .trainer import Trainer

    return Trainer(config, eval_samples=LIVE_EVAL_SAMPLES)


class TrainingLoop:
    """Owns the Trainer; `run()` returns after Command.STOP (or when `stopped()` says so)."""

    def __init__(self, config: TrainConfig, inbox: Inbox, emit: Callable[[Event, Any], None],
                 trainer_factory: TrainerFactory | None = None, trainer: LiveTrainer | None = None,
                 num_threads: int | None = 1, stopped: Callable[[], bool] | None = None,
                 send_weights: bool = False) -> None:
        self.inbox = inbox
        # frames carry the networks' weights, and the receiver (another process) draws their samples
        self.send_weights = send_weights
        self._emit_out = emit
        self._config = config
        self._factory: TrainerFactory = trainer_factory or make_live_trainer
        self.trainer: LiveTrainer | None = trainer
        self._num_threads = num_threads
        self._stopped = stopped or (lambda: False)
        self._stop = False
        self._in_flight = 0  # Snapshots emitted and not yet acknowledged by Command.FRAME_DONE
        self._running = False
        self._freeze_d = False
        self._freeze_g = False
        self._speed = SPEEDS[0]
        self._last_emit = 0.0
        self._next_due = 0.0  # full speed: frames fall due on a 1/30 s grid, not 1/30 s after the last
        self._last_full = 0.0
        self._full_every = FULL_EVERY_S  # grows with the measured cost of a full snapshot
        self._frame_steps = 0
        self._want_full = True
        self._overlay_turn = True  # playing, a frame in two refreshes the manifold and the arrows
        self._measuring: Future | None = None  # a grid measurement running beside training
        self._measure_pool: ThreadPoolExecutor | None = None
        self.frames_emitted = 0

    @property
    def stopping(self) -> bool:
        return self._stop or self._stopped()

    def run(self) -> None:
        try:
            if self._num_threads:
                import torch

                torch.set_num_threads(self._num_threads)
            if self.trainer is None:
                self.trainer = self._factory(self._config)
            self._emit(full=True, force=True)
            while not self.stopping:
                self._handle(self.inbox.take_all())
                if self.stopping:
                    break
                if self._running:
                    self._play_tick()
                else:
                    self.inbox.wait(0.25)
        except Exception as exc:  # the loop must always end cleanly, with a message
            self._emit_out(Event.ERROR, f"The trainer stopped: {exc}\n\n{traceback.format_exc(limit=3)}")
        finally:
            if self._measure_pool is not None:  # a measurement in progress takes a tenth of a second
                self._measure_pool.shutdown(wait=True, cancel_futures=True)

    # ---- commands -----------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        if running != self._running:
            self._running = running
            self._frame_steps = 0
            self._emit_out(Event.RUNNING_CHANGED, running)

    def _handle(self, commands: list[tuple[Command, Any]]) -> None:
        for command, value in commands:
            match command:
                case Command.STOP:
                    self._stop = True
                    return
                case Command.FRAME_DONE:
                    self._in_flight = max(0, self._in_flight - 1)
                case Command.PLAY:
                    if self._freeze_d and self._freeze_g:
                        self._emit_out(Event.MESSAGE, "Both networks are frozen: unfreeze D or G to train.")
                    else:
                        self._set_running(True)
                case Command.PAUSE:
                    self._set_running(False)
                    self._emit(full=True, force=True)
                case Command.STEP_D | Command.STEP_G | Command.STEP_BOTH:
                    self._set_running(False)
                    self._train(train_d=command != Command.STEP_G, train_g=command != Command.STEP_D)
                    self._emit(full=True, force=True)
                case Command.RESET:
                    self.trainer.reset()
                    self._emit_out(Event.MESSAGE, "Reset: new networks from the seed, step 0.")
                    self._emit(full=True, force=True)
                case Command.SET_CONFIG:
                    self._apply(value, reset=False)
                case Command.LOAD_CONFIG:
                    self._apply(value, reset=True)
                case Command.FREEZE_D:
                    self._freeze_d = bool(value)
                case Command.FREEZE_G:
                    self._freeze_g = bool(value)
                case Command.SPEED:
                    self._speed = value
                    self._frame_steps = 0
                case Command.FULL_SNAPSHOT:
                    self._emit(full=True, force=True)
                case _:
                    raise ValueError(f"unknown trainer command {command!r}")
        if self._running and self._freeze_d and self._freeze_g:
            self._set_running(False)
            self._emit_out(Event.MESSAGE, "Both networks are frozen: training paused.")

    def _apply(self, config: TrainConfig, reset: bool) -> None:
        try:
            notes = list(self.trainer.apply_config(config))
            if reset:
                self.trainer.reset()
        except ValueError as exc:  # ConfigError, or DataError for a file that cannot be trained on
            self._emit_out(Event.ERROR, f"That setting cannot be used: {exc}. The previous settings are kept.")
            self._emit_out(Event.CONFIG_APPLIED, self.trainer.config)
            return
        except Exception as exc:
            self._set_running(False)
            self._emit_out(Event.ERROR, f"Applying the settings failed: {exc}. Training is paused.")
            self._emit_out(Event.CONFIG_APPLIED, self.trainer.config)
            return
        self._emit_out(Event.CONFIG_APPLIED, self.trainer.config)
        if notes:
            self._emit_out(Event.MESSAGE, "; ".join(notes))
        self._emit(full=True, force=not self._running)

    # ---- training -----------------------------------------------------------
    def _train(self, train_d: bool, train_g: bool) -> bool:
        """One trainer step; on failure pause with a message (the trainer kept its last good weights)."""
        from .trainer import NonFiniteError

        try:
            self.trainer.step(train_d=train_d, train_g=train_g)
            return True
        except NonFiniteError as exc:
            self._fail(f"Training produced a non-finite value and was paused: {exc}. "
                       "The last good weights are kept; try a smaller learning rate.")
        except Exception as exc:
            self._fail(f"Training failed and was paused: {type(exc).__name__}: {exc}. "
                       "The last good weights are kept.")
        return False

    def _fail(self, message: str) -> None:
        self._set_running(False)
        self._emit_out(Event.ERROR, message)
        self._emit(full=True, force=True)

    def _play_tick(self) -> None:
        """Train one step, then send a frame if it is time; in paced modes wait for the next frame."""
        if not self._train(train_d=not self._freeze_d, train_g=not self._freeze_g):
            return
        self._frame_steps += 1
        now = time.perf_counter()
        speed = self._speed
        if speed.steps_per_frame == 0:
            due_full = self._want_full or now - self._last_full >= self._full_every
            if now >= self._next_due and self._emit(full=due_full, background=True):
                # a frame sent late (at a step's end) lets the next come early, by up to half a
                # frame, so the frame rate holds at 1/frame_s however a step's end falls
                self._next_due = max(self._next_due, now - speed.frame_s / 2) + speed.frame_s
            return
        if self._frame_steps < speed.steps_per_frame:
            return
        self._frame_steps = 0
        # Paced modes show every frame they promise, so here (only) the loop waits for the GUI.
        while self._in_flight >= FRAMES_IN_FLIGHT:
            if self.stopping:
                return
            self.inbox.wait(0.02)
            self._handle(self.inbox.take_all())
            if not self._running:
                return
        slow = speed.frame_s >= 0.2  # slow motion: every frame carries fresh D(x), D* and metrics
        self._emit(full=slow or now - self._last_full >= self._full_every, background=not slow)
        deadline = self._last_emit + speed.frame_s
        while not self.stopping:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            self.inbox.wait(left)
            commands = self.inbox.take_all()
            if commands:
                self._handle(commands)
                if any(c != Command.FRAME_DONE for c, _ in commands):
                    break

    def _emit(self, full: bool, force: bool = False, background: bool = False) -> bool:
        """Send a Snapshot unless the GUI is still drawing the previous ones (forced frames always
        go); returns whether one was sent.  With `background`, a due grid measurement is started
        on the measuring thread and this frame carries the last finished one."""
        if not force and self._in_flight >= FRAMES_IN_FLIGHT:
            self._want_full = self._want_full or full
            return False
        if full and background and self.trainer.measured:
            self._measure_in_background()
            full = False
        else:
            self._collect_measurement(wait=full)
        first = not self.trainer.measured  # its cost includes one-off caches: not a measure of the next
        t0 = time.perf_counter()
        self._overlay_turn = not self._overlay_turn
        snap = self.trainer.snapshot(full=full, overlays=force or not background or self._overlay_turn,
                                     draw=not self.send_weights)
        now = time.perf_counter()
        self._last_emit = now
        if full:
            self._last_full = now
            self._want_full = False
            if not first:
                self._full_every = max(FULL_EVERY_S, (now - t0) / FULL_BUDGET)
        if not finite_snapshot(snap):
            self._set_running(False)
            self._emit_out(Event.ERROR, "The snapshot held a non-finite value, so it was not drawn; training is paused.")
            return False
        self._in_flight += 1
        self.frames_emitted += 1
        self._emit_out(Event.SNAPSHOT, snap)
        return True

    def _measure_in_background(self) -> None:
        self._collect_measurement(wait=False)
        if self._measuring is not None:
            return
        if self._measure_pool is None:
            self._measure_pool = ThreadPoolExecutor(1, thread_name_prefix="measure", initializer=_lower_priority)
        self._want_full = False
        self._last_full = time.perf_counter()
        self._measuring = self._measure_pool.submit(_cpu_timed, self.trainer.measurement_job())

    def _collect_measurement(self, wait: bool) -> None:
        """Hand a finished background measurement to the trainer (with `wait`, wait for it first:
        a synchronous one must come after it); a failure in it raises here, as a synchronous one would."""
        job = self._measuring
        if job is None or not (wait or job.done()):
            return
        self._measuring = None
        result, cpu_s = job.result()
        if self.trainer.accept_measurement(result):
            self._last_full = time.perf_counter()
            self._full_every = max(FULL_EVERY_S, cpu_s / FULL_BUDGET)


def _cpu_timed(job: Callable[[], Any]) -> tuple[Any, float]:
    """The job's result and the CPU time it took (its wall time also counts the threads it waited for)."""
    t0 = time.thread_time()
    return job(), time.thread_time() - t0


def _lower_priority() -> None:
    """Linux only: there, nice applies to the thread whose id is given; elsewhere that id could
    name another process, so the thread keeps the process's priority."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), MEASURE_NICE)
        except OSError:
            pass


__all__ = ["FRAME_S", "LIVE_EVAL_SAMPLES", "SPEEDS", "Inbox", "LiveTrainer", "Speed", "TrainerFactory", "TrainingLoop",
           "finite_snapshot", "make_live_trainer"]
