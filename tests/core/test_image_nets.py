"""Image networks: shapes, ranges, spectral norm, and the choice between the MLP and conv pairs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganstudio.core.errors import ConfigError
from ganstudio.core.images.nets import (
    ConvDiscriminator,
    ConvGenerator,
    MLPImageDiscriminator,
    MLPImageGenerator,
    build_image_nets,
    default_kind,
)
from ganstudio.core.models import set_activation


def _spectral(net: nn.Module) -> bool:
    return any(hasattr(m, "parametrizations") and "weight" in m.parametrizations for m in net.modules())


@pytest.mark.parametrize("kind,shape", [("mlp", (1, 8, 8)), ("conv", (1, 28, 28)), ("conv", (3, 28, 28)),
                                        ("conv", (1, 32, 32)), ("conv", (3, 32, 32)), ("mlp", (3, 8, 8))])
@pytest.mark.parametrize("sn", [False, True])
def test_shapes_and_ranges(kind, shape, sn):
    torch.manual_seed(0)
    G, D = build_image_nets(kind, 16, shape, 32, 2, "relu", sn)
    z = 5 * torch.randn(64, 16)  # large noise pushes tanh towards its limits
    x = G(z)
    assert x.shape == (64, *shape)
    assert x.min() >= -1 and x.max() <= 1
    assert x.std() > 0.01  # not a constant image
    logits = D(x)
    assert logits.shape == (64,)
    assert torch.isfinite(logits).all()
    assert _spectral(D) == sn
    assert not _spectral(G)
    # gradients reach G through D
    logits.mean().backward()
    assert all(p.grad is not None for p in G.parameters())


def test_kinds_and_widths():
    G, D = build_image_nets("conv", 8, (1, 28, 28), 32, 2, "relu", False)
    assert isinstance(G, ConvGenerator) and isinstance(D, ConvDiscriminator)
    assert G.fc.out_features == 2 * 32 * 7 * 7
    assert D.conv1.out_channels == 32
    G, D = build_image_nets("conv", 8, (3, 32, 32), 48, 2, "relu", False, d_hidden=16)
    assert G.fc.out_features == 2 * 48 * 8 * 8
    assert D.conv1.out_channels == 16
    G, D = build_image_nets("mlp", 8, (1, 8, 8), 64, 3, "relu", False)
    assert isinstance(G, MLPImageGenerator) and isinstance(D, MLPImageDiscriminator)
    assert sum(isinstance(m, nn.Linear) for m in G.modules()) == 4
    # ReLU in D becomes LeakyReLU(0.2); other activations apply to both
    assert any(isinstance(m, nn.LeakyReLU) and m.negative_slope == 0.2 for m in D.modules())
    assert not any(isinstance(m, nn.LeakyReLU) for m in G.modules())
    _, D = build_image_nets("mlp", 8, (1, 8, 8), 64, 2, "tanh", False)
    assert any(isinstance(m, nn.Tanh) for m in D.net)


def test_defaults():
    assert default_kind((1, 8, 8)) == "mlp"
    assert default_kind((1, 28, 28)) == "conv"
    assert default_kind((3, 32, 32)) == "conv"
    assert default_kind((1, 30, 20)) == "mlp"
    with pytest.raises(ConfigError, match="unknown image network kind"):
        build_image_nets("resnet", 8, (1, 8, 8), 32, 2, "relu", False)
    with pytest.raises(ConfigError, match="divisible by 4"):
        build_image_nets("conv", 8, (1, 30, 30), 32, 2, "relu", False)


def test_spectral_norm_bounds_each_layer():
    """With spectral norm every weight's largest singular value is ~1 after power iterations, even
    when the raw weights are scaled far above that."""
    torch.manual_seed(0)
    D = MLPImageDiscriminator((1, 8, 8), 64, 2, spectral_norm=True)
    Dc = ConvDiscriminator((1, 28, 28), 16, spectral_norm=True)
    layers = [m for m in D.net if isinstance(m, nn.Linear)] + [Dc.conv1, Dc.conv2, Dc.fc]
    with torch.no_grad():
        for layer in layers:
            layer.parametrizations.weight.original.mul_(10.0)
            assert torch.linalg.matrix_norm(layer.parametrizations.weight.original.flatten(1), ord=2) > 5
    for _ in range(100):  # each training-mode forward runs one power iteration
        D(torch.randn(4, 1, 8, 8))
        Dc(torch.randn(4, 1, 28, 28))
    for layer in layers:
        sigma = torch.linalg.matrix_norm(layer.weight.detach().flatten(1), ord=2)
        assert sigma == pytest.approx(1.0, rel=0.03)


def test_set_activation_swaps_mlp_and_leaves_conv_alone():
    G, D = build_image_nets("mlp", 8, (1, 8, 8), 32, 2, "relu", True)
    set_activation(G, "elu")
    assert sum(isinstance(m, nn.ELU) for m in G.modules()) == 2
    assert G(torch.randn(3, 8)).shape == (3, 1, 8, 8)
    G, D = build_image_nets("conv", 8, (1, 28, 28), 16, 2, "relu", False)
    before = [type(m) for m in G.modules()] + [type(m) for m in D.modules()]
    set_activation(G, "elu")
    set_activation(D, "elu")
    assert [type(m) for m in G.modules()] + [type(m) for m in D.modules()] == before
