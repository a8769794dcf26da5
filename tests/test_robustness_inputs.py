"""Inputs users pass that were refused or misread, and messages that named the wrong thing:
a single series with its dates in a column, repeated timestamps of a long frame read as one
series, calendar features of a date column, and the wording of a few errors and warnings."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY

from tsforecast import LSTMForecaster, calendar_features

H = 3


def model(**params):
    return LSTMForecaster(**{**TINY, "window": 8, "horizon": H, **params})


@pytest.fixture
def dated(frame):
    """The conftest frame (daily 'sales' and 'price') with its dates in a column 'date'."""
    return frame.reset_index()


# -- one series with its dates in a column ------------------------------------------------------


def test_a_single_series_reads_its_dates_from_time_column(frame, dated):
    """Check fit(X) of one series whose dates are a column named by time_column: the column
    becomes the index (same forecasts as X.set_index('date')), the forecast continues it, and
    the caller's frame is left as it was."""
    before = dated.copy()
    fitted = model(time_column="date", target="sales").fit(dated)
    reference = model(target="sales").fit(frame)
    pd.testing.assert_series_equal(fitted.predict(), reference.predict())
    assert isinstance(fitted.predict().index, pd.DatetimeIndex)
    assert fitted.predict().index.name == "date"
    pd.testing.assert_series_equal(fitted.predict(dated[:60]), reference.predict(frame[:60]))
    pd.testing.assert_frame_equal(dated, before)


def test_a_single_series_time_column_may_be_unsorted(frame, dated):
    """Check that the rows are put in time order, as they are in a long panel."""
    shuffled = dated.sample(frac=1.0, random_state=0)
    fitted = model(time_column="date", target="sales").fit(shuffled)
    pd.testing.assert_series_equal(fitted.predict(),
                                  model(target="sales").fit(frame).predict())


def test_a_single_series_time_column_feeds_x_future(dated):
    """Check X_future of a single series may hold the dates in the same column."""
    known = dated.assign(promo=(np.arange(len(dated)) % 7 == 0).astype(float))
    fitted = model(time_column="date", target="sales", future_columns=["promo"]).fit(known)
    dates = pd.date_range(known["date"].iloc[-1], periods=H + 1, freq="D")[1:]
    future = pd.DataFrame({"date": dates, "promo": [1.0, 0.0, 0.0]})
    forecast = fitted.predict(X_future=future)
    np.testing.assert_array_equal(forecast.to_numpy(),
                                  fitted.predict(X_future=future.set_index("date")).to_numpy())


def test_a_single_series_time_column_of_text_says_to_convert_it(dated):
    """Check that dates written as text are refused with the conversion to make."""
    text = dated.assign(date=dated["date"].dt.strftime("%Y-%m-%d"))
    with pytest.raises(TypeError, match=r"time column 'date'.*pd.to_datetime"):
        model(time_column="date", target="sales").fit(text)


# -- repeated timestamps of a long frame read as one series -------------------------------------


def _long_numeric_ids():
    """A long frame of three series with integer ids in 'store' and dates in 'ds'."""
    dates = pd.date_range("2024-01-01", periods=30, freq="D")
    return pd.DataFrame({
        "store": np.repeat([1, 2, 3], 30),
        "ds": np.tile(dates, 3),
        "y": np.arange(90.0) % 7,
    })


def test_repeated_dates_in_an_index_are_read_as_a_long_panel():
    """Check the advice for a long frame indexed by its dates: not to average the series
    together (groupby(level=0).mean()), but to name the id column."""
    indexed = _long_numeric_ids().set_index("ds")
    with pytest.raises(ValueError, match="duplicate timestamps") as error:
        model().fit(indexed)
    message = str(error.value)
    assert "long panel" in message and "id_column='store'" in message
    assert "reset_index()" in message and "time_column='ds'" in message
    assert "groupby(level=0).mean()" not in message.split("long panel")[0]


def test_repeated_dates_in_a_time_column_are_read_as_a_long_panel():
    """Check the same advice for a DatetimeIndex and a ds column, and for a ds column alone."""
    long = _long_numeric_ids()
    both = long.set_index(pd.DatetimeIndex(long["ds"], name="when"))
    for frame in (both, long):
        with pytest.raises(ValueError, match=r"duplicate timestamps.*long panel.*"
                                             r"id_column='store', time_column='ds'"):
            model().fit(frame)


def test_a_few_repeated_dates_of_one_series_are_told_to_aggregate(frame):
    """Check that one repeated timestamp of one series still gets the aggregation advice."""
    repeated = frame.set_axis(frame.index.where(np.arange(100) != 3, frame.index[2]))
    with pytest.raises(ValueError, match=r"duplicate timestamps.*2024-01-03.*"
                                         r"groupby\(level=0\).mean\(\)"):
        model().fit(repeated)


# -- calendar features of a date column ---------------------------------------------------------


def test_calendar_features_of_a_date_column_follow_its_rows():
    """Check calendar_features(long['ds']): the features of each row's date, aligned with the
    frame's rows (so that they join it as columns); it said "got RangeIndex"."""
    long = _long_numeric_ids().sample(frac=1.0, random_state=0)
    features = calendar_features(long["ds"], ("dayofweek", "month"))
    pd.testing.assert_index_equal(features.index, long.index)
    by_date = calendar_features(pd.DatetimeIndex(long["ds"]), ("dayofweek", "month"))
    np.testing.assert_array_equal(features.to_numpy(), by_date.to_numpy())
    periods = calendar_features(long["ds"].dt.to_period("D"), "dayofweek")
    np.testing.assert_allclose(periods.to_numpy(), features.iloc[:, :2].to_numpy())


def test_calendar_features_of_text_say_how_to_convert():
    """Check that a column of date strings is told to convert, naming pd.to_datetime."""
    with pytest.raises(TypeError, match=r"pd.to_datetime\(.*\)"):
        calendar_features(pd.Series(["2024-01-01", "2024-01-02"]))
