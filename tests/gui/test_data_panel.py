"""The Data panel's image sets and the Model panel's controls by kind of data."""

from __future__ import annotations


import numpy as np
import pytest
from PySide6.QtCore import Qt

from ganstudio.core.config import TrainConfig
from ganstudio.core.distributions import DISTRIBUTIONS
from ganstudio.core.images.download import DOWNLOADS
from ganstudio.core.presets import load_preset
from ganstudio.core.sources import FILE_PREFIX

IMAGE_SETS = ["digits-8x8", "digits-28", "mnist", "fashion-mnist", "kmnist"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty download cache: no set is downloaded."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("GANSTUDIO_CACHE", str(folder))
    return folder


def fill_cache(cache, name: str) -> None:
    """Put every file of set `name` in the cache under its own name, as a finished download leaves it."""
    folder = cache / name
    folder.mkdir(parents=True, exist_ok=True)
    for remote in DOWNLOADS[name].files:
        (folder / remote.name).write_bytes(b"x")


@pytest.fixture
def panel(qtbot, cache):
    from ganstudio.gui.panels import ControlPanel

    p = ControlPanel([], dict(DISTRIBUTIONS), loader_available=True)
    qtbot.addWidget(p)
    p.set_config(TrainConfig(distribution="ring-8"))
    return p


def images_group(combo) -> list[tuple[str, str, bool]]:
    """(data, text, enabled) of each entry under the Images heading, up to the next heading."""
    model = combo.model()
    rows = [model.item(i) for i in range(model.rowCount())]
    start = next(i for i, item in enumerate(rows) if item.text() == "Images") + 1
    out = []
    for item in rows[start:]:
        data = item.data(Qt.ItemDataRole.UserRole)
        if data is None:  # the next heading
            break
        out.append((data, item.text(), bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)))
    return out


def choose(combo, data: str) -> None:
    """What a click on the entry does: the index changes and `activated` fires."""
    index = combo.findData(data, Qt.ItemDataRole.UserRole)
    assert index >= 0, data
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


# ---- the Images group ------------------------------------------------------------------

def test_images_group_lists_the_sets_and_which_need_a_download(qtbot, cache):
    from ganstudio.gui.panels import ControlPanel

    fill_cache(cache, "kmnist")
    panel = ControlPanel([], dict(DISTRIBUTIONS), loader_available=True)
    qtbot.addWidget(panel)
    entries = images_group(panel.widget("distribution"))
    assert [data for data, _, _ in entries] == IMAGE_SETS
    texts = {data: text for data, text, _ in entries}
    assert texts == {"digits-8x8": "digits-8x8", "digits-28": "digits-28", "mnist": "mnist (download)",
                     "fashion-mnist": "fashion-mnist (download)", "kmnist": "kmnist"}
    assert all(enabled for _, _, enabled in entries)


def test_a_set_not_downloaded_opens_the_download_and_keeps_the_data(qtbot, panel, cache):
    combo = panel.widget("distribution")
    edits: list[dict] = []
    asked: list[str] = []
    panel.edited.connect(edits.append)
    panel.download_requested.connect(asked.append)
    choose(combo, "mnist")
    assert asked == ["mnist"] and edits == []
    assert combo.current_data() == "ring-8" and combo.currentText() == "ring-8"

    fill_cache(cache, "mnist")  # downloaded meanwhile: now it switches
    choose(combo, "mnist")
    assert edits == [{"distribution": "mnist"}] and asked == ["mnist"]
    assert combo.currentText() == "mnist"


def test_refresh_downloads_relabels_a_finished_set(panel, cache):
    combo = panel.widget("distribution")
    fill_cache(cache, "fashion-mnist")
    assert dict((d, t) for d, t, _ in images_group(combo))["fashion-mnist"] == "fashion-mnist (download)"
    panel.refresh_downloads()
    assert dict((d, t) for d, t, _ in images_group(combo))["fashion-mnist"] == "fashion-mnist"


@pytest.mark.parametrize("preset", ["digits-8x8", "digits-28"])
def test_an_image_preset_shows_its_set_not_a_heading(panel, preset):
    panel.set_config(load_preset(preset).config)
    combo = panel.widget("distribution")
    assert combo.current_data() == preset and combo.currentText() == preset


# ---- the Model panel by kind of data ----------------------------------------------------

def shown(panel, key: str) -> bool:
    return not panel.widget(key).isHidden()


def test_points_show_standardise_and_hide_the_image_controls(panel):
    assert shown(panel, "normalize")
    assert not shown(panel, "image_model") and not shown(panel, "spectral_norm")
    assert panel.widget("layers").isEnabled() and panel.widget("activation").isEnabled()


@pytest.mark.parametrize(("distribution", "image_model", "conv"), [
    ("digits-8x8", "auto", False),  # 8 x 8: auto builds the MLP pair
    ("digits-8x8", "conv", True),
    ("digits-28", "auto", True),  # 28 x 28: auto builds the conv pair
    ("mnist", "auto", True),
    ("digits-28", "mlp", False),
])
def test_images_show_their_controls_and_grey_what_conv_ignores(panel, distribution, image_model, conv):
    panel.set_config(TrainConfig(distribution=distribution, image_model=image_model))
    assert shown(panel, "image_model") and shown(panel, "spectral_norm")
    assert not shown(panel, "normalize")
    for key in ("layers", "activation"):
        assert panel.widget(key).isEnabled() is not conv
        assert ("conv image nets" in panel.widget(key).toolTip()) is conv
    panel.set_config(TrainConfig(distribution="gaussian-1d"))
    assert shown(panel, "normalize") and not shown(panel, "image_model")
    assert panel.widget("layers").isEnabled() and "conv" not in panel.widget("layers").toolTip()


def test_a_file_is_judged_by_what_it_holds(panel, tmp_path):
    points = tmp_path / "points.npy"
    np.save(points, np.zeros((50, 2)))
    images = tmp_path / "faces.npy"
    np.save(images, np.zeros((20, 28, 28), dtype=np.uint8))
    panel.set_config(TrainConfig(distribution=FILE_PREFIX + str(points)))
    assert shown(panel, "normalize") and not shown(panel, "image_model")
    name = FILE_PREFIX + str(images)
    panel.set_config(TrainConfig(distribution=name))
    assert not shown(panel, "normalize") and shown(panel, "image_model")
    assert panel.widget("distribution").currentText() == "faces.npy"
    assert panel.widget("layers").isEnabled()  # auto, and the size is not known yet
    panel.note_image_size(name, (28, 28))
    assert not panel.widget("layers").isEnabled()


def test_changing_image_nets_regreys_at_once(panel):
    panel.set_config(TrainConfig(distribution="digits-8x8"))
    combo = panel.widget("image_model")
    edits: list[dict] = []
    panel.edited.connect(edits.append)
    index = combo.findData("conv")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert edits == [{"image_model": "conv"}]
    assert not panel.widget("layers").isEnabled()
