"""Forecasts and intervals pinned to the numbers the code gave before the estimator was
reshaped around its fitted state (tests/data/make_pinned_forecasts.py wrote them; its docstring
names those pinned again since): one series, a Box-Cox model with a refit calibration, trained
quantiles, two panels, and a panel model's file from before that layout."""

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import tsforecast

DATA = Path(__file__).parent / "data"
PINNED = json.loads((DATA / "pinned_forecasts.json").read_text(encoding="utf-8"))


def _maker():
    spec = importlib.util.spec_from_file_location("make_pinned", DATA / "make_pinned_forecasts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKER = _maker()


@pytest.fixture(scope="module")
def outputs():
    computed = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, _, calls in MAKER.scenarios():
            computed[name] = {key: MAKER.as_numbers(call()) for key, call in calls.items()}
    return computed


@pytest.mark.parametrize("name", sorted(set(PINNED) - {"panel_v1_file"}))
def test_forecasts_and_intervals_match_the_pinned_numbers(outputs, name):
    assert outputs[name].keys() == PINNED[name].keys()
    for key, expected in PINNED[name].items():
        # bit-identical on the machine that wrote them; other CPUs may round float32 differently
        np.testing.assert_allclose(outputs[name][key], expected, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name}: {key}")


def test_a_panel_model_saved_before_the_fitted_state_layout_loads_and_predicts_the_same():
    """Check the file of the layout before the fitted state: the forecasts and the per-step
    95% intervals (from its calibration errors) that the code of its day gave."""
    model = tsforecast.load(DATA / "forecaster_panel_v1.tsf")
    pinned = PINNED["panel_v1_file"]
    np.testing.assert_allclose(MAKER.as_numbers(model.predict()), pinned["predict"],
                               rtol=1e-5, atol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # too few errors per step for 95%: the largest
        band = model.set_params(intervals__pooling=False).predict_interval(coverage=0.95)
    np.testing.assert_allclose(MAKER.as_numbers(band), pinned["interval"], rtol=1e-5, atol=1e-6)
