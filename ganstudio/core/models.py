"""The two players: small MLPs, sized for toy distributions and quick on a CPU."""

from __future__ import annotations

import torch
from torch import nn

ACTIVATION_LAYERS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "silu": nn.SiLU,
}


def mlp(n_in: int, n_out: int, hidden: int, layers: int, activation: str) -> nn.Sequential:
    blocks: list[nn.Module] = []
    width = n_in
    for _ in range(layers):
        blocks += [nn.Linear(width, hidden), ACTIVATION_LAYERS[activation]()]
        width = hidden
    blocks.append(nn.Linear(width, n_out))
    return nn.Sequential(*blocks)


def set_activation(net: nn.Module, activation: str) -> None:
    """Swap every nonlinearity of an MLP built by `mlp` in place: they hold no weights, so the
    Linear layers (and an optimizer's state for them) are untouched."""
    for seq in (m for m in net.modules() if isinstance(m, nn.Sequential)):
        for i, layer in enumerate(seq):
            if not isinstance(layer, nn.Linear):
                seq[i] = ACTIVATION_LAYERS[activation]()


class Generator(nn.Module):
    """G: z -> x, noise of `noise_dim` dimensions to a point in (normalised) data space."""

    def __init__(self, noise_dim: int, data_dim: int, hidden: int, layers: int, activation: str):
        super().__init__()
        self.noise_dim = noise_dim
        self.net = mlp(noise_dim, data_dim, hidden, layers, activation)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class Discriminator(nn.Module):
    """D: x -> logit. D(x) = sigmoid(logit) for the probability losses; the raw value is a critic."""

    def __init__(self, data_dim: int, hidden: int, layers: int, activation: str):
        super().__init__()
        self.net = mlp(data_dim, 1, hidden, layers, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def sample_noise(n: int, dim: int, kind: str, generator: torch.Generator) -> torch.Tensor:
    """z ~ N(0, I) or U(-1, 1)^dim, drawn on the generator's device."""
    if kind == "uniform":
        return 2 * torch.rand(n, dim, generator=generator, device=generator.device) - 1
    return torch.randn(n, dim, generator=generator, device=generator.device)
