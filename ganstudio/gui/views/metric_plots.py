"""The metrics panel's plots as one table, and the series and reference values they draw. No
Qt: the view builds and updates its plots from PLOTS."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import numpy as np

from ganstudio.core.snapshot import Snapshot

LOG2 = math.log(2.0)
Series = tuple[np.ndarray, np.ndarray]

# Loss values when D outputs 1/2 everywhere (the equilibrium P_G = P_data), per objective.
LOSS_REFERENCES = {
    "minimax": {"d": (2 * LOG2, "D loss at D = ½: 2 log 2"), "g": (-LOG2, "minimax G loss at D = ½: −log 2")},
    "nonsaturating": {"d": (2 * LOG2, "D loss at D = ½: 2 log 2"), "g": (LOG2, "G loss at D = ½: log 2")},
    "lsgan": {"d": (0.25, "D loss at D = ½: 1/4"), "g": (0.125, "G loss at D = ½: 1/8")},
}
MLE_NAMES = {"kl_mle_gauss": "MLE Gaussian", "kl_mle_gmm": "MLE mixture"}  # on the KL plot: KL(P_data || fit)
MLE_SHORT = {"kl_mle_gauss": "Gaussian", "kl_mle_gmm": "mixture"}


def shorter_forms(text: str) -> tuple[str, ...]:
    """A loss reference's label, then shorter forms for a narrow plot: "at D = ½: 2 log 2", "2 log 2"."""
    head, _, value = text.partition("at D = ½: ")
    return (text, f"at D = ½: {value}", value) if head and value else (text,)


def mle_forms(key: str, value: float) -> tuple[str, ...]:
    """A maximum-likelihood fit's label on the KL plot, then shorter forms."""
    return f"{MLE_NAMES[key]}: {value:.3g}", f"{MLE_SHORT[key]}: {value:.3g}", f"{value:.3g}"


def series(snap: Snapshot, key: str, positive: bool = False) -> Series | None:
    """(steps, values) of `key` from whichever history holds it, without non-finite points."""
    for hist in (snap.history, snap.metric_history):
        if key in hist and "step" in hist:
            x = np.asarray(hist["step"], dtype=float)
            y = np.asarray(hist[key], dtype=float)
            n = min(len(x), len(y))
            x, y = x[:n], y[:n]
            keep = np.isfinite(x) & np.isfinite(y)
            if positive:
                keep &= y > 0
            return x[keep], y[keep]
    return None


def classes_forms(key: str, value: float) -> tuple[str, ...]:
    """The label of the line at the number of classes, then shorter forms."""
    n = round(value)
    return f"all {n} classes", f"{n} classes", f"{n}"


def mode_fraction(snap: Snapshot) -> Series | None:
    """(steps, modes captured / modes total), without non-finite points; None unless both are recorded."""
    if series(snap, "modes_captured") is None or series(snap, "modes_total") is None:
        return None
    hist = snap.metric_history if "modes_captured" in snap.metric_history else snap.history
    c = np.asarray(hist["modes_captured"], dtype=float)
    t = np.asarray(hist["modes_total"], dtype=float)
    x = np.asarray(hist["step"], dtype=float)
    n = min(len(c), len(t), len(x))
    with np.errstate(divide="ignore", invalid="ignore"):
        f = c[:n] / t[:n]
    keep = np.isfinite(f) & np.isfinite(x[:n])
    return x[:n][keep], f[keep]


class Placement(Enum):
    """How a plot's reference labels are placed."""

    CLEAR = "clear"  # where they cover the fewest curve points; each line's spec gives its usual place
    OUTWARD = "outward"  # the same, but the upper line's label usually stands above it and the lower's below
    FREE_SIDE = "free side"  # on the side of its line that its own curve leaves free; the y range grows for it


@dataclass(frozen=True)
class CurveSpec:
    key: str  # the series' key in the snapshot's histories
    name: str  # its legend entry
    colour: str  # a style.COLORS key
    thin: bool = False
    dash: str = "solid"
    short: str | None = None  # a shorter legend entry for a narrow plot
    in_legend: bool = True
    shows_plot: bool = True  # data in this series alone shows the plot
    data: Callable[[Snapshot], Series | None] | None = None  # instead of the series `key`


@dataclass(frozen=True)
class LineSpec:
    """A labelled horizontal reference line."""

    key: str
    colour: str = "reference"
    value: float = 0.0
    forms: tuple[str, ...] = ("",)  # its label, then shorter forms for a narrow plot
    right: bool = False  # the label ends at the plot's right edge (else starts at its left)
    above: bool = True
    shown: bool = True  # False: hidden until a snapshot gives it a value
    curve: str | None = None  # the curve whose free side its label takes (Placement.FREE_SIDE)
    metric: str | None = None  # the snap.metrics entry that gives its value (then shown = False)
    forms_of: Callable[[str, float], tuple[str, ...]] | None = None  # its label forms from (metric, value)


@dataclass(frozen=True)
class PlotSpec:
    name: str
    ylabel: str
    curves: tuple[CurveSpec, ...]
    lines: tuple[LineSpec, ...] = ()
    placement: Placement = Placement.CLEAR
    log_y: bool = False  # log10 y axis between whole decades; its series drop values <= 0
    y_range: tuple[float, float] | None = None  # a fixed y range
    per_step: bool = False  # drawn from snap.history, so redrawn for every snapshot (else with new grid metrics)
    always_shown: bool = False  # shown, empty, before the first step too
    note: bool = False  # a line of text under the plot
    y_unit: str | None = None  # y_range is in multiples of this snap.metrics entry


PLOTS: tuple[PlotSpec, ...] = (
    PlotSpec("loss", "loss", per_step=True, always_shown=True, placement=Placement.FREE_SIDE,
             curves=(CurveSpec("d_loss", "D loss", "d_loss"), CurveSpec("g_loss", "G loss", "g_loss")),
             lines=(LineSpec("d", "d_loss", curve="d_loss"), LineSpec("g", "g_loss", right=True, curve="g_loss"))),
    # JSD with its sampling-noise floor and its ceiling log 2
    PlotSpec("jsd", "nats",
             curves=(CurveSpec("jsd", "JSD(P_data ‖ P_G)", "d_star"),
                     CurveSpec("jsd_floor", "noise floor", "floor", dash="dash", shows_plot=False)),
             lines=(LineSpec("max", value=LOG2, forms=("max: log 2 (disjoint supports)", "max: log 2"),
                             above=False),)),  # JSD runs just under log 2 in a collapse
    # both KL directions (they span orders of magnitude) against the maximum-likelihood fits'
    # KL(P_data || P_MLE), which depend on the data alone
    PlotSpec("kl", "nats", log_y=True, placement=Placement.OUTWARD,
             curves=(CurveSpec("kl_data_g", "KL(P_data ‖ P_G)", "d"),
                     CurveSpec("kl_g_data", "KL(P_G ‖ P_data)", "kl_g_data"),
                     CurveSpec("kl_data_g_floor", "noise floors", "floor", thin=True, dash="dash"),
                     CurveSpec("kl_g_data_floor", "", "floor", thin=True, dash="dot", in_legend=False)),
             lines=(LineSpec("kl_mle_gauss", "mle_gauss", shown=False, metric="kl_mle_gauss", forms_of=mle_forms),
                    LineSpec("kl_mle_gmm", "mle_gmm", shown=False, metric="kl_mle_gmm", forms_of=mle_forms))),
    # the game's value against its bound at D*
    PlotSpec("value", "nats", note=True,
             curves=(CurveSpec("value", "V(G, D) estimated", "value", short="V(G, D)"),
                     CurveSpec("value_bound", "V(G,D*) = −2log2 + 2JSD", "value_bound", dash="dash", short="V(G,D*)")),
             lines=(LineSpec("min", value=-2 * LOG2,
                             forms=("global minimum −2 log 2 (P_G = P_data)", "minimum −2 log 2", "−2 log 2")),)),
    PlotSpec("modes", "fraction", y_range=(-0.03, 1.1),
             curves=(CurveSpec("modes_fraction", "modes captured", "modes", data=mode_fraction),
                     CurveSpec("hq_fraction", "high quality", "hq"))),
    # images: the Fréchet distance between Gaussians fitted to a classifier's features of generated
    # and of real images, against the same distance between two halves of the real set (what
    # sampling alone gives); it spans decades as training goes. The floor's label stands under it,
    # where the curve, which approaches it from above, leaves room
    PlotSpec("fid", "FID", log_y=True,
             curves=(CurveSpec("fid", "FID (classifier features)", "d_star", short="FID"),),
             lines=(LineSpec("fid_floor", "floor", above=False, shown=False, metric="fid_floor",
                             forms=("floor: two halves of the real set", "floor: real-set halves", "floor")),)),
    # images: KL(generated || real) of the classes the classifier assigns, beside what as many real
    # images drawn at random give (the sampling-noise floor)
    PlotSpec("class_kl", "nats", log_y=True,
             curves=(CurveSpec("class_kl", "KL(generated ‖ real) of class frequencies", "kl_g_data",
                               short="class KL"),
                     CurveSpec("class_kl_floor", "noise floor", "floor", dash="dash", shows_plot=False))),
    # images: classes the classifier finds in the generated samples, of all the real set's classes
    PlotSpec("classes", "classes", y_range=(-0.05, 1.3), y_unit="classes_total",
             curves=(CurveSpec("classes_covered", "classes covered", "modes"),),
             lines=(LineSpec("classes_total", shown=False, metric="classes_total", forms_of=classes_forms),)),
    PlotSpec("grad", "‖∇‖ (log)", log_y=True, per_step=True, always_shown=True,
             curves=(CurveSpec("g_grad_norm", "‖∇θ G loss‖", "grad"), CurveSpec("d_grad_norm", "‖∇ D loss‖", "d", thin=True))),
)

PLOTS_BY_NAME = {spec.name: spec for spec in PLOTS}


def curve_series(plot: PlotSpec, curve: CurveSpec, snap: Snapshot) -> Series | None:
    """What `curve` of `plot` draws from `snap`: finite points only, and above 0 on a log axis."""
    return curve.data(snap) if curve.data is not None else series(snap, curve.key, positive=plot.log_y)


def applies(plot: PlotSpec, snap: Snapshot) -> bool:
    """Whether `snap` holds a point of one of the curves that show `plot`."""
    for c in plot.curves:
        if c.shows_plot:
            data = curve_series(plot, c, snap)
            if data is not None and len(data[0]):
                return True
    return False


def line_value(plot: PlotSpec, line: LineSpec, snap: Snapshot) -> float | None:
    """The value of a line drawn at a snapshot metric; None where the snapshot has none that the
    axis can show (missing, not finite, or not above 0 on a log axis)."""
    value = snap.metrics.get(line.metric) if line.metric is not None else None
    if value is None or not math.isfinite(value) or (plot.log_y and value <= 0):
        return None
    return float(value)


def y_range_of(plot: PlotSpec, snap: Snapshot) -> tuple[float, float] | None:
    """The plot's fixed y range, scaled by its y_unit metric where it has one (None while the
    snapshot lacks a finite, positive unit)."""
    if plot.y_range is None or plot.y_unit is None:
        return plot.y_range
    unit = snap.metrics.get(plot.y_unit)
    if unit is None or not math.isfinite(unit) or unit <= 0:
        return None
    return plot.y_range[0] * unit, plot.y_range[1] * unit

__all__ = [
    "LOG2",
    "LOSS_REFERENCES",
    "MLE_NAMES",
    "MLE_SHORT",
    "PLOTS",
    "PLOTS_BY_NAME",
    "CurveSpec",
    "LineSpec",
    "Placement",
    "PlotSpec",
    "Series",
    "applies",
    "classes_forms",
    "curve_series",
    "line_value",
    "mle_forms",
    "mode_fraction",
    "series",
    "shorter_forms",
    "y_range_of",
]
