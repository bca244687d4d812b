"""Handwriting-like 28 x 28 digits drawn from stroke templates with numpy alone.

Each digit has one or more style variants. A variant is a set of strokes through control points in
glyph units (height 1, centred on the origin, y up): a stroke is either a polyline (sharp corners) or a
Catmull-Rom curve through its points (open or closed). Strokes that share a point share its jitter, so
joints stay joined. Per image: every control point is jittered, the glyph gets a random affine map
(scale, aspect, slant, rotation, translation) and a random pen width, and each pixel's intensity follows
from its distance to the nearest stroke segment, with a one-pixel linear ramp at the edge (anti-aliasing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIZE = 28
GLYPH_PX = 19.0  # glyph height in pixels at scale 1
JITTER = 0.03  # standard deviation of each control point's jitter, in glyph heights
SCALE = (0.85, 1.1)
ASPECT = (0.8, 1.2)  # width multiplier
SLANT = (-0.15, 0.35)  # x += slant * y; handwriting leans right far more often than left
ROTATION_DEG = (-10.0, 10.0)
SHIFT_PX = 1.5
WIDTH_PX = (1.7, 3.4)
CURVE_SAMPLES = 2  # segments per span between two control points of a curve
CHUNK = 256  # images rasterised together: small enough that the work arrays stay in cache

Point = tuple[float, float]


@dataclass(frozen=True)
class Stroke:
    points: tuple[Point, ...]
    kind: str  # "line" (polyline), "curve" (open Catmull-Rom) or "loop" (closed Catmull-Rom)


@dataclass(frozen=True)
class Variant:
    """A compiled style: `points` K x 2 control points, `basis` P x K maps them to the P sampled points
    along the strokes, and segment s runs from sampled point `start[s]` to `end[s]`."""

    points: np.ndarray
    basis: np.ndarray
    start: np.ndarray
    end: np.ndarray


def line(*points: Point) -> Stroke:
    return Stroke(tuple(points), "line")


def curve(*points: Point) -> Stroke:
    return Stroke(tuple(points), "curve")


def loop(*points: Point) -> Stroke:
    return Stroke(tuple(points), "loop")


def ellipse(cx: float, cy: float, rx: float, ry: float, start_deg: float, stop_deg: float,
            count: int) -> list[Point]:
    """`count` points on an ellipse from start_deg to stop_deg (counter-clockwise when stop > start)."""
    angles = np.radians(np.linspace(start_deg, stop_deg, count))
    return [(round(cx + rx * float(np.cos(a)), 4), round(cy + ry * float(np.sin(a)), 4)) for a in angles]


def _templates() -> dict[int, list[list[Stroke]]]:
    """The style variants of every digit, as strokes in glyph units (x about -0.3..0.3, y -0.5..0.5)."""
    nine_loop = ellipse(0.0, 0.22, 0.24, 0.26, 0.0, 360.0, 9)[:-1]
    six_loop = ellipse(-0.01, -0.24, 0.24, 0.25, 180.0, 540.0, 9)[:-1]
    return {
        0: [
            [loop(*ellipse(0.0, 0.0, 0.27, 0.48, 90.0, 450.0, 11)[:-1])],
            [curve(*ellipse(0.0, 0.0, 0.22, 0.49, 75.0, 470.0, 12))],
        ],
        1: [
            [line((0.02, 0.5), (-0.02, -0.5))],
            [line((-0.17, 0.3), (0.03, 0.5), (0.0, -0.5))],
            [line((-0.17, 0.3), (0.03, 0.5), (0.0, -0.5)), line((-0.17, -0.5), (0.17, -0.5))],
        ],
        2: [
            [curve((-0.25, 0.27), (-0.12, 0.44), (0.08, 0.49), (0.24, 0.34), (0.2, 0.09), (0.0, -0.17),
                   (-0.28, -0.5)),
             line((-0.28, -0.5), (0.3, -0.49))],
            [curve((-0.26, 0.3), (-0.05, 0.49), (0.18, 0.43), (0.24, 0.24)),
             line((0.24, 0.24), (-0.27, -0.48), (0.31, -0.48))],
            [curve((-0.24, 0.28), (-0.08, 0.47), (0.14, 0.47), (0.24, 0.29), (0.15, 0.04), (-0.08, -0.22),
                   (-0.26, -0.42), (-0.16, -0.5), (0.0, -0.41), (0.12, -0.45), (0.3, -0.5))],
        ],
        3: [
            [curve((-0.25, 0.37), (-0.06, 0.5), (0.16, 0.46), (0.22, 0.27), (0.1, 0.07), (-0.07, 0.02)),
             curve((-0.07, 0.02), (0.16, -0.05), (0.25, -0.26), (0.12, -0.46), (-0.12, -0.5), (-0.28, -0.37))],
            [line((-0.25, 0.49), (0.24, 0.49), (-0.03, 0.1)),
             curve((-0.03, 0.1), (0.18, 0.0), (0.25, -0.24), (0.12, -0.45), (-0.12, -0.5), (-0.28, -0.38))],
        ],
        4: [
            [line((-0.2, 0.5), (-0.27, -0.07), (0.3, -0.07)), line((0.15, 0.42), (0.15, -0.5))],
            [line((0.15, 0.5), (-0.3, -0.12), (0.3, -0.12)), line((0.15, 0.5), (0.15, -0.5))],
        ],
        5: [
            [line((0.24, 0.5), (-0.18, 0.5), (-0.23, 0.07)),
             curve((-0.23, 0.07), (0.0, 0.15), (0.21, 0.03), (0.25, -0.24), (0.1, -0.46), (-0.14, -0.49),
                   (-0.28, -0.36))],
            [line((-0.17, 0.49), (-0.22, 0.04)),
             curve((-0.22, 0.04), (0.02, 0.13), (0.22, -0.02), (0.23, -0.27), (0.05, -0.49), (-0.25, -0.42)),
             line((-0.17, 0.49), (0.25, 0.53))],
        ],
        6: [
            [curve((0.2, 0.5), (-0.04, 0.36), (-0.19, 0.12), (-0.25, -0.18), (-0.13, -0.45), (0.09, -0.48),
                   (0.24, -0.3), (0.2, -0.1), (0.01, -0.02), (-0.2, -0.13))],
            [line((0.14, 0.5), (-0.25, -0.24)), loop(*six_loop)],
        ],
        7: [
            [line((-0.27, 0.5), (0.28, 0.5), (-0.06, -0.5))],
            [line((-0.27, 0.5), (0.28, 0.5), (-0.06, -0.5)), line((-0.07, 0.02), (0.24, 0.02))],
            [line((-0.27, 0.5), (0.28, 0.5)),
             curve((0.28, 0.5), (0.12, 0.15), (0.01, -0.17), (-0.04, -0.5))],
        ],
        8: [
            [loop(*ellipse(0.0, 0.26, 0.2, 0.22, -90.0, 270.0, 9)[:-1]),
             loop(*ellipse(0.0, -0.23, 0.25, 0.27, 90.0, 450.0, 9)[:-1])],
            [loop((0.18, 0.4), (0.0, 0.49), (-0.19, 0.4), (-0.15, 0.16), (0.13, -0.07), (0.25, -0.3),
                  (0.05, -0.49), (-0.21, -0.38), (-0.19, -0.14), (0.14, 0.1), (0.22, 0.27))],
        ],
        9: [
            [loop(*nine_loop), line((0.24, 0.22), (0.2, -0.5))],
            [loop(*nine_loop), curve((0.24, 0.22), (0.22, -0.12), (0.1, -0.4), (-0.12, -0.5), (-0.25, -0.4))],
        ],
    }


def _catmull_rom(count: int, closed: bool) -> np.ndarray:
    """Matrix mapping `count` control points to the points of a uniform Catmull-Rom curve through them."""
    spans = count if closed else count - 1
    t = np.arange(CURVE_SAMPLES) / CURVE_SAMPLES
    weights = 0.5 * np.stack([-t ** 3 + 2 * t ** 2 - t, 3 * t ** 3 - 5 * t ** 2 + 2,
                              -3 * t ** 3 + 4 * t ** 2 + t, t ** 3 - t ** 2], axis=1)
    # The phantom points before the first and after the last control point of an open curve are
    # reflections: P[-1] = 2 P[0] - P[1] and P[n] = 2 P[n-1] - P[n-2].
    def neighbour(i: int) -> np.ndarray:
        row = np.zeros(count)
        if closed:
            row[i % count] = 1.0
        elif i < 0:
            row[0], row[1] = 2.0, -1.0
        elif i >= count:
            row[count - 1], row[count - 2] = 2.0, -1.0
        else:
            row[i] = 1.0
        return row

    rows = []
    for span in range(spans):
        around = np.stack([neighbour(span - 1), neighbour(span), neighbour(span + 1), neighbour(span + 2)])
        rows.append(weights @ around)
    end = np.zeros((1, count))
    end[0, 0 if closed else count - 1] = 1.0
    return np.concatenate(rows + [end])


def compile_variant(strokes: list[Stroke]) -> Variant:
    """Turn strokes into shared control points, a sampling basis and the segment list."""
    index: dict[Point, int] = {}
    for stroke in strokes:
        for p in stroke.points:
            index.setdefault(p, len(index))
    k = len(index)
    blocks: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    offset = 0
    for stroke in strokes:
        pick = np.zeros((len(stroke.points), k))
        pick[np.arange(len(stroke.points)), [index[p] for p in stroke.points]] = 1.0
        if stroke.kind == "line":
            sampled = pick
        else:
            sampled = _catmull_rom(len(stroke.points), stroke.kind == "loop") @ pick
        blocks.append(sampled)
        starts.append(offset + np.arange(len(sampled) - 1))
        offset += len(sampled)
    start = np.concatenate(starts)
    return Variant(points=np.array(list(index), dtype=np.float64), basis=np.concatenate(blocks),
                   start=start, end=start + 1)


VARIANTS: dict[int, tuple[Variant, ...]] = {
    digit: tuple(compile_variant(strokes) for strokes in styles) for digit, styles in _templates().items()
}


def rasterise(a: np.ndarray, b: np.ndarray, width: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Images n x size x size in [0, 1] of the segments a[i, s] -> b[i, s] (pixel units, n x S x 2,
    x right, y down) drawn with pen width `width[i]` pixels.

    The distance of a pixel centre to segment s splits into its perpendicular part and the part beyond
    either end along the segment; both are sums of a row term and a column term, so each is built from
    size x n vectors and only the sum and the minimum over segments are size x size x n (images last,
    so that every inner loop runs over a contiguous run of images).
    """
    n, segments = a.shape[:2]
    a = np.ascontiguousarray(a.transpose(1, 2, 0), dtype=np.float32)  # S x 2 x n
    b = np.ascontiguousarray(b.transpose(1, 2, 0), dtype=np.float32)
    centres = (np.arange(size, dtype=np.float32) + 0.5)[:, None]
    out = np.empty((n, size, size), dtype=np.float32)
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        best = np.full((size, size, hi - lo), np.inf, dtype=np.float32)
        along = np.empty_like(best)
        beyond = np.empty_like(best)
        perp = np.empty_like(best)
        for s in range(segments):
            ax, ay = a[s, 0, lo:hi], a[s, 1, lo:hi]
            dx, dy = b[s, 0, lo:hi] - ax, b[s, 1, lo:hi] - ay
            length = np.sqrt(dx * dx + dy * dy)
            # A zero-length segment gets the direction (1, 0), so that it draws a dot.
            point = length < 1e-6
            ux = np.where(point, 1.0, dx / np.where(point, 1.0, length)).astype(np.float32)
            uy = np.where(point, 0.0, dy / np.where(point, 1.0, length)).astype(np.float32)
            half_length = 0.5 * length
            x, y = centres - ax, centres - ay  # size x m: column and row offsets from the start point
            # `along` is measured from the segment's midpoint, so |along| - L/2 > 0 only beyond an end.
            np.add((x * ux - half_length)[None], (y * uy)[:, None], out=along)
            np.subtract((x * uy)[None], (y * ux)[:, None], out=perp)
            np.abs(along, out=beyond)
            np.subtract(beyond, half_length, out=beyond)
            np.maximum(beyond, 0.0, out=beyond)
            np.multiply(beyond, beyond, out=beyond)
            np.multiply(perp, perp, out=perp)
            np.add(beyond, perp, out=beyond)
            np.minimum(best, beyond, out=best)
        np.sqrt(best, out=best)
        np.subtract((0.5 * width[lo:hi] + 0.5).astype(np.float32), best, out=best)
        np.clip(best, 0.0, 1.0, out=best)
        out[lo:hi] = best.transpose(2, 0, 1)
    return out


def affine(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random maps from glyph units (y up) to pixel coordinates (y down): n x 2 x 2 matrices and n x 2 shifts."""
    scale = GLYPH_PX * rng.uniform(*SCALE, n)
    aspect = rng.uniform(*ASPECT, n)
    slant = rng.uniform(*SLANT, n)
    angle = np.radians(rng.uniform(*ROTATION_DEG, n))
    shift = rng.uniform(-SHIFT_PX, SHIFT_PX, (n, 2))
    cos, sin = np.cos(angle), np.sin(angle)
    rotate = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    shape = np.zeros((n, 2, 2))
    shape[:, 0, 0] = aspect * scale
    shape[:, 0, 1] = slant * scale
    shape[:, 1, 1] = scale
    flip = np.diag([1.0, -1.0])
    matrix = flip @ rotate @ shape
    return matrix, SIZE / 2 + shift


def draw_digits(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """float32 images len(labels) x SIZE x SIZE in [0, 1], one handwriting-like drawing of each label."""
    n = len(labels)
    style = rng.random(n)
    matrix, shift = affine(n, rng)
    width = rng.uniform(*WIDTH_PX, n)
    images = np.empty((n, SIZE, SIZE), dtype=np.float32)
    for digit, variants in VARIANTS.items():
        of_digit = labels == digit
        choice = np.minimum((style * len(variants)).astype(np.int64), len(variants) - 1)
        for v, variant in enumerate(variants):
            rows = np.flatnonzero(of_digit & (choice == v))
            if rows.size == 0:
                continue
            # The jitter is drawn per variant group, in a fixed order, so a seed fixes every image.
            points = variant.points + rng.normal(0.0, JITTER, (rows.size, *variant.points.shape))
            m, t = matrix[rows, None], shift[rows, None]
            placed = np.stack([m[..., 0, 0] * points[..., 0] + m[..., 0, 1] * points[..., 1] + t[..., 0],
                               m[..., 1, 0] * points[..., 0] + m[..., 1, 1] * points[..., 1] + t[..., 1]], -1)
            sampled = np.einsum("pk,nkd->npd", variant.basis, placed).astype(np.float32)
            images[rows] = rasterise(sampled[:, variant.start], sampled[:, variant.end], width[rows])
    return images
