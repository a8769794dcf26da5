"""The exponential smoothing combined with the network's forecast (``smoothing``), through the
public API, against plain one-series-at-a-time references of simple, Holt and damped-trend
smoothing and Theta."""

import json
import zipfile
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import TINY

import tsforecast._calibration
from tsforecast import LSTMForecaster, load
from tsforecast._codec import METADATA
from tsforecast._smoothing import ALPHAS, BETA_FRACTIONS, INITIAL_ROWS, PHIS, Smoothing

PLAIN = {**TINY, "scaler": "standard", "deseasonalize": False}  # affine: blends alike in data


def smoothing_references(y, horizon, window):
    """The simple, Holt and damped exponential smoothing forecasts (3, horizon) of ``y``,
    each with the grid point of least squared one-step error, from a plain loop over the
    rows."""
    k = min(INITIAL_ROWS, window, len(y))
    slope, intercept = np.polyfit(np.arange(k), y[:k], 1) if k > 1 else (0.0, y[0])
    methods = [[(a, 0.0, 0.0) for a in ALPHAS],
               [(a, a * f, 1.0) for a in ALPHAS for f in BETA_FRACTIONS],
               [(a, a * f, p) for a in ALPHAS for f in BETA_FRACTIONS for p in PHIS]]
    forecasts = []
    for grid in methods:
        best = None
        for alpha, beta, phi in grid:
            level, trend = (y[0], 0.0) if phi == 0 else (intercept - slope, slope)
            sse = 0.0
            for value in y:
                error = value - (level + phi * trend)
                sse += error**2
                level, trend = level + phi * trend + alpha * error, phi * trend + beta * error
            if best is None or sse < best[0] - 1e-12:
                steps = np.cumsum(phi ** np.arange(1, horizon + 1))
                best = (sse, level + steps * trend)
        forecasts.append(best[1])
    return np.array(forecasts)


def comb_reference(y, horizon, window):
    """The M4 Comb: the mean of the three methods' forecasts."""
    return smoothing_references(y, horizon, window).mean(axis=0)


def theta_reference(y, horizon):
    """Simple exponential smoothing with a drift of half the slope of the least-squares line
    through ``y``, with the alpha of least squared one-step error, from a plain loop."""
    drift = np.polyfit(np.arange(len(y)), y, 1)[0] / 2
    best = None
    for alpha in ALPHAS:
        level, sse = y[0] - drift, 0.0
        for value in y:
            error = value - (level + drift)
            sse += error**2
            level = level + drift + alpha * error
        if best is None or sse < best[0] - 1e-12:
            best = (sse, level + drift * np.arange(1, horizon + 1))
    return best[1]


def combined(network, y, horizon, window, how):
    """The network's forecast combined with the damped trend and Theta forecasts of ``y`` by
    ``how`` (np.mean or np.median)."""
    damped = smoothing_references(y, horizon, window)[2]
    return how([network, damped, theta_reference(y, horizon)], axis=0)


def trend_series(n=80, slope=0.5, seed=0):
    rng = np.random.default_rng(seed)
    return 10 + slope * np.arange(n) + rng.normal(0, 0.3, n)


def test_one_series_takes_the_median_of_the_network_damped_trend_and_theta_forecasts():
    y = trend_series()
    without = LSTMForecaster(window=12, horizon=4, smoothing=False, **PLAIN).fit(y)
    model = LSTMForecaster(window=12, horizon=4, **PLAIN).fit(y)  # "auto": one series
    assert model.model_["smoothing"] and not without.model_["smoothing"]
    expected = combined(without.predict(), y, 4, 12, np.median)
    assert not np.allclose(expected, combined(without.predict(), y, 4, 12, np.mean))
    comb_median = np.median([without.predict(), comb_reference(y, 4, 12),
                             theta_reference(y, 4)], axis=0)
    assert not np.allclose(expected, comb_median)
    np.testing.assert_allclose(model.predict(), expected, rtol=1e-4)
    band = model.predict_interval(coverage=0.8)
    assert np.all((band[:, 0] <= model.predict()) & (model.predict() <= band[:, 1]))


def test_auto_leaves_out_a_seasonal_pattern_nothing_removed():
    """A seasonal monthly series: "auto" smooths it once its pattern is removed
    (``deseasonalize="auto"``), not when it is kept (``deseasonalize=False``), which the
    smoothing's trend methods cannot follow; True forces it."""
    t = np.arange(96)
    rng = np.random.default_rng(0)
    y = pd.Series(100 + 0.5 * t + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 96),
                  index=pd.period_range("2000-01", periods=96, freq="M"))
    settings = {**TINY, "horizon": 6}
    assert LSTMForecaster(**settings).fit(y).model_["smoothing"] is True
    kept = LSTMForecaster(deseasonalize=False, **settings)
    assert kept.fit(y).model_["smoothing"] is False
    assert kept.set_params(smoothing=True).fit(y).model_["smoothing"] is True
    # in a panel, one series keeping its pattern is enough to leave it out
    flat = pd.Series(100 + rng.normal(0, 1, 96), index=y.index)
    frame = pd.concat([pd.DataFrame({"unique_id": name, "ds": s.index.to_timestamp(),
                                     "y": s.to_numpy()}) for name, s in (("a", y), ("b", flat))])
    assert LSTMForecaster(**settings).fit(frame).model_["smoothing"] is True
    assert kept.set_params(smoothing="auto").fit(frame).model_["smoothing"] is False


def test_auto_leaves_out_a_series_read_with_covariates():
    """The smoothing reads the targets only: beside covariates "auto" leaves it out."""
    y = trend_series(60)
    covariate = pd.DataFrame({"x": np.cos(np.arange(60) / 3)})
    assert LSTMForecaster(window=8, horizon=3, **PLAIN).fit(covariate, y).model_[
        "smoothing"] is False
    assert LSTMForecaster(window=8, horizon=3, smoothing=True, **PLAIN).fit(
        covariate, y).model_["smoothing"] is True


def test_retrain_on_all_keeps_it_and_forecasts_in_its_own_units():
    y = trend_series(120)
    model = LSTMForecaster(window=12, horizon=4, retrain_on_all=True, smoothing=True,
                           **{**PLAIN, "epochs": 6}).fit(y)
    assert model.model_["smoothing"] and model.history_["retrain_loss"]
    np.testing.assert_allclose(model.predict(), model.predict(y), rtol=1e-6)


def long_frame(n_series=3, n=60):
    return pd.concat(
        [pd.DataFrame({"unique_id": f"s{i}", "ds": np.arange(n),
                       "y": trend_series(n, slope=0.2 * (i + 1), seed=i)})
         for i in range(n_series)], ignore_index=True)


def test_a_panel_smooths_by_default_and_every_path_agrees():
    frame = long_frame()
    assert not LSTMForecaster(window=8, horizon=3, smoothing=False, **PLAIN).fit(
        frame).model_["smoothing"]
    model = LSTMForecaster(window=8, horizon=3, **PLAIN).fit(frame)
    assert model.model_["smoothing"]
    # the stored last windows continue the state that the whole series reaches
    np.testing.assert_allclose(model.predict()["y"], model.predict(frame)["y"], rtol=1e-6)
    # a rolling origin forecasts as the context cut there does
    rolling = model.predict_rolling(frame)
    at_40 = rolling[rolling["ds"] == 40].set_index("unique_id")[[1, 2, 3]]
    cut = model.predict(frame[frame["ds"] < 40]).set_index("unique_id")["y"]
    np.testing.assert_allclose(at_40.to_numpy().ravel(), cut.to_numpy(), rtol=1e-6)


def test_a_series_new_to_the_model_gets_its_parameters_from_its_context():
    frame = long_frame()
    settings = dict(window=8, horizon=3, **PLAIN)
    model = LSTMForecaster(smoothing=True, **settings).fit(frame)
    without = LSTMForecaster(smoothing=False, **settings).fit(frame)
    new = trend_series(40, slope=-0.7, seed=9)
    context = pd.DataFrame({"unique_id": "new", "ds": np.arange(40), "y": new})
    expected = combined(without.predict(context)["y"], new, 3, 8, np.mean)  # a panel's model
    np.testing.assert_allclose(model.predict(context)["y"], expected, rtol=1e-4)


def test_a_saved_model_forecasts_with_its_smoothing(tmp_path):
    model = LSTMForecaster(window=8, horizon=3, smoothing=True, **PLAIN).fit(long_frame())
    model.save(tmp_path / "model.tsf")
    loaded = load(tmp_path / "model.tsf")
    assert loaded.model_["smoothing"]
    np.testing.assert_array_equal(loaded.predict()["y"], model.predict()["y"])


def without_field(path, name):
    """Rewrite a saved model's metadata without field ``name`` of its fitted state, as a file
    written before that field existed."""
    with zipfile.ZipFile(path) as archive:
        members = {member: archive.read(member) for member in archive.namelist()}
    metadata = json.loads(members[METADATA])
    del metadata["attributes"]["state_"]["fields"][name]
    members[METADATA] = json.dumps(metadata).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)


def test_a_file_saved_before_theta_forecasts_with_the_comb_alone(tmp_path):
    """A file whose smoothing holds the Comb's three methods only and no combination rule, as
    saved before Theta, averages the network with the Comb alone, as the code of its day
    did: for its own series and for a series new to it (parameters of three methods)."""
    frame = long_frame()
    settings = dict(window=8, horizon=3, **PLAIN)
    without = LSTMForecaster(smoothing=False, **settings).fit(frame)
    model = LSTMForecaster(smoothing=True, **settings).fit(frame)
    model.state_ = replace(model.state_, smoothing=Smoothing(
        *(values[..., :3] for values in model.state_.smoothing)))
    model.save(tmp_path / "comb.tsf")
    without_field(tmp_path / "comb.tsf", "smoothing_combine")
    loaded = load(tmp_path / "comb.tsf")
    assert loaded.state_.smoothing_combine == "mean"
    combs = [comb_reference(part["y"].to_numpy(), 3, 8) for _, part in frame.groupby("unique_id")]
    expected = (without.predict()["y"].to_numpy() + np.concatenate(combs)) / 2
    np.testing.assert_allclose(loaded.predict()["y"], expected, rtol=1e-4)
    new = trend_series(40, slope=-0.7, seed=9)
    context = pd.DataFrame({"unique_id": "new", "ds": np.arange(40), "y": new})
    expected = (without.predict(context)["y"] + comb_reference(new, 3, 8)) / 2
    np.testing.assert_allclose(loaded.predict(context)["y"], expected, rtol=1e-4)


@pytest.mark.parametrize("value", ["yes", None, 1.5])
def test_a_bad_smoothing_setting_is_refused(value):
    with pytest.raises(ValueError, match="smoothing must be 'auto', True or False"):
        LSTMForecaster(horizon=2, smoothing=value, **TINY).fit(trend_series(40))


def test_a_refit_calibration_combines_as_the_model_does(monkeypatch):
    """The copy that ``calibrate(refit=True)`` trains on one series of a panel's model
    combines its forecasts by the model's mean, not by a one-series model's median: the
    intervals are calibrated on forecasts the model makes."""
    model = LSTMForecaster(window=8, horizon=3, **PLAIN).fit(long_frame())
    assert model.state_.smoothing_combine == "mean"
    seen = []
    real = tsforecast._calibration.blended
    monkeypatch.setattr(tsforecast._calibration, "blended",
                        lambda *args, **kwargs: seen.append(args[7]) or real(*args, **kwargs))
    one = long_frame()[lambda frame: frame["unique_id"] == "s1"]
    model.calibrate(one, n_windows=5, refit=True)
    assert seen[-1] == "mean"  # the windows calibrated (before them: the copy's own fit)
