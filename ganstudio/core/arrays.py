"""Read-only copies: what a Snapshot or a history hands out cannot be changed by whoever reads it."""

from __future__ import annotations

import numpy as np


def frozen(a, dtype=np.float32) -> np.ndarray:
    """A private read-only copy (views cannot change what the trainer or another view sees)."""
    out = np.array(a, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out
