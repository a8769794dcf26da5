"""Tests for LSTMForecaster through its public API."""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import TINY
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from tsforecast import LSTMForecaster, LSTMNetwork, datasets


def tiny(**params):
    return LSTMForecaster(**{**TINY, "window": 8, **params})


def beats_naive(model, series, start=80, margin=0.8):
    """Held-out MAE after ``start`` is at most ``margin`` x the naive (last value) forecast's.

    The untrained forecaster (zero head, ``instance_norm="last"``) is the naive forecast, so
    this fails unless training taught the network something.
    """
    window, horizon = model.window_, model.horizon
    test = series[start - window :]
    forecasts = model.predict_rolling(test)
    n_origins = len(forecasts)
    actual = np.stack([test[window + i : window + i + horizon] for i in range(n_origins)])
    naive = test[window - 1 : window - 1 + n_origins, None]
    return np.abs(forecasts - actual).mean() <= margin * np.abs(naive - actual).mean()


# -- input types and output shapes ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["list", "ndarray", "column", "series", "frame"])
@pytest.mark.parametrize("horizon", [1, 4])
def test_one_target_forecast_mirrors_the_input_type(sine, kind, horizon):
    """Check that one target gives (horizon,) for numpy and a Series for pandas input."""
    data = {
        "list": list(sine),
        "ndarray": sine,
        "column": sine.reshape(-1, 1),
        "series": pd.Series(sine, name="y"),
        "frame": pd.DataFrame({"y": sine}),
    }[kind]
    forecast = tiny(horizon=horizon).fit(data).predict()
    if kind in ("series", "frame"):
        assert isinstance(forecast, pd.Series) and forecast.name == "y"
        pd.testing.assert_index_equal(forecast.index, pd.RangeIndex(120, 120 + horizon))
    else:
        assert isinstance(forecast, np.ndarray) and forecast.shape == (horizon,)
    assert np.isfinite(np.asarray(forecast)).all()


def test_every_column_is_a_target_without_target(sine):
    """Check that a 2-D array with three columns gives (horizon, 3) forecasts."""
    data = np.column_stack([sine, 2 * sine, sine + 1])
    model = tiny(horizon=3).fit(data)
    assert model.predict().shape == (3, 3)
    assert model.n_targets_ == 3 and model.n_features_in_ == 3


def test_target_column_with_covariates_keeps_names_and_dates(frame):
    """Check that target= forecasts one column as a Series on the following dates."""
    model = tiny(horizon=5, target="sales").fit(frame)
    forecast = model.predict()
    assert isinstance(forecast, pd.Series) and forecast.name == "sales"
    expected = pd.date_range("2024-04-10", periods=5, freq="D", name="date")
    pd.testing.assert_index_equal(forecast.index, expected)
    assert list(model.feature_names_in_) == ["sales", "price"]
    assert model.n_targets_ == 1


def test_several_targets_come_back_as_a_dataframe(frame):
    """Check that a list of targets gives a DataFrame with those columns."""
    forecast = tiny(horizon=2, target=["price", "sales"]).fit(frame).predict()
    assert isinstance(forecast, pd.DataFrame)
    assert list(forecast.columns) == ["price", "sales"]
    assert forecast.shape == (2, 2)


def test_fit_x_y_uses_x_as_covariates(frame):
    """Check that fit(X, y) forecasts y and needs the y history in predict contexts."""
    X, y = frame[["price"]], frame["sales"]
    model = tiny(horizon=3).fit(X, y)
    assert model.n_features_in_ == 1 and list(model.feature_names_in_) == ["price"]
    forecast = model.predict(X.iloc[:50], y.iloc[:50])
    assert forecast.name == "sales"
    assert forecast.index[0] == y.index[50]
    with pytest.raises(ValueError, match="fit\\(X, y\\), so a forecast needs the target history"):
        model.predict(X.iloc[:50])


def test_predict_on_the_training_series_equals_predict_without_context(frame):
    """Check that predict(X_train) forecasts the same as predict()."""
    model = tiny(horizon=4, target="sales").fit(frame)
    pd.testing.assert_series_equal(model.predict(frame), model.predict())


def test_period_index_is_continued():
    """Check that a monthly PeriodIndex continues month by month."""
    series = datasets.load_air_passengers()
    forecast = tiny(horizon=3).fit(series[:-12]).predict()
    assert list(forecast.index.astype(str)) == ["1960-01", "1960-02", "1960-03"]


def test_range_index_with_step_is_continued(sine):
    """Check that a RangeIndex with step 5 continues with step 5."""
    series = pd.Series(sine, index=pd.RangeIndex(0, 600, 5))
    forecast = tiny(horizon=2).fit(series).predict()
    assert list(forecast.index) == [600, 605]


def test_tz_aware_hourly_index_is_continued(sine):
    """Check that a tz-aware hourly index continues in the same time zone."""
    index = pd.date_range("2024-03-01", periods=120, freq="h", tz="Europe/Paris")
    forecast = tiny(horizon=2).fit(pd.Series(sine, index=index)).predict()
    assert forecast.index[0] == index[-1] + pd.Timedelta("1h")
    assert str(forecast.index.tz) == "Europe/Paris"


@pytest.mark.parametrize(
    "params",
    [{"num_layers": 2, "dropout": 0.2}, {"bidirectional": True}, {"proj_size": 2}],
)
def test_network_options_train_and_forecast(sine, params):
    """Check that stacked, bidirectional and projected LSTMs learn and forecast the right shape.

    Trained on the first 80 points, each must forecast the rest at most 0.8x the naive
    forecast's MAE (measured: 0.64x, 0.54x, 0.55x; untrained: 1x).
    """
    network = LSTMNetwork(hidden_size=8, **params)
    model = tiny(horizon=3, network=network, epochs=30, lr=1e-2).fit(sine[:80])
    assert model.module_.lstm.num_layers == params.get("num_layers", 1)
    assert model.predict().shape == (3,)
    assert beats_naive(model, sine)


@pytest.mark.parametrize("scaler", ["standard", "minmax", "none", None])
def test_every_scaler_forecasts(sine, scaler):
    """Check that each scaler option fits, forecasts finite values and learns.

    On the sine x 100, trained on the first 80 points, each must forecast the rest at most 0.8x
    the naive forecast's MAE (measured: 0.50x standard, 0.63x minmax, 0.61x none; untrained: 1x).
    """
    series = sine * 100
    model = tiny(horizon=3, network=LSTMNetwork(hidden_size=8), epochs=30, lr=1e-2,
                 scaler=scaler).fit(series[:80])
    assert np.isfinite(model.predict()).all()
    assert beats_naive(model, series)


# -- learned state, determinism, sklearn protocol ---------------------------------------------


def test_scaler_is_fitted_on_the_training_rows_only(sine):
    """Check that the scaling statistics ignore the validation rows."""
    series = np.concatenate([sine, sine[-20:] + 50])  # a shift inside validation only
    model = tiny(validation_fraction=0.2).fit(series)
    n_windows = len(series) - 8 - 1 + 1
    fit_rows = n_windows - int(np.ceil(0.2 * n_windows)) + 8
    np.testing.assert_allclose(model.scaler_.offset, [[series[:fit_rows].mean()]])
    np.testing.assert_allclose(model.scaler_.scale, [[series[:fit_rows].std()]])


def test_validation_loss_is_recorded_only_with_a_validation_split(sine):
    """Check history_ has a val_loss per epoch with validation and none without."""
    with_val = tiny(epochs=3, early_stopping=False).fit(sine)
    without = tiny(epochs=3, validation_fraction=0.0, early_stopping=False).fit(sine)
    assert len(with_val.history_["val_loss"]) == 3 == len(with_val.history_["loss"])
    assert without.history_["val_loss"] == [] and len(without.history_["loss"]) == 3


def test_early_stopping_keeps_the_best_validation_epoch(sine):
    """Check that early stopping stops and restores the epoch with the lowest val_loss.

    The weights held must be the best epoch's: the validation loss recomputed by hand from
    the final model's forecasts on the validation windows equals history_["val_loss"] at
    best_epoch_, not at the last epoch. With scaler=None the loss is in data units, so the
    recomputation needs no scaling statistics.
    """
    model = tiny(epochs=60, patience=2, lr=0.05, scaler=None, smoothing=False).fit(sine)
    val = model.history_["val_loss"]
    assert len(val) < 60
    assert model.best_epoch_ == int(np.argmin(val))
    assert len(val) - 1 - model.best_epoch_ == 2
    assert val[model.best_epoch_] < 0.5 * val[0]  # it learned before it stopped
    # the last ceil(0.1 * 112) = 12 of the 112 windows validate: targets are rows 108..119
    forecasts = model.predict_rolling(sine[100:])[:, 0]
    held = np.mean((forecasts - sine[108:]) ** 2)
    assert abs(val[-1] - val[model.best_epoch_]) > 1e-3 * val[model.best_epoch_]
    assert held == pytest.approx(val[model.best_epoch_], rel=1e-4)


def test_retrain_on_all_trains_again_on_every_window_for_the_chosen_epochs(sine):
    """Check retrain_on_all: the first fit's losses, best epoch and intervals are kept, and the
    forecasts are those of a fit on every window, without validation, for ``best_epoch_ + 1``
    epochs."""
    params = {"epochs": 40, "patience": 2, "lr": 0.05, "horizon": 3, "smoothing": False}
    first = tiny(**params).fit(sine)
    model = tiny(**params, retrain_on_all=True).fit(sine)
    assert model.best_epoch_ == first.best_epoch_ > 0
    assert model.history_["val_loss"] == first.history_["val_loss"]
    assert len(model.history_["retrain_loss"]) == first.best_epoch_ + 1
    by_hand = tiny(**{**params, "validation_fraction": 0.0, "early_stopping": False,
                      "epochs": first.best_epoch_ + 1}).fit(sine)
    np.testing.assert_array_equal(model.predict(), by_hand.predict())
    assert np.abs(model.predict() - first.predict()).max() > 1e-3
    np.testing.assert_array_equal(model.conformal_errors_, first.conformal_errors_)
    assert model.get_params()["validation_fraction"] == 0.1  # the parameters are untouched


def test_retrain_on_all_does_nothing_without_validation_windows(sine):
    """Check that without validation windows the fit is the usual one (nothing to retrain)."""
    params = {"validation_fraction": 0.0, "deseasonalize": False}
    plain = tiny(**params).fit(sine)
    model = tiny(**params, retrain_on_all=True).fit(sine)
    assert model.history_["retrain_loss"] == []
    np.testing.assert_array_equal(model.predict(), plain.predict())


def test_same_random_state_gives_identical_forecasts(sine):
    """Check that two fits with one random_state agree exactly, another seed differs (the
    network's own forecasts: the median with the smoothing may leave the network out)."""
    first = tiny(random_state=3, horizon=2, smoothing=False).fit(sine).predict()
    second = tiny(random_state=3, horizon=2, smoothing=False).fit(sine).predict()
    other = tiny(random_state=4, horizon=2, smoothing=False).fit(sine).predict()
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_fit_leaves_global_random_state_alone(sine):
    """Check that fit does not advance numpy's or torch's global RNG."""
    np_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state().clone()
    tiny(random_state=None).fit(sine)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_fit_and_predict_do_not_modify_the_input(frame):
    """Check that the caller's DataFrame is unchanged by fit, predict and score."""
    before = copy.deepcopy(frame)
    model = tiny(target="sales").fit(frame)
    model.predict(frame)
    model.score(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_params_clone_and_set_params_round_trip():
    """Check get_params returns constructor args unchanged and clone copies them."""
    model = LSTMForecaster(window=7, horizon=3, network=LSTMNetwork(hidden_size=5), target="a")
    assert model.get_params()["window"] == 7 and model.get_params()["target"] == "a"
    cloned = clone(model).set_params(network__hidden_size=9)
    assert cloned.network.hidden_size == 9 and model.network.hidden_size == 5


def test_pickle_round_trip_predicts_the_same(frame):
    """Check that an unpickled model forecasts exactly like the original."""
    model = tiny(horizon=3, target="sales").fit(frame)
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_series_equal(restored.predict(), model.predict())


@pytest.mark.parametrize("method", ["predict", "score", "predict_rolling"])
def test_unfitted_model_raises_not_fitted(sine, method):
    """Check that predict/score/predict_rolling before fit raise NotFittedError."""
    with pytest.raises(NotFittedError):
        getattr(LSTMForecaster(), method)(sine)


# -- rolling forecasts and score --------------------------------------------------------------


def test_rolling_forecasts_equal_one_predict_per_origin(sine):
    """Check that each row of predict_rolling equals predict() on that origin's context."""
    model = tiny(horizon=3).fit(sine)
    test = sine[60:]
    rolling = model.predict_rolling(test)
    assert rolling.shape == (len(test) - 8 - 3 + 1, 3)
    for origin in (0, 7, rolling.shape[0] - 1):
        np.testing.assert_allclose(rolling[origin], model.predict(test[: 8 + origin]), rtol=1e-6)


def test_rolling_forecasts_are_indexed_by_their_first_step(frame):
    """Check the pandas output: one row per origin, indexed by the first forecast date."""
    model = tiny(horizon=2, target="sales").fit(frame)
    rolling = model.predict_rolling(frame.iloc[-30:])
    assert rolling.index[0] == frame.index[-30 + 8]
    assert list(rolling.columns) == [1, 2]
    assert rolling.shape == (30 - 8 - 2 + 1, 2)


def test_rolling_forecasts_of_several_targets_have_target_step_columns(frame):
    """Check that several targets give (target, step) columns or a 3-D array."""
    model = tiny(horizon=2, deseasonalize=False).fit(frame)
    rolling = model.predict_rolling(frame.iloc[-20:])
    assert list(rolling.columns) == [("sales", 1), ("sales", 2), ("price", 1), ("price", 2)]
    assert model.predict_rolling(frame.iloc[-20:].to_numpy()).shape == (11, 2, 2)


def test_score_is_r2_of_the_rolling_forecasts(sine):
    """Check that score equals r2_score over every origin and step."""
    model = tiny(horizon=2).fit(sine[:80])
    test = sine[80:]
    rolling = model.predict_rolling(test)
    actual = np.stack([test[8 + i : 8 + i + 2] for i in range(len(rolling))])
    assert model.score(test) == pytest.approx(r2_score(actual, rolling))


# -- composition with scikit-learn -----------------------------------------------------------


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_with_time_series_split(sine, n_jobs):
    """Check GridSearchCV over window with TimeSeriesSplit on a plain series."""
    search = GridSearchCV(
        tiny(), {"window": [4, 6]}, cv=TimeSeriesSplit(n_splits=3), n_jobs=n_jobs
    ).fit(pd.Series(sine))
    assert search.best_params_["window"] in (4, 6)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.predict().shape == (1,)


def test_cross_val_score_on_a_series(sine):
    """Check cross_val_score returns one finite R^2 per split."""
    scores = cross_val_score(tiny(), sine, cv=TimeSeriesSplit(n_splits=3))
    assert scores.shape == (3,) and np.isfinite(scores).all()


def test_pipeline_scales_covariates_then_forecasts(frame):
    """Check a Pipeline of a transformer and the forecaster with fit(X, y)."""
    X, y = frame[["price"]], frame["sales"]
    pipe = Pipeline([("scale", StandardScaler()), ("model", tiny(horizon=2))]).fit(X, y)
    forecast = pipe.predict(X.iloc[:40], y=y.iloc[:40])
    assert forecast.shape == (2,) and forecast.index[0] == y.index[40]
    assert np.isfinite(pipe.score(X.iloc[-30:], y.iloc[-30:]))


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"window": 0}, ValueError, "window must be an int >= 1; got window=0"),
        ({"window": 2.5}, TypeError, "window must be an int"),
        ({"horizon": -1}, ValueError, "horizon must be an int >= 1"),
        ({"scaler": "robust"}, ValueError, "scaler must be 'auto', one of"),
        ({"loss": "l2"}, ValueError, "loss must be 'auto' or one of \\('mse', 'mae', 'huber'\\)"),
        ({"network": LSTMNetwork(hidden_size=4, dropout=1.0)}, ValueError, "dropout must be in"),
        ({"validation_fraction": 1.0}, ValueError, "validation_fraction must be in"),
        ({"lr": 0}, ValueError, "lr must be in"),
        ({"network": LSTMNetwork(hidden_size=4, proj_size=4)}, ValueError,
         "proj_size must be smaller than hidden_size"),
        ({"network": LSTMNetwork(hidden_size=4, bidirectional="yes")}, TypeError,
         "bidirectional must be True or False"),
        ({"device": "tpu"}, ValueError, "device must be"),
        ({"device": "cuda:7"}, ValueError, "device='cuda:7' was requested"),
    ],
)
def test_bad_parameters_raise_in_fit(sine, params, error, match):
    """Check that each bad parameter raises in fit with a message naming it."""
    if params.get("device", "").startswith("cuda") and torch.cuda.device_count() > 7:
        pytest.skip("this machine has the requested GPU")
    with pytest.raises(error, match=match):
        tiny(**params).fit(sine)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda s: np.where(np.arange(120) == 30, np.nan, s), ValueError, "NaN or inf.*row 30"),
        (lambda s: np.where(np.arange(120) == 5, np.inf, s), ValueError, "first \\(infinite\\)"),
        (lambda s: s.reshape(2, 6, 10), ValueError, "must be 1-D .* or 2-D"),
        (lambda s: s[:8], ValueError, "X has 8 rows, but window=8 and horizon=1 need at least 9"),
        (lambda s: [], ValueError, "empty"),
        (lambda s: pd.DataFrame({"y": s, "kind": ["a"] * 120}), TypeError, "non-numeric.*kind"),
        (lambda s: np.array(["x"] * 120), TypeError, "must hold numbers"),
        (lambda s: "a series", TypeError, "must be a list, numpy array"),
    ],
)
def test_bad_series_raise_clear_errors(sine, make, error, match):
    """Check NaN, inf, 3-D, too short, empty and non-numeric input are refused clearly."""
    with pytest.raises(error, match=match):
        tiny().fit(make(sine))


def test_unsorted_and_duplicate_timestamps_are_refused(frame):
    """Check that unsorted or duplicate timestamps raise and say how to fix them."""
    with pytest.raises(ValueError, match="not sorted in time.*sort_index"):
        tiny().fit(frame.iloc[::-1])
    duplicated = frame.set_axis(frame.index.where(np.arange(100) != 3, frame.index[2]))
    with pytest.raises(ValueError, match="duplicate timestamps.*2024-01-03"):
        tiny().fit(duplicated)


def test_irregular_dates_are_refused(frame):
    """Check that an index without a regular frequency cannot be continued and says why."""
    irregular = frame.drop(frame.index[[5, 17, 40]])
    with pytest.raises(ValueError, match="no regular frequency.*asfreq"):
        tiny(target="sales").fit(irregular)


def test_target_must_be_a_column(frame):
    """Check that a missing target column lists the available columns."""
    with pytest.raises(ValueError, match="not in X; available columns: \\['sales', 'price'\\]"):
        tiny(target="revenue").fit(frame)
    with pytest.raises(ValueError, match="either fit\\(X\\) with target"):
        tiny(target="sales").fit(frame[["price"]], frame["sales"])


def test_predict_context_must_match_the_fit_layout(frame):
    """Check short contexts and contexts with other columns are refused."""
    model = tiny(target="sales").fit(frame)
    with pytest.raises(ValueError, match="context has 5 rows, but .* at least 8"):
        model.predict(frame.iloc[:5])
    with pytest.raises(ValueError, match="X has 1 columns, but this forecaster was fitted with 2"):
        model.predict(frame[["sales"]])
    renamed = frame.rename(columns={"price": "cost"})
    with pytest.raises(ValueError, match="differ from those seen at fit"):
        model.predict(renamed)
    with pytest.raises(ValueError, match="context has 9 rows, but .* at least 9|at least 9"):
        model.score(frame.iloc[:8])


# -- progress output and devices -------------------------------------------------------------


def test_verbose_zero_is_silent_and_two_prints_each_epoch(sine, capsys):
    """Check verbose=0 prints nothing and verbose=2 prints one line per epoch."""
    tiny(epochs=3, early_stopping=False).fit(sine)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    tiny(epochs=3, early_stopping=False, verbose=2).fit(sine)
    err = capsys.readouterr().err
    assert [line.split(":")[0] for line in err.splitlines() if line.startswith("epoch")] == [
        "epoch 1/3", "epoch 2/3", "epoch 3/3"]


REALLY_AVAILABLE = {"cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available(),
                    "cpu": True}


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(True, True, "cuda"), (True, False, "cuda"), (False, True, "mps"), (False, False, "cpu")],
)
def test_auto_device_resolves_to_an_available_device(sine, monkeypatch, cuda, mps, expected):
    """Check device='auto' picks cuda, then mps, then cpu, and records it in device_.

    torch's availability checks are patched to force each branch. Where the picked device does
    not exist on this machine, fit must fail while trying to use that device (its error names
    it), which shows that it was picked.
    """
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    if not REALLY_AVAILABLE[expected]:
        names_it = {"cuda": "(?i)cuda|nvidia", "mps": "(?i)mps"}[expected]
        with pytest.raises((AssertionError, RuntimeError), match=names_it):
            tiny(device="auto").fit(sine)
        return
    model = tiny(device="auto").fit(sine)
    assert model.device_.type == expected
    assert next(model.module_.parameters()).device.type == expected


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fit_predicts_like_cpu_and_pickles_to_cpu(sine):
    """Check a CUDA fit forecasts close to a CPU fit and its pickle holds CPU weights."""
    on_gpu = tiny(device="cuda", horizon=3).fit(sine)
    on_cpu = tiny(device="cpu", horizon=3).fit(sine)
    np.testing.assert_allclose(on_gpu.predict(), on_cpu.predict(), atol=1e-3)
    state = on_gpu.__getstate__()
    assert all(p.device.type == "cpu" for p in state["module_"].parameters())
