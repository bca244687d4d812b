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
from .grids import Grid
from .images.frame import ImageFrame, ImageMeasurement


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
    dim: int  # 1 or 2 for points, 0 for images
    critic: bool  # True when D is a critic/score, not a probability (wgan-gp, hinge, lsgan)
    device: str
    elapsed_s: float
    steps_per_s: float

    metrics: Mapping[str, float]  # the latest values, nats; keys absent where they do not apply
    history: Mapping[str, np.ndarray]  # per training step: "step", d_loss, g_loss, g_grad_norm, d_grad_norm
    metric_history: Mapping[str, np.ndarray]  # per full snapshot: "step" plus one array per metric
    metrics_step: int  # step at which the densities and metrics were computed
    notes: tuple[str, ...] = field(default=())  # e.g. why a metric is missing

    # --- points (dim 1 or 2); None for images ----------------------------------
    real: np.ndarray | None = None  # (n, dim) samples of P_data
    fake: np.ndarray | None = None  # (n, dim) G(z) for a fixed z, so points can be followed
    latent: np.ndarray | None = None  # (n, noise_dim) that fixed z
    fake_grad: np.ndarray | None = None  # (m, dim) gradient of D's output (logit / critic) at the first m <= n fakes
    manifold: np.ndarray | None = None  # (rows, cols, dim): G over a grid in the first two latent axes
    grid: Grid | None = None
    d_grid: np.ndarray | None = None  # D(x) on the grid (probability, or the critic's value)
    d_star_grid: np.ndarray | None = None  # p_data / (p_data + p_G) on the grid
    p_data_grid: np.ndarray | None = None  # exact (mixtures) or estimated density of P_data
    p_g_grid: np.ndarray | None = None  # estimated density of P_G
    mle_gauss_grid: np.ndarray | None = None  # maximum-likelihood Gaussian fitted to the data
    mle_gmm_grid: np.ndarray | None = None  # maximum-likelihood K-component mixture
    modes: Modes | None = None

    # --- images (dim 0) -----------------------------------------------------------
    images: ImageFrame | None = None

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
    elif isinstance(value, (Grid, Modes, ImageFrame, ImageMeasurement)):
        for f in fields(value):
            freeze_tree(getattr(value, f.name))
    return value
