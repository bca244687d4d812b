"""The image game board: what G draws beside what P_data holds, and P_G against P_data as far as
images let it be measured (a PCA plane with densities, the classes a classifier sees, D's scores).

Every item is built once in __init__; a snapshot only calls setData/setImage/setOpts, and the
measured plots are redrawn only when a new measurement arrives.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTransform
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from ganstudio.core.grids import highest_density_level
from ganstudio.core.images.frame import ImageMeasurement
from ganstudio.core.snapshot import Snapshot

from . import style
from .image_mosaic import finite, finite_rows, mosaic, score_bins

MOSAIC_COLUMNS = 8
STRIP_COLUMNS = 10
DENSITY_MASSES = (0.5, 0.9)  # each density is drawn as the contours of its smallest regions holding these masses
MEASURING = "measuring…"
BAR_WIDTH = 0.38
IMAGE_SHARE = 13  # the images (with D's scores under them) take 13/20 of the width, PCA and classes 7/20
PLOT_SHARE = 7
SPACING = 4
IMAGE_MARGIN = 10  # pixels around a mosaic in its plot
TITLE_HEIGHT = 30  # a plot title's row (pyqtgraph's fixed height)
TWO_LINE_TITLE = 50
MIN_PANEL_HEIGHT = 160
LEGEND_MARGIN = 12


class ImageView(QWidget):
    """Generated and real mosaics with an interpolation strip on the left; PCA plane, class bars and
    D's score histograms on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snap: Snapshot | None = None
        self._keys: dict[str, object] = {}
        self._counts: dict[str, int] = {}

        self.toolbar = style.LayerToolbar(self)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(style.NOTE_STYLE)
        self.note.hide()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        outer.addWidget(self.toolbar)
        outer.addWidget(self.note)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(SPACING)
        outer.addLayout(row, 1)
        left, right = QVBoxLayout(), QVBoxLayout()
        for column, share in ((left, IMAGE_SHARE), (right, PLOT_SHARE)):
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(SPACING)
            row.addLayout(column, share)

        # --- images: one ImageItem per mosaic ---
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(style.BACKGROUND)
        left.addWidget(self.graphics, 3)
        self.fake_plot, self.fake_image = _image_plot(self.graphics, 0, 0, "Generated: G(z) for 64 fixed z")
        self.real_plot, self.real_image = _image_plot(self.graphics, 0, 1, "Real: samples of P_data")
        self.strip_plot, self.strip_image = _image_plot(self.graphics, 1, 0, "G along a line in z", colspan=2)

        # --- measured plots, each over a "measuring…" label and above its legend ---
        self.stacks: dict[str, QStackedWidget] = {}
        self.waiting: dict[str, QLabel] = {}
        self.panels: dict[str, pg.GraphicsLayoutWidget] = {}
        self.plots: dict[str, pg.PlotItem] = {}
        self.legends: dict[str, pg.LegendItem] = {}
        for key, column in (("scores", left), ("pca", right), ("classes", right)):
            stack = QStackedWidget(self)
            label = QLabel(MEASURING, stack)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)  # a narrow column must not be widened by its text
            label.setStyleSheet(f"QLabel {{ color: #555555; background: {style.BACKGROUND}; font-size: 14pt; }}")
            panel = pg.GraphicsLayoutWidget()
            panel.setBackground(style.BACKGROUND)
            plot: pg.PlotItem = panel.addPlot(row=0, col=0)
            plot.setMouseEnabled(x=False, y=False)
            plot.setMenuEnabled(False)
            legend = pg.LegendItem(labelTextColor=style.FOREGROUND, labelTextSize=style.LEGEND_TEXT_SIZE,
                                   brush=pg.mkBrush(255, 255, 255, 0), colCount=3)
            beside = key == "scores"  # under the wide, short histogram there is no height to spare
            panel.addItem(legend, row=0 if beside else 1, col=1 if beside else 0)
            legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            panel.ci.layout.setAlignment(legend, Qt.AlignmentFlag.AlignVCenter if beside
                                         else Qt.AlignmentFlag.AlignHCenter)
            stack.addWidget(label)
            stack.addWidget(panel)
            stack.setMinimumHeight(MIN_PANEL_HEIGHT)
            column.addWidget(stack, 1)
            self.stacks[key], self.waiting[key], self.panels[key] = stack, label, panel
            self.plots[key], self.legends[key] = plot, legend

        # --- image space in 2D: scatter and density contours of each set ---
        p = self.plots["pca"]
        style.style_plot(p, left="PC 2", bottom="PC 1")
        style.set_title(p, "Image space in 2D")
        self.pca_real = pg.ScatterPlotItem(size=4, pen=None, brush=style.brush("data", 110), pxMode=True)
        self.pca_fake = pg.ScatterPlotItem(size=5, pen=None, brush=style.brush("gen", 150), pxMode=True)
        p.addItem(self.pca_real)
        p.addItem(self.pca_fake)
        self.real_contours = [pg.IsocurveItem(level=0.0, pen=style.pen("data", width=2, style="dash"),
                                              axisOrder="row-major") for _ in DENSITY_MASSES]
        self.fake_contours = [pg.IsocurveItem(level=0.0, pen=style.pen("gen", width=2.5), axisOrder="row-major")
                              for _ in DENSITY_MASSES]
        for c in (*self.real_contours, *self.fake_contours):
            c.setZValue(5)
            p.addItem(c, ignoreBounds=True)
        # IsocurveItem has no legend sample of its own: empty curves with its pens stand in
        self.real_contour_key = pg.PlotDataItem(pen=self.real_contours[0].pen)
        self.fake_contour_key = pg.PlotDataItem(pen=self.fake_contours[0].pen)
        for item in (self.real_contour_key, self.fake_contour_key):
            p.addItem(item)
        masses = " and ".join(f"{round(100 * m)}%" for m in DENSITY_MASSES)
        legend = self.legends["pca"]
        legend.addItem(self.pca_real, "real")
        legend.addItem(self.pca_fake, "generated")
        legend.addItem(self.real_contour_key, "real density")
        legend.addItem(self.fake_contour_key, "generated density")
        legend.setToolTip(f"Contours: the smallest regions holding {masses} of each set's density "
                          "(real dashed, generated solid).")

        # --- classes: real and generated frequencies side by side ---
        p = self.plots["classes"]
        style.style_plot(p, left="share", bottom="class")
        self.bars_real = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, brush=style.brush("data", 200), pen=None)
        self.bars_fake = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, brush=style.brush("gen"), pen=None)
        p.addItem(self.bars_real)
        p.addItem(self.bars_fake)
        self.legends["classes"].addItem(self.bars_real, "real")
        self.legends["classes"].addItem(self.bars_fake, "generated")

        # --- D's scores on real and generated images ---
        p = self.plots["scores"]
        style.style_plot(p, left="count", bottom="D(x)")
        style.set_title(p, "D's scores")
        self.hist_real = pg.PlotCurveItem([0.0, 1.0], [0.0], stepMode="center", fillLevel=0,
                                          pen=style.pen("data", width=2), brush=style.brush("data", 40))
        self.hist_fake = pg.PlotCurveItem([0.0, 1.0], [0.0], stepMode="center", fillLevel=0,
                                          pen=style.pen("gen", width=2.5), brush=style.brush("gen", 60))
        p.addItem(self.hist_real)
        p.addItem(self.hist_fake)
        self.half = pg.InfiniteLine(pos=0.5, angle=90, pen=style.pen("d_star", width=2, style="dash"),
                                    label=" at the optimum D* = ½ everywhere",
                                    labelOpts={"position": 0.92, "color": style.FOREGROUND, "anchors": [(0, 0.5)] * 2,
                                               "fill": pg.mkBrush(*style.LABEL_FILL)})
        label_font = QFont()
        label_font.setPointSize(style.TICK_POINT_SIZE)
        self.half.label.setFont(label_font)
        p.addItem(self.half, ignoreBounds=True)
        self.legends["scores"].addItem(self.hist_real, "D(real)")
        self.legends["scores"].addItem(self.hist_fake, "D(G(z))")
        self.legends["scores"].setColumnCount(1)
        self._classes_titles: tuple[str, ...] = ()

        tb = self.toolbar
        tb.add("real", "Real points", [self.pca_real], True, "Real images projected on the real set's first two "
               "principal components.")
        tb.add("fake", "Generated points", [self.pca_fake], True, "Generated images on the same components.")
        tb.add("contours", "Density contours", [*self.real_contours, *self.fake_contours, self.real_contour_key,
                                                 self.fake_contour_key], True,
               f"The smallest regions holding {masses} of each set's smoothed density in the plane.")
        self.legends["pca"].sigSampleClicked.connect(tb.sync_from_items)
        self.clear()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit_images()

    def _fit_images(self) -> None:
        """The images' area no taller than its square mosaics and strip need at its width: the
        height left over goes to D's scores below them."""
        width = (self.width() - SPACING) * IMAGE_SHARE / (IMAGE_SHARE + PLOT_SHARE)
        side = (width - 4 * IMAGE_MARGIN) / 2
        strip = (width - 2 * IMAGE_MARGIN) / STRIP_COLUMNS
        strip_height = int(strip + TITLE_HEIGHT + 2 * IMAGE_MARGIN)
        self.strip_plot.setMinimumHeight(strip_height)
        self.strip_plot.setMaximumHeight(strip_height)
        self.graphics.setMaximumHeight(max(MIN_PANEL_HEIGHT, int(side + TITLE_HEIGHT + 2 * IMAGE_MARGIN) + strip_height))
        room = self.width() - width - SPACING
        style.fit_legend_columns(self.legends["pca"], room - 2 * LEGEND_MARGIN, most=2)
        self._fit_classes_title()

    def _fit_classes_title(self) -> None:
        """The longest of the classes plot's titles that fits its width."""
        if not self._classes_titles:
            return
        p = self.plots["classes"]
        room = self.stacks["classes"].width() - p.getAxis("left").width()  # the title spans the plot's box only
        font = QFont()
        font.setPointSize(int(style.TITLE_SIZE.removesuffix("pt")))
        lines = [t.split("<br>") for t in self._classes_titles]
        widest = [max(lines_, key=len) for lines_ in lines]
        chosen = self._classes_titles[style.longest_that_fits(tuple(widest), font, room, 2 * LEGEND_MARGIN)]
        if p.titleLabel.text != chosen:
            style.set_title(p, chosen)
            p.titleLabel.setMaximumHeight(TWO_LINE_TITLE)  # setTitle fixes one line's height
            p.titleLabel.setMinimumWidth(0)  # in a view too narrow even for the short title, the plot keeps its width
            p.layout.setRowFixedHeight(0, TWO_LINE_TITLE)

    # ------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        if snap.dim != 0 or snap.images is None:
            raise ValueError(f"ImageView shows image distributions; this snapshot is {snap.dim}D")
        self._snap = snap
        frame = snap.images
        self._show_mosaic("fake", self.fake_plot, self.fake_image, frame.fake, MOSAIC_COLUMNS,
                          "Generated: G(z) for {n} fixed z")
        self._show_mosaic("real", self.real_plot, self.real_image, frame.real, MOSAIC_COLUMNS,
                          "Real: samples of P_data")
        self._show_mosaic("strip", self.strip_plot, self.strip_image, frame.interpolation, STRIP_COLUMNS,
                          "G along a line in z")
        m = frame.measured
        # a new measurement comes as a new ImageMeasurement, with the metrics measured with it
        if "measured" in self._keys and m is self._keys["measured"] and snap.critic == self._keys["critic"]:
            return
        self._keys["measured"], self._keys["critic"] = m, snap.critic
        if m is None:
            for stack in self.stacks.values():
                stack.setCurrentIndex(0)
            for label in self.waiting.values():
                label.setText(MEASURING)
            return
        self._show_pca(m)
        self._show_classes(m, snap.metrics)
        self._show_scores(m, snap.critic)

    def _show_mosaic(self, key: str, plot: pg.PlotItem, item: pg.ImageItem, images: np.ndarray, columns: int,
                     title: str) -> None:
        if images is self._keys.get(key):
            return  # a cheap snapshot between redraws carries the same arrays
        self._keys[key] = images
        a = np.asarray(images)
        tiled = mosaic(a, min(columns, max(1, len(a))))
        item.setImage(tiled, levels=(0.0, 1.0), autoLevels=False)
        h, w = tiled.shape[:2]
        if self._counts.get(key) != (len(a), h, w):
            self._counts[key] = (len(a), h, w)
            style.set_title(plot, title.format(n=len(a)))
            plot.setRange(xRange=(0, w), yRange=(0, h), padding=0.0)

    def _show_pca(self, m: ImageMeasurement) -> None:
        self.stacks["pca"].setCurrentIndex(1)
        self.pca_real.setData(pos=finite_rows(m.real_xy))
        self.pca_fake.setData(pos=finite_rows(m.fake_xy))
        x0, x1, y0, y1 = (float(e) for e in m.extent)
        for curves, density in ((self.real_contours, m.real_density), (self.fake_contours, m.fake_density)):
            d = np.nan_to_num(np.asarray(density, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
            ny, nx = d.shape
            tr = _cell_transform(m.extent, nx, ny)
            cell = (x1 - x0) / nx * (y1 - y0) / ny
            for c, mass in zip(curves, DENSITY_MASSES):
                level = highest_density_level(d, cell, mass)
                c.setTransform(tr)
                if level is None:
                    c.setData(None)
                else:
                    c.setLevel(level)
                    c.setData(d)
        self.plots["pca"].setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)

    def _show_classes(self, m: ImageMeasurement, metrics) -> None:
        names = tuple(m.class_names)
        real = np.asarray(m.real_class_freq, dtype=float)
        fake = np.asarray(m.fake_class_freq, dtype=float)
        if not names or len(real) != len(names) or len(fake) != len(names) or not math.isfinite(
                float(m.classifier_accuracy)):
            self.waiting["classes"].setText("Classes: this image set has no labels, so no classifier measures them.")
            self.stacks["classes"].setCurrentIndex(0)
            return
        self.stacks["classes"].setCurrentIndex(1)
        xs = np.arange(len(names), dtype=float)
        ok_r, ok_f = np.isfinite(real), np.isfinite(fake)
        self.bars_real.setOpts(x=xs[ok_r] - BAR_WIDTH / 2, height=real[ok_r], width=BAR_WIDTH)
        self.bars_fake.setOpts(x=xs[ok_f] + BAR_WIDTH / 2, height=fake[ok_f], width=BAR_WIDTH)
        p = self.plots["classes"]
        p.getAxis("bottom").setTicks([[(float(i), n) for i, n in enumerate(names)]])
        top = max([*real[ok_r], *fake[ok_f], 0.1])
        p.setRange(xRange=(-0.6, len(names) - 0.4), yRange=(0.0, 1.08 * top), padding=0.0)
        self._classes_titles = (classes_title(m.classifier_accuracy, metrics),
                                classes_title(m.classifier_accuracy, metrics, short=True))
        self._fit_classes_title()

    def _show_scores(self, m: ImageMeasurement, critic: bool) -> None:
        self.stacks["scores"].setCurrentIndex(1)
        edges = score_bins(m.d_real, m.d_fake, critic)
        for item, scores in ((self.hist_real, m.d_real), (self.hist_fake, m.d_fake)):
            v = finite(scores)
            counts, _ = np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)
            item.setData(edges, counts.astype(float))
        self.half.setVisible(not critic)
        p = self.plots["scores"]
        label = "critic score" if critic else "D(x)"
        if p.getAxis("bottom").labelText != label:
            style.style_axis(p.getAxis("bottom"), label)
        self.legends["scores"].getLabel(self.hist_real).setText("critic(real)" if critic else "D(real)")
        self.legends["scores"].getLabel(self.hist_fake).setText("critic(G(z))" if critic else "D(G(z))")
        p.setRange(xRange=(edges[0], edges[-1]), padding=0.02)
        p.enableAutoRange(axis="y")

    def clear(self) -> None:
        self._snap = None
        self._keys.clear()
        self._counts.clear()
        for item in (self.fake_image, self.real_image, self.strip_image):
            item.clear()
        for stack in self.stacks.values():
            stack.setCurrentIndex(0)
        for label in self.waiting.values():
            label.setText(MEASURING)
        for item in (self.pca_real, self.pca_fake):
            item.setData(pos=np.zeros((0, 2)))
        for c in (*self.real_contours, *self.fake_contours):
            c.setData(None)
        for item in (self.hist_real, self.hist_fake):
            item.setData([0.0, 1.0], [0.0])
        self.bars_real.setOpts(x=[], height=[])
        self.bars_fake.setOpts(x=[], height=[])
        self.note.hide()


def classes_title(accuracy: float, metrics, short: bool = False) -> str:
    """'Classes (classifier accuracy 97%)' over 'classes covered 7/10 · class KL 0.12' (KL in nats);
    `short`: 'Classes (accuracy 97%)' over 'covered 7/10 · KL 0.12', for a narrow plot."""
    head = "Classes"
    if math.isfinite(float(accuracy)):
        head += f" ({'' if short else 'classifier '}accuracy {round(100 * float(accuracy))}%)"
    parts = []
    covered, total = metrics.get("classes_covered"), metrics.get("classes_total")
    if covered is not None and total is not None and math.isfinite(covered) and math.isfinite(total):
        parts.append(f"{'' if short else 'classes '}covered {round(covered)}/{round(total)}")
    kl = metrics.get("class_kl")
    if kl is not None and math.isfinite(kl):
        parts.append(f"{'' if short else 'class '}KL {kl:.2f}")
    return head + ("<br>" + " · ".join(parts) if parts else "")


def _image_plot(graphics: pg.GraphicsLayoutWidget, row: int, col: int, title: str,
                colspan: int = 1) -> tuple[pg.PlotItem, pg.ImageItem]:
    """A titled, axis-less plot holding one ImageItem drawn top row first, aspect locked, no zoom or pan."""
    p: pg.PlotItem = graphics.addPlot(row=row, col=col, colspan=colspan)
    style.set_title(p, title)
    for name in ("left", "bottom"):
        p.hideAxis(name)
    p.setAspectLocked(True)
    p.invertY(True)
    p.setMouseEnabled(x=False, y=False)
    p.setMenuEnabled(False)
    p.hideButtons()
    p.getViewBox().setDefaultPadding(0.0)
    item = pg.ImageItem(axisOrder="row-major")
    p.addItem(item)
    return p, item


def _cell_transform(extent, nx: int, ny: int) -> QTransform:
    """From a density grid's (column, row) index space onto the plane: index j lies at the centre
    x0 + (j + 1/2) dx of its cell."""
    x0, x1, y0, y1 = (float(e) for e in extent)
    dx, dy = (x1 - x0) / nx, (y1 - y0) / ny
    tr = QTransform()
    tr.translate(x0 + dx / 2, y0 + dy / 2)
    tr.scale(dx, dy)
    return tr


__all__ = ["ImageView", "classes_title", "MEASURING"]
