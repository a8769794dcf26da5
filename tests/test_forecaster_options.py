"""Tests of LSTMForecaster's forecasting options: instance_norm, head and window=None."""

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import TINY, TRAINING

from tsforecast import LSTMForecaster, LSTMNetwork


@pytest.mark.parametrize("instance_norm", ["last", "mean"])
def test_instance_norm_extrapolates_a_linear_trend(instance_norm):
    """Check that per-window normalisation forecasts a trend beyond the training range.

    The forecast must be within 0.5 of the true continuation 60..63 at every step, which the
    last value (59, what the untrained model forecasts) and a zero forecast both fail.
    """
    series = np.arange(60, dtype=float)
    params = {**TRAINING, "epochs": 80, "batch_size": 64, "lr": 2e-2, "smoothing": False}
    network = LSTMNetwork(hidden_size=4, instance_norm=instance_norm)
    model = LSTMForecaster(**params, window=4, horizon=4, network=network)
    forecast = model.fit(series).predict()
    assert forecast.min() > series.max()
    np.testing.assert_allclose(forecast, np.arange(60, 64), atol=0.5)


def test_without_instance_norm_a_trend_stays_near_the_training_range():
    """Check the contrast: with global scaling only, the forecast does not follow the trend.

    Trained as the test above, the forecast ends up in the top third of the training range
    (above 40: the network learned where the series was; seeds 0-3 give 46 to 59, an untrained
    network about 28, and zero fails too) but not along the true continuation 60..63 (its mean
    stays below 61.5).
    """
    series = np.arange(60, dtype=float)
    params = {**TRAINING, "epochs": 80, "batch_size": 64, "lr": 2e-2}
    network = LSTMNetwork(hidden_size=4, instance_norm=None)
    model = LSTMForecaster(**params, window=4, horizon=4, network=network).fit(series)
    forecast = model.predict()
    assert forecast.max() < 60 + 3
    assert forecast.min() > 40
    assert forecast.mean() < np.arange(60, 64).mean()


@pytest.mark.parametrize("head", ["last", "sequence"])
@pytest.mark.parametrize("instance_norm", ["last", "mean", None])
@pytest.mark.parametrize("horizon", [1, 5])
def test_every_head_and_norm_forecast_with_the_right_shapes(sine, head, instance_norm, horizon):
    """Check that each head and normalisation gives (horizon,) forecasts and rolling forecasts."""
    network = LSTMNetwork(hidden_size=4, head=head, instance_norm=instance_norm)
    model = LSTMForecaster(**TRAINING, window=6, horizon=horizon, network=network).fit(sine)
    assert model.predict().shape == (horizon,)
    assert model.predict_rolling(sine[:40]).shape == (40 - 6 - horizon + 1, horizon)


def test_sequence_head_with_a_window_shorter_than_the_horizon(sine):
    """Check that the sequence head reads min(horizon, window) steps."""
    network = LSTMNetwork(hidden_size=4, head="sequence")
    model = LSTMForecaster(**TRAINING, window=3, horizon=7, network=network).fit(sine)
    assert model.predict().shape == (7,)
    assert model.module_.head_steps == 3


def test_instance_norm_with_several_targets_and_covariates(frame):
    """Check that normalisation re-adds each target's own level (two targets + a covariate)."""
    data = frame.assign(level=frame["sales"] + 1000)
    model = LSTMForecaster(**TINY, window=5, horizon=2, target=["sales", "level"]).fit(data)
    forecast = model.predict()
    assert forecast.shape == (2, 2)
    assert (forecast["level"] - forecast["sales"]).abs().min() > 900


@pytest.mark.parametrize(
    ("freq", "horizon", "expected"),
    [("M", 6, 24), ("Q", 2, 10), ("Y", 12, 12), ("D", 3, 14), (None, 1, 10)],
)
def test_window_none_follows_the_index_frequency(freq, horizon, expected):
    """Check that window=None gives max(2 * season_, horizon, 10)."""
    values = np.sin(np.arange(100) / 3)
    if freq is not None:
        values = pd.Series(values, pd.period_range("2000", periods=100, freq=freq))
    model = LSTMForecaster(**TINY, horizon=horizon).fit(values)
    assert model.window_ == expected
    assert model.last_window_.shape == (1, expected, 1)


def test_window_none_is_capped_on_a_short_series():
    """Check that window=None shrinks to (n_rows - horizon) // 2 for a short series."""
    series = pd.Series(np.arange(40.0), pd.period_range("2000-01", periods=40, freq="M"))
    model = LSTMForecaster(**TINY, horizon=6, validation_fraction=0.0).fit(series)
    assert model.window_ == 17
    assert model.get_params()["window"] is None


def test_explicit_window_is_kept(sine):
    """Check that an int window is used unchanged and stored in window_."""
    assert LSTMForecaster(**TINY, window=7).fit(sine).window_ == 7


@pytest.mark.parametrize("instance_norm", ["last", None])
def test_season_makes_the_network_correct_a_seasonal_naive_forecast(instance_norm):
    """Check that with seasonal_skip a network whose head outputs 0 forecasts seasonal naive."""
    series = np.tile([1.0, 5.0, 2.0, 8.0], 20) + np.arange(80) * 0.1
    network = LSTMNetwork(hidden_size=4, seasonal_skip=True, instance_norm=instance_norm)
    model = LSTMForecaster(**TRAINING, window=8, horizon=6, season=4, network=network,
                           smoothing=False)
    model.fit(series)
    torch.nn.init.zeros_(model.module_.head.weight)
    torch.nn.init.zeros_(model.module_.head.bias)
    np.testing.assert_allclose(model.predict(), np.resize(series[-4:], 6), rtol=1e-5)


@pytest.mark.parametrize(("freq", "expected"), [("M", 12), ("Q", 4), ("Y", 1)])
def test_season_auto_follows_the_index_frequency(freq, expected):
    """Check that season="auto" reads the period from the index, and numpy input gets 1."""
    series = pd.Series(np.sin(np.arange(80) / 2), pd.period_range("2000", periods=80, freq=freq))
    assert LSTMForecaster(**TINY, horizon=2).fit(series).season_ == expected
    assert LSTMForecaster(**TINY, horizon=2).fit(series.to_numpy()).season_ == 1


def test_season_longer_than_the_window_is_switched_off(sine):
    """Check that a season the window cannot hold leaves the network without the skip."""
    network = LSTMNetwork(hidden_size=4, seasonal_skip=True)
    model = LSTMForecaster(**TRAINING, window=5, horizon=2, season=12, network=network).fit(sine)
    assert model.season_ == 12
    assert model.module_.season == 1


def test_seasonal_skip_is_off_by_default():
    """Check that the default forecaster corrects the last value, not a seasonal naive one."""
    series = pd.Series(np.sin(np.arange(80) / 2), pd.period_range("2000", periods=80, freq="Q"))
    assert LSTMForecaster(**TINY, horizon=2).fit(series).module_.season == 1


def test_default_head_starts_from_the_last_value(sine):
    """Check that with the default instance_norm an all-zero head forecasts the last value."""
    model = LSTMForecaster(**TINY, window=6, horizon=3, smoothing=False).fit(sine)
    torch.nn.init.zeros_(model.module_.head.weight)
    torch.nn.init.zeros_(model.module_.head.bias)
    np.testing.assert_allclose(model.predict(), np.repeat(sine[-1], 3), rtol=1e-5)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"network": LSTMNetwork(hidden_size=4, instance_norm="std")},
         "instance_norm must be one of"),
        ({"network": LSTMNetwork(hidden_size=4, head="all")}, "head must be one of"),
        ({"window": 0}, "window must be"),
        ({"season": 0}, "season must be"),
    ],
)
def test_bad_option_values_raise(sine, params, match):
    """Check that bad values of the new options raise a ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        LSTMForecaster(**{**TINY, **params}).fit(sine)


def test_seasonal_skip_must_be_a_bool(sine):
    """Check that a non-bool seasonal_skip raises a TypeError naming the parameter."""
    with pytest.raises(TypeError, match="seasonal_skip must be True or False"):
        LSTMForecaster(**TRAINING, network=LSTMNetwork(hidden_size=4, seasonal_skip=1)).fit(sine)


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_each_loss_trains_and_records_its_own_values(loss):
    """Check every loss option trains, and that the recorded losses differ between losses."""
    series = np.sin(np.arange(80) / 5) * 3
    model = LSTMForecaster(window=8, network=LSTMNetwork(hidden_size=4), epochs=3,
                           early_stopping=False, loss=loss, random_state=0).fit(series)
    assert np.isfinite(model.predict()).all()
    mse = LSTMForecaster(window=8, network=LSTMNetwork(hidden_size=4), epochs=3,
                         early_stopping=False, loss="mse", random_state=0).fit(series)
    assert (model.history_["loss"][0] == mse.history_["loss"][0]) == (loss == "mse")
