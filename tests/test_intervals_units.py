"""The units conformal errors are calibrated in, through the public API: relative errors for a
model on the logs of its targets, and errors scaled by how much their window moves in a panel
(``ConformalIntervals(local_scale=...)``)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, TRAINING

from tsforecast import ConformalIntervals, HybridNetwork, LSTMForecaster, load

H, WINDOW = 3, 8


def walks(n_series=4, n=80, seed=0, start=50.0):
    """Positive random walks of different levels, as a long frame."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n_series):
        y = start * (k + 1) + np.cumsum(rng.normal(0, 1 + k, n))
        frames.append(pd.DataFrame({"unique_id": f"s{k}", "y": y,
                                    "ds": pd.period_range("2000-01", periods=n, freq="M")}))
    return pd.concat(frames, ignore_index=True)


def quietly(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


def fitted(frame, local_scale="auto", **params):
    settings = {**TINY, "window": WINDOW, "horizon": H, "validation_fraction": 0.3,
                "deseasonalize": False, "scaler": "standard", "loss": "mse",
                "intervals": ConformalIntervals(calibration="validation",
                                                local_scale=local_scale), **params}
    return quietly(LSTMForecaster(**settings).fit, frame)


def widths(model, frame, coverage=0.8):
    band = quietly(model.predict_interval, frame, coverage=coverage)
    return (band["upper"] - band["lower"]).to_numpy().reshape(-1, H)


def livelier_last_window(frame, name, factor):
    """``frame`` with the changes inside the last WINDOW rows of series ``name`` multiplied
    by ``factor`` (its last value kept)."""
    frame = frame.copy()
    rows = frame.index[frame["unique_id"] == name][-WINDOW:]
    last = frame.loc[rows[-1], "y"]
    frame.loc[rows, "y"] = last + factor * (frame.loc[rows, "y"] - last)
    return frame


def test_a_panel_scales_each_interval_by_how_much_its_window_moves():
    """Check that in a panel (local_scale="auto") doubling the changes inside one series' last
    window doubles its interval's width and leaves the other series' alone, and that with
    local_scale=False the width does not depend on the window."""
    frame = walks()
    model = fitted(frame)
    livelier = livelier_last_window(frame, "s1", 2.0)
    before, after = widths(model, frame), widths(model, livelier)
    np.testing.assert_allclose(after[1], 2 * before[1], rtol=1e-6)
    np.testing.assert_allclose(np.delete(after, 1, axis=0), np.delete(before, 1, axis=0),
                               rtol=1e-6)
    plain = fitted(frame, local_scale=False)
    np.testing.assert_allclose(widths(plain, livelier), widths(plain, frame), rtol=1e-6)


def test_one_jump_in_a_window_moves_its_width_little():
    """Check that a window holding one jump of fifty typical changes gets an interval at most
    1.5 times as wide (the median change barely moves), where the mean change would make it
    several times wider."""
    frame = walks()
    model = fitted(frame)
    jumped = frame.copy()
    rows = jumped.index[jumped["unique_id"] == "s2"][-WINDOW // 2:]
    typical = np.median(np.abs(np.diff(frame.loc[frame.unique_id == "s2", "y"])))
    jumped.loc[rows, "y"] += 50 * typical
    ratio = widths(model, jumped)[2] / widths(model, frame)[2]
    assert np.all(ratio < 1.5)


def test_one_series_is_not_scaled_by_its_windows_unless_asked():
    """Check that one series keeps one width per step whatever its last window (the "auto"
    default), and that local_scale=True scales it as a panel's."""
    y = walks(n_series=1, n=120).set_index("ds")["y"]
    lively = livelier_last_window(y.to_frame().assign(unique_id="s0"), "s0", 3.0)["y"]
    model = fitted(y)
    np.testing.assert_allclose(widths(model, lively.to_frame()), widths(model, y.to_frame()),
                               rtol=1e-6)
    scaled = fitted(y, local_scale=True)
    np.testing.assert_allclose(widths(scaled, lively.to_frame()),
                               3 * widths(scaled, y.to_frame()), rtol=1e-6)


def test_adaptive_intervals_of_a_panel_compare_errors_in_spreads():
    """Check ConformalIntervals(adaptive=m) on a panel whose errors are scaled by their
    windows' spreads: it never narrows an interval, and after a level shift in one series'
    last rows it widens that series' interval (its recent errors, in spreads, exceed the
    calibration's) more than the others'."""
    frame = walks()
    model = fitted(frame)
    shifted = frame.copy()
    rows = shifted.index[shifted["unique_id"] == "s1"][-4:]
    shifted.loc[rows, "y"] += 40.0
    plain = widths(model, shifted)
    model.set_params(intervals=ConformalIntervals(calibration="validation", adaptive=4))
    adapted = widths(model, shifted)
    ratio = adapted / plain
    assert np.all(ratio >= 1 - 1e-9)
    assert ratio[1].min() > 1.5 and ratio[1].min() > np.delete(ratio, 1, axis=0).max()


def test_a_log_model_interval_is_symmetric_in_data_units_and_never_below_zero():
    """Check that a HybridNetwork on positive series (a model on their logs) gets intervals
    symmetric around the forecast in data units, with the lower bound cut at 0, and that a
    series that once jumped a thousandfold gets an upper bound within a few times its
    forecast (in logs the same errors made it a factor of thousands)."""
    frame = walks(seed=1)
    first = frame.index[frame["unique_id"] == "s3"][:6]
    frame.loc[first, "y"] /= 1000.0  # s3 rises a thousandfold in its seventh month
    model = fitted(frame, network=HybridNetwork(hidden_size=4), **TRAINING)
    assert model.target_transform_ == "log"
    band = quietly(model.predict_interval, coverage=0.95)
    point = model.predict()["y"].to_numpy()
    lower, upper = band["lower"].to_numpy(), band["upper"].to_numpy()
    assert np.all(lower >= 0) and np.all(lower <= point) and np.all(point <= upper)
    inside = lower > 0
    assert inside.any()
    np.testing.assert_allclose((upper - point)[inside], (point - lower)[inside], rtol=1e-6)
    np.testing.assert_array_less(upper, 5 * point)


def test_scaled_and_relative_calibrations_survive_save_and_load(tmp_path):
    """Check that a saved panel model (errors in spreads) and a log model (relative errors)
    give the same intervals after load."""
    frame = walks()
    for model in (fitted(frame), fitted(frame, network=HybridNetwork(hidden_size=4))):
        model.save(tmp_path / "model.tsf")
        loaded = load(tmp_path / "model.tsf")
        livelier = livelier_last_window(frame, "s0", 2.0)
        pd.testing.assert_frame_equal(quietly(loaded.predict_interval, livelier),
                                      quietly(model.predict_interval, livelier))


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_bad_local_scale_is_refused(value):
    with pytest.raises(ValueError, match="local_scale must be 'auto', True or False"):
        LSTMForecaster(intervals=ConformalIntervals(local_scale=value)).fit(np.arange(50.0))
