"""Loss and metric histories: cheap to append every step, bounded when handed to views."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .arrays import frozen

LOSS_KEYS = ("d_loss", "g_loss", "g_grad_norm", "d_grad_norm")
MAX_POINTS = 2000  # per curve handed to a view; longer runs are block-averaged


class _Columns:
    """Growable float64 columns (amortised doubling, no per-step Python lists of floats)."""

    def __init__(self, keys: tuple[str, ...] | list[str]):
        self.keys = ["step", *keys]
        self.n = 0
        self.data = {k: np.empty(1024) for k in self.keys}

    def append(self, row: dict[str, float]) -> None:
        if self.n == len(self.data["step"]):
            for k in self.keys:
                self.data[k] = np.concatenate([self.data[k], np.empty(len(self.data[k]))])
        for k in self.keys:
            self.data[k][self.n] = row.get(k, math.nan)
        self.n += 1

    def view(self) -> dict[str, np.ndarray]:
        return {k: v[: self.n] for k, v in self.data.items()}


class History:
    def __init__(self) -> None:
        self._losses = _Columns(LOSS_KEYS)
        self._metrics: _Columns | None = None

    def append(self, step: int, record: dict[str, float]) -> None:
        self._losses.append({"step": step, **record})

    def append_metrics(self, step: int, metrics: dict[str, float]) -> None:
        if self._metrics is None or set(metrics) - set(self._metrics.keys):
            old = self._metrics.view() if self._metrics is not None else {}
            self._metrics = _Columns(sorted(set(metrics) | (set(old) - {"step"})))
            for i in range(len(old.get("step", ()))):
                self._metrics.append({k: v[i] for k, v in old.items()})
        self._metrics.append({"step": step, **metrics})

    def latest_losses(self) -> dict[str, float]:
        """The most recent finite value of each loss (a frozen block leaves NaN in its column)."""
        out = {}
        cols = self._losses.view()
        for k in LOSS_KEYS:
            col, end, size = cols[k], len(cols[k]), 256
            if end and math.isfinite(last := float(col[-1])):  # the usual case, 30 times a second
                out[k] = last
                continue
            while end > 0:  # from the end backwards: a run of 10^5 steps is not rescanned every frame
                chunk = col[max(0, end - size):end]
                finite = np.flatnonzero(np.isfinite(chunk))
                if len(finite):
                    out[k] = float(chunk[finite[-1]])
                    break
                end -= size
                size *= 4
        return out

    def recent_mean(self, key: str, n: int = 100) -> float:
        """Mean of the last n finite values of a per-step column (one step's value is noisy)."""
        col = self._losses.view()[key]
        finite = col[np.isfinite(col)][-n:]
        return float(finite.mean()) if len(finite) else math.nan

    def losses(self) -> dict[str, np.ndarray]:
        return {k: frozen(v, np.float64) for k, v in _decimate(self._losses.view()).items()}

    def metrics(self) -> dict[str, np.ndarray]:
        if self._metrics is None:
            return {"step": frozen(np.empty(0), np.float64)}
        return {k: frozen(v, np.float64) for k, v in _decimate(self._metrics.view()).items()}

    def state_dict(self) -> dict:
        return {"losses": self._losses.view(), "metrics": self._metrics.view() if self._metrics else None}

    @classmethod
    def from_state_dict(cls, state: dict) -> "History":
        h = cls()
        losses = state["losses"]
        for i in range(len(losses["step"])):
            h._losses.append({k: float(v[i]) for k, v in losses.items()})
        if state.get("metrics"):
            m = state["metrics"]
            for i in range(len(m["step"])):
                h.append_metrics(int(m["step"][i]), {k: float(v[i]) for k, v in m.items() if k != "step"})
        return h


def _decimate(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Block means (NaN-aware) so a curve has at most MAX_POINTS points; the step is each block's last."""
    n = len(cols["step"])
    if n <= MAX_POINTS:
        return {k: v.copy() for k, v in cols.items()}
    block = math.ceil(n / MAX_POINTS)
    m = (n // block) * block
    out = {}
    for k, v in cols.items():
        head = v[:m].reshape(-1, block)
        if k == "step":
            reduced = head[:, -1]
        else:
            with warnings.catch_warnings():  # an all-NaN block is a frozen player's column
                warnings.simplefilter("ignore", RuntimeWarning)
                reduced = np.nanmean(head, axis=1)
        tail = v[m:]
        if len(tail):
            reduced = np.concatenate([reduced, [tail[-1] if k == "step" else _nanmean(tail)]])
        out[k] = reduced
    return out


def _nanmean(v: np.ndarray) -> float:
    finite = v[np.isfinite(v)]
    return float(finite.mean()) if len(finite) else math.nan
