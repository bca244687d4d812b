"""Presets: named, validated TrainConfigs with a default step count, stored as JSON files.

A teacher's lesson depends on a preset working every time, so every file is checked
on load and a bad one is reported by name and key rather than half-applied.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .config import TrainConfig
from .errors import ConfigError

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
PRESET_DIR = RESOURCES / "presets"
PRESET_KEYS = {"name", "summary", "steps", "config", "lesson"}


@dataclass(frozen=True)
class Preset:
    name: str
    summary: str  # one line, shown by `ganstudio presets` and in the GUI chooser
    steps: int  # default length of `train --preset NAME`, sized for this machine class
    config: TrainConfig
    lesson: str = ""  # what a class should notice, shown in the GUI

    def to_dict(self) -> dict:
        return {"name": self.name, "summary": self.summary, "steps": self.steps,
                "lesson": self.lesson, "config": self.config.to_dict()}


def preset_names(directory: Path = PRESET_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.json"))


def parse_preset(data: object, where: str) -> Preset:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a preset must be a JSON object")
    unknown = set(data) - PRESET_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown preset key {sorted(unknown)[0]!r}")
    for key in ("name", "summary", "steps", "config"):
        if key not in data:
            raise ConfigError(f"{where}: missing preset key {key!r}")
    if not isinstance(data["name"], str) or not isinstance(data["summary"], str):
        raise ConfigError(f"{where}: name and summary must be strings")
    steps = data["steps"]
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ConfigError(f"{where}: steps must be a positive integer, got {steps!r}")
    config = TrainConfig.from_dict(data["config"], f"{where}: config")
    return Preset(data["name"], data["summary"], steps, config, str(data.get("lesson", "")))


def load_preset(name: str, directory: Path = PRESET_DIR) -> Preset:
    path = directory / f"{name}.json"
    if not path.is_file():
        raise ConfigError(f"unknown preset {name!r}; available: {', '.join(preset_names(directory))}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    preset = parse_preset(data, str(path))
    if preset.name != name:
        raise ConfigError(f"{path}: name {preset.name!r} does not match the file name")
    return preset


def default_preset_for(data) -> str:
    """The preset whose model suits a data file: by its dimension for points, its size for images."""
    if getattr(data, "is_image", False):
        return "digits-8x8" if data.shape[1:] == (8, 8) else "digits-28"
    return "gaussian-1d" if data.dim == 1 else "ring-8"


def all_presets(directory: Path = PRESET_DIR) -> list[Preset]:
    return [load_preset(n, directory) for n in preset_names(directory)]
