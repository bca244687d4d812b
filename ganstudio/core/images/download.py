"""Downloading MNIST, Fashion-MNIST and KMNIST into the user's cache, with resume and checksums.

Only the standard library (urllib) talks to the network. A file is fetched into `<file>.part`, resumed
with an HTTP Range request when a partial file is there, checked against its published MD5 and only
then renamed into place, so a file under its own name in the cache is always complete.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, DataError
from .files import Cancel, LoadCancelled, Progress, load_images
from .imageset import ImageSet

TIMEOUT_S = 30.0  # seconds a connection or a read may stall before the host counts as unreachable
CHUNK_BYTES = 1 << 16
ATTEMPTS = 5  # connections per file and mirror; a connection cut mid-file is resumed by the next one


@dataclass(frozen=True)
class RemoteFile:
    """One file of a downloadable set and the MD5 hex digest it is published with."""

    name: str
    md5: str


@dataclass(frozen=True)
class DownloadSet:
    """A downloadable image set: base URLs tried in order, its files, and which IDX images file is which split
    (each split's labels file lies beside it under the usual name)."""

    title: str
    mirrors: tuple[str, ...]
    files: tuple[RemoteFile, ...]
    train: str
    test: str | None = None
    class_names: tuple[str, ...] = ()


def _mnist_files(md5s: tuple[str, str, str, str]) -> tuple[RemoteFile, ...]:
    names = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    return tuple(RemoteFile(n, m) for n, m in zip(names, md5s))


# The sets the app offers; tests may add their own entries.
DOWNLOADS: dict[str, DownloadSet] = {
    "mnist": DownloadSet(
        title="MNIST",
        mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
        files=_mnist_files(("f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
                            "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c")),
        train="train-images-idx3-ubyte.gz", test="t10k-images-idx3-ubyte.gz",
        class_names=tuple(str(d) for d in range(10)),
    ),
    "fashion-mnist": DownloadSet(
        title="Fashion-MNIST",
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                 "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
        files=_mnist_files(("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                            "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310")),
        train="train-images-idx3-ubyte.gz", test="t10k-images-idx3-ubyte.gz",
        class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                     "Ankle boot"),
    ),
    "kmnist": DownloadSet(
        title="KMNIST",
        mirrors=("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
        files=_mnist_files(("bdb82020997e1d708af4cf47b453dcf7", "e144d726b3acfaa3e44228e80efcd344",
                            "5c965bf0a639b31b8f53240b1b52f4d7", "7320c461ea6c1c855c0b718fb2a4b134")),
        train="train-images-idx3-ubyte.gz", test="t10k-images-idx3-ubyte.gz",
        class_names=("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
    ),
}


def cache_dir() -> Path:
    """$GANSTUDIO_CACHE, else $XDG_CACHE_HOME/ganstudio, else the platform's cache folder / ganstudio."""
    if os.environ.get("GANSTUDIO_CACHE"):
        return Path(os.environ["GANSTUDIO_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "ganstudio"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "ganstudio" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ganstudio"
    return Path.home() / ".cache" / "ganstudio"


def _spec(name: str) -> DownloadSet:
    try:
        return DOWNLOADS[name]
    except KeyError:
        raise ConfigError(f"unknown image set '{name}'; known: {', '.join(sorted(DOWNLOADS))}") from None


def _folder(name: str, cache: Path | None) -> Path:
    return (cache if cache is not None else cache_dir()) / name


def is_downloaded(name: str, cache: Path | None = None) -> bool:
    """Whether every file of set `name` is in the cache (a file gets its own name only once verified)."""
    folder = _folder(name, cache)
    return all((folder / f.name).is_file() for f in _spec(name).files)


def download(name: str, *, base_url: str | None = None, progress: Progress | None = None,
             cancel: Cancel | None = None, cache: Path | None = None) -> Path:
    """Fetch the files of set `name` that are not in the cache yet; the folder that holds them.

    `base_url` replaces the set's mirrors. `progress(done, total)` counts bytes of the file being
    fetched (total 0 when the server does not say); `cancel()` is polled between blocks and a True raises
    LoadCancelled, keeping the .part file for a later resume. Failures raise DataError.
    """
    spec = _spec(name)
    folder = _folder(name, cache)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"{folder}: cannot create the download folder ({exc.strerror or exc})") from None
    mirrors = (base_url,) if base_url else spec.mirrors
    for remote in spec.files:
        target = folder / remote.name
        if not target.is_file():
            _fetch(remote, mirrors, target, progress, cancel)
    return folder


def load_downloaded(name: str, cache: Path | None = None, size: tuple[int, int] | None = None,
                    channels: int | None = None, *, split: str = "train", progress: Progress | None = None,
                    cancel: Cancel | None = None) -> ImageSet:
    """The downloaded set `name` ("train" or "test" split) through files.load_images, titled and with class names."""
    spec = _spec(name)
    images = {"train": spec.train, "test": spec.test}.get(split)
    if images is None:
        raise ConfigError(f"image set '{name}' has no '{split}' split")
    folder = _folder(name, cache)
    if not is_downloaded(name, cache):
        raise DataError(f"{folder}: {spec.title} is not downloaded yet")
    loaded = load_images(folder / images, size=size, channels=channels, progress=progress, cancel=cancel)
    title = spec.title if split == "train" else f"{spec.title} ({split})"
    return ImageSet(loaded.images, loaded.labels, title, spec.class_names)


# ---- fetching one file -------------------------------------------------------------------------------

class _MirrorFailed(Exception):
    """This mirror did not deliver the file; `unreachable` when no connection could be made at all."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


def _fetch(remote: RemoteFile, mirrors: tuple[str, ...], target: Path,
           progress: Progress | None, cancel: Cancel | None) -> None:
    part = target.with_name(target.name + ".part")
    failures: list[_MirrorFailed] = []
    for base in mirrors:
        url = urllib.parse.urljoin(base if base.endswith("/") else base + "/", remote.name)
        try:
            _fetch_url(url, part, progress, cancel)
            break
        except _MirrorFailed as exc:
            failures.append(exc)
    else:
        if all(f.unreachable for f in failures):
            hosts = ", ".join(dict.fromkeys(urllib.parse.urlsplit(m).netloc for m in mirrors))
            raise DataError(f"cannot reach {hosts} — are you offline? ({failures[-1]})")
        raise DataError("; ".join(str(f) for f in failures))
    digest = _md5(part)
    if digest != remote.md5.lower():
        part.unlink(missing_ok=True)
        raise DataError(f"{url}: the checksum did not match (MD5 {digest}, published {remote.md5}); "
                        f"the download was deleted, try again")
    os.replace(part, target)


def _md5(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fetch_url(url: str, part: Path, progress: Progress | None, cancel: Cancel | None) -> None:
    """Fill `part` with the body at `url`, resuming what is there; a cut connection is resumed up to ATTEMPTS."""
    host = urllib.parse.urlsplit(url).netloc
    for _ in range(ATTEMPTS):
        have = part.stat().st_size if part.exists() else 0
        request = urllib.request.Request(url, headers={"User-Agent": "ganstudio"})
        if have:
            request.add_header("Range", f"bytes={have}-")
        try:
            response = urllib.request.urlopen(request, timeout=TIMEOUT_S)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 416 and have:
                return  # nothing beyond what is here: the checksum decides whether it is whole
            raise _MirrorFailed(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _MirrorFailed(f"{host}: {reason}", unreachable=True) from None
        with response:
            resumed = have > 0 and response.status == 206 and _range_start(response) == have
            if not resumed:
                have = 0  # the server ignored the Range request (or none was sent): start over
            length = response.headers.get("Content-Length")
            total = have + int(length) if length and length.isdigit() else 0
            try:
                out = part.open("ab" if resumed else "wb")
            except OSError as exc:
                raise DataError(f"{part}: cannot write ({exc.strerror or exc})") from None
            cut = False
            with out:
                while True:
                    if cancel is not None and cancel():
                        raise LoadCancelled(f"{url}: download cancelled; {have:,} bytes kept for a resume")
                    try:
                        block = response.read(CHUNK_BYTES)
                    except (http.client.HTTPException, OSError):
                        cut = True  # the next attempt resumes from what reached the disk
                        break
                    if not block:
                        break
                    try:
                        out.write(block)
                    except OSError as exc:
                        raise DataError(f"{part}: cannot write ({exc.strerror or exc})") from None
                    have += len(block)
                    if progress is not None:
                        progress(have, total)
            if cut or (total and have < total):
                continue
            return
    raise _MirrorFailed(f"{url}: the connection was cut {ATTEMPTS} times; the partial file is kept, "
                        f"download again to resume")


def _range_start(response: http.client.HTTPResponse) -> int | None:
    """The first byte a 206 response holds, from its Content-Range header ("bytes START-END/TOTAL")."""
    value = response.headers.get("Content-Range", "")
    unit, _, rest = value.partition(" ")
    start = rest.partition("-")[0]
    return int(start) if unit == "bytes" and start.isdigit() else None
