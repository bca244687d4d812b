"""The moving part of a frame: G over the followed noise and the latent grid, and D's gradient there.

These are a frame's only network passes, made up to 30 times a second.  So that they take
nothing from training, the live window's frames may carry the networks' weights instead
(`NetWeights`, one copy to the host) and the window's process draws them with `WeightsDrawer`:
the same `draw_samples` on its own CPU copies of the networks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from .arrays import frozen
from .models import Discriminator, Generator

VIEW_SAMPLES = 600  # points drawn per frame (fixed noise, so each can be followed); 75 a mode on ring-8
ARROW_SAMPLES = 120  # the first fake points also get the gradient of D (the 2D view draws them)
MANIFOLD_SIZE = 17  # the latent grid is MANIFOLD_SIZE x MANIFOLD_SIZE
# Above this many weights (G and D together) a frame is drawn where the networks are: a 4 x 512
# model would send 4 MB a frame.  The ring-8 default (2 x 128) has 34k.
SEND_WEIGHTS_MAX = 100_000


def latent_grid(noise_dim: int, noise: str, device: torch.device | str = "cpu") -> tuple[torch.Tensor, int]:
    """The latent grid whose image is the drawn manifold: (points, rows); one row when noise_dim is 1."""
    lim = 2.5 if noise == "gaussian" else 1.0
    axis = torch.linspace(-lim, lim, MANIFOLD_SIZE, device=device)
    rows = MANIFOLD_SIZE if noise_dim >= 2 else 1
    z = torch.zeros(rows, MANIFOLD_SIZE, noise_dim, device=device)
    z[..., 0] = axis[None, :]
    if noise_dim >= 2:
        z[..., 1] = axis[:, None]
    return z.reshape(-1, noise_dim), rows


@dataclass(frozen=True)
class Scaling:
    """What the networks see: (x - shift) / scale."""

    shift: torch.Tensor
    scale: float

    def to_net(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.shift) / self.scale

    def to_data(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.shift


def draw_samples(G: torch.nn.Module, D: torch.nn.Module, scaling: Scaling, fixed_z: torch.Tensor,
                 manifold: tuple[torch.Tensor, int] | None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(fake, manifold, D's gradient at the first fake points) as read-only arrays in data space;
    without a latent grid only the fake points (the overlays are then reused from an earlier frame)."""
    # (no train/eval switch: the networks have no dropout or batch norm.)  One generator call
    # for the followed points and the latent grid.
    z = fixed_z if manifold is None else torch.cat([fixed_z, manifold[0]])
    with torch.inference_mode():
        both = scaling.to_data(G(z))
    n = len(fixed_z)
    fake = frozen(both[:n].cpu().numpy())
    if manifold is None:
        return fake, None, None
    x = both[:ARROW_SAMPLES].clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(scaling.to_net(x)).sum(), x)
    grid = both[n:].reshape(manifold[1], MANIFOLD_SIZE, -1)
    return fake, frozen(grid.cpu().numpy()), frozen(grad.cpu().numpy())


class KeptOverlays:
    """draw_samples that may reuse the last manifold and arrows (the live loop redraws them every other
    frame), but only those drawn for the same generation of the networks."""

    def __init__(self) -> None:
        self._kept: tuple[int, np.ndarray, np.ndarray] | None = None

    def draw(self, G, D, scaling: Scaling, fixed_z: torch.Tensor, grid: tuple[torch.Tensor, int],
             generation: int, overlays: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        kept = self._kept if not overlays and self._kept and self._kept[0] == generation else None
        fake, manifold, grad = draw_samples(G, D, scaling, fixed_z, None if kept else grid)
        if kept:
            _, manifold, grad = kept
        else:
            self._kept = (generation, manifold, grad)
        return fake, manifold, grad


@dataclass(frozen=True)
class NetWeights:
    """A frame's networks, for the receiver to draw its samples from: the shown G's and D's
    weights as one flat host array, what they are shaped like, and the scaling of their inputs."""

    shape: tuple[int, int, int, int, str, int]  # data dim, noise dim, G's width, layers, activation, D's width
    noise: str  # gaussian or uniform: the latent grid's extent
    values: np.ndarray  # G's parameters, then D's, flat float32
    n_g: int  # how many of them are G's
    shift: np.ndarray
    scale: float
    generation: int  # the trainer's: overlays drawn for another generation are not reused
    overlays: bool  # draw the manifold and the arrows afresh (else reuse the last ones)

    @classmethod
    def of(cls, G, D, config, dim: int, scaling: Scaling, generation: int, overlays: bool) -> NetWeights:
        g, d = parameters_to_vector(G.parameters()), parameters_to_vector(D.parameters())
        # a GPU's weights (and the input shift) cross to the host in one copy: each copy waits for the GPU
        host = torch.cat([g, d, scaling.shift.to(g.dtype)]).detach().cpu().numpy()
        n = len(g) + len(d)
        values, shift = host[:n], host[n:]
        values.setflags(write=False)
        shift.setflags(write=False)
        return cls((dim, config.noise_dim, config.hidden, config.layers, config.activation, config.d_width), config.noise,
                   values, len(g), shift, float(scaling.scale), generation, overlays)

    def finite(self) -> bool:
        return bool(np.isfinite(self.values).all())


class WeightsDrawer:
    """The receiver's side: CPU networks shaped like the sender's, loaded with each frame's weights."""

    def __init__(self) -> None:
        self._shape: tuple | None = None
        self._G = self._D = None
        self._manifold: tuple[tuple, tuple[torch.Tensor, int]] | None = None
        self._fixed: tuple[np.ndarray, torch.Tensor] | None = None
        self._drawing = KeptOverlays()

    def draw(self, w: NetWeights, latent: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(fake, manifold, fake_grad) for `w`, where `latent` is the followed noise the sender drew."""
        if w.shape != self._shape:
            dim, noise_dim, hidden, layers, activation, d_width = w.shape
            self._G = Generator(noise_dim, dim, hidden, layers, activation).requires_grad_(False)
            self._D = Discriminator(dim, d_width, layers, activation).requires_grad_(False)
            self._shape = w.shape
        values = torch.tensor(w.values)  # a copy: the received array is read-only
        vector_to_parameters(values[:w.n_g], self._G.parameters())
        vector_to_parameters(values[w.n_g:], self._D.parameters())
        if self._fixed is None or self._fixed[0] is not latent:
            self._fixed = (latent, torch.from_numpy(np.array(latent, dtype=np.float32)))
        key = (w.shape[1], w.noise)
        if self._manifold is None or self._manifold[0] != key:
            self._manifold = (key, latent_grid(*key))
        scaling = Scaling(torch.from_numpy(np.array(w.shift, dtype=np.float32)), w.scale)
        return self._drawing.draw(self._G, self._D, scaling, self._fixed[1], self._manifold[1], w.generation, w.overlays)


__all__ = ["ARROW_SAMPLES", "KeptOverlays", "MANIFOLD_SIZE", "NetWeights", "SEND_WEIGHTS_MAX", "Scaling", "VIEW_SAMPLES",
           "WeightsDrawer", "draw_samples", "latent_grid"]
