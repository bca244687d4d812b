"""GUI tests run offscreen, fail on any Qt warning, and never touch the user's saved layout."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

# Messages the offscreen platform prints about itself, not about our code.
OFFSCREEN_NOISE = (r"This plugin does not support", r"propagateSizeHints")


def pytest_collection_modifyitems(items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "ganstudio.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    """Open a MainWindow and wait for its first snapshot; closed (thread stopped) at teardown."""
    from ganstudio.gui.main_window import MainWindow

    opened = []

    def make(**kwargs):
        kwargs.setdefault("settings", settings)
        window = MainWindow(**kwargs)
        qtbot.addWidget(window)
        opened.append(window)
        window.show()
        qtbot.waitUntil(lambda: window.last_snapshot is not None, timeout=15000)
        return window

    yield make
    for window in opened:
        window.close()
        assert not window.trainer_thread.isRunning()


@pytest.fixture
def window(make_window):
    return make_window(preset="ring-8")


@pytest.fixture
def recording_factory():
    """A trainer factory whose trainers record each step's (train_d, train_g) in `calls`."""
    from ganstudio.core.trainer import Trainer

    calls: list[tuple[bool, bool]] = []

    def factory(config):
        trainer = Trainer(config)
        real_step = trainer.step

        def step(train_d=True, train_g=True):
            calls.append((train_d, train_g))
            return real_step(train_d=train_d, train_g=train_g)

        trainer.step = step
        return trainer

    return calls, factory
