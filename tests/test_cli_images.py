"""The command line with image data: presets, --data files and folders, the image metrics, datasets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import rel_entr

from ganstudio.cli import main
from ganstudio.core.images.image_metrics import KL_FLOOR


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_train_digits_preset_reports_the_image_metrics(capsys, tmp_path):
    out = tmp_path / "m.json"
    code, stdout, _ = run(capsys, "train", "--preset", "digits-8x8", "--steps", "20", "--quiet",
                          "--metrics-json", str(out))
    assert code == 0 and "digits-8x8: 20 steps" in stdout
    report = json.loads(out.read_text())
    final = report["final"]
    assert report["preset"] == "digits-8x8"
    for key in ("d_loss", "g_loss", "classes_covered", "classes_total", "class_kl", "fid", "fid_floor"):
        assert key in final
    for key in ("jsd", "kl_data_g", "entropy_data", "modes_captured"):  # no density for images
        assert key not in final
    assert final["classes_total"] == 10 and 0 <= final["classes_covered"] <= 10
    assert isinstance(final["classes_covered"], int)
    assert final["fid"] > final["fid_floor"] > 0  # 20 steps of training are far from the real set
    assert final["class_kl"] >= 0


def test_train_on_an_image_array_without_labels(capsys, tmp_path):
    rng = np.random.default_rng(0)
    images = (rng.random((200, 8, 8)) * 255).astype(np.uint8)
    path = tmp_path / "faces.npy"
    np.save(path, images)
    out = tmp_path / "m.json"
    code, _, _ = run(capsys, "train", "--data", str(path), "--steps", "5", "--quiet", "--metrics-json", str(out))
    assert code == 0
    report = json.loads(out.read_text())
    assert report["preset"] is None and report["data"] == str(path.resolve())
    assert "fid" not in report["final"] and "d_loss" in report["final"]  # no labels: no classifier


def test_train_on_a_labelled_npz_picks_the_image_preset(capsys, tmp_path):
    from ganstudio.core.images.builtin import load_digits_8x8

    digits = load_digits_8x8()
    path = tmp_path / "digits.npz"
    np.savez(path, x_train=(np.asarray(digits.images[:, 0]) * 255).round().astype(np.uint8), y_train=digits.labels)
    out = tmp_path / "m.json"
    code, _, _ = run(capsys, "train", "--data", str(path), "--steps", "5", "--quiet", "--metrics-json", str(out))
    assert code == 0
    final = json.loads(out.read_text())["final"]
    assert final["classes_total"] == 10 and "fid" in final


def test_class_kl_in_the_report_matches_scipy(capsys, tmp_path):
    from ganstudio.core.config import TrainConfig
    from ganstudio.core.trainer import Trainer

    t = Trainer(TrainConfig(distribution="digits-8x8", hidden=32, noise_dim=8, batch_size=32), eval_samples=500)
    t.train(10)
    snap = t.snapshot(full=True)
    m = snap.images.measured
    g, r = m.fake_class_freq + KL_FLOOR, m.real_class_freq + KL_FLOOR  # the floor the metric documents
    expected = float(np.sum(rel_entr(g / g.sum(), r / r.sum())))
    assert snap.metrics["class_kl"] == pytest.approx(expected, rel=1e-3, abs=1e-6)
    assert m.fake_class_freq.sum() == pytest.approx(1.0) and m.real_class_freq.sum() == pytest.approx(1.0)


def test_a_broken_image_file_is_one_line(capsys, tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x00\x00\x08\x03" + b"\x00\x00\x00\x05" + b"\x00\x00\x00\x1c" * 2 + b"\x00" * 100)
    code, _, err = run(capsys, "train", "--data", str(path), "--steps", "5", "--quiet")
    assert code == 2 and str(path) in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_datasets_list_and_unknown_download(capsys):
    code, out, _ = run(capsys, "datasets", "list")
    assert code == 0
    names = [line.split()[0] for line in out.strip().splitlines()]
    assert names == ["digits-8x8", "digits-28", "mnist", "fashion-mnist", "kmnist"]
    code, _, err = run(capsys, "datasets", "download", "cifar")
    assert code == 2 and "unknown set 'cifar'" in err


def test_training_on_a_set_not_yet_downloaded_says_how_to_get_it(capsys):
    code, _, err = run(capsys, "train", "--preset", "digits-8x8", "--set", "distribution=kmnist", "--steps", "1")
    assert code == 2 and "ganstudio datasets download kmnist" in err and len(err.strip().splitlines()) == 1
