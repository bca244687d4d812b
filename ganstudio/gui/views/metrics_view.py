"""Training curves stacked on one step axis, each beside the value the theory predicts.

Per-step series (losses, gradient norms) come from snap.history; measured metrics (JSD,
KL, V, modes for densities; FID, class KL, classes covered for images) from
snap.metric_history, which is sampled less often. A plot whose series do not apply to the
snapshot is hidden; NaN and inf are never drawn. The plots are built and updated from the
table metric_plots.PLOTS.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ganstudio.core.snapshot import Snapshot

from . import style
from .axis_ranges import (
    DECADE_PADDING,
    EMPTY_DECADES,
    LABEL_SPACING_PX,
    decade_span,
    decade_ticks,
    nice_ceiling,
    room_below,
)
from .label_placement import LABEL_ROOM, Frame, choose_places
from .metric_plots import (
    LOSS_REFERENCES,
    PLOTS,
    PLOTS_BY_NAME,
    Placement,
    PlotSpec,
    applies,
    curve_series,
    line_value,
    series,
    shorter_forms,
    y_range_of,
)
from .reference_lines import fit_free_side_range, label_of, make_line, place_on_free_sides, put_label, text_height
from .step_range import SharedStepRange

MIN_BODY_PX = 72  # a plot's curves get at least this height (three decade labels on a log axis)
BOTTOM_AXIS_PX = 44  # the step values and label under the lowest plot


class MetricsView(QWidget):
    """Losses, JSD, KL, V(G,D), modes (or, for images, FID, class KL and classes covered) and
    gradient norms, one plot each, on one shared step range."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loss_kind: str | None = None
        self._labels_placed = False  # set by _place_loss_labels: one placement per loss update
        self._bottom: str | None = ""
        self._decades: dict[str, tuple[int, int]] = {}
        self._metric_key: tuple | None = None
        self._staged: Snapshot | None = None
        self._parts: list[PlotSpec] = []
        self._user_hidden: set[str] = set()
        self._steps = SharedStepRange()
        self._legend_heights: dict[str, float] = {}
        self._label_forms: dict[pg.InfiniteLine, tuple[str, ...]] = {}  # a label's texts, longest first
        self._legend_forms: dict[str, tuple[str, str]] = {}  # a curve's legend name and a short one
        self._line_plot: dict[pg.InfiniteLine, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.plots: dict[str, pg.PlotItem] = {}
        self.widgets: dict[str, pg.PlotWidget] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.legends: dict[str, pg.LegendItem] = {}
        self.lines: dict[str, dict[str, pg.InfiniteLine]] = {}  # per plot, its reference lines by LineSpec.key
        self.notes: dict[str, QLabel] = {}
        for spec in PLOTS:
            self._build(spec, layout)
        self.loss_refs = self.lines["loss"]  # at the losses' values at the equilibrium D = 1/2
        self.mle_lines = self.lines["kl"]  # at the maximum-likelihood fits' KL(P_data || fit)
        self.jsd_max = self.lines["jsd"]["max"]
        self.value_min = self.lines["value"]["min"]
        self.value_note = self.notes["value"]
        # what each plot draws besides its curves, from the snapshot
        self._annotate = {"loss": self._annotate_losses, "value": self._annotate_value,
                          "modes": self._annotate_modes, "classes": self._annotate_classes}

    def _build(self, spec: PlotSpec, layout: QVBoxLayout) -> None:
        name = spec.name
        w = style.plot_widget()
        p = w.getPlotItem()
        style.style_plot(p, left=spec.ylabel)  # no grid: the reference lines are the landmarks
        p.getAxis("left").setWidth(78)
        p.setLogMode(y=spec.log_y)
        box = p.getViewBox()
        if spec.log_y:  # the y range is snapped to whole decades in _fit_decades, which labels them
            p.enableAutoRange(axis="y", enable=False)
            box.sigResized.connect(lambda _vb, n=name: self._relabel(n))
            self._decades[name] = EMPTY_DECADES  # before any data: a plain axis, not a jumble of ticks
            p.setYRange(*EMPTY_DECADES, padding=DECADE_PADDING)
        p.setMouseEnabled(x=True, y=False)
        self._steps.add(p)
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
        w.setVisible(spec.always_shown)  # the others appear with their first data
        for c in spec.curves:
            width = style.THIN_WIDTH if c.thin else style.LINE_WIDTH
            curve = pg.PlotDataItem(pen=style.pen(c.colour, width=width, style=c.dash))
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            p.addItem(curve)
            if c.in_legend:
                legend.addItem(curve, c.name)
            p.layout.setRowFixedHeight(0, legend.height() + 2)
            self.curves[c.key] = curve
            if c.short:
                self._legend_forms[c.key] = (c.name, c.short)
        self.lines[name] = {}
        for s in spec.lines:
            line = make_line(s)
            p.addItem(line, ignoreBounds=False)
            if len(s.forms) > 1:
                self._label_forms[line] = s.forms
            self.lines[name][s.key] = line
            self._line_plot[line] = name
        if spec.placement is Placement.FREE_SIDE:
            box.sigYRangeChanged.connect(self._place_loss_labels)
            box.sigResized.connect(self._fit_loss_range)
        elif spec.lines:  # labels where the curves leave room for them
            for signal in (box.sigYRangeChanged, box.sigResized):
                signal.connect(lambda *_, s=spec: self._place_labels(s))
        if spec.y_range is not None:
            p.setYRange(*spec.y_range, padding=0)
            p.enableAutoRange(axis="y", enable=False)
        if spec.note:
            note = QLabel(self)
            note.setWordWrap(True)
            note.setStyleSheet(style.NOTE_STYLE)
            note.hide()
            layout.addWidget(note)
            self.notes[name] = note

    # ------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        for name in self.plots:
            self._fit_legend(name)
        for lines in self.lines.values():  # one plot's labels take long or short forms together
            self._fit_labels(list(lines.values()))

    def _fit_legend(self, name: str) -> None:
        """A legend wider than its plot widens the whole plot past the dock's edge, cutting off
        the latest steps."""
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

    def _fit_labels(self, lines: list[pg.InfiniteLine]) -> None:
        """Give reference labels the longest of their forms that fits their plot (the same form for
        all of `lines`): a label wider than the plot is cut off."""
        lines = [line for line in lines if line in self._label_forms and line.isVisible()]
        if not lines:  # a hidden line's label ignores a new text: fitted when shown
            return

        def longest(line: pg.InfiniteLine) -> int:
            text = line.label.textItem
            return style.longest_that_fits(self._label_forms[line], text.font(),
                                           LABEL_ROOM * self._plot_width(self._line_plot[line]),
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
        """Queue `snap` to be drawn one plot per advance() call, so that each frame repaints one plot
        while training runs: the per-step plots first, then the grid metrics' plots when a full
        snapshot has added a row to metric_history."""
        self._staged = snap
        self._steps.follow_steps(snap.step)
        # grid-metric plots still queued from an earlier snapshot stay queued: restaging (twice a
        # second) must not starve the plots at the end of the table
        metric_parts = {spec.name for spec in self._parts if not spec.per_step}
        steps = snap.metric_history.get("step", ())
        key = (len(steps), float(steps[-1]) if len(steps) else None, snap.critic, snap.config.loss,
               tuple(sorted(snap.metrics.items())))
        if key != self._metric_key:
            self._metric_key = key
            # a plot the snapshot has no series for is drawn only to hide it (and empty its curves)
            metric_parts |= {spec.name for spec in PLOTS if not spec.per_step
                             and (applies(spec, snap) or not self.widgets[spec.name].isHidden())}
        self._parts = [spec for spec in PLOTS if spec.per_step or spec.name in metric_parts]
        for spec in PLOTS:  # a hidden plot is not painted: it takes the step range at once, as it shows
            if spec not in self._parts and self.widgets[spec.name].isHidden():
                self._steps.apply(self.plots[spec.name])

    def advance_pending(self) -> bool:
        return bool(self._parts)

    def advance(self) -> bool:
        """Draw the next queued plot; True while more are queued."""
        if not self._parts:
            return False
        spec = self._parts.pop(0)
        self._steps.apply(self.plots[spec.name])
        self._draw(spec, self._staged)
        self._label_bottom_plot()
        return bool(self._parts)

    def _draw(self, spec: PlotSpec, snap: Snapshot) -> None:
        """Give a plot's curves their series, its lines and texts their values, then fit its range
        and place its labels."""
        shown = False
        for c in spec.curves:
            shown |= self._set(c.key, curve_series(spec, c, snap)) and c.shows_plot
        self._annotate_metric_lines(spec, snap)
        if spec.name in self._annotate:
            self._annotate[spec.name](snap)
        # a per-step plot is shown, empty, before the first step: a plot that appeared when Play is
        # pressed would re-lay out the dock and repaint all the plots in one go
        visible = spec.always_shown or shown
        self.widgets[spec.name].setVisible(visible)
        if not visible and spec.name in self.notes:  # no note under a hidden plot
            self.notes[spec.name].hide()
        y_range = y_range_of(spec, snap) if spec.y_unit is not None else None
        if y_range is not None and tuple(self.plots[spec.name].getViewBox().viewRange()[1]) != y_range:
            self.plots[spec.name].setYRange(*y_range, padding=0)
        if spec.placement is Placement.FREE_SIDE:
            self._labels_placed = False
            self._fit_loss_range()  # the curves moved (or the lines did): a label may now be on their side
            if not self._labels_placed:  # a new y range has placed them already (sigYRangeChanged)
                self._place_loss_labels()
        elif not (spec.log_y and self._fit_decades(spec.name)):  # a new range places the labels itself
            self._place_labels(spec)

    def _annotate_losses(self, snap: Snapshot) -> None:
        kind = snap.config.loss
        if kind == self._loss_kind:
            return
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

    def _annotate_metric_lines(self, spec: PlotSpec, snap: Snapshot) -> None:
        """Lines drawn at a snapshot metric (the MLE fits' KL, FID's floor, the number of classes):
        hidden where the snapshot has no value the axis can show."""
        specs = [s for s in spec.lines if s.metric is not None]
        for s in specs:
            line = self.lines[spec.name][s.key]
            value = line_value(spec, s, snap)
            line.setVisible(value is not None)  # first: a hidden line's label ignores a new text
            if value is not None:
                line.setValue(math.log10(value) if spec.log_y else value)  # a log plot's lines live in log10
                if s.forms_of is not None:
                    self._label_forms[line] = s.forms_of(s.metric, value)
        if specs:
            self._fit_labels([self.lines[spec.name][s.key] for s in specs])

    def _annotate_value(self, snap: Snapshot) -> None:
        if snap.critic:
            self.value_note.setText(
                f"V(G, D) is not estimated: loss = {snap.config.loss} trains D as a critic (a score, not a "
                "probability), so log D(x) is undefined. V(G, D*) is the original game's value at its optimal D.")
        self.value_note.setVisible(bool(snap.critic))
        # no line for a critic: no legend entry either
        if style.show_in_legend(self.legends["value"], self.curves["value"], self._legend_forms["value"][0],
                                not snap.critic):
            self._fit_legend("value")

    def _annotate_modes(self, snap: Snapshot) -> None:
        label = self.legends["modes"].getLabel(self.curves["modes_fraction"])
        if "modes_captured" in snap.metrics and "modes_total" in snap.metrics:
            label.setText(f"modes captured ({snap.metrics['modes_captured']:.0f}/{snap.metrics['modes_total']:.0f})")
        else:
            label.setText("modes captured")
        hq = snap.metrics.get("hq_fraction")
        self.legends["modes"].getLabel(self.curves["hq_fraction"]).setText(
            "high quality" + (f" ({100 * hq:.1f}%)" if hq is not None and math.isfinite(hq) else ""))
        self._fit_legend("modes")

    def _annotate_classes(self, snap: Snapshot) -> None:
        covered, total = snap.metrics.get("classes_covered"), snap.metrics.get("classes_total")
        known = covered is not None and total is not None and math.isfinite(covered) and math.isfinite(total)
        self.legends["classes"].getLabel(self.curves["classes_covered"]).setText(
            f"classes covered ({covered:.0f}/{total:.0f})" if known else "classes covered")
        self._fit_legend("classes")

    def _place_labels(self, spec: PlotSpec) -> None:
        """Put each of a plot's visible reference labels at an end of its line and on a side of it,
        chosen for all of them together (label_placement.choose_places)."""
        box = self.plots[spec.name].getViewBox()
        (x0, x1), (y0, y1) = box.viewRange()
        frame = Frame(x0, x1, y0, y1, box.width(), box.height())
        curves = [c.getData() for c in self.plots[spec.name].listDataItems() if c.isVisible()]
        usual = {self.lines[spec.name][s.key]: (s.right, s.above) for s in spec.lines}
        lines = [line for line in self.lines[spec.name].values() if line.isVisible()]
        if spec.placement is Placement.OUTWARD:  # the upper line's label above it, the lower's below
            lines.sort(key=lambda line: -line.value())
            usual = {line: (False, i == 0) for i, line in enumerate(lines)}
        labels = [label_of(line, usual[line]) for line in lines]
        for line, place in zip(lines, choose_places(labels, curves, frame)):
            if place is not None:
                put_label(line, place)

    def _relabel(self, name: str) -> None:
        """A log plot's new height holds more or fewer decade labels, and may need another decade
        for a label under its line."""
        if name in self._decades and not (self._lines_below(name) and self._fit_decades(name)):
            self._label_decades(name, self._decades[name])

    def _lines_below(self, name: str) -> list[pg.InfiniteLine]:
        """A log plot's visible lines whose label belongs under them (a floor, which the curve
        approaches from above)."""
        return [self.lines[name][s.key] for s in PLOTS_BY_NAME[name].lines
                if not s.above and self.lines[name][s.key].isVisible()]

    def _fit_decades(self, name: str) -> bool:
        """Show the visible curves and reference lines of a log plot between whole decades, so
        decade labels always exist; label as many decades as the plot's height has room for. True
        if the range changed."""
        lows, highs = [], []
        for c in self.plots[name].listDataItems():
            if c.isVisible():
                _, y = c.getOriginalDataset()
                if y is not None and len(y):
                    lows.append(float(np.min(y)))
                    highs.append(float(np.max(y)))
        levels = [10.0 ** line.value() for line in self.lines[name].values() if line.isVisible()]
        span = decade_span(lows + levels, highs + levels)
        below = self._lines_below(name)
        if span is not None and below:  # whole decades under such a line, as many as its label needs
            need = max(text_height(line) + (line.label.boundingRect().height() - text_height(line)) / 2
                       for line in below)
            span = room_below(span, [line.value() for line in below], need, self.plots[name].getViewBox().height())
        if span is None or span == self._decades.get(name):
            return False
        self._decades[name] = span
        self.plots[name].setYRange(*span, padding=DECADE_PADDING)  # room for the end labels
        self._label_decades(name, span)
        return True

    def _label_decades(self, name: str, span: tuple[int, int]) -> None:
        """Decade ticks set explicitly: pyqtgraph's own log axis writes 10⁻² rather than 0.01 and
        spaces its labels by its own rule, not LABEL_SPACING_PX."""
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

    def _free_side_pairs(self) -> list[tuple[pg.InfiniteLine, pg.PlotDataItem]]:
        """The loss plot's reference lines, each with the curve whose free side its label takes."""
        return [(self.loss_refs[s.key], self.curves[s.curve]) for s in PLOTS_BY_NAME["loss"].lines]

    def _fit_loss_range(self, *_) -> None:
        fit_free_side_range(self.plots["loss"].getViewBox(), self._free_side_pairs())

    def _place_loss_labels(self, _viewbox=None, y_range=None) -> None:
        if place_on_free_sides(self.plots["loss"].getViewBox(), self._free_side_pairs(), y_range):
            self._labels_placed = True

    def _place_mle_labels(self, *_) -> None:
        """The fits' labels: the upper line's above it and the lower's below it where the curves allow."""
        self._place_labels(PLOTS_BY_NAME["kl"])

    def _place_jsd_label(self, *_) -> None:
        """The ceiling's label, under its line where the curve allows."""
        self._place_labels(PLOTS_BY_NAME["jsd"])

    def clear(self) -> None:
        self._metric_key = None
        self._steps.reset()
        self._parts = []
        for c in self.curves.values():
            c.setData([], [])
        for spec in PLOTS:
            for s in spec.lines:
                if not s.shown:
                    self.lines[spec.name][s.key].hide()
        for note in self.notes.values():
            note.hide()
        for spec in PLOTS:  # a new run starts with empty plots: those it has no series for stay hidden
            self.widgets[spec.name].setVisible(spec.always_shown)
        self._label_bottom_plot()

__all__ = ["EMPTY_DECADES", "LABEL_SPACING_PX", "LOSS_REFERENCES", "MetricsView", "nice_ceiling", "series"]
