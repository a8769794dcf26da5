"""predict(n_steps=...): fewer steps than the horizon, and recursive forecasts beyond it; panel
contexts with series shorter than the window."""

import warnings

import numpy as np
import pandas as pd
import pytest

from tsforecast import LSTMForecaster, LSTMNetwork, datasets

TINY = dict(network=LSTMNetwork(hidden_size=4), epochs=2, random_state=0)


@pytest.fixture
def model(sine):
    return LSTMForecaster(window=8, horizon=3, **TINY).fit(sine)


@pytest.mark.parametrize("n_steps", [1, 2, 3])
def test_n_steps_up_to_the_horizon_returns_the_first_steps(model, sine, n_steps):
    """Check that n_steps <= horizon returns the first n_steps of the direct forecast."""
    np.testing.assert_array_equal(model.predict(n_steps=n_steps), model.predict()[:n_steps])
    np.testing.assert_array_equal(model.predict(sine, n_steps=n_steps),
                                  model.predict(sine)[:n_steps])


def test_recursive_forecast_reads_its_own_blocks_back(model, sine):
    """Check that each block of a recursive forecast is the direct forecast of the context
    extended by the forecasts before it (the last block ends at n_steps)."""
    forecast = model.predict(n_steps=7)
    assert forecast.shape == (7,)
    np.testing.assert_allclose(forecast[:3], model.predict(), rtol=1e-6)
    np.testing.assert_allclose(forecast[3:6], model.predict(np.r_[sine, forecast[:3]]),
                               rtol=1e-5, atol=1e-6)
    # 7 = 3 + 3 + 1: the last block starts at step 4 and only its last step is new
    np.testing.assert_allclose(forecast[6], model.predict(np.r_[sine, forecast[:4]])[2],
                               rtol=1e-5, atol=1e-6)


def test_recursive_forecast_continues_labels_and_the_seasonal_pattern():
    """Check a deseasonalized monthly model: 24 steps with horizon 6, labelled by month, equal
    from predict() and from predict(context), block 2 from the extended context."""
    y = datasets.load_air_passengers()[:-24]
    model = LSTMForecaster(horizon=6, **TINY).fit(y)
    assert model.seasonal_profile_ is not None
    forecast = model.predict(n_steps=24)
    assert str(forecast.index[0]) == "1959-01" and str(forecast.index[-1]) == "1960-12"
    pd.testing.assert_series_equal(forecast, model.predict(y, n_steps=24))
    np.testing.assert_allclose(forecast[6:12], model.predict(pd.concat([y, forecast[:6]])),
                               rtol=1e-5)


def test_recursive_forecast_of_a_panel_has_n_steps_rows_per_series():
    """Check a long panel: n_steps rows per series, each continuing its own dates."""
    dates = pd.date_range("2020-01-01", periods=40, freq="D")
    long = pd.DataFrame({
        "unique_id": np.repeat(["a", "b"], 40),
        "ds": np.tile(dates, 2),
        "y": np.r_[np.sin(np.arange(40) / 3), np.cos(np.arange(40) / 3)],
    })
    model = LSTMForecaster(window=6, horizon=2, season=None, **TINY).fit(long)
    forecast = model.predict(n_steps=5)
    assert len(forecast) == 10
    assert list(forecast.groupby("unique_id").size()) == [5, 5]
    assert forecast["ds"].iloc[0] == pd.Timestamp("2020-02-10")
    assert forecast["ds"].iloc[4] == pd.Timestamp("2020-02-14")
    np.testing.assert_allclose(forecast["y"].to_numpy()[:2], model.predict()["y"].to_numpy()[:2])


def test_recursive_forecast_with_past_covariates_is_refused(frame):
    """Check the error when recursion would need the past covariates' future values."""
    model = LSTMForecaster(window=7, horizon=2, target="sales", **TINY).fit(frame)
    assert model.predict(n_steps=2).shape == (2,)
    with pytest.raises(ValueError, match=r"n_steps=5 is more than horizon=2, so the forecast "
                                         r"is recursive.*past covariate\(s\) \['price'\]"):
        model.predict(n_steps=5)


@pytest.mark.parametrize("n_steps, error", [(0, ValueError), (1.5, TypeError), (True, TypeError)])
def test_bad_n_steps_is_refused(model, n_steps, error):
    """Check that n_steps must be an int >= 1."""
    with pytest.raises(error, match="n_steps must be an int >= 1"):
        model.predict(n_steps=n_steps)


def test_x_future_without_future_columns_is_refused(model):
    """Check that X_future for a model fitted without future_columns is an error."""
    with pytest.raises(ValueError, match="fitted without future_columns"):
        model.predict(X_future=np.zeros((3, 1)))


def _short_panel_model():
    rng = np.random.default_rng(2)
    panel = {k: np.sin(np.arange(40) / 4 + i) + rng.normal(0, 0.05, 40)
             for i, k in enumerate("ab")}
    return panel, LSTMForecaster(window=8, horizon=2, season=None, **TINY).fit(panel)


@pytest.mark.parametrize("method", ["predict", "predict_interval"])
def test_a_panel_context_with_series_shorter_than_the_window_warns_once(method):
    """Check that predict(X) and predict_interval(X) warn once, naming how many series of the
    context are shorter than window and that they are padded with their first row; a context
    without short series does not warn."""
    panel, model = _short_panel_model()
    forecast = getattr(model, method)
    context = {"a": panel["a"], "b": panel["b"][:5], "new": panel["a"][:3]}
    with pytest.warns(UserWarning) as record:
        forecast(context)
    messages = [str(w.message) for w in record if "padded" in str(w.message)]
    assert len(messages) == 1
    assert "2 of 3 series" in messages[0] and "window=8" in messages[0]
    assert "first row" in messages[0] and "series 'b', 5 rows" in messages[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forecast(panel)
        forecast()


def test_a_single_series_context_shorter_than_the_window_is_refused(sine):
    """Check that one series shorter than window is an error, not a padded forecast."""
    model = LSTMForecaster(window=8, horizon=2, **TINY).fit(sine)
    with pytest.raises(ValueError, match="has 5 rows, but this forecaster needs at least 8"):
        model.predict(sine[:5])
