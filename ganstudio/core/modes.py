"""Mode metrics as in VEEGAN and PacGAN: how many modes a generator covers, and how well."""

from __future__ import annotations

import numpy as np


def mode_metrics(samples: np.ndarray, centres: np.ndarray, sigma: float, radius: float = 3.0):
    """Assign each sample to its nearest centre; high quality within `radius` sigma.

    Returns (captured mask, high-quality counts per mode, high-quality fraction), as
    in VEEGAN and PacGAN.
    """
    x = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    c = np.asarray(centres, dtype=np.float64).reshape(len(centres), -1)
    d2 = ((x[:, None, :] - c[None]) ** 2).sum(-1)
    nearest = np.argmin(d2, axis=1)
    hq = np.sqrt(d2[np.arange(len(x)), nearest]) <= radius * sigma
    counts = np.bincount(nearest[hq], minlength=len(c))
    return counts > 0, counts, float(hq.mean()) if len(x) else 0.0
