"""Reading user point data (CSV, NPY, NPZ) into a PointDataset, with errors that say where."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .distributions import DataError, PointDataset

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
