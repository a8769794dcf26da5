"""Tests that forecasts continue the input's index, checked label by label for every index kind.

``predict()`` (after the training series) and ``predict(series)`` (after the same series passed
as a context) must give the same labels: those the user guide promises for that kind of index.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY

from tsforecast import LSTMForecaster

N_ROWS, HORIZON = 60, 3


def timestamps(*values, tz=None):
    """Timestamps from strings, in one time zone."""
    return [pd.Timestamp(v, tz=tz) for v in values]


# index of the 60 rows -> the 3 labels that must follow them
INDEXES = {
    "RangeIndex start 10 step 3": (pd.RangeIndex(10, 10 + 3 * N_ROWS, 3), [190, 193, 196]),
    "RangeIndex default": (pd.RangeIndex(N_ROWS), [60, 61, 62]),
    "integer Index step 3": (pd.Index(7 + 3 * np.arange(N_ROWS)), [187, 190, 193]),
    "PeriodIndex monthly": (
        pd.period_range("2000-01", periods=N_ROWS, freq="M"),
        [pd.Period(p, "M") for p in ("2005-01", "2005-02", "2005-03")],
    ),
    "PeriodIndex quarterly": (
        pd.period_range("2000Q1", periods=N_ROWS, freq="Q"),
        [pd.Period(p, "Q") for p in ("2015Q1", "2015Q2", "2015Q3")],
    ),
    "DatetimeIndex daily": (
        pd.date_range("2024-01-01", periods=N_ROWS, freq="D"),
        timestamps("2024-03-01", "2024-03-02", "2024-03-03"),
    ),
    "DatetimeIndex month start": (
        pd.date_range("2020-01-01", periods=N_ROWS, freq="MS"),
        timestamps("2025-01-01", "2025-02-01", "2025-03-01"),
    ),
    # 60 hours from 2024-03-30 00:00 in Paris cross the switch to summer time (03-31 02:00)
    "DatetimeIndex hourly, tz-aware": (
        pd.date_range("2024-03-30", periods=N_ROWS, freq="h", tz="Europe/Paris"),
        timestamps("2024-04-01 13:00", "2024-04-01 14:00", "2024-04-01 15:00",
                   tz="Europe/Paris"),
    ),
    # 60 days to 2024-03-30 in Paris: the next calendar days at midnight, on both sides of the
    # switch to summer time (not 24 hours apart: 2024-04-01 01:00 would be off the grid)
    "DatetimeIndex daily, tz-aware": (
        pd.date_range("2024-01-31", periods=N_ROWS, freq="D", tz="Europe/Paris"),
        timestamps("2024-03-31", "2024-04-01", "2024-04-02", tz="Europe/Paris"),
    ),
}
# the guide: any other index gives "a RangeIndex counting on from the number of rows"
OTHER_INDEXES = {
    "strings": pd.Index([f"row {i}" for i in range(N_ROWS)]),
    "floats": pd.Index(0.5 * np.arange(N_ROWS)),
    "irregular integers": pd.Index(np.cumsum(1 + np.arange(N_ROWS) % 3)),
}
RANGE_FROM_N_ROWS = [60, 61, 62]


def fitted_on(index):
    """A tiny forecaster fitted on 60 rows with ``index``, and that series."""
    series = pd.Series(np.sin(np.arange(N_ROWS) / 3), index=index, name="y")
    return LSTMForecaster(**TINY, window=8, horizon=HORIZON).fit(series), series


def assert_labels(forecast, expected):
    """Compare labels by value (and time zone), whatever the index class.

    Zones compare by name: under pandas < 3 a pytz zone's Timestamp.tz is the zone at that
    instant's offset (CEST), which is not equal to the index's zone object (Europe/Paris).
    """
    assert list(forecast.index) == expected
    expected_tz = getattr(expected[0], "tz", None)
    assert str(getattr(forecast.index, "tz", None)) == str(expected_tz)


@pytest.mark.parametrize("kind", INDEXES)
def test_predict_continues_the_index(kind):
    """Check that predict() labels the forecast with the labels that follow the fit index."""
    index, expected = INDEXES[kind]
    model, _ = fitted_on(index)
    assert_labels(model.predict(), expected)


@pytest.mark.parametrize("kind", INDEXES)
def test_predict_on_the_same_series_continues_the_index(kind):
    """Check that predict(series) labels the forecast with the labels that follow the series."""
    index, expected = INDEXES[kind]
    model, series = fitted_on(index)
    assert_labels(model.predict(series), expected)


@pytest.mark.parametrize("kind", INDEXES)
def test_predict_and_predict_on_the_same_series_agree(kind):
    """Check that predict() and predict(series) give the same labels and the same values."""
    index, _ = INDEXES[kind]
    model, series = fitted_on(index)
    alone, on_series = model.predict(), model.predict(series)
    assert list(alone.index) == list(on_series.index)
    np.testing.assert_allclose(alone.to_numpy(), on_series.to_numpy(), rtol=1e-6)


@pytest.mark.parametrize("kind", OTHER_INDEXES)
def test_predict_on_any_other_index_counts_on_from_the_number_of_rows(kind):
    """Check that predict() on a string, float or irregular index labels 60, 61, 62."""
    model, _ = fitted_on(OTHER_INDEXES[kind])
    assert_labels(model.predict(), RANGE_FROM_N_ROWS)


@pytest.mark.parametrize("kind", OTHER_INDEXES)
def test_predict_on_the_same_series_with_any_other_index_counts_on_from_its_rows(kind):
    """Check that predict(series) on a string, float or irregular index labels 60, 61, 62."""
    model, series = fitted_on(OTHER_INDEXES[kind])
    assert_labels(model.predict(series), RANGE_FROM_N_ROWS)


@pytest.mark.parametrize("kind", OTHER_INDEXES)
def test_predict_and_predict_on_the_same_series_agree_on_any_other_index(kind):
    """Check that predict() and predict(series) give the same labels on any other index."""
    model, series = fitted_on(OTHER_INDEXES[kind])
    assert list(model.predict().index) == list(model.predict(series).index)


@pytest.mark.parametrize("kind", OTHER_INDEXES)
def test_predict_rolling_on_any_other_index_keeps_the_context_labels(kind):
    """Check that rolling forecasts are labelled by the context's own labels, origin by origin."""
    model, series = fitted_on(OTHER_INDEXES[kind])
    rolling = model.predict_rolling(series)
    assert list(rolling.index) == list(series.index[8 : 8 + len(rolling)])


def test_a_panel_of_tz_aware_daily_series_continues_each_in_calendar_days():
    """Check every series of a tz-aware daily panel continues at midnight, calendar day by
    calendar day, across the switch to summer time (not 24 hours apart)."""
    ends = {"a": "2024-03-29", "b": "2024-03-30"}
    long = pd.concat([
        pd.DataFrame({"unique_id": key, "y": np.sin(np.arange(N_ROWS) / 3),
                      "ds": pd.date_range(end=end, periods=N_ROWS, freq="D", tz="Europe/Paris")})
        for key, end in ends.items()
    ], ignore_index=True)
    forecast = LSTMForecaster(**TINY, window=8, horizon=HORIZON).fit(long).predict()
    for key, end in ends.items():
        expected = pd.date_range(end, periods=HORIZON + 1, freq="D", tz="Europe/Paris")[1:]
        assert list(forecast.loc[forecast["unique_id"] == key, "ds"]) == list(expected)


def test_a_daily_time_of_day_that_a_dst_change_skips_is_refused_with_its_fix():
    """Check a daily series at 02:30 New York time, whose next day has no 02:30 (the switch to
    summer time), gets a ValueError naming the time and how to avoid it, not pandas' error."""
    index = pd.date_range(end="2024-03-09 02:30", periods=N_ROWS, freq="D",
                          tz="America/New_York")
    series = pd.Series(np.sin(np.arange(N_ROWS) / 3), index=index)
    model = LSTMForecaster(**TINY, window=8, horizon=HORIZON).fit(series)
    with pytest.raises(ValueError, match=r"2024-03-10 02:30.*tz_convert\('UTC'\)"):
        model.predict()
