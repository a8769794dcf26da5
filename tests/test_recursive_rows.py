"""Recursive forecasts (n_steps beyond the horizon): the rows each block transforms grow
linearly with n_steps, and the forecasts equal, bit for bit, those of a slow reference that
transforms and uploads every row of the extended context again for every block."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY

from tsforecast import LSTMForecaster, datasets
from tsforecast._context import future_rows, read_context
from tsforecast._forecasting import append_rows, forecast
from tsforecast._outputs import forecast_output
from tsforecast._transforms import Transforms


def _blockwise_reference(model, n_steps, X=None, X_future=None):
    """predict(X, n_steps=..., X_future=...) computed block by block, every block forecasting
    from all rows in data units, transformed and put on the device anew."""
    state = model.state_
    context = read_context(state, X)
    future = future_rows(state, X_future, n_steps, context)
    horizon, n_targets = state.horizon, state.n_targets
    extra = max(n_steps, horizon)
    rows = append_rows(context.rows, extra, future, n_targets)
    series = np.arange(context.n_series)
    ends = rows.offsets[1:] - extra
    origins = list(range(0, extra - horizon + 1, horizon))
    if origins[-1] + horizon < extra:
        origins.append(extra - horizon)
    covered = 0
    for origin in origins:
        forecasts = forecast(state, rows, ends + origin, series)  # transforms every row
        new = np.arange(covered - origin, horizon)
        rows.values[(ends + origin)[:, None] + new, :n_targets] = forecasts[:, new]
        covered = origin + horizon
    values = rows.values[ends[:, None] + np.arange(n_steps), :n_targets]
    return forecast_output(values, context.form, context.ids, context.labels(n_steps))


def _assert_identical(got, expected):
    if isinstance(expected, dict):
        assert list(got) == list(expected)
        for key in expected:
            _assert_identical(got[key], expected[key])
    elif isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    elif isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(got, expected, check_exact=True)
    else:
        np.testing.assert_array_equal(got, expected)


def _panel(lengths, seed=0):
    rng = np.random.default_rng(seed)
    return {f"s{k}": 5 + k + np.sin(np.arange(n) / 3) + rng.normal(0, 0.1, n)
            for k, n in enumerate(lengths)}


def _monthly_panel():
    """Three monthly series of different lengths with a future-known column 'promo'."""
    rng = np.random.default_rng(3)
    frames = []
    for k, length in enumerate((50, 38, 44)):
        t = np.arange(length)
        frames.append(pd.DataFrame({
            "unique_id": f"m{k}",
            "ds": pd.period_range("2018-01", periods=length, freq="M").to_timestamp(),
            "y": 20 + 4 * k + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, length),
            "promo": (t % 4 == 0).astype(float),
        }))
    return pd.concat(frames, ignore_index=True)


def _seasonal():
    air = datasets.load_air_passengers()
    model = LSTMForecaster(horizon=5, deseasonalize=True, **TINY).fit(air[:-24])
    assert model.seasonal_profile_ is not None
    return model, 23, {}


def _boxcox_context():
    air = datasets.load_air_passengers()
    model = LSTMForecaster(horizon=4, target_transform="boxcox", **TINY).fit(air[:-24])
    return model, 18, {"X": air[:-7]}


def _future_known():
    long = _monthly_panel()
    history = long.groupby("unique_id").head(-10)
    future = long.groupby("unique_id").tail(10)[["unique_id", "ds", "promo"]]
    model = LSTMForecaster(horizon=3, target_transform="log", columns={"future": "promo"},
                           **TINY).fit(history)
    return model, 10, {"X_future": future}


def _panel_of_lengths():
    with pytest.warns(UserWarning, match="fewer than"):  # the 9-row series is not trained on
        model = LSTMForecaster(window=12, horizon=3, season=None, **TINY).fit(
            _panel((60, 35, 9)))
    context = {"s1": _panel((60, 40))["s1"], "new": _panel((25,), seed=5)["s0"],
               "s0": _panel((60,))["s0"][:50]}
    return model, 14, {"X": context}


SETTINGS = {"seasonal profile": _seasonal, "box-cox context": _boxcox_context,
            "future-known columns": _future_known, "panel of lengths": _panel_of_lengths}


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_recursive_forecasts_equal_the_blockwise_reference(setting):
    """Check that predict(n_steps=...) is bit-identical to transforming every row again for
    every block: a seasonal profile, a Box-Cox context, future-known columns with a log target,
    and a panel of several lengths with a new series (horizons that do not divide n_steps)."""
    model, n_steps, kwargs = SETTINGS[setting]()
    _assert_identical(model.predict(n_steps=n_steps, **kwargs),
                      _blockwise_reference(model, n_steps, **kwargs))


def _rows_transformed(monkeypatch, model, n_steps) -> int:
    """How many rows Transforms.apply is given over one predict(n_steps=...)."""
    counted = []
    apply = Transforms.apply

    def spy(self, values, series):
        counted.append(len(values))
        return apply(self, values, series)

    with monkeypatch.context() as patch:
        patch.setattr(Transforms, "apply", spy)
        model.predict(n_steps=n_steps)
    return sum(counted)


def test_rows_transformed_grow_linearly_with_n_steps(monkeypatch):
    """Check that a recursive forecast transforms each row a bounded number of times (its rows
    grow linearly in n_steps), not every row of the extended context once per block."""
    model = LSTMForecaster(window=6, horizon=2, season=None, **TINY).fit(_panel((40, 30, 50)))
    counts = {n: _rows_transformed(monkeypatch, model, n) for n in (40, 80, 160)}
    assert counts[160] - counts[80] == 2 * (counts[80] - counts[40])  # a + b * n_steps
    for n_steps, count in counts.items():
        assert count <= 2 * 3 * (6 + n_steps)  # at most twice each row of the 3 series
