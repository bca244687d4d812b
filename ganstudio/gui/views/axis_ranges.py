"""The metric plots' axis ranges and ticks, as plain numbers: the step range's jumps and the
whole decades a log axis shows and labels. No Qt."""

from __future__ import annotations

import math
from collections.abc import Iterable

EMPTY_DECADES = (-2, 0)  # the decades a log plot shows before it has data
DECADE_PADDING = 0.1  # a log plot shows this share of its decades beyond each end, for the end labels
LABEL_SPACING_PX = 20  # a log axis labels a decade only every this many pixels: tick labels never overlap

Ticks = list[list[tuple[float, str]]]


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that is >= x (x > 0)."""
    k = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10.0 ** k >= x * (1 - 1e-12):
            return m * 10.0 ** k
    return 10.0 ** (k + 1)


def decade_span(lows: Iterable[float], highs: Iterable[float]) -> tuple[int, int] | None:
    """The whole decades (log10 exponents, at least one decade apart) that hold every value
    from the least of `lows` to the greatest of `highs` (all > 0); None without values."""
    lows, highs = list(lows), list(highs)
    if not lows:
        return None
    lo, hi = math.floor(math.log10(min(lows))), math.ceil(math.log10(max(highs)))
    return lo, hi if hi > lo else lo + 1


def room_below(span: tuple[int, int], levels: Iterable[float], need_px: float, height: float,
               padding: float = DECADE_PADDING, most: int = 3) -> tuple[int, int]:
    """`span` with its lowest decade lowered (by at most `most`) until each of `levels` (log10)
    has `need_px` pixels below it, on a plot `height` pixels tall that shows the span with
    `padding` of it added at each end. A height of 0 or less (not laid out yet) changes nothing."""
    lo, hi = span
    levels = list(levels)
    for _ in range(most):
        d = hi - lo
        px = height / (d * (1 + 2 * padding))  # pixels per decade
        if height <= 0 or all((v - lo + padding * d) * px >= need_px for v in levels):
            break
        lo -= 1
    return lo, hi


def decade_ticks(span: tuple[int, int], height: float) -> Ticks:
    """Major and minor ticks for a log10 axis from 10^span[0] to 10^span[1] that is `height`
    pixels tall: the lowest decade and every step-th decade labelled, no two labels closer than
    LABEL_SPACING_PX; unlabelled ticks at 2..9 x 10^k, and 2x and 5x labelled too on a range of
    three decades or fewer that has room for three labels a decade. A height of 0 or less (a plot
    not laid out yet) counts as room for six labels."""
    room = max(2, int(height // LABEL_SPACING_PX)) if height > 0 else 6
    decades = range(span[0], span[1] + 1)
    step = max(1, math.ceil((len(decades) - 1) / (room - 1)))  # the lowest and the highest, at least
    major = [(k, f"{10.0 ** k:g}") for k in decades if (k - span[0]) % step == 0]
    inside = [(k, m) for k in decades for m in range(2, 10) if k + math.log10(m) < span[1]]
    label = len(decades) <= 3 and 3 * (len(decades) - 1) <= room - 1
    minor = [(k + math.log10(m), f"{m * 10.0 ** k:g}" if label and m in (2, 5) else "") for k, m in inside]
    return [major, minor]


__all__ = ["DECADE_PADDING", "EMPTY_DECADES", "LABEL_SPACING_PX", "decade_span", "decade_ticks", "nice_ceiling",
           "room_below"]
