"""The app's process set-up, in fresh interpreters: no screen gives a clear line instead of an invisible
window, Qt's paint helper threads stay off, and an offscreen run prints nothing of Qt's own."""

import os
import subprocess
import sys
from pathlib import Path

from ganstudio.gui.app import has_screen

ROOT = Path(__file__).resolve().parents[2]


def run_python(args: list[str], tmp_path, **env) -> subprocess.CompletedProcess:
    """A fresh interpreter at the repository root, with a bare environment and a scratch HOME (but the
    paths it may need to find its packages and fonts, e.g. a Qt put on PYTHONPATH rather than installed)."""
    found = {k: os.environ[k] for k in ("PYTHONPATH", "LD_LIBRARY_PATH", "FONTCONFIG_FILE") if k in os.environ}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=180, cwd=str(ROOT),
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **found, **env})


def test_has_screen_reads_the_environment(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not has_screen()
    monkeypatch.setenv("DISPLAY", ":0")
    assert has_screen()
    monkeypatch.delenv("DISPLAY")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert has_screen()


def test_launcher_without_a_display_says_so(tmp_path):
    if not sys.platform.startswith("linux"):
        return
    r = run_python(["main.py"], tmp_path)
    assert r.returncode == 1
    assert "no display" in r.stderr and "render" in r.stderr and "Traceback" not in r.stderr


def test_the_app_keeps_qts_paint_helper_threads_off_the_trainers_cores(tmp_path):
    """Qt's threaded fills are turned off before the QApplication exists (a fresh process:
    the test session's own application was made by pytest-qt)."""
    code = ("import os; os.environ.pop('QT_NO_GUI_THREADPOOL', None)\n"
            "from ganstudio.gui.app import ensure_app\n"
            "app = ensure_app(headless=True)\n"
            "print(os.environ.get('QT_NO_GUI_THREADPOOL'))\n")
    r = run_python(["-c", code], tmp_path, QT_QPA_PLATFORM="offscreen")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"


def test_render_prints_no_qt_platform_notice(tmp_path):
    """`render` draws offscreen, whose platform announces on every shown window that it cannot
    propagate size hints; a user of the command sees only what the command has to say."""
    out = tmp_path / "r.png"
    r = run_python(["-m", "ganstudio", "render", "--preset", "gaussian-1d", "--steps", "5", "--out", str(out)],
                   tmp_path, QT_QPA_PLATFORM="offscreen")
    assert r.returncode == 0, r.stderr
    assert out.exists()
    assert r.stderr == ""
    assert r.stdout.strip() == f"wrote {out}"
