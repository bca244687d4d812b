"""A config's `distribution` name resolved to its data: a reference toy, an image set, or a user's
file (`file:PATH`: points from CSV, NPY or NPZ; images from IDX, NPY, NPZ or a folder of pictures)."""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path

import numpy as np

from .datafiles import load_points
from .distributions import DISTRIBUTIONS, Distribution
from .errors import DataError
from .images.builtin import BUILTIN_IMAGE_SETS
from .images.distribution import IMAGE_SET_NAMES, ImageDistribution, image_distribution
from .images.download import DOWNLOADS

FILE_PREFIX = "file:"
IMAGE_FILE_SUFFIXES = (".gz", ".idx", ".ubyte", ".idx3-ubyte")
POINT_FILE_SUFFIXES = (".csv", ".txt", ".tsv")


def distribution_names() -> list[str]:
    return [*DISTRIBUTIONS, *IMAGE_SET_NAMES]


def is_known_distribution(name: str) -> bool:
    return name in DISTRIBUTIONS or name in IMAGE_SET_NAMES or (
        name.startswith(FILE_PREFIX) and len(name) > len(FILE_PREFIX))


def builtin_dimension(name: str) -> int | None:
    """The dimension of a built-in distribution without loading anything: 1 or 2 for points, 0 for
    an image set; None for a data file."""
    d = DISTRIBUTIONS.get(name)
    if d is not None:
        return d.dim
    return 0 if name in IMAGE_SET_NAMES else None


def is_image_name(name: str) -> bool:
    """True for an image set, or a `file:` that holds images (decided from the file's name and header)."""
    if name in IMAGE_SET_NAMES:
        return True
    return name.startswith(FILE_PREFIX) and holds_images(Path(name[len(FILE_PREFIX):]))


def holds_images(path: Path) -> bool:
    """A folder, an IDX file, or an NPY/NPZ whose array has three or more axes holds images."""
    if path.is_dir():
        return True
    suffix = path.suffix.lower()
    if suffix in POINT_FILE_SUFFIXES:
        return False
    if suffix == ".npy":
        try:
            ndim = np.load(path, mmap_mode="r", allow_pickle=False).ndim  # reads the header only
        except (OSError, ValueError):
            return False  # the point loader names the problem
        return ndim >= 3
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as archive:
                return any(archive[k].ndim >= 3 for k in archive.files)
        except (OSError, ValueError, zipfile.BadZipFile):
            return False
    return suffix in IMAGE_FILE_SUFFIXES or "ubyte" in path.name


def get_distribution(name: str) -> Distribution | ImageDistribution:
    """The named reference distribution or image set, or the points or images of a `file:PATH`."""
    if name.startswith(FILE_PREFIX):
        path = Path(name[len(FILE_PREFIX):])
        if holds_images(path):
            return _images(name, _stamp(path))
        return load_points(path)
    if name in IMAGE_SET_NAMES:
        return _images(name, None)
    try:
        return DISTRIBUTIONS[name]
    except KeyError:
        raise DataError(f"unknown distribution {name!r}; known: {', '.join(distribution_names())}") from None


def _stamp(path: Path) -> tuple[float, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime, st.st_size


@functools.lru_cache(maxsize=2)
def _images(name: str, stamp: tuple[float, int] | None) -> ImageDistribution:
    """Image sets are loaded once per name (and file version): a Reset or a rebuild reuses them."""
    if name.startswith(FILE_PREFIX):
        return image_distribution(name, path=name[len(FILE_PREFIX):])
    if name in DOWNLOADS and name not in BUILTIN_IMAGE_SETS:
        try:
            return image_distribution(name)
        except DataError as exc:  # not downloaded yet, or damaged: say how to get it
            raise DataError(f"{exc}; download it with `ganstudio datasets download {name}` or Data → Download…") from None
    return image_distribution(name)
