"""An image run measured: the FID and class metrics from a classifier trained on the real set, the
PCA picture of P_G against P_data, and D's scores on real and generated images."""

from __future__ import annotations

import numpy as np
import torch

from ..arrays import frozen
from ..frames import Scaling
from ..grid_measure import MeasuredNets
from ..models import sample_noise
from .classifier import train_classifier
from .distribution import ImageDistribution
from .download import cache_dir
from .frame import ImageMeasurement
from .image_metrics import EVAL_SAMPLES, ImageEvaluator
from .imageset import ImageSet
from .projection import Projection, density_grid

IMAGE_VIEW_SAMPLES = 64  # the generated grid: 8 x 8 images from fixed noise
INTERPOLATION_STEPS = 10
PROJECTED = 1000  # images of each set in the PCA picture and in D's score histograms
DENSITY_CELLS = 64
EVAL_SEED = 2024
CHUNK = 500  # images per network call when measuring
# Real images behind the real side of the FID, the class frequencies and the PCA picture: a seeded
# subsample of larger sets, so the first measurement of a 60,000-image set takes seconds, not minutes.
REAL_SAMPLE = 5000


@torch.no_grad()
def generate(G: torch.nn.Module, scaling: Scaling, z: torch.Tensor) -> np.ndarray:
    """G(z) as images in [0, 1] on the host; G in eval mode, so batch norm uses its running statistics
    and the measurement leaves them untouched."""
    was_training = G.training
    G.eval()
    try:
        out = torch.cat([scaling.to_data(G(chunk)) for chunk in z.split(CHUNK)])
    finally:
        G.train(was_training)
    return out.clamp(0.0, 1.0).cpu().numpy()


def draw_images(G: torch.nn.Module, scaling: Scaling, fixed_z: torch.Tensor,
                line_z: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """(the generated grid, the interpolation strip) as read-only arrays, in one generator call."""
    both = generate(G, scaling, torch.cat([fixed_z, line_z]))
    return frozen(both[: len(fixed_z)]), frozen(both[len(fixed_z):])


def real_subsample(images: ImageSet, n: int, seed: int) -> ImageSet:
    """At most `n` of the images (and their labels), drawn without replacement, the same for a seed."""
    if images.n <= n:
        return images
    idx = np.sort(np.random.default_rng(seed).choice(images.n, size=n, replace=False))
    labels = None if images.labels is None else images.labels[idx]
    return ImageSet(images.images[idx], labels, images.name, images.class_names)


class ImageMeasurer:
    """Measures a generator and discriminator against one image set. The classifier, the projection
    and the real set's side of every metric are made on the first measurement (training the
    classifier once per data set; it is cached on disk by the data's content hash)."""

    def __init__(self, dist: ImageDistribution, eval_samples: int = EVAL_SAMPLES) -> None:
        self.dist = dist
        self.eval_samples = eval_samples
        self._ready: dict | None = None

    def _prepare(self) -> dict:
        if self._ready is None:
            images = self.dist.images
            sample = real_subsample(images, REAL_SAMPLE, seed=EVAL_SEED)
            evaluator = None
            notes = []
            if images.labels is not None and images.n_classes >= 2:
                clf = train_classifier(images, seed=0, cache=cache_dir() / "classifiers")
                evaluator = ImageEvaluator(clf, sample, n_samples=self.eval_samples)
            else:
                notes.append("this image set has no labels, so FID and the class metrics are not measured")
            projection = Projection.fit(sample, seed=0)
            real = self.dist.reference_samples(PROJECTED, seed=EVAL_SEED)
            real_xy = projection.project(real)
            lo, hi = np.percentile(projection.project(sample.images), [0.5, 99.5], axis=0)
            pad = 0.25 * (hi - lo)
            extent = (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1]))
            _, _, real_density = density_grid(real_xy, extent, DENSITY_CELLS)
            self._ready = {"evaluator": evaluator, "projection": projection, "real": real,
                           "real_xy": frozen(real_xy), "extent": extent, "real_density": frozen(real_density),
                           "notes": notes}
        return self._ready

    def measure(self, nets: MeasuredNets) -> dict:
        ready = self._prepare()
        cfg = nets.config
        g = torch.Generator(device=nets.device).manual_seed(EVAL_SEED)
        z = sample_noise(self.eval_samples, cfg.noise_dim, cfg.noise, g)
        fake = generate(nets.shown_generator, nets.scaling, z)
        notes = list(ready["notes"])
        metrics: dict[str, float] = {}
        evaluator: ImageEvaluator | None = ready["evaluator"]
        n_classes = self.dist.images.n_classes
        fake_freq = real_freq = np.zeros(n_classes)
        accuracy = float("nan")
        if evaluator is not None:
            found = evaluator.evaluate(fake)
            metrics = {k: float(found[k]) for k in ("classes_covered", "class_kl", "class_kl_floor", "fid", "fid_floor")}
            metrics["classes_total"] = float(n_classes)
            fake_freq, real_freq = np.asarray(found["class_freq"]), np.asarray(found["real_class_freq"])
            accuracy = evaluator.classifier.accuracy
        fake_xy = ready["projection"].project(fake[:PROJECTED])
        _, _, fake_density = density_grid(fake_xy, ready["extent"], DENSITY_CELLS)
        with torch.no_grad():
            d_real = self._d_scores(nets, ready["real"])
            d_fake = self._d_scores(nets, fake[:PROJECTED])
        names = self.dist.images.class_names or tuple(str(i) for i in range(n_classes))
        measured = ImageMeasurement(
            step=nets.step_count, real_xy=ready["real_xy"], fake_xy=frozen(fake_xy), extent=ready["extent"],
            real_density=ready["real_density"], fake_density=frozen(fake_density), class_names=tuple(names),
            real_class_freq=frozen(real_freq, np.float64), fake_class_freq=frozen(fake_freq, np.float64),
            d_real=frozen(d_real), d_fake=frozen(d_fake), classifier_accuracy=accuracy)
        if not cfg.uses_probability:
            notes.append(f"{cfg.loss}: D is a critic/score, not a probability; its scores are shown as they are")
        return {"step": nets.step_count, "metrics": metrics, "images": measured, "notes": notes}

    @staticmethod
    def _d_scores(nets: MeasuredNets, images: np.ndarray) -> np.ndarray:
        """D on `images` (in [0, 1]): a probability for the log losses, the raw score otherwise."""
        x = torch.as_tensor(np.ascontiguousarray(images), dtype=torch.float32, device=nets.device)
        was_training = nets.D.training
        nets.D.eval()
        try:
            out = torch.cat([nets.D(nets.scaling.to_net(chunk)) for chunk in x.split(CHUNK)])
        finally:
            nets.D.train(was_training)
        return (torch.sigmoid(out) if nets.config.uses_probability else out).cpu().numpy()
