"""The Data panel's image sets, the Model panel's controls by kind of data, image files loaded in the
background, and the download dialog against a local HTTP server."""

from __future__ import annotations

import gzip
import hashlib
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu, QMessageBox, QPushButton

from ganstudio.core.commands import Command
from ganstudio.core.config import TrainConfig
from ganstudio.core.distributions import DISTRIBUTIONS
from ganstudio.core.images.download import DOWNLOADS, DownloadSet, RemoteFile, is_downloaded
from ganstudio.core.images.files import LoadCancelled
from ganstudio.core.presets import load_preset
from ganstudio.core.sources import FILE_PREFIX

IMAGE_SETS = ["digits-8x8", "digits-28", "mnist", "fashion-mnist", "kmnist"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty download cache: no set is downloaded."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("GANSTUDIO_CACHE", str(folder))
    return folder


def fill_cache(cache, name: str) -> None:
    """Put every file of set `name` in the cache under its own name, as a finished download leaves it."""
    folder = cache / name
    folder.mkdir(parents=True, exist_ok=True)
    for remote in DOWNLOADS[name].files:
        (folder / remote.name).write_bytes(b"x")


@pytest.fixture
def panel(qtbot, cache):
    from ganstudio.gui.panels import ControlPanel

    p = ControlPanel([], dict(DISTRIBUTIONS), loader_available=True)
    qtbot.addWidget(p)
    p.set_config(TrainConfig(distribution="ring-8"))
    return p


def images_group(combo) -> list[tuple[str, str, bool]]:
    """(data, text, enabled) of each entry under the Images heading, up to the next heading."""
    model = combo.model()
    rows = [model.item(i) for i in range(model.rowCount())]
    start = next(i for i, item in enumerate(rows) if item.text() == "Images") + 1
    out = []
    for item in rows[start:]:
        data = item.data(Qt.ItemDataRole.UserRole)
        if data is None:  # the next heading
            break
        out.append((data, item.text(), bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)))
    return out


def choose(combo, data: str) -> None:
    """What a click on the entry does: the index changes and `activated` fires."""
    index = combo.findData(data, Qt.ItemDataRole.UserRole)
    assert index >= 0, data
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


# ---- the Images group ------------------------------------------------------------------

def test_images_group_lists_the_sets_and_which_need_a_download(qtbot, cache):
    from ganstudio.gui.panels import ControlPanel

    fill_cache(cache, "kmnist")
    panel = ControlPanel([], dict(DISTRIBUTIONS), loader_available=True)
    qtbot.addWidget(panel)
    entries = images_group(panel.widget("distribution"))
    assert [data for data, _, _ in entries] == IMAGE_SETS
    texts = {data: text for data, text, _ in entries}
    assert texts == {"digits-8x8": "digits-8x8", "digits-28": "digits-28", "mnist": "mnist (download)",
                     "fashion-mnist": "fashion-mnist (download)", "kmnist": "kmnist"}
    assert all(enabled for _, _, enabled in entries)


def test_a_set_not_downloaded_opens_the_download_and_keeps_the_data(qtbot, panel, cache):
    combo = panel.widget("distribution")
    edits: list[dict] = []
    asked: list[str] = []
    panel.edited.connect(edits.append)
    panel.download_requested.connect(asked.append)
    choose(combo, "mnist")
    assert asked == ["mnist"] and edits == []
    assert combo.current_data() == "ring-8" and combo.currentText() == "ring-8"

    fill_cache(cache, "mnist")  # downloaded meanwhile: now it switches
    choose(combo, "mnist")
    assert edits == [{"distribution": "mnist"}] and asked == ["mnist"]
    assert combo.currentText() == "mnist"


def test_refresh_downloads_relabels_a_finished_set(panel, cache):
    combo = panel.widget("distribution")
    fill_cache(cache, "fashion-mnist")
    assert dict((d, t) for d, t, _ in images_group(combo))["fashion-mnist"] == "fashion-mnist (download)"
    panel.refresh_downloads()
    assert dict((d, t) for d, t, _ in images_group(combo))["fashion-mnist"] == "fashion-mnist"


@pytest.mark.parametrize("preset", ["digits-8x8", "digits-28"])
def test_an_image_preset_shows_its_set_not_a_heading(panel, preset):
    panel.set_config(load_preset(preset).config)
    combo = panel.widget("distribution")
    assert combo.current_data() == preset and combo.currentText() == preset


# ---- the Model panel by kind of data ----------------------------------------------------

def shown(panel, key: str) -> bool:
    return not panel.widget(key).isHidden()


def test_points_show_standardise_and_hide_the_image_controls(panel):
    assert shown(panel, "normalize")
    assert not shown(panel, "image_model") and not shown(panel, "spectral_norm")
    assert panel.widget("layers").isEnabled() and panel.widget("activation").isEnabled()


@pytest.mark.parametrize(("distribution", "image_model", "conv"), [
    ("digits-8x8", "auto", False),  # 8 x 8: auto builds the MLP pair
    ("digits-8x8", "conv", True),
    ("digits-28", "auto", True),  # 28 x 28: auto builds the conv pair
    ("mnist", "auto", True),
    ("digits-28", "mlp", False),
])
def test_images_show_their_controls_and_grey_what_conv_ignores(panel, distribution, image_model, conv):
    panel.set_config(TrainConfig(distribution=distribution, image_model=image_model))
    assert shown(panel, "image_model") and shown(panel, "spectral_norm")
    assert not shown(panel, "normalize")
    for key in ("layers", "activation"):
        assert panel.widget(key).isEnabled() is not conv
        assert ("conv image nets" in panel.widget(key).toolTip()) is conv
    panel.set_config(TrainConfig(distribution="gaussian-1d"))
    assert shown(panel, "normalize") and not shown(panel, "image_model")
    assert panel.widget("layers").isEnabled() and "conv" not in panel.widget("layers").toolTip()


def test_a_file_is_judged_by_what_it_holds(panel, tmp_path):
    points = tmp_path / "points.npy"
    np.save(points, np.zeros((50, 2)))
    images = tmp_path / "faces.npy"
    np.save(images, np.zeros((20, 28, 28), dtype=np.uint8))
    panel.set_config(TrainConfig(distribution=FILE_PREFIX + str(points)))
    assert shown(panel, "normalize") and not shown(panel, "image_model")
    name = FILE_PREFIX + str(images)
    panel.set_config(TrainConfig(distribution=name))
    assert not shown(panel, "normalize") and shown(panel, "image_model")
    assert panel.widget("distribution").currentText() == "faces.npy"
    assert panel.widget("layers").isEnabled()  # auto, and the size is not known yet
    panel.note_image_size(name, (28, 28))
    assert not panel.widget("layers").isEnabled()


def test_changing_image_nets_regreys_at_once(panel):
    panel.set_config(TrainConfig(distribution="digits-8x8"))
    combo = panel.widget("image_model")
    edits: list[dict] = []
    panel.edited.connect(edits.append)
    index = combo.findData("conv")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert edits == [{"image_model": "conv"}]
    assert not panel.widget("layers").isEnabled()


# ---- the window: choosing a set, loading files ------------------------------------------

def test_choosing_digits_8x8_switches_the_run(qtbot, window):
    combo = window.panel.widget("distribution")
    choose(combo, "digits-8x8")
    assert window.config.distribution == "digits-8x8"
    assert combo.currentText() == "digits-8x8"
    qtbot.waitUntil(lambda: window.last_snapshot.config.distribution == "digits-8x8", timeout=60000)
    assert window.last_snapshot.dim == 0
    assert combo.current_data() == "digits-8x8" and combo.currentText() == "digits-8x8"
    assert not window.panel.widget("normalize").isVisibleTo(window.panel)
    assert window.panel.widget("image_model").isVisibleTo(window.panel)


def test_choosing_a_set_to_download_opens_the_dialog_on_it(qtbot, window, cache):
    before = window.config
    choose(window.panel.widget("distribution"), "fashion-mnist")
    dialog = window.download_dialog
    assert dialog is not None and dialog.isVisible() and dialog.chosen() == "fashion-mnist"
    assert window.config == before
    assert window.panel.widget("distribution").current_data() == before.distribution
    dialog.reject()
    file_menu = window.menuBar().findChildren(QMenu)[0]
    assert {"&Load data file...", "Load image &folder...", "&Download image sets..."} <= {
        a.text() for a in file_menu.actions()}


def idx_bytes(arr: np.ndarray, magic: int) -> bytes:
    return np.array([magic, *arr.shape], dtype=">u4").tobytes() + arr.astype(np.uint8).tobytes()


def test_an_idx_file_loads_in_the_background_and_switches_the_run(qtbot, window, tmp_path, monkeypatch):
    from ganstudio.gui import data_loading

    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(300, 8, 8), dtype=np.uint8)
    path = tmp_path / "tiny-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(images, 0x803)))
    threads: list[str] = []
    real_load = data_loading.load_images

    def recording_load(p, **kwargs):
        threads.append(threading.current_thread().name)
        return real_load(p, **kwargs)

    monkeypatch.setattr(data_loading, "load_images", recording_load)
    assert window.load_data_file(str(path))
    name = FILE_PREFIX + str(path)
    qtbot.waitUntil(lambda: window.config.distribution == name, timeout=15000)
    assert threads and threads[0] != threading.main_thread().name
    assert window.image_loader.dialog is None and not window.image_loader.busy
    qtbot.waitUntil(lambda: window.last_snapshot.config.distribution == name, timeout=60000)
    snap = window.last_snapshot
    assert snap.dim == 0 and snap.images.real.shape[1:] == (1, 8, 8)
    # the real images shown are the file's, scaled to [0, 1]
    real = snap.images.real[:, 0]
    file_images = images.astype(np.float64) / 255.0
    for shown_image in real[:5]:
        assert np.min(np.abs(file_images - shown_image).max(axis=(1, 2))) < 1e-6
    combo = window.panel.widget("distribution")
    assert combo.current_data() == name and combo.currentText() == path.name
    assert window.panel.widget("layers").isEnabled()  # 8 x 8 with auto: the MLP pair


def test_an_npy_of_images_loads_through_the_loader(qtbot, window, tmp_path):
    path = tmp_path / "shapes.npy"
    np.save(path, np.random.default_rng(2).random((64, 28, 28)).astype(np.float32))
    loaded = []
    window.image_loader.loaded.connect(loaded.append)
    assert window.image_loader.load(str(path))
    qtbot.waitUntil(lambda: bool(loaded), timeout=15000)
    assert loaded[0].path == str(path) and loaded[0].images.n == 64
    assert window.config.distribution == FILE_PREFIX + str(path)
    assert not window.panel.widget("layers").isEnabled()  # 28 x 28 with auto: the conv pair


@pytest.fixture
def message_boxes(monkeypatch):
    """Message boxes opened (not shown): each records itself."""
    opened: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "open", lambda self: opened.append(self))
    return opened


def test_a_broken_image_file_is_named_and_changes_nothing(qtbot, window, tmp_path, message_boxes):
    broken = tmp_path / "broken-images-idx3-ubyte"
    broken.write_bytes(np.array([0x803, 10, 28, 28], dtype=">u4").tobytes() + b"\x00" * 100)
    before = window.config
    step = window.last_snapshot.step
    assert window.load_data_file(str(broken))
    qtbot.waitUntil(lambda: bool(message_boxes), timeout=15000)
    box = message_boxes[-1]
    assert box.windowTitle() == "Cannot load broken-images-idx3-ubyte"
    assert str(broken) in box.text() and str(broken) in window.last_error
    assert window.config == before
    assert window.last_snapshot.config == before and window.last_snapshot.step == step
    assert window.panel.widget("distribution").current_data() == before.distribution


def test_cancelling_a_slow_load_leaves_everything_unchanged(qtbot, window, tmp_path, monkeypatch, message_boxes):
    from ganstudio.gui import data_loading

    started = threading.Event()

    def slow_load(path, progress=None, cancel=None, **kwargs):
        progress(0, 1000)
        started.set()
        deadline = time.monotonic() + 20
        while not cancel():
            if time.monotonic() > deadline:
                raise AssertionError("the load was never cancelled")
            time.sleep(0.01)
        raise LoadCancelled(f"{path}: loading cancelled")

    monkeypatch.setattr(data_loading, "load_images", slow_load)
    path = tmp_path / "slow-images-idx3-ubyte"
    path.write_bytes(b"")
    before = window.config
    cancelled: list[str] = []
    window.image_loader.cancelled.connect(cancelled.append)
    assert window.load_data_file(str(path))
    assert started.wait(10)
    qtbot.waitUntil(lambda: window.image_loader.dialog.maximum() == 1000, timeout=5000)
    assert not window.load_data_file(str(path))  # one load at a time
    step = window.last_snapshot.step
    window.post(Command.STEP_BOTH)  # the trainer and the window's drawing carry on meanwhile
    qtbot.waitUntil(lambda: window.last_snapshot.step > step, timeout=15000)
    window.image_loader.dialog.findChild(QPushButton).click()  # the dialog's Cancel button
    qtbot.waitUntil(lambda: cancelled == [str(path)], timeout=10000)
    assert not window.image_loader.busy and window.image_loader.dialog is None
    assert window.config == before and message_boxes == []
    assert window.panel.widget("distribution").current_data() == before.distribution
    assert "cancelled" in window.statusBar().currentMessage()


# ---- the download dialog ----------------------------------------------------------------

class RangeHandler(BaseHTTPRequestHandler):
    """Serves `files` with HTTP Range support, `delay_s` after each 16 KiB so a download can be cancelled."""

    files: dict[str, bytes] = {}
    requests: list[tuple[str, str | None]] = []
    delay_s = 0.0

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        name = self.path.rsplit("/", 1)[-1]
        rng = self.headers.get("Range")
        self.requests.append((name, rng))
        body = self.files.get(name)
        if body is None:
            self.send_error(404)
            return
        m = re.fullmatch(r"bytes=(\d+)-", rng or "")
        start = int(m.group(1)) if m else 0
        if m and start >= len(body):
            self.send_response(416)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(206 if m else 200)
        if m:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        try:
            for i in range(start, len(body), 16384):
                self.wfile.write(body[i:i + 16384])
                time.sleep(self.delay_s)
        except OSError:  # the client cancelled
            pass


@pytest.fixture
def served_set(monkeypatch, cache):
    """A two-file IDX set 'fake' served on 127.0.0.1 and registered with its MD5s."""
    rng = np.random.default_rng(4)
    images = idx_bytes(rng.integers(0, 256, size=(400, 28, 28), dtype=np.uint8), 0x803)
    labels = idx_bytes(rng.integers(0, 10, size=400, dtype=np.uint8), 0x801)
    files = {"fake-images-idx3-ubyte": images, "fake-labels-idx1-ubyte": labels}
    handler = type("Handler", (RangeHandler,), {"files": files, "requests": [], "delay_s": 0.0})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/sets/"
    spec = DownloadSet(title="Fake", mirrors=(url,), files=tuple(RemoteFile(n, hashlib.md5(b).hexdigest())
                                                                  for n, b in files.items()),
                       train="fake-images-idx3-ubyte")
    monkeypatch.setitem(DOWNLOADS, "fake", spec)
    yield handler
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def download_dialog(qtbot):
    from ganstudio.gui.download_dialog import DownloadDialog

    made = []

    def make(select):
        dialog = DownloadDialog(select=select)
        qtbot.addWidget(dialog)
        made.append(dialog)
        dialog.show()
        return dialog

    yield make
    for dialog in made:
        dialog.reject()
        assert not dialog._runner.thread.isRunning()


def list_text(dialog, name: str) -> str:
    items = [dialog.sets.item(i) for i in range(dialog.sets.count())]
    return next(i.text() for i in items if i.data(Qt.ItemDataRole.UserRole) == name)


def test_the_dialog_lists_the_sets_with_their_state(download_dialog, cache):
    fill_cache(cache, "mnist")
    dialog = download_dialog("kmnist")
    assert list_text(dialog, "mnist") == "MNIST (mnist) \u2014 downloaded"
    assert list_text(dialog, "fashion-mnist") == "Fashion-MNIST (fashion-mnist) \u2014 not downloaded"
    assert list_text(dialog, "kmnist") == "KMNIST (kmnist) \u2014 not downloaded"
    assert dialog.chosen() == "kmnist" and dialog.download_button.isEnabled()
    assert not dialog.use_button.isEnabled() and not dialog.cancel_button.isEnabled()
    dialog.select("mnist")
    assert not dialog.download_button.isEnabled() and dialog.use_button.isEnabled()


def test_a_download_completes_in_the_background(qtbot, download_dialog, served_set, cache):
    dialog = download_dialog("fake")
    assert list_text(dialog, "fake") == "Fake (fake) \u2014 not downloaded"
    with qtbot.waitSignal(dialog.downloaded, timeout=20000) as done:
        dialog.download_button.click()
        assert dialog.busy and dialog.cancel_button.isEnabled() and not dialog.download_button.isEnabled()
    assert done.args == ["fake"]
    assert is_downloaded("fake")
    for name, body in served_set.files.items():
        assert (cache / "fake" / name).read_bytes() == body
    assert list_text(dialog, "fake") == "Fake (fake) \u2014 downloaded"
    assert "Fake is downloaded" in dialog.message.text()
    assert dialog.use_button.isEnabled() and not dialog.busy


def test_a_cancelled_download_keeps_its_part_and_resumes(qtbot, download_dialog, served_set, cache):
    served_set.delay_s = 0.02  # about 0.8 MB/s: the first file takes a second
    dialog = download_dialog("fake")
    dialog._runner.progressed.connect(lambda _p: dialog.cancel_button.click())
    dialog.download_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20000)
    part = cache / "fake" / "fake-images-idx3-ubyte.part"
    kept = part.stat().st_size
    assert 0 < kept < len(served_set.files["fake-images-idx3-ubyte"])
    assert dialog.message.text().startswith("Cancelled:") and "resume" in dialog.message.text()
    assert not is_downloaded("fake") and dialog.download_button.isEnabled()

    dialog._runner.progressed.disconnect()
    dialog._runner.progressed.connect(dialog._on_progress)
    served_set.delay_s = 0.0
    served_set.requests.clear()
    with qtbot.waitSignal(dialog.downloaded, timeout=20000):
        dialog.download_button.click()
    assert served_set.requests[0] == ("fake-images-idx3-ubyte", f"bytes={kept}-")
    assert is_downloaded("fake") and not part.exists()


def test_an_unreachable_server_says_offline(qtbot, download_dialog, served_set, monkeypatch, cache):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = DOWNLOADS["fake"]
    monkeypatch.setitem(DOWNLOADS, "fake", DownloadSet(spec.title, (f"http://127.0.0.1:{port}/",), spec.files,
                                                       spec.train))
    dialog = download_dialog("fake")
    dialog.download_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20000)
    text = dialog.message.text()
    assert text.startswith("Fake could not be downloaded: cannot reach 127.0.0.1:") and "are you offline?" in text
    assert not is_downloaded("fake") and dialog.download_button.isEnabled()
