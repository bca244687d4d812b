"""One frozen TrainConfig serves the GUI, the CLI (--set key=value), presets and sessions."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, fields
from typing import Any

from .errors import ConfigError
from .sources import distribution_names, is_known_distribution

LOSSES = ("minimax", "nonsaturating", "lsgan", "wgan-gp", "hinge")
OPTIMIZERS = ("adam", "sgd", "rmsprop")
NOISES = ("gaussian", "uniform")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "elu", "silu")
DEVICES = ("auto", "cpu", "cuda", "mps")
LR_SCHEDULES = ("constant", "cosine", "linear")
IMAGE_MODELS = ("auto", "mlp", "conv")


@dataclass(frozen=True)
class TrainConfig:
    # --- data -----------------------------------------------------------
    distribution: str = "ring-8"
    normalize: bool = True  # networks see standardised data; samples are mapped back
    # --- model ----------------------------------------------------------
    noise_dim: int = 2
    noise: str = "gaussian"
    hidden: int = 128
    layers: int = 2
    d_hidden: int = 0  # D's hidden width; 0 = the same as G's (hidden)
    activation: str = "relu"
    image_model: str = "auto"  # images: an MLP pair or a DCGAN-style conv pair; auto = MLP for 8 x 8, conv above
    spectral_norm: bool = False  # images: spectral normalisation of D's layers
    # --- training -------------------------------------------------------
    loss: str = "nonsaturating"
    d_steps: int = 1
    g_steps: int = 1
    optimizer: str = "adam"
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    momentum: float = 0.9
    batch_size: int = 256
    gp_lambda: float = 10.0  # WGAN-GP gradient-penalty weight
    r1_gamma: float = 0.0  # R1 penalty (gamma/2) E_data |grad D|^2, Mescheder et al. 2018
    g_ema: float = 0.0  # decay of the averaged generator shown and measured; 0 = off
    d_replay: int = 0  # earlier fakes kept for D, half of each D fake batch drawn from them; 0 = off
    lr_schedule: str = "constant"
    schedule_steps: int = 10000  # horizon of the cosine / linear decay
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        _validate(self)

    # --- construction -----------------------------------------------------
    def replace(self, **changes: Any) -> "TrainConfig":
        unknown = set(changes) - set(field_names())
        if unknown:
            raise ConfigError(f"unknown config key {sorted(unknown)[0]!r}; known keys: {', '.join(field_names())}")
        return dataclasses.replace(self, **changes)

    def with_assignments(self, assignments: list[str]) -> "TrainConfig":
        """Apply `key=value` strings as typed by a user on the command line."""
        changes: dict[str, Any] = {}
        for item in assignments:
            if "=" not in item:
                raise ConfigError(f"--set expects key=value, got {item!r}")
            key, raw = (s.strip() for s in item.split("=", 1))
            changes[key] = parse_value(key, raw)
        return self.replace(**changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "config") -> "TrainConfig":
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected an object of config keys")
        unknown = set(data) - set(field_names())
        if unknown:
            raise ConfigError(f"{where}: unknown config key {sorted(unknown)[0]!r}")
        typed = {}
        for key, value in data.items():
            typed[key] = _coerce(key, value, where)
        try:
            return cls(**typed)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, where: str = "config") -> "TrainConfig":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        return cls.from_dict(data, where)

    # --- what a change means -----------------------------------------------
    def rebuild_reasons(self, other: "TrainConfig") -> list[str]:
        """Fields whose change needs new networks: a tensor shape, or the data itself, changes.
        Everything else (activation, seed and standardisation included) applies in place."""
        return [f for f in REBUILD_FIELDS if getattr(self, f) != getattr(other, f)]

    @property
    def uses_probability(self) -> bool:
        """True when D outputs a probability (sigmoid of a logit), so log D and V(G,D) mean something."""
        return self.loss in ("minimax", "nonsaturating")

    @property
    def d_width(self) -> int:
        """D's hidden width: its own where set, else G's."""
        return self.d_hidden or self.hidden


REBUILD_FIELDS = ("distribution", "noise_dim", "hidden", "layers", "d_hidden", "image_model", "spectral_norm")


CHOICES: dict[str, tuple[str, ...]] = {
    "loss": LOSSES, "optimizer": OPTIMIZERS, "noise": NOISES, "activation": ACTIVATIONS, "device": DEVICES,
    "lr_schedule": LR_SCHEDULES, "image_model": IMAGE_MODELS,
}
# Allowed values of the numeric keys: [lo, hi], or (lo, hi] for those in OPEN_BELOW
RANGES: dict[str, tuple[float, float]] = {
    "noise_dim": (1, 512), "hidden": (1, 4096), "layers": (1, 16), "d_hidden": (0, 4096),
    "d_steps": (1, 100), "g_steps": (1, 100), "lr_d": (0.0, 10.0), "lr_g": (0.0, 10.0),
    "beta1": (0.0, 0.999999), "beta2": (0.0, 0.999999), "momentum": (0.0, 0.999999),
    "batch_size": (2, 65536), "gp_lambda": (0.0, 1e4), "r1_gamma": (0.0, 1e4), "g_ema": (0.0, 0.999999),
    "d_replay": (0, 10**6), "schedule_steps": (1, 10**9), "seed": (0, 2**31 - 1),
}
OPEN_BELOW = frozenset({"lr_d", "lr_g"})


def field_names() -> list[str]:
    return [f.name for f in fields(TrainConfig)]


def _field_type(key: str) -> type:
    for f in fields(TrainConfig):
        if f.name == key:
            return {"int": int, "float": float, "bool": bool, "str": str}[str(f.type)]
    raise ConfigError(f"unknown config key {key!r}; known keys: {', '.join(field_names())}")


def parse_value(key: str, raw: str) -> Any:
    """Parse a command-line string into the field's type, with a clear error."""
    kind = _field_type(key)
    try:
        if kind is bool:
            low = raw.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        return raw
    except ValueError:
        raise ConfigError(f"{key}={raw!r}: expected {kind.__name__}") from None


def _coerce(key: str, value: Any, where: str) -> Any:
    kind = _field_type(key)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is bool and not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false, got {value!r}")
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{where}: {key} must be an integer, got {value!r}")
    if kind is float and not isinstance(value, float):
        raise ConfigError(f"{where}: {key} must be a number, got {value!r}")
    if kind is str and not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string, got {value!r}")
    return value


def _choice(cfg: TrainConfig, key: str, allowed: tuple[str, ...]) -> None:
    if getattr(cfg, key) not in allowed:
        raise ConfigError(f"{key}={getattr(cfg, key)!r}: must be one of {', '.join(allowed)}")


def _range(cfg: TrainConfig, key: str, lo: float, hi: float, lo_open: bool = False) -> None:
    v = getattr(cfg, key)
    ok = (lo < v if lo_open else lo <= v) and v <= hi
    if not ok or v != v:
        bracket = "(" if lo_open else "["
        raise ConfigError(f"{key}={v!r}: must be in {bracket}{lo}, {hi}]")


def _validate(cfg: TrainConfig) -> None:
    for key in field_names():
        _coerce(key, getattr(cfg, key), "config")
    if not is_known_distribution(cfg.distribution):
        raise ConfigError(f"distribution={cfg.distribution!r}: must be one of {', '.join(distribution_names())}")
    for key, allowed in CHOICES.items():
        _choice(cfg, key, allowed)
    for key, (lo, hi) in RANGES.items():
        _range(cfg, key, lo, hi, lo_open=key in OPEN_BELOW)
