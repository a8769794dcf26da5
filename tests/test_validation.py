"""Input rules of _validation, through the public API: what is read, and what is refused."""

import datetime

import numpy as np
import pandas as pd
import pytest
from conftest import TINY

from tsforecast import LSTMForecaster, datasets

T = np.arange(30.0)
SMALL = {**TINY, "window": 3, "horizon": 2}


class _ArrayLike:
    """An object known only through ``__array__`` (as polars and pyarrow objects are)."""

    def __init__(self, values):
        self.values = values

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)


def _dates(n, unit="us"):
    return np.datetime64("2024-01-01", unit) + np.arange(n).astype(f"timedelta64[{unit}]")


def test_numeric_array_like_is_read_like_the_array(sine):
    """Check that an object whose __array__ gives numbers fits like the ndarray itself."""
    from_object = LSTMForecaster(**TINY).fit(_ArrayLike(sine)).predict()
    np.testing.assert_array_equal(from_object, LSTMForecaster(**TINY).fit(sine).predict())


@pytest.mark.parametrize(
    "values",
    [
        np.column_stack([_dates(30).astype(object), np.sin(T).astype(object)]),  # polars-like
        _dates(30),  # a datetime column alone (pyarrow timestamp arrays read this way)
        np.column_stack([_dates(30), _dates(30)]),
        (np.arange(30) * np.timedelta64(1, "D")),
        np.array([datetime.datetime(2024, 1, i + 1) for i in range(30)], dtype=object),
    ],
    ids=["object-datetime64-and-floats", "datetime64", "datetime64-2d", "timedelta64",
         "object-datetimes"],
)
def test_array_like_holding_dates_is_refused(values):
    """Check that dates reached through __array__ raise instead of becoming numbers near 1e15."""
    with pytest.raises(TypeError, match=r"X holds dates or times \(received: _ArrayLike.*index"):
        LSTMForecaster(**SMALL).fit(_ArrayLike(values))


def test_object_array_of_datetime64_is_refused():
    """Check that a plain object ndarray mixing datetime64 and floats is refused too."""
    values = np.column_stack([_dates(30).astype(object), np.sin(T).astype(object)])
    with pytest.raises(TypeError, match="X holds dates or times"):
        LSTMForecaster(**SMALL).fit(values)


def test_masked_array_with_masked_values_is_refused():
    """Check that a masked array's masked values are not read as numbers."""
    values = np.ma.masked_array(np.sin(T), mask=T == 4)
    with pytest.raises(TypeError, match=r"masked array with 1 masked value.*filled\(np.nan\)"):
        LSTMForecaster(**SMALL).fit(values)


def test_masked_array_without_masked_values_is_read():
    """Check that a masked array with nothing masked fits like its data."""
    values = np.ma.masked_array(np.sin(T))
    np.testing.assert_array_equal(
        LSTMForecaster(**SMALL).fit(values).predict(),
        LSTMForecaster(**SMALL).fit(np.sin(T)).predict(),
    )


def test_date_column_error_suggests_set_index():
    """Check that a DataFrame with its dates in a column is told to make them the index."""
    frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=30), "sales": np.sin(T)})
    with pytest.raises(TypeError, match=r"non-numeric columns.*X.set_index\('date'\)"):
        LSTMForecaster(**SMALL).fit(frame)


def test_object_date_column_error_suggests_set_index():
    """Check that a column of datetime.date objects gets the same advice."""
    days = [datetime.date(2024, 1, i + 1) for i in range(30)]
    frame = pd.DataFrame({"day": days, "sales": np.sin(T)})
    with pytest.raises(TypeError, match=r"X.set_index\('day'\)"):
        LSTMForecaster(**SMALL).fit(frame)


def test_duplicate_column_names_are_refused():
    """Check that a DataFrame with two columns of one name raises, naming it."""
    frame = pd.DataFrame(np.c_[np.sin(T), np.cos(T), T], columns=["a", "a", "b"])
    with pytest.raises(ValueError, match=r"duplicate column names \['a'\]"):
        LSTMForecaster(**SMALL).fit(frame)
    with pytest.raises(ValueError, match="duplicate column names"):
        LSTMForecaster(**SMALL).fit(frame[["b"]], frame[["a"]])


def test_empty_target_list_is_refused():
    """Check that target=[] raises a ValueError instead of failing inside torch."""
    with pytest.raises(ValueError, match=r"target=\[\] names no column"):
        LSTMForecaster(**SMALL, target=[]).fit(np.c_[np.sin(T), np.cos(T)])


@pytest.mark.parametrize("target", [np.int64(1), np.int32(1), [np.int64(1)]])
def test_numpy_integer_target_is_a_position(target):
    """Check that numpy integers pick a column by position, like ints."""
    values = np.c_[np.sin(T), np.cos(T)]
    expected = LSTMForecaster(**SMALL, target=1).fit(values).predict()
    np.testing.assert_array_equal(LSTMForecaster(**SMALL, target=target).fit(values).predict(),
                                  expected)


@pytest.mark.parametrize("target", [1.0, slice(0, 1), True, np.bool_(False), [True], [0, 1.0],
                                    {"sales": 1}])
def test_target_of_a_wrong_type_is_refused(target):
    """Check that floats, slices, bools and other objects as target raise a TypeError."""
    frame = pd.DataFrame({"sales": np.sin(T), "price": np.cos(T)})
    with pytest.raises(TypeError, match="target must be a column name, an int position"):
        LSTMForecaster(**SMALL, target=target).fit(frame)


def test_zero_column_x_with_y_means_no_covariates():
    """Check that fit(X, y) with a 0-column X works exactly like fitting y alone."""
    y = datasets.load_air_passengers()
    params = {**TINY, "horizon": 3}
    empty = pd.DataFrame(index=y.index)
    with_x = LSTMForecaster(**params).fit(empty, y)
    alone = LSTMForecaster(**params).fit(y)
    pd.testing.assert_series_equal(with_x.predict(), alone.predict())
    assert with_x.n_features_in_ == 0
    pd.testing.assert_series_equal(with_x.predict(empty[-40:], y[-40:]),
                                   alone.predict(y[-40:]))
    assert with_x.score(empty[-40:], y[-40:]) == alone.score(y[-40:])


def test_zero_column_ndarray_x_with_y_means_no_covariates(sine):
    """Check that a (n, 0) ndarray X with y works like fitting y alone."""
    np.testing.assert_array_equal(
        LSTMForecaster(**TINY).fit(np.empty((len(sine), 0)), sine).predict(),
        LSTMForecaster(**TINY).fit(sine).predict(),
    )


def test_zero_column_x_alone_says_there_is_no_series():
    """Check that fit(X) with rows but no columns explains that there is nothing to forecast."""
    with pytest.raises(ValueError, match="144 rows but no columns.*fit\\(X, y\\)"):
        LSTMForecaster(**TINY).fit(pd.DataFrame(index=datasets.load_air_passengers().index))


def test_zero_column_y_is_refused():
    """Check that a y with no columns raises, asking for a target series."""
    index = pd.RangeIndex(30)
    with pytest.raises(ValueError, match="y has 30 rows but no columns"):
        LSTMForecaster(**SMALL).fit(pd.DataFrame({"x": T}), pd.DataFrame(index=index))
