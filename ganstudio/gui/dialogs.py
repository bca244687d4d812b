"""Small dialogs: About, the training-error message, a file that cannot be loaded, and the preset chooser."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from ganstudio import __version__

ABOUT_HTML = f"""
<h2>GAN Studio {__version__}</h2>
<p>Watch a generative adversarial network learn a distribution, with the mathematics
the theory predicts drawn beside what the networks actually do.</p>
<p>D is trained to maximise V(G,D) = E<sub>x~P<sub>data</sub></sub>[log D(x)] +
E<sub>z</sub>[log(1 - D(G(z)))]; G to minimise it. For a fixed G the best
discriminator is D*(x) = p<sub>data</sub>(x) / (p<sub>data</sub>(x) + p<sub>G</sub>(x)),
and then V(G,D*) = -2 log 2 + 2 JSD(P<sub>data</sub> || P<sub>G</sub>).</p>
<p>Space plays and pauses, R resets. All logarithms are natural (nats).</p>
<p>Built with PySide6, pyqtgraph, PyTorch and NumPy.</p>
"""


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, "About GAN Studio", ABOUT_HTML)


def training_error(parent: QWidget, message: str) -> QMessageBox:
    """A window-modal but non-blocking warning: the trainer thread and the views keep running."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Training paused", message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("training_error")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def cannot_load(parent: QWidget, name: str, message: str) -> QMessageBox:
    """A window-modal, non-blocking warning titled for the file or folder `name` that could not be
    loaded, with the DataError's message; the current data and run are unchanged."""
    box = QMessageBox(QMessageBox.Icon.Warning, f"Cannot load {name}",
                      f"{message}\n\nThe current data and training run are unchanged.",
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("cannot_load")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def choose_preset(parent: QWidget, names: list[str], current: str | None) -> str | None:
    index = names.index(current) if current in names else 0
    name, ok = QInputDialog.getItem(parent, "Open preset", "Preset:", names, index, False)
    return name if ok else None
