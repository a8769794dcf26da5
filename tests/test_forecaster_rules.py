"""Tests of forecaster rules that once refused, hung or broke: short series, huge horizons,
failed refits, far-away contexts, context frequencies, misaligned X and y, tiny score sets.
Labels off a time grid are tested in test_index_continuation.py."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY

from tsforecast import LSTMForecaster


def test_a_series_with_a_few_windows_fits_without_validation_and_says_so():
    """Check 52 monthly points with window 17 and horizon 18 (18 windows, too few to split)
    fit, warn once, and leave history_['val_loss'] empty."""
    y = pd.Series(np.sin(np.arange(52) / 3) + 5, pd.period_range("2000-01", periods=52, freq="M"))
    with pytest.warns(UserWarning, match="without validation") as record:
        model = LSTMForecaster(**TINY, window=17, horizon=18).fit(y)
    assert len(record) == 1
    assert model.history_["val_loss"] == [] and len(model.history_["loss"]) == TINY["epochs"]
    forecast = model.predict()
    assert len(forecast) == 18 and np.isfinite(forecast).all()


def test_a_huge_horizon_is_refused_at_once():
    """Check the length check is arithmetic: horizon=10**9 raises instead of counting up."""
    with pytest.raises(ValueError, match="need at least 1000000010 rows"):
        LSTMForecaster(**TINY, window=10, horizon=10**9).fit(np.arange(100.0))


def test_a_failed_refit_leaves_the_fitted_model_intact(sine):
    """Check fit(x), a fit(too_short) that raises, then predict() gives the first forecasts."""
    model = LSTMForecaster(**TINY, window=8, horizon=2).fit(sine)
    before = model.predict()
    with pytest.raises(ValueError, match="need at least"):
        model.fit(sine[:5])
    np.testing.assert_array_equal(model.predict(), before)


def test_set_params_after_fit_keeps_the_fitted_horizon_until_refit(sine):
    """Check predict uses the fitted horizon after set_params(horizon=...), and a refit the new."""
    model = LSTMForecaster(**TINY, window=8, horizon=2).fit(sine)
    model.set_params(horizon=4)
    assert model.predict().shape == (2,) and model.predict(sine).shape == (2,)
    assert model.predict_rolling(sine).shape[1] == 2
    assert model.fit(sine).predict().shape == (4,)


def test_a_far_context_is_placed_in_the_season_without_building_a_date_range(monkeypatch):
    """Check a tz-aware per-second context 4 years after the fit is placed arithmetically."""
    index = pd.date_range("2020-01-01", periods=200, freq="s", tz="Europe/Berlin")
    y = pd.Series(5 + np.tile([0.0, 1.0, 3.0, 1.0], 50), index)
    model = LSTMForecaster(**TINY, window=8, season=4, deseasonalize=True).fit(y)
    later = y.iloc[:40].set_axis(index[:40] + pd.Timedelta(days=4 * 365))
    monkeypatch.setattr(pd, "date_range", lambda *a, **k: pytest.fail("date_range was built"))
    forecast = model.predict(later)
    assert forecast.index[0] == later.index[-1] + pd.Timedelta(seconds=1)


def test_a_context_at_another_frequency_raises_without_seasonal_adjustment():
    """Check an hourly context for a daily model raises even with deseasonalize=False."""
    y = pd.Series(np.arange(60.0), pd.date_range("2021-01-01", periods=60, freq="D"))
    model = LSTMForecaster(**TINY, window=8, deseasonalize=False).fit(y)
    hourly = y.iloc[:20].set_axis(pd.date_range("2021-03-01", periods=20, freq="h"))
    with pytest.raises(ValueError, match="not on the time grid"):
        model.predict(hourly)


def test_x_and_y_with_different_indexes_raise():
    """Check fit(X, y) refuses covariates labelled with other timestamps than the target."""
    index = pd.period_range("2000-01", periods=60, freq="M")
    y = pd.Series(np.sin(np.arange(60.0)), index)
    X = pd.DataFrame({"x": np.cos(np.arange(60.0))}, index=index + 60)
    with pytest.raises(ValueError, match="X and y must label the same rows"):
        LSTMForecaster(**TINY, window=8).fit(X, y)


def test_a_zero_column_x_with_y_means_no_covariates():
    """Check fit(X, y) with X holding no columns equals fitting y alone."""
    y = pd.Series(np.sin(np.arange(80) / 4), pd.period_range("2000-01", periods=80, freq="M"))
    alone = LSTMForecaster(**TINY, window=8, horizon=2).fit(y).predict()
    empty = pd.DataFrame(index=y.index)
    with_x = LSTMForecaster(**TINY, window=8, horizon=2).fit(empty, y).predict(empty, y)
    np.testing.assert_allclose(with_x, alone)


def test_score_with_a_single_origin_raises_instead_of_nan(sine):
    """Check score on exactly window + horizon rows (one origin, no R^2) raises clearly."""
    model = LSTMForecaster(**TINY, window=8, horizon=2).fit(sine)
    with pytest.raises(ValueError, match="at least two forecast origins.*Pass at least 11 rows"):
        model.score(sine[:10])


def test_transformed_target_regressor_gets_an_error_that_points_to_target_transform():
    """Check predict(X) alone after fit(X, y), as TransformedTargetRegressor calls it, says that
    the target history is needed and names target_transform."""
    from sklearn.compose import TransformedTargetRegressor

    y = pd.Series(np.arange(1.0, 61.0), pd.period_range("2000-01", periods=60, freq="M"))
    X = pd.DataFrame(index=y.index)
    wrapped = TransformedTargetRegressor(LSTMForecaster(**TINY, window=8), func=np.log,
                                         inverse_func=np.exp, check_inverse=False).fit(X, y)
    with pytest.raises(ValueError, match="needs the target history.*target_transform"):
        wrapped.predict(X)


def test_warnings_point_at_the_callers_line():
    """Check a warning raised deep inside fit is attributed to the line that called fit."""
    y = np.sin(np.arange(52.0))
    with pytest.warns(UserWarning, match="without validation") as record:
        LSTMForecaster(**TINY, window=17, horizon=18).fit(y)
    assert record[0].filename == __file__
