"""The command line contract of DESIGN.md section 3."""

import json
import subprocess
import sys

import numpy as np
import pytest

from ganstudio.cli import main
from ganstudio.core.presets import all_presets, preset_names
from ganstudio.core.devices import pick_device

REQUIRED = ("d_loss", "g_loss", "jsd", "jsd_floor", "kl_data_g", "kl_g_data", "entropy_data", "cross_entropy",
            "value", "value_bound")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_presets_lists_every_preset(capsys):
    code, out, _ = run(capsys, "presets")
    assert code == 0
    lines = out.strip().splitlines()
    assert [l.split()[0] for l in lines] == preset_names()
    for name in ("gaussian-1d", "bimodal-1d", "ring-8", "grid-25", "moons", "spiral", "mode-collapse", "saturating"):
        assert name in preset_names()
    assert all(len(l.split(None, 1)) == 2 for l in lines)


def test_every_preset_validates():
    for p in all_presets():
        assert p.steps > 0 and p.summary and p.config.distribution


def assert_one_line_refusal(code, err, needle):
    """Exit status 2 and one clear line on stderr, no traceback."""
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("argv,needle", [
    (["train", "--preset", "nope"], "unknown preset 'nope'"),
    (["train", "--preset", "ring-8", "--set", "bogus=1"], "unknown config key 'bogus'"),
    (["train", "--preset", "ring-8", "--set", "lr_d=fast"], "lr_d='fast': expected float"),
    (["train", "--preset", "ring-8", "--set", "loss=l2"], "loss='l2': must be one of"),
    (["train", "--preset", "ring-8", "--steps", "-3"], "must not be negative"),
    (["train", "--data", "/no/such/file.csv"], "no such file"),
    (["train", "--resume", "/no/such/session"], "no such session file"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_is_one_line_and_status_2(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert_one_line_refusal(code, err, needle)


@pytest.mark.parametrize("argv,needle", [
    (["train", "--preset", "gaussian-1d", "--metrics-json", "/no/such/dir/m.json"], "/no/such/dir does not exist"),
    (["train", "--preset", "gaussian-1d", "--save", "/no/such/dir/s.pt"], "/no/such/dir does not exist"),
    (["train", "--preset", "gaussian-1d", "--save", "."], "is a folder"),
    (["render", "--preset", "gaussian-1d", "--steps", "5", "--out", "/no/such/dir/r.png"], "/no/such/dir does not exist"),
    (["bench", "--json", "/no/such/dir/b.json"], "/no/such/dir does not exist"),
])
def test_an_output_that_cannot_be_written_is_refused_before_any_training(capsys, monkeypatch, argv, needle):
    from ganstudio.core import bench, trainer

    def never(*args, **kwargs):
        raise AssertionError("trained before checking where the results go")

    monkeypatch.setattr(trainer.Trainer, "step", never)
    monkeypatch.setattr(bench, "run_benchmarks", never)
    code, out, err = run(capsys, *argv)
    assert_one_line_refusal(code, err, needle)


def test_train_writes_the_metrics_contract(capsys, tmp_path):
    out = tmp_path / "m.json"
    code, stdout, _ = run(capsys, "train", "--preset", "ring-8", "--steps", "30", "--seed", "2", "--quiet",
                          "--set", "hidden=32", "--metrics-json", str(out))
    assert code == 0 and "ring-8" in stdout
    report = json.loads(out.read_text())
    assert report["preset"] == "ring-8" and report["steps"] == 30 and report["seed"] == 2
    assert report["device"] == pick_device("auto").type  # the device `auto` chose: cuda on a GPU machine
    assert report["elapsed_s"] > 0 and report["steps_per_s"] > 0
    final = report["final"]
    for k in REQUIRED + ("modes_captured", "modes_total", "hq_fraction"):
        assert k in final
    assert final["modes_total"] == 8 and isinstance(final["modes_captured"], int)
    assert final["value_bound"] == pytest.approx(-2 * np.log(2) + 2 * final["jsd"])


def test_critic_losses_omit_value_but_keep_its_bound(capsys, tmp_path):
    """A critic's score has no log D(x), so V(G, D) is left out; V(G, D*) = -2 log 2 + 2 JSD is the
    original game's value at its optimal D, a function of P_G alone, so it stays."""
    out = tmp_path / "m.json"
    code, _, _ = run(capsys, "train", "--preset", "gaussian-1d", "--steps", "5", "--quiet",
                     "--set", "loss=wgan-gp", "--metrics-json", str(out))
    final = json.loads(out.read_text())["final"]
    assert code == 0 and "value" not in final and "jsd" in final
    assert final["value_bound"] == pytest.approx(-2 * np.log(2) + 2 * final["jsd"])


def test_save_and_resume_continue_exactly(capsys, tmp_path):
    s, a, b = tmp_path / "s.pt", tmp_path / "a.json", tmp_path / "b.json"
    common = ["--quiet", "--set", "hidden=16"]
    assert run(capsys, "train", "--preset", "bimodal-1d", "--steps", "40", "--save", str(s), *common)[0] == 0
    assert run(capsys, "train", "--resume", str(s), "--steps", "20", "--metrics-json", str(a), "--quiet")[0] == 0
    assert run(capsys, "train", "--preset", "bimodal-1d", "--steps", "60", "--metrics-json", str(b), *common)[0] == 0
    ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
    assert ra["total_steps"] == 60 and ra["final"]["d_loss"] == rb["final"]["d_loss"]
    assert ra["final"]["jsd"] == rb["final"]["jsd"]


def test_train_on_a_points_file(capsys, tmp_path):
    pts = np.random.default_rng(0).normal(size=(500, 2))
    csv = tmp_path / "pts.csv"
    np.savetxt(csv, pts, delimiter=",", header="x,y", comments="")
    out = tmp_path / "m.json"
    code, _, err = run(capsys, "train", "--data", str(csv), "--steps", "10", "--quiet", "--metrics-json", str(out))
    assert code == 0, err
    report = json.loads(out.read_text())
    assert report["preset"] is None and report["data"] == str(csv.resolve())  # not the preset it took defaults from
    final = report["final"]
    assert "jsd" in final and "modes_total" not in final
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,x\n")
    code, _, err = run(capsys, "train", "--data", str(bad), "--steps", "1")
    assert code == 2 and "line 2" in err


def test_module_entry_point_runs():
    r = subprocess.run([sys.executable, "-m", "ganstudio", "presets"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "ring-8" in r.stdout
