"""The left dock: preset, Data, Model and Training controls, each bound to one TrainConfig key.

Panels never build a TrainConfig themselves: they report `{key: value}` edits, the window
turns them into `config.replace(...)`, and after the worker applies it the panels are
set back from the config the trainer actually runs (so a refused value snaps back).
"""

from __future__ import annotations

import html
import os
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.config import ACTIVATIONS, IMAGE_MODELS, LOSSES, LR_SCHEDULES, NOISES, OPTIMIZERS, TrainConfig, field_names
from ganstudio.core.sources import FILE_PREFIX, builtin_dimension
from ganstudio.core.replay import PUSH_PER_UPDATE, REPLAY_SHARE

from .data_choices import holds_image_data, image_kind, image_set_choice, image_set_choices, named_image_size
from .panels_widgets import GroupedComboBox, LogSpinBox

GROUPS = ("1D", "2D", "Images")
IMAGE_ONLY = ("image_model", "spectral_norm")  # shown for image data only
POINTS_ONLY = ("normalize",)  # shown for points only: images are always scaled to [-1, 1]
CONV_FIXED = ("layers", "activation")  # the conv image nets have a fixed layout
CONV_TIPS = {
    "layers": "The conv image nets have a fixed DCGAN layout, so the number of hidden layers does not apply; "
              "set Image nets to mlp to use it.",
    "activation": "The conv image nets use their own activations (ReLU in G, LeakyReLU in D), so this does not "
                  "apply; set Image nets to mlp to use it.",
    "hidden": "For the conv image nets: the base channel width of G, and of D unless D width is set "
              "(changing it builds new networks).",
}

TIPS = {
    "distribution": "The data distribution P_data that the generator learns to imitate (changing it builds new networks).",
    "normalize": "Networks see standardised data x' = (x - mean) / std; samples are mapped back for display.",
    "noise_dim": "Dimension d of the latent noise z that the generator maps to a sample x = G(z) (changing it builds new networks).",
    "noise": "Distribution of the latent noise: gaussian z ~ N(0, I_d) or uniform z ~ U(-1, 1)^d.",
    "hidden": "Units in each hidden layer of G, and of D unless D width is set (changing it builds new networks).",
    "d_hidden": ("Units in each hidden layer of D alone; 0 = the same as G's. A wider D resolves the modes more sharply "
                 "(changing it builds new networks)."),
    "layers": "Number of hidden layers in both G and D (changing it builds new networks).",
    "activation": "Nonlinearity between layers, e.g. relu(a) = max(0, a), tanh(a) = (e^a - e^-a) / (e^a + e^-a).",
    "image_model": ("For images: mlp flattens each image into a vector for two fully connected networks; conv is a "
                    "DCGAN pair of convolutions (G with batch norm); auto picks mlp for 8 x 8 and conv above "
                    "(changing it builds new networks)."),
    "spectral_norm": ("For images: divide each of D's weight matrices by its largest singular value, which bounds "
                      "how fast D can change (changing it builds new networks)."),
    "d_steps": "k, discriminator updates per iteration: k times ascend V(G,D) = E[log D(x)] + E[log(1 - D(G(z)))].",
    "g_steps": "m, generator updates per iteration, after the D updates: m times descend V(G,D) with D fixed.",
    "loss": ("The game: minimax G minimises E[log(1 - D(G(z)))]; nonsaturating G maximises E[log D(G(z))]; "
             "lsgan, wgan-gp and hinge train a critic instead of a probability."),
    "optimizer": "The update rule for both networks: adam, sgd (theta <- theta - lr * grad) or rmsprop.",
    "lr_d": "Discriminator learning rate eta_D in theta_D <- theta_D + eta_D * grad V (type 2e-4; arrows step 1-2-5).",
    "lr_g": "Generator learning rate eta_G in theta_G <- theta_G - eta_G * grad V (type 2e-4; arrows step 1-2-5).",
    "batch_size": "Samples per update: V is estimated as (1/m) sum_i [log D(x_i) + log(1 - D(G(z_i)))].",
    "seed": ("Seed of the random draws of data and noise (from the next step) and of the initial weights "
             "(at Reset); the same seed replays the same run."),
    "device": "Where the tensors live: cpu, cuda (NVIDIA GPU) or mps (Apple GPU); auto picks the best available.",
    "beta1": "Adam's first-moment decay beta_1 in m <- beta_1 m + (1 - beta_1) g (0.5 is usual for GANs).",
    "beta2": "Adam's second-moment decay beta_2 in v <- beta_2 v + (1 - beta_2) g^2.",
    "momentum": "Momentum mu of SGD and RMSprop, v <- mu v + g, theta <- theta - lr v (Adam ignores it).",
    "gp_lambda": "WGAN-GP penalty weight lambda in lambda E[(|grad D(x_hat)| - 1)^2].",
    "r1_gamma": "R1 penalty on real data, (gamma / 2) E_data[|grad D(x)|^2]; 0 turns it off.",
    "g_ema": "Decay of the averaged generator that is shown and measured, G_avg <- b G_avg + (1 - b) G; 0 = off.",
    "d_replay": (f"How many earlier fakes D keeps ({PUSH_PER_UPDATE} more each D update); {REPLAY_SHARE:.0%} of each "
                 "D fake batch is drawn from them, so D remembers where G has been. 0 = off."),
    "lr_schedule": "How both learning rates change over training: constant, or a cosine or linear decay to 1% of the set rate, which then holds.",
    "schedule_steps": "Number of steps over which the cosine or linear schedule decays the learning rates.",
}


def device_choices() -> list[str]:
    """'auto' plus the devices torch can use here (cuda / mps only where available)."""
    from ganstudio.core.devices import available_devices

    return ["auto", *available_devices()]


def ratio_text(d_steps: int, g_steps: int) -> str:
    """The D:G schedule as a teacher says it, e.g. '5 D : 1 G'."""
    return f"{d_steps} D : {g_steps} G"


class _Binding:
    def __init__(self, widget: QWidget, get: Callable[[], Any], put: Callable[[Any], None]) -> None:
        self.widget, self.get, self.put = widget, get, put


class ControlPanel(QScrollArea):
    """Every control of the dock; emits `edited({key: value})` when the user changes one."""

    edited = Signal(dict)
    preset_chosen = Signal(str)
    load_requested = Signal()  # a file of points or images
    folder_requested = Signal()  # a folder of pictures
    download_requested = Signal(str)  # the set to download, or "" for none in particular

    def __init__(self, presets: list[tuple[str, str, str]], distributions: dict[str, Any],
                 loader_available: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._bindings: dict[str, _Binding] = {}
        self._rows: dict[str, QFormLayout] = {}  # the form that holds each control's row
        self._syncing = False
        self._distribution = ""  # the distribution the combo shows: the config's, or the user's new choice
        self._image_sizes: dict[str, tuple[int, int]] = {}  # (H, W) learnt from loads and snapshots
        self._holds_images: dict[str, bool] = {}
        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(self._preset_box(presets))
        column.addWidget(self._data_box(distributions, loader_available))
        column.addWidget(self._model_box())
        column.addWidget(self._training_box())
        column.addWidget(self._advanced_box())
        column.addStretch(1)
        self.setWidget(body)
        self._show_model_rows()
        # Never narrower than the form itself: clipped combo boxes would hide the values.
        scrollbar = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)
        self.setMinimumWidth(body.minimumSizeHint().width() + scrollbar + 2 * self.frameWidth())

    # ---- building ---------------------------------------------------------
    def _preset_box(self, presets: list[tuple[str, str, str]]) -> QGroupBox:
        box = QGroupBox("Preset")
        layout = QVBoxLayout(box)
        self.preset_combo = QComboBox()
        self.preset_combo.setToolTip("A ready-made lesson: loads its data, model and training settings "
                                     "and restarts from step 0.")
        self._preset_summaries = {name: summary for name, summary, _ in presets}
        self._preset_lessons = {name: lesson for name, _, lesson in presets}
        for name, summary, _ in presets:
            self.preset_combo.addItem(name, name)
            self.preset_combo.setItemData(self.preset_combo.count() - 1, summary, Qt.ItemDataRole.ToolTipRole)
        self.preset_summary = QLabel()
        self.preset_summary.setWordWrap(True)
        self.preset_summary.setStyleSheet("color: palette(mid);")
        # what a class should notice, in the text's own colour: it is read out in front of a class
        self.preset_lesson = QLabel()
        self.preset_lesson.setWordWrap(True)
        self.preset_lesson.setTextFormat(Qt.TextFormat.RichText)
        self.preset_lesson.setToolTip("What this preset is for: what to point out while it trains.")
        self.preset_combo.activated.connect(self._on_preset)
        layout.addWidget(self.preset_combo)
        layout.addWidget(self.preset_summary)
        layout.addWidget(self.preset_lesson)
        return box

    def _show_preset_text(self, name: str | None) -> None:
        self.preset_summary.setText(self._preset_summaries.get(name, "") if name else "Custom settings")
        lesson = self._preset_lessons.get(name, "") if name else ""
        self.preset_lesson.setText(f"<b>Watch:</b> {html.escape(lesson)}" if lesson else "")
        self.preset_lesson.setVisible(bool(lesson))

    def _data_box(self, distributions: dict[str, Any], loader_available: bool) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        combo = GroupedComboBox()
        for group in GROUPS:
            combo.add_group(group)
            if group == "Images":
                for choice in image_set_choices():
                    combo.add_choice(choice.label, choice.name, choice.tooltip)
                continue
            for name, dist in distributions.items():
                if getattr(dist, "group", "") == group:
                    combo.add_choice(name, name, getattr(dist, "label", name))
        # the "(download)" marks are read in the open list; closed, the combo shows a set's bare name
        combo.fit_to(max([*distributions, *(c.name for c in image_set_choices())], key=len))
        combo.activated.connect(lambda _i: self._on_distribution_chosen())

        def put(name: str) -> None:
            if not combo.set_current_data(name):  # a file, or a set the lists do not name
                if not self._file_group:
                    combo.add_group("File")
                    self._file_group = True
                path = name[len(FILE_PREFIX):] if name.startswith(FILE_PREFIX) else name
                combo.add_choice(os.path.basename(os.path.normpath(path)) or path, name, path)
                combo.set_current_data(name)
            self._distribution = name

        self._file_group = False
        self._bind("distribution", combo, combo.current_data, put)
        self._distribution = combo.current_data() or ""
        form.addRow("Distribution", combo)
        self._add_check(form, "normalize", "Standardise data")
        self.load_button = QPushButton("Load...")
        self.folder_button = QPushButton("Load folder...")
        self.download_button = QPushButton("Download...")
        if loader_available:
            self.load_button.setToolTip("Train on your own data from a file (new networks are built for it): "
                                        "points as an N x 1 or N x 2 array in CSV, TXT, NPY or NPZ; images as "
                                        "IDX (raw or .gz, MNIST's format), NPY or NPZ.")
            self.folder_button.setToolTip("Train on a folder of pictures (PNG, JPEG, ...); one sub-folder per "
                                          "class gives labels.")
            self.download_button.setToolTip("Download MNIST, Fashion-MNIST or KMNIST to train on.")
            self.load_button.clicked.connect(self.load_requested)
            self.folder_button.clicked.connect(self.folder_requested)
            self.download_button.clicked.connect(lambda: self.download_requested.emit(""))
        else:
            for button in (self.load_button, self.folder_button, self.download_button):
                button.setEnabled(False)
                button.setToolTip("Loading or downloading data is not available here.")
        loads = QHBoxLayout()  # across both columns, so the buttons do not widen the form's fields
        loads.addWidget(self.load_button)
        loads.addWidget(self.folder_button)
        form.addRow(loads)
        form.addRow(self.download_button)
        return box

    def _on_distribution_chosen(self) -> None:
        """A set still to download opens the download dialog and the combo keeps the current data."""
        combo: GroupedComboBox = self._bindings["distribution"].widget  # type: ignore[assignment]
        name = combo.current_data()
        if not name:
            return
        choice = image_set_choice(name) if builtin_dimension(name) == 0 else None
        if choice is not None:
            combo.set_choice(name, choice.label, choice.tooltip)  # its download state may have changed
            if not choice.available:
                combo.set_current_data(self._distribution)
                self.download_requested.emit(name)
                return
        self._distribution = name
        self._emit("distribution")
        self._show_model_rows()

    def refresh_downloads(self) -> None:
        """Relabel the downloadable sets from the cache (after a download)."""
        combo: GroupedComboBox = self._bindings["distribution"].widget  # type: ignore[assignment]
        for choice in image_set_choices():
            combo.set_choice(choice.name, choice.label, choice.tooltip)

    def _model_box(self) -> QGroupBox:
        box = QGroupBox("Model")
        form = QFormLayout(box)
        self._add_spin(form, "noise_dim", "Noise dim", 1, 512)
        self._add_choice(form, "noise", "Noise", NOISES)
        self._add_spin(form, "hidden", "Hidden width", 1, 4096, step=16)
        self._add_spin(form, "layers", "Hidden layers", 1, 16)
        self._add_spin(form, "d_hidden", "D width", 0, 4096, step=16)
        self._bindings["d_hidden"].widget.setSpecialValueText("same as G")
        self._add_choice(form, "activation", "Activation", ACTIVATIONS)
        self._add_choice(form, "image_model", "Image nets", IMAGE_MODELS)
        self._add_check(form, "spectral_norm", "Spectral norm in D")
        return box

    def _training_box(self) -> QGroupBox:
        box = QGroupBox("Training")
        form = QFormLayout(box)
        d_spin = self._spin("d_steps", 1, 100)
        g_spin = self._spin("g_steps", 1, 100)
        self.ratio_label = QLabel()
        font = self.ratio_label.font()
        font.setBold(True)
        self.ratio_label.setFont(font)
        self.ratio_label.setToolTip("Per iteration the trainer makes this many D updates, then this many G updates.")
        row = QHBoxLayout()
        row.addWidget(QLabel("D"))
        row.addWidget(d_spin)
        row.addWidget(QLabel("G"))
        row.addWidget(g_spin)
        form.addRow("Steps", row)
        form.addRow("Ratio", self.ratio_label)
        self._add_choice(form, "loss", "Loss", LOSSES)
        self._add_choice(form, "optimizer", "Optimizer", OPTIMIZERS)
        self._add_log(form, "lr_d", "D learning rate")
        self._add_log(form, "lr_g", "G learning rate")
        self._add_spin(form, "batch_size", "Batch size", 2, 65536, step=32)
        self._add_spin(form, "seed", "Seed", 0, 2**31 - 1)
        devices = device_choices()
        self._add_choice(form, "device", "Device", devices)
        self._bindings["device"].widget.setToolTip(f"{TIPS['device']} Available here: {', '.join(devices[1:])}.")
        return box

    def _advanced_box(self) -> QGroupBox:
        box = QGroupBox("Advanced")
        box.setCheckable(True)
        box.setChecked(False)
        box.setToolTip("Less common settings; untick to hide them.")
        inner = QWidget()
        form = QFormLayout(inner)
        form.setContentsMargins(0, 0, 0, 0)
        self._add_double(form, "beta1", "Adam beta1", 0.0, 0.999999, 3, 0.05)
        self._add_double(form, "beta2", "Adam beta2", 0.0, 0.999999, 4, 0.001)
        self._add_double(form, "momentum", "Momentum", 0.0, 0.999999, 3, 0.05)
        self._add_double(form, "gp_lambda", "GP lambda", 0.0, 1e4, 2, 1.0)
        self._add_double(form, "r1_gamma", "R1 gamma", 0.0, 1e4, 2, 0.5)
        self._add_double(form, "g_ema", "G average", 0.0, 0.999999, 4, 0.001)
        self._add_spin(form, "d_replay", "D replay", 0, 10**6, step=1024)
        self._bindings["d_replay"].widget.setSpecialValueText("off")
        self._add_choice(form, "lr_schedule", "lr schedule", LR_SCHEDULES)
        self._add_spin(form, "schedule_steps", "Schedule steps", 1, 10**9, step=1000)
        layout = QVBoxLayout(box)
        layout.addWidget(inner)
        inner.setVisible(False)
        box.toggled.connect(inner.setVisible)
        return box

    def _bind(self, key: str, widget: QWidget, get, put) -> None:
        if key not in field_names():  # a control for a setting the engine does not have
            raise KeyError(f"no TrainConfig field {key!r}")
        widget.setToolTip(widget.toolTip() or TIPS[key])
        widget.setObjectName(key)
        self._bindings[key] = _Binding(widget, get, put)

    def _spin(self, key: str, lo: int, hi: int, step: int = 1) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(lo, hi)
        spin.setSingleStep(step)
        spin.setKeyboardTracking(False)  # one change per Enter/arrow, not per keystroke
        spin.valueChanged.connect(lambda _v: self._emit(key))
        self._bind(key, spin, spin.value, spin.setValue)
        return spin

    def _add_spin(self, form: QFormLayout, key: str, label: str, lo: int, hi: int, step: int = 1) -> None:
        form.addRow(label, self._spin(key, lo, hi, step))

    def _add_double(self, form, key, label, lo, hi, decimals, step) -> None:
        spin = QDoubleSpinBox()
        spin.setRange(lo, hi)
        spin.setDecimals(decimals)
        spin.setSingleStep(step)
        spin.setKeyboardTracking(False)
        spin.valueChanged.connect(lambda _v: self._emit(key))
        self._bind(key, spin, spin.value, spin.setValue)
        form.addRow(label, spin)

    def _add_log(self, form: QFormLayout, key: str, label: str) -> None:
        spin = LogSpinBox(1e-7, 10.0)
        spin.valueChanged.connect(lambda _v: self._emit(key))
        self._bind(key, spin, spin.value, spin.setValue)
        form.addRow(label, spin)

    def _add_choice(self, form: QFormLayout, key: str, label: str, choices) -> None:
        combo = QComboBox()
        for choice in choices:
            combo.addItem(choice, choice)
        combo.activated.connect(lambda _i: self._emit(key))

        def put(value: Any, combo=combo) -> None:
            index = combo.findData(value)
            if index < 0:  # e.g. a session saved on a machine with a GPU: show it, the trainer decides
                combo.addItem(value, value)
                index = combo.count() - 1
            combo.setCurrentIndex(index)

        self._bind(key, combo, combo.currentData, put)
        form.addRow(label, combo)

    def _add_check(self, form: QFormLayout, key: str, label: str) -> None:
        check = QCheckBox(label)
        check.toggled.connect(lambda _v: self._emit(key))
        self._bind(key, check, check.isChecked, check.setChecked)
        form.addRow("", check)

    # ---- which controls apply ------------------------------------------------------
    def note_image_size(self, name: str, size: tuple[int, int]) -> None:
        """Images of `name` are `size` (H, W): from a finished load or an image run's snapshot."""
        size = (int(size[0]), int(size[1]))
        if self._image_sizes.get(name) != size:
            self._image_sizes[name] = size
            self._holds_images[name] = True
            self._show_model_rows()

    def shows_images(self) -> bool:
        """Whether the distribution shown is image data."""
        name = self._distribution
        if name not in self._holds_images:
            self._holds_images[name] = holds_image_data(name)
        return self._holds_images[name]

    def image_kind(self) -> str | None:
        """The image nets the shown settings build (None for auto while the image size is unknown)."""
        name = self._distribution
        return image_kind(self._bindings["image_model"].get(), self._image_sizes.get(name) or named_image_size(name))

    def _row_visible(self, key: str, on: bool) -> None:
        widget = self._bindings[key].widget
        form = widget.parentWidget().layout()
        if isinstance(form, QFormLayout):
            form.setRowVisible(widget, on)

    def _show_model_rows(self) -> None:
        """Only the controls that apply to the data shown: image nets and spectral norm for images,
        standardising for points; the layer count and activation greyed for the conv image nets."""
        images = self.shows_images()
        for key in IMAGE_ONLY:
            self._row_visible(key, images)
        for key in POINTS_ONLY:
            self._row_visible(key, not images)
        conv = images and self.image_kind() == "conv"
        for key in CONV_FIXED:
            widget = self._bindings[key].widget
            widget.setEnabled(not conv)
            widget.setToolTip(CONV_TIPS[key] if conv else TIPS[key])
        self._bindings["hidden"].widget.setToolTip(CONV_TIPS["hidden"] if conv else TIPS["hidden"])

    # ---- traffic ------------------------------------------------------------
    def _emit(self, key: str) -> None:
        if key in ("d_steps", "g_steps"):
            self._update_ratio()
        if key == "image_model":
            self._show_model_rows()
        if self._syncing:
            return
        value = self._bindings[key].get()
        if value is None or value == "":
            return
        self.edited.emit({key: value})

    def _on_preset(self, _index: int) -> None:
        name = self.preset_combo.currentData()
        self._show_preset_text(name)
        self.preset_chosen.emit(name)

    def _update_ratio(self) -> None:
        self.ratio_label.setText(ratio_text(self._bindings["d_steps"].get(), self._bindings["g_steps"].get()))

    def widget(self, key: str | None = None) -> QWidget:  # type: ignore[override]
        """The control bound to `key` (tests and the window use it); no key: the scroll area's body."""
        if key is None:
            return super().widget()
        return self._bindings[key].widget

    def set_config(self, config: TrainConfig) -> None:
        """Show `config` without emitting edits."""
        self._syncing = True
        try:
            for key, binding in self._bindings.items():
                binding.widget.blockSignals(True)
                try:
                    binding.put(getattr(config, key))
                finally:
                    binding.widget.blockSignals(False)
            self._update_ratio()
            self._show_model_rows()
        finally:
            self._syncing = False

    def set_preset(self, name: str | None) -> None:
        index = self.preset_combo.findData(name) if name else -1
        self.preset_combo.blockSignals(True)
        self.preset_combo.setCurrentIndex(index)
        self.preset_combo.blockSignals(False)
        self._show_preset_text(name)
