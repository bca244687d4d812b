"""A live version of figure 1 of Goodfellow et al. 2014: P_data, P_G, D and D* on one x axis,
with the latent-to-sample mapping drawn underneath so a class sees *where* G sends each z.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from ganstudio.core.snapshot import Snapshot

from . import style

MAPPED_POINTS = 50  # how many fixed z are drawn with their line to G(z)
AXIS_WIDTH = 76  # fixed axis widths keep the mapping strip aligned with the plot above
D_RANGE = (-0.02, 1.05)
LEGEND_MARGIN = 24  # pixels the graphics layout keeps around the legend


def finite_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop points a plot must never draw (NaN or inf in either coordinate)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


class View1D(QWidget):
    """Densities on the left axis, D(x) in [0, 1] on the right axis, z -> G(z) below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._extent: tuple[float, float] | None = None
        self._critic: bool | None = None
        self._map_label = ""
        self._map_texts = ("", "")  # the mapping strip's caption: in full, and short for a narrow view
        self._density_top = 0.0
        self._grids: tuple = ()

        self.toolbar, self.graphics, self.note = style.view_frame(self)

        # --- legend across the top, then the density plot, then the mapping strip ---
        self.legend = pg.LegendItem(
            colCount=3,  # fewer when the view is narrow (resizeEvent)
            labelTextColor=style.FOREGROUND,
            labelTextSize=style.LEGEND_TEXT_SIZE,
            brush=pg.mkBrush(255, 255, 255, 0),
        )
        self.graphics.addItem(self.legend, row=0, col=0)
        self.plot: pg.PlotItem = self.graphics.addPlot(row=1, col=0)
        self.mapping: pg.PlotItem = self.graphics.addPlot(row=2, col=0)
        self.graphics.ci.layout.setRowStretchFactor(1, 3)
        self.graphics.ci.layout.setRowStretchFactor(2, 1)

        p = self.plot
        style.style_plot(p, grid=True, left="density", bottom="x")
        p.showAxis("right")
        p.getAxis("left").setWidth(AXIS_WIDTH)
        p.getAxis("right").setWidth(AXIS_WIDTH)
        p.setMouseEnabled(x=True, y=False)
        self.d_view = pg.ViewBox(enableMouse=False)
        p.scene().addItem(self.d_view)
        p.getAxis("right").linkToView(self.d_view)
        self.d_view.setXLink(p.vb)
        self.d_view.setYRange(*D_RANGE, padding=0)
        p.vb.sigResized.connect(self._sync_d_view)

        self.curves: dict[str, pg.PlotDataItem] = {
            "p_data": p.plot(pen=style.pen("data")),
            "p_g": p.plot(pen=style.pen("gen")),
            "mle_gauss": p.plot(pen=style.pen("mle_gauss", width=2.5, style="dash")),
            "mle_gmm": p.plot(pen=style.pen("mle_gmm", width=2.5, style="dashdot")),
            "d": pg.PlotDataItem(pen=style.pen("d", style="dash")),
            "d_star": pg.PlotDataItem(pen=style.pen("d_star", width=2.0)),
        }
        self.half_line = pg.InfiniteLine(pos=0.5, angle=0, pen=style.pen("reference", width=1, style="dot"))
        self.d_view.addItem(self.half_line)
        self.d_view.addItem(self.curves["d"])
        self.d_view.addItem(self.curves["d_star"])
        self.modes_captured = pg.ScatterPlotItem(
            symbol="star", size=18, pen=style.pen("data", width=1), brush=style.brush("captured"), pxMode=True
        )
        self.modes_missed = pg.ScatterPlotItem(symbol="x", size=16, pen=None, brush=style.brush("missed"), pxMode=True)
        p.addItem(self.modes_captured)
        p.addItem(self.modes_missed)

        # each entry's name, and a short one for a view too narrow for two columns of full names
        # (a one-column legend of eight rows took half the height of the plot at 1280 x 800)
        self._names = {
            "p_data": ("p_data(x)", "p_data(x)"),
            "p_g": ("p_G(x) (estimated)", "p_G(x)"),
            "mle_gauss": ("max-likelihood Gaussian", "ML Gaussian"),
            "mle_gmm": ("max-likelihood mixture", "ML mixture"),
            "d_star": ("D*(x) = p_data / (p_data + p_G)", "D*(x)"),
        }
        for key in ("p_data", "p_g", "mle_gauss", "mle_gmm", "d", "d_star"):
            self.legend.addItem(self.curves[key], self._names.get(key, (key,))[0])
        self._set_d_labels(critic=False)
        p.enableAutoRange(axis="y", enable=False)
        self.spike = pg.TextItem(color=style.COLORS["gen"], anchor=(0.5, 0))
        p.addItem(self.spike, ignoreBounds=True)
        self.spike.hide()

        # --- latent mapping: z on the lower line, G(z) on the upper one (figure 1 of the paper) ---
        m = self.mapping
        style.style_plot(m)
        m.setXLink(p)
        m.setMouseEnabled(x=False, y=False)
        m.setYRange(-0.25, 1.25, padding=0)
        m.getAxis("bottom").setStyle(showValues=False, tickLength=0)
        m.getAxis("left").setTicks([[(0.0, "z"), (1.0, "G(z)")], []])
        m.getAxis("left").setWidth(AXIS_WIDTH)
        m.showAxis("right")
        right = m.getAxis("right")
        right.setStyle(showValues=False, tickLength=0)
        right.setPen(pg.mkPen(style.BACKGROUND))
        right.setWidth(AXIS_WIDTH)
        self.baselines = m.plot(pen=style.pen("manifold", width=1.5), connect="pairs")
        self.map_lines = m.plot(pen=style.pen("gen", width=1.5, alpha=150), connect="pairs")
        self.z_points = pg.ScatterPlotItem(size=7, pen=None, brush=style.brush("gen"), pxMode=True)
        self.gz_points = pg.ScatterPlotItem(size=7, pen=None, brush=style.brush("gen"), pxMode=True)
        m.addItem(self.z_points)
        m.addItem(self.gz_points)

        # --- layer toggles ---
        self.toolbar.add("mle_gauss", "Gaussian MLE", [self.curves["mle_gauss"]], True,
                         "Maximum-likelihood Gaussian fitted to the data: minimises KL(P_data || N).")
        self.toolbar.add("mle_gmm", "Mixture MLE", [self.curves["mle_gmm"]], False,
                         "Maximum-likelihood Gaussian mixture (EM) fitted to the same data.")
        self.toolbar.add("d", "D(x)", [self.curves["d"]], True, "The learned discriminator's output on the grid.")
        self.toolbar.add("d_star", "D*(x)", [self.curves["d_star"]], True,
                         "Optimal discriminator for the current G: D* = p_data / (p_data + p_G).")
        self.toolbar.add("mapping", "z → G(z)", [self.mapping], True,
                         f"Lines from {MAPPED_POINTS} fixed latent values z to the samples G(z).")
        self.toolbar.add("modes", "Modes", [self.modes_captured, self.modes_missed], True,
                         "Mode centres of the mixture; a star when the generator has captured it.")
        self.toolbar.boxes["mapping"].toggled.connect(self._collapse_mapping)
        self.legend.sigSampleClicked.connect(self.toolbar.sync_from_items)

    def _collapse_mapping(self, on: bool) -> None:
        """A hidden strip still holds its row in the layout; give the row back to the density plot."""
        self.mapping.setMaximumHeight(16777215 if on else 0)
        self.graphics.ci.layout.setRowStretchFactor(2, 1 if on else 0)

    # ------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit_legend()
        self._caption_mapping()

    def _fit_legend(self) -> None:
        """A legend wider than the view would be cut off at its right edge; one that would need a
        single column of full names takes the short names instead, in two columns if they fit."""
        names = {self.curves[key]: texts for key, texts in self._names.items()}
        style.fit_legend_names(self.legend, self.width() - LEGEND_MARGIN, names, min_columns=2)

    def _sync_d_view(self) -> None:
        self.d_view.setGeometry(self.plot.vb.sceneBoundingRect())
        self.d_view.linkedViewChanged(self.plot.vb, self.d_view.XAxis)

    def _set_d_labels(self, critic: bool) -> None:
        if critic == self._critic:
            return
        self._critic = critic
        self._names["d"] = ("critic f(x), min-max scaled", "critic f(x)") if critic else ("D(x) learned", "D(x)")
        self._fit_legend()
        axis_label = "critic scaled to [0,1]; D* probability" if critic else "D(x), D*(x)  (probability)"
        style.style_axis(self.plot.getAxis("right"), axis_label, colour="d")

    def show_snapshot(self, snap: Snapshot) -> None:
        if snap.dim != 1:
            raise ValueError(f"View1D shows 1D distributions; this snapshot is {snap.dim}D")
        xs = np.asarray(snap.grid.xs, dtype=float)
        extent = (float(snap.grid.extent[0]), float(snap.grid.extent[1]))
        extent_changed = extent != self._extent
        if extent_changed:
            self._extent = extent
            self.plot.setXRange(*extent, padding=0.01)
            self.baselines.setData([extent[0], extent[1], extent[0], extent[1]], [0, 0, 1, 1])
        self._set_d_labels(bool(snap.critic))
        grids = (snap.p_data_grid, snap.p_g_grid, snap.mle_gauss_grid, snap.mle_gmm_grid, snap.d_star_grid,
                 snap.d_grid, bool(snap.critic))
        if not _same(grids, self._grids) or extent_changed:
            self._grids = grids  # a cheap snapshot reuses the last full one's arrays: redraw only on change
            self._show_grids(snap, xs)
        self._show_modes(snap)
        self._show_mapping(snap, extent)

    def _show_grids(self, snap: Snapshot, xs: np.ndarray) -> None:
        for key, arr in (
            ("p_data", snap.p_data_grid),
            ("p_g", snap.p_g_grid),
            ("mle_gauss", snap.mle_gauss_grid),
            ("mle_gmm", snap.mle_gmm_grid),
            ("d_star", snap.d_star_grid),
        ):
            self.curves[key].setData(*finite_xy(xs, arr))
        d = np.asarray(snap.d_grid, dtype=float)
        if snap.critic:
            d = _minmax(d)
        self.curves["d"].setData(*finite_xy(xs, d))
        self._fit_density_range(snap)

        if snap.critic:
            self.note.setText(
                f"loss = {snap.config.loss}: D is a critic, whose output is a score, not a probability. "
                "Its curve is min-max scaled to [0, 1] to show its shape only; D* is the optimum of the "
                "original probability game, not of this critic, so the two are not on one scale.")
        self.note.setVisible(bool(snap.critic))

    def _fit_density_range(self, snap: Snapshot) -> None:
        """Scale the density axis to P_data and the fits; a spike of the estimated p_G may run off the top.

        An early generator often piles its samples into one narrow spike tens of times
        higher than P_data; scaling to it would flatten the curves the class is comparing.
        """
        def top(a) -> float:
            a = np.asarray(a, dtype=float)
            a = a[np.isfinite(a)]
            return float(a.max()) if a.size else 0.0

        ref = max(top(snap.p_data_grid), top(snap.mle_gauss_grid))
        pg_top = top(snap.p_g_grid)
        hi = max(ref, min(pg_top, 3.0 * ref)) * 1.08 if ref > 0 else max(pg_top, 1e-9) * 1.08
        if pg_top > hi:
            self.spike.setText(f"p_G peaks at {pg_top:.3g} ↑ (off scale)")
            self.spike.setPos(float(snap.grid.xs[int(np.nanargmax(np.where(np.isfinite(snap.p_g_grid),
                                                                           snap.p_g_grid, -np.inf)))]), hi)
            self.spike.show()
        else:
            self.spike.hide()
        if hi != self._density_top:
            self._density_top = hi
            self.plot.setYRange(-0.03 * hi, hi, padding=0)

    def _show_modes(self, snap: Snapshot) -> None:
        if style.sync_mode_legend(self, snap.modes is not None):
            self._fit_legend()
        if snap.modes is None:
            self.modes_captured.setData([], [])
            self.modes_missed.setData([], [])
            return
        c = np.asarray(snap.modes.centres, dtype=float)[:, 0]
        cap = np.asarray(snap.modes.captured, dtype=bool)
        self.modes_captured.setData(c[cap], np.zeros(int(cap.sum())))
        self.modes_missed.setData(c[~cap], np.zeros(int((~cap).sum())))

    def _show_mapping(self, snap: Snapshot, extent: tuple[float, float]) -> None:
        latent = np.asarray(snap.latent, dtype=float)
        gz = np.asarray(snap.fake, dtype=float)[:, 0]
        n = len(latent)
        if n == 0:
            self.map_lines.setData([], [])
            self.z_points.setData([], [])
            self.gz_points.setData([], [])
            return
        z = latent[:, 0]
        idx = mapped_indices(latent)
        lo, hi = float(z[idx].min()), float(z[idx].max())
        scale = (extent[1] - extent[0]) / (hi - lo) if hi > lo else 0.0
        zpos = extent[0] + (z[idx] - lo) * scale if scale else np.full(len(idx), 0.5 * (extent[0] + extent[1]))
        g = gz[idx]
        keep = np.isfinite(zpos) & np.isfinite(g)
        zpos, g = zpos[keep], g[keep]
        xs = np.empty(2 * len(g))
        ys = np.empty(2 * len(g))
        xs[0::2], xs[1::2] = zpos, g
        ys[0::2], ys[1::2] = 0.0, 1.0
        self.map_lines.setData(xs, ys)
        self.z_points.setData(zpos, np.zeros(len(zpos)))
        self.gz_points.setData(g, np.ones(len(g)))
        nearest = " nearest the z₁ axis" if latent.shape[1] > 1 else ""
        texts = (f"{len(idx)} fixed latent z{nearest}: z₁ ∈ [{lo:.2f}, {hi:.2f}] stretched to the x range",
                 f"{len(idx)} fixed z: z₁ ∈ [{lo:.2f}, {hi:.2f}] → x")
        if texts != self._map_texts:  # the fixed z change only with new networks: not every frame
            self._map_texts = texts
            self._caption_mapping()

    def _caption_mapping(self) -> None:
        """The full caption where it fits under the strip, the short one where it would be cut
        off at both ends (a 1D view on a 1024 x 768 projector is ~370 px wide)."""
        font = QFont(self.font())
        font.setPointSizeF(style.LABEL_POINT_SIZE)
        # the strip spans the view (the widget's width is current on a resize; the scene's lags)
        label = self._map_texts[style.longest_that_fits(self._map_texts, font, self.width() - LEGEND_MARGIN)]
        if label != self._map_label:
            self._map_label = label
            style.style_axis(self.mapping.getAxis("bottom"), label)

    def clear(self) -> None:
        self._grids = ()
        for item in self.curves.values():
            item.setData([], [])
        for item in (self.modes_captured, self.modes_missed, self.z_points, self.gz_points):
            item.setData([], [])
        self.map_lines.setData([], [])
        self.spike.hide()
        self._map_label = ""
        self._map_texts = ("", "")
        style.style_axis(self.mapping.getAxis("bottom"), "")
        self.note.hide()


def mapped_indices(latent: np.ndarray, count: int = MAPPED_POINTS) -> np.ndarray:
    """Which fixed z to draw: evenly spread in z₁ among those nearest the z₁ axis.

    With more than one latent coordinate, G(z) also depends on z₂..z_d, so lines from
    arbitrary z cross in a tangle; z near the z₁ axis trace G along one latent line,
    as the 1D latent of the paper's figure does. The same z are chosen every snapshot.
    """
    n = len(latent)
    if n == 0:
        return np.zeros(0, dtype=int)
    pool = np.arange(n)
    if latent.shape[1] > 1:
        rest = np.linalg.norm(latent[:, 1:], axis=1)
        pool = np.argsort(rest, kind="stable")[: max(count, n // 8)]
    order = pool[np.argsort(latent[pool, 0], kind="stable")]
    return order[np.linspace(0, len(order) - 1, min(count, len(order))).round().astype(int)]


def _same(a: tuple, b: tuple) -> bool:
    """The same array objects (identity, not equality: comparing values would cost a redraw's time)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


def _minmax(a: np.ndarray) -> np.ndarray:
    finite = np.isfinite(a)
    if not finite.any():
        return a
    lo, hi = float(a[finite].min()), float(a[finite].max())
    if hi <= lo:
        return np.where(finite, 0.5, np.nan)
    return (a - lo) / (hi - lo)


__all__ = ["View1D", "finite_xy", "mapped_indices"]
