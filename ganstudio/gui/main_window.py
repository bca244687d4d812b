"""The main window: control dock, transport toolbar, views, status bar and the trainer thread.

The window keeps the TrainConfig it last asked for; every control edit becomes
`config.replace(...)` posted to the worker, and the panels are set back from the config
the worker reports it applied.  Widgets are touched only here, on the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QThread, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog, QMainWindow

from ganstudio.core.commands import Command
from ganstudio.core.config import ConfigError, TrainConfig
from ganstudio.core.loop import LiveTrainer, TrainerFactory
from ganstudio.core.presets import load_preset, preset_names
from ganstudio.core.sources import FILE_PREFIX, builtin_dimension, holds_images

from . import dialogs
from .data_loading import ImageFileLoader, LoadedImages, display_name
from .download_dialog import DownloadDialog
from .export import save_window_png
from .frame_pacing import FramePacer
from .panel_refresh import PanelRefresh
from .panels import ControlPanel
from .status_fields import StatusFields
from .transport import TransportBar
from .views import DataView, MetricsView, TheoryPanel
from .window_layout import default_size, dock_widget, restore_layout, save_layout, shrinkable
from .worker import TrainerWorker

if TYPE_CHECKING:
    from ganstudio.core.snapshot import Snapshot

DEFAULT_PRESET = "ring-8"
DATA_FILE_FILTERS = ";;".join((
    "Points or images (*.csv *.txt *.npy *.npz *.gz *.idx *ubyte)",
    "Points (*.csv *.txt *.npy *.npz)",
    "Images: IDX, NPY, NPZ (*.gz *.idx *ubyte *.npy *.npz)",
    "All files (*)",
))
STOP_WAIT_MS = 900  # the window closes, its trainer stopped, within one second


def default_settings() -> QSettings:
    return QSettings("GAN Studio", "GAN Studio")


def _presets() -> list[tuple[str, str, str]]:
    """(name, summary, lesson) of every preset, in the chooser's order."""
    return [(p.name, p.summary, p.lesson) for p in map(load_preset, preset_names())]


def _distributions() -> dict[str, Any]:
    from ganstudio.core.distributions import DISTRIBUTIONS

    return dict(DISTRIBUTIONS)


class MainWindow(QMainWindow):
    def __init__(self, preset: str | None = None, config: TrainConfig | None = None,
                 settings: QSettings | None = None, trainer: LiveTrainer | None = None,
                 trainer_factory: TrainerFactory | None = None,
                 start: bool = True) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self._settings = settings if settings is not None else default_settings()
        if config is None:
            preset = preset or DEFAULT_PRESET
            config = load_preset(preset).config  # an unknown name raises here, before any window shows
        self._preset = preset
        self._config = config
        self._show_title()
        self._pending_configs = 0
        self._error_box = None
        self.last_error = ""
        self.last_snapshot = None
        self.frames_drawn = 0
        self._closed = False
        self._load_error_box = None
        self.download_dialog: DownloadDialog | None = None
        self.image_loader = ImageFileLoader(self)
        self.image_loader.loaded.connect(self._on_images_loaded)
        self.image_loader.failed.connect(self._on_load_failed)
        self.image_loader.cancelled.connect(self._on_load_cancelled)

        self._build_views()
        self._build_dock()
        self._build_transport()
        self.status_fields = StatusFields(self.statusBar())
        self._build_menus()
        self.resize(default_size(self))
        self._default_state = self.saveState()
        self._size_docks_on_show = not restore_layout(self, self._settings)

        self.worker = TrainerWorker(config, trainer=trainer, trainer_factory=trainer_factory)
        self.trainer_thread = QThread()
        self.trainer_thread.setObjectName("trainer")
        self.worker.moveToThread(self.trainer_thread)
        self.trainer_thread.started.connect(self.worker.run)
        self.worker.finished.connect(self.trainer_thread.quit)
        self.pacer = FramePacer(draw=self._draw_frame, draw_part=self._draw_panel_part,
                                frame_over=self._on_frame_over, frame_done=self.worker.frame_done, parent=self)
        self.worker.snapshot_ready.connect(self.pacer.on_frame)
        self._play_when_drawn = False  # Play was pressed before the first frame was drawn
        self.worker.messages.connect(self._on_message)
        self.worker.error.connect(self._on_error)
        self.worker.config_applied.connect(self._on_config_applied)
        self.worker.running_changed.connect(self._on_running)
        self.running = False  # what the worker last reported (the Play button may be ahead of it)
        self.frames_when_stopped = 0
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        if start:
            self.trainer_thread.start()
            self.statusBar().showMessage("Starting the trainer (building the networks and measuring P_data)...")

    # ---- construction -------------------------------------------------------
    def _show_title(self) -> None:
        self.setWindowTitle(f"GAN Studio \u2014 {self._preset or 'custom settings'}")

    def _build_views(self) -> None:
        """Samples in the centre; Metrics and Theory in docks a teacher can float onto a second screen."""
        self.samples = DataView()  # View1D or View2D, by the snapshot's dimension
        self.samples.setObjectName("samples")
        dim = builtin_dimension(self._config.distribution)
        if dim is not None:  # built now, so the first frame does not hold the GUI while it is built
            self.samples.view_for(dim)
        self.setCentralWidget(shrinkable(self.samples))
        self.metrics = MetricsView()
        self.theory = TheoryPanel()
        self.panels = PanelRefresh(self.metrics, self.theory)
        self.metrics_dock = dock_widget(self, "Metrics", "metrics_dock", shrinkable(self.metrics))
        self.theory_dock = dock_widget(self, "Theory", "theory_dock", shrinkable(self.theory))
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.metrics_dock)
        # Six metric plots need the full height to stay legible on a projector, so Theory is a tab
        # beside Metrics (F3 / F2 switch); dragging its tab out shows both, or floats it to a second screen.
        self.tabifyDockWidget(self.metrics_dock, self.theory_dock)
        self.metrics_dock.raise_()
        self.metrics_dock.visibilityChanged.connect(lambda on: on and self.panels.catch_up(self.metrics,
                                                                                           self.last_snapshot))
        self.theory_dock.visibilityChanged.connect(lambda on: on and self.panels.catch_up(self.theory,
                                                                                          self.last_snapshot))

    @Slot()
    def _default_dock_sizes(self) -> None:
        """Controls as wide as their content; the rest split 11:9 between samples and metrics
        (the samples view is square: more width only pads it; the metric legends need it)."""
        side = self.dock.minimumSizeHint().width()
        rest = self.width() - side
        self.resizeDocks([self.dock, self.metrics_dock], [side, rest * 9 // 20], Qt.Orientation.Horizontal)

    def _build_dock(self) -> None:
        self.panel = ControlPanel(_presets(), _distributions(), loader_available=True)
        self.panel.set_config(self._config)
        self.panel.set_preset(self._preset)
        self.panel.edited.connect(self._on_edited)
        self.panel.preset_chosen.connect(self.load_preset)
        self.panel.load_requested.connect(self.choose_data_file)
        self.panel.folder_requested.connect(self.choose_image_folder)
        self.panel.download_requested.connect(self.open_download_dialog)
        self.dock = dock_widget(self, "Controls", "controls_dock", self.panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)

    def _build_transport(self) -> None:
        self.transport = TransportBar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.transport)
        t = self.transport
        t.play.toggled.connect(self._play_toggled)
        t.step_d.triggered.connect(lambda: self.post(Command.STEP_D))
        t.step_g.triggered.connect(lambda: self.post(Command.STEP_G))
        t.step_both.triggered.connect(lambda: self.post(Command.STEP_BOTH))
        t.reset.triggered.connect(lambda: self.post(Command.RESET))
        t.freeze_d.toggled.connect(lambda on: self.post(Command.FREEZE_D, on))
        t.freeze_g.toggled.connect(lambda on: self.post(Command.FREEZE_G, on))
        t.speed_changed.connect(lambda speed: self.post(Command.SPEED, speed))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._add(file_menu, "&Open preset...", self.choose_preset, QKeySequence.StandardKey.Open)
        self._add(file_menu, "&Load data file...", self.choose_data_file, "Ctrl+L")
        self._add(file_menu, "Load image &folder...", self.choose_image_folder)
        self._add(file_menu, "&Download image sets...", lambda: self.open_download_dialog(""))
        file_menu.addSeparator()
        self._add(file_menu, "&Save window as PNG...", self.save_png_dialog, "Ctrl+Shift+S")
        file_menu.addSeparator()
        self._add(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        view_menu = bar.addMenu("&View")
        for dock in (self.dock, self.metrics_dock, self.theory_dock):
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addAction(self.transport.toggleViewAction())
        view_menu.addSeparator()
        self._add(view_menu, "&Reset layout", self.reset_layout)
        view_menu.addSeparator()
        self._add(view_menu, "Show &metrics", lambda: self._show_dock(self.metrics_dock), "F2")
        self._add(view_menu, "Show &theory", lambda: self._show_dock(self.theory_dock), "F3")
        help_menu = bar.addMenu("&Help")
        self._add(help_menu, "&About GAN Studio", lambda: dialogs.show_about(self))

    def _add(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    # ---- layout -----------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._size_docks_on_show:  # dock sizes need a laid-out window
            self._size_docks_on_show = False
            QTimer.singleShot(0, self._default_dock_sizes)

    def _show_dock(self, dock: QDockWidget) -> None:
        dock.show()
        dock.raise_()

    @Slot()
    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for dock in (self.dock, self.metrics_dock, self.theory_dock):
            dock.setFloating(False)
            dock.show()
        self.transport.show()
        self.metrics_dock.raise_()
        self._default_dock_sizes()

    # ---- talking to the worker --------------------------------------------------
    @Slot(bool)
    def _play_toggled(self, on: bool) -> None:
        """Play pressed before the first frame is drawn starts training once it is: that frame
        paints every panel for the first time, which must not hold up a running trainer's
        frames."""
        self._play_when_drawn = on and self.last_snapshot is None
        if not self._play_when_drawn:
            self.post(Command.PLAY if on else Command.PAUSE)

    def post(self, command: Command, value: Any = None) -> None:
        self.worker.post(command, value)

    @property
    def config(self) -> TrainConfig:
        """The configuration last asked for (the trainer runs it from its next step)."""
        return self._config

    @Slot(dict)
    def _on_edited(self, change: dict) -> None:
        try:
            new = self._config.replace(**change)
        except ConfigError as exc:
            self._refuse(str(exc))
            return
        if new == self._config:
            return
        self._config = new
        self._pending_configs += 1
        self._preset = None
        self.panel.set_preset(None)
        self._show_title()
        self.post(Command.SET_CONFIG, new)

    def _refuse(self, message: str) -> None:
        self.panel.set_config(self._config)
        self._on_error(f"That setting cannot be used: {message}. The previous settings are kept.")

    @Slot(str)
    def load_preset(self, name: str) -> None:
        try:
            config = load_preset(name).config
        except (ConfigError, KeyError, ValueError) as exc:
            self._on_error(f"Preset {name!r} could not be loaded: {exc}")
            return
        self._preset = name
        self._config = config
        self._show_title()
        self._pending_configs += 1
        self.panel.set_config(config)
        self.panel.set_preset(name)
        self.post(Command.LOAD_CONFIG, config)
        self.statusBar().showMessage(f"Loaded preset {name}.", 5000)

    @Slot()
    def choose_preset(self) -> None:
        name = dialogs.choose_preset(self, preset_names(), self._preset)
        if name:
            self.load_preset(name)

    # ---- data from files and downloads ----------------------------------------------
    @Slot()
    def choose_data_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Train on points or images from a file", "", DATA_FILE_FILTERS)
        if path:
            self.load_data_file(path)

    @Slot()
    def choose_image_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Train on a folder of pictures")
        if path:
            self.load_data_file(path)

    def load_data_file(self, path: str) -> bool:
        """Points are checked here; images (a folder, IDX, or an NPY/NPZ of images) load in the
        background. False when the file was refused or a load is already running."""
        if holds_images(Path(path)):
            return self.load_image_file(path)
        return self.load_points_file(path)

    def load_points_file(self, path: str) -> bool:
        """Check the file here, so a bad one is refused before the trainer drops its networks."""
        from ganstudio.core.datafiles import load_points
        from ganstudio.core.errors import DataError

        try:
            load_points(path)
        except DataError as exc:
            self._on_load_failed(path, str(exc))
            return False
        self._switch_data(FILE_PREFIX + path)
        return True

    def load_image_file(self, path: str) -> bool:
        """Load the images at `path` on the loader's thread; the run switches once they are read."""
        if not self.image_loader.load(path):
            self.statusBar().showMessage("Images are still loading: cancel that load first.", 5000)
            return False
        self.statusBar().showMessage(f"Loading images from {display_name(path)}...")
        return True

    @Slot(object)
    def _on_images_loaded(self, result: LoadedImages) -> None:
        name = FILE_PREFIX + result.path
        images = result.images
        self.panel.note_image_size(name, images.size)
        if name == self._config.distribution:
            self.statusBar().showMessage(f"Already training on {display_name(result.path)}.", 8000)
            return
        self.statusBar().showMessage(f"Loaded {images.n:,} images of {images.size[0]} x {images.size[1]} "
                                     f"from {display_name(result.path)}; building new networks.", 8000)
        self._switch_data(name)

    @Slot(str, str)
    def _on_load_failed(self, path: str, message: str) -> None:
        self.last_error = message
        self.statusBar().showMessage(message, 15000)
        if self._load_error_box is not None:
            self._load_error_box.close()
        self._load_error_box = dialogs.cannot_load(self, display_name(path), message)
        self._load_error_box.destroyed.connect(self._forget_load_error_box)

    @Slot()
    def _forget_load_error_box(self) -> None:
        self._load_error_box = None

    @Slot(str)
    def _on_load_cancelled(self, path: str) -> None:
        self.statusBar().showMessage(f"Loading {display_name(path)} cancelled; the data is unchanged.", 8000)

    @Slot(str)
    def open_download_dialog(self, name: str = "") -> None:
        """The download dialog, with set `name` chosen where given."""
        if self.download_dialog is None:
            self.download_dialog = DownloadDialog(self)
            self.download_dialog.downloaded.connect(self._on_downloaded)
            self.download_dialog.use_requested.connect(self._use_downloaded)
        if not self.download_dialog.busy:
            self.download_dialog.select(name or None)
        self.download_dialog.open()
        self.download_dialog.raise_()

    @Slot(str)
    def _on_downloaded(self, name: str) -> None:
        self.panel.refresh_downloads()
        self.statusBar().showMessage(f"{name} is downloaded and can be chosen under Data.", 8000)

    @Slot(str)
    def _use_downloaded(self, name: str) -> None:
        self.panel.refresh_downloads()
        self._switch_data(name)

    def _switch_data(self, distribution: str) -> None:
        """Train on `distribution` (new networks); the panels show it at once, not only once applied."""
        self._on_edited({"distribution": distribution})
        if self._config.distribution == distribution:
            self.panel.set_config(self._config)

    @Slot(object)
    def _on_config_applied(self, config: TrainConfig) -> None:
        self._pending_configs = max(0, self._pending_configs - 1)
        if self._pending_configs == 0:  # later edits are still on their way; don't undo them
            self._config = config
            self.panel.set_config(config)

    @Slot(bool)
    def _on_running(self, running: bool) -> None:
        self.running = running
        self.frames_when_stopped = self.frames_drawn  # frames after this show the stopped trainer
        self.transport.set_playing(running)

    @Slot(str)
    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    @Slot(str)
    def _on_error(self, text: str) -> None:
        self.last_error = text
        self.statusBar().showMessage(text.splitlines()[0], 15000)
        if self._error_box is not None and self._error_box.isVisible():
            self._error_box.setText(text)
            return
        self._error_box = dialogs.training_error(self, text)
        self._error_box.destroyed.connect(self._forget_error_box)

    @Slot()
    def _forget_error_box(self) -> None:
        self._error_box = None

    # ---- drawing ----------------------------------------------------------------
    @property
    def frame_cost_s(self) -> float:
        """GUI time of the last frame of the live loop, from its draw to the event loop's sleep."""
        return self.pacer.pacing.cost_s

    def _draw_frame(self, snap) -> None:
        """The pacer's draw: the first frame, and every frame while paused, draws every panel."""
        if not self._closed:
            first = self.last_snapshot is None  # drawn whole, before any training starts
            self.show_snapshot(snap, everything=first or not self.transport.play.isChecked())

    def _on_frame_over(self) -> None:
        if self._play_when_drawn:
            self._play_when_drawn = False
            self.post(Command.PLAY)

    def show_snapshot(self, snap: Snapshot, everything: bool = True) -> None:
        """Draw one Snapshot (also used by render_to_png): the samples view every time; the
        panels now with `everything`, else as PanelRefresh stages them."""
        if self.last_snapshot is None:
            self.statusBar().clearMessage()  # the "starting" note
        self.samples.show_snapshot(snap)
        if snap.images is not None:  # the size `auto` picks the image nets by
            self.panel.note_image_size(snap.config.distribution, snap.images.real.shape[-2:])
        self.last_snapshot = snap
        self.panels.stage(snap, everything)
        if not everything:
            if self.pacer.in_frame:  # drawn in an event-loop turn of its own once the samples are painted
                self.pacer.part_due = self.panels.part_due()
            else:  # a direct call, not a frame of the live loop
                self.panels.draw_part()
        self.status_fields.show_snapshot(snap)
        self.frames_drawn += 1

    @Slot()
    def _draw_panel_part(self) -> None:
        if not self._closed:
            self.panels.draw_part()

    # ---- files -------------------------------------------------------------------
    def save_png(self, path: str) -> bool:
        return save_window_png(self, path)

    @Slot()
    def save_png_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save window as PNG", "gan-studio.png", "PNG images (*.png)")
        if path:
            if self.save_png(path):
                self.statusBar().showMessage(f"Saved {path}", 5000)
            else:
                self._on_error(f"Could not write {path}.")

    # ---- shutting down -----------------------------------------------------------
    @Slot()
    def shutdown(self) -> None:
        """Stop the worker, quit and wait for its thread (from closeEvent and aboutToQuit)."""
        self._closed = True
        self.image_loader.shutdown()
        if self.download_dialog is not None:
            self.download_dialog.shutdown()
        if self.trainer_thread.isRunning():
            self.worker.request_stop()
            self.trainer_thread.quit()
            if not self.trainer_thread.wait(STOP_WAIT_MS):
                self.trainer_thread.wait(10_000)  # a slow step: still never destroy a running QThread

    def closeEvent(self, event) -> None:
        save_layout(self, self._settings)
        self.shutdown()
        super().closeEvent(event)
