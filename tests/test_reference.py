"""Fast paths against slow, obvious references: rolling forecasts, target order, score.

``predict_rolling`` forecasts every origin in one batched pass; the reference is one
``predict(context)`` call per origin. ``score`` is an R^2 over (step, target) outputs; the
reference computes it by hand from ``predict_rolling`` and the actual values.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import LEARNING, TINY
from sklearn.metrics import r2_score

from tsforecast import LSTMForecaster, datasets

WINDOW, HORIZON = 8, 3


def model(**params):
    """A tiny forecaster trained for a few epochs, so that the head is no longer zero."""
    return LSTMForecaster(**{**TINY, "epochs": 5, "window": WINDOW, "horizon": HORIZON,
                             **params})


def monthly_frame():
    """Air passengers (monthly PeriodIndex, seasonal) with a second target and a covariate."""
    passengers = datasets.load_air_passengers()
    t = np.arange(len(passengers))
    return pd.DataFrame(
        {"passengers": passengers, "wave": 5 + np.sin(t / 3), "covariate": np.cos(t / 7)},
        index=passengers.index,
    )


CASES = {
    "numpy, one target": (lambda: monthly_frame()["passengers"].to_numpy(), {}),
    "numpy, two targets": (lambda: monthly_frame()[["passengers", "wave"]].to_numpy(), {}),
    "Series, seasonal pattern removed": (lambda: monthly_frame()["passengers"], {}),
    "DataFrame, two targets and a covariate": (
        lambda: monthly_frame(), {"target": ["passengers", "wave"]}),
}


def rows(data, start=None, stop=None):
    """Rows [start, stop) of an array, Series or DataFrame, by position."""
    return (data.iloc if hasattr(data, "iloc") else data)[start:stop]


@pytest.mark.parametrize("case", CASES)
def test_rolling_forecasts_equal_one_predict_per_origin_at_every_origin(case):
    """Check every row of predict_rolling against predict() on that origin's context."""
    make, params = CASES[case]
    data = make()
    fitted = model(**params).fit(rows(data, stop=100))
    test = rows(data, start=80)
    rolling = fitted.predict_rolling(test)
    n_origins = len(test) - WINDOW - HORIZON + 1
    assert len(rolling) == n_origins
    if case == "Series, seasonal pattern removed":
        assert fitted.seasonal_profile_ is not None  # the context's place in the season matters
    for origin in range(n_origins):
        one = fitted.predict(rows(test, stop=WINDOW + origin))  # the origin's context
        if isinstance(rolling, pd.DataFrame):
            row = rolling.iloc[origin]
            assert rolling.index[origin] == one.index[0]
            if isinstance(one, pd.DataFrame):  # (target, step) columns
                row = row.unstack("target")[list(one.columns)].to_numpy()
            np.testing.assert_allclose(np.asarray(row), one.to_numpy(), rtol=1e-5, err_msg=case)
        else:
            np.testing.assert_allclose(rolling[origin], one, rtol=1e-5, err_msg=case)


def test_rolling_forecasts_with_fit_x_y_equal_one_predict_per_origin(frame):
    """Check the fit(X, y) path: predict_rolling(X, y) against predict(X, y) at every origin."""
    X, y = frame[["price"]], frame["sales"]
    fitted = model().fit(X.iloc[:70], y.iloc[:70])
    rolling = fitted.predict_rolling(X.iloc[60:], y.iloc[60:])
    for origin in range(len(rolling)):
        end = 60 + WINDOW + origin
        one = fitted.predict(X.iloc[60:end], y.iloc[60:end])
        assert rolling.index[origin] == one.index[0] == frame.index[end]
        np.testing.assert_allclose(rolling.iloc[origin].to_numpy(), one.to_numpy(), rtol=1e-5)


def naive_error(test, name):
    """MAE of the last value repeated, over every rolling origin of ``test[name]``."""
    values = test[name].to_numpy()
    n_origins = len(values) - 10 - HORIZON + 1
    return np.mean([np.abs(values[10 + i : 10 + i + HORIZON] - values[10 + i - 1]).mean()
                    for i in range(n_origins)])


def test_forecast_for_each_target_does_not_depend_on_column_order(two_target_model):
    """Check that fits on columns [a, b] and [b, a] forecast each target alike, approximately.

    Not exactly: the weights are initialised by column position, so the same seed gives the
    two orders different starting networks (measured: forecasts differ by up to 0.13 and 0.29,
    about 0.04x each target's naive error on average). The check: for each target the mean
    absolute difference is at most 0.2x the naive forecast's error on that target.
    """
    data, ab = two_target_model  # sines of period 8 and 5, fitted on rows [0, 150) of [a, b]
    test = data.iloc[140:]
    ba = LSTMForecaster(**LEARNING, window=10, horizon=HORIZON).fit(data[["b", "a"]].iloc[:150])
    forecast_ab = ab.predict_rolling(test[["a", "b"]])
    forecast_ba = ba.predict_rolling(test[["b", "a"]])
    assert list(forecast_ba.columns.get_level_values("target").unique()) == ["b", "a"]
    for name in ["a", "b"]:
        difference = np.abs(forecast_ab[name] - forecast_ba[name]).to_numpy().mean()
        assert difference <= 0.2 * naive_error(test, name), name


def test_two_target_model_agrees_with_one_model_per_target(two_target_model):
    """Check that a two-target model forecasts each target like a model of that target alone.

    Approximately, as for the column order: for each target the mean absolute difference is
    at most 0.2x the naive error of that target (measured: 0.06x and 0.04x).
    """
    data, both = two_target_model
    test = data.iloc[140:]
    for name in ["a", "b"]:
        alone = LSTMForecaster(**LEARNING, window=10, horizon=HORIZON).fit(data[name].iloc[:150])
        forecast = both.predict_rolling(test)[name]
        difference = np.abs(forecast - alone.predict_rolling(test[name])).to_numpy().mean()
        assert difference <= 0.2 * naive_error(test, name), name


def r2_by_hand(actual, forecast):
    """Uniform average over columns of 1 - SS_res / SS_tot (columns: (step, target) pairs)."""
    residual = ((actual - forecast) ** 2).sum(axis=0)
    total = ((actual - actual.mean(axis=0)) ** 2).sum(axis=0)
    return float(np.mean(1 - residual / total))


@pytest.mark.parametrize("case", CASES)
def test_score_is_r2_of_rolling_forecasts_by_hand(case):
    """Check score against R^2 computed by hand from predict_rolling and the actual values."""
    make, params = CASES[case]
    data = make()
    fitted = model(**params).fit(rows(data, stop=100))
    test = rows(data, start=80)
    rolling = fitted.predict_rolling(test)
    n_origins = len(test) - WINDOW - HORIZON + 1
    if isinstance(rolling, pd.DataFrame):
        frame = test.to_frame() if isinstance(test, pd.Series) else test
        columns = rolling.columns if rolling.columns.nlevels == 2 else [
            (frame.columns[0], step) for step in rolling.columns]
        # column (target, step) at origin o is the actual value step - 1 rows after the origin
        actual = np.column_stack([
            frame[name].to_numpy()[WINDOW + step - 1 : WINDOW + step - 1 + n_origins]
            for name, step in columns])
        forecast = rolling.to_numpy()
    else:
        values = test if test.ndim == 2 else test[:, None]
        actual = np.stack([values[WINDOW + o : WINDOW + o + HORIZON] for o in range(n_origins)])
        actual, forecast = actual.reshape(n_origins, -1), rolling.reshape(n_origins, -1)
    assert fitted.score(test) == pytest.approx(r2_by_hand(actual, forecast), rel=1e-9)
    assert fitted.score(test) == pytest.approx(r2_score(actual, forecast), rel=1e-9)
