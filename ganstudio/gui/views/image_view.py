"""The image game board: what G draws beside what P_data holds, and P_G against P_data as far as
images let it be measured (a PCA plane with densities, the classes a classifier sees, D's scores).

Every item is built once in __init__; a snapshot only calls setData/setImage/setOpts, and the
measured plots are redrawn only when a new measurement arrives.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QTransform
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from ganstudio.core.grids import highest_density_level
from ganstudio.core.images.frame import ImageMeasurement
from ganstudio.core.snapshot import Snapshot

from . import style
from .image_mosaic import TITLE_HEIGHT, Box, finite, finite_rows, image_layout, mosaic, score_bins

MOSAIC_COLUMNS = 8
STRIP_COLUMNS = 10
DENSITY_MASSES = (0.5, 0.9)  # each density is drawn as the contours of its smallest regions holding these masses
MEASURING = "measuring…"
BAR_WIDTH = 0.38
LEGEND_MARGIN = 4  # pixels a legend keeps clear of its plot's edges
PANEL_MARGIN = 4  # pixels around a measured plot and its legend
TWO_LINE_TITLE = 50  # the classes title's height
MIN_PLOT_HEIGHT = 110  # a measured plot's axes and data need this much height beside title and legend
TITLE_PAD = 12  # pixels a title keeps clear of its box's edges
# each image's titles, longest first: the longest that fits its box is shown
MOSAIC_TITLES = {
    "fake": ("Generated: G(z) for {n} fixed z", "Generated: G(z)", "Generated", "G(z)"),
    "real": ("Real: samples of P_data", "Real: P_data", "Real"),
    "strip": ("G along a line in z", "G along a line", "G on a line"),
}
HALF_LABELS = (" at the optimum D* = ½ everywhere", " optimum D* = ½", " D* = ½")
PLOT_NAMES = {"pca": "Image space", "classes": "Classes", "scores": "D's scores"}  # the tabs of a narrow view
PCA_NAMES = ("real", "generated", "real density", "generated density")
PCA_SHORT_NAMES = ("real", "generated", "real dens.", "gen. dens.")


class _Area(QWidget):
    """A widget without a layout whose children are placed by `arrange(width, height)` on every resize."""

    def __init__(self, arrange, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._arrange = arrange

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._arrange(self.width(), self.height())


def same_measurement(a: ImageMeasurement | None, b: ImageMeasurement | None) -> bool:
    """Whether two measurements are the same one: the same step and the same generated points."""
    if a is None or b is None:
        return a is b
    return a is b or (a.step == b.step and a.fake_xy.shape == b.fake_xy.shape and np.array_equal(a.fake_xy, b.fake_xy)
                      and np.array_equal(a.fake_class_freq, b.fake_class_freq) and np.array_equal(a.d_fake, b.d_fake))


class ImageView(QWidget):
    """Generated and real mosaics side by side with an interpolation strip under them, as large as
    the view allows; under them the PCA plane, class bars and D's score histograms, in a row when
    the view is wide enough for three plots, else in tabs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snap: Snapshot | None = None
        self._keys: dict[str, object] = {}
        self._counts: dict[str, int] = {}
        self._tabbed: bool | None = None
        self._rooms: dict[str, int] = {}  # each measured plot's width

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
        self.area = _Area(self._arrange, self)
        self.area.setMinimumSize(0, 0)
        outer.addWidget(self.area, 1)

        # --- images: one ImageItem per mosaic, each plot placed by hand in pixel coordinates ---
        self.graphics = pg.GraphicsView(self.area, background=style.BACKGROUND)
        self.graphics.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # image pixels stay crisp
        self.graphics.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.graphics.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.graphics.setFrameShape(QFrame.Shape.NoFrame)
        self.canvas = pg.GraphicsWidget()  # the view's central item, in pixels; the image plots are its children
        self.graphics.setCentralItem(self.canvas)
        self.fake_plot, self.fake_image = _image_plot(self.canvas, MOSAIC_TITLES["fake"][0].format(n=64))
        self.real_plot, self.real_image = _image_plot(self.canvas, MOSAIC_TITLES["real"][0])
        self.strip_plot, self.strip_image = _image_plot(self.canvas, MOSAIC_TITLES["strip"][0])
        self.image_plots = {"fake": self.fake_plot, "real": self.real_plot, "strip": self.strip_plot}
        self._image_titles = {key: forms for key, forms in MOSAIC_TITLES.items()}
        self._image_titles["fake"] = tuple(t.format(n=64) for t in MOSAIC_TITLES["fake"])

        # --- measured plots, each over a "measuring…" label and above its legend ---
        self.tabs = QTabWidget(self.area)
        self.tabs.setDocumentMode(True)
        self.stacks: dict[str, QStackedWidget] = {}
        self.waiting: dict[str, QLabel] = {}
        self.panels: dict[str, pg.GraphicsLayoutWidget] = {}
        self.plots: dict[str, pg.PlotItem] = {}
        self.legends: dict[str, pg.LegendItem] = {}
        self.titles: dict[str, pg.LabelItem] = {}
        for key in ("pca", "classes", "scores"):
            stack = QStackedWidget(self.area)
            label = QLabel(MEASURING, stack)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)  # a narrow plot must not be widened by its text
            label.setMinimumSize(0, 0)
            label.setStyleSheet(f"QLabel {{ color: #555555; background: {style.BACKGROUND}; font-size: 14pt; }}")
            panel = pg.GraphicsLayoutWidget()
            panel.setBackground(style.BACKGROUND)
            panel.ci.layout.setContentsMargins(PANEL_MARGIN, PANEL_MARGIN, PANEL_MARGIN, PANEL_MARGIN)
            panel.setMinimumSize(0, 0)
            # the title is the panel's, over the plot's axis and box both: a narrow plot has its whole width
            title = panel.addLabel("", row=0, col=0, color=style.FOREGROUND, size=style.TITLE_SIZE)
            plot: pg.PlotItem = panel.addPlot(row=1, col=0)
            plot.setMouseEnabled(x=False, y=False)
            plot.setMenuEnabled(False)
            legend = pg.LegendItem(labelTextColor=style.FOREGROUND, labelTextSize=style.LEGEND_TEXT_SIZE,
                                   brush=pg.mkBrush(255, 255, 255, 0), colCount=2)
            panel.addItem(legend, row=2, col=0)
            legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            panel.ci.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
            stack.addWidget(label)
            stack.addWidget(panel)
            self.stacks[key], self.waiting[key], self.panels[key] = stack, label, panel
            self.plots[key], self.legends[key], self.titles[key] = plot, legend, title
        # --- image space in 2D: scatter and density contours of each set ---
        p = self.plots["pca"]
        style.style_plot(p, left="PC 2", bottom="PC 1")
        self.titles["pca"].setText("Image space in 2D")
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
        self._pca_keys = (self.pca_real, self.pca_fake, self.real_contour_key, self.fake_contour_key)
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
        self.titles["scores"].setText("D's scores")
        self.hist_real = pg.PlotCurveItem([0.0, 1.0], [0.0], stepMode="center", fillLevel=0,
                                          pen=style.pen("data", width=2), brush=style.brush("data", 40))
        self.hist_fake = pg.PlotCurveItem([0.0, 1.0], [0.0], stepMode="center", fillLevel=0,
                                          pen=style.pen("gen", width=2.5), brush=style.brush("gen", 60))
        p.addItem(self.hist_real)
        p.addItem(self.hist_fake)
        self.half = pg.InfiniteLine(pos=0.5, angle=90, pen=style.pen("d_star", width=2, style="dash"),
                                    label=HALF_LABELS[0],
                                    labelOpts={"position": 0.92, "color": style.FOREGROUND, "anchors": [(0, 0.5)] * 2,
                                               "fill": pg.mkBrush(*style.LABEL_FILL)})
        label_font = QFont()
        label_font.setPointSize(style.TICK_POINT_SIZE)
        self.half.label.setFont(label_font)
        p.addItem(self.half, ignoreBounds=True)
        self.legends["scores"].addItem(self.hist_real, "D(real)")
        self.legends["scores"].addItem(self.hist_fake, "D(G(z))")
        self._classes_titles: tuple[str, ...] = ()
        self._legend_tips = {
            "pca": "Dots: real (black) and generated (green) images; contours: real (dashed) and generated "
                   "(solid) densities.",
            "classes": "Bars: real (black) and generated (green) class frequencies.",
            "scores": "Histograms of D on real images (black) and on generated ones (green).",
        }

        tb = self.toolbar
        tb.add("real", "Real points", [self.pca_real], True, "Real images projected on the real set's first two "
               "principal components.")
        tb.add("fake", "Generated points", [self.pca_fake], True, "Generated images on the same components.")
        tb.add("contours", "Density contours", [*self.real_contours, *self.fake_contours, self.real_contour_key,
                                                 self.fake_contour_key], True,
               f"The smallest regions holding {masses} of each set's smoothed density in the plane.")
        self.legends["pca"].sigSampleClicked.connect(tb.sync_from_items)
        self.clear()

    def _arrange(self, width: int, height: int) -> None:
        """Place the images and the measured plots for an area of `width` x `height` pixels
        (image_layout), then fit each title, legend and label to the room its plot got."""
        strip = self.strip_image.image
        aspect = strip.shape[1] / strip.shape[0] if strip is not None else (STRIP_COLUMNS * 9 - 1) / 8
        lay = image_layout(width, height, aspect)
        self._set_tabbed(lay.tabbed)
        # legends and titles first: a legend's width is its panel's minimum, which a resize must already see
        if lay.tabbed:
            tab_bar = self.tabs.tabBar().sizeHint().height()
            sizes = [(max(0, lay.plots[0].width - 4), lay.plots[0].height - tab_bar - 4)] * 3
        else:
            sizes = [(b.width, b.height) for b in lay.plots]
        for key, (room, tall) in zip(("pca", "classes", "scores"), sizes):
            self._rooms[key] = room
            legend = self.legends[key]
            if key == "pca":
                self._fit_pca_legend(room - 2 * (LEGEND_MARGIN + PANEL_MARGIN))
            else:
                style.fit_legend_columns(legend, room - 2 * (LEGEND_MARGIN + PANEL_MARGIN), most=2)
            # a plot too short for its legend below shows it in its tooltip instead
            legend_height = legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).height()
            title = TWO_LINE_TITLE if key == "classes" else TITLE_HEIGHT
            legend.setVisible(tall - legend_height - title >= MIN_PLOT_HEIGHT)
            self.plots[key].setToolTip("" if legend.isVisible() else self._legend_tips[key])
        self._fit_classes_title()
        self._fit_half_label()
        top = lay.strip.bottom + 1
        self.graphics.setGeometry(0, 0, width, min(height, top))
        for key, box in (("fake", lay.fake), ("real", lay.real), ("strip", lay.strip)):
            plot = self.image_plots[key]
            self._fit_image_title(key, box.width)
            plot.setVisible(box.width > 0 and box.height > 0)
            plot.setGeometry(QRectF(box.x, box.y, box.width, box.height))
        for key, plot in self.plots.items():
            _refresh_minimum(plot, self.panels[key].ci)
        if lay.tabbed:
            self.tabs.setGeometry(_rect(lay.plots[0]))
        else:
            for key, box in zip(("pca", "classes", "scores"), lay.plots):
                self.stacks[key].setGeometry(_rect(box))
        for panel in self.panels.values():  # a panel whose size did not change lays its plot out again
            panel.ci.setGeometry(QRectF(0, 0, panel.width(), panel.height()))

    def _fit_pca_legend(self, room: float) -> None:
        """The PCA legend in one row or two, with full names where they fit, else short ones."""
        legend = self.legends["pca"]
        for names, columns in ((PCA_NAMES, 4), (PCA_NAMES, 2), (PCA_SHORT_NAMES, 2), (PCA_SHORT_NAMES, 1)):
            for item, name in zip(self._pca_keys, names):
                legend.getLabel(item).setText(name)
            legend.setColumnCount(columns)
            if legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).width() <= room:
                break

    def _plot_room(self, key: str) -> int:
        """The width a measured plot gets: its own box in a row, the tab widget's width in tabs."""
        return self._rooms.get(key, 0)

    def _set_tabbed(self, tabbed: bool) -> None:
        """Move the measured plots into the tab widget, or out of it into a row."""
        if tabbed == self._tabbed:
            return
        self._tabbed = tabbed
        if tabbed:
            for key, stack in self.stacks.items():
                self.tabs.addTab(stack, PLOT_NAMES[key])
            self.tabs.show()
        else:
            while self.tabs.count():
                self.tabs.removeTab(0)
            for stack in self.stacks.values():
                stack.setParent(self.area)
                stack.show()
            self.tabs.hide()

    def _fit_image_title(self, key: str, room: int) -> None:
        """The longest of an image's titles that fits its box."""
        plot = self.image_plots[key]
        forms = self._image_titles[key]
        chosen = forms[style.longest_that_fits(forms, _title_font(), room, TITLE_PAD)]
        if plot.titleLabel.text != chosen:
            style.set_title(plot, chosen)
        plot.titleLabel.setMinimumWidth(0)  # the box, not the text, sets the plot's width

    def _fit_classes_title(self) -> None:
        """The longest of the classes plot's titles that fits its width."""
        if not self._classes_titles:
            return
        width = QFontMetricsF(_title_font()).horizontalAdvance
        widest = tuple(max(t.split("<br>"), key=width) for t in self._classes_titles)
        chosen = self._classes_titles[style.longest_that_fits(widest, _title_font(), self._plot_room("classes"),
                                                              TITLE_PAD)]
        if self.titles["classes"].text != chosen:
            self.titles["classes"].setText(chosen)

    def _fit_half_label(self) -> None:
        """The longest label of the D = 1/2 line that fits between the line and the plot's right edge."""
        p = self.plots["scores"]
        x0, x1 = p.getViewBox().viewRange()[0]
        box = self._plot_room("scores") - p.getAxis("left").width() - 8
        room = box * (x1 - 0.5) / (x1 - x0) if x1 > x0 else 0.0
        font = self.half.label.textItem.font()
        chosen = HALF_LABELS[style.longest_that_fits(HALF_LABELS, font, room, 10)]
        if self.half.label.format != chosen:
            self.half.label.setFormat(chosen)

    # ------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        if snap.dim != 0 or snap.images is None:
            raise ValueError(f"ImageView shows image distributions; this snapshot is {snap.dim}D")
        self._snap = snap
        frame = snap.images
        self._show_mosaic("fake", self.fake_plot, self.fake_image, frame.fake, MOSAIC_COLUMNS)
        self._show_mosaic("real", self.real_plot, self.real_image, frame.real, MOSAIC_COLUMNS)
        self._show_mosaic("strip", self.strip_plot, self.strip_image, frame.interpolation, STRIP_COLUMNS)
        m = frame.measured
        # a snapshot from the training process is a new object each frame, carrying the same
        # measurement until the next one: compare by value, so the plots are redrawn only for a new one
        if "measured" in self._keys and same_measurement(m, self._keys["measured"]) and (
                snap.critic == self._keys["critic"]):
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

    def _show_mosaic(self, key: str, plot: pg.PlotItem, item: pg.ImageItem, images: np.ndarray,
                     columns: int) -> None:
        previous = self._keys.get(key)
        if previous is not None and (images is previous or np.array_equal(images, previous)):
            return  # frames between redraws of the images carry the same pixels
        self._keys[key] = images
        a = np.asarray(images)
        tiled = mosaic(a, min(columns, max(1, len(a))))
        item.setImage(tiled, levels=(0.0, 1.0), autoLevels=False)
        h, w = tiled.shape[:2]
        if self._counts.get(key) != (len(a), h, w):
            self._counts[key] = (len(a), h, w)
            self._image_titles[key] = tuple(t.format(n=len(a)) for t in MOSAIC_TITLES[key])
            plot.setRange(xRange=(0, w), yRange=(0, h), padding=0.0)
            self._arrange(self.area.width(), self.area.height())  # the strip's shape sets its height

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
        self._fit_half_label()

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


def _image_plot(canvas: pg.GraphicsWidget, title: str) -> tuple[pg.PlotItem, pg.ImageItem]:
    """A titled, axis-less plot holding one ImageItem drawn top row first, aspect locked, no zoom or pan;
    its geometry is set by the view."""
    p = pg.PlotItem()
    p.setParentItem(canvas)
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


def _refresh_minimum(plot: pg.PlotItem, layout: pg.GraphicsLayout) -> None:
    """Recompute the minimum sizes of `plot` and the layout holding it now, not at the next event loop
    pass: a title or legend that just shrank must let a resize make the plot narrower."""
    plot.layout.invalidate()
    plot.updateGeometry()
    layout.layout.invalidate()
    layout.updateGeometry()


def _title_font() -> QFont:
    font = QFont()
    font.setPointSize(int(style.TITLE_SIZE.removesuffix("pt")))
    return font


def _rect(box: Box) -> QRect:
    return QRect(box.x, box.y, box.width, box.height)


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
