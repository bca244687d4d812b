"""Reading image sets from files: MNIST-format IDX (raw or gzip), .npz, .npy and folders of pictures.

`load_images` returns an ImageSet or raises DataError (one line naming the file and the problem) or
LoadCancelled; it never returns part of a set.
"""

from __future__ import annotations

import gzip
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from ..errors import DataError
from .convert import conform, to_unit_nchw
from .imageset import ImageSet

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]

IDX_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions: N x H x W
IDX_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension: N
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
NPZ_PAIRS = (("x_train", "y_train"), ("x", "y"), ("images", "labels"))
CHUNK = 2048  # images converted per step; progress is reported and cancel polled once a step
# Pillow modes that hold one grey plane (LA and La add alpha).
GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"})


class LoadCancelled(Exception):
    """The user cancelled a load or a download; nothing was returned (a download keeps its .part file)."""


def load_images(path: str | Path, *, size: tuple[int, int] | None = None, channels: int | None = None,
                progress: Progress | None = None, cancel: Cancel | None = None) -> ImageSet:
    """The image set at `path`, converted to `size` (H, W) and `channels` (1 or 3) where given.

    `path` is an IDX images file (raw or .gz; its labels file beside it is found by name), an .npz,
    an .npy, or a folder of pictures (one sub-folder per class gives labels). `progress(done, total)`
    counts images; `cancel()` is polled between steps and a True raises LoadCancelled.
    """
    if size is not None and (len(size) != 2 or min(size) < 1):
        raise ValueError(f"size must be (height, width) with both positive, got {size}")
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file or folder")
    if p.is_dir():
        return _load_folder(p, size, channels, progress, cancel)
    suffix = p.suffix.lower()
    if suffix == ".npz":
        return _load_npz(p, size, channels, progress, cancel)
    if suffix == ".npy":
        return _load_npy(p, size, channels, progress, cancel)
    if suffix in PICTURE_SUFFIXES:
        raise DataError(f"{p}: a single picture is not an image set; choose the folder that holds the pictures")
    return _load_idx(p, size, channels, progress, cancel)


def idx_labels_path(images: Path) -> Path | None:
    """The IDX labels file beside `images` by the usual names (train-images-idx3-ubyte[.gz] to
    train-labels-idx1-ubyte[.gz], any *images* to the same name with labels), or None."""
    name = images.name
    stems = [name.replace(a, b) for a, b in (("images-idx3", "labels-idx1"), ("images.idx3", "labels.idx1"),
                                             ("images", "labels")) if a in name]
    for stem in stems:
        for candidate in (stem, stem[:-3] if stem.endswith(".gz") else stem + ".gz"):
            q = images.with_name(candidate)
            if q != images and q.is_file():
                return q
    return None


# ---- IDX ------------------------------------------------------------------------------------------

def _open(p: Path) -> BinaryIO:
    """The file's bytes, decompressed when it starts with the gzip signature."""
    with p.open("rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(p, "rb") if gzipped else p.open("rb")  # type: ignore[return-value]


def _read_exact(f: BinaryIO, buf: memoryview) -> int:
    """Fill `buf` from `f`; the number of bytes read (fewer only at the end of the data)."""
    done = 0
    while done < len(buf):
        got = f.readinto(buf[done:])
        if not got:
            break
        done += got
    return done


def _idx_header(f: BinaryIO, p: Path, magic: int) -> tuple[int, ...]:
    head = bytearray(4)
    if _read_exact(f, memoryview(head)) < 4:
        raise DataError(f"{p}: truncated: too short for an IDX header")
    found = int.from_bytes(head, "big")
    if found != magic:
        kinds = {IDX_IMAGES_MAGIC: "images", IDX_LABELS_MAGIC: "labels"}
        if found in kinds:
            raise DataError(f"{p}: this is an IDX {kinds[found]} file; expected IDX {kinds[magic]}")
        raise DataError(f"{p}: wrong magic number 0x{found:08X}; an IDX {kinds[magic]} file starts with "
                        f"0x{magic:08X}")
    ndim = magic & 0xFF
    dims = bytearray(4 * ndim)
    if _read_exact(f, memoryview(dims)) < len(dims):
        raise DataError(f"{p}: truncated: the IDX header ends early")
    return tuple(int(d) for d in np.frombuffer(bytes(dims), dtype=">u4"))


def _read_idx_labels(p: Path, n_images: int, images: Path) -> np.ndarray:
    try:
        with _open(p) as f:
            (n,) = _idx_header(f, p, IDX_LABELS_MAGIC)
            if n != n_images:
                raise DataError(f"{p}: {n} labels for the {n_images} images in {images.name}")
            buf = bytearray(n)
            got = _read_exact(f, memoryview(buf))
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(f"{p}: truncated or corrupt gzip data ({exc})") from None
    except OSError as exc:
        raise DataError(f"{p}: cannot read ({exc.strerror or exc})") from None
    if got < n:
        raise DataError(f"{p}: truncated: the header promises {n} labels, the file holds {got}")
    return np.frombuffer(bytes(buf), dtype=np.uint8).astype(np.int64)


def _load_idx(p: Path, size: tuple[int, int] | None, channels: int | None,
              progress: Progress | None, cancel: Cancel | None) -> ImageSet:
    try:
        with _open(p) as f:
            n, h, w = _idx_header(f, p, IDX_IMAGES_MAGIC)
            if n == 0 or h == 0 or w == 0:
                raise DataError(f"{p}: empty: the header promises {n} images of {h} x {w}")
            if not isinstance(f, gzip.GzipFile):
                promised, held = 16 + n * h * w, p.stat().st_size
                if held < promised:
                    raise DataError(f"{p}: truncated: the header promises {n} images of {h} x {w} "
                                    f"({promised:,} bytes), the file holds {held:,} bytes")
            labels_path = idx_labels_path(p)
            labels = None if labels_path is None else _read_idx_labels(labels_path, n, p)

            def read(start: int, stop: int) -> np.ndarray:
                buf = bytearray((stop - start) * h * w)
                if _read_exact(f, memoryview(buf)) < len(buf):
                    raise DataError(f"{p}: truncated: the header promises {n} images of {h} x {w}, "
                                    f"the data ends within image {start + 1}..{stop}")
                return np.frombuffer(buf, dtype=np.uint8).reshape(stop - start, h, w)

            images = _assemble(p, n, read, "NHW", size, channels, progress, cancel)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(f"{p}: truncated or corrupt gzip data ({exc})") from None
    except OSError as exc:
        raise DataError(f"{p}: cannot read ({exc.strerror or exc})") from None
    return ImageSet(images, labels, p.name)


# ---- arrays (.npy, .npz) ---------------------------------------------------------------------------

def _layout(p: Path, shape: tuple[int, ...]) -> str:
    if len(shape) == 3:
        return "NHW"
    if len(shape) == 4 and shape[3] in (1, 3, 4):
        return "NHWC"
    if len(shape) == 4 and shape[1] in (1, 3, 4):
        return "NCHW"
    raise DataError(f"{p}: wrong shape {shape}: expected N x H x W or N x H x W x C with C 1, 3 or 4")


def _check_chunk(p: Path, whole: np.ndarray, chunk: np.ndarray) -> None:
    """Raise for NaN/Inf or values outside uint8 0..255 / float [0, 1] in `chunk`, naming the whole array's range."""
    if chunk.dtype == np.uint8 or chunk.dtype == np.bool_:
        return
    if np.issubdtype(chunk.dtype, np.floating):
        finite = np.isfinite(chunk)
        if not finite.all():
            bad_values = ~np.isfinite(whole)
            first = int(np.argmax(bad_values.reshape(len(whole), -1).any(axis=1)))
            bad = int(np.count_nonzero(bad_values))
            raise DataError(f"{p}: {bad:,} values are NaN or infinite (the first in image {first})")
        lo, hi = float(chunk.min()), float(chunk.max())
        if lo < -1e-6 or hi > 1 + 1e-6:
            lo, hi = float(whole.min()), float(whole.max())
            raise DataError(f"{p}: float values span [{lo:g}, {hi:g}]; expected floats in [0, 1] or uint8 0..255")
        return
    lo, hi = int(chunk.min()), int(chunk.max())
    if lo < 0 or hi > 255:
        lo, hi = int(whole.min()), int(whole.max())
        raise DataError(f"{p}: integer values span [{lo}, {hi}]; expected 0..255 or floats in [0, 1]")


def _array_images(p: Path, arr: np.ndarray, size: tuple[int, int] | None, channels: int | None,
                  progress: Progress | None, cancel: Cancel | None) -> np.ndarray:
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_) or np.iscomplexobj(arr):
        raise DataError(f"{p}: wrong dtype {arr.dtype}: expected uint8 0..255 or floats in [0, 1]")
    layout = _layout(p, arr.shape)
    if arr.size == 0:
        raise DataError(f"{p}: empty: shape {arr.shape} holds no images")

    def read(start: int, stop: int) -> np.ndarray:
        chunk = np.asarray(arr[start:stop])
        _check_chunk(p, arr, chunk)
        return chunk

    return _assemble(p, arr.shape[0], read, layout, size, channels, progress, cancel)


def _labels(p: Path, key: str, raw: np.ndarray, n: int) -> np.ndarray:
    labels = np.asarray(raw)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise DataError(f"{p}: wrong shape {raw.shape} for labels '{key}': expected one label per image")
    if labels.shape[0] != n:
        raise DataError(f"{p}: {labels.shape[0]} labels in '{key}' for {n} images")
    if np.issubdtype(labels.dtype, np.floating):
        if not np.isfinite(labels).all() or (labels != np.round(labels)).any():
            raise DataError(f"{p}: labels '{key}' must be whole numbers")
    elif not (np.issubdtype(labels.dtype, np.integer) or labels.dtype == np.bool_):
        raise DataError(f"{p}: wrong dtype {labels.dtype} for labels '{key}': expected integers")
    out = labels.astype(np.int64)
    if n and out.min() < 0:
        raise DataError(f"{p}: labels '{key}' include {int(out.min())}; class numbers start at 0")
    return out


def _load_npy(p: Path, size: tuple[int, int] | None, channels: int | None,
              progress: Progress | None, cancel: Cancel | None) -> ImageSet:
    try:
        arr = np.load(p, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        _npy_truncated(p)
        raise DataError(f"{p}: cannot read as .npy ({exc})") from None
    images = _array_images(p, arr, size, channels, progress, cancel)
    return ImageSet(images, None, p.name)


def _npy_truncated(p: Path) -> None:
    """Raise when the .npy header promises more bytes than the file holds."""
    try:
        with p.open("rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(f)
            promised = f.tell() + int(np.prod(shape)) * dtype.itemsize
    except (OSError, ValueError, EOFError):
        return
    held = p.stat().st_size
    if held < promised:
        raise DataError(f"{p}: truncated: the header promises an array of shape {shape} ({promised:,} bytes), "
                        f"the file holds {held:,} bytes")


def _load_npz(p: Path, size: tuple[int, int] | None, channels: int | None,
              progress: Progress | None, cancel: Cancel | None) -> ImageSet:
    try:
        with np.load(p, allow_pickle=False) as z:
            keys = list(z.files)
            pair = next(((x, y) for x, y in NPZ_PAIRS if x in keys), None)
            if pair is None:
                if len(keys) != 1:
                    raise DataError(f"{p}: {'no arrays' if not keys else 'arrays ' + ', '.join(keys)}; expected "
                                    f"x_train (with y_train), x (with y), images (with labels) or a single array")
                pair = (keys[0], "")
            arr = z[pair[0]]
            labels = _labels(p, pair[1], z[pair[1]], arr.shape[0] if arr.ndim else 0) if pair[1] in keys else None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{p}: cannot read as .npz ({type(exc).__name__}: {exc})") from None
    images = _array_images(p, arr, size, channels, progress, cancel)
    return ImageSet(images, labels, p.name)


# ---- folders of pictures -----------------------------------------------------------------------------

def _pictures(folder: Path, recursive: bool) -> list[Path]:
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(f for f in found if f.suffix.lower() in PICTURE_SUFFIXES and f.is_file()
                  and not any(part.startswith(".") for part in f.relative_to(folder).parts))


def _load_folder(p: Path, size: tuple[int, int] | None, channels: int | None,
                 progress: Progress | None, cancel: Cancel | None) -> ImageSet:
    from PIL import Image  # Pillow is needed only for folders of pictures

    # What Pillow raises for files it cannot decode: unknown or truncated data, bad headers, huge sizes.
    unreadable = (OSError, ValueError, SyntaxError, EOFError, struct.error, Image.DecompressionBombError)

    top = _pictures(p, recursive=False)
    classes = [(d.name, _pictures(d, recursive=True)) for d in sorted(p.iterdir())
               if d.is_dir() and not d.name.startswith(".")]
    classes = [(name, files) for name, files in classes if files]
    if top and classes:
        raise DataError(f"{p}: holds pictures both at the top ({top[0].name}) and in class sub-folders "
                        f"({classes[0][0]}); put every picture in a class sub-folder, or none")
    if not top and not classes:
        raise DataError(f"{p}: no images found ({', '.join(PICTURE_SUFFIXES)}, here or in sub-folders)")
    entries = [(f, i) for i, (_, files) in enumerate(classes) for f in files] or [(f, -1) for f in top]
    n = len(entries)

    modes: list[str] = []
    shapes: list[tuple[int, int]] = []
    for k, (f, _) in enumerate(entries):
        if k % 256 == 0:
            _poll(p, cancel)
        try:
            with Image.open(f) as im:
                modes.append(im.mode)
                shapes.append((im.height, im.width))
        except unreadable as exc:
            raise DataError(f"{f}: unreadable image ({type(exc).__name__}: {exc})") from None
    if size is None and len(set(shapes)) > 1:
        a = shapes[0]
        k = next(i for i, s in enumerate(shapes) if s != a)
        raise DataError(f"{p}: images differ in size ({entries[0][0].name} is {a[0]} x {a[1]}, "
                        f"{entries[k][0].name} is {shapes[k][0]} x {shapes[k][1]}); give a size to resize them to")
    if channels is None:
        channels = 1 if all(m in GREY_MODES for m in modes) else 3
    out_h, out_w = size if size is not None else shapes[0]
    out = np.empty((n, channels, out_h, out_w), dtype=np.float32)
    for k, (f, _) in enumerate(entries):
        _poll(p, cancel)
        try:
            with Image.open(f) as im:
                arr = _picture_array(im)
        except unreadable as exc:
            raise DataError(f"{f}: unreadable image ({type(exc).__name__}: {exc})") from None
        out[k] = conform(arr.transpose(2, 0, 1)[None], (out_h, out_w), channels)[0]
        if progress is not None:
            progress(k + 1, n)
    labels = np.array([c for _, c in entries], dtype=np.int64) if classes else None
    return ImageSet(out, labels, p.name, tuple(name for name, _ in classes))


def _picture_array(im: PILImage) -> np.ndarray:
    """The picture as float32 H x W x C in [0, 1]: C 1 (grey), 3 (colour) or 4 (with alpha)."""
    if im.mode.startswith("I"):
        return np.clip(np.asarray(im, dtype=np.float32) / 65535.0, 0.0, 1.0)[:, :, None]
    if im.mode in ("1", "L", "F"):
        return np.asarray(im.convert("L"), dtype=np.float32)[:, :, None] / 255.0
    alpha = im.mode in ("RGBA", "LA", "La", "RGBa", "PA") or "transparency" in im.info
    return np.asarray(im.convert("RGBA" if alpha else "RGB"), dtype=np.float32) / 255.0


# ---- shared ------------------------------------------------------------------------------------------

def _poll(p: Path, cancel: Cancel | None) -> None:
    if cancel is not None and cancel():
        raise LoadCancelled(f"{p}: loading cancelled")


def _steps(n: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, CHUNK):
        yield start, min(n, start + CHUNK)


def _assemble(p: Path, n: int, read: Callable[[int, int], np.ndarray], layout: str,
              size: tuple[int, int] | None, channels: int | None,
              progress: Progress | None, cancel: Cancel | None) -> np.ndarray:
    """Float32 N x C x H x W images from `read(start, stop)` (raw chunks in `layout`), chunk by chunk."""
    out: np.ndarray | None = None
    for start, stop in _steps(n):
        _poll(p, cancel)
        block = conform(to_unit_nchw(read(start, stop), layout), size, channels)
        if out is None:
            out = np.empty((n, *block.shape[1:]), dtype=np.float32)
        out[start:stop] = block
        if progress is not None:
            progress(stop, n)
    assert out is not None  # n >= 1: callers reject empty sets
    return out
