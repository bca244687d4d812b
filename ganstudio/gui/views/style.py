"""One light, high-contrast look for every view, chosen to survive a classroom projector.

Colours follow Goodfellow et al. 2014, figure 1 (data black, generator green, D blue
dashed) using the Okabe-Ito colour-blind-safe palette; everything a view draws with
takes its pen, brush and font from here so the views agree with each other.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF
from PySide6.QtWidgets import QCheckBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from .flow_layout import FlowLayout

BACKGROUND = "#ffffff"
FOREGROUND = "#1e1e1e"
GRID_ALPHA = 0.25
LABEL_FILL = (255, 255, 255, 190)  # behind a reference line's label

COLORS = {
    "data": "#1e1e1e",  # P_data, real samples
    "gen": "#009E73",  # P_G, fake samples, the latent mapping
    "d": "#0072B2",  # the learned discriminator / critic
    "d_star": "#CC79A7",  # the optimal discriminator D*
    "mle_gauss": "#D55E00",  # the maximum-likelihood Gaussian
    "mle_gmm": "#E69F00",  # the maximum-likelihood mixture
    "kl_g_data": "#56B4E9",
    "floor": "#7f7f7f",  # noise floors, theoretical reference lines
    "reference": "#7f7f7f",
    "manifold": "#4d4d4d",
    "arrows": "#8B1A6B",
    "captured": "#F0E442",
    "missed": "#D55E00",
    "g_loss": "#009E73",
    "d_loss": "#0072B2",
    "value": "#0072B2",
    "value_bound": "#CC79A7",
    "modes": "#E69F00",
    "hq": "#56B4E9",
    "grad": "#8B1A6B",
}

LINE_WIDTH = 3.0
THIN_WIDTH = 1.5
TICK_POINT_SIZE = 12
LABEL_POINT_SIZE = 13
LEGEND_TEXT_SIZE = "12pt"
TITLE_SIZE = "13pt"
HEATMAP = "CET-D1A"  # diverging blue-white-red: white where D = 1/2, the equilibrium
HEATMAP_OPACITY = 0.8
NOTE_STYLE = f"QLabel {{ color: {FOREGROUND}; background: #fff4d6; padding: 4px; font-size: 12pt; }}"

_STYLES = {
    "solid": Qt.PenStyle.SolidLine,
    "dash": Qt.PenStyle.DashLine,
    "dot": Qt.PenStyle.DotLine,
    "dashdot": Qt.PenStyle.DashDotLine,
}


def color(name: str, alpha: int = 255) -> QColor:
    c = QColor(COLORS.get(name, name))
    c.setAlpha(alpha)
    return c


def pen(name: str, width: float = LINE_WIDTH, style: str = "solid", alpha: int = 255):
    p = pg.mkPen(color(name, alpha), width=width)
    p.setStyle(_STYLES[style])
    p.setCosmetic(True)
    return p


def brush(name: str, alpha: int = 255):
    return pg.mkBrush(color(name, alpha))


def tick_font() -> QFont:
    f = QFont()
    f.setPointSize(TICK_POINT_SIZE)
    return f


def plot_widget(**kwargs) -> pg.PlotWidget:
    """A PlotWidget in the house style, independent of pyqtgraph's global config."""
    w = pg.PlotWidget(background=BACKGROUND, **kwargs)
    style_plot(w.getPlotItem())
    return w


def style_axis(axis: pg.AxisItem, label: str | None = None, colour: str | None = None) -> None:
    c = COLORS.get(colour, colour) if colour else FOREGROUND
    axis.setPen(pg.mkPen(c, width=1))
    axis.setTextPen(pg.mkPen(c))
    axis.setTickFont(tick_font())
    axis.enableAutoSIPrefix(False)  # "density (x0.001)" confuses more than it helps
    if label is not None:
        axis.setLabel(label, **{"color": c, "font-size": f"{LABEL_POINT_SIZE}pt"})
        axis.resizeEvent()  # pyqtgraph centres an axis label only on a resize: centre the new text now


def style_plot(item: pg.PlotItem, grid: bool = False, **labels: str) -> None:
    """Axes in FOREGROUND with projector-sized fonts; `labels` maps axis name to text.

    A grid is opt-in and major-ticks only: pyqtgraph repaints grid lines with every
    curve update, and minor grid lines tripled the cost of a metrics frame.
    """
    for name in ("left", "bottom", "right", "top"):
        style_axis(item.getAxis(name), labels.get(name))
    if grid:
        for name in ("left", "bottom"):
            item.getAxis(name).setStyle(maxTickLevel=0)
    item.showGrid(x=grid, y=grid, alpha=GRID_ALPHA if grid else None)
    for name in ("right", "top"):  # showGrid sets all four axes; a second y axis must not add its own
        item.getAxis(name).setGrid(False)
    item.hideButtons()


def set_title(item: pg.PlotItem, text: str) -> None:
    item.setTitle(text, color=FOREGROUND, size=TITLE_SIZE)


def legend(item: pg.PlotItem, offset=(10, 10), columns: int = 1) -> pg.LegendItem:
    leg = item.addLegend(
        offset=offset,
        labelTextColor=FOREGROUND,
        labelTextSize=LEGEND_TEXT_SIZE,
        brush=pg.mkBrush(255, 255, 255, 170),
        pen=pg.mkPen("#bdbdbd"),
        colCount=columns,
    )
    return leg


def fit_legend_columns(legend: pg.LegendItem, room: float, most: int = 3) -> float:
    """Give `legend` as many columns (`most` down to 1) as fit in `room` pixels; returns its height."""
    for cols in range(most, 0, -1):
        legend.setColumnCount(cols)
        if legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).width() <= room:
            break
    return legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).height()


def fit_legend_names(legend: pg.LegendItem, room: float, names: dict, min_columns: int = 1) -> float:
    """Fit `legend` into `room` pixels with its entries' full names ({item: (full, short)}), or with the
    short ones where the full names would need fewer than `min_columns` columns or not fit even in one;
    returns its height."""
    for form in (0, 1):
        for item, texts in names.items():
            label = legend.getLabel(item)
            if label is not None:  # an entry out of the legend keeps its names for when it returns
                label.setText(texts[form])
        height = fit_legend_columns(legend, room)
        width = legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).width()
        if legend.columnCount >= min_columns and width <= room:
            break
    return height


def show_in_legend(legend: pg.LegendItem, item, name: str, shown: bool) -> bool:
    """An entry for `item` only while `shown`; True if the legend changed."""
    if shown == (legend.getLabel(item) is not None):
        return False
    if shown:
        legend.addItem(item, name)
    else:
        legend.removeItem(item)
    return True


def longest_that_fits(texts: tuple[str, ...], font: QFont, room: float, margins: float = 0.0) -> int:
    """The index of the first of `texts` (longest first) that is no wider than `room` pixels with
    `margins` added; the last one's where none is."""
    width = QFontMetricsF(font).horizontalAdvance
    return next((i for i, t in enumerate(texts) if width(t) + margins <= room), len(texts) - 1)


def text_item(html: str = "", anchor=(0, 0)) -> pg.TextItem:
    t = pg.TextItem(html=html, anchor=anchor, fill=pg.mkBrush(255, 255, 255, 225), border=pg.mkPen("#bdbdbd"))
    return t


def html_note(text: str, size: str = LEGEND_TEXT_SIZE) -> str:
    return f'<span style="color:{FOREGROUND}; font-size:{size}">{text}</span>'


class LayerToolbar(QWidget):
    """A row of check boxes, one per layer of a view; a box shows or hides its items.

    The row wraps onto a second (or third) line when the view is narrower than it, as on a
    projector at 1366 x 768: every box stays in sight.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes: dict[str, QCheckBox] = {}
        self._items: dict[str, list] = {}
        self._flow = FlowLayout(self)
        self._flow.setContentsMargins(6, 2, 6, 2)
        f = self.font()
        f.setPointSize(max(f.pointSize(), 12))
        self.setFont(f)
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # the taller the narrower: the wrapped rows get their height
        self.setSizePolicy(policy)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._flow.heightForWidth(width)

    def add(self, key: str, text: str, items: list, checked: bool, tip: str) -> QCheckBox:
        box = QCheckBox(text, self)
        box.setToolTip(tip)
        box.setChecked(checked)
        self.boxes[key] = box
        self._items[key] = list(items)
        box.toggled.connect(lambda on, k=key: self._apply(k, on))
        self._apply(key, checked)
        self.add_widget(box)
        return box

    def add_widget(self, widget: QWidget) -> None:
        self._flow.addWidget(widget)

    def is_on(self, key: str) -> bool:
        return self.boxes[key].isChecked()

    def _apply(self, key: str, on: bool) -> None:
        for item in self._items[key]:
            item.setVisible(on)

    def sync_from_items(self, item) -> None:
        """A click on a legend sample toggled `item`; keep its box in step."""
        for key, items in self._items.items():
            if item in items:
                self.boxes[key].setChecked(item.isVisible())


def view_frame(view: QWidget) -> tuple["LayerToolbar", pg.GraphicsLayoutWidget, QLabel]:
    """The layout every data view shares: layer toolbar, a note line (hidden until needed), the plots."""
    toolbar = LayerToolbar(view)
    graphics = pg.GraphicsLayoutWidget()
    graphics.setBackground(BACKGROUND)
    layout = QVBoxLayout(view)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(toolbar)
    note = QLabel(view)
    note.setWordWrap(True)
    note.setStyleSheet(NOTE_STYLE)
    note.hide()
    layout.addWidget(note)
    layout.addWidget(graphics, 1)
    return toolbar, graphics, note


def sync_mode_legend(view, has_modes: bool) -> bool:
    """Legend rows for the mode markers only while the distribution has modes; True if they changed."""
    changed = [show_in_legend(view.legend, item, name, has_modes)
               for item, name in ((view.modes_captured, "mode captured"), (view.modes_missed, "mode missed"))]
    return any(changed)
