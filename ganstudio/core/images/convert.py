"""Converting image arrays to the float N x C x H x W in [0, 1] layout, the model's size and its channels."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

# ITU-R BT.601 luma weights, the ones Pillow's "L" conversion uses.
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def to_unit_nchw(raw: np.ndarray, layout: str) -> np.ndarray:
    """`raw` (uint8 0..255, bool, other integers 0..255, or float in [0, 1]) as float32 N x C x H x W.

    `layout` is "NHW", "NHWC" or "NCHW"; the caller has checked the value range.
    """
    arr = raw.astype(np.float32)  # always a fresh array, safe to scale and clip in place
    if not (np.issubdtype(raw.dtype, np.floating) or raw.dtype == np.bool_):
        arr *= np.float32(1.0 / 255.0)
    np.clip(arr, 0.0, 1.0, out=arr)
    if layout == "NHW":
        return arr[:, None, :, :]
    if layout == "NHWC":
        return np.ascontiguousarray(arr.transpose(0, 3, 1, 2))
    if layout == "NCHW":
        return arr
    raise ValueError(f"unknown layout {layout!r}")


def conform(images: np.ndarray, size: tuple[int, int] | None = None, channels: int | None = None) -> np.ndarray:
    """Float N x C x H x W images (C 1, 3 or 4) resized to `size` (H, W) and converted to `channels` (1 or 3).

    Four channels are RGBA: the colour is laid over black (multiplied by alpha) and alpha dropped.
    Grey is the BT.601 luminance; grey to colour repeats the plane. Shrinking averages over each target
    pixel's area (exact block means for whole-number factors); enlarging is bilinear with half-pixel centres.
    `None` keeps the size or the channels (RGBA still becomes RGB). The result is float32 in [0, 1].
    """
    if images.ndim != 4 or images.shape[1] not in (1, 3, 4):
        raise ValueError(f"expected N x C x H x W with C 1, 3 or 4, got shape {images.shape}")
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    arr = np.asarray(images, dtype=np.float32)
    if arr.shape[1] == 4:
        arr = arr[:, :3] * arr[:, 3:4]
    if channels == 1 and arr.shape[1] == 3:
        arr = np.einsum("nchw,c->nhw", arr, LUMA, dtype=np.float32)[:, None]
    elif channels == 3 and arr.shape[1] == 1:
        arr = np.repeat(arr, 3, axis=1)
    if size is not None:
        arr = resize(arr, size)
    return np.ascontiguousarray(arr, dtype=np.float32)


def resize(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Float N x C x H x W images resized to `size` (H, W): area mean when shrinking, bilinear when enlarging."""
    h, w = int(size[0]), int(size[1])
    if h < 1 or w < 1:
        raise ValueError(f"size must be positive, got {size}")
    if images.shape[2:] == (h, w):
        return images
    t = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))
    if h <= images.shape[2] and w <= images.shape[3]:
        out = F.interpolate(t, size=(h, w), mode="area")
    else:
        out = F.interpolate(t, size=(h, w), mode="bilinear", align_corners=False, antialias=True)
    return out.clamp_(0.0, 1.0).numpy()
