"""Intervals at every rolling origin (predict_rolling(coverage=...)) and adaptive widening after a
shift (ConformalIntervals(adaptive=m)), through the public API."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, TRAINING

from tsforecast import (
    ConformalIntervals,
    Ensemble,
    HybridNetwork,
    LSTMForecaster,
    LSTMNetwork,
    load,
)
from tsforecast.model_selection import backtest

H, WINDOW, CALM, SHIFT = 3, 8, 90, 5.0
VALIDATION = ConformalIntervals(calibration="validation")  # no second fit: fast and explicit


def settings(**params):
    return {**TINY, "window": WINDOW, "horizon": H, "validation_fraction": 0.25,
            "intervals": VALIDATION, **params}


def noise(n, seed=0):
    return np.random.default_rng(seed).normal(0.0, 0.25, n)


def shifted(n_after=10, seed=0):
    """CALM rows of noise around 0, then ``n_after`` rows around +SHIFT."""
    y = noise(CALM + n_after, seed)
    y[CALM:] += SHIFT
    return y


def adaptive(model, m):
    return model.set_params(intervals=ConformalIntervals(calibration="validation", adaptive=m))


@pytest.fixture(scope="module")
def calm_model():
    """A forecaster fitted on the calm rows only (it never saw the shift)."""
    return LSTMForecaster(**settings()).fit(noise(CALM))


@pytest.fixture
def model(calm_model):
    yield calm_model
    adaptive(calm_model, None)


# -- intervals at every rolling origin -------------------------------------------------------


def test_numpy_series_gets_forecasts_unchanged_and_an_interval_holding_them(model):
    """Check the numpy form (n_origins, H, 2), that the forecasts are those of predict_rolling
    without coverage, and that every interval holds its forecast with bounds not crossing."""
    y = shifted()
    plain = model.predict_rolling(y)
    forecasts, interval = model.predict_rolling(y, coverage=0.8)
    assert forecasts.shape == (len(y) - WINDOW - H + 1, H)
    assert interval.shape == (*forecasts.shape, 2)
    np.testing.assert_array_equal(forecasts, plain)
    assert np.all(interval[..., 0] < forecasts) and np.all(forecasts < interval[..., 1])
    # a wider coverage, a wider interval at every origin and step
    wide = model.predict_rolling(y, coverage=0.95)[1]
    assert np.all(wide[..., 0] <= interval[..., 0]) and np.all(wide[..., 1] >= interval[..., 1])


@pytest.mark.parametrize("m", [None, 4])
def test_each_origin_has_the_interval_of_predict_interval_on_its_context(model, m):
    """Check that origin t's interval is predict_interval on the rows before t, with and
    without adaptive widening (which reads, there too, only the origins before t)."""
    adaptive(model, m)
    y = shifted()
    _, interval = model.predict_rolling(y, coverage=0.8)
    for origin in (0, 5, CALM - WINDOW + 2, len(interval) - 1):
        context = y[: WINDOW + origin]
        np.testing.assert_allclose(interval[origin], model.predict_interval(context, coverage=0.8),
                                   rtol=1e-6, atol=1e-9)


def test_pandas_series_interval_columns_are_bound_then_step(model):
    """Check the pandas form: rows as the forecasts, columns (bound, step), ``interval[bound]``
    laid out as the forecasts, and the last origin's interval that of predict_interval."""
    index = pd.date_range("2020-01-01", periods=CALM + 10, freq="D")
    y = pd.Series(shifted(), index=index, name="sales")
    fitted = LSTMForecaster(**settings()).fit(y[:CALM])
    forecasts, interval = fitted.predict_rolling(y, coverage=0.8)
    pd.testing.assert_frame_equal(forecasts, fitted.predict_rolling(y))
    assert list(interval.columns.names) == ["bound", "step"]
    assert list(interval.columns.get_level_values("bound").unique()) == ["lower", "upper"]
    for bound in ("lower", "upper"):
        pd.testing.assert_index_equal(interval[bound].index, forecasts.index)
        pd.testing.assert_index_equal(interval[bound].columns, forecasts.columns)
    assert (interval["lower"] < forecasts).all().all()
    assert (interval["upper"] > forecasts).all().all()
    last = fitted.predict_interval(y[:-H], coverage=0.8)
    np.testing.assert_allclose(interval["lower"].iloc[-1], last["lower"], rtol=1e-6)
    np.testing.assert_allclose(interval["upper"].iloc[-1], last["upper"], rtol=1e-6)


def test_panel_intervals_long_and_dict():
    """Check a long panel's intervals (rows indexed by (series, time), (bound, step) columns)
    and a dict panel's (per series (n_origins, H, 2)), each series' last origin matching
    predict_interval."""
    days = pd.date_range("2020-01-01", periods=60, freq="D")
    long = pd.concat([pd.DataFrame({"unique_id": name, "ds": days, "y": noise(60, i) + 3 * i})
                      for i, name in enumerate(["a", "b"])], ignore_index=True)
    fitted = LSTMForecaster(**settings()).fit(long)
    forecasts, interval = fitted.predict_rolling(long, coverage=0.8)
    pd.testing.assert_frame_equal(forecasts, fitted.predict_rolling(long))
    indexed = forecasts.set_index(["unique_id", "ds"])
    pd.testing.assert_index_equal(interval.index, indexed.index)
    assert list(interval.columns.names) == ["bound", "step"]
    assert np.all(interval["lower"].to_numpy() < indexed.to_numpy())
    assert np.all(indexed.to_numpy() < interval["upper"].to_numpy())
    ends = fitted.predict_interval(long.groupby("unique_id").head(60 - H), coverage=0.8)
    for name in ("a", "b"):
        mine = ends[ends["unique_id"] == name]
        np.testing.assert_allclose(interval["lower"].loc[name].iloc[-1], mine["lower"], rtol=1e-6)
        np.testing.assert_allclose(interval["upper"].loc[name].iloc[-1], mine["upper"], rtol=1e-6)

    as_dict = {name: part.set_index("ds")["y"] for name, part in long.groupby("unique_id")}
    dict_forecasts, dict_interval = fitted.predict_rolling(as_dict, coverage=0.8)
    assert list(dict_interval) == ["a", "b"]
    for name in ("a", "b"):
        pd.testing.assert_index_equal(dict_interval[name]["upper"].index,
                                      dict_forecasts[name].index)
        np.testing.assert_allclose(dict_interval[name].to_numpy(),
                                   interval.loc[name].to_numpy(), rtol=1e-6)


@pytest.mark.parametrize("network", [HybridNetwork(hidden_size=4),
                                     Ensemble(LSTMNetwork(hidden_size=4), seeds=2)],
                         ids=["hybrid", "ensemble"])
def test_hybrid_and_ensemble_intervals_survive_save_and_load(network, tmp_path):
    """Check rolling intervals of a HybridNetwork and an Ensemble: they hold the forecasts,
    match predict_interval at the last origin, and are the same after save and load (the
    adaptive setting is saved with the model)."""
    index = pd.period_range("2000-01", periods=72, freq="M")
    y = pd.Series(50 + 5 * np.sin(np.arange(72) / 2) + noise(72), index=index)
    fitted = LSTMForecaster(**{**TRAINING, "window": 12, "horizon": H, "network": network,
                               "validation_fraction": 0.25,
                               "intervals": ConformalIntervals(calibration="validation",
                                                               adaptive=3)}).fit(y[:60])
    forecasts, interval = fitted.predict_rolling(y, coverage=0.9)
    assert (interval["lower"] <= forecasts).all().all()
    assert (forecasts <= interval["upper"]).all().all()
    last = fitted.predict_interval(y[:-H], coverage=0.9)
    np.testing.assert_allclose(interval["upper"].iloc[-1], last["upper"], rtol=1e-6)
    fitted.save(tmp_path / "model.tsf")
    loaded = load(tmp_path / "model.tsf")
    assert loaded.intervals.adaptive == 3
    again = loaded.predict_rolling(y, coverage=0.9)[1]
    pd.testing.assert_frame_equal(again, interval)


# -- adaptive widening -----------------------------------------------------------------------


def test_adaptive_widens_predict_interval_after_a_level_shift(model):
    """Check that after a shift the adaptive interval is wider by the ratio of the recent
    step-1 errors (network units) to the calibration's mean step-1 error."""
    y = shifted(n_after=10)
    base = model.predict_interval(y, coverage=0.8)
    m = 10
    wide = adaptive(model, m).predict_interval(y, coverage=0.8)
    ratio = (wide[:, 1] - wide[:, 0]) / (base[:, 1] - base[:, 0])
    assert np.all(ratio > 1.5)
    # the factor by hand: step-1 forecasts from the last m origins inside y
    step1 = np.array([model.predict(y[:r])[0] for r in range(len(y) - m, len(y))])
    errors = np.abs(y[len(y) - m:] - step1) / model.scaler_.scale[0, 0]
    expected = max(1.0, errors.mean() / model.conformal_scale_[0, 0])
    np.testing.assert_allclose(ratio, expected, rtol=1e-4)
    # the same point forecast in the middle of both
    np.testing.assert_allclose(wide.mean(axis=1), base.mean(axis=1), rtol=1e-6)


def test_adaptive_never_narrows_and_changes_nothing_without_past_origins(model):
    """Check that without a shift adaptive intervals are never narrower than the plain ones,
    and that predict_interval() from the stored last window (no past origin) is unchanged."""
    y = noise(CALM + 20, seed=3)
    base = model.predict_interval(y, coverage=0.9)
    stored = model.predict_interval(coverage=0.9)
    _, base_rolling = model.predict_rolling(y, coverage=0.9)
    adaptive(model, 6)
    wide = model.predict_interval(y, coverage=0.9)
    assert np.all(wide[:, 0] <= base[:, 0] + 1e-12) and np.all(wide[:, 1] >= base[:, 1] - 1e-12)
    np.testing.assert_array_equal(model.predict_interval(coverage=0.9), stored)
    _, wide_rolling = model.predict_rolling(y, coverage=0.9)
    assert np.all(wide_rolling[..., 0] <= base_rolling[..., 0] + 1e-12)
    assert np.all(wide_rolling[..., 1] >= base_rolling[..., 1] - 1e-12)
    np.testing.assert_array_equal(wide_rolling[0], base_rolling[0])  # the first: no past


def test_rolling_adaptive_widens_after_the_shift_without_look_ahead(model):
    """Check that rolling widths grow at the origins after the shift, and that origins up to
    the shift get the same intervals as on a series that never shifted (no look-ahead)."""
    y = shifted(n_after=12)
    calm = y.copy()
    calm[CALM:] -= SHIFT
    plain = model.predict_rolling(y, coverage=0.8)[1]
    plain_width = plain[..., 1] - plain[..., 0]
    np.testing.assert_allclose(plain_width, plain_width[:1].repeat(len(plain_width), 0))
    adaptive(model, 5)
    forecasts, interval = model.predict_rolling(y, coverage=0.8)
    width = interval[..., 1] - interval[..., 0]
    shift_origin = CALM - WINDOW  # forecasts row CALM (the first shifted) from calm rows
    before, after = width[:shift_origin + 1], width[shift_origin + 1 : shift_origin + 4]
    assert np.all(after > 1.5 * before.max(axis=0))
    assert np.all(interval[..., 0] <= forecasts) and np.all(forecasts <= interval[..., 1])
    unshifted = model.predict_rolling(calm, coverage=0.8)[1]
    np.testing.assert_allclose(interval[: shift_origin + 1], unshifted[: shift_origin + 1],
                               rtol=1e-6)
    assert not np.allclose(interval[shift_origin + 1], unshifted[shift_origin + 1])


def test_adaptive_widens_cqr_intervals_too():
    """Check that conformalized quantile intervals widen after the shift, keep the point
    forecast inside, and that method='quantile' is left alone."""
    fitted = LSTMForecaster(**settings(quantiles=(0.1, 0.9))).fit(noise(CALM))
    y = shifted(n_after=10)
    base = fitted.predict_interval(y, coverage=0.8, method="cqr")
    raw = fitted.predict_interval(y, coverage=0.8, method="quantile")
    adaptive(fitted, 10)
    wide = fitted.predict_interval(y, coverage=0.8, method="cqr")
    point = fitted.predict(y)
    assert np.all(wide[:, 1] - wide[:, 0] > 1.5 * (base[:, 1] - base[:, 0]))
    assert np.all(wide[:, 0] <= point) and np.all(point <= wide[:, 1])
    np.testing.assert_array_equal(fitted.predict_interval(y, coverage=0.8, method="quantile"),
                                  raw)


def test_backtest_adaptive_widens_the_window_after_the_shift():
    """Check that backtest's intervals with adaptive are wider at the cutoff after the shift
    than without, never narrower, around the same forecasts."""
    y = shifted(n_after=6)
    estimator = LSTMForecaster(**settings())
    common = {"n_windows": 2, "step": 5, "coverage": 0.8}
    plain = backtest(estimator, y, **common).forecasts
    wide = backtest(adaptive(estimator, 4), y, **common).forecasts
    np.testing.assert_array_equal(wide["forecast"], plain["forecast"])
    widths = (wide["upper"] - wide["lower"]) / (plain["upper"] - plain["lower"])
    assert np.all(widths[wide["window"] == 1] > 1.5)
    assert np.all(widths >= 1 - 1e-12)


@pytest.mark.parametrize("value, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError),
                                          ("5", TypeError), (True, TypeError)])
def test_bad_adaptive_values_raise_naming_the_parameter(model, value, error):
    """Check that a bad adaptive, set on a fitted model, raises at predict."""
    model.set_params(intervals__adaptive=value)
    with pytest.raises(error, match="adaptive"):
        model.predict_interval(noise(30), coverage=0.8)
    with pytest.raises(error, match="adaptive"):
        model.predict_rolling(noise(30), coverage=0.8)
