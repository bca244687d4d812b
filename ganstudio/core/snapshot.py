"""What crosses from the trainer to the views: an immutable object of read-only numpy arrays.

Views are pure functions of the latest Snapshot, so nothing here may be shared with
tensors the trainer keeps mutating: every array is a copy, marked read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Mapping

import numpy as np

from .config import TrainConfig


def frozen(a, dtype=np.float32) -> np.ndarray:
    """A private read-only copy (views cannot change what the trainer or another view sees)."""
    out = np.array(a, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class Grid:
    """The evaluation grid: 1D `n` bin centres over [lo, hi]; 2D `shape` (ny, nx) cells.

    Densities on the grid are per unit length (1D) or area (2D); arrays on a 2D grid
    have shape (ny, nx) with row i at y = ys[i] and column j at x = xs[j].
    """

    dim: int
    xs: np.ndarray  # bin centres along x
    ys: np.ndarray | None  # bin centres along y (2D only)
    extent: tuple[float, ...]  # (x0, x1) or (x0, x1, y0, y1): the outer edges

    @property
    def cell(self) -> float:
        """Length (1D) or area (2D) of one cell."""
        dx = (self.extent[1] - self.extent[0]) / len(self.xs)
        if self.dim == 1:
            return dx
        return dx * (self.extent[3] - self.extent[2]) / len(self.ys)

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.xs),) if self.dim == 1 else (len(self.ys), len(self.xs))

    def points(self) -> np.ndarray:
        """Cell centres as an (n, dim) array, in row-major order of `shape`."""
        if self.dim == 1:
            return self.xs[:, None]
        gx, gy = np.meshgrid(self.xs, self.ys)
        return np.stack([gx.ravel(), gy.ravel()], axis=1)


@dataclass(frozen=True)
class Modes:
    centres: np.ndarray  # (k, dim)
    sigma: float
    captured: np.ndarray  # (k,) bool: at least one high-quality sample assigned
    counts: np.ndarray  # (k,) high-quality samples assigned to each mode


@dataclass(frozen=True)
class Snapshot:
    step: int
    config: TrainConfig
    dim: int
    critic: bool  # True when D is a critic/score, not a probability (wgan-gp, hinge, lsgan)
    device: str
    elapsed_s: float
    steps_per_s: float

    real: np.ndarray  # (n, dim) samples of P_data
    fake: np.ndarray  # (n, dim) G(z) for a fixed z, so points can be followed
    latent: np.ndarray  # (n, noise_dim) that fixed z
    fake_grad: np.ndarray  # (m, dim) gradient of D's output (logit / critic) at the first m <= n fake points
    manifold: np.ndarray | None  # (rows, cols, dim): G over a grid in the first two latent axes

    grid: Grid
    d_grid: np.ndarray  # D(x) on the grid (probability, or the critic's value)
    d_star_grid: np.ndarray  # p_data / (p_data + p_G) on the grid
    p_data_grid: np.ndarray  # exact (mixtures) or estimated density of P_data
    p_g_grid: np.ndarray  # estimated density of P_G
    mle_gauss_grid: np.ndarray  # maximum-likelihood Gaussian fitted to the data
    mle_gmm_grid: np.ndarray  # maximum-likelihood K-component mixture

    modes: Modes | None
    metrics: Mapping[str, float]  # the latest values, nats; keys absent where they do not apply
    history: Mapping[str, np.ndarray]  # per training step: "step", d_loss, g_loss, g_grad_norm, d_grad_norm
    metric_history: Mapping[str, np.ndarray]  # per full snapshot: "step" plus one array per grid metric
    metrics_step: int  # step at which the grid densities and metrics were computed
    notes: tuple[str, ...] = field(default=())  # e.g. why a metric is missing

    def __post_init__(self) -> None:
        object.__setattr__(self, "metrics", MappingProxyType(dict(self.metrics)))
        object.__setattr__(self, "history", MappingProxyType(dict(self.history)))
        object.__setattr__(self, "metric_history", MappingProxyType(dict(self.metric_history)))


MAPPING_FIELDS = ("metrics", "history", "metric_history")


def snapshot_fields(snap: Snapshot) -> dict:
    """The Snapshot as plain fields (mappings as dicts), the very objects it holds, so it can be pickled."""
    return {f.name: (dict(getattr(snap, f.name)) if f.name in MAPPING_FIELDS else getattr(snap, f.name))
            for f in fields(Snapshot)}


def snapshot_from_fields(values: dict) -> Snapshot:
    """Rebuild a Snapshot received from another process, its arrays read-only again."""
    return Snapshot(**{name: freeze_tree(value) for name, value in values.items()})


def freeze_tree(value):
    """Mark every array in `value` (arrays, dicts, Grid, Modes) read-only, in place; returns `value`."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, dict):
        for item in value.values():
            freeze_tree(item)
    elif isinstance(value, (Grid, Modes)):
        for f in fields(value):
            freeze_tree(getattr(value, f.name))
    return value
