"""An image set as a distribution to train on: samples on the trainer's device, at the model's size."""

from __future__ import annotations

import numpy as np
import torch

from .builtin import BUILTIN_IMAGE_SETS, load_builtin
from .convert import conform
from .download import DOWNLOADS, load_downloaded
from .files import load_images
from .imageset import ImageSet

IMAGE_SIZES = (8, 28, 32)  # the sizes the image networks are built for
IMAGE_SET_NAMES = (*BUILTIN_IMAGE_SETS, *DOWNLOADS)


def model_size(size: tuple[int, int]) -> tuple[int, int]:
    """The network size a set of `size` images is trained at: 8 x 8 stays, up to 28 becomes 28, else 32."""
    side = max(size)
    if size == (8, 8):
        return 8, 8
    return (28, 28) if side <= 28 else (32, 32)


class ImageDistribution:
    """P_data for images: uniform over the images of an ImageSet, as tensors in [0, 1]."""

    is_image = True
    dim = 0  # a Snapshot's dim for images
    is_mixture = False

    def __init__(self, images: ImageSet, label: str | None = None) -> None:
        size = model_size(images.size)
        if size != images.size:
            images = ImageSet(conform(np.asarray(images.images), size), images.labels, images.name, images.class_names)
        self.images = images
        self.name = images.name
        self.label = label or images.name
        self._cache: dict[torch.device, torch.Tensor] = {}

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.images.channels, *self.images.size)

    @property
    def group(self) -> str:
        return "Images"

    def _on(self, device: torch.device) -> torch.Tensor:
        if device not in self._cache:
            self._cache[device] = torch.from_numpy(np.array(self.images.images)).to(device)
        return self._cache[device]

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        data = self._on(generator.device)
        idx = torch.randint(len(data), (n,), generator=generator, device=generator.device)
        return data[idx]

    def reference_samples(self, n: int, seed: int) -> np.ndarray:
        """n images drawn without replacement where the set is large enough, the same for a seed."""
        rng = np.random.default_rng(seed)
        idx = rng.choice(self.images.n, size=n, replace=self.images.n < n)
        return np.asarray(self.images.images[idx])


def image_distribution(name: str, seed: int = 0, path: str | None = None) -> ImageDistribution:
    """A built-in set, a completed download, or the images in the file or folder at `path`."""
    if path is not None:
        return ImageDistribution(load_images(path))
    if name in BUILTIN_IMAGE_SETS:
        return ImageDistribution(load_builtin(name, seed=0))
    return ImageDistribution(load_downloaded(name))
