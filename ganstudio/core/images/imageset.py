"""ImageSet: a set of small images and their labels, as every image loader returns it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ImageSet:
    """`images` is float32 N x C x H x W in [0, 1] (read-only); `labels` int64 N in 0..classes-1, or None."""

    images: np.ndarray
    labels: np.ndarray | None
    name: str
    class_names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        images = np.ascontiguousarray(self.images, dtype=np.float32)
        images.setflags(write=False)
        object.__setattr__(self, "images", images)
        if images.ndim != 4:
            raise ValueError(f"{self.name}: images must be N x C x H x W, got shape {images.shape}")
        if self.labels is not None:
            labels = np.ascontiguousarray(self.labels, dtype=np.int64)
            labels.setflags(write=False)
            if labels.shape != (images.shape[0],):
                raise ValueError(f"{self.name}: {labels.shape[0] if labels.ndim else 0} labels for "
                                 f"{images.shape[0]} images")
            object.__setattr__(self, "labels", labels)

    @property
    def n(self) -> int:
        return int(self.images.shape[0])

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])

    @property
    def size(self) -> tuple[int, int]:
        return int(self.images.shape[2]), int(self.images.shape[3])

    @property
    def n_classes(self) -> int:
        if self.labels is None:
            return 0
        return max(len(self.class_names), int(self.labels.max()) + 1 if self.n else 0)

    def content_hash(self) -> str:
        """SHA-256 of the pixels and labels: the key under which anything learned from this set is cached."""
        h = hashlib.sha256()
        h.update(repr(self.images.shape).encode())
        h.update(self.images.tobytes())
        if self.labels is not None:
            h.update(self.labels.tobytes())
        return h.hexdigest()
