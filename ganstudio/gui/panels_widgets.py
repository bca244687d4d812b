"""Form widgets shared by the panels: a 1-2-5 learning-rate box and a grouped combo box."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel, QValidator
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

_LADDER = (1.0, 2.0, 5.0)


class LogSpinBox(QDoubleSpinBox):
    """A positive number shown as 2e-4 and stepped along 1, 2, 5, 10, ... (learning rates)."""

    def __init__(self, lo: float, hi: float, parent=None) -> None:
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(lo, hi)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:.3g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        stripped = text.strip()
        if not stripped:
            return QValidator.State.Intermediate, text, pos
        try:
            value = float(stripped)
        except ValueError:
            partial = stripped.lower().rstrip("e+-.")
            ok = partial == "" or partial.replace(".", "", 1).isdigit() or _is_float(partial)
            return (QValidator.State.Intermediate if ok else QValidator.State.Invalid), text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def stepBy(self, steps: int) -> None:
        value = self.value()
        exponent = math.floor(math.log10(value))
        mantissa = value / 10**exponent
        index = min(range(3), key=lambda i: abs(_LADDER[i] - mantissa))
        index += steps
        exponent += index // 3
        new = _LADDER[index % 3] * 10**exponent
        self.setValue(min(self.maximum(), max(self.minimum(), float(f"{new:.3g}"))))


def _is_float(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


class GroupedComboBox(QComboBox):
    """A combo box with bold, unselectable group headings (e.g. 1D / 2D / Images)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._model = QStandardItemModel(self)
        self.setModel(self._model)

    def add_group(self, title: str) -> None:
        item = QStandardItem(title)
        font = QFont(self.font())
        font.setBold(True)
        item.setFont(font)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        self._model.appendRow(item)

    def add_choice(self, text: str, data: str, tooltip: str = "", enabled: bool = True) -> None:
        item = QStandardItem(text)
        item.setData(data, Qt.ItemDataRole.UserRole)
        if tooltip:
            item.setToolTip(tooltip)
        if not enabled:
            item.setFlags(item.flags() & ~(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable))
        self._model.appendRow(item)

    def fit_to(self, longest: str) -> None:
        """As wide as `longest` (the longest value it shows when closed) rather than its longest entry;
        the open list is as wide as every entry."""
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(len(longest))
        view = self.view()
        view.setMinimumWidth(view.sizeHintForColumn(0) + view.verticalScrollBar().sizeHint().width())

    def set_choice(self, data: str, text: str, tooltip: str) -> None:
        """Relabel the choice that holds `data` (e.g. once a set is downloaded)."""
        index = self.findData(data, Qt.ItemDataRole.UserRole)
        if index >= 0:
            item = self._model.item(index)
            item.setText(text)
            item.setToolTip(tooltip)

    def set_current_data(self, data: str) -> bool:
        """Show the choice that holds `data`; False (and nothing changes) when there is none."""
        index = self.findData(data, Qt.ItemDataRole.UserRole)
        if index >= 0:
            self.setCurrentIndex(index)
        return index >= 0

    def current_data(self) -> str | None:
        return self.currentData(Qt.ItemDataRole.UserRole)
