"""Bad input and bad training: property tests over the input space, divergence, interrupts, RNG.

Hypothesis runs ``TSFORECAST_HYPOTHESIS_EXAMPLES`` examples per property (default 15, so the
file stays fast on 2 cores); set it higher for a manual, thorough run, e.g.
``TSFORECAST_HYPOTHESIS_EXAMPLES=500 pytest tests/test_robustness.py``.
"""

import copy
import os
import random
import traceback
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from tsforecast import ConformalIntervals, LSTMForecaster, LSTMNetwork

N_EXAMPLES = int(os.environ.get("TSFORECAST_HYPOTHESIS_EXAMPLES", "15"))
PROPERTY = settings(
    max_examples=N_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
WINDOW, HORIZON = 3, 2
TINY = {"window": WINDOW, "horizon": HORIZON, "network": LSTMNetwork(hidden_size=2), "epochs": 1,
        "batch_size": 8, "random_state": 0, "device": "cpu"}
LENGTHS = [0, 1, 2, WINDOW, WINDOW + HORIZON, WINDOW + HORIZON + 1, 8, 13]
MAGNITUDES = [1.0, 1e-300, 1e-30, 1e5, 1e30, 1e300]
SPECIALS = [np.nan, np.inf, -np.inf]
ARRAY_DTYPES = ["float64", "float32", "float16", "int64", "int8", "uint8", "bool", "object",
                "str", "datetime64[D]", "complex128"]
COLUMN_DTYPES = ["float64", "float32", "float16", "int64", "bool", "category", "object", "string",
                 "Int64", "Float64", "datetime64[ns]", "timedelta64[ns]"]
INDEXES = ["range", "range_offset", "daily", "daily_tz", "hourly_tz", "monthly_period",
           "irregular", "duplicate", "unsorted", "int_step", "string", "float"]


# -- strategies ----------------------------------------------------------------------------------


@st.composite
def float_values(draw, n_rows, n_columns):
    """A (n_rows, n_columns) float64 array at some magnitude, maybe with one NaN or inf."""
    flat = draw(st.lists(st.floats(-1, 1, width=32), min_size=n_rows * n_columns,
                         max_size=n_rows * n_columns))
    values = np.asarray(flat, dtype=np.float64).reshape(n_rows, n_columns)
    values = values * draw(st.sampled_from(MAGNITUDES)) + draw(st.sampled_from([0.0, 0.0, 1e6]))
    if values.size and draw(st.booleans()) and draw(st.booleans()):
        row, col = draw(st.integers(0, n_rows - 1)), draw(st.integers(0, n_columns - 1))
        values[row, col] = draw(st.sampled_from(SPECIALS))
    return values


def _as_dtype(values, dtype):
    """Values converted to ``dtype`` the way a user's data might arrive."""
    finite = np.nan_to_num(values, nan=0.0, posinf=1e9, neginf=-1e9)
    with np.errstate(all="ignore"):
        if dtype in ("int64", "int8", "uint8", "Int64"):
            info = np.iinfo("int8" if dtype == "int8" else dtype.lower())
            return np.clip(np.round(finite * 100), info.min, info.max).astype(dtype.lower())
        if dtype == "bool":
            return finite > 0
        if dtype in ("object", "str"):
            return values.astype(str).astype(object if dtype == "object" else str)
        if dtype.startswith("datetime64"):
            return (np.abs(finite) % 1000).astype("int64").astype(dtype)
        if dtype.startswith("timedelta64"):
            return (np.abs(finite) % 1000).astype("int64").astype(dtype)
        if dtype == "complex128":
            return values + 1j
        return values.astype(dtype)


def _index(kind, n):
    if kind == "range":
        return pd.RangeIndex(n)
    if kind == "range_offset":
        return pd.RangeIndex(100, 100 + 2 * n, 2)
    if kind == "daily":
        return pd.date_range("2024-01-01", periods=n, freq="D", name="date")
    if kind == "daily_tz":
        return pd.date_range("2024-03-25", periods=n, freq="D", tz="Europe/Berlin")
    if kind == "hourly_tz":  # crosses the spring DST change
        return pd.date_range("2024-03-31 00:00", periods=n, freq="h", tz="Europe/Berlin")
    if kind == "monthly_period":
        return pd.period_range("2000-01", periods=n, freq="M")
    if kind == "irregular":
        return pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) ** 2, "D")
    if kind == "duplicate":
        return pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) // 2, "D")
    if kind == "unsorted":
        return pd.date_range("2024-01-01", periods=n, freq="D")[::-1]
    if kind == "int_step":
        return pd.Index(np.arange(n) * 7 + 3)
    if kind == "string":
        return pd.Index([f"t{i}" for i in range(n)])
    return pd.Index(np.arange(n) / 2)


@st.composite
def array_inputs(draw, n_columns=None):
    """list / ndarray input of any length, dimension and dtype."""
    n_rows = draw(st.sampled_from(LENGTHS))
    ndim = draw(st.sampled_from([1, 2, 2, 3])) if n_columns is None else 2
    n_columns = n_columns or draw(st.integers(1, 3))
    values = _as_dtype(draw(float_values(n_rows, n_columns)), draw(st.sampled_from(ARRAY_DTYPES)))
    if ndim == 1:
        values = values[:, 0]
    elif ndim == 3:
        values = values[:, :, None]
    return values.tolist() if draw(st.booleans()) and values.ndim < 3 else values


@st.composite
def pandas_inputs(draw, columns=None):
    """Series or DataFrame input with any index kind and per-column dtypes."""
    n_rows = draw(st.sampled_from(LENGTHS))
    names = columns or draw(st.sampled_from([["y"], ["a", "b"], [0, 1], ["a", "b", "c"]]))
    values = draw(float_values(n_rows, len(names)))
    data = {}
    for i, name in enumerate(names):
        dtype = draw(st.sampled_from(COLUMN_DTYPES[:5] * 3 + COLUMN_DTYPES))
        column = values[:, i]
        if dtype in ("category", "string", "Int64", "Float64"):
            base = _as_dtype(column, "int64") if dtype in ("category", "Int64") else column
            data[name] = pd.array(base.tolist(), dtype=dtype) if dtype != "category" else (
                pd.Categorical(base))
            if dtype in ("Int64", "Float64") and n_rows and draw(st.booleans()):
                data[name][draw(st.integers(0, n_rows - 1))] = pd.NA
        else:
            data[name] = _as_dtype(column, dtype)
    frame = pd.DataFrame(data, index=_index(draw(st.sampled_from(INDEXES)), n_rows))
    if len(names) == 1 and draw(st.booleans()):
        return frame.iloc[:, 0]
    return frame


any_input = st.one_of(array_inputs(), pandas_inputs())


# -- helpers -------------------------------------------------------------------------------------


def _snapshot(data):
    """A deep copy of the caller's object, to compare with after the call."""
    return copy.deepcopy(data)


def _assert_unchanged(data, before):
    if isinstance(data, pd.Series):
        pd.testing.assert_series_equal(data, before, check_exact=True, check_freq=True)
    elif isinstance(data, pd.DataFrame):
        pd.testing.assert_frame_equal(data, before, check_exact=True, check_freq=True)
    elif isinstance(data, np.ndarray):
        assert data.dtype == before.dtype and data.shape == before.shape
        assert data.tobytes() == before.tobytes() or repr(data) == repr(before)
    else:
        assert repr(data) == repr(before)


def _assert_clear_error(error):
    """The error is ValueError/TypeError raised by tsforecast itself, with a real message."""
    assert isinstance(error, (ValueError, TypeError)), repr(error)
    frames = traceback.extract_tb(error.__traceback__)
    assert "tsforecast" in frames[-1].filename.replace("\\", "/").split("/")[-2], (
        f"{type(error).__name__} escaped from {frames[-1].filename}: {error}"
    )
    assert len(str(error)) > 30, str(error)


def _call(function, *args):
    """(result, None) or (None, error) for a ValueError/TypeError; anything else escapes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return function(*args), None
    except (ValueError, TypeError) as error:
        _assert_clear_error(error)
        return None, error


def _check_forecast(forecast, data, n_targets):
    values = np.asarray(forecast, dtype=np.float64)
    assert values.shape == ((HORIZON,) if n_targets == 1 else (HORIZON, n_targets))
    assert np.isfinite(values).all(), forecast
    index = data.index if isinstance(data, (pd.Series, pd.DataFrame)) else None
    if index is None:
        assert isinstance(forecast, np.ndarray)
        return
    assert isinstance(forecast, pd.Series if n_targets == 1 else pd.DataFrame)
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex, pd.RangeIndex)):
        assert type(forecast.index) is type(index)
        assert forecast.index[0] > index[-1] and forecast.index.is_monotonic_increasing
        assert getattr(forecast.index, "tz", None) == getattr(index, "tz", None)
    if isinstance(index, pd.DatetimeIndex) and index.freq is not None:
        # date_range, not index[-1] + freq: pandas < 3 adds a Day to a tz-aware datetime as
        # 24 hours, where the next label is the next calendar day (across a DST change too)
        assert forecast.index[0] == pd.date_range(index[-1], periods=2, freq=index.freq)[1]


def _n_columns(data):
    return 1 if np.ndim(data) == 1 else np.shape(data)[1]


# -- property tests: fit / predict / score -------------------------------------------------------


@PROPERTY
@given(data=any_input, validation_fraction=st.sampled_from([0.0, 0.2]))
def test_fit_forecasts_or_raises_a_clear_error(data, validation_fraction):
    """Check that fit on any input forecasts finite values of the right shape and index, or
    raises a ValueError/TypeError from tsforecast, and never modifies the caller's data."""
    before = _snapshot(data)
    model = LSTMForecaster(validation_fraction=validation_fraction, **TINY)
    fitted, error = _call(model.fit, data)
    _assert_unchanged(data, before)
    if error is None:
        forecast, error = _call(fitted.predict)
        assert error is None, error
        _check_forecast(forecast, data, _n_columns(data))


@PROPERTY
@given(st.data())
def test_valid_input_always_fits(data):
    """Check that every finite numeric input of a usable length and a regular index fits."""
    n_rows = data.draw(st.integers(7, 30))
    n_columns = data.draw(st.integers(1, 3))
    values = data.draw(float_values(n_rows, n_columns).filter(lambda v: np.isfinite(v).all()))
    dtype = data.draw(st.sampled_from(["float64", "float32", "int64", "bool"]))
    values = _as_dtype(values, dtype)
    if dtype == "float32" and not np.isfinite(values).all():
        return  # 1e300 does not fit in float32: the user's data is already inf
    index = _index(data.draw(st.sampled_from(["range", "daily_tz", "hourly_tz", "monthly_period",
                                              "int_step"])), n_rows)
    frame = pd.DataFrame(values, index=index, columns=[f"c{i}" for i in range(n_columns)])
    model = LSTMForecaster(**TINY).fit(frame)
    _check_forecast(model.predict(), frame, n_columns)


@pytest.fixture(scope="module")
def fitted_frame_model():
    """A tiny forecaster fitted on a daily DataFrame with target 'a' and covariate 'b'."""
    t = np.arange(30.0)
    frame = pd.DataFrame({"a": np.sin(t / 3), "b": np.cos(t / 4)},
                         index=pd.date_range("2024-01-01", periods=30, freq="D"))
    return LSTMForecaster(target="a", **TINY).fit(frame)


@pytest.fixture(scope="module")
def fitted_array_model():
    """A tiny forecaster fitted on a 2-column ndarray."""
    t = np.arange(30.0)
    return LSTMForecaster(**TINY).fit(np.column_stack([np.sin(t / 3), np.cos(t / 4)]))


@PROPERTY
@given(context=pandas_inputs(columns=["a", "b"]))
def test_predict_and_score_on_any_frame_context(fitted_frame_model, context):
    """Check that predict(X)/score(X) on any DataFrame context forecasts or raises clearly."""
    before = _snapshot(context)
    forecast, error = _call(fitted_frame_model.predict, context)
    if error is None:
        _check_forecast(forecast, context, 1)
    score, error = _call(fitted_frame_model.score, context)
    if error is None:
        assert np.isfinite(score) or len(context) == WINDOW + HORIZON  # r2 of 1 origin is nan
    _assert_unchanged(context, before)


@PROPERTY
@given(context=array_inputs(n_columns=2))
def test_predict_and_score_on_any_array_context(fitted_array_model, context):
    """Check that predict(X)/score(X) on any array context forecasts or raises clearly."""
    before = _snapshot(context)
    forecast, error = _call(fitted_array_model.predict, context)
    if error is None:
        _check_forecast(forecast, np.asarray(context), 2)
    _call(fitted_array_model.score, context)
    _assert_unchanged(context, before)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"gradient_clip": 0}, ValueError, r"gradient_clip must be in \(0.0, inf\)"),
        ({"gradient_clip": -1.0}, ValueError, "gradient_clip must be in"),
        ({"gradient_clip": "1"}, TypeError, "gradient_clip must be a number"),
        ({"lr": float("nan")}, ValueError, "lr must be in"),
    ],
)
def test_bad_training_params_raise(params, error, match):
    """Check that bad gradient_clip / lr values raise with the parameter's name."""
    with pytest.raises(error, match=match):
        LSTMForecaster(**{**TINY, **params}).fit(np.arange(20.0))


# -- training that cannot silently go wrong ------------------------------------------------------


def test_divergence_without_a_good_epoch_raises_with_advice():
    """Check that a loss that is infinite from the first epoch raises, saying what to try."""
    huge = np.sin(np.arange(40) / 4) * 1e30
    network = LSTMNetwork(hidden_size=2, instance_norm=None)
    with pytest.raises(ValueError, match="Training diverged.*lower lr.*scaler='standard'"):
        LSTMForecaster(scaler=None, **{**TINY, "network": network}).fit(huge)


@pytest.mark.parametrize("lr", [1e8, 1e12])
def test_finite_divergence_warns_and_keeps_the_initial_weights(lr):
    """Check that a huge lr whose losses stay finite but explode warns and forecasts sanely."""
    series = 1 + 0.1 * np.sin(np.arange(80) / 4)  # values near 1
    params = {**TINY, "epochs": 5, "window": 8, "network": LSTMNetwork(hidden_size=8)}
    with pytest.warns(UserWarning, match="Training diverged.*initial weights.*lower lr"):
        model = LSTMForecaster(**{**params, "lr": lr}).fit(series)
    assert model.best_epoch_ == -1
    assert min(model.history_["val_loss"]) > 2 * model.history_["initial_loss"]
    untrained = LSTMForecaster(**{**params, "lr": 1e-30}).fit(series)
    np.testing.assert_array_equal(model.predict(), untrained.predict())
    assert np.abs(model.predict() - 1).max() < 0.2


def test_finite_divergence_without_validation_warns_too():
    """Check that the divergence check monitors the training loss when nothing is held out."""
    series = 1 + 0.1 * np.sin(np.arange(80) / 4)
    params = {**TINY, "epochs": 3, "window": 8, "validation_fraction": 0.0, "lr": 1e10}
    with pytest.warns(UserWarning, match="best epoch's training loss"):
        model = LSTMForecaster(**params).fit(series)
    assert model.best_epoch_ == -1 and np.abs(model.predict() - 1).max() < 0.2


def test_sequence_estimator_divergence_warns():
    """Check that the sequence estimators share the divergence check."""
    from tsforecast import LSTMRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5, 2))
    with pytest.warns(UserWarning, match="Training diverged"):
        reg = LSTMRegressor(hidden_size=8, epochs=3, lr=1e10, random_state=0).fit(X, X.sum((1, 2)))
    assert reg.best_epoch_ == -1 and np.isfinite(reg.predict(X)).all()


def test_learning_fit_records_initial_loss_and_is_unchanged():
    """Check that a fit that learns keeps its best epoch and records the untrained loss."""
    series = np.sin(np.arange(80) / 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LSTMForecaster(**{**TINY, "epochs": 20, "window": 8}).fit(series)
    assert model.best_epoch_ >= 0
    assert model.history_["val_loss"][model.best_epoch_] < model.history_["initial_loss"]


def _nan_loss_after(monkeypatch, calls, error=None):
    """Make the loss NaN (or raise ``error``) from its ``calls``-th evaluation on."""
    real, count = torch.nn.functional.mse_loss, {"n": 0}

    def loss(pred, target):
        count["n"] += 1
        if count["n"] >= calls:
            if error is not None:
                raise error
            return real(pred, target) * float("nan")
        return real(pred, target)

    monkeypatch.setattr(torch.nn.functional, "mse_loss", loss)


def test_divergence_after_good_epochs_keeps_best_weights(monkeypatch):
    """Check that a loss turning NaN mid-training warns and keeps the best, finite model."""
    series = np.sin(np.arange(40) / 4)
    params = {**TINY, "epochs": 5, "batch_size": 64, "validation_fraction": 0.0,
              "intervals": ConformalIntervals(calibration="validation")}  # one training
    # call 1 evaluates the initial weights; epochs 1 and 2 are fine, epoch 3 is NaN
    _nan_loss_after(monkeypatch, calls=4)
    with pytest.warns(UserWarning, match="NaN or infinite.*best weights.*lower lr"):
        model = LSTMForecaster(**params).fit(series)
    assert len(model.history_["loss"]) == 2
    assert np.isfinite(model.predict()).all()


def test_keyboard_interrupt_keeps_best_weights_and_warns(monkeypatch):
    """Check that Ctrl-C during fit returns a usable model with the best weights so far."""
    series = np.sin(np.arange(40) / 4)
    params = {**TINY, "epochs": 5, "batch_size": 64, "validation_fraction": 0.0,
              "intervals": ConformalIntervals(calibration="validation")}  # one training
    reference = LSTMForecaster(**{**params, "epochs": 2, "early_stopping": False}).fit(series)
    _nan_loss_after(monkeypatch, calls=4, error=KeyboardInterrupt)  # in epoch 3
    with pytest.warns(UserWarning, match="interrupted after 2 epoch"):
        model = LSTMForecaster(**params).fit(series)
    assert model.history_["loss"] == reference.history_["loss"]
    assert np.isfinite(model.predict()).all()
    assert model.best_epoch_ == int(np.argmin(reference.history_["loss"]))


def _second_training_fails(monkeypatch, how):
    """The second training of a fit (``retrain_on_all``'s) turns its loss NaN after the initial
    weights' (``how="nan"``) or raises a RuntimeError (``how="raise"``), as a loss that blows
    up or a lost process would."""
    import tsforecast._base

    real, trainings, losses = tsforecast._base.train_module, {"n": 0}, {"n": 0}

    def nan_after_the_first(outputs, targets):
        losses["n"] += 1
        loss = torch.nn.functional.mse_loss(outputs, targets)
        return loss if losses["n"] == 1 else loss * float("nan")

    def train_module(module, batches, train_idx, val_idx, *, loss_fn, **options):
        trainings["n"] += 1
        if trainings["n"] == 2 and how == "raise":
            raise RuntimeError("the second training failed")
        if trainings["n"] == 2:
            loss_fn = nan_after_the_first
        return real(module, batches, train_idx, val_idx, loss_fn=loss_fn, **options)

    monkeypatch.setattr(tsforecast._base, "train_module", train_module)


RETRAIN = {**TINY, "window": 8, "horizon": 3, "epochs": 20, "patience": 2, "lr": 0.05,
           "retrain_on_all": True}


def test_a_retrain_that_diverges_keeps_the_first_fit_and_says_so(monkeypatch):
    """Check retrain_on_all when its second fit diverges: a warning, and the model is the
    first fit (its forecasts, weights and best epoch), not the untrained second network."""
    series = np.sin(np.arange(120) / 6)
    first = LSTMForecaster(**{**RETRAIN, "retrain_on_all": False}).fit(series)
    _second_training_fails(monkeypatch, "nan")
    with pytest.warns(UserWarning, match="retrain_on_all: the second fit.*diverged.*keeps the "
                                         "first fit"):
        model = LSTMForecaster(**RETRAIN).fit(series)
    np.testing.assert_array_equal(model.predict(), first.predict())
    assert model.best_epoch_ == first.best_epoch_ >= 0
    assert model.history_["retrain_loss"] == []


def test_a_fit_whose_retrain_raises_leaves_the_earlier_fit_untouched(monkeypatch):
    """Check that a fit failing in retrain_on_all's second training changes nothing: the model
    still forecasts what it did, from the series it was fitted on."""
    series = np.sin(np.arange(120) / 6)
    model = LSTMForecaster(**RETRAIN).fit(series)
    before, state = model.predict(), copy.deepcopy(model.state_)
    _second_training_fails(monkeypatch, "raise")
    with pytest.raises(RuntimeError, match="second training failed"):
        model.fit(series[:100] + 1.0)
    np.testing.assert_array_equal(model.predict(), before)
    assert model.series_lengths_.tolist() == state.lengths.tolist() == [120]
    assert model.history_ == state.history


def test_gradient_clip_changes_training_and_stays_finite():
    """Check that gradient_clip is applied: a tiny clip trains differently from no clip (the
    network's own forecasts: the median with the smoothing may leave the network out)."""
    series = np.sin(np.arange(40) / 4)
    params = {**TINY, "epochs": 3, "smoothing": False}
    free = LSTMForecaster(**params).fit(series)
    clipped = LSTMForecaster(gradient_clip=1e-4, **params).fit(series)
    assert np.isfinite(clipped.history_["loss"]).all()
    assert not np.array_equal(free.predict(), clipped.predict())


def test_gradient_clip_calls_clip_grad_norm(monkeypatch):
    """Check that gradient_clip reaches torch.nn.utils.clip_grad_norm_ with its value."""
    seen = []
    real = torch.nn.utils.clip_grad_norm_
    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_",
                        lambda params, max_norm: seen.append(max_norm) or real(params, max_norm))
    LSTMForecaster(gradient_clip=0.5, **TINY).fit(np.sin(np.arange(30) / 4))
    assert seen and set(seen) == {0.5}


# -- random state ------------------------------------------------------------------------------


@pytest.mark.parametrize("random_state", [None, 0])
def test_fit_leaves_global_random_state_alone(random_state):
    """Check that fit changes neither numpy's, torch's nor Python's global RNG."""
    np_state = np.random.get_state()  # noqa: NPY002  (the legacy global RNG is what we check)
    torch_state, py_state = torch.get_rng_state(), random.getstate()
    LSTMForecaster(**{**TINY, "random_state": random_state}).fit(np.sin(np.arange(30) / 4))
    after = np.random.get_state()  # noqa: NPY002
    assert all(np.array_equal(a, b) for a, b in zip(np_state, after))
    assert torch.equal(torch_state, torch.get_rng_state())
    assert random.getstate() == py_state


def test_same_random_state_is_bit_identical_across_n_jobs():
    """Check that joblib workers (n_jobs=2) give exactly the scores and model of a serial run."""
    series = np.sin(np.arange(60) / 4) + np.arange(60) / 60
    model = LSTMForecaster(**{**TINY, "epochs": 2})
    grid, cv = {"network__hidden_size": [2, 3]}, TimeSeriesSplit(2)
    serial = GridSearchCV(model, grid, cv=cv, n_jobs=1).fit(series)
    parallel = GridSearchCV(model, grid, cv=cv, n_jobs=2).fit(series)
    for key in ("split0_test_score", "split1_test_score"):
        np.testing.assert_array_equal(serial.cv_results_[key], parallel.cv_results_[key])
    np.testing.assert_array_equal(serial.best_estimator_.predict(),
                                  parallel.best_estimator_.predict())


# -- sequence estimators (LSTMClassifier, LSTMRegressor) -----------------------------------------

SEQ_TINY = {"hidden_size": 2, "epochs": 1, "batch_size": 8, "random_state": 0, "device": "cpu"}
LABELS = {
    "str": np.array(["down", "up"]),
    "int": np.array([3, 7]),
    "bool": np.array([False, True]),
    "float": np.array([0.5, 1.5]),
    "object": np.array(["a", 1], dtype=object),
}


def _assert_clear_sequence_error(error):
    """ValueError/TypeError raised by tsforecast or by sklearn's input validation."""
    assert isinstance(error, (ValueError, TypeError)), repr(error)
    where = traceback.extract_tb(error.__traceback__)[-1].filename.replace("\\", "/")
    assert "/tsforecast/" in where or "/sklearn/" in where, f"{error!r} escaped from {where}"
    assert len(str(error)) > 15, str(error)


def _call_sequence(function, *args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(*args), None
    except (ValueError, TypeError) as error:
        _assert_clear_sequence_error(error)
        return None, error


@st.composite
def sequence_inputs(draw, regression):
    """(X, y): 2-D/3-D X of any size and dtype, maybe NaN/inf; labels or targets of any kind."""
    n = draw(st.sampled_from([0, 1, 2, 6, 12]))
    steps, features = draw(st.sampled_from([0, 1, 3])), draw(st.sampled_from([1, 2]))
    values = draw(float_values(n, steps * features)) if steps else np.zeros((n, 0))
    values = _as_dtype(values, draw(st.sampled_from(ARRAY_DTYPES[:7] + ["object", "str"])))
    X = values.reshape(n, steps, features) if draw(st.booleans()) else values
    if regression:
        y = draw(float_values(n, draw(st.sampled_from([1, 2])))) if n else np.zeros((0, 1))
        y = y[:, 0] if y.shape[1] == 1 and draw(st.booleans()) else y
    else:
        labels = LABELS[draw(st.sampled_from(sorted(LABELS)))]
        y = labels[np.arange(n) % draw(st.sampled_from([1, 2]))]
        if n and draw(st.integers(0, 5)) == 0:
            y = y.astype(object)
            y[draw(st.integers(0, n - 1))] = np.nan
    if draw(st.integers(0, 5)) == 0:
        y = y[:-1]  # misaligned
    return X, y


@pytest.mark.parametrize("regression", [False, True])
@PROPERTY
@given(st.data())
def test_sequence_fit_predicts_or_raises_a_clear_error(regression, data):
    """Check that LSTMClassifier/LSTMRegressor fit on any input predicts finite values of the
    right shape or raises ValueError/TypeError, and never modifies the caller's arrays."""
    from tsforecast.sequence import LSTMClassifier, LSTMRegressor

    X, y = data.draw(sequence_inputs(regression))
    before = _snapshot((X, y))
    model = (LSTMRegressor if regression else LSTMClassifier)(**SEQ_TINY)
    fitted, error = _call_sequence(model.fit, X, y)
    _assert_unchanged(X, before[0])
    _assert_unchanged(y, before[1])
    if error is not None:
        return
    predicted, error = _call_sequence(fitted.predict, X)
    assert error is None, error
    assert len(predicted) == len(X)
    if regression:
        assert predicted.shape == np.shape(y) and np.isfinite(predicted).all()
    else:
        assert set(predicted.tolist()) <= set(fitted.classes_.tolist())
        proba = fitted.predict_proba(X)
        assert np.isfinite(proba).all()
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    _, error = _call_sequence(fitted.score, X, y)
    assert error is None, error


@pytest.mark.parametrize("name", ["LSTMClassifier", "LSTMRegressor"])
def test_sequence_estimators_keep_global_random_state(name):
    """Check that sequence estimators' fit leaves numpy's and torch's global RNGs alone."""
    import tsforecast.sequence as sequence

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 4, 2)), np.arange(20) % 2
    np_state, torch_state = np.random.get_state(), torch.get_rng_state()  # noqa: NPY002
    getattr(sequence, name)(**{**SEQ_TINY, "random_state": None}).fit(X, y)
    after = np.random.get_state()  # noqa: NPY002
    assert all(np.array_equal(a, b) for a, b in zip(np_state, after))
    assert torch.equal(torch_state, torch.get_rng_state())


def test_sequence_gradient_clip_is_checked():
    """Check that the sequence estimators check gradient_clip like the forecaster."""
    from tsforecast.sequence import LSTMRegressor

    with pytest.raises(ValueError, match="gradient_clip must be in"):
        LSTMRegressor(gradient_clip=-1.0, **SEQ_TINY).fit(np.zeros((10, 3)), np.zeros(10))
