"""The two players for images: an MLP pair for 8 x 8 and a DCGAN-style conv pair for 28 x 28 and 32 x 32.

G maps z (N x noise_dim) to images N x C x H x W in [-1, 1] (tanh; the data is scaled x * 2 - 1);
D maps images to one logit each, shape (N,), as the toy `Discriminator` does.

The MLP pair keeps its nonlinearities inside `nn.Sequential` blocks of Linear layers only, so
`models.set_activation` swaps them in place. The conv pair holds no `nn.Sequential` (its
nonlinearities are fixed: ReLU in G, LeakyReLU(0.2) in D), so `set_activation` leaves it unchanged.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm

from ..errors import ConfigError
from ..models import mlp

KINDS = ("mlp", "conv")
Shape = tuple[int, int, int]  # C, H, W


def _numel(shape: Shape) -> int:
    c, h, w = shape
    return c * h * w


def _normed(layer: nn.Module, on: bool) -> nn.Module:
    return _spectral_norm(layer) if on else layer


class MLPImageGenerator(nn.Module):
    """z -> tanh(MLP(z)) reshaped to C x H x W."""

    def __init__(self, noise_dim: int, shape: Shape, hidden: int = 256, layers: int = 2,
                 activation: str = "relu"):
        super().__init__()
        self.noise_dim = noise_dim
        self.shape = tuple(shape)
        self.net = mlp(noise_dim, _numel(self.shape), hidden, layers, activation)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.net(z)).view(-1, *self.shape)


class MLPImageDiscriminator(nn.Module):
    """Flattened image -> MLP -> logit; every Linear spectrally normalised when asked."""

    def __init__(self, shape: Shape, hidden: int = 256, layers: int = 2, activation: str = "leaky_relu",
                 spectral_norm: bool = False):
        super().__init__()
        self.shape = tuple(shape)
        self.net = mlp(_numel(self.shape), 1, hidden, layers, activation)
        if spectral_norm:
            for i, layer in enumerate(self.net):
                if isinstance(layer, nn.Linear):
                    self.net[i] = _spectral_norm(layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1)).squeeze(-1)


def _conv_base(shape: Shape) -> int:
    """Side of the first feature map: two stride-2 steps from it give the image (7 for 28, 8 for 32)."""
    c, h, w = shape
    if h != w or h % 4 or h < 8 or c < 1:
        raise ConfigError(f"conv networks need square images with a side divisible by 4 (at least 8), "
                          f"got C x H x W = {c} x {h} x {w}")
    return h // 4


class ConvGenerator(nn.Module):
    """z -> Linear -> (2w x s x s) -> ConvT(2w -> w) -> ConvT(w -> C) -> tanh, s = side / 4,
    with batch norm and ReLU after the linear layer and the first transposed conv."""

    def __init__(self, noise_dim: int, shape: Shape, width: int = 32):
        super().__init__()
        self.noise_dim = noise_dim
        self.shape = tuple(shape)
        self.base = _conv_base(self.shape)
        self.width = width
        self.fc = nn.Linear(noise_dim, 2 * width * self.base * self.base)
        self.bn0 = nn.BatchNorm1d(2 * width * self.base * self.base)
        self.up1 = nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(width)
        self.up2 = nn.ConvTranspose2d(width, self.shape[0], 4, stride=2, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.bn0(self.fc(z)))
        h = h.view(-1, 2 * self.width, self.base, self.base)
        h = torch.relu(self.bn1(self.up1(h)))
        return torch.tanh(self.up2(h))


class ConvDiscriminator(nn.Module):
    """x -> Conv(C -> w, stride 2) -> Conv(w -> 2w, stride 2) -> Linear -> logit, LeakyReLU(0.2),
    no batch norm (it would couple the samples of a batch, which the gradient penalty forbids)."""

    def __init__(self, shape: Shape, width: int = 32, spectral_norm: bool = False):
        super().__init__()
        self.shape = tuple(shape)
        base = _conv_base(self.shape)
        self.conv1 = _normed(nn.Conv2d(self.shape[0], width, 4, stride=2, padding=1), spectral_norm)
        self.conv2 = _normed(nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), spectral_norm)
        self.fc = _normed(nn.Linear(2 * width * base * base, 1), spectral_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = nn.functional.leaky_relu(self.conv1(x), 0.2)
        h = nn.functional.leaky_relu(self.conv2(h), 0.2)
        return self.fc(h.flatten(1)).squeeze(-1)


def default_kind(shape: Shape) -> str:
    """"mlp" for small images (8 x 8 and up to 16 x 16), "conv" for larger square images the conv
    pair can build (28 x 28, 32 x 32); "mlp" for any other shape."""
    _, h, w = shape
    if h * w <= 16 * 16 or h != w or h % 4:
        return "mlp"
    return "conv"


def build_image_nets(kind: str, noise_dim: int, shape: Shape, hidden: int, layers: int, activation: str,
                     spectral_norm: bool, d_hidden: int = 0) -> tuple[nn.Module, nn.Module]:
    """(G, D) for images of `shape` (C, H, W).

    "mlp": `hidden` units in each of `layers` hidden layers (D: `d_hidden` where set); G uses
    `activation`, and so does D, except that ReLU in D becomes LeakyReLU(0.2), the image default.
    "conv": `hidden` is the base channel width of G (D: `d_hidden` where set); `layers` and
    `activation` do not apply.
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3:
        raise ConfigError(f"image shape must be C x H x W, got {shape}")
    d_width = d_hidden or hidden
    if kind == "mlp":
        d_activation = "leaky_relu" if activation == "relu" else activation
        return (MLPImageGenerator(noise_dim, shape, hidden, layers, activation),
                MLPImageDiscriminator(shape, d_width, layers, d_activation, spectral_norm))
    if kind == "conv":
        return ConvGenerator(noise_dim, shape, hidden), ConvDiscriminator(shape, d_width, spectral_norm)
    raise ConfigError(f"unknown image network kind {kind!r}; known kinds: {', '.join(KINDS)}")
