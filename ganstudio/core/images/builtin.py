"""The built-in digit sets, available offline: nothing here ever downloads.

- `digits-8x8`: the 1,797 UCI optical-recognition handwritten digits (8 x 8, grey levels 0..16),
  shipped as resources/datasets/digits-8x8.npz and checked against its SHA-256 on every load.
- `digits-28`: 28 x 28 handwriting-like digits drawn from stroke templates (see strokes.py),
  generated afresh from a seed.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import DataError
from .imageset import ImageSet
from .strokes import draw_digits

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
DIGITS_8X8_FILE = RESOURCES / "datasets" / "digits-8x8.npz"
DIGITS_8X8_SHA256 = "b3b9c8cc11d765ce4264d8748bf3edbafa5038d91c93cf713ddbd6ae8652b410"
DIGIT_NAMES = tuple(str(d) for d in range(10))


def load_digits_8x8(path: Path = DIGITS_8X8_FILE) -> ImageSet:
    """The UCI digits as 1797 x 1 x 8 x 8 images with values k/16, after checking the file's SHA-256."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: the built-in digits-8x8 file cannot be read ({exc.strerror})") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != DIGITS_8X8_SHA256:
        raise DataError(f"{path}: damaged (SHA-256 {digest[:12]}..., expected {DIGITS_8X8_SHA256[:12]}...)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            images, labels = archive["images"], archive["labels"]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a readable digits-8x8 archive ({exc})") from exc
    return ImageSet(images=images[:, None].astype(np.float32) / 16.0, labels=labels.astype(np.int64),
                    name="digits-8x8", class_names=DIGIT_NAMES)


def make_digits_28(n: int = 20000, seed: int = 0) -> ImageSet:
    """n handwriting-like 28 x 28 digits, labels balanced (counts differ by at most one) and shuffled;
    the same seed gives the same images."""
    if n < 1:
        raise DataError(f"digits-28: the number of images must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 10)
    images = draw_digits(labels, rng)
    return ImageSet(images=images[:, None], labels=labels, name="digits-28", class_names=DIGIT_NAMES)


BUILTIN_IMAGE_SETS: dict[str, Callable[..., ImageSet]] = {
    "digits-8x8": load_digits_8x8,
    "digits-28": make_digits_28,
}
SEEDED = frozenset({"digits-28"})  # the sets that are generated, so that a seed picks one draw


def load_builtin(name: str, seed: int = 0) -> ImageSet:
    """The built-in set `name`; `seed` picks the draw of a generated set and is ignored by fixed ones."""
    if name not in BUILTIN_IMAGE_SETS:
        raise DataError(f"{name}: no such built-in image set (known: {', '.join(BUILTIN_IMAGE_SETS)})")
    factory = BUILTIN_IMAGE_SETS[name]
    return factory(seed=seed) if name in SEEDED else factory()
