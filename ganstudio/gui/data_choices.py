"""What the Data and Model panels need to know about a distribution name, without loading it: the
image sets on offer with their download state, whether a name holds images, and which image nets
`image_model = auto` builds for it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ganstudio.core.images.builtin import BUILTIN_IMAGE_SETS
from ganstudio.core.images.distribution import model_size
from ganstudio.core.images.download import DOWNLOADS, is_downloaded
from ganstudio.core.images.nets import default_kind
from ganstudio.core.sources import FILE_PREFIX, builtin_dimension, distribution_names, holds_images

BUILTIN_TIPS = {
    "digits-8x8": "The 1,797 UCI handwritten digits, 8 x 8 pixels (built in).",
    "digits-28": "20,000 handwriting-like digits drawn at 28 x 28 pixels (built in).",
}
# Image sizes known from the name alone: the built-in digits, and the downloadable sets, which are
# all in MNIST's 28 x 28 format. Files and anything else are learnt from a load or a snapshot.
NAMED_IMAGE_SIZES = {"digits-8x8": (8, 8), "digits-28": (28, 28)}
MNIST_SIZE = (28, 28)


@dataclass(frozen=True)
class ImageSetChoice:
    """One entry of the Data panel's Images group."""

    name: str
    title: str
    downloadable: bool
    downloaded: bool

    @property
    def available(self) -> bool:
        """Whether choosing it can switch the run now (a set still to download opens the download dialog)."""
        return not self.downloadable or self.downloaded

    @property
    def label(self) -> str:
        return self.name if self.available else f"{self.name} (download)"

    @property
    def tooltip(self) -> str:
        if not self.downloadable:
            return BUILTIN_TIPS.get(self.name, f"{self.title} (built in).")
        if self.downloaded:
            return f"{self.title}, 28 x 28 pixels (downloaded; changing it builds new networks)."
        return f"{self.title}, 28 x 28 pixels: not downloaded yet; choosing it opens the download dialog."


def image_set_choice(name: str) -> ImageSetChoice:
    """`name`'s entry, its download state read from the cache now."""
    spec = DOWNLOADS.get(name)
    if spec is None or name in BUILTIN_IMAGE_SETS:
        return ImageSetChoice(name, name, downloadable=False, downloaded=False)
    return ImageSetChoice(name, spec.title, downloadable=True, downloaded=is_downloaded(name))


def image_set_choices() -> list[ImageSetChoice]:
    """Every image set the app knows: the built-in ones first, then the downloadable ones."""
    return [image_set_choice(n) for n in distribution_names() if builtin_dimension(n) == 0]


def holds_image_data(name: str) -> bool:
    """True for an image set, or a `file:` whose file or folder holds images."""
    if name.startswith(FILE_PREFIX):
        return holds_images(Path(name[len(FILE_PREFIX):]))
    return builtin_dimension(name) == 0


def named_image_size(name: str) -> tuple[int, int] | None:
    """The (H, W) of a named image set where the name alone says it; None otherwise."""
    if name in NAMED_IMAGE_SIZES:
        return NAMED_IMAGE_SIZES[name]
    return MNIST_SIZE if name in DOWNLOADS else None


def image_kind(image_model: str, size: tuple[int, int] | None) -> str | None:
    """The image nets a run builds: `image_model`, or for auto what the trainer picks at the size
    the images are trained at; None for auto when the size is not known."""
    if image_model != "auto":
        return image_model
    if size is None:
        return None
    return default_kind((1, *model_size(size)))
