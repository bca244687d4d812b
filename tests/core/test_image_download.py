"""Downloading image sets against a local HTTP server: checksums, resume with Range, cut connections, offline."""

from __future__ import annotations

import gzip
import hashlib
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from ganstudio.core.errors import ConfigError, DataError
from ganstudio.core.images import download as dl
from ganstudio.core.images.download import (
    DOWNLOADS,
    DownloadSet,
    RemoteFile,
    cache_dir,
    download,
    is_downloaded,
    load_downloaded,
)
from ganstudio.core.images.files import LoadCancelled

IMAGES = "fake-images-idx3-ubyte.gz"
LABELS = "fake-labels-idx1-ubyte.gz"


@dataclass
class ServerState:
    files: dict[str, bytes] = field(default_factory=dict)
    cut_after: list[int] = field(default_factory=list)  # bytes sent before cutting, one entry per response
    ignore_range: bool = False
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)


class Handler(BaseHTTPRequestHandler):
    state: ServerState

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        rng = self.headers.get("Range")
        name = self.path.rsplit("/", 1)[-1]
        self.state.requests.append((name, rng))
        body = self.state.files.get(name)
        if body is None:
            self.send_error(404)
            return
        start = 0
        m = re.fullmatch(r"bytes=(\d+)-", rng or "")
        if m and not self.state.ignore_range:
            start = int(m.group(1))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:]
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.state.cut_after:
            self.wfile.write(payload[: self.state.cut_after.pop(0)])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(payload)


@pytest.fixture
def server():
    state = ServerState()
    handler = type("BoundHandler", (Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{httpd.server_address[1]}/sets/"
    httpd.shutdown()
    httpd.server_close()


def idx_gz(arr: np.ndarray, magic: int) -> bytes:
    raw = np.array([magic, *arr.shape], dtype=">u4").tobytes() + arr.astype(np.uint8).tobytes()
    return gzip.compress(raw, mtime=0)


@pytest.fixture
def fake_set(server, monkeypatch):
    """A small IDX set served locally and registered as 'fake' with its own MD5s."""
    state, url = server
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 3, size=40, dtype=np.uint8)
    state.files = {IMAGES: idx_gz(images, 0x803), LABELS: idx_gz(labels, 0x801)}
    md5 = {k: hashlib.md5(v).hexdigest() for k, v in state.files.items()}
    spec = DownloadSet(title="Fake", mirrors=(url,), files=(RemoteFile(IMAGES, md5[IMAGES]),
                                                             RemoteFile(LABELS, md5[LABELS])),
                       train=IMAGES, class_names=("a", "b", "c"))
    monkeypatch.setitem(DOWNLOADS, "fake", spec)
    return state, images, labels


def test_download_verifies_and_loads(tmp_path, fake_set):
    state, images, labels = fake_set
    seen: list[tuple[int, int]] = []
    folder = download("fake", cache=tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert folder == tmp_path / "fake"
    assert (folder / IMAGES).read_bytes() == state.files[IMAGES]
    assert (folder / LABELS).read_bytes() == state.files[LABELS]
    assert not list(folder.glob("*.part"))
    assert seen[-1] == (len(state.files[LABELS]), len(state.files[LABELS]))
    assert (len(state.files[IMAGES]), len(state.files[IMAGES])) in seen
    assert is_downloaded("fake", cache=tmp_path)
    s = load_downloaded("fake", cache=tmp_path, size=(14, 14))
    assert s.name == "Fake" and s.class_names == ("a", "b", "c")
    np.testing.assert_array_equal(s.labels, labels)
    np.testing.assert_allclose(s.images[:, 0], (images / 255.0).reshape(40, 14, 2, 14, 2).mean(axis=(2, 4)),
                               atol=1e-6)
    before = len(state.requests)
    download("fake", cache=tmp_path)  # everything is there: no request
    assert len(state.requests) == before


def test_base_url_replaces_the_mirrors(tmp_path, fake_set, server, monkeypatch):
    _, url = server
    spec = DOWNLOADS["fake"]
    monkeypatch.setitem(DOWNLOADS, "fake", DownloadSet(spec.title, ("http://127.0.0.1:9/none/",), spec.files,
                                                       spec.train))
    download("fake", cache=tmp_path, base_url=url.rstrip("/"))
    assert is_downloaded("fake", cache=tmp_path)


def test_checksum_mismatch_deletes_the_part_file(tmp_path, fake_set, monkeypatch):
    spec = DOWNLOADS["fake"]
    wrong = (RemoteFile(IMAGES, "0" * 32), spec.files[1])
    monkeypatch.setitem(DOWNLOADS, "fake", DownloadSet(spec.title, spec.mirrors, wrong, spec.train))
    with pytest.raises(DataError, match=rf"{IMAGES}: the checksum did not match"):
        download("fake", cache=tmp_path)
    assert not (tmp_path / "fake" / IMAGES).exists()
    assert not (tmp_path / "fake" / (IMAGES + ".part")).exists()
    assert not is_downloaded("fake", cache=tmp_path)


def test_cut_connection_is_resumed_with_range(tmp_path, fake_set):
    state, _, _ = fake_set
    k = 1000
    state.cut_after = [k]
    download("fake", cache=tmp_path)
    assert state.requests[:2] == [(IMAGES, None), (IMAGES, f"bytes={k}-")]
    assert (tmp_path / "fake" / IMAGES).read_bytes() == state.files[IMAGES]


def test_connection_cut_every_time_keeps_the_part_for_a_later_resume(tmp_path, fake_set):
    state, _, _ = fake_set
    state.cut_after = [300] * dl.ATTEMPTS
    with pytest.raises(DataError, match=rf"{IMAGES}: the connection was cut {dl.ATTEMPTS} times"):
        download("fake", cache=tmp_path)
    part = tmp_path / "fake" / (IMAGES + ".part")
    assert part.stat().st_size == 300 * dl.ATTEMPTS
    assert part.read_bytes() == state.files[IMAGES][: 300 * dl.ATTEMPTS]
    state.requests.clear()
    download("fake", cache=tmp_path)
    assert state.requests[0] == (IMAGES, f"bytes={300 * dl.ATTEMPTS}-")
    assert (tmp_path / "fake" / IMAGES).read_bytes() == state.files[IMAGES]


def test_server_ignoring_range_starts_over(tmp_path, fake_set):
    state, _, _ = fake_set
    state.ignore_range = True
    folder = tmp_path / "fake"
    folder.mkdir()
    (folder / (IMAGES + ".part")).write_bytes(b"stale bytes from another file")
    download("fake", cache=tmp_path)
    assert state.requests[0] == (IMAGES, "bytes=29-")
    assert (folder / IMAGES).read_bytes() == state.files[IMAGES]


def test_complete_part_file_is_verified_and_renamed(tmp_path, fake_set):
    state, _, _ = fake_set
    folder = tmp_path / "fake"
    folder.mkdir()
    (folder / (IMAGES + ".part")).write_bytes(state.files[IMAGES])
    download("fake", cache=tmp_path)
    assert state.requests[0] == (IMAGES, f"bytes={len(state.files[IMAGES])}-")  # answered 416
    assert (folder / IMAGES).read_bytes() == state.files[IMAGES]


def test_cancel_keeps_the_part_file(tmp_path, fake_set, monkeypatch):
    state, _, _ = fake_set
    monkeypatch.setattr(dl, "CHUNK_BYTES", 512)
    got: list[int] = []
    with pytest.raises(LoadCancelled):
        download("fake", cache=tmp_path, progress=lambda done, total: got.append(done), cancel=lambda: len(got) >= 2)
    part = tmp_path / "fake" / (IMAGES + ".part")
    assert part.read_bytes() == state.files[IMAGES][:1024]
    assert not (tmp_path / "fake" / IMAGES).exists()
    download("fake", cache=tmp_path)
    assert state.requests[-2] == (IMAGES, "bytes=1024-")
    assert (tmp_path / "fake" / IMAGES).read_bytes() == state.files[IMAGES]


def test_server_down_says_offline(tmp_path, fake_set, monkeypatch):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DataError, match=rf"cannot reach 127.0.0.1:{port} — are you offline\?"):
        download("fake", cache=tmp_path, base_url=f"http://127.0.0.1:{port}/")
    assert not is_downloaded("fake", cache=tmp_path)


def test_missing_file_on_the_server(tmp_path, fake_set):
    state, _, _ = fake_set
    del state.files[LABELS]
    with pytest.raises(DataError, match=rf"{LABELS}: HTTP 404"):
        download("fake", cache=tmp_path)
    assert is_downloaded("fake", cache=tmp_path) is False
    assert (tmp_path / "fake" / IMAGES).is_file()


def test_unknown_set_and_not_downloaded(tmp_path):
    with pytest.raises(ConfigError, match="unknown image set 'cifar'"):
        download("cifar", cache=tmp_path)
    with pytest.raises(DataError, match="MNIST is not downloaded yet"):
        load_downloaded("mnist", cache=tmp_path)


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GANSTUDIO_CACHE", str(tmp_path / "gs"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "gs"
    monkeypatch.delenv("GANSTUDIO_CACHE")
    assert cache_dir() == tmp_path / "xdg" / "ganstudio"


def test_registry_of_public_sets():
    for name in ("mnist", "fashion-mnist", "kmnist"):
        spec = DOWNLOADS[name]
        names = {f.name for f in spec.files}
        assert {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"} <= names
        assert spec.train in names and spec.test in names
        assert all(re.fullmatch(r"[0-9a-f]{32}", f.md5) for f in spec.files)
        assert spec.mirrors and all(m.startswith(("http://", "https://")) and m.endswith("/") for m in spec.mirrors)
        assert len(spec.class_names) == 10
