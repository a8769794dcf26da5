"""Future-known covariates (future_columns, predict(X_future=...)) and calendar_features."""

import numpy as np
import pandas as pd
import pytest

import tsforecast
from tsforecast import LSTMForecaster, LSTMNetwork, calendar_features

TINY = dict(network=LSTMNetwork(hidden_size=4), epochs=3, random_state=0)


@pytest.fixture
def monthly():
    """A monthly frame: target 'y', past covariate 'noise', calendar columns known ahead."""
    index = pd.period_range("2000-01", periods=72, freq="M")
    rng = np.random.default_rng(0)
    frame = calendar_features(index)
    frame.insert(0, "y", 10 + 3 * frame["month_sin"].to_numpy() + rng.normal(0, 0.1, 72))
    return frame


@pytest.fixture
def model(monthly):
    return LSTMForecaster(window=6, horizon=4, columns={"future": ["month_sin", "month_cos"]},
                          deseasonalize=False, **TINY).fit(monthly[:60])


def test_predict_reads_the_future_values(model, monthly):
    """Check that predict needs X_future and that its values change the forecast."""
    future = monthly[["month_sin", "month_cos"]][60:64]
    forecast = model.predict(X_future=future)
    assert list(forecast.index.astype(str)) == ["2005-01", "2005-02", "2005-03", "2005-04"]
    assert forecast.name == "y"
    assert not np.allclose(forecast, model.predict(X_future=future * -1.0))
    np.testing.assert_array_equal(forecast, model.predict(X_future=future.to_numpy()))
    assert model.future_columns_ == ["month_sin", "month_cos"]


def test_future_rows_targets_are_never_read(model, monthly):
    """Check that rolling forecasts (whose future rows hold the actual targets) equal predict
    from the context before each origin (whose future rows hold none)."""
    context = monthly[40:60]
    rolling = model.predict_rolling(context)
    first = model.predict(context[:6], X_future=context[6:10][["month_sin", "month_cos"]])
    np.testing.assert_allclose(rolling.iloc[0].to_numpy(), first.to_numpy(), rtol=1e-5)
    assert np.isfinite(model.score(context))


def test_future_columns_are_scaled_on_training_rows(monthly):
    """Check that the future columns are scaled per series like the others."""
    model = LSTMForecaster(window=6, horizon=4, columns={"future": "month_cos"}, target="y",
                           validation_fraction=0, deseasonalize=False, **TINY).fit(monthly[:60])
    assert model.scaler_.offset.shape == (1, 3)
    assert model.scaler_.offset[0, -1] == pytest.approx(monthly["month_cos"][:60].mean())


@pytest.mark.parametrize("future, match", [
    (None, r"pass their values for the 4 steps forecast as predict\(..., X_future=...\)"),
    ("short", "has 2 rows, but the forecast needs the future columns for 4 steps"),
    ("shifted", "has no row for the forecast step 2005-01"),
    ("column", r"lacks the future column\(s\) \['month_cos'\]"),
    ("shape", r"must have shape \(n_rows, 2\)"),
])
def test_missing_short_or_misaligned_future_values_are_refused(model, monthly, future, match):
    """Check the errors for X_future that is absent, too short, misaligned or of other columns."""
    values = monthly[["month_sin", "month_cos"]]
    given = {
        None: None,
        "short": values[60:62].to_numpy(),
        "shifted": values[61:65],
        "column": values[["month_sin"]][60:64],
        "shape": np.zeros((4, 3)),
    }[future]
    with pytest.raises(ValueError, match=match):
        model.predict(X_future=given)


def test_recursive_forecast_takes_future_values_for_every_step(model, monthly):
    """Check n_steps > horizon with future columns only: n_steps rows of X_future are read."""
    future = calendar_features(pd.period_range("2005-01", periods=10, freq="M"))
    forecast = model.predict(X_future=future, n_steps=10)
    assert len(forecast) == 10
    np.testing.assert_allclose(forecast[:4], model.predict(X_future=future[:4]), rtol=1e-6)
    with pytest.raises(ValueError, match="has 4 rows, but the forecast needs .* 10 steps"):
        model.predict(X_future=future[:4].to_numpy(), n_steps=10)


def test_recursive_forecast_with_past_and_future_columns_is_refused(monthly):
    """Check that a past covariate still blocks recursion when others are future-known."""
    frame = monthly.assign(noise=np.arange(72.0))
    model = LSTMForecaster(window=6, horizon=4, target="y", columns={"future": ["month_sin"]},
                           deseasonalize=False, **TINY).fit(frame[:60])
    future = frame[["month_sin"]][60:70]
    assert len(model.predict(X_future=future[:4])) == 4
    with pytest.raises(ValueError, match=r"recursive.*past covariate\(s\) \['month_cos', "
                                         r"'noise'\]"):
        model.predict(X_future=future, n_steps=10)


def test_fit_x_y_with_future_columns_of_x(monthly):
    """Check fit(X, y) where X holds the future-known columns."""
    X, y = monthly[["month_sin", "month_cos"]], monthly["y"]
    model = LSTMForecaster(window=6, horizon=4, columns={"future": ["month_cos", "month_sin"]},
                           deseasonalize=False, **TINY).fit(X[:60], y[:60])
    forecast = model.predict(X[:60], y[:60], X_future=X[60:64])
    assert forecast.shape == (4,)
    np.testing.assert_allclose(forecast, model.predict(X_future=X[60:64]), rtol=1e-6)


def test_panel_future_values_come_as_a_long_frame(monthly):
    """Check a long panel: X_future holds id, time and the future columns for every step."""
    frames = []
    for key, level in (("a", 0.0), ("b", 5.0)):
        part = monthly.assign(y=monthly["y"] + level).rename_axis("ds").reset_index()
        frames.append(part.assign(unique_id=key))
    long = pd.concat(frames, ignore_index=True)
    train = long[long["ds"] < pd.Period("2005-01", "M")]
    model = LSTMForecaster(window=6, horizon=3, columns={"future": ["month_sin", "month_cos"]},
                           deseasonalize=False, **TINY).fit(train)
    future = long[long["ds"] >= pd.Period("2005-01", "M")].drop(columns="y")
    forecast = model.predict(X_future=future)
    assert list(forecast.columns) == ["unique_id", "ds", "y"] and len(forecast) == 6
    as_multiindex = future.set_index(["unique_id", "ds"])
    pd.testing.assert_frame_equal(forecast, model.predict(X_future=as_multiindex))
    one = model.predict(train[train["unique_id"] == "b"], X_future=future)
    np.testing.assert_allclose(one["y"].to_numpy(), forecast["y"].to_numpy()[3:], rtol=1e-6)
    with pytest.raises(ValueError, match="has no row for series 'b' at 2005-03"):
        gap = (future["unique_id"] == "b") & (future["ds"] == pd.Period("2005-03", "M"))
        model.predict(X_future=future[~gap])
    with pytest.raises(TypeError, match="must be a DataFrame with the columns"):
        model.predict(X_future=np.zeros((6, 2)))


def test_dict_panel_future_values_come_as_a_dict(monthly):
    """Check a dict panel of numpy arrays: X_future is a dict of arrays by key."""
    values = monthly.to_numpy()
    panel = {"a": values[:60], "b": values[:50] + 1.0}
    model = LSTMForecaster(window=6, horizon=3, target=0, columns={"future": [1, 2]},
                           deseasonalize=False, **TINY).fit(panel)
    forecast = model.predict(X_future={"a": values[60:63, 1:], "b": values[50:53, 1:]})
    assert set(forecast) == {"a", "b"} and forecast["a"].shape == (3,)
    with pytest.raises(ValueError, match=r"no values for series \['b'\]"):
        model.predict(X_future={"a": values[60:63, 1:]})


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(columns={"future": ["holiday"]}), ValueError,
     r"future column\(s\) \['holiday'\] not in X"),
    (dict(columns={"future": ["y"]}, target="y"), ValueError,
     r"both targets and columns\['future'\]"),
    (dict(columns={"future": 3.5}), TypeError,
     r"columns\['future'\] \(the future-known columns\) must be a column name"),
])
def test_bad_future_columns_are_refused(monthly, kwargs, error, match):
    """Check the errors for a future column that is absent, a target, or of a wrong type."""
    with pytest.raises(error, match=match):
        LSTMForecaster(window=6, horizon=2, **TINY, **kwargs).fit(monthly)


def test_future_columns_save_and_load(model, monthly, tmp_path):
    """Check that save/load keeps the future columns and the forecasts."""
    model.save(tmp_path / "m.tsf")
    loaded = tsforecast.load(tmp_path / "m.tsf")
    future = monthly[["month_sin", "month_cos"]][60:64]
    assert loaded.future_columns_ == ["month_sin", "month_cos"]
    pd.testing.assert_series_equal(loaded.predict(X_future=future), model.predict(X_future=future))


def test_calendar_features_are_sine_and_cosine_of_the_cycle():
    """Check the features against direct formulas, for periods and timestamps alike."""
    index = pd.date_range("2024-02-27 22:00", periods=5, freq="h")
    features = calendar_features(index, ["hour", "dayofweek", "dayofmonth", "dayofyear"])
    np.testing.assert_allclose(features["hour_sin"], np.sin(2 * np.pi * index.hour / 24))
    np.testing.assert_allclose(features["dayofweek_cos"], np.cos(2 * np.pi * index.day_of_week / 7))
    np.testing.assert_allclose(features["dayofmonth_sin"],
                               np.sin(2 * np.pi * (index.day - 1) / 29))  # February 2024
    np.testing.assert_allclose(features["dayofyear_cos"],
                               np.cos(2 * np.pi * (index.day_of_year - 1) / 366))
    periods = pd.period_range("2024Q1", periods=4, freq="Q")
    quarter = calendar_features(pd.Series(0, index=periods), "quarter")
    np.testing.assert_allclose(quarter["quarter_cos"], np.cos(np.pi * np.arange(4) / 2),
                               atol=1e-12)
    assert quarter.index.equals(periods)


def test_calendar_features_refuse_bad_input():
    """Check the errors for labels that are not times and unknown feature names."""
    with pytest.raises(TypeError, match="needs a DatetimeIndex or PeriodIndex"):
        calendar_features(pd.RangeIndex(5))
    with pytest.raises(ValueError, match=r"Unknown calendar feature\(s\) \['week'\]"):
        calendar_features(pd.period_range("2024-01", periods=3, freq="M"), ["week"])


def test_intervals_of_a_model_with_future_columns_read_the_future_values(model, monthly):
    """Check predict_interval and predict_quantiles take X_future like predict: the band holds
    predict's forecast, moves with the future values, and is refused without them."""
    future = monthly[["month_sin", "month_cos"]][60:64]
    point = model.predict(X_future=future)
    band = model.predict_interval(coverage=0.8, X_future=future)
    assert list(band.index.astype(str)) == ["2005-01", "2005-02", "2005-03", "2005-04"]
    assert np.all(band["lower"] <= point) and np.all(point <= band["upper"])
    moved = model.predict_interval(coverage=0.8, X_future=future * -1.0)
    assert not np.allclose(band.to_numpy(), moved.to_numpy())
    median = model.predict_quantiles(monthly[:60], alpha=(0.5,), X_future=future)
    np.testing.assert_allclose(median["q0.5"].to_numpy(), point.to_numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="pass their values for the 4 steps"):
        model.predict_interval()
