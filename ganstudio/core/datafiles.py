"""User point data: reading CSV, NPY and NPZ files into a PointDataset, with errors that say where."""

from __future__ import annotations

import csv
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from .distributions import Distribution
from .errors import DataError
from .grids import histogram

POINT_SUFFIXES = (".csv", ".txt", ".npy", ".npz")


def load_points(path: str | Path) -> PointDataset:
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file")
    if p.is_dir() or p.suffix.lower() in (".idx", ".ubyte", ".png", ".jpg", ".jpeg", ".bmp", ".gif"):
        raise DataError(f"{p}: image data (folders, IDX, pictures) is not supported yet; give an N x 1 or N x 2 CSV, NPY or NPZ of points")
    suffix = p.suffix.lower()
    if suffix not in POINT_SUFFIXES:
        raise DataError(f"{p}: unsupported file type {p.suffix or '(none)'}; expected one of {', '.join(POINT_SUFFIXES)}")
    try:
        if suffix == ".npy":
            arr = np.load(p, allow_pickle=False)
        elif suffix == ".npz":
            with np.load(p, allow_pickle=False) as z:
                if not z.files:
                    raise DataError(f"{p}: the archive holds no arrays")
                key = next((k for k in ("points", "x", "data") if k in z.files), z.files[0])
                arr = z[key]
        else:
            arr = _read_csv(p)
    except DataError:
        raise
    except (OSError, ValueError) as exc:
        raise DataError(f"{p}: cannot read ({exc})") from None
    if not np.issubdtype(np.asarray(arr).dtype, np.number):
        raise DataError(f"{p}: expected numbers, got {np.asarray(arr).dtype}")
    return PointDataset(np.asarray(arr, dtype=np.float64), name=str(p), label=p.name)


def _read_csv(p: Path) -> np.ndarray:
    rows: list[list[float]] = []
    with p.open(newline="", encoding="utf-8") as f:
        sample = f.read(4096)
        f.seek(0)
        delimiter = ","
        if "," not in sample:
            delimiter = "\t" if "\t" in sample else " "
        for lineno, row in enumerate(csv.reader(f, delimiter=delimiter), start=1):
            cells = [c.strip() for c in row if c.strip()]
            if not cells or cells[0].startswith("#"):
                continue
            try:
                rows.append([float(c) for c in cells])
            except ValueError:
                if not rows and lineno == 1:
                    continue  # a header line
                raise DataError(f"{p}: line {lineno}: not a number in {row!r}") from None
            if len(rows[-1]) != len(rows[0]):
                raise DataError(f"{p}: line {lineno}: {len(rows[-1])} columns, expected {len(rows[0])}")
    if not rows:
        raise DataError(f"{p}: no numeric rows")
    return np.array(rows)


class PointDataset(Distribution):
    """User points (N x 1 or N x 2); sampled uniformly with replacement, density estimated on the grid."""

    def __init__(self, points: np.ndarray, name: str = "data", label: str = "Loaded data"):
        pts = np.asarray(points, dtype=np.float64)
        if pts.ndim == 1:
            pts = pts[:, None]
        if pts.ndim != 2 or pts.shape[1] not in (1, 2):
            raise DataError(f"{name}: expected an N x 1 or N x 2 array of points, got shape {pts.shape}")
        if len(pts) < 2:
            raise DataError(f"{name}: need at least 2 points, got {len(pts)}")
        bad = ~np.isfinite(pts).all(axis=1)
        if bad.any():
            raise DataError(f"{name}: row {int(np.argmax(bad))} is not a finite number")
        self.name, self.label, self.dim = name, label, pts.shape[1]
        self.points = pts.astype(np.float32)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = 0.15 * np.maximum(hi - lo, 1e-3)
        if self.dim == 1:
            self.extent = (float(lo[0] - pad[0]), float(hi[0] + pad[0]))
        else:  # square cells, so circles look circular
            c, half = (lo + hi) / 2, float(np.max(hi - lo + 2 * pad)) / 2
            self.extent = (c[0] - half, c[0] + half, c[1] - half, c[1] + half)
        self._cache: dict[torch.device, torch.Tensor] = {}

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        dev = generator.device
        if dev not in self._cache:
            self._cache[dev] = torch.as_tensor(self.points, device=dev)
        idx = torch.randint(len(self.points), (n,), generator=generator, device=dev)
        return self._cache[dev][idx]

    def _density_counts(self) -> tuple[np.ndarray, int]:
        return histogram(self.points, self.metric_grid)

    @cached_property
    def moments(self) -> tuple[np.ndarray, float]:
        mean = self.points.mean(axis=0).astype(np.float64)
        return mean, max(float(np.sqrt(self.points.var(axis=0).mean())), 1e-6)
