"""The five GAN objectives, each as (D loss, G loss) on D's raw outputs.

D's raw output is a logit for minimax / non-saturating (D(x) = sigmoid(logit)) and a
score or critic for lsgan, wgan-gp and hinge.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def d_loss(kind: str, real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
    if kind in ("minimax", "nonsaturating"):
        # -[E log D(x) + E log(1 - D(G(z)))] = -V(G, D): D ascends V
        return F.softplus(-real_out).mean() + F.softplus(fake_out).mean()
    if kind == "lsgan":
        # 1/2 E (D(x) - 1)^2 + 1/2 E D(G(z))^2  (Mao et al. 2017, a=0, b=1)
        return 0.5 * ((real_out - 1) ** 2).mean() + 0.5 * (fake_out**2).mean()
    if kind == "wgan-gp":
        # E D(G(z)) - E D(x)  (+ the gradient penalty, added by the trainer)
        return fake_out.mean() - real_out.mean()
    if kind == "hinge":
        # E max(0, 1 - D(x)) + E max(0, 1 + D(G(z)))
        return F.relu(1 - real_out).mean() + F.relu(1 + fake_out).mean()
    raise ValueError(f"unknown loss {kind!r}")


def g_loss(kind: str, fake_out: torch.Tensor) -> torch.Tensor:
    if kind == "minimax":
        # E log(1 - D(G(z))): the original saturating objective, G descends it
        return -F.softplus(fake_out).mean()
    if kind == "nonsaturating":
        # -E log D(G(z)): same fixed point, strong gradients when D rejects the fakes
        return F.softplus(-fake_out).mean()
    if kind == "lsgan":
        # 1/2 E (D(G(z)) - 1)^2
        return 0.5 * ((fake_out - 1) ** 2).mean()
    if kind in ("wgan-gp", "hinge"):
        # -E D(G(z))
        return -fake_out.mean()
    raise ValueError(f"unknown loss {kind!r}")


def gradient_penalty(D, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """WGAN-GP: E (|grad D(x_hat)| - 1)^2 on random interpolates of real and fake points."""
    # one mixing weight per sample, broadcast over its coordinates (a point's, or an image's pixels)
    eps = torch.rand(len(real), *([1] * (real.dim() - 1)), generator=generator, device=real.device)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def r1_penalty(real_out: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): E_data |grad D(x)|^2, which pulls D flat on the data.

    Takes D's outputs on `real` (which must require grad), so D runs once for both the loss and
    the penalty."""
    (grad,) = torch.autograd.grad(real_out.sum(), real, create_graph=True)
    return (grad**2).flatten(1).sum(dim=1).mean()  # the squared norm over all of a sample's coordinates
