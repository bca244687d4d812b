"""A small classifier trained on the real images: the feature space of the FID and the judge of
which class a generated image shows.

8 x 8 (and other images of at most 16 x 16 pixels): an MLP pixels-128-classes. Larger images: a
small CNN (two 3 x 3 conv + max-pool stages, 16 and 32 channels, then 128 units). Both are trained
with Adam on a seeded 80/20 split of the set and report their accuracy on the held-out 20%;
`features` is the 128-unit penultimate layer, after its ReLU.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import DataError
from .imageset import ImageSet

FEATURES = 128
# Bumped whenever the architecture or training changes, so older cache files are not loaded.
CACHE_VERSION = 1
BATCH = 128
LR = 1e-3
# Training length in sample presentations: small sets run many epochs, large sets few.
MLP_PRESENTATIONS = 120_000
CNN_PRESENTATIONS = 40_000
MIN_EPOCHS, MAX_EPOCHS = 2, 100
EVAL_CHUNK = 1024


class TrainingCancelled(Exception):
    """Raised by `train_classifier` when its `cancel` callable returns True."""


def _kind(shape: tuple[int, int, int]) -> str:
    return "mlp" if shape[1] * shape[2] <= 16 * 16 else "cnn"


class _MLP(nn.Module):
    def __init__(self, shape: tuple[int, int, int], n_classes: int):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(int(np.prod(shape)), FEATURES), nn.ReLU())
        self.head = nn.Linear(FEATURES, n_classes)


class _CNN(nn.Module):
    def __init__(self, shape: tuple[int, int, int], n_classes: int):
        super().__init__()
        c, h, w = shape
        self.body = nn.Sequential(
            nn.Conv2d(c, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * (h // 4) * (w // 4), FEATURES), nn.ReLU(),
        )
        self.head = nn.Linear(FEATURES, n_classes)


def _build(shape: tuple[int, int, int], n_classes: int) -> nn.Module:
    return _MLP(shape, n_classes) if _kind(shape) == "mlp" else _CNN(shape, n_classes)


@dataclass
class Classifier:
    """A trained classifier on CPU. Inputs are images N x C x H x W in [0, 1] (numpy or torch)."""

    net: nn.Module
    shape: tuple[int, int, int]
    n_classes: int
    accuracy: float  # on the held-out 20%
    train_seconds: float  # 0 when loaded from the cache
    from_cache: bool

    def _batches(self, x) -> list[torch.Tensor]:
        if isinstance(x, torch.Tensor):
            x = x.detach().to("cpu", torch.float32)
        else:
            arr = np.asarray(x, dtype=np.float32)
            x = torch.from_numpy(arr if arr.flags.writeable else arr.copy())  # torch wants writable memory
        if tuple(x.shape[1:]) != self.shape:
            raise ValueError(f"classifier expects images of shape {self.shape}, got {tuple(x.shape[1:])}")
        return list(x.split(EVAL_CHUNK))

    @torch.no_grad()
    def features_and_proba(self, x) -> tuple[np.ndarray, np.ndarray]:
        """The penultimate layer (N x 128, float64: the space the FID compares distributions in) and the
        class probabilities (N x n_classes, float64, rows sum to 1), from one pass of the network."""
        self.net.eval()
        feats, probs = [], []
        for b in self._batches(x):
            f = self.net.body(b)
            feats.append(f.double())
            probs.append(torch.softmax(self.net.head(f).double(), dim=1))
        if not feats:
            return np.zeros((0, FEATURES)), np.zeros((0, self.n_classes))
        return torch.cat(feats).numpy(), torch.cat(probs).numpy()

    def features(self, x) -> np.ndarray:
        return self.features_and_proba(x)[0]

    def predict_proba(self, x) -> np.ndarray:
        return self.features_and_proba(x)[1]


def split_indices(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded 80/20 split of range(n): (train, held-out), each at least one index when n >= 2."""
    order = np.random.default_rng(seed).permutation(n)
    n_test = min(max(1, round(0.2 * n)), n - 1)
    return order[n_test:], order[:n_test]


def default_presentations(shape: tuple[int, int, int]) -> int:
    return MLP_PRESENTATIONS if _kind(shape) == "mlp" else CNN_PRESENTATIONS


def cache_path(cache: Path, images: ImageSet, seed: int, presentations: int) -> Path:
    """One file per set (by content hash), seed and training length."""
    return Path(cache) / (f"classifier-v{CACHE_VERSION}-{images.content_hash()}"
                          f"-seed{seed}-p{presentations}.pt")


def _check(images: ImageSet) -> int:
    if images.labels is None:
        raise DataError(f"{images.name}: the image classifier needs labels, and this set has none")
    n_classes = images.n_classes
    if n_classes < 2 or len(np.unique(images.labels)) < 2:
        raise DataError(f"{images.name}: the image classifier needs at least two classes")
    if images.n < 10:
        raise DataError(f"{images.name}: the image classifier needs at least 10 images, got {images.n}")
    return n_classes


def _load(path: Path, shape: tuple[int, int, int], n_classes: int) -> Classifier | None:
    """The cached classifier, or None where the file is absent, damaged or for another architecture."""
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        if (blob["version"] != CACHE_VERSION or tuple(blob["shape"]) != shape
                or blob["n_classes"] != n_classes):
            return None
        net = _build(shape, n_classes)
        net.load_state_dict(blob["state"])
        return Classifier(net.eval(), shape, n_classes, float(blob["accuracy"]), 0.0, True)
    except (OSError, EOFError, RuntimeError, KeyError, TypeError, ValueError, AttributeError,
            pickle.UnpicklingError):  # an unreadable or inconsistent file is retrained over
        return None


def _save(path: Path, clf: Classifier) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    torch.save({"version": CACHE_VERSION, "shape": list(clf.shape), "n_classes": clf.n_classes,
                "accuracy": clf.accuracy, "state": clf.net.state_dict()}, tmp)
    os.replace(tmp, path)  # atomic: a reader sees the old file or the whole new one


def train_classifier(images: ImageSet, *, seed: int = 0, cache: Path | None = None,
                     cancel: Callable[[], bool] | None = None, presentations: int | None = None) -> Classifier:
    """Train (or load from `cache`) the classifier for `images`.

    The cache file is keyed by `images.content_hash()`, `seed` and the training length; a file
    that cannot be read is ignored and replaced. `cancel` is polled once per batch; when it
    returns True training stops with `TrainingCancelled` and nothing is cached. `presentations`
    is the training length in samples shown (epochs are rounded and kept within 2..100); None
    means the default for the architecture. Runs on the CPU with torch's current threads.
    """
    n_classes = _check(images)
    shape = (images.channels, *images.size)
    if presentations is None:
        presentations = default_presentations(shape)
    path = cache_path(cache, images, seed, presentations) if cache is not None else None
    if path is not None and path.exists():
        loaded = _load(path, shape, n_classes)
        if loaded is not None:
            return loaded

    start = time.perf_counter()
    torch_gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = _build(shape, n_classes)
    train_idx, test_idx = split_indices(images.n, seed)
    x = torch.from_numpy(np.array(images.images))
    y = torch.from_numpy(np.array(images.labels))
    x_train, y_train = x[train_idx], y[train_idx]
    epochs = int(np.clip(round(presentations / len(train_idx)), MIN_EPOCHS, MAX_EPOCHS))
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(train_idx), generator=torch_gen)
        for batch in order.split(BATCH):
            if cancel is not None and cancel():
                raise TrainingCancelled(f"{images.name}: classifier training cancelled")
            loss = nn.functional.cross_entropy(net.head(net.body(x_train[batch])), y_train[batch])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    net.eval()
    clf = Classifier(net, shape, n_classes, 0.0, 0.0, False)
    clf.accuracy = float((clf.predict_proba(x[test_idx]).argmax(1) == y[test_idx].numpy()).mean())
    clf.train_seconds = time.perf_counter() - start
    if path is not None:
        _save(path, clf)
    return clf
