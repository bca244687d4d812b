"""The training loop in a child process, and the parent's handle on it.

Python runs one thread at a time (the GIL), and both torch's many small calls and
pyqtgraph's painting need it, so a GUI thread painting in the same process slows a
trainer thread down.  In its own process the trainer keeps a core to itself.  Commands go down one pipe, (kind, payload)
results come up another; a Snapshot travels as its fields, and a field that is the same
object as in the previous Snapshot (P_data's samples, the last full grid) is sent as a
marker, so the receiver hands the views the same array again and they skip redrawing it.
A frame's samples travel as the networks' weights, and the receiver draws them (core.frames).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any

from .commands import Command, Event
from .frames import NetWeights, WeightsDrawer
from .loop import TrainingLoop
from .snapshot import Snapshot, snapshot_fields, snapshot_from_fields

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from .config import TrainConfig

EXITED = Event.EXITED  # (EXITED, exit code): the child is gone
STOP_WAIT_S = 0.6  # the window must close within a second; a busy child is terminated after this
# A frame with weights can pickle to more than a pipe's default 64 KB: the child would wait in send()
# until the window's process had read the rest.  With room for a few frames it never waits.
PIPE_BYTES = 1 << 20


class _Same:
    """Marker: this field is the object the previous Snapshot sent."""

    __slots__ = ()

    def __reduce__(self):
        return (_Same, ())


SAME = _Same()


def _same(a: Any, b: Any) -> bool:
    """The same object, or dicts (a Snapshot's mappings are rebuilt each time) of the same objects."""
    if a is b:
        return True
    return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
            and all(a[k] is b[k] for k in a))


class SnapshotSender:
    def __init__(self) -> None:
        self._last: dict[str, Any] = {}

    def encode(self, snap: Snapshot) -> dict:
        values = snapshot_fields(snap)
        out = {name: SAME if name in self._last and _same(self._last[name], value) else value
               for name, value in values.items()}
        self._last = values  # holding them keeps their ids from being reused
        return out


class SnapshotReceiver:
    def __init__(self) -> None:
        self._last: dict[str, Any] = {}
        self._drawer = WeightsDrawer()

    def decode(self, values: dict) -> Snapshot:
        merged = {name: self._last[name] if isinstance(value, _Same) else value for name, value in values.items()}
        if isinstance(merged["fake"], NetWeights):
            merged["fake"], merged["manifold"], merged["fake_grad"] = self._drawer.draw(merged["fake"], merged["latent"])
        self._last = merged
        return snapshot_from_fields(merged)


class PipeInbox:
    """The loop's mailbox in the child: commands from the parent's pipe; a closed pipe means stop."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.closed = False

    def take_all(self) -> list[tuple[Command, Any]]:
        items: list[tuple[Command, Any]] = []
        try:
            while self.conn.poll():
                items.append(self.conn.recv())
        except (EOFError, OSError):  # the window's process is gone
            self.closed = True
            items.append((Command.STOP, None))
        return items

    def wait(self, timeout: float) -> None:
        try:
            self.conn.poll(max(0.0, timeout))
        except (EOFError, OSError):
            self.closed = True


def _trim_heap():
    """glibc's malloc_trim, where there is one: a full measurement allocates tens of MB of
    temporaries, and without a trim the heap keeps them."""
    try:
        import ctypes

        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    return lambda: trim(0)


def child_main(commands: Connection, results: Connection, config: TrainConfig, num_threads: int | None) -> None:
    """Entry point of the training process."""
    sender = SnapshotSender()
    trim = _trim_heap()
    measured = [None]

    def emit(kind: Event, payload: Any) -> None:
        results.send((kind, sender.encode(payload) if kind == Event.SNAPSHOT else payload))
        if kind == Event.SNAPSHOT and payload.metrics_step != measured[0]:
            measured[0] = payload.metrics_step
            trim()

    inbox = PipeInbox(commands)
    loop = TrainingLoop(config, inbox, emit, num_threads=num_threads, stopped=lambda: inbox.closed,
                        send_weights=True)
    try:
        loop.run()
    except (EOFError, OSError):  # the parent went away while we were sending
        pass
    finally:
        for conn in (commands, results):
            conn.close()


def _child_entry(commands: Connection, results: Connection, config: TrainConfig, num_threads: int | None) -> None:
    """child_main, then exit at once: a normal interpreter shutdown with torch loaded can take
    longer than the second the window has to close in.  Nothing is left to flush."""
    code = 0
    try:
        child_main(commands, results, config, num_threads)
    except BaseException:
        code = 1
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _widen(conn: Connection) -> None:
    """Linux only (F_SETPIPE_SZ); elsewhere, or above the system's limit, the pipe keeps its size."""
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


class TrainingProcess:
    """The parent's side: start the child, send it commands, receive what it emits, stop it."""

    def __init__(self, config: TrainConfig, num_threads: int | None = 1) -> None:
        ctx = mp.get_context("spawn")  # fork is unsafe once Qt and its threads exist
        cmd_read, self._commands = ctx.Pipe(duplex=False)
        self._results, res_write = ctx.Pipe(duplex=False)
        _widen(self._results)
        self.process = ctx.Process(target=_child_entry, args=(cmd_read, res_write, config, num_threads),
                                   name="gan-studio-trainer", daemon=True)
        self.process.start()
        cmd_read.close()  # only the child holds these ends now, so its death reads as EOF here
        res_write.close()
        self._lock = threading.Lock()
        self._receiver = SnapshotReceiver()
        if num_threads:  # this process draws the frames' samples: with torch's default of a thread
            import torch  # per core, that would spin on the trainer's core

            torch.set_num_threads(num_threads)

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def send(self, command: Command, value: Any = None) -> bool:
        with self._lock:
            try:
                self._commands.send((command, value))
                return True
            except (OSError, ValueError):  # the child is gone (or we closed the pipe); receive() says so
                return False

    def receive(self, timeout: float) -> list[tuple[Event, Any]]:
        """What the child emitted, waiting up to `timeout` for the first item; (EXITED, code) once it is gone."""
        out: list[tuple[Event, Any]] = []
        try:
            ready = self._results.poll(timeout)
            while ready:
                kind, payload = self._results.recv()
                out.append((kind, self._receiver.decode(payload) if kind == Event.SNAPSHOT else payload))
                ready = self._results.poll()
        except (EOFError, OSError):
            self.process.join(STOP_WAIT_S)
            out.append((EXITED, self.process.exitcode))
        return out

    def stop(self, wait_s: float = STOP_WAIT_S) -> None:
        """Ask the child to stop, then make sure it has: terminate, and kill, if it does not."""
        self.send(Command.STOP)
        deadline = time.monotonic() + wait_s
        while self.process.is_alive() and time.monotonic() < deadline:
            try:  # drain: a child blocked sending a large Snapshot into a full pipe could not stop
                if self._results.poll(0.01):
                    self._results.recv_bytes()
            except (EOFError, OSError):
                break
        self.process.join(max(0.0, deadline - time.monotonic()))
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(0.2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(0.2)
        with self._lock:
            self._commands.close()
        self._results.close()


__all__ = ["EXITED", "SAME", "PipeInbox", "SnapshotReceiver", "SnapshotSender", "TrainingProcess", "child_main"]
