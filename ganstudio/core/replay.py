"""Earlier fakes that D goes on training against (experience replay, Shrivastava et al. 2017).

A collapsed G hops to wherever the current D is highest; D then marks only that spot as fake
and forgets the path behind it, so the point circles the ring without stopping. With part of each
D batch drawn from where G has been, D keeps that path low, and the modes G has left stand out as
D's highest points. With a D wider than G and the hinge loss the point then rests on one: the
mode-collapse preset's set-up.
"""

from __future__ import annotations

import torch

PUSH_PER_UPDATE = 32  # fakes of each D batch that enter the buffer: 4,096 hold the last 128 D updates
REPLAY_SHARE = 0.5  # share of each D fake batch drawn from the buffer once it is full enough


class FakeReplay:
    def __init__(self, size: int, item_shape: tuple[int, ...], device: torch.device) -> None:
        """Keeps up to `size` fakes, each of `item_shape`: (dim,) for points, (C, H, W) for images."""
        self.size = size
        self.fakes = torch.empty(0, *item_shape, device=device)
        self.pos = 0  # where the next push overwrites, once the buffer is full

    def mix(self, fake: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        """Keep some of `fake`, and return it with REPLAY_SHARE of its rows drawn from the buffer."""
        self._push(fake[:PUSH_PER_UPDATE].detach())
        n = len(fake)
        if len(self.fakes) < min(n, self.size):
            return fake  # a buffer filling up would replay its first few points over and over
        k = int(n * REPLAY_SHARE)
        pick = torch.randint(len(self.fakes), (k,), generator=rng, device=rng.device)
        return torch.cat([fake[: n - k], self.fakes[pick]])

    def _push(self, new: torch.Tensor) -> None:
        new = new[-self.size:]  # a buffer smaller than one push keeps its newest rows
        room = self.size - len(self.fakes)
        if room > 0:
            self.fakes = torch.cat([self.fakes, new[:room]])
            new = new[room:]
        if len(new):
            idx = (torch.arange(len(new), device=new.device) + self.pos) % self.size
            self.fakes[idx] = new
            self.pos = (self.pos + len(new)) % self.size

    def state(self) -> dict:
        return {"fakes": self.fakes.clone(), "pos": self.pos}

    def load(self, state: dict) -> None:
        self.fakes = state["fakes"].to(self.fakes.device).clone()
        self.pos = int(state["pos"])
