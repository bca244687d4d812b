"""Process-wide torch settings chosen once by each front end (CLI, GUI, benchmarks)."""

from __future__ import annotations

import os

import torch


def configure_threads() -> int:
    """One intra-op thread unless GANSTUDIO_THREADS says otherwise.

    The toy networks are too small for intra-op parallelism to pay: on a machine with few cores
    a second thread spin-waits against the GUI thread and slows training down. The GPU path is
    unaffected.
    """
    n = int(os.environ.get("GANSTUDIO_THREADS", "1"))
    torch.set_num_threads(max(1, n))
    return torch.get_num_threads()
