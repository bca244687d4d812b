"""Training curves stacked on one step axis, each beside the value the theory predicts.

Per-step series (losses, gradient norms) come from snap.history; grid metrics (JSD,
KL, V, modes) from snap.metric_history, which is sampled less often. A plot whose
series do not apply to the snapshot is hidden; NaN and inf are never drawn.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ganstudio.core.snapshot import Snapshot

from . import style
from .axis_ranges import EMPTY_DECADES, LABEL_SPACING_PX, decade_span, decade_ticks, nice_ceiling
from .label_placement import LABEL_END, LABEL_ROOM, LABEL_START, Frame, Label, choose_places, grow_for_labels, \
    runs_above, side_with_room

LOG2 = math.log(2.0)

# Loss values when D outputs 1/2 everywhere (the equilibrium P_G = P_data), per objective.
LOSS_REFERENCES = {
    "minimax": {"d": (2 * LOG2, "D loss at D = ½: 2 log 2"), "g": (-LOG2, "minimax G loss at D = ½: −log 2")},
    "nonsaturating": {"d": (2 * LOG2, "D loss at D = ½: 2 log 2"), "g": (LOG2, "G loss at D = ½: log 2")},
    "lsgan": {"d": (0.25, "D loss at D = ½: 1/4"), "g": (0.125, "G loss at D = ½: 1/8")},
}


def shorter_forms(text: str) -> tuple[str, ...]:
    """A loss reference's label, then shorter forms for a narrow plot: "at D = ½: 2 log 2", "2 log 2"."""
    head, _, value = text.partition("at D = ½: ")
    return (text, f"at D = ½: {value}", value) if head and value else (text,)


def series(snap: Snapshot, key: str, positive: bool = False) -> tuple[np.ndarray, np.ndarray] | None:
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


MLE_NAMES = {"kl_mle_gauss": "MLE Gaussian", "kl_mle_gmm": "MLE mixture"}  # on the KL plot: KL(P_data || fit)
MLE_SHORT = {"kl_mle_gauss": "Gaussian", "kl_mle_gmm": "mixture"}
MIN_BODY_PX = 72  # a plot's curves get at least this height (three decade labels on a log axis)
BOTTOM_AXIS_PX = 44  # the step values and label under the lowest plot
LABEL_ROOM_MAX = 0.25  # the loss plot's range grows to give a reference label room, up to this share of its height
LABEL_CLEARANCE_PX = 3  # between such a label and the plot's edge (the axis's tick marks)

# which plot each drawing step redraws
PART_PLOTS = {"_show_losses": "loss", "_show_grads": "grad", "_show_jsd": "jsd", "_show_kl": "kl",
              "_show_value": "value", "_show_modes": "modes"}


def _anchor_label(line: pg.InfiniteLine, anchor: tuple[int, int]) -> None:
    """Pin a reference line's label to one side of it, wherever in the plot the line is."""
    if line.label.anchors[0] != anchor:
        line.label.anchors = [anchor, anchor]
        line.label.updatePosition()


def _text_height(line: pg.InfiniteLine) -> float:
    """A reference label's text height in pixels (its box's blank margins may pass the plot's edge)."""
    return line.label.boundingRect().height() - 2 * line.label.textItem.document().documentMargin()


class MetricsView(QWidget):
    """Losses, JSD, KL, V(G,D), modes and gradient norms, one plot each, on one shared step range."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loss_kind: str | None = None
        self._labels_placed = False  # set by _place_loss_labels: one placement per loss update
        self._bottom: str | None = ""
        self._decades: dict[str, tuple[int, int]] = {}
        self._metric_key: tuple | None = None
        self._staged: Snapshot | None = None
        self._parts: list = []
        self._user_hidden: set[str] = set()
        self._x_range: tuple[float, float] | None = None  # where the step axes follow training
        self._user_x: tuple[float, float] | None = None  # a range the user zoomed or panned to
        self._syncing = False
        self._legend_heights: dict[str, float] = {}
        self._label_forms: dict[pg.InfiniteLine, tuple[str, ...]] = {}  # a label's texts, longest first
        self._legend_forms: dict[str, tuple[str, str]] = {}  # a curve's legend name and a short one
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.plots: dict[str, pg.PlotItem] = {}
        self.widgets: dict[str, pg.PlotWidget] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.legends: dict[str, pg.LegendItem] = {}

        def add_plot(name: str, ylabel: str, log_y: bool = False) -> pg.PlotItem:
            w = style.plot_widget()
            p = w.getPlotItem()
            style.style_plot(p, left=ylabel)  # no grid: the reference lines are the landmarks
            p.getAxis("left").setWidth(78)
            p.setLogMode(y=log_y)
            if log_y:  # the y range is snapped to whole decades in _fit_decades, which labels them
                p.enableAutoRange(axis="y", enable=False)
                p.getViewBox().sigResized.connect(lambda _vb, n=name: self._relabel(n))
                self._decades[name] = EMPTY_DECADES  # before any data: a plain axis, not a jumble of ticks
                p.setYRange(*EMPTY_DECADES, padding=0.1)
            p.setMouseEnabled(x=True, y=False)
            p.enableAutoRange(axis="x", enable=False)  # _follow_steps widens it in jumps instead
            p.getViewBox().sigXRangeChanged.connect(self._x_changed)
            p.getAxis("bottom").setStyle(showValues=True)
            self.plots[name], self.widgets[name] = p, w
            # the legend takes the title row, above the curves, so it never hides them
            legend = pg.LegendItem(colCount=3, labelTextColor=style.FOREGROUND,
                                   labelTextSize=style.LEGEND_TEXT_SIZE, brush=pg.mkBrush(255, 255, 255, 0))
            p.layout.removeItem(p.titleLabel)
            p.titleLabel.hide()
            p.layout.addItem(legend, 0, 1)
            p.layout.setAlignment(legend, Qt.AlignmentFlag.AlignLeft)
            self.legends[name] = legend
            legend.sigSampleClicked.connect(self._legend_clicked)
            layout.addWidget(w, 1)
            return p

        def curve(plot: str, key: str, name: str, colour: str, width: float = style.LINE_WIDTH,
                  dash: str = "solid", short: str | None = None) -> pg.PlotDataItem:
            c = pg.PlotDataItem(pen=style.pen(colour, width=width, style=dash))
            c.setDownsampling(auto=True, method="peak")
            c.setClipToView(True)
            self.plots[plot].addItem(c)
            legend = self.legends[plot]
            legend.addItem(c, name)
            self.plots[plot].layout.setRowFixedHeight(0, legend.height() + 2)
            self.curves[key] = c
            if short:
                self._legend_forms[key] = (name, short)
            return c

        def hline(plot: str, value: float, text: str | tuple[str, ...], colour: str = "reference",
                  right: bool = False, above: bool = True) -> pg.InfiniteLine:
            """A labelled reference line; its label starts at the plot's left edge, or ends at its right
            edge with `right` (so a narrow plot clips neither, and two labels on one plot do not meet).
            `text` may list shorter forms after the full one, for a narrow plot (_fit_labels)."""
            forms = (text,) if isinstance(text, str) else text
            text = forms[0]
            x = 1 if right else 0
            anchor = (x, 1) if above else (x, 0)
            # (pyqtgraph takes anchors[0] while the line is in the upper half of the plot, else anchors[1])
            anchors = [anchor, anchor]
            line = pg.InfiniteLine(pos=value, angle=0, pen=style.pen(colour, width=1.5, style="dash"),
                                   label=text, labelOpts={"position": LABEL_END if right else LABEL_START,
                                                          "color": style.COLORS.get(colour, colour),
                                                          "anchors": anchors, "fill": style.LABEL_FILL})
            line.setZValue(-1)  # under the curves: the label's pale ground keeps it legible but never hides data
            line.label.setFont(style.tick_font())
            self.plots[plot].addItem(line, ignoreBounds=False)
            if len(forms) > 1:
                self._label_forms[line] = forms
            return line

        # 1. losses and the values they take at the equilibrium D = 1/2
        add_plot("loss", "loss")
        curve("loss", "d_loss", "D loss", "d_loss")
        curve("loss", "g_loss", "G loss", "g_loss")
        self.loss_refs = {
            "d": hline("loss", 0.0, "", "d_loss"),
            "g": hline("loss", 0.0, "", "g_loss", right=True),
        }
        self.plots["loss"].getViewBox().sigYRangeChanged.connect(self._place_loss_labels)
        self.plots["loss"].getViewBox().sigResized.connect(self._fit_loss_range)
        # 2. JSD with its sampling-noise floor and its ceiling log 2
        add_plot("jsd", "nats")
        curve("jsd", "jsd", "JSD(P_data ‖ P_G)", "d_star")
        curve("jsd", "jsd_floor", "noise floor", "floor", dash="dash")
        self.jsd_max = hline("jsd", LOG2, ("max: log 2 (disjoint supports)", "max: log 2"), above=False)
        for signal in (self.plots["jsd"].getViewBox().sigYRangeChanged, self.plots["jsd"].getViewBox().sigResized):
            signal.connect(self._place_jsd_label)
        # 3. both KL directions (log scale: they span orders of magnitude) against the maximum-
        # likelihood fits' KL(P_data || P_MLE), which depend on the data alone: labelled lines
        add_plot("kl", "nats", log_y=True)
        curve("kl", "kl_data_g", "KL(P_data ‖ P_G)", "d")
        curve("kl", "kl_g_data", "KL(P_G ‖ P_data)", "kl_g_data")
        curve("kl", "kl_data_g_floor", "noise floors", "floor", width=1.5, dash="dash")
        curve("kl", "kl_g_data_floor", "", "floor", width=1.5, dash="dot")
        self.legends["kl"].removeItem(self.curves["kl_g_data_floor"])  # one legend entry for both floors
        # labels where the curves leave room for them (_place_mle_labels)
        self.mle_lines = {key: hline("kl", 0.0, "", colour) for key, colour in (("kl_mle_gauss", "mle_gauss"),
                                                                                 ("kl_mle_gmm", "mle_gmm"))}
        for line in self.mle_lines.values():
            line.hide()
        kl_box = self.plots["kl"].getViewBox()
        kl_box.sigYRangeChanged.connect(self._place_mle_labels)
        kl_box.sigResized.connect(self._place_mle_labels)
        # 4. the game's value against its bound at D*
        add_plot("value", "nats")
        curve("value", "value", "V(G, D) estimated", "value", short="V(G, D)")
        curve("value", "value_bound", "V(G,D*) = −2log2 + 2JSD", "value_bound", dash="dash", short="V(G,D*)")
        self.value_min = hline("value", -2 * LOG2, ("global minimum −2 log 2 (P_G = P_data)",
                                                    "minimum −2 log 2", "−2 log 2"))
        for signal in (self.plots["value"].getViewBox().sigYRangeChanged, self.plots["value"].getViewBox().sigResized):
            signal.connect(self._place_value_label)
        self.value_note = QLabel(self)
        self.value_note.setWordWrap(True)
        self.value_note.setStyleSheet(style.NOTE_STYLE)
        self.value_note.hide()
        layout.addWidget(self.value_note)
        # 5. mode coverage
        add_plot("modes", "fraction")
        curve("modes", "modes_fraction", "modes captured", "modes")
        curve("modes", "hq_fraction", "high quality", "hq")
        self.plots["modes"].setYRange(-0.03, 1.1, padding=0)
        self.plots["modes"].enableAutoRange(axis="y", enable=False)
        # 6. gradient norms (log scale)
        add_plot("grad", "‖∇‖ (log)", log_y=True)
        curve("grad", "g_grad_norm", "‖∇θ G loss‖", "grad")
        curve("grad", "d_grad_norm", "‖∇ D loss‖", "d", width=1.5)

    # ------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        for name in self.plots:
            self._fit_legend(name)
        for group in self._label_groups():
            self._fit_labels(group)

    def _fit_legend(self, name: str) -> None:
        """A legend wider than its plot widens the whole plot past the dock's edge, cutting off
        the latest steps."""
        # the plots span this view's width (their own widths lag behind in a resize event);
        # the legend sits above the curves, right of the y axis
        legend = self.legends[name]
        names = {self.curves[k]: forms for k, forms in self._legend_forms.items()}
        height = style.fit_legend_names(legend, self._plot_width(name), names) + 2  # short only if one column is too wide
        self.plots[name].layout.setRowFixedHeight(0, height)
        self._legend_heights[name] = height
        self._set_min_height(name)

    def _plot_width(self, name: str) -> float:
        """The width of a plot's body: the plots span this view's width (their own widths lag behind
        in a resize event), less the y axis."""
        return self.width() - self.plots[name].getAxis("left").minimumWidth() - 16

    def _label_groups(self) -> list[list[pg.InfiniteLine]]:
        """Labels that take their long or short forms together, so one plot's labels read alike."""
        return [list(self.loss_refs.values()), list(self.mle_lines.values()), [self.jsd_max], [self.value_min]]

    def _fit_labels(self, lines: list[pg.InfiniteLine]) -> None:
        """Give reference labels the longest of their forms that fits their plot (the same form for
        all of `lines`): a label wider than the whole plot was cut off at 1024 x 768."""
        lines = [line for line in lines if line in self._label_forms and line.isVisible()]
        if not lines:  # a hidden line's label ignores a new text: fitted when shown
            return

        def longest(line: pg.InfiniteLine) -> int:
            plot = next(name for name, p in self.plots.items() if line in p.items)
            text = line.label.textItem
            return style.longest_that_fits(self._label_forms[line], text.font(), LABEL_ROOM * self._plot_width(plot),
                                           margins=2 * text.document().documentMargin())

        pick = max(longest(line) for line in lines)  # each line's forms get shorter: the first all of them fit
        for line in lines:
            forms = self._label_forms[line]
            text = forms[min(pick, len(forms) - 1)]
            if line.label.format != text:
                line.label.setFormat(text)

    def _set_min_height(self, name: str) -> None:
        """Room for the legend, a readable plot body and, under the lowest plot, the step axis: a
        short screen scrolls the plots (the window puts this view in a scroll area) instead of
        squeezing them flat."""
        axis = BOTTOM_AXIS_PX if name == self._bottom else 0
        self.widgets[name].setMinimumHeight(int(self._legend_heights.get(name, 0) + MIN_BODY_PX + axis))

    def _legend_clicked(self, item) -> None:
        """A legend click hides or shows a curve; remember it so the next snapshot keeps it so."""
        key = next(k for k, c in self.curves.items() if c is item)
        (self._user_hidden.discard if item.isVisible() else self._user_hidden.add)(key)

    def _set(self, key: str, data: tuple[np.ndarray, np.ndarray] | None) -> bool:
        """Give a curve its data; returns whether there was any (a plot with none is hidden)."""
        c = self.curves[key]
        c.setVisible(key not in self._user_hidden)  # an empty curve stays "on": its legend entry shows no hidden mark
        if data is None or len(data[0]) == 0:
            c.setData([], [])
            return False
        c.setData(*data)
        return True

    def show_snapshot(self, snap: Snapshot) -> None:
        self.stage_snapshot(snap)
        while self.advance():
            pass

    def stage_snapshot(self, snap: Snapshot) -> None:
        """Queue `snap` to be drawn one plot per advance() call.

        Redrawing all six plots at once stalled the GUI thread for 45-100 ms on the
        2-core machine; one plot per frame keeps every frame short while training runs.
        """
        self._staged = snap
        self._follow_steps(snap.step)
        parts = [self._show_losses, self._show_grads]
        # grid metrics change only when a full snapshot adds a row to metric_history
        steps = snap.metric_history.get("step", ())
        key = (len(steps), float(steps[-1]) if len(steps) else None, snap.critic, snap.config.loss,
               tuple(sorted(snap.metrics.items())))
        if key != self._metric_key:
            self._metric_key = key
            parts += [self._show_jsd, self._show_kl, self._show_value, self._show_modes]
        self._parts = parts

    def _follow_steps(self, step: int) -> None:
        """Widen the step axis in jumps (to 1, 2, 2.5 or 5 x 10^k), not every frame.

        The plots share one step range but are not linked: a linked range change repaints
        all six plots in one go (40 ms and more here); each plot takes the new range when
        its own turn to redraw comes (_apply_x).  A range the user zoomed or panned to is
        kept until training restarts.
        """
        restarted = self._x_range is not None and step < self._x_range[1] / 20
        if restarted:
            self._user_x = None
        if self._x_range is None or restarted or step > 0.98 * self._x_range[1]:
            self._x_range = (0.0, nice_ceiling(max(1.25 * step, 100.0)))

    def _apply_x(self, name: str) -> None:
        target = self._user_x or self._x_range
        if target is None:
            return
        x0, x1 = self.plots[name].getViewBox().viewRange()[0]
        tol = 1e-9 * max(1.0, abs(target[1]))
        if abs(x0 - target[0]) > tol or abs(x1 - target[1]) > tol:
            self._syncing = True
            try:
                self.plots[name].setXRange(*target, padding=0)
            finally:
                self._syncing = False

    def _x_changed(self, viewbox, x_range) -> None:
        """The user zoomed or panned one plot's steps: the others follow, as linked axes would."""
        if self._syncing:
            return
        self._user_x = (float(x_range[0]), float(x_range[1]))
        self._syncing = True
        try:
            for p in self.plots.values():
                if p.getViewBox() is not viewbox:
                    p.setXRange(*self._user_x, padding=0)
        finally:
            self._syncing = False

    def advance_pending(self) -> bool:
        return bool(self._parts)

    def advance(self) -> bool:
        """Draw the next queued plot; True while more are queued."""
        if not self._parts:
            return False
        part = self._parts.pop(0)
        self._apply_x(PART_PLOTS[part.__name__])
        part(self._staged)
        self._label_bottom_plot()
        return bool(self._parts)

    def _show_grads(self, snap: Snapshot) -> None:
        for k in ("g_grad_norm", "d_grad_norm"):
            self._set(k, series(snap, k, positive=True))
        self.widgets["grad"].setVisible(True)  # empty before the first step: showing it then would relayout mid-play
        self._fit_decades("grad")

    def _show_jsd(self, snap: Snapshot) -> None:
        has_jsd = self._set("jsd", series(snap, "jsd"))
        self._set("jsd_floor", series(snap, "jsd_floor"))
        self.widgets["jsd"].setVisible(has_jsd)
        self._place_jsd_label()

    def _show_kl(self, snap: Snapshot) -> None:
        shown = [self._set(k, series(snap, k, positive=True))
                 for k in ("kl_data_g", "kl_g_data", "kl_data_g_floor", "kl_g_data_floor")]
        for key, line in self.mle_lines.items():
            value = snap.metrics.get(key)
            drawable = value is not None and math.isfinite(value) and value > 0  # a log axis has no 0
            line.setVisible(drawable)  # first: a hidden line's label ignores a new text
            if drawable:
                line.setValue(math.log10(value))  # a log plot's lines live in log10 coordinates
                self._label_forms[line] = (f"{MLE_NAMES[key]}: {value:.3g}", f"{MLE_SHORT[key]}: {value:.3g}",
                                           f"{value:.3g}")
        self._fit_labels(list(self.mle_lines.values()))
        self.widgets["kl"].setVisible(any(shown))
        if not self._fit_decades("kl"):  # a new range places the labels itself (sigYRangeChanged)
            self._place_mle_labels()

    def _place_mle_labels(self, *_) -> None:
        """The fits' labels: the upper line's above it and the lower's below it where the curves
        allow. KL(P_data || P_G) falls through the fits' levels while G learns, so a fixed place
        was crossed by it."""
        lines = sorted(self.mle_lines.values(), key=lambda line: -line.value())
        self._place_clear("kl", lines, lambda i: (False, i == 0))

    def _place_jsd_label(self, *_) -> None:
        self._place_clear("jsd", [self.jsd_max], lambda i: (False, False))  # JSD runs just under log 2 in a collapse

    def _place_value_label(self, *_) -> None:
        self._place_clear("value", [self.value_min], lambda i: (False, True))

    def _place_clear(self, plot: str, lines: list[pg.InfiniteLine], usual) -> None:
        """Put each reference label at an end of its line and on a side of it (choose_places), with
        `usual(i)` = (right, above) the i-th line's usual place. A label's text never passes the
        plot's edge."""
        box = self.plots[plot].getViewBox()
        (x0, x1), (y0, y1) = box.viewRange()
        frame = Frame(x0, x1, y0, y1, box.width(), box.height())
        curves = [c.getData() for c in self.plots[plot].listDataItems() if c.isVisible()]
        lines = [line for line in lines if line.isVisible()]
        labels = [Label(value=line.value(), width=line.label.boundingRect().width(), text_height=_text_height(line),
                        margin=(line.label.boundingRect().height() - _text_height(line)) / 2,
                        right=line.label.orthoPos > 0.5, above=line.label.anchors[0][1] == 1, usual=usual(i))
                  for i, line in enumerate(lines)]
        for line, place in zip(lines, choose_places(labels, curves, frame)):
            if place is not None:
                line.label.setPosition(LABEL_END if place.right else LABEL_START)
                _anchor_label(line, (1 if place.right else 0, 1 if place.above else 0))

    def _relabel(self, name: str) -> None:
        """A log plot's new height holds more or fewer decade labels."""
        if name in self._decades:
            self._label_decades(name, self._decades[name])

    def _fit_decades(self, name: str) -> bool:
        """Show the visible curves of a log plot between whole decades, so decade labels always
        exist; label as many decades as the plot's height has room for. True if the range changed."""
        lows, highs = [], []
        for c in self.plots[name].listDataItems():
            if c.isVisible():
                _, y = c.getOriginalDataset()
                if y is not None and len(y):
                    lows.append(float(np.min(y)))
                    highs.append(float(np.max(y)))
        if name == "kl":
            levels = [10.0 ** line.value() for line in self.mle_lines.values() if line.isVisible()]
            lows, highs = lows + levels, highs + levels
        span = decade_span(lows, highs)
        if span is None:
            return False
        if span == self._decades.get(name):
            return False
        self._decades[name] = span
        self.plots[name].setYRange(*span, padding=0.1)  # room for the end labels
        self._label_decades(name, span)
        return True

    def _label_decades(self, name: str, span: tuple[int, int]) -> None:
        self.plots[name].getAxis("left").setTicks(decade_ticks(span, self.plots[name].getViewBox().height()))

    def _label_bottom_plot(self) -> None:
        """Step values and the axis label only under the lowest visible plot: the others share it."""
        visible = [name for name, w in self.widgets.items() if not w.isHidden()]
        bottom = visible[-1] if visible else None
        if bottom == self._bottom:
            return
        self._bottom = bottom
        for name, p in self.plots.items():
            axis = p.getAxis("bottom")
            axis.setStyle(showValues=name == bottom)
            style.style_axis(axis, "step" if name == bottom else None)
            axis.showLabel(name == bottom)
            self._set_min_height(name)

    def _show_losses(self, snap: Snapshot) -> None:
        self._set("d_loss", series(snap, "d_loss"))
        self._set("g_loss", series(snap, "g_loss"))
        # always shown, empty before the first step: a plot appearing when Play is pressed
        # re-laid out the dock and repainted all six plots in one go (a 50-130 ms stall)
        self.widgets["loss"].setVisible(True)
        kind = snap.config.loss
        if kind != self._loss_kind:
            self._loss_kind = kind
            refs = LOSS_REFERENCES.get(kind, {})
            for who, line in self.loss_refs.items():
                line.setVisible(who in refs)  # first: a hidden line's label ignores a new text
                if who in refs:
                    value, text = refs[who]
                    line.setValue(value)
                    self._label_forms[line] = shorter_forms(text)
            self._fit_labels(list(self.loss_refs.values()))
            self.legends["loss"].getLabel(self.curves["d_loss"]).setText(f"D loss ({kind})")
        self._labels_placed = False
        self._fit_loss_range()  # the curves moved (or the lines did): a label may now be on their side
        if not self._labels_placed:  # a new y range has placed them already (sigYRangeChanged)
            self._place_loss_labels()

    def _free_side_below(self, who: str, line: pg.InfiniteLine, x0: float, x1: float) -> bool:
        """Whether the side of `line` that its loss curve leaves free, under its label's own width (which
        grows and shrinks with the plot), is below it."""
        box = line.getViewBox()
        rect = line.label.sceneBoundingRect()
        if box is None or rect.width() <= 0 or box.sceneBoundingRect().width() <= 0:
            return False
        plot = box.sceneBoundingRect()
        xa = x0 + (rect.left() - plot.left()) / plot.width() * (x1 - x0)
        xb = x0 + (rect.right() - plot.left()) / plot.width() * (x1 - x0)
        return runs_above(*self.curves[f"{who}_loss"].getData(), line.value(), xa, xb)

    def _fit_loss_range(self, *_) -> None:
        """The loss plot's y range: its curves and reference lines, grown where a line runs along an
        edge so that its label has room on the side its curve leaves free (the curves are drawn
        over the labels: on the other side a noisy curve crossed the text out)."""
        box = self.plots["loss"].getViewBox()
        curves = [y[np.isfinite(y)] for y in (self.curves[k].getData()[1] for k in ("d_loss", "g_loss")) if y is not None]
        if not sum(len(y) for y in curves) or box.height() <= 0:
            return  # before the first step: the automatic range around the lines
        lines = [(who, line) for who, line in self.loss_refs.items() if line.isVisible()]
        ys = np.concatenate(curves + [np.array([line.value() for _, line in lines])])
        lo, hi = float(ys.min()), float(ys.max())
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        x0, x1 = box.viewRange()[0]
        lo, hi = grow_for_labels(lo, hi, [
            (line.value(), min(LABEL_ROOM_MAX, (_text_height(line) + LABEL_CLEARANCE_PX) / box.height()),
             self._free_side_below(who, line, x0, x1)) for who, line in lines])
        box.enableAutoRange(axis="y", enable=False)
        box.setYRange(lo, hi, padding=0.04)

    def _place_loss_labels(self, _viewbox=None, y_range=None) -> None:
        """A reference label goes on the side of its line that its loss curve leaves free, where the
        label stands; _fit_loss_range leaves room there, and only where there is none (a plot too
        short for it) does a label go to the other side."""
        box = self.plots["loss"].getViewBox()
        (x0, x1), (y0, y1) = box.viewRange() if y_range is None else (box.viewRange()[0], y_range)
        if y1 <= y0:
            return
        self._labels_placed = True
        for who, line in self.loss_refs.items():
            below = side_with_room(self._free_side_below(who, line, x0, x1), line.value(), y0, y1, box.height(),
                                   _text_height(line))
            _anchor_label(line, (1 if line.label.anchors[0][0] == 1 else 0, 0 if below else 1))

    def _show_value(self, snap: Snapshot) -> None:
        a = self._set("value", series(snap, "value"))
        b = self._set("value_bound", series(snap, "value_bound"))
        if snap.critic:
            self.value_note.setText(
                f"V(G, D) is not estimated: loss = {snap.config.loss} trains D as a critic (a score, not a "
                "probability), so log D(x) is undefined. V(G, D*) is the original game's value at its optimal D.")
        self.value_note.setVisible(bool(snap.critic))
        self._legend_entry("value", "value", shown=not snap.critic)  # no line for a critic: no entry either
        self.widgets["value"].setVisible(a or b)
        self._place_value_label()

    def _legend_entry(self, plot: str, key: str, shown: bool) -> None:
        if style.show_in_legend(self.legends[plot], self.curves[key], self._legend_forms[key][0], shown):
            self._fit_legend(plot)

    def _show_modes(self, snap: Snapshot) -> None:
        captured, total = series(snap, "modes_captured"), series(snap, "modes_total")
        frac = None
        if captured is not None and total is not None:
            hist = snap.metric_history if "modes_captured" in snap.metric_history else snap.history
            c = np.asarray(hist["modes_captured"], dtype=float)
            t = np.asarray(hist["modes_total"], dtype=float)
            x = np.asarray(hist["step"], dtype=float)
            n = min(len(c), len(t), len(x))
            with np.errstate(divide="ignore", invalid="ignore"):
                f = c[:n] / t[:n]
            keep = np.isfinite(f) & np.isfinite(x[:n])
            frac = (x[:n][keep], f[keep])
        a = self._set("modes_fraction", frac)
        b = self._set("hq_fraction", series(snap, "hq_fraction"))
        label = self.legends["modes"].getLabel(self.curves["modes_fraction"])
        if "modes_captured" in snap.metrics and "modes_total" in snap.metrics:
            label.setText(f"modes captured ({snap.metrics['modes_captured']:.0f}/{snap.metrics['modes_total']:.0f})")
        else:
            label.setText("modes captured")
        hq_label = self.legends["modes"].getLabel(self.curves["hq_fraction"])
        hq = snap.metrics.get("hq_fraction")
        hq_label.setText("high quality" + (f" ({100 * hq:.1f}%)" if hq is not None and math.isfinite(hq)
                                                   else ""))
        self.widgets["modes"].setVisible(a or b)
        self._fit_legend("modes")

    def clear(self) -> None:
        self._metric_key = None
        self._x_range = self._user_x = None
        self._parts = []
        for c in self.curves.values():
            c.setData([], [])
        for line in self.mle_lines.values():
            line.hide()
        self.value_note.hide()


__all__ = ["MetricsView", "series", "LOSS_REFERENCES", "nice_ceiling"]
