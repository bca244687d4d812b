"""What the image views draw: generated and real images, and P_G against P_data as the class sees it.

Images have no closed-form density, so P_G against P_data is shown through what can be measured:
the two sets projected on the real set's first two principal components with a density of each,
the classes a classifier trained on the real set sees in each, and D's scores on each.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True)
class ImageMeasurement:
    """Made at each full measurement; every array read-only."""

    step: int
    real_xy: np.ndarray  # (m, 2) real images on the first two principal components of the real set
    fake_xy: np.ndarray  # (m, 2) generated images on the same components
    extent: tuple[float, float, float, float]  # (x0, x1, y0, y1) of the density grids
    real_density: np.ndarray  # (cells, cells) density of real_xy, row i at y, column j at x; integrates to 1
    fake_density: np.ndarray  # (cells, cells) density of fake_xy on the same grid
    class_names: tuple[str, ...]
    real_class_freq: np.ndarray  # (K,) class frequencies of the real set
    fake_class_freq: np.ndarray  # (K,) classes the classifier assigns to generated images
    d_real: np.ndarray  # (m,) D on real images: a probability, or the critic's score
    d_fake: np.ndarray  # (m,) D on generated images
    classifier_accuracy: float  # the classifier's accuracy on held-out real images


@dataclass(frozen=True)
class ImageFrame:
    """`fake`, `real` and `interpolation` are N x C x H x W in [0, 1]."""

    fake: np.ndarray  # G over fixed noise, so the class watches the same digits form
    real: np.ndarray  # fixed real images
    interpolation: np.ndarray  # G along a straight line between two fixed noise vectors
    measured: ImageMeasurement | None

    def arrays(self) -> list[np.ndarray]:
        """Every array the frame holds (for finiteness checks and freezing)."""
        out = [self.fake, self.real, self.interpolation]
        if self.measured is not None:
            out += [getattr(self.measured, f.name) for f in fields(self.measured)
                    if isinstance(getattr(self.measured, f.name), np.ndarray)]
        return out
