"""Loading image sets from IDX, .npz, .npy and folders of pictures, and converting them to a model's size."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.core.errors import DataError
from ganstudio.core.images import files
from ganstudio.core.images.convert import conform
from ganstudio.core.images.files import LoadCancelled, idx_labels_path, load_images

RNG = np.random.default_rng(7)


def idx_bytes(arr: np.ndarray, magic: int) -> bytes:
    return np.array([magic, *arr.shape], dtype=">u4").tobytes() + arr.astype(np.uint8).tobytes()


def write_idx(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def digits(n: int = 5, h: int = 4, w: int = 3) -> tuple[np.ndarray, np.ndarray]:
    return RNG.integers(0, 256, size=(n, h, w), dtype=np.uint8), RNG.integers(0, 10, size=n, dtype=np.uint8)


# ---- IDX ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("images_name, labels_name", [
    ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
    ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte"),  # labels left uncompressed
    ("my-images.idx", "my-labels.idx"),
])
def test_idx_with_labels(tmp_path, images_name, labels_name):
    imgs, labels = digits()
    p = write_idx(tmp_path / images_name, idx_bytes(imgs, 0x803))
    write_idx(tmp_path / labels_name, idx_bytes(labels, 0x801))
    s = load_images(p)
    assert s.images.shape == (5, 1, 4, 3) and s.images.dtype == np.float32
    np.testing.assert_allclose(s.images[:, 0], imgs / 255.0, atol=1e-7)
    np.testing.assert_array_equal(s.labels, labels.astype(np.int64))
    assert s.name == images_name
    assert idx_labels_path(p) == tmp_path / labels_name


@pytest.mark.parametrize("name", ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"])
def test_idx_without_labels(tmp_path, name):
    imgs, _ = digits()
    s = load_images(write_idx(tmp_path / name, idx_bytes(imgs, 0x803)))
    assert s.labels is None
    np.testing.assert_allclose(s.images[:, 0] * 255.0, imgs, atol=1e-4)


@pytest.mark.parametrize("name", ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"])
def test_idx_bad_magic(tmp_path, name):
    imgs, _ = digits()
    p = write_idx(tmp_path / name, idx_bytes(imgs, 0x0000_0C03))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.*wrong magic number 0x00000C03.*0x00000803"):
        load_images(p)


def test_idx_labels_file_given_as_images(tmp_path):
    p = write_idx(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.arange(3), 0x801))
    with pytest.raises(DataError, match="IDX labels file; expected IDX images"):
        load_images(p)


@pytest.mark.parametrize("name", ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"])
def test_idx_truncated(tmp_path, name):
    imgs, _ = digits()
    p = write_idx(tmp_path / name, idx_bytes(imgs, 0x803)[:-5])
    with pytest.raises(DataError, match=rf"{name}: truncated: the header promises 5 images of 4 x 3"):
        load_images(p)


def test_idx_gzip_stream_cut_short(tmp_path):
    imgs, _ = digits()
    p = tmp_path / "train-images-idx3-ubyte.gz"
    p.write_bytes(gzip.compress(idx_bytes(imgs, 0x803))[:-12])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz: truncated or corrupt gzip data"):
        load_images(p)


def test_idx_label_count_mismatch(tmp_path):
    imgs, labels = digits()
    p = write_idx(tmp_path / "train-images-idx3-ubyte", idx_bytes(imgs, 0x803))
    write_idx(tmp_path / "train-labels-idx1-ubyte", idx_bytes(labels[:4], 0x801))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte: 4 labels for the 5 images in train-images"):
        load_images(p)


def test_idx_truncated_labels(tmp_path):
    imgs, labels = digits()
    p = write_idx(tmp_path / "train-images-idx3-ubyte", idx_bytes(imgs, 0x803))
    write_idx(tmp_path / "train-labels-idx1-ubyte", idx_bytes(labels, 0x801)[:-2])
    with pytest.raises(DataError, match="train-labels-idx1-ubyte: truncated: the header promises 5 labels"):
        load_images(p)


def test_idx_gzip_garbage(tmp_path):
    p = tmp_path / "train-images-idx3-ubyte.gz"
    p.write_bytes(b"\x1f\x8b" + bytes(range(200)))
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz: truncated or corrupt gzip data"):
        load_images(p)


def test_idx_empty(tmp_path):
    p = write_idx(tmp_path / "train-images-idx3-ubyte", idx_bytes(np.zeros((0, 28, 28)), 0x803))
    with pytest.raises(DataError, match="train-images-idx3-ubyte: empty"):
        load_images(p)


def test_progress_counts_images_and_cancel_stops(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "CHUNK", 4)
    imgs, _ = digits(n=10)
    p = write_idx(tmp_path / "train-images-idx3-ubyte.gz", idx_bytes(imgs, 0x803))
    calls: list[tuple[int, int]] = []
    load_images(p, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(4, 10), (8, 10), (10, 10)]
    polls = iter([False, True])
    with pytest.raises(LoadCancelled):
        load_images(p, cancel=lambda: next(polls))


def test_idx_conformed_to_size_and_colour(tmp_path):
    imgs, _ = digits(n=3, h=4, w=6)
    s = load_images(write_idx(tmp_path / "x-images-idx3-ubyte", idx_bytes(imgs, 0x803)), size=(2, 3), channels=3)
    blocks = (imgs / 255.0).reshape(3, 2, 2, 3, 2).mean(axis=(2, 4))
    assert s.images.shape == (3, 3, 2, 3)
    for c in range(3):
        np.testing.assert_allclose(s.images[:, c], blocks, atol=1e-6)


# ---- .npz and .npy ------------------------------------------------------------------------------------

@pytest.mark.parametrize("x_key, y_key", [("x_train", "y_train"), ("x", "y"), ("images", "labels")])
def test_npz_known_pairs(tmp_path, x_key, y_key):
    imgs, labels = digits()
    p = tmp_path / "set.npz"
    extra = {"x_test": imgs[:2], "y_test": labels[:2]} if x_key == "x_train" else {}
    np.savez(p, **{x_key: imgs, y_key: labels}, **extra)
    s = load_images(p)
    np.testing.assert_allclose(s.images[:, 0], imgs / 255.0, atol=1e-7)
    np.testing.assert_array_equal(s.labels, labels)


def test_npz_single_array_has_no_labels(tmp_path):
    imgs, _ = digits()
    p = tmp_path / "one.npz"
    np.savez(p, whatever=imgs)
    s = load_images(p)
    assert s.labels is None and s.n == 5


def test_npz_several_arrays_without_a_pair(tmp_path):
    p = tmp_path / "many.npz"
    np.savez(p, a=np.zeros((2, 3, 3)), b=np.zeros(2))
    with pytest.raises(DataError, match=r"many.npz: arrays a, b; expected x_train"):
        load_images(p)


def test_npz_label_count_mismatch(tmp_path):
    imgs, labels = digits()
    p = tmp_path / "set.npz"
    np.savez(p, x_train=imgs, y_train=labels[:3])
    with pytest.raises(DataError, match="set.npz: 3 labels in 'y_train' for 5 images"):
        load_images(p)


def test_npz_not_a_zip(tmp_path):
    p = tmp_path / "broken.npz"
    p.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataError, match="broken.npz: cannot read as .npz"):
        load_images(p)


def test_npy_nhw_uint8(tmp_path):
    imgs, _ = digits()
    np.save(tmp_path / "a.npy", imgs)
    s = load_images(tmp_path / "a.npy")
    np.testing.assert_allclose(s.images[:, 0], imgs / 255.0, atol=1e-7)
    assert s.labels is None and s.name == "a.npy"


def test_npy_nhwc_uint8_colour(tmp_path):
    imgs = RNG.integers(0, 256, size=(3, 4, 5, 3), dtype=np.uint8)
    np.save(tmp_path / "c.npy", imgs)
    s = load_images(tmp_path / "c.npy")
    assert s.images.shape == (3, 3, 4, 5)
    np.testing.assert_allclose(s.images, imgs.transpose(0, 3, 1, 2) / 255.0, atol=1e-7)
    grey = load_images(tmp_path / "c.npy", channels=1)
    luma = (imgs / 255.0) @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(grey.images[:, 0], luma, atol=1e-6)


def test_npy_nhwc_float_and_nchw(tmp_path):
    imgs = RNG.random((3, 4, 5, 1)).astype(np.float64)
    np.save(tmp_path / "f.npy", imgs)
    np.testing.assert_allclose(load_images(tmp_path / "f.npy").images[:, 0], imgs[..., 0], atol=1e-7)
    np.save(tmp_path / "t.npy", imgs.transpose(0, 3, 1, 2).astype(np.float32))
    np.testing.assert_allclose(load_images(tmp_path / "t.npy").images[:, 0], imgs[..., 0], atol=1e-7)


def test_npy_rgba_is_laid_over_black(tmp_path):
    imgs = RNG.random((2, 3, 3, 4)).astype(np.float32)
    np.save(tmp_path / "rgba.npy", imgs)
    s = load_images(tmp_path / "rgba.npy")
    np.testing.assert_allclose(s.images, (imgs[..., :3] * imgs[..., 3:]).transpose(0, 3, 1, 2), atol=1e-7)


def test_npy_float_out_of_range(tmp_path):
    imgs = RNG.random((3, 4, 4)) * 2 - 1
    imgs[0, 0, 0], imgs[2, 3, 3] = -1.0, 1.0
    np.save(tmp_path / "r.npy", imgs)
    with pytest.raises(DataError, match=r"r.npy: float values span \[-1, 1\]; expected floats in \[0, 1\]"):
        load_images(tmp_path / "r.npy")


def test_npy_integer_out_of_range(tmp_path):
    imgs = np.full((2, 3, 3), 1000, dtype=np.int32)
    imgs[0, 0, 0] = 3
    np.save(tmp_path / "i.npy", imgs)
    with pytest.raises(DataError, match=r"i.npy: integer values span \[3, 1000\]"):
        load_images(tmp_path / "i.npy")


def test_npy_nan(tmp_path):
    imgs = RNG.random((4, 3, 3)).astype(np.float32)
    imgs[2, 1, 1] = np.nan
    imgs[3, 0, 0] = np.inf
    np.save(tmp_path / "n.npy", imgs)
    with pytest.raises(DataError, match="n.npy: 2 values are NaN or infinite \\(the first in image 2\\)"):
        load_images(tmp_path / "n.npy")


@pytest.mark.parametrize("arr, message", [
    (np.zeros((2, 5, 5, 7), np.uint8), r"wrong shape \(2, 5, 5, 7\)"),
    (np.zeros((10, 10), np.uint8), r"wrong shape \(10, 10\)"),
    (np.zeros((2, 3, 3), np.complex64), "wrong dtype complex64"),
    (np.array([["a"]] * 2), "wrong dtype <U1"),
    (np.zeros((0, 28, 28), np.uint8), "empty"),
])
def test_npy_wrong_shape_dtype_or_empty(tmp_path, arr, message):
    np.save(tmp_path / "bad.npy", arr)
    with pytest.raises(DataError, match="bad.npy: " + message):
        load_images(tmp_path / "bad.npy")


def test_npy_truncated(tmp_path):
    np.save(tmp_path / "cut.npy", np.zeros((10, 8, 8), np.uint8))
    data = (tmp_path / "cut.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(data[:-100])
    with pytest.raises(DataError, match=r"cut.npy: truncated: the header promises an array of shape \(10, 8, 8\)"):
        load_images(tmp_path / "cut.npy")


# ---- folders of pictures -------------------------------------------------------------------------------

def save_png(path: Path, arr: np.ndarray, mode: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr, mode=mode).save(path)


def test_folder_with_class_sub_folders(tmp_path):
    cats = RNG.integers(0, 256, size=(2, 4, 4), dtype=np.uint8)
    dogs = RNG.integers(0, 256, size=(3, 4, 4), dtype=np.uint8)
    for i, a in enumerate(dogs):
        save_png(tmp_path / "pets" / "dog" / f"{i}.png", a, "L")
    for i, a in enumerate(cats):
        save_png(tmp_path / "pets" / "cat" / f"{i}.png", a, "L")
    (tmp_path / "pets" / "empty").mkdir()
    s = load_images(tmp_path / "pets")
    assert s.class_names == ("cat", "dog") and s.name == "pets"
    np.testing.assert_array_equal(s.labels, [0, 0, 1, 1, 1])
    np.testing.assert_allclose(s.images[:, 0], np.concatenate([cats, dogs]) / 255.0, atol=1e-7)


def test_folder_without_classes_mixing_grey_and_colour(tmp_path):
    grey = RNG.integers(0, 256, size=(4, 4), dtype=np.uint8)
    rgb = RNG.integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
    save_png(tmp_path / "a.png", grey, "L")
    Image.fromarray(rgb, mode="RGB").save(tmp_path / "b.jpg", quality=100)
    s = load_images(tmp_path)
    assert s.labels is None and s.images.shape == (2, 3, 4, 4)
    for c in range(3):
        np.testing.assert_allclose(s.images[0, c], grey / 255.0, atol=1e-7)
    jpeg = np.asarray(Image.open(tmp_path / "b.jpg").convert("RGB")) / 255.0
    np.testing.assert_allclose(s.images[1], jpeg.transpose(2, 0, 1), atol=1e-7)


def test_folder_sizes_differ_unless_a_size_is_given(tmp_path):
    save_png(tmp_path / "a.png", np.zeros((4, 4), np.uint8), "L")
    save_png(tmp_path / "b.png", np.full((8, 8), 255, np.uint8), "L")
    with pytest.raises(DataError, match=r"images differ in size \(a.png is 4 x 4, b.png is 8 x 8\)"):
        load_images(tmp_path)
    s = load_images(tmp_path, size=(2, 2))
    np.testing.assert_allclose(s.images[:, 0], [np.zeros((2, 2)), np.ones((2, 2))], atol=1e-7)


def test_folder_unreadable_image(tmp_path):
    save_png(tmp_path / "good.png", np.zeros((4, 4), np.uint8), "L")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG not an image at all")
    with pytest.raises(DataError, match=r"bad.png: unreadable image"):
        load_images(tmp_path)


def test_folder_with_a_truncated_picture(tmp_path):
    save_png(tmp_path / "whole.png", RNG.integers(0, 256, size=(16, 16), dtype=np.uint8), "L")
    data = (tmp_path / "whole.png").read_bytes()
    (tmp_path / "zcut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"zcut.png: unreadable image"):
        load_images(tmp_path)


def test_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("no pictures here")
    with pytest.raises(DataError, match="no images found"):
        load_images(tmp_path)


def test_missing_path_and_single_picture(tmp_path):
    with pytest.raises(DataError, match="nope: no such file"):
        load_images(tmp_path / "nope")
    save_png(tmp_path / "one.png", np.zeros((2, 2), np.uint8), "L")
    with pytest.raises(DataError, match="one.png: a single picture is not an image set"):
        load_images(tmp_path / "one.png")


# ---- conform --------------------------------------------------------------------------------------------

def test_conform_shrinks_by_block_average():
    x = RNG.random((2, 3, 4, 6)).astype(np.float32)
    out = conform(x, (2, 3), None)
    np.testing.assert_allclose(out, x.reshape(2, 3, 2, 2, 3, 2).mean(axis=(3, 5)), atol=1e-6)


def test_conform_enlarges_like_pillow_bilinear():
    x = RNG.random((1, 1, 5, 7)).astype(np.float32)
    out = conform(x, (9, 11), None)
    pil = np.asarray(Image.fromarray(x[0, 0], mode="F").resize((11, 9), Image.BILINEAR))
    np.testing.assert_allclose(out[0, 0], pil, atol=1e-5)


def test_conform_grey_is_luminance_and_colour_repeats():
    rgb = RNG.integers(0, 256, size=(3, 5, 3), dtype=np.uint8)
    x = (rgb.transpose(2, 0, 1)[None] / 255.0).astype(np.float32)
    grey = conform(x, None, 1)
    pil = np.asarray(Image.fromarray(rgb, mode="RGB").convert("L")) / 255.0  # Pillow rounds to 8 bits
    np.testing.assert_allclose(grey[0, 0], pil, atol=0.6 / 255)
    colour = conform(grey, None, 3)
    assert colour.shape == (1, 3, 3, 5)
    for c in range(3):
        np.testing.assert_array_equal(colour[0, c], grey[0, 0])
