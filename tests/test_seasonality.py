"""Tests of seasonal adjustment: the seasonality test, the pattern estimate, and
LSTMForecaster(deseasonalize=...) placing every context in the season through its index."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import TINY
from sklearn.metrics import r2_score

from tsforecast import LSTMForecaster, load
from tsforecast._seasonality import fit_seasonal_profile
from tsforecast._timegrid import is_time_like, steps_from

PATTERN = np.array([0.8, 0.9, 1.0, 1.1, 1.3, 1.2, 1.0, 0.9, 0.8, 0.9, 1.0, 1.1])
PATTERN = PATTERN / PATTERN.mean()


def monthly(n=96, seed=0, start="2001-01"):
    """A positive monthly series: a rising level times PATTERN, with a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = (100 + t) * PATTERN[t % 12] * (1 + rng.normal(0, 0.01, n))
    return pd.Series(values, index=pd.period_range(start, periods=n, freq="M"), name="y")


def significant(y):
    """The pattern of one series where its seasonality is significant, else None."""
    return fit_seasonal_profile(y[:, None], np.arange(1 - len(y), 1), 12, test=True)


def test_seasonality_test_tells_a_seasonal_series_from_noise():
    """Check the 90% autocorrelation test on a seasonal series and on white noise."""
    assert significant(monthly().to_numpy()) is not None
    assert significant(np.random.default_rng(0).normal(size=96)) is None
    assert significant(np.ones(40)) is None  # constant: no autocorrelation at all


def test_profile_recovers_a_multiplicative_pattern_and_round_trips():
    """Check the estimated ratios match the true pattern, by phase from the last row."""
    y = monthly().to_numpy()[:, None]
    offsets = np.arange(1 - len(y), 1)
    profile = fit_seasonal_profile(y, offsets, 12, test=True)
    # the last row (offset 0) is month 96 % 12 - 1 = 11 of the pattern, offset -11 month 0
    expected = PATTERN[np.mod(np.arange(12) + 11, 12)]
    np.testing.assert_allclose(profile.scale[:, 0], expected, atol=0.02)
    np.testing.assert_array_equal(profile.shift, 0.0)
    adjusted = profile.remove(y, offsets)
    np.testing.assert_allclose(adjusted[:, 0], 100 + np.arange(96), rtol=0.04)  # the trend
    np.testing.assert_allclose(profile.restore(adjusted, offsets), y)


def test_profile_is_additive_for_a_series_with_negative_values():
    """Check a series that crosses zero gets differences, not ratios, summing to zero."""
    t = np.arange(60)
    y = (np.sin(2 * np.pi * t / 4) * 5 - 2)[:, None]
    profile = fit_seasonal_profile(y, np.arange(-59, 1), 4, test=True)
    np.testing.assert_array_equal(profile.scale, 1.0)
    assert abs(profile.shift.sum()) < 1e-9
    assert np.ptp(profile.remove(y, np.arange(-59, 1))) < 1e-6


def test_no_profile_when_too_short_or_not_seasonal():
    """Check that fewer than 2 seasons (3 to test first), or no significant seasonality,
    gives None."""
    y = monthly().to_numpy()[:, None]
    assert fit_seasonal_profile(y[:23], np.arange(-22, 1), 12, test=False) is None
    assert fit_seasonal_profile(y[:35], np.arange(-34, 1), 12, test=True) is None
    assert fit_seasonal_profile(y[:24], np.arange(-23, 1), 12, test=False) is not None
    noise = np.random.default_rng(1).normal(size=(96, 1))
    assert fit_seasonal_profile(noise, np.arange(-95, 1), 12, test=True) is None
    assert fit_seasonal_profile(noise, np.arange(-95, 1), 12, test=False) is not None


def periods(start, freq, n=3):
    return pd.period_range(start, periods=n, freq=freq)


def dates(start, freq, n=3):
    return pd.date_range(start, periods=n, freq=freq)


@pytest.mark.parametrize(
    "anchor, index, expected",
    [
        (periods("2000-01", "M"), periods("2000-07", "M"), 4),
        (periods("2000Q1", "Q"), periods("1999Q1", "Q"), -6),
        (dates("2000-01-01", "MS"), dates("1999-11-01", "MS"), -4),
        (dates("2000-01-01", "D"), dates("2000-01-10", "D"), 7),
        (dates("2000-01-03", "B"), dates("2000-01-10", "B"), 3),
        (pd.RangeIndex(0, 30, 3), pd.RangeIndex(36, 45, 3), 3),
        (pd.Index(["a", "b"]), pd.Index(["c"]), None),
    ],
)
def test_steps_between_counts_time_steps_on_the_anchor_grid(anchor, index, expected):
    """Check the offset of a context's first row from the anchor's last row, per index kind;
    labels that are not time-like have no grid to count on."""
    if expected is None:
        assert not (is_time_like(anchor) and is_time_like(index))
        return
    freq = anchor.step if isinstance(anchor, pd.RangeIndex) else anchor.freq
    assert steps_from(index[:1], anchor[-1:], freq).tolist() == [expected]


def test_steps_between_rejects_a_context_off_the_grid():
    """Check a timestamp between grid points is off the grid, and that a context of another
    index kind than at fit is refused by the forecaster."""
    anchor = pd.date_range("2000-01-01", periods=3, freq="D")
    assert steps_from(pd.DatetimeIndex(["2000-01-05 12:00"]), anchor[-1:], anchor.freq) is None
    y = exact(pd.date_range("2000-01-01", periods=60, freq="MS"), 6)
    model = untrained().fit(y)
    with pytest.raises(ValueError, match="same index type"):
        model.predict(y.set_axis(pd.period_range("2000-01", periods=60, freq="M")))


def deseasonalized(**params):
    """The network's own forecasts (no smoothing, which reads a context's every row)."""
    return LSTMForecaster(**{**TINY, "horizon": 6, "smoothing": False, **params})


def test_auto_removes_the_pattern_of_a_seasonal_monthly_series():
    """Check "auto" finds the pattern, and that the untrained model forecasts naive on the
    adjusted series times the pattern (its zero head starts from the last adjusted value)."""
    y = monthly()
    model = deseasonalized(epochs=1, lr=1e-9).fit(y)
    assert model.season_ == 12 and model.seasonal_profile_ is not None
    forecast = model.predict()
    future_pattern = PATTERN[np.arange(96, 102) % 12]
    level = y.iloc[-1] / PATTERN[95 % 12]
    np.testing.assert_allclose(forecast.to_numpy(), level * future_pattern, rtol=0.03)
    plain = deseasonalized(epochs=1, lr=1e-9, deseasonalize=False).fit(y).predict()
    np.testing.assert_allclose(plain.to_numpy(), y.iloc[-1], rtol=1e-3)  # naive: flat


def test_auto_adjusts_every_series_of_two_seasons_untested():
    """Check "auto" removes a pattern from a series of two seasons, too short to test, and
    from white noise, which the test would leave; in a panel too, and not from a series
    under two seasons."""
    assert deseasonalized(validation_fraction=0.0).fit(monthly(30)).seasonal_profile_ is not None
    noise = pd.Series(np.random.default_rng(1).normal(10, 1, 96), monthly().index)
    assert deseasonalized().fit(noise).seasonal_profile_ is not None
    parts = {"a seasonal": monthly(), "b noise": noise, "c short": monthly(20)}  # sorted ids
    frame = pd.concat([pd.DataFrame({"unique_id": name, "ds": y.index.to_timestamp(),
                                     "y": y.to_numpy()}) for name, y in parts.items()])
    scale = deseasonalized(window=6).fit(frame).seasonal_profile_.scale
    assert np.ptp(scale[0]) > 0.3  # the planted pattern, 0.8 to 1.3 over its mean
    assert np.ptp(scale[1]) > 0  # the noise's own average per phase
    np.testing.assert_array_equal(scale[2], 1.0)


def test_every_predict_path_places_the_context_in_the_season():
    """Check predict(), predict(context), predict_rolling and an earlier context agree."""
    y = monthly()
    model = deseasonalized().fit(y)
    w = model.window_
    np.testing.assert_allclose(model.predict(y.iloc[-w - 5 :]), model.predict())
    rolling = model.predict_rolling(y.iloc[10:60])
    for row in (0, 7):  # origins at rows 10 + w + row, including a phase shift of 7
        context = y.iloc[10 + row : 10 + row + w]
        np.testing.assert_allclose(rolling.iloc[row].to_numpy(), model.predict(context))
    actual = np.stack([y.iloc[10 + w + i : 16 + w + i].to_numpy() for i in range(len(rolling))])
    assert model.score(y.iloc[10:60]) == pytest.approx(r2_score(actual, rolling.to_numpy()))


def test_integer_index_with_an_explicit_season():
    """Check a RangeIndex Series (as TimeSeriesSplit folds keep it) is placed by its labels."""
    y = monthly().reset_index(drop=True)
    model = deseasonalized(season=12).fit(y.iloc[:80])
    assert model.seasonal_profile_ is not None
    np.testing.assert_allclose(model.predict(y.iloc[50:80]), model.predict())
    assert model.predict(y.iloc[50:80]).index[0] == 80


def test_numpy_input_skips_auto_and_rejects_true():
    """Check numpy input (no index to place rows) keeps "auto" off and makes True raise."""
    values = monthly().to_numpy()
    assert deseasonalized(season=12).fit(values).seasonal_profile_ is None
    with pytest.raises(ValueError, match="needs an index that places each row in time"):
        deseasonalized(season=12, deseasonalize=True).fit(values)


def test_true_on_a_short_series_and_bad_values_raise():
    """Check deseasonalize=True on under 2 seasons, and a bad value, give clear errors."""
    with pytest.raises(ValueError, match="at least 2 seasons"):
        deseasonalized(deseasonalize=True, validation_fraction=0.0).fit(monthly(20))
    with pytest.raises(ValueError, match="deseasonalize must be 'auto', True or False"):
        deseasonalized(deseasonalize="yes").fit(monthly())


def test_a_context_without_its_index_is_rejected():
    """Check a numpy context after a deseasonalized fit asks for the index."""
    y = monthly()
    model = deseasonalized().fit(y)
    with pytest.raises(ValueError, match="needs each context's time index"):
        model.predict(y.to_numpy()[-30:])
    with pytest.raises(ValueError, match="not on the time grid"):
        model.predict(y.iloc[-30:].set_axis(pd.period_range("2020-01", periods=30, freq="Q")))


def test_save_load_and_callers_data_keep_the_pattern(tmp_path):
    """Check the profile survives save/load bit for bit and the input is not modified."""
    y = monthly()
    before = y.copy()
    model = deseasonalized().fit(y)
    pd.testing.assert_series_equal(y, before)
    model.save(tmp_path / "model.tsf")
    loaded = load(tmp_path / "model.tsf")
    np.testing.assert_array_equal(loaded.seasonal_profile_.scale, model.seasonal_profile_.scale)
    np.testing.assert_array_equal(loaded.predict(y.iloc[-40:]), model.predict(y.iloc[-40:]))


@pytest.mark.parametrize("size", [1e-300, -1e-300, 1e300, -5e307])
@pytest.mark.parametrize("offset", [0.0, 2.0])
def test_extreme_magnitudes_are_adjusted_without_overflow(size, offset):
    """Check a seasonal series near float64's limits gets a finite pattern and forecasts
    (additive when it crosses zero or is negative, multiplicative when positive)."""
    t = np.arange(96)
    values = (offset + np.sin(2 * np.pi * t / 12)) * size
    y = pd.Series(values, index=pd.period_range("2000-01", periods=96, freq="M"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = deseasonalized(epochs=1).fit(y)
        forecast = model.predict()
    profile = model.seasonal_profile_
    assert profile is not None
    assert np.isfinite(profile.shift).all() and np.isfinite(profile.scale).all()
    assert np.isfinite(forecast).all()


def exact(index, season=12):
    """A noise-free seasonal series on ``index``: an untrained model forecasts it exactly."""
    phase = np.arange(len(index)) % season
    return pd.Series(100 + 30 * np.sin(2 * np.pi * phase / season + 0.7), index=index)


def untrained(**params):
    return deseasonalized(**{"epochs": 1, "lr": 1e-9, "horizon": 3, "deseasonalize": True,
                             **params})


def test_window_one_on_a_stepped_integer_index_keeps_the_phase():
    """Check a RangeIndex with step 3 and window=1 places contexts by the step, not by 1."""
    y = exact(pd.RangeIndex(0, 360, 3))
    model = untrained(season=12, window=1).fit(y.iloc[:60])
    np.testing.assert_allclose(model.predict(), y.iloc[60:63], rtol=1e-9)
    np.testing.assert_allclose(model.predict(y.iloc[70:77]), y.iloc[77:80], rtol=1e-9)
    assert list(model.predict().index) == [180, 183, 186]


@pytest.mark.parametrize(
    "labels", [np.r_[0:50, 55:80], np.r_[0:59, 58]], ids=["gap", "duplicate"]
)
def test_an_irregular_integer_index_is_not_placed_in_the_season(labels):
    """Check integer labels without a constant step: "auto" leaves the series, True raises."""
    y = exact(pd.Index(labels))
    assert deseasonalized(season=12).fit(y).seasonal_profile_ is None
    with pytest.raises(ValueError, match="integer labels with a constant step"):
        untrained(season=12).fit(y)


def test_a_context_in_another_time_zone_is_converted():
    """Check an aware context in another zone is placed by its instant; naive vs aware raises."""
    y = exact(pd.date_range("2021-02-01", periods=120, freq="D", tz="Europe/Berlin"), 7)
    model = untrained().fit(y.iloc[:60])
    context = y.iloc[70:90]
    np.testing.assert_allclose(model.predict(context.tz_convert("UTC")), y.iloc[90:93])
    with pytest.raises(ValueError, match="same index type, time zone and frequency"):
        model.predict(context.tz_localize(None))


def test_a_context_at_another_frequency_or_off_grid_raises():
    """Check an hourly context after a daily fit, one with integer labels, and a 2-month
    period off the grid, raise."""
    y = exact(pd.date_range("2021-01-01", periods=120, freq="D"), 7)
    model = untrained().fit(y.iloc[:60])
    hourly = y.iloc[:30].set_axis(pd.date_range("2021-03-01", periods=30, freq="h"))
    for context in (hourly, y.iloc[:30].reset_index(drop=True)):
        with pytest.raises(ValueError, match="not on the time grid"):
            model.predict(context)
    two_months = exact(pd.period_range("2000-01", periods=60, freq="2M"), 6)
    model = untrained().fit(two_months.iloc[:40])
    shifted = two_months.iloc[40:].set_axis(pd.period_range("2006-12", periods=20, freq="2M"))
    with pytest.raises(ValueError, match="not on the time grid"):
        model.predict(shifted)


def test_true_without_a_season_raises_and_numpy_bools_are_accepted():
    """Check deseasonalize=True with season_ 1 raises; np.True_ works; an array is refused."""
    with pytest.raises(ValueError, match="needs a seasonal period above 1"):
        untrained().fit(pd.Series(np.arange(60.0)))
    assert untrained(deseasonalize=np.True_).fit(monthly()).seasonal_profile_ is not None
    with pytest.raises(ValueError, match="deseasonalize must be 'auto', True or False"):
        untrained(deseasonalize=np.array([1, 2])).fit(monthly())
    zeros = monthly() * 0.0
    assert untrained().fit(zeros).seasonal_profile_ is None  # nothing to remove, no error


def test_panel_profiles_equal_one_profile_per_series():
    """Check the vectorised per-series estimate against fitting each series alone."""
    rng = np.random.default_rng(3)
    parts = [monthly(96, seed=0).to_numpy(), np.sin(2 * np.pi * np.arange(60) / 12) * 5 - 2,
             monthly(50, seed=1).to_numpy(), rng.normal(size=72), np.ones(30)]
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in parts])])
    steps = np.concatenate([np.arange(1 - len(p), 1) for p in parts])
    for test in (True, False):
        panel = fit_seasonal_profile(np.concatenate(parts)[:, None], steps, 12, test, offsets)
        for s, part in enumerate(parts):
            alone = fit_seasonal_profile(part[:, None], np.arange(1 - len(part), 1), 12, test)
            if alone is None:
                np.testing.assert_array_equal(panel.shift[s], 0.0)
                np.testing.assert_array_equal(panel.scale[s], 1.0)
            else:
                np.testing.assert_allclose(panel.shift[s], alone.shift, atol=1e-9)
                np.testing.assert_allclose(panel.scale[s], alone.scale, rtol=1e-9)
