"""Starting the GUI where there is no screen fails with a clear line instead of an invisible window."""

import subprocess
import sys

from ganstudio.gui.app import has_screen


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
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    if not sys.platform.startswith("linux"):
        return
    r = subprocess.run([sys.executable, "main.py"], capture_output=True, text=True, timeout=120, env=env,
                       cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert r.returncode == 1
    assert "no display" in r.stderr and "render" in r.stderr and "Traceback" not in r.stderr


def test_the_app_keeps_qts_paint_helper_threads_off_the_trainers_cores(tmp_path):
    """Qt's threaded fills are turned off before the QApplication exists (a fresh process:
    the test session's own application was made by pytest-qt)."""
    code = ("import os; os.environ.pop('QT_NO_GUI_THREADPOOL', None)\n"
            "from ganstudio.gui.app import ensure_app\n"
            "app = ensure_app(headless=True)\n"
            "print(os.environ.get('QT_NO_GUI_THREADPOOL'))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]),
                       env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"


def test_render_prints_no_qt_platform_notice(tmp_path):
    """`render` draws offscreen, whose platform announces on every shown window that it cannot
    propagate size hints; a user of the command sees only what the command has to say."""
    out = tmp_path / "r.png"
    r = subprocess.run([sys.executable, "-m", "ganstudio", "render", "--preset", "gaussian-1d", "--steps", "5",
                        "--out", str(out)], capture_output=True, text=True, timeout=180,
                       cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]),
                       env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr
    assert out.exists()
    assert r.stderr == ""
    assert r.stdout.strip() == f"wrote {out}"
