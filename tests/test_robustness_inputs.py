"""Inputs users pass that were refused or misread, and messages that named the wrong thing:
a single series with its dates in a column, repeated timestamps of a long frame read as one
series, calendar features of a date column, and the wording of a few errors and warnings."""

import warnings

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
    fitted = model(columns={"time": "date"}, target="sales").fit(dated)
    reference = model(target="sales").fit(frame)
    pd.testing.assert_series_equal(fitted.predict(), reference.predict())
    assert isinstance(fitted.predict().index, pd.DatetimeIndex)
    assert fitted.predict().index.name == "date"
    pd.testing.assert_series_equal(fitted.predict(dated[:60]), reference.predict(frame[:60]))
    pd.testing.assert_frame_equal(dated, before)


def test_a_single_series_time_column_may_be_unsorted(frame, dated):
    """Check that the rows are put in time order, as they are in a long panel."""
    shuffled = dated.sample(frac=1.0, random_state=0)
    fitted = model(columns={"time": "date"}, target="sales").fit(shuffled)
    pd.testing.assert_series_equal(fitted.predict(),
                                  model(target="sales").fit(frame).predict())


def test_a_single_series_time_column_feeds_x_future(dated):
    """Check X_future of a single series may hold the dates in the same column."""
    known = dated.assign(promo=(np.arange(len(dated)) % 7 == 0).astype(float))
    fitted = model(columns={"time": "date", "future": ["promo"]}, target="sales").fit(known)
    dates = pd.date_range(known["date"].iloc[-1], periods=H + 1, freq="D")[1:]
    future = pd.DataFrame({"date": dates, "promo": [1.0, 0.0, 0.0]})
    forecast = fitted.predict(X_future=future)
    np.testing.assert_array_equal(forecast.to_numpy(),
                                  fitted.predict(X_future=future.set_index("date")).to_numpy())


def test_a_single_series_time_column_of_text_says_to_convert_it(dated):
    """Check that dates written as text are refused with the conversion to make."""
    text = dated.assign(date=dated["date"].dt.strftime("%Y-%m-%d"))
    with pytest.raises(TypeError, match=r"time column 'date'.*pd.to_datetime"):
        model(columns={"time": "date"}, target="sales").fit(text)


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
    assert "long panel" in message and "columns={'id': 'store'" in message
    assert "reset_index()" in message and "'time': 'ds'}" in message
    assert "groupby(level=0).mean()" not in message.split("long panel")[0]


def test_repeated_dates_in_a_time_column_are_read_as_a_long_panel():
    """Check the same advice for a DatetimeIndex and a ds column, and for a ds column alone."""
    long = _long_numeric_ids()
    both = long.set_index(pd.DatetimeIndex(long["ds"], name="when"))
    for frame in (both, long):
        with pytest.raises(ValueError, match=r"duplicate timestamps.*long panel.*"
                                             r"columns=\{'id': 'store', 'time': 'ds'\}"):
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


# -- the wording of errors and warnings ---------------------------------------------------------


@pytest.mark.parametrize("coverage, shown", [(0.999, "0.999"), (0.999999, "0.999999")])
def test_too_few_calibration_errors_warn_once_with_the_coverage_as_given(sine, coverage, shown):
    """Check the warning of a coverage the calibration errors cannot give: the coverage as the
    user wrote it (it read 0.9990000000000001 and 0.9999989999999999 for the lower bound), so
    that both bounds give one warning, and the coverage as a percentage (not "100%")."""
    fitted = model().fit(sine)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        fitted.predict_interval(coverage=coverage, method="conformal")
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages
    assert f"coverage={shown} needs" in messages[0]
    assert f"not {100 * coverage:.10g}%" in messages[0]


def _long_with_a_negative_value():
    long = _long_numeric_ids().assign(y=lambda d: d["y"] + 1.0, store=lambda d: "s" + d[
        "store"].astype(str)).rename(columns={"store": "unique_id"})
    return long, long.index[(long["unique_id"] == "s2") & (long["ds"] == "2024-01-20")][0]


@pytest.mark.parametrize("kind", ["log", "boxcox"])
def test_a_value_outside_the_transforms_domain_is_located_by_series_and_time(kind):
    """Check that the error names the series id, its time label and the target (it named the
    series' position and a row of all series stacked), at fit and in a predict context."""
    long, row = _long_with_a_negative_value()
    bad = long.copy()
    bad.loc[row, "y"] = -2.0
    where = r"target 'y' holds -2.0 at series 's2', time 2024-01-20"
    with pytest.raises(ValueError, match=where):
        model(target_transform=kind).fit(bad)
    fitted = model(target_transform=kind).fit(long)
    with pytest.raises(ValueError, match=where):
        fitted.predict(bad)
    renamed = bad.assign(unique_id=bad["unique_id"].replace("s2", "new"))
    with pytest.raises(ValueError, match=where.replace("s2", "new")):
        fitted.predict(renamed)


def test_a_value_outside_the_domain_of_one_series_is_located_by_time(frame):
    """Check a single series: the time label of the value (no series id)."""
    bad = frame.copy()
    bad.iloc[10, 0] = 0.0
    with pytest.raises(ValueError, match=r"target 'sales' holds 0.0 at time 2024-01-11"):
        model(target_transform="log", target="sales").fit(bad)


def test_x_future_with_text_timestamps_is_told_to_convert_them():
    """Check X_future indexed (or, for a panel, timed) by strings: they never match the
    forecast's datetimes, and the error says so instead of that a step is missing."""
    index = pd.date_range("2024-01-01", periods=40, freq="D", name="ds")
    frame = pd.DataFrame({"y": np.sin(np.arange(40.0)), "promo": np.arange(40.0) % 2},
                         index=index)
    fitted = model(columns={"future": ["promo"]}).fit(frame)
    future = pd.DataFrame({"promo": [1.0, 0.0, 1.0]},
                          index=pd.date_range("2024-02-10", periods=3, freq="D").astype(str))
    with pytest.raises(ValueError, match=r"X_future's index holds str.*datetimes.*pd.to_datetime"):
        fitted.predict(X_future=future)
    long = _long_numeric_ids().assign(promo=lambda d: d["y"] % 2).rename(
        columns={"store": "unique_id"})
    panel = model(columns={"future": ["promo"]}).fit(long)
    rows = pd.DataFrame({"unique_id": np.repeat([1, 2, 3], 3), "promo": 1.0,
                         "ds": np.tile(["2024-01-31", "2024-02-01", "2024-02-02"], 3)})
    with pytest.raises(ValueError, match=r"X_future's time column 'ds' holds str.*datetimes"):
        panel.predict(X_future=rows)


def test_a_column_both_static_and_future_is_named_as_such():
    """Check a column in both static_columns and future_columns: it said "not in X"."""
    long = _long_numeric_ids().assign(size=lambda d: d["store"] * 1.0).rename(
        columns={"store": "unique_id"})
    with pytest.raises(ValueError, match=r"\['size'\] (is|are) in both columns\['static'\] "
                                         r"and columns\['future'\]"):
        model(columns={"static": ["size"], "future": ["size"]}).fit(long)
