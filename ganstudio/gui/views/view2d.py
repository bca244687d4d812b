"""The 2D game board: D (or D*) as a heat map under real and fake samples, with the
generator's manifold, the pull of D on each fake point, and the mixture's modes.

Every layer is one plot item built in __init__; a snapshot only calls setData/setImage,
so a frame costs a handful of numpy copies however long training runs.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QComboBox, QGraphicsItem, QLabel, QSizePolicy, QWidget

from ganstudio.core.grids import highest_density_level
from ganstudio.core.snapshot import Snapshot
from ganstudio.core.frames import ARROW_SAMPLES

from . import style

ARROWS = ARROW_SAMPLES  # fake points that get a gradient arrow (the first ones: the same points every frame)
ARROW_FRACTION = 0.06  # longest arrow, as a fraction of the plot's width
HEAD_FRACTION = 0.3  # arrow head length, as a fraction of the arrow
HEAD_ANGLE = np.deg2rad(25.0)
CONTOURS = (0.25, 0.5, 0.75)  # D* levels drawn as contours; 0.5 is where p_data = p_G
HEAT_SOURCES = ("D(x)", "D*(x)", "off")
MLE_MASSES = (0.5, 0.9)  # a maximum-likelihood fit is drawn as the smallest regions holding these masses
MLE_FITS = {  # key: (legend name, short name for a narrow view, dash)
    "mle_gauss": ("max-likelihood Gaussian", "ML Gaussian", "dash"),
    "mle_gmm": ("max-likelihood mixture", "ML mixture", "dashdot"),
}
PLOT_FRAME = (150, 60)  # pixels of a plot's width and height outside its square: axes and colour bar
LEGEND_MARGIN = 12


class MovingScatter(pg.ScatterPlotItem):
    """A scatter of identically styled points that move every frame.

    setData re-derives every point's style and symbol-atlas entry, a cost that would be paid
    30 times a second.  When only positions change, move_to rewrites them in place.
    """

    def move_to(self, pos: np.ndarray) -> None:
        if len(pos) == 0 or len(pos) != len(self.data):
            self.setData(pos=pos)
            return
        self.data["x"] = pos[:, 0]
        self.data["y"] = pos[:, 1]
        self.prepareGeometryChange()
        self.bounds = [None, None]  # pyqtgraph's cached data bounds
        self.informViewBoundsChanged()
        self.update()


class View2D(QWidget):
    """Real and fake samples over D; toggles for every layer; aspect ratio locked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._extent: tuple[float, ...] | None = None
        self._critic: bool | None = None
        self._snap: Snapshot | None = None
        self._heat_key: tuple = (None, None)
        self._contour_key = None
        self._real_key, self._modes_key = None, _NO_MODES_DRAWN
        self._rect = QRectF()

        self.toolbar, self.graphics, self.note = style.view_frame(self)

        p: pg.PlotItem = self.graphics.addPlot(row=0, col=0)
        self.plot = p
        style.style_plot(p, left="x₂", bottom="x₁")
        p.setAspectLocked(True)
        p.showGrid(x=False, y=False)

        # --- heat map of D or D*, with its colour bar ---
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setOpacity(style.HEATMAP_OPACITY)
        self.heat.setZValue(-10)
        p.addItem(self.heat)
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=style.HEATMAP, interactive=False, width=18)
        self.colorbar.setImageItem(self.heat, insert_in=p)
        for name in ("left", "top", "bottom"):
            self.colorbar.getAxis(name).setPen(pg.mkPen(style.FOREGROUND))
        style.style_axis(self.colorbar.axis, "D(x)")
        self.contours = [pg.IsocurveItem(level=v, pen=style.pen("d_star", width=3 if v == 0.5 else 1.5,
                                                                     style="solid" if v == 0.5 else "dash"),
                                         axisOrder="row-major") for v in CONTOURS]
        for c in self.contours:
            c.setZValue(-5)
            p.addItem(c, ignoreBounds=True)

        # --- the generator's manifold: the image of a latent grid, one item for all lines ---
        # (bare PlotCurveItems: they are redrawn 30 times a second, and PlotDataItem's extra machinery costs each frame)
        self.manifold = pg.PlotCurveItem(pen=style.pen("manifold", width=1, alpha=140), connect="finite")
        self.manifold.setZValue(-2)
        p.addItem(self.manifold)

        # --- samples: one scatter per set, styles fixed once ---
        self.real = pg.ScatterPlotItem(size=5, pen=None, brush=style.brush("data", 170), pxMode=True,
                                       name="real x ~ P_data")
        self.fake = MovingScatter(size=7, pen=pg.mkPen("#ffffff", width=0.8), brush=style.brush("gen"),
                                  pxMode=True, name="fake G(z), fixed z")
        p.addItem(self.real)
        p.addItem(self.fake)

        # --- gradient of D at fake points: segments and heads in one connect='pairs' item ---
        self.arrows = pg.PlotCurveItem(pen=style.pen("arrows", width=2), connect="pairs")
        self.arrows.setZValue(5)
        p.addItem(self.arrows)

        # --- mode centres, captured or not ---
        self.modes_captured = pg.ScatterPlotItem(symbol="star", size=20, pen=pg.mkPen(style.FOREGROUND, width=1.2),
                                                 brush=style.brush("captured"), pxMode=True)
        self.modes_missed = pg.ScatterPlotItem(symbol="o", size=16, pen=style.pen("missed", width=3),
                                               brush=pg.mkBrush(0, 0, 0, 0), pxMode=True)
        for item in (self.modes_captured, self.modes_missed):
            item.setZValue(1)  # under the samples: a captured mode's fakes stay visible on its star
            p.addItem(item)
        self.real.setZValue(2)
        self.fake.setZValue(3)
        # Layers that change only with a full snapshot are painted from a pixmap cache: each
        # frame then repaints only the moving fakes, arrows and manifold in Python.
        for item in (self.heat, self.real, self.modes_captured, self.modes_missed):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

        # the legend sits beside the plot or under it (whichever leaves the square plot larger),
        # never over the data
        self.legend = pg.LegendItem(labelTextColor=style.FOREGROUND, labelTextSize=style.LEGEND_TEXT_SIZE,
                                    brush=pg.mkBrush(255, 255, 255, 0))
        self.legend_below = False
        self.graphics.addItem(self.legend, row=0, col=1)
        self.graphics.ci.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop)
        self.legend.addItem(self.real, "real x ~ P_data")
        self.legend.addItem(self.fake, "fake G(z), fixed z")
        self.legend.addItem(self.arrows, "∇ₓ D at fakes")
        self.legend.addItem(self.manifold, "G(latent grid)")
        # IsocurveItem has no legend sample of its own: an empty curve with its pen stands in
        self.contour_key = pg.PlotDataItem(pen=self.contours[1].pen)
        p.addItem(self.contour_key)
        self.legend.addItem(self.contour_key, "D* = ½ (p_data = p_G)")

        # --- maximum-likelihood fits of P_data, as the contours of their 50% and 90% regions ---
        self.mle: dict[str, list[pg.IsocurveItem]] = {}
        self.mle_keys: dict[str, pg.PlotDataItem] = {}
        self._mle_grid: dict[str, object] = {}
        self._mle_masses = {key: MLE_MASSES for key in MLE_FITS}  # the masses whose contours are drawn
        for key, (_, _, dash) in MLE_FITS.items():
            pen = style.pen(key, width=2.5, style=dash)
            self.mle[key] = [pg.IsocurveItem(level=0.0, pen=pen, axisOrder="row-major") for _ in MLE_MASSES]
            for c in self.mle[key]:
                c.setZValue(-4)
                p.addItem(c, ignoreBounds=True)
            self.mle_keys[key] = pg.PlotDataItem(pen=pen)  # its legend sample, in the legend while shown
            p.addItem(self.mle_keys[key])
        self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)


        # --- toolbar ---
        tb = self.toolbar
        heat_label = QLabel("Heat map:", tb)
        self.heat_source = QComboBox(tb)
        self.heat_source.addItems(HEAT_SOURCES)
        self.heat_source.setToolTip("Colour the plane by the learned D(x), by the optimal "
                                    "D*(x) = p_data / (p_data + p_G), or not at all.")
        self.heat_source.currentIndexChanged.connect(self._heat_source_changed)
        tb.add_widget(heat_label)
        tb.add_widget(self.heat_source)
        tb.add("real", "Real", [self.real], True, "Samples of P_data.")
        tb.add("fake", "Fake", [self.fake], True, "G(z) for a fixed batch of z, so each point can be followed.")
        tb.add("contours", "D* contours", [*self.contours, self.contour_key], False,
               "Contours of D* at 0.25, 0.5 and 0.75; on the solid 0.5 line p_data = p_G.")
        tb.add("manifold", "Manifold", [self.manifold], True,
               "The image under G of a grid in the first two latent coordinates.")
        tb.add("arrows", "∇D arrows", [self.arrows], True,
               f"Gradient of D's output at {ARROWS} fake points: where the generator is pushed. "
               "Lengths are relative to the longest.")
        tb.add("modes", "Modes", [self.modes_captured, self.modes_missed], True,
               "Mixture mode centres: a star when captured (a high-quality sample within 3σ), a ring when missed.")
        tb.add("mle_gauss", "Gaussian MLE", [*self.mle["mle_gauss"], self.mle_keys["mle_gauss"]], False,
               "The Gaussian fitted to P_data by maximum likelihood (mean and covariance of the data), drawn "
               "as the smallest regions holding 50% and 90% of its mass: one ellipse cannot follow a ring.")
        tb.add("mle_gmm", "Mixture MLE", [*self.mle["mle_gmm"], self.mle_keys["mle_gmm"]], False,
               "A K-component Gaussian mixture fitted by maximum likelihood (EM), drawn as the smallest "
               "regions holding 50% and 90% of its mass.")
        for key in MLE_FITS:
            tb.boxes[key].toggled.connect(lambda on, k=key: self._mle_shown(k, on))
        self.legend.sigSampleClicked.connect(tb.sync_from_items)

    # ------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._place_legend(self.graphics.width(), self.graphics.height())

    def _place_legend(self, width: int, height: int, again: bool = False) -> None:
        """Beside the plot in a wide view, under it in a tall one: the plot is square (its aspect
        is locked), so the legend goes where it leaves the larger square.  `again`: its rows changed."""
        if width <= 0 or height <= 0:
            return
        names = {self.mle_keys[k]: (mle_legend(k, m), mle_legend(k, m, short=True)) for k, m in self._mle_masses.items()}
        style.fit_legend_names(self.legend, width - 2 * LEGEND_MARGIN, names)  # a fit's row ran past 1024 x 768's view
        room_w, room_h = width - PLOT_FRAME[0], height - PLOT_FRAME[1]
        self.legend.setColumnCount(1)
        beside_w = self.legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).width() + LEGEND_MARGIN
        below_h = style.fit_legend_columns(self.legend, width - 2 * LEGEND_MARGIN, most=4) + LEGEND_MARGIN
        below = min(room_w, room_h - below_h) > min(room_w - beside_w, room_h)
        if not below:
            self.legend.setColumnCount(1)
        if below == self.legend_below and not again:
            return
        self.legend_below = below
        layout = self.graphics.ci
        layout.removeItem(self.legend)
        if below:
            layout.addItem(self.legend, row=1, col=0)
            layout.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        else:
            layout.addItem(self.legend, row=0, col=1)
            layout.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop)

    def _mle_shown(self, key: str, on: bool) -> None:
        """A fit's legend row only while it is drawn: the legend already fills the space under a plot."""
        if not style.show_in_legend(self.legend, self.mle_keys[key], mle_legend(key, self._mle_masses[key]), on):
            return
        if on and self._snap is not None:
            self._show_mle(self._snap, key)
        self._place_legend(self.graphics.width(), self.graphics.height(), again=True)

    def _heat_source_changed(self, _index: int) -> None:
        if self._snap is not None:
            self._show_heat(self._snap)

    def heat_source_key(self) -> str:
        return HEAT_SOURCES[self.heat_source.currentIndex()]

    def show_snapshot(self, snap: Snapshot) -> None:
        if snap.dim != 2:
            raise ValueError(f"View2D shows 2D distributions; this snapshot is {snap.dim}D")
        self._snap = snap
        extent = tuple(float(e) for e in snap.grid.extent)
        extent_changed = extent != self._extent
        if extent_changed:
            self._extent = extent
            x0, x1, y0, y1 = extent
            self._rect = QRectF(x0, y0, x1 - x0, y1 - y0)
            self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)
            self.plot.disableAutoRange()  # the extent is known: no bounds scan of every item each frame

        if not (snap.d_grid is self._heat_key[0] and snap.d_star_grid is self._heat_key[1]) or extent_changed:
            self._show_heat(snap)  # a cheap snapshot reuses the last full one's arrays: redraw only on change
        if snap.d_star_grid is not self._contour_key or extent_changed:
            self._show_contours(snap, extent)
        for key in MLE_FITS:  # one fit a frame: tracing a fit's two contours takes 40-50 ms
            if self.toolbar.is_on(key) and (getattr(snap, f"{key}_grid") is not self._mle_grid.get(key) or extent_changed):
                self._show_mle(snap, key)
                break

        if snap.real is not self._real_key or extent_changed:
            self._real_key = snap.real  # P_data's samples change only with the distribution
            self.real.setData(pos=_finite_rows(snap.real))
        self.fake.move_to(_finite_rows(snap.fake))
        self.manifold.setData(*_grid_lines(snap.manifold))
        self.arrows.setData(*_arrows(snap.fake[:ARROWS], snap.fake_grad[:ARROWS], extent))
        modes_key = _modes_key(snap.modes)  # each measurement sends new Modes, mostly with the same marks
        if modes_key != self._modes_key or extent_changed:
            self._modes_key = modes_key
            self._show_modes(snap)

    def _show_contours(self, snap: Snapshot, extent: tuple[float, ...]) -> None:
        """Isocurves are traced in Python, so only when D* changes and on 2x2 block means."""
        self._contour_key = snap.d_star_grid
        d_star = np.nan_to_num(np.asarray(snap.d_star_grid, dtype=float), nan=0.5, posinf=1.0, neginf=0.0)
        d_star, tr = _contour_grid(d_star, extent)
        for c in self.contours:
            c.setTransform(tr)
            c.setData(d_star)

    def _show_mle(self, snap: Snapshot, key: str) -> None:
        """A fit's contours change only with the distribution: traced once for each, when shown."""
        density = getattr(snap, f"{key}_grid")
        self._mle_grid[key] = density
        curves = self.mle[key]
        if density is None or np.asarray(density).ndim != 2:
            for c in curves:
                c.setData(None)
            return
        density = np.nan_to_num(np.asarray(density, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
        levels = [highest_density_level(density, snap.grid.cell, m) for m in MLE_MASSES]
        # full resolution (drawn once per distribution, so its cost is paid once): a block mean would flatten
        # narrow components below the level found on the full grid, and their contours would vanish
        shown, tr = _contour_grid(density, tuple(float(e) for e in snap.grid.extent), coarsen=False)
        for c, level in zip(curves, levels):
            c.setTransform(tr)
            if level is None:  # that much of the fit's mass reaches past the plotted grid
                c.setData(None)
            else:
                c.setLevel(level)
                c.setData(shown)
        masses = tuple(m for m, level in zip(MLE_MASSES, levels) if level is not None)
        if masses != self._mle_masses[key]:
            self._mle_masses[key] = masses
            self._place_legend(self.graphics.width(), self.graphics.height(), again=True)

    def _show_heat(self, snap: Snapshot) -> None:
        self._heat_key = (snap.d_grid, snap.d_star_grid)
        key = self.heat_source_key()
        critic = bool(snap.critic)
        self.heat.setVisible(key != "off")
        self.colorbar.setVisible(key != "off")
        if key == "off":
            self.note.hide()
            return
        if key == "D*(x)":
            img, levels, label = snap.d_star_grid, (0.0, 1.0), "D*(x)"
        elif critic:
            img, label = snap.d_grid, "critic f(x) (score)"
            levels = _symmetric_levels(np.asarray(img, dtype=float))
        else:
            img, levels, label = snap.d_grid, (0.0, 1.0), "D(x)"
        img = np.asarray(img, dtype=np.float32)
        # the rect goes with every image: ImageItem scales by the image's size in pixels
        self.heat.setImage(np.where(np.isfinite(img), img, np.nan), autoLevels=False, rect=self._rect)
        # Only on change: either call repaints the colour bar's axis (2-3 ms, in a frame that is
        # already the longest, as it carries a new grid).
        if tuple(float(v) for v in levels) != tuple(self.colorbar.levels()):
            self.colorbar.setLevels(levels)
        if label != self.colorbar.axis.labelText:
            style.style_axis(self.colorbar.axis, label)
        if critic and key == "D(x)":
            self.note.setText(f"loss = {snap.config.loss}: D is a critic, so its colour is a score "
                              "(levels symmetric about 0), not a probability; choose D*(x) to see the "
                              "probability game's optimum.")
            self.note.show()
        else:
            self.note.hide()

    def _show_modes(self, snap: Snapshot) -> None:
        if style.sync_mode_legend(self, snap.modes is not None):
            self._place_legend(self.graphics.width(), self.graphics.height())
        if snap.modes is None:
            self.modes_captured.setData(pos=np.zeros((0, 2)))
            self.modes_missed.setData(pos=np.zeros((0, 2)))
            return
        c = np.asarray(snap.modes.centres, dtype=float)
        cap = np.asarray(snap.modes.captured, dtype=bool)
        self.modes_captured.setData(pos=c[cap])
        self.modes_missed.setData(pos=c[~cap])

    def clear(self) -> None:
        self._snap = None
        empty = np.zeros((0, 2))
        for item in (self.real, self.fake, self.modes_captured, self.modes_missed):
            item.setData(pos=empty)
        self.manifold.setData([], [])
        self.arrows.setData([], [])
        self.heat.clear()
        for c in (*self.contours, *self.mle["mle_gauss"], *self.mle["mle_gmm"]):
            c.setData(None)
        self._heat_key, self._contour_key = (None, None), None
        self._mle_grid.clear()
        self._real_key, self._modes_key = None, _NO_MODES_DRAWN
        self.note.hide()


_NO_MODES_DRAWN = ("none drawn yet",)


def _modes_key(modes) -> tuple | None:
    """What the mode marks depend on: the centres and which of them are captured."""
    if modes is None:
        return None
    return (np.asarray(modes.centres).tobytes(), np.asarray(modes.captured).tobytes())


def mle_legend(key: str, masses, short: bool = False) -> str:
    """The fit's name and the masses its drawn contours enclose."""
    name = MLE_FITS[key][1 if short else 0]
    if not masses:
        return f"{name}: past the plot" if short else f"{name}: its 50% region reaches past the plot"
    shares = ", ".join(f"{round(100 * m)}%" for m in masses)
    return f"{name}: {shares}" if short else f"{name}: {shares} of its mass inside"


def _contour_grid(values: np.ndarray, extent: tuple[float, ...], coarsen: bool = True) -> tuple[np.ndarray, QTransform]:
    """Values to trace isocurves on (2x2 block means of a large grid: tracing is Python) and the
    transform from their cell-index space onto the plane."""
    ny, nx = values.shape
    if coarsen and ny % 2 == 0 and nx % 2 == 0 and min(ny, nx) > 64:
        values = values.reshape(ny // 2, 2, nx // 2, 2).mean(axis=(1, 3))
        ny, nx = values.shape
    x0, x1, y0, y1 = extent
    tr = QTransform()
    tr.translate(x0, y0)
    tr.scale((x1 - x0) / nx, (y1 - y0) / ny)
    return values, tr


def _finite_rows(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    return a[np.isfinite(a).all(axis=1)]


def _symmetric_levels(a: np.ndarray) -> tuple[float, float]:
    finite = a[np.isfinite(a)]
    m = float(np.max(np.abs(finite))) if finite.size else 1.0
    m = m if m > 0 else 1.0
    return (-m, m)


def _grid_lines(manifold: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Rows then columns of a (rows, cols, 2) grid as one polyline broken by NaN."""
    if manifold is None or manifold.ndim != 3 or manifold.shape[2] < 2:
        return np.zeros(0), np.zeros(0)
    m = np.asarray(manifold[..., :2], dtype=float)
    rows, cols = m.shape[:2]
    pts = np.full((rows * (cols + 1) + cols * (rows + 1), 2), np.nan)
    pts[: rows * (cols + 1)].reshape(rows, cols + 1, 2)[:, :cols] = m  # each row, then a NaN break
    pts[rows * (cols + 1):].reshape(cols, rows + 1, 2)[:, :rows] = m.transpose(1, 0, 2)  # each column
    pts[~np.isfinite(pts).all(axis=1)] = np.nan
    return pts[:, 0], pts[:, 1]


def _arrows(points: np.ndarray, grads: np.ndarray, extent: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Shaft and two head strokes per arrow as segment pairs, lengths relative to the longest."""
    p = np.asarray(points, dtype=float)[:, :2]
    g = np.asarray(grads, dtype=float)[:, :2]
    keep = np.isfinite(p).all(axis=1) & np.isfinite(g).all(axis=1)
    p, g = p[keep], g[keep]
    norm = np.linalg.norm(g, axis=1)
    if len(p) == 0 or not np.any(norm > 0):
        return np.zeros(0), np.zeros(0)
    moving = norm[norm > 0]
    k = int(0.95 * (len(moving) - 1))
    top = float(np.partition(moving, k)[k])  # the 95th percentile (np.percentile's first call imports numpy.ma: 20 ms)
    length = ARROW_FRACTION * (extent[1] - extent[0]) * np.minimum(norm / top, 1.0)
    unit = g / np.where(norm > 0, norm, 1.0)[:, None]
    tip = p + unit * length[:, None]
    head = HEAD_FRACTION * length[:, None]
    c, s = np.cos(HEAD_ANGLE), np.sin(HEAD_ANGLE)
    back = -unit
    left = np.stack([c * back[:, 0] - s * back[:, 1], s * back[:, 0] + c * back[:, 1]], axis=1)
    right = np.stack([c * back[:, 0] + s * back[:, 1], -s * back[:, 0] + c * back[:, 1]], axis=1)
    segs = np.stack([p, tip, tip, tip + head * left, tip, tip + head * right], axis=1).reshape(-1, 2)
    return segs[:, 0], segs[:, 1]


__all__ = ["View2D"]
