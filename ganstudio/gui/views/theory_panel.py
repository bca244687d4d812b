"""The seed article's chain of definitions, each with the live value substituted.

Every number comes from snap.metrics. Where a line states an identity (cross-entropy
= entropy + KL; V(G, D*) = -2 log 2 + 2 JSD), the numbers are printed with just
enough decimals that the printed terms add up to the printed total, so a class can
check the sum by hand; if the estimates themselves disagree, the gap is printed.
"""

from __future__ import annotations

import html
import math
from decimal import Decimal

import numpy as np

from PySide6.QtWidgets import (
    QButtonGroup, QHBoxLayout, QLabel, QRadioButton, QTextBrowser, QToolButton, QVBoxLayout, QWidget,
)

from ganstudio.core.snapshot import Snapshot

from . import style

LN2 = math.log(2.0)
DIGITS = 3
MAX_DIGITS = 7
BASE_POINT_SIZE = 17
FORMULA_FONT = "'DejaVu Serif', 'Cambria Math', 'Times New Roman', serif"
FORMULA_STYLE = (f"font-family: {FORMULA_FONT}; font-style: italic; background-color: #f1f4f8; "
                 "margin-left: 12px; margin-right: 12px")


def fmt(value: float, digits: int = DIGITS) -> str:
    """A number as printed on the panel, with a true minus sign."""
    text = f"{value:.{digits}f}"
    if text.startswith("-"):
        text = "−" + text[1:]
    return text


def sum_digits(total: float, terms: list[tuple[int, float]]) -> tuple[int, float]:
    """Fewest decimals (>= DIGITS) at which sum(coef * rounded term) equals the rounded total.

    Returns (digits, gap): gap is 0 when the printed identity adds up, else the
    difference total - sum(terms) that the estimates really have.
    """
    for d in range(DIGITS, MAX_DIGITS + 1):
        printed = sum(Decimal(coef) * Decimal(f"{v:.{d}f}") for coef, v in terms)
        if printed == Decimal(f"{total:.{d}f}"):
            return d, 0.0
    return DIGITS, total - sum(coef * v for coef, v in terms)


class TheoryPanel(QWidget):
    """Rich text in a QTextBrowser, large type, with a nats / bits switch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snap: Snapshot | None = None
        self._html = ""
        f = self.font()
        f.setPointSize(max(f.pointSize(), 12))
        self.setFont(f)

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 2)
        bar.addWidget(QLabel("Units:"))
        self.nats = QRadioButton("nats (ln)")
        self.bits = QRadioButton("bits (log₂)")
        self.nats.setToolTip("Natural logarithms, as the trainer computes them.")
        self.bits.setToolTip("Every information quantity divided by ln 2.")
        self.nats.setChecked(True)
        self.units = QButtonGroup(self)
        self.units.addButton(self.nats)
        self.units.addButton(self.bits)
        self.units.buttonToggled.connect(self._rerender)
        bar.addWidget(self.nats)
        bar.addWidget(self.bits)
        bar.addStretch(1)
        self.step_label = QLabel(self)
        bar.addWidget(self.step_label)
        bar.addSpacing(12)
        self.smaller = QToolButton(text="A−", toolTip="Smaller text")
        self.larger = QToolButton(text="A+", toolTip="Larger text (for a projector)")
        self.smaller.clicked.connect(lambda: self.set_point_size(self.point_size - 2))
        self.larger.clicked.connect(lambda: self.set_point_size(self.point_size + 2))
        bar.addWidget(self.smaller)
        bar.addWidget(self.larger)

        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.setStyleSheet(f"QTextBrowser {{ background: {style.BACKGROUND}; color: {style.FOREGROUND}; }}")
        self.point_size = BASE_POINT_SIZE
        self.set_point_size(BASE_POINT_SIZE)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.browser, 1)
        self.clear()

    # ------------------------------------------------------------------
    def set_point_size(self, size: int) -> None:
        self.point_size = max(9, min(40, int(size)))
        f = self.browser.font()
        f.setPointSize(self.point_size)
        self.browser.setFont(f)
        self.browser.document().setDefaultFont(f)

    def in_bits(self) -> bool:
        return self.bits.isChecked()

    def set_bits(self, on: bool) -> None:
        (self.bits if on else self.nats).setChecked(True)

    def text(self) -> str:
        return self.browser.toPlainText()

    def _rerender(self, *_args) -> None:
        if self._snap is not None:
            self.show_snapshot(self._snap)

    def show_snapshot(self, snap: Snapshot) -> None:
        self._snap = snap
        self.step_label.setText(f"step {snap.step}")
        page = render_html(snap, self.in_bits())
        if page == self._html:
            return
        self._html = page
        bar = self.browser.verticalScrollBar()
        pos = bar.value()
        self.browser.setHtml(page)
        bar.setValue(pos)

    def clear(self) -> None:
        self._snap = None
        self._html = ""
        self.step_label.setText("")
        self.browser.setHtml(f"<p style='color:{style.FOREGROUND}'>No training snapshot yet: press Play or Step.</p>")


# ---------------------------------------------------------------------------
class _Values:
    """Metrics in the chosen unit, and why a missing one is missing."""

    def __init__(self, snap: Snapshot, bits: bool):
        self.snap, self.bits = snap, bits
        self.scale = 1.0 / LN2 if bits else 1.0
        self.unit = "bits" if bits else "nats"
        self.log = "log₂" if bits else "ln"

    def get(self, key: str) -> float | None:
        v = self.snap.metrics.get(key)
        if v is None or not math.isfinite(v):
            return None
        return float(v) * self.scale

    def missing(self, key: str) -> str:
        v = self.snap.metrics.get(key)
        if v is not None and not math.isfinite(v):
            return f"n/a (the estimate is {v})"
        for note in self.snap.notes:
            if key in note:
                return f"n/a ({html.escape(note)})"
        if key == "value" and self.snap.critic:
            return (f"n/a (loss = {self.snap.config.loss} trains D as a critic: its output is a score, "
                    "not a probability, so log D(x) is undefined)")
        if key.startswith("kl_mle"):
            return "n/a (no maximum-likelihood fit for this data)"
        return "n/a (not computed for this distribution)"

    def show(self, key: str, digits: int = DIGITS) -> str:
        """The value with its unit, or why there is none."""
        v = self.get(key)
        return f"{_num(fmt(v, digits))} {self.unit}" if v is not None else _na(self.missing(key))


def _num(text: str) -> str:
    return f"<b style='color:{style.COLORS['d']}'>{text}</b>"


def _na(text: str) -> str:
    return f"<span style='color:#8a3b12'>{text}</span>"


def _formula(text: str) -> str:
    return f'<p style="{FORMULA_STYLE}">{text}</p>'


def _section(number: int, title: str, formula: str, lines: list[str], why: str = "") -> str:
    body = "".join(f"<p style='margin-left:18px'>{line}</p>" for line in lines)
    explain = f"<p style='margin-left:18px; color:#555555'>{why}</p>" if why else ""
    return f"<h3>{number}. {title}</h3>{_formula(formula)}{body}{explain}"


def _floor(v: _Values, key: str) -> str:
    """", sampling-noise floor x": what the same estimator reports for a perfect generator."""
    x = v.get(key)
    return f" (sampling-noise floor {_num(fmt(x))} {v.unit})" if x is not None else ""


def _cross_entropy_line(v: _Values) -> str:
    ce, h, kl = v.get("cross_entropy"), v.get("entropy_data"), v.get("kl_data_g")
    if ce is None or h is None or kl is None:
        missing = [k for k, x in (("cross_entropy", ce), ("entropy_data", h), ("kl_data_g", kl)) if x is None]
        return f"H(P<sub>data</sub>, P<sub>G</sub>) = {v.show('cross_entropy')} " + _na(
            f"(identity not shown: {', '.join(missing)} missing)")
    d, gap = sum_digits(ce, [(1, h), (1, kl)])
    line = (f"H(P<sub>data</sub>, P<sub>G</sub>) = {_num(fmt(ce, d))} = H(P<sub>data</sub>) {_num(fmt(h, d))} "
            f"+ KL {_num(fmt(kl, d))} {v.unit}")
    if gap:
        line += _na(f" (the estimates differ by {fmt(gap, MAX_DIGITS)})")
    return line


def _bound_line(v: _Values) -> str:
    vb, jsd = v.get("value_bound"), v.get("jsd")
    two_log2 = 2 * LN2 * v.scale
    if vb is None or jsd is None:
        return f"V(G, D*) = {v.show('value_bound')}"
    d, gap = sum_digits(vb, [(1, -two_log2), (2, jsd)])
    line = (f"V(G, D*) = {_num(fmt(vb, d))} = −2 log 2 ({fmt(-two_log2, d)}) + 2 × JSD {_num(fmt(jsd, d))} "
            f"{v.unit}")
    if gap:
        line += _na(f" (the estimates differ by {fmt(gap, MAX_DIGITS)})")
    return line


def _mean_line(name: str, scores) -> str:
    v = np.asarray(scores, dtype=float).ravel()
    v = v[np.isfinite(v)]
    return f"{name} = {_num(fmt(float(v.mean())))}" if v.size else f"{name} = " + _na("n/a (no finite scores)")


def _fid_line(snap: Snapshot) -> str:
    fid, floor = snap.metrics.get("fid"), snap.metrics.get("fid_floor")
    if fid is None or not math.isfinite(fid):
        return "FID = " + _na(_missing_image_metric(snap))
    line = f"FID = {_num(fmt(fid, 2))}"
    if floor is not None and math.isfinite(floor):
        line += (f" against its floor {_num(fmt(floor, 2))}: the FID between two halves of the real set, "
                 "what a perfect generator would score with this many samples")
    return line


def _missing_image_metric(snap: Snapshot) -> str:
    """Why a classifier metric is missing: the note that says so, or no measurement yet."""
    for note in snap.notes:
        if "FID" in note or "class" in note:
            return f"n/a ({html.escape(note)})"
    return "n/a (not measured yet)"


def render_image_html(snap: Snapshot, bits: bool = False) -> str:
    """The image case: which of the toy case's quantities cannot be computed, and what stands in for them."""
    v = _Values(snap, bits)
    m = snap.images.measured if snap.images is not None else None
    parts = [
        f"<h3>The mathematics of this GAN, live — values measured at step {snap.metrics_step}</h3>",
        "<p>These are images. p<sub>data</sub> has no closed form and no density can be estimated in "
        "thousands of dimensions from the samples we have, so <b>the entropy H, the cross-entropy, "
        "KL(P<sub>data</sub> ‖ P<sub>G</sub>), the JSD and V(G, D*) are not estimated</b> here. "
        "What stands in for them: FID against its floor, the class KL, the classes covered, and D's scores "
        "against ½.</p>",
    ]
    parts.append(_section(
        1, "The game",
        "V(G, D) = E<sub>x~P<sub>data</sub></sub>[log D(x)] + E<sub>x~P<sub>G</sub></sub>[log(1 − D(x))]",
        [f"D's loss = {_num(fmt(snap.metrics['d_loss']))}, G's loss = {_num(fmt(snap.metrics['g_loss']))}"
         if _finite(snap, "d_loss") and _finite(snap, "g_loss") else "losses: " + _na("n/a (none yet)")],
        "The game is the same as for points; only its value at D* cannot be computed without p<sub>data</sub>.",
    ))
    if snap.critic:
        lines = ([_mean_line("mean critic score on real images", m.d_real),
                  _mean_line("mean critic score on generated images", m.d_fake)] if m is not None
                 else [_na("measuring…")])
        why = (f"loss = {html.escape(snap.config.loss)} trains D as a critic: its output is a score, not a "
               "probability, so there is no ½ to reach; G is doing well when the two means draw together.")
    else:
        lines = ([_mean_line("mean D(x) on real images", m.d_real),
                  _mean_line("mean D(G(z)) on generated images", m.d_fake)] if m is not None
                 else [_na("measuring…")])
        why = "At the game's optimum P<sub>G</sub> = P<sub>data</sub> and D* = ½ everywhere: both means move to ½."
    parts.append(_section(
        2, "The optimal discriminator, seen through D's scores",
        "D*(x) = p<sub>data</sub>(x) / (p<sub>data</sub>(x) + p<sub>G</sub>(x)) = ½ when P<sub>G</sub> = "
        "P<sub>data</sub>", lines, why))
    parts.append(_section(
        3, "Fréchet distance (FID), in place of the JSD",
        "FID = ‖μ<sub>r</sub> − μ<sub>g</sub>‖² + Tr(Σ<sub>r</sub> + Σ<sub>g</sub> − 2(Σ<sub>r</sub>Σ<sub>g</sub>)"
        "<sup>½</sup>)",
        [_fid_line(snap)],
        "Gaussians fitted to the features that a classifier trained on the real set (standing in for "
        "Inception) gives real and generated images, compared by the "
        "Fréchet (2-Wasserstein) distance: 0 when their means and covariances agree. Lower is better; "
        "it cannot go below its sampling-noise floor.",
    ))
    covered, total = snap.metrics.get("classes_covered"), snap.metrics.get("classes_total")
    covered_line = (f"classes covered = {_num(str(round(covered)))} of {round(total)}"
                    if covered is not None and total is not None and math.isfinite(covered) and math.isfinite(total)
                    else "classes covered = " + _na(_missing_image_metric(snap)))
    accuracy = (f"; the classifier is right on {_num(f'{round(100 * m.classifier_accuracy)}%')} of held-out "
                "real images" if m is not None and math.isfinite(m.classifier_accuracy) else "")
    parts.append(_section(
        4, "Classes, in place of KL and the modes",
        "class KL = D<sub>KL</sub>(q<sub>G</sub> ‖ q<sub>data</sub>) = Σ<sub>k</sub> q<sub>G</sub>(k) "
        "log q<sub>G</sub>(k) / q<sub>data</sub>(k)",
        [f"class KL = {v.show('class_kl')}", covered_line + accuracy],
        "q(k): the share of images a classifier trained on the real set assigns to class k. A class G never "
        "draws is a missed mode; the class KL is 0 when G draws every class as often as the data does.",
    ))
    if snap.notes:
        parts.append("<p style='color:#555555'>Notes: " + "; ".join(html.escape(n) for n in snap.notes) + "</p>")
    return "".join(parts)


def _finite(snap: Snapshot, key: str) -> bool:
    value = snap.metrics.get(key)
    return value is not None and math.isfinite(value)


def render_html(snap: Snapshot, bits: bool = False) -> str:
    if snap.dim == 0:
        return render_image_html(snap, bits)
    v = _Values(snap, bits)
    parts = [  # the page names the metrics' step only: it changes when they do, not every frame
        f"<h3>The mathematics of this GAN, live — values measured at step {snap.metrics_step}</h3>",
        f"<p style='color:#555555'>All logarithms {v.log}, values in {v.unit}. P is a density here, so "
        "H is a differential entropy: it is negative when the density is concentrated on a small region.</p>",
    ]
    parts.append(_section(
        1, "Self-information", "I(x) = −log P(x)",
        [f"averaged over the data: E<sub>x~P<sub>data</sub></sub>[I(x)] = H(P<sub>data</sub>) = "
         f"{v.show('entropy_data')}"],
        "A rare event carries more information than a common one; independent events add up.",
    ))
    parts.append(_section(
        2, "Entropy", "H(P) = E<sub>x~P</sub>[I(x)] = −E<sub>x~P</sub>[log P(x)]",
        [f"H(P<sub>data</sub>) = {v.show('entropy_data')}",
         f"H(P<sub>G</sub>) = {v.show('entropy_g')}"],
        "For a discrete P: the average length of the best code for P, in nats or bits.",
    ))
    parts.append(_section(
        3, "Kullback–Leibler divergence",
        "D<sub>KL</sub>(P‖Q) = E<sub>x~P</sub>[log P(x)/Q(x)] ≥ 0, zero only when P = Q",
        [f"KL(P<sub>data</sub> ‖ P<sub>G</sub>) = {v.show('kl_data_g')}{_floor(v, 'kl_data_g_floor')}",
         f"KL(P<sub>G</sub> ‖ P<sub>data</sub>) = {v.show('kl_g_data')}{_floor(v, 'kl_g_data_floor')}; "
         "the two directions differ: KL is not symmetric"],
        "The extra code length paid for coding samples of P with the code built for Q.",
    ))
    parts.append(_section(
        4, "Cross-entropy", "H(P, Q) = −E<sub>x~P</sub>[log Q(x)] = H(P) + D<sub>KL</sub>(P‖Q)",
        [_cross_entropy_line(v)],
        "Minimising it over Q is minimising the KL: H(P) does not depend on Q.",
    ))
    parts.append(_section(
        5, "Maximum likelihood before GANs",
        "θ* = argmax<sub>θ</sub> Σ<sub>i</sub> log P<sub>G</sub>(x<sup>i</sup>; θ) ≈ "
        "argmin<sub>θ</sub> H(P<sub>data</sub>, P<sub>G</sub>) = argmin<sub>θ</sub> KL(P<sub>data</sub> ‖ P<sub>G</sub>)",
        [f"KL(P<sub>data</sub> ‖ maximum-likelihood Gaussian) = {v.show('kl_mle_gauss')}",
         f"KL(P<sub>data</sub> ‖ maximum-likelihood mixture) = {v.show('kl_mle_gmm')}",
         f"KL(P<sub>data</sub> ‖ the GAN's P<sub>G</sub>) = {v.show('kl_data_g')}"],
        "A fixed family such as one Gaussian cannot represent several modes however well it is fitted; "
        "a neural generator is not restricted to a family.",
    ))
    value_line = f"V(G, D) = {v.show('value')}" + (", estimated with the current D" if v.get("value") is not None
                                                  else "")
    parts.append(_section(
        6, "The game",
        "V(G, D) = E<sub>x~P<sub>data</sub></sub>[log D(x)] + E<sub>x~P<sub>G</sub></sub>[log(1 − D(x))]",
        [value_line],
        "D takes steps that increase V; G takes steps that decrease it.",
    ))
    vd, vb = v.get("value"), v.get("value_bound")
    compare = (f"V(G, D) {_num(fmt(vd))} ≤ V(G, D*) {_num(fmt(vb))}: the current D is "
               + ("not better than D*" if vd <= vb else "scored above D* by sampling noise")
               if vd is not None and vb is not None else f"V(G, D*) = {v.show('value_bound')}")
    parts.append(_section(
        7, "The optimal discriminator",
        "D*(x) = p<sub>data</sub>(x) / (p<sub>data</sub>(x) + p<sub>G</sub>(x))",
        [compare],
        "For fixed G, a log D + b log(1 − D) is largest at D = a / (a + b); D* = ½ everywhere exactly when "
        "P<sub>G</sub> = P<sub>data</sub>.",
    ))
    floor_line = f"JSD = {v.show('jsd')}{_floor(v, 'jsd_floor')}"
    parts.append(_section(
        8, "What G minimises against D*",
        "V(G, D*) = −2 log 2 + 2 JSD(P<sub>data</sub> ‖ P<sub>G</sub>)",
        [_bound_line(v), floor_line,
         f"global minimum −2 log 2 = {_num(fmt(-2 * LN2 * v.scale))} {v.unit}, reached only when "
         "P<sub>G</sub> = P<sub>data</sub>"],
    ))
    if snap.notes:
        parts.append("<p style='color:#555555'>Notes: " + "; ".join(html.escape(n) for n in snap.notes) + "</p>")
    return "".join(parts)


__all__ = ["TheoryPanel", "render_html", "render_image_html", "sum_digits", "fmt"]
