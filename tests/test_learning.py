"""Tests that training teaches the network something a model with no training cannot know.

With the default ``instance_norm="last"`` the head starts at zero, so an untrained forecaster
already forecasts the last value (the naive forecast): finite, well shaped and correctly
indexed. Each test here therefore compares held-out forecasts with the naive forecast (or,
for the classifier, with chance) by a stated margin that a model with no training fails.
Seasonal adjustment is switched off (``deseasonalize=False``), so that the margin measures the
network and not the adjustment, which alone forecasts a noise-free seasonal series exactly.
"""

import numpy as np
import pytest
from conftest import LEARNING as SETTINGS

from tsforecast import LSTMClassifier, LSTMForecaster


def actual_windows(values, window, horizon):
    """The actual values after every origin of predict_rolling, by a plain loop."""
    values = np.asarray(values)
    n_origins = len(values) - window - horizon + 1
    return np.stack([values[window + i : window + i + horizon] for i in range(n_origins)])


def naive_windows(values, window, horizon):
    """The naive forecast (last value repeated) from every origin of predict_rolling."""
    values = np.asarray(values)
    n_origins = len(values) - window - horizon + 1
    return np.stack([np.repeat(values[window + i - 1][None], horizon, axis=0)
                     for i in range(n_origins)])


def held_out_errors(model, test, window, horizon):
    """MAE of the model and of the naive forecast over every held-out origin of one target."""
    forecasts = model.predict_rolling(test)
    actual = actual_windows(test, window, horizon)
    naive = naive_windows(test, window, horizon)
    return np.abs(forecasts - actual).mean(), np.abs(naive - actual).mean()


def test_model_beats_naive_on_a_seasonal_series():
    """Check that held-out MAE on a sine of period 8 is at most 0.5x the naive forecast's.

    The network has to learn the cycle; forecasting the last value (what the untrained model
    does) scores exactly 1x. Measured: about 0.01x.
    """
    window, horizon = 16, 4
    series = np.sin(2 * np.pi * np.arange(160) / 8)
    model = LSTMForecaster(**SETTINGS, window=window, horizon=horizon).fit(series[:120])
    model_mae, naive_mae = held_out_errors(model, series[120 - window :], window, horizon)
    assert model_mae <= 0.5 * naive_mae


def test_model_beats_naive_on_a_trending_series():
    """Check that held-out MAE on a noisy linear trend is at most 0.5x the naive forecast's.

    The held-out part lies above every training value, so the network must have learned the
    step per row, not a level. Measured: about 0.08x.
    """
    window, horizon = 8, 4
    series = 0.5 * np.arange(160) + np.random.default_rng(0).normal(0, 0.1, 160)
    model = LSTMForecaster(**SETTINGS, window=window, horizon=horizon).fit(series[:120])
    model_mae, naive_mae = held_out_errors(model, series[120 - window :], window, horizon)
    assert model_mae <= 0.5 * naive_mae


def test_each_target_of_a_multi_target_model_learns_its_own_pattern(two_target_model):
    """Check each target's held-out MAE is at most 0.5x its naive MAE and lands on that target.

    Per target: the error against its own actual values is at most 0.5x the naive forecast's,
    and at most 0.25x the error against the other target's values (a forecast put in the wrong
    column, or a pattern learned for the wrong target, fails). Measured: 0.06x and 0.04x of the
    naive errors, 0.03x and 0.05x of the swapped ones.
    """
    data, model = two_target_model  # sines of period 8 and 5, fitted on the first 150 rows
    window, horizon = 10, 3
    test = data.iloc[150 - window :]
    rolling = model.predict_rolling(test)
    actual = actual_windows(test, window, horizon)  # (n_origins, horizon, 2)
    naive = naive_windows(test, window, horizon)
    for k, name in enumerate(["a", "b"]):
        forecast = rolling[name].to_numpy()  # (n_origins, horizon)
        own = np.abs(forecast - actual[..., k]).mean()
        assert own <= 0.5 * np.abs(naive[..., k] - actual[..., k]).mean(), name
        assert own <= 0.25 * np.abs(forecast - actual[..., 1 - k]).mean(), name


def test_multi_target_predict_values_land_on_each_target(two_target_model):
    """Check that predict() of two targets is within 0.5x each target's naive error.

    The same check as above on the plain ``predict()`` path (the steps after the training
    series), so that its column order is checked by value, not only by label. Measured: 0.08x
    and 0.03x.
    """
    data, model = two_target_model
    forecast, actual = model.predict(), data.iloc[150:153]
    assert list(forecast.columns) == ["a", "b"]
    for name in ["a", "b"]:
        error = np.abs(forecast[name].to_numpy() - actual[name].to_numpy()).mean()
        naive = np.abs(data[name].iloc[149] - actual[name].to_numpy()).mean()
        assert error <= 0.5 * naive, name


def test_classifier_learns_to_tell_two_periods_apart():
    """Check held-out accuracy of at least 0.9 on sines of period 4 against period 8 (chance 0.5).

    Random phase and noise, so no single step gives the class away. Measured: 1.0.
    """
    rng = np.random.default_rng(0)
    labels = np.tile([0, 1], 150)
    period = np.where(labels == 0, 4, 8)[:, None]
    phase = rng.uniform(0, 2 * np.pi, (300, 1))
    X = np.sin(2 * np.pi * np.arange(16) / period + phase) + rng.normal(0, 0.1, (300, 16))
    model = LSTMClassifier(hidden_size=8, epochs=20, lr=1e-2, random_state=0, device="cpu")
    model.fit(X[:200], labels[:200])
    assert np.mean(model.predict(X[200:]) == labels[200:]) >= 0.9


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_training_lowers_the_validation_loss(loss):
    """Check that the best validation loss is at most 0.5x the first epoch's, for each loss.

    Measured: 0.01x (mse), 0.05x (mae), 0.01x (huber).
    """
    series = np.sin(2 * np.pi * np.arange(120) / 8)
    model = LSTMForecaster(**{**SETTINGS, "epochs": 15}, window=8, horizon=2, loss=loss)
    val = model.fit(series).history_["val_loss"]
    assert min(val) <= 0.5 * val[0]
