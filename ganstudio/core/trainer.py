"""The GAN training loop as a plain object: no threads, no Qt.

`step()` is one iteration of Goodfellow et al.'s Algorithm 1: k discriminator
updates that ascend V(G, D), then m generator updates that descend it.
`snapshot()` turns the current state into immutable arrays for the views.
"""

from __future__ import annotations

import copy
import math
import time
from collections import deque
from typing import Callable

import numpy as np
import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from . import losses
from .arrays import frozen
from .config import TrainConfig
from .devices import pick_device
from .distributions import Distribution
from .frames import SEND_WEIGHTS_MAX, VIEW_SAMPLES, KeptOverlays, NetWeights, Scaling, latent_grid
from .history import History
from .grid_measure import GridMeasurer
from .images.distribution import ImageDistribution
from .images.frame import ImageFrame
from .images.measure import IMAGE_VIEW_SAMPLES, INTERPOLATION_STEPS, ImageMeasurer, draw_images
from .images.nets import build_image_nets, default_kind
from .models import Discriminator, Generator, sample_noise, set_activation
from .replay import FakeReplay
from .snapshot import Snapshot
from .sources import get_distribution

CHECKPOINT_EVERY = 100  # steps between copies of the last good weights
IMAGE_FRAME_S = 0.25  # images: the generated grid is redrawn at most this often while training runs
HISTORY_EVERY_S = 0.25  # a cheap snapshot rebuilds the (block-averaged) loss history at most this often


class NonFiniteError(RuntimeError):
    """A loss went NaN or infinite; the trainer has already restored the last good weights."""


def lr_factor(schedule: str, step: int, horizon: int) -> float:
    """Multiplier of the base learning rates at `step` (decays to 1% of the base, then holds)."""
    t = min(step / horizon, 1.0)
    if schedule == "cosine":
        return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * t))
    if schedule == "linear":
        return 0.01 + 0.99 * (1 - t)
    return 1.0


class Trainer:
    def __init__(self, config: TrainConfig, eval_samples: int = 100_000):
        self.eval_samples = eval_samples
        self.config = config
        self._generation = 0  # counts the changes after which a measurement in progress is stale
        self._param_lists: dict[str, tuple[torch.nn.Module, list[torch.nn.Parameter]]] = {}
        self._build()

    # ------------------------------------------------------------------ set-up
    def _build(self) -> None:
        cfg = self.config
        self._generation += 1
        self.dist: Distribution | ImageDistribution = get_distribution(cfg.distribution)
        self.is_image = isinstance(self.dist, ImageDistribution)
        self.device = pick_device(cfg.device)
        self._set_input_scale()

        with torch.random.fork_rng(devices=[]):  # weights depend on the seed alone
            torch.manual_seed(cfg.seed)
            if self.is_image:
                kind = default_kind(self.dist.shape) if cfg.image_model == "auto" else cfg.image_model
                self.G, self.D = build_image_nets(kind, cfg.noise_dim, self.dist.shape, cfg.hidden, cfg.layers,
                                                  cfg.activation, cfg.spectral_norm, cfg.d_hidden)
            else:
                self.G = Generator(cfg.noise_dim, self.dist.dim, cfg.hidden, cfg.layers, cfg.activation)
                self.D = Discriminator(self.dist.dim, cfg.d_width, cfg.layers, cfg.activation)
        self.G.to(self.device)
        self.D.to(self.device)
        self._nan = torch.tensor(float("nan"), device=self.device)  # made once: a copy to a GPU waits for it
        self._make_optimizers()
        self._make_average()
        self._make_replay()

        self.rng = torch.Generator(device=self.device).manual_seed(cfg.seed)
        self._make_fixed_noise()
        if self.is_image:
            self.real_view = frozen(self.dist.reference_samples(IMAGE_VIEW_SAMPLES, seed=cfg.seed + 2))
            self.measurer = ImageMeasurer(self.dist)
            self._image_frame: tuple | None = None  # (when, (generation, step), (grid, strip))
        else:
            self.real_view = frozen(self.dist.reference_samples(VIEW_SAMPLES, seed=cfg.seed + 2))  # shared by snapshots
            self.measurer = GridMeasurer(self.dist, self.eval_samples)

        self.step_count = 0
        self.train_time = 0.0
        self._rate_window: deque[tuple[float, int]] = deque(maxlen=512)
        self.history = History()
        self._good = self._pending = self._copy_state()
        self._last_full: dict | None = None
        self._drawing = KeptOverlays()
        self._metric_history_view: dict = {}  # history.metrics() as of the last full measurement
        self._history_view: tuple[float, int, dict] | None = None  # (when, step, losses())

    def _set_input_scale(self) -> None:
        """What the networks see: standardised data (x - mean) / std, or the data as it is; images
        always in [-1, 1], the range of G's tanh."""
        if self.is_image:
            self.scaling = Scaling(torch.tensor(0.5, device=self.device), 0.5)
            return
        mean, scale = self.dist.moments if self.config.normalize else (np.zeros(self.dist.dim), 1.0)
        self.scaling = Scaling(torch.as_tensor(mean, dtype=torch.float32, device=self.device), float(scale))

    def _make_optimizers(self) -> None:
        cfg = self.config

        def make(params, lr):
            # Fused kernels: one launch per step instead of one per tensor (faster on CPU and GPU alike).
            if cfg.optimizer == "adam":
                return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), fused=True)
            if cfg.optimizer == "sgd":
                return torch.optim.SGD(params, lr=lr, momentum=cfg.momentum, fused=True)
            return torch.optim.RMSprop(params, lr=lr, momentum=cfg.momentum, foreach=True)

        self.opt_d = make(self.D.parameters(), cfg.lr_d)
        self.opt_g = make(self.G.parameters(), cfg.lr_g)

    def _make_average(self) -> None:
        decay = self.config.g_ema
        self.G_avg = AveragedModel(self.G, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True) if decay > 0 else None
        if self.G_avg is not None:
            self.G_avg.update_parameters(self.G)  # start from the current weights

    def _make_replay(self) -> None:
        size = self.config.d_replay
        item = self.dist.shape if self.is_image else (self.dist.dim,)
        self.replay = FakeReplay(size, item, self.device) if size > 0 else None

    def _make_fixed_noise(self) -> None:
        cfg = self.config
        g = torch.Generator(device=self.device).manual_seed(cfg.seed + 1)
        if self.is_image:
            self.fixed_z = sample_noise(IMAGE_VIEW_SAMPLES, cfg.noise_dim, cfg.noise, g)
            ends = sample_noise(2, cfg.noise_dim, cfg.noise, g)
            t = torch.linspace(0, 1, INTERPOLATION_STEPS, device=self.device)[:, None]
            self._interpolation_z = (1 - t) * ends[0] + t * ends[1]
            return
        self.fixed_z = sample_noise(VIEW_SAMPLES, cfg.noise_dim, cfg.noise, g)
        self.latent_view = frozen(self.fixed_z.cpu().numpy())  # one array for all snapshots: unchanged, it is not re-sent
        self._latent_grid = latent_grid(cfg.noise_dim, cfg.noise, self.device)

    @property
    def shown_generator(self) -> torch.nn.Module:
        """The averaged generator when g_ema is on (it is what gets measured), else G."""
        return self.G_avg.module if self.G_avg is not None else self.G

    def _real_batch(self, n: int) -> torch.Tensor:
        return self.scaling.to_net(self.dist.sample(n, self.rng))

    def _noise(self, n: int) -> torch.Tensor:
        return sample_noise(n, self.config.noise_dim, self.config.noise, self.rng)

    # ---------------------------------------------------------------- training
    def train(self, steps: int, measure_every: int = 0, on_step: Callable[[int], None] | None = None) -> None:
        """`steps` iterations, headless. With `measure_every`, a grid measurement after every that many
        (a point on the metric curves) except the last; `on_step(done)` after each iteration."""
        for done in range(1, steps + 1):
            self.step()
            if measure_every and done % measure_every == 0 and done < steps:
                self.snapshot(full=True)
            if on_step is not None:
                on_step(done)

    def step(self, train_d: bool = True, train_g: bool = True) -> dict[str, float]:
        """One iteration: d_steps D updates, then g_steps G updates (either block may be frozen)."""
        cfg = self.config
        t0 = time.perf_counter()
        if self.step_count % CHECKPOINT_EVERY == 0:
            self._pending = self._copy_state()
        factor = lr_factor(cfg.lr_schedule, self.step_count, cfg.schedule_steps)
        for group in self.opt_d.param_groups:
            group["lr"] = cfg.lr_d * factor
        for group in self.opt_g.param_groups:
            group["lr"] = cfg.lr_g * factor
        d_loss = g_loss = self._nan  # what a frozen block records

        # --- k discriminator updates: ascend V(G,D) = E log D(x) + E log(1 - D(G(z)))
        if train_d:
            for _ in range(cfg.d_steps):
                real = self._real_batch(cfg.batch_size).requires_grad_(cfg.r1_gamma > 0)
                with torch.no_grad():
                    fake = self.G(self._noise(cfg.batch_size))
                    if self.replay is not None:  # half of the fakes from where G has been
                        fake = self.replay.mix(fake, self.rng)
                real_out = self.D(real)
                d_loss = losses.d_loss(cfg.loss, real_out, self.D(fake))
                total = d_loss
                if cfg.loss == "wgan-gp":
                    total = total + cfg.gp_lambda * losses.gradient_penalty(self.D, real.detach(), fake, self.rng)
                if cfg.r1_gamma > 0:
                    total = total + 0.5 * cfg.r1_gamma * losses.r1_penalty(real_out, real)
                self.opt_d.zero_grad(set_to_none=True)
                total.backward()
                self.opt_d.step()

        # --- m generator updates: descend V(G,D) (or its non-saturating surrogate) against this D
        if train_g:
            d_params = self._parameters("D")
            for p in d_params:  # G's backward needs D's input gradients, not its weights'
                p.requires_grad_(False)
            try:
                for _ in range(cfg.g_steps):
                    fake = self.G(self._noise(cfg.batch_size))
                    g_loss = losses.g_loss(cfg.loss, self.D(fake))
                    self.opt_g.zero_grad(set_to_none=True)
                    g_loss.backward()
                    self.opt_g.step()
                    if self.G_avg is not None:
                        self.G_avg.update_parameters(self.G)
            finally:
                for p in d_params:
                    p.requires_grad_(True)

        values = self._read_out(d_loss, g_loss, train_d, train_g)  # the one sync point of a step
        record = dict(zip(("d_loss", "g_loss", "g_grad_norm", "d_grad_norm"), values))
        computed = [v for v, on in zip(values, (train_d, train_g, train_g, train_d)) if on]
        if not all(math.isfinite(v) for v in computed):
            self._restore(self._good)
            bad = ", ".join(k for k in _active(train_d, train_g) if not math.isfinite(record[k]))
            raise NonFiniteError(
                f"step {self.step_count + 1}: {bad} became non-finite (NaN or infinite); "
                f"restored the weights of step {self.step_count}. Try a smaller learning rate."
            )
        if self.step_count % CHECKPOINT_EVERY == 0:
            self._good = self._pending  # those weights just produced finite losses
        self.step_count += 1
        self.history.append(self.step_count, record)
        self.train_time += time.perf_counter() - t0
        self._rate_window.append((self.train_time, self.step_count))
        return record

    def _read_out(self, d_loss: torch.Tensor, g_loss: torch.Tensor, train_d: bool, train_g: bool) -> list[float]:
        """[d_loss, g_loss, |grad G|, |grad D|] of the last updates, copied to the host at once;
        NaN norms for a frozen player (its .grad fields hold old gradients).

        The .grad fields still hold the last update's gradients (D's are untouched by the G block).
        One fused per-tensor norm and one stack keep this at two kernels on a GPU, where a step is
        bound by the number of launches."""
        grads_d = [p.grad for p in self._parameters("D") if p.grad is not None] if train_d else []
        grads_g = [p.grad for p in self._parameters("G") if p.grad is not None] if train_g else []
        norms = torch._foreach_norm(grads_d + grads_g) if grads_d or grads_g else []
        host = torch.stack([d_loss.detach(), g_loss.detach(), *norms]).tolist()
        nd = len(grads_d)
        d_norm = math.sqrt(sum(v * v for v in host[2:2 + nd])) if grads_d else math.nan
        g_norm = math.sqrt(sum(v * v for v in host[2 + nd:])) if grads_g else math.nan
        return [host[0], host[1], g_norm, d_norm]

    def _parameters(self, name: str) -> list[torch.nn.Parameter]:
        """The parameters of self.G or self.D, listed once per network object: Module.parameters()
        walks the module tree, and a step asked for them four times (3% of a step on the CPU)."""
        net = getattr(self, name)
        cached = self._param_lists.get(name)
        if cached is None or cached[0] is not net:
            cached = self._param_lists[name] = (net, list(net.parameters()))
        return cached[1]

    # ------------------------------------------------------------ live changes
    def apply_config(self, new: TrainConfig) -> list[str]:
        """Make `new` the config from the next step on; rebuild only what a change requires."""
        old = self.config
        if new == old:
            return []
        self._generation += 1
        reasons = old.rebuild_reasons(new)
        if self.is_image and new.activation != old.activation:
            reasons.append("activation")  # image nets hold more than Linear layers and activations
        if reasons:
            self.config = new
            try:
                self._build()
            except Exception:
                self.config = old
                self._build()
                raise
            return [f"rebuilt the networks: {', '.join(reasons)} changed (training restarts at step 0)"]
        messages = []
        if new.device != old.device:
            target = pick_device(new.device)
            if target != self.device:
                state = self.state_dict()
                state["config"] = new.to_dict()  # load_state_dict rebuilds on the new device
                self.load_state_dict(state)
                messages.append(f"moved training to {self.device.type}")
        self.config = new
        if new.optimizer != old.optimizer:
            self._make_optimizers()
            messages.append(f"new {new.optimizer} optimizers (their running statistics start afresh)")
        else:
            for opt in (self.opt_d, self.opt_g):
                for group in opt.param_groups:
                    if "betas" in group:
                        group["betas"] = (new.beta1, new.beta2)
                    if "momentum" in group:  # SGD and RMSprop; Adam has none
                        group["momentum"] = new.momentum
        if new.g_ema != old.g_ema:
            self._make_average()
            messages.append("generator averaging restarted from the current weights" if new.g_ema else "generator averaging off")
        if new.d_replay != old.d_replay:
            self._make_replay()
            messages.append(f"D's replay of earlier fakes restarted, keeping {new.d_replay}" if new.d_replay
                            else "D's replay of earlier fakes off")
        if new.noise != old.noise:
            self._make_fixed_noise()
        if new.activation != old.activation:
            for net in (self.G, self.D, *([self.G_avg.module] if self.G_avg is not None else [])):
                set_activation(net, new.activation)
            messages.append(f"activation {new.activation} from the next step, with the same weights")
        if new.normalize != old.normalize:
            self._set_input_scale()
            messages.append("the networks now see " + ("standardised data" if new.normalize else "the data unscaled")
                            + " with the same weights, so G's samples move with the change")
        if new.seed != old.seed:
            self.rng = torch.Generator(device=self.device).manual_seed(new.seed)
            messages.append(f"seed {new.seed}: new random draws from the next step; Reset starts new networks from it")
        return messages

    def reset(self) -> None:
        self._build()

    # ------------------------------------------------------------- checkpoints
    def _copy_state(self) -> dict:
        return {
            "G": copy.deepcopy(self.G.state_dict()),
            "D": copy.deepcopy(self.D.state_dict()),
            "opt_g": copy.deepcopy(self.opt_g.state_dict()),
            "opt_d": copy.deepcopy(self.opt_d.state_dict()),
            "G_avg": copy.deepcopy(self.G_avg.state_dict()) if self.G_avg is not None else None,
            "replay": self.replay.state() if self.replay is not None else None,
        }

    def _restore(self, state: dict) -> None:
        self._generation += 1
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        if self.G_avg is not None and state["G_avg"] is not None:
            self.G_avg.load_state_dict(state["G_avg"])
        if self.replay is not None:  # a session saved before replay existed restarts it empty
            self._make_replay()
            if state.get("replay") is not None:
                self.replay.load(state["replay"])

    def state_dict(self) -> dict:
        """Everything needed to continue exactly where training stopped."""
        return {
            "config": self.config.to_dict(),
            "step_count": self.step_count,
            "train_time": self.train_time,
            "nets": self._copy_state(),
            "rng": self.rng.get_state(),
            "rng_device": self.device.type,
            "history": self.history.state_dict(),
        }

    def load_state_dict(self, state: dict) -> None:
        cfg = TrainConfig.from_dict(state["config"], "session")
        if cfg != self.config:
            self.config = cfg
            self._build()
        self._restore(state["nets"])
        self.step_count = int(state["step_count"])
        self.train_time = float(state["train_time"])
        if state.get("rng_device", self.device.type) == self.device.type:
            self.rng.set_state(state["rng"].cpu())  # another device's generator state does not fit this one
        self.history = History.from_state_dict(state["history"])
        self._history_view = None
        self._good = self._pending = self._copy_state()
        self._last_full = None

    # ---------------------------------------------------------------- viewing
    @property
    def steps_per_s(self) -> float:
        if len(self._rate_window) < 2:
            return 0.0
        (t0, s0), (t1, s1) = self._rate_window[0], self._rate_window[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0

    @property
    def measured(self) -> bool:
        """A grid measurement exists for these networks. The first one after a build or load
        also fills per-distribution caches (MLE fits, the noise floor): seconds, once."""
        return self._last_full is not None

    def snapshot(self, full: bool = True, overlays: bool = True, draw: bool = True) -> Snapshot:
        """Immutable arrays for the views; `full` also recomputes grid densities and metrics.

        Without `overlays` the manifold and the D-gradient arrows are those of the last snapshot
        that had them (the live loop refreshes them every other frame: they cost as much as the
        moving points, and at 15 a second they still look continuous).  Without `draw` (and for
        networks of up to SEND_WEIGHTS_MAX weights) `fake`, `manifold` and `fake_grad` all hold
        one NetWeights, from which the receiver in another process draws them (frames.WeightsDrawer).
        """
        if self.is_image:
            return self._image_snapshot(full)
        cfg = self.config
        if not draw and self._weight_count() <= SEND_WEIGHTS_MAX:
            fake = manifold_view = grad_view = NetWeights.of(
                self.shown_generator, self.D, cfg, self.dist.dim, self.scaling, self._generation, overlays)
        else:
            fake, manifold_view, grad_view = self._drawing.draw(self.shown_generator, self.D, self.scaling, self.fixed_z,
                                                                self._latent_grid, self._generation, overlays)

        m, notes = self._measured(full)
        return Snapshot(
            step=self.step_count,
            config=cfg,
            dim=self.dist.dim,
            critic=not cfg.uses_probability,
            device=self.device.type,
            elapsed_s=self.train_time,
            steps_per_s=self.steps_per_s,
            real=self.real_view,
            fake=fake,
            latent=self.latent_view,
            fake_grad=grad_view,
            manifold=manifold_view,
            grid=m["grid"],
            d_grid=m["d_grid"],
            d_star_grid=m["d_star_grid"],
            p_data_grid=m["p_data_grid"],
            p_g_grid=m["p_g_grid"],
            mle_gauss_grid=m["mle_gauss_grid"],
            mle_gmm_grid=m["mle_gmm_grid"],
            modes=m["modes"],
            metrics={**self.history.latest_losses(), **m["metrics"]},
            history=self._losses_view(fresh=full),
            metric_history=self._metric_history_view,
            metrics_step=m["step"],
            notes=tuple(notes),
        )

    def _measured(self, full: bool) -> tuple[dict, list[str]]:
        """The latest measurement (taken now when `full` or when there is none) and the notes to show with it."""
        if full or self._last_full is None:
            self._take_measurement(self.measurer.measure(self))
        notes = list(self._last_full["notes"])
        if self.G_avg is not None:
            notes.append(f"samples and metrics use the averaged generator (decay {self.config.g_ema})")
        return self._last_full, notes

    def _image_snapshot(self, full: bool) -> Snapshot:
        """Images: the generated grid and interpolation strip are redrawn at most every IMAGE_FRAME_S
        while training runs (a conv G over 74 images costs milliseconds), at once after a change."""
        cfg = self.config
        now = time.perf_counter()
        kept = self._image_frame
        if (full or kept is None or kept[1] != (self._generation, self.step_count) and (
                kept[1][0] != self._generation or now - kept[0] >= IMAGE_FRAME_S)):
            fake, line = draw_images(self.shown_generator, self.scaling, self.fixed_z, self._interpolation_z)
            kept = self._image_frame = (now, (self._generation, self.step_count), (fake, line))
        m, notes = self._measured(full)
        fake, line = kept[2]
        return Snapshot(
            step=self.step_count, config=cfg, dim=0, critic=not cfg.uses_probability, device=self.device.type,
            elapsed_s=self.train_time, steps_per_s=self.steps_per_s,
            metrics={**self.history.latest_losses(), **m["metrics"]},
            history=self._losses_view(fresh=full),
            metric_history=self._metric_history_view,
            metrics_step=m["step"],
            notes=tuple(notes),
            images=ImageFrame(fake=fake, real=self.real_view, interpolation=line, measured=m["images"]),
        )

    def _weight_count(self) -> int:
        """G's and D's weights (the averaged G has G's shapes); from the cached lists: asked every frame."""
        return sum(p.numel() for p in (*self._parameters("G"), *self._parameters("D")))

    def measurement_job(self) -> Callable[[], tuple[int, dict]]:
        """A grid measurement of the networks as they are now, to run on another thread while
        training goes on: it reads copies of G and D made here (about 2 ms, every few seconds)."""
        nets, generation, measurer = NetworkCopy(self), self._generation, self.measurer
        return lambda: (generation, measurer.measure(nets))

    def accept_measurement(self, result: tuple[int, dict]) -> bool:
        """Use a finished job's measurement in the next snapshots, unless the networks it measured
        have since been rebuilt, reset, reloaded, restored or reconfigured (then it is dropped)."""
        generation, m = result
        if generation != self._generation:
            return False
        self._take_measurement(m)
        return True

    def _take_measurement(self, m: dict) -> None:
        self._last_full = m
        self.history.append_metrics(m["step"], m["metrics"])
        self._metric_history_view = self.history.metrics()  # changes only here: cheap snapshots share it

    def _losses_view(self, fresh: bool) -> dict:
        """The loss history for a snapshot; cheap snapshots (up to 30 a second) reuse one
        younger than HISTORY_EVERY_S, as block-averaging 10^5 steps costs milliseconds."""
        now = time.perf_counter()
        cached = self._history_view
        if fresh or cached is None or cached[1] > self.step_count or now - cached[0] >= HISTORY_EVERY_S:
            cached = self._history_view = (now, self.step_count, self.history.losses())
        return cached[2]


class NetworkCopy:
    """What a grid measurement reads of a Trainer, with its own copies of the shown G and of D,
    so the measurement can run beside training without seeing weights change under it."""

    def __init__(self, trainer: Trainer) -> None:
        self.config, self.device, self.step_count = trainer.config, trainer.device, trainer.step_count
        self.scaling = trainer.scaling
        self.shown_generator = copy.deepcopy(trainer.shown_generator)
        self.D = copy.deepcopy(trainer.D)


def _active(train_d: bool, train_g: bool) -> list[str]:
    return (["d_loss", "d_grad_norm"] if train_d else []) + (["g_loss", "g_grad_norm"] if train_g else [])


