"""Session files: a trainer's whole state, so a run continues exactly where it stopped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .errors import ConfigError

FORMAT = "ganstudio-session"
VERSION = 1


def save_session(trainer, path: str | Path, preset: str | None = None) -> None:
    state = trainer.state_dict()
    state["history"] = _to_tensors(state["history"])
    payload = {"format": FORMAT, "version": VERSION, "preset": preset, "trainer": state}
    tmp = Path(str(path) + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)  # never leave a half-written session where a good one was


def load_session(path: str | Path) -> tuple[dict, str | None]:
    """The trainer state and preset name saved in `path`; ConfigError if it is not a session."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: no such session file")
    try:
        payload = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a foreign file
        raise ConfigError(f"{p}: not a GAN Studio session ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ConfigError(f"{p}: not a GAN Studio session")
    if payload.get("version") != VERSION:
        raise ConfigError(f"{p}: session version {payload.get('version')} is not supported (expected {VERSION})")
    state = payload["trainer"]
    state["history"] = _to_arrays(state["history"])
    return state, payload.get("preset")


def _to_tensors(obj):
    if isinstance(obj, dict):
        return {k: _to_tensors(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(obj))
    return obj


def _to_arrays(obj):
    if isinstance(obj, dict):
        return {k: _to_arrays(v) for k, v in obj.items()}
    if isinstance(obj, torch.Tensor):
        return obj.numpy()
    return obj
