"""The metrics panel's table of plots and the series it draws, without Qt (the module is loaded
from its file: importing it through ganstudio.gui would load Qt)."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import pathlib
import sys
from types import SimpleNamespace

import numpy as np
import pytest

PATH = pathlib.Path(__file__).resolve().parents[2] / "ganstudio" / "gui" / "views" / "metric_plots.py"


def _load():
    spec = importlib.util.spec_from_file_location("metric_plots_without_qt", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


mp = _load()


def test_the_table_holds_six_plots_with_distinct_curves_and_frozen_specs():
    assert [p.name for p in mp.PLOTS] == ["loss", "jsd", "kl", "value", "modes", "grad"]
    keys = [c.key for p in mp.PLOTS for c in p.curves]
    assert len(keys) == len(set(keys))
    assert [p.name for p in mp.PLOTS if p.per_step] == ["loss", "grad"]  # drawn from snap.history every frame
    assert {p.name for p in mp.PLOTS if p.log_y} == {"kl", "grad"}
    for spec in mp.PLOTS:
        with pytest.raises(dataclasses.FrozenInstanceError):
            spec.name = "x"
        if spec.placement is mp.Placement.FREE_SIDE:  # each label names a curve of its own plot
            assert all(line.curve in {c.key for c in spec.curves} for line in spec.lines)
    assert mp.PLOTS_BY_NAME["jsd"].lines[0].value == pytest.approx(math.log(2.0))
    assert mp.PLOTS_BY_NAME["value"].lines[0].value == pytest.approx(-2 * math.log(2.0))


def snap(history=None, metric_history=None):
    return SimpleNamespace(history=history or {}, metric_history=metric_history or {})


def test_series_drops_non_finite_points_and_on_request_those_not_above_zero():
    steps = np.array([0.0, 1.0, 2.0, 3.0, np.nan, 5.0])
    values = np.array([1.0, np.inf, -2.0, 0.0, 4.0, np.nan])
    x, y = mp.series(snap(history={"step": steps, "a": values}), "a")
    np.testing.assert_array_equal(x, [0.0, 2.0, 3.0])
    np.testing.assert_array_equal(y, [1.0, -2.0, 0.0])
    x, y = mp.series(snap(metric_history={"step": steps, "a": values}), "a", positive=True)
    np.testing.assert_array_equal(x, [0.0])
    np.testing.assert_array_equal(y, [1.0])
    assert mp.series(snap(history={"step": steps}), "a") is None
    x, _ = mp.series(snap(history={"step": steps[:3], "a": values}), "a")  # the shorter of the two
    np.testing.assert_array_equal(x, [0.0, 2.0])


def test_mode_fraction_is_captured_over_total_where_both_are_finite():
    steps = np.array([0.0, 10.0, 20.0, 30.0])
    captured, total = np.array([1.0, 4.0, 8.0, 3.0]), np.array([8.0, 8.0, 8.0, 0.0])
    x, f = mp.mode_fraction(snap(metric_history={"step": steps, "modes_captured": captured, "modes_total": total}))
    np.testing.assert_array_equal(x, [0.0, 10.0, 20.0])  # 3 / 0 is no fraction
    np.testing.assert_allclose(f, [1 / 8, 4 / 8, 1.0])
    assert mp.mode_fraction(snap(metric_history={"step": steps, "modes_captured": captured})) is None


def test_label_forms_get_shorter():
    assert mp.shorter_forms("D loss at D = ½: 2 log 2") == ("D loss at D = ½: 2 log 2", "at D = ½: 2 log 2", "2 log 2")
    assert mp.shorter_forms("no value here") == ("no value here",)
    forms = mp.mle_forms("kl_mle_gauss", 6.4213)
    assert forms == ("MLE Gaussian: 6.42", "Gaussian: 6.42", "6.42")
    assert all(len(a) > len(b) for a, b in zip(forms, forms[1:]))
