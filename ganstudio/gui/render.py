"""`python -m ganstudio render`: train headless, then draw the real main window offscreen to a PNG.

The picture is the window a user would see after `steps` iterations, not a separate
figure, so README screenshots and lesson handouts always match the app.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_SIZE = (1600, 1000)
CURVE_POINTS = 24  # full measurements during training, so the metric plots show curves, not one dot


def _config(preset: str, seed: int | None, settings: Sequence[str] | Mapping[str, Any] | None):
    from ganstudio.core.presets import load_preset

    config = load_preset(preset).config
    if settings:
        if isinstance(settings, Mapping):
            config = config.replace(**dict(settings))
        else:
            config = config.with_assignments(list(settings))
    if seed is not None:
        config = config.replace(seed=seed)
    return config


def render_to_png(preset: str, steps: int, out: str | os.PathLike, seed: int | None = None,
                  settings: Sequence[str] | Mapping[str, Any] | None = None,
                  size: tuple[int, int] = DEFAULT_SIZE) -> None:
    """Train `preset` for `steps` iterations, then save the main window showing it to `out`.

    `settings` overrides config keys, as `key=value` strings (like `--set`) or a mapping.
    Raises ConfigError for a bad preset or setting, NonFiniteError if training diverges,
    OSError if the PNG cannot be written.
    """
    from ganstudio.core.trainer import Trainer

    from ganstudio.core.loop import LIVE_EVAL_SAMPLES

    config = _config(preset, seed, settings)
    trainer = Trainer(config, eval_samples=LIVE_EVAL_SAMPLES)  # measured as the live window measures
    steps = int(steps)
    every = max(10, steps // CURVE_POINTS)
    for i in range(steps):
        trainer.step()
        if (i + 1) % every == 0 and i + 1 < steps:
            trainer.snapshot(full=True)  # a point on the metric curves (JSD, KL, V, modes)
    snap = trainer.snapshot(full=True)

    from PySide6.QtCore import QSettings, Qt

    from .app import ensure_app
    from .export import save_window_png
    from .main_window import MainWindow

    app = ensure_app(headless=True)
    with tempfile.TemporaryDirectory() as tmp:
        # A private layout file: the user's saved window layout must not change the picture.
        layout = QSettings(os.path.join(tmp, "render.ini"), QSettings.Format.IniFormat)
        window = MainWindow(preset=preset, config=config, settings=layout, trainer=trainer, start=False)
        try:
            window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
            window.resize(*size)
            window.show()
            app.processEvents()
            window.show_snapshot(snap)
            app.processEvents()
            if not save_window_png(window, out):
                raise OSError(f"could not write {os.fspath(out)}")
        finally:
            window.close()
            window.deleteLater()
            app.processEvents()

