"""Re-create digits-8x8.npz from scikit-learn's bundled copy of the UCI optical-recognition digits.

A one-off conversion: scikit-learn is needed only to run this script, never by GAN Studio itself.
Run from anywhere:  python resources/datasets/make_digits_8x8.py
then put the printed SHA-256 into ganstudio/core/images/builtin.py and README.md.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parent / "digits-8x8.npz"


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write a compressed .npz whose bytes depend only on the arrays (fixed member timestamps)."""
    with zipfile.ZipFile(path, "w") as archive:
        for key, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def main() -> None:
    digits = load_digits()
    images = np.asarray(digits.images)
    labels = np.asarray(digits.target)
    # The source holds integer grey levels 0..16 and labels 0..9; check before narrowing to uint8.
    assert images.shape == (1797, 8, 8), images.shape
    assert np.array_equal(images, np.round(images)) and images.min() == 0 and images.max() == 16
    assert labels.shape == (1797,) and set(np.unique(labels).tolist()) == set(range(10))
    write_npz(OUT, {"images": images.astype(np.uint8), "labels": labels.astype(np.uint8)})
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"{OUT}: {OUT.stat().st_size} bytes, sha256 {digest}")


if __name__ == "__main__":
    main()
